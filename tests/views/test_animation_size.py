"""An animation is drawn at a watching size and refused at once past MAX_ANIMATION_FRAMES."""

import pytest

from microgradjp.views import pictures
from microgradjp.views.digraph import DrawingError
from microgradjp.views.player import MAX_ANIMATION_FRAMES, Player
from microgradjp.views.raster import FRAME_PIXELS, FRAME_SIDE_PIXELS, MAX_SIDE_PIXELS, png_dpi

from .conftest import chained_sum

Image = pytest.importorskip("PIL.Image", reason="Pillow is the animate extra")


def test_a_frame_budget_lowers_the_dpi_of_a_wide_picture_only():
    wide, small = '<svg width="3000pt" height="700pt">', '<svg width="300pt" height="70pt">'
    assert png_dpi(wide, FRAME_PIXELS, FRAME_SIDE_PIXELS) * 3000 / 72 < FRAME_SIDE_PIXELS
    assert png_dpi(wide) * 3000 / 72 < MAX_SIDE_PIXELS
    assert png_dpi(small, FRAME_PIXELS, FRAME_SIDE_PIXELS) == png_dpi(small) == 144


@pytest.mark.slow
def test_a_wide_players_gif_frames_stay_within_the_frame_budget(tmp_path):
    player = Player(chained_sum(14))
    gif = player.save_animation(tmp_path / "sum.gif", phase="forward")
    with Image.open(gif) as frames:
        width, height = frames.size
        assert frames.n_frames == 14  # the inputs, then 13 sums
    assert width < FRAME_SIDE_PIXELS and width * height <= FRAME_PIXELS
    assert width > 2000  # scaled to the budget, not below it: still readable


def test_an_animation_past_the_frame_cap_is_refused_before_any_frame_is_drawn(
        tmp_path, monkeypatch):
    player = Player(chained_sum(160))
    assert len(player.frames) > MAX_ANIMATION_FRAMES

    def no_drawing(*_, **__):
        raise AssertionError("a frame was drawn")

    monkeypatch.setattr(pictures, "png", no_drawing)
    with pytest.raises(DrawingError, match=r"479 frames is more than 300.*\.save\('steps.html'\)"):
        player.save_animation(tmp_path / "sum.gif")
    assert not (tmp_path / "sum.gif").exists()
