"""An animation's frames redrawn only where they change equal the frames drawn whole."""

import io
import itertools

import pytest

from microgradjp import Value
from microgradjp.views import pictures, redraw
from microgradjp.views.player import Player
from microgradjp.views.raster import FRAME_PIXELS, FRAME_SIDE_PIXELS

from .conftest import chained_sum

Image = pytest.importorskip("PIL.Image", reason="Pillow is the animate extra")
ImageChops = pytest.importorskip("PIL.ImageChops")
EVERYWHERE = (-1e9, -1e9, 1e9, 1e9)


def apples():
    # The book's apple price: Japanese labels, products, a long caption in both languages.
    apple, count, tax = Value(100.0, label="りんご"), Value(2.0, label="個数"), Value(
        1.1, label="消費税")
    return (apple * count * tax).named("支払金額")


def frames_of(player, kept=lambda svg: True, every_frame_whole=False):
    changes = pictures.frame_changes(player._svg, player.frames, player.states(), "both")
    if every_frame_whole:  # the plain reference: each frame drawn whole
        changes = ((svg, [EVERYWHERE]) for svg, _ in changes)
    images = redraw.frame_images(changes, pixels=FRAME_PIXELS, side=FRAME_SIDE_PIXELS)
    return [image.copy() for image in images]


def wrong_pixels(one, other):
    # Pixels off by more than anti-aliasing noise (resvg places a glyph a little differently
    # in a piece than in the whole picture: a handful of pixels by a few dozen levels).
    assert one.size == other.size
    return sum(ImageChops.difference(one, other).convert("L").histogram()[64:])


@pytest.mark.parametrize("root", [chained_sum(6), apples()], ids=["sum", "apples"])
def test_frames_redrawn_where_they_change_are_the_frames_drawn_whole(root):
    player = Player(root)
    redrawn, whole = frames_of(player), frames_of(player, every_frame_whole=True)
    assert len(redrawn) == len(whole) == len(player.frames)
    pairs = zip(redrawn, whole, strict=True)
    assert [wrong_pixels(one, other) for one, other in pairs] == [0] * len(whole)
    # and the frames do differ from each other: a redraw that missed a change would show
    assert min(wrong_pixels(one, other) for one, other in itertools.pairwise(whole)) > 20


def test_a_redraw_that_ignored_the_changes_would_be_caught():
    player = Player(chained_sum(4))
    changes = pictures.frame_changes(player._svg, player.frames, player.states(), "both")
    blind = [(svg, boxes if k == 0 else []) for k, (svg, boxes) in enumerate(changes)]
    stale = [image.copy() for image in redraw.frame_images(
        blind, pixels=FRAME_PIXELS, side=FRAME_SIDE_PIXELS)]
    whole = frames_of(player, every_frame_whole=True)
    assert wrong_pixels(stale[-1], whole[-1]) > 1000


@pytest.mark.parametrize("phase", ["backward", "forward"])
def test_an_apng_of_one_phase_shows_each_kept_frame_as_drawn_whole(tmp_path, phase):
    # The frames skipped still changed the picture: their changes are redrawn in the next one.
    player = Player(chained_sum(5))
    kinds = {"backward": ("seed", "backward"), "forward": ("inputs", "forward")}[phase]
    whole = [image for frame, image in zip(player.frames, frames_of(
        player, every_frame_whole=True), strict=True) if frame.kind in kinds]
    path = player.save_animation(tmp_path / "steps.png", phase=phase)
    with Image.open(path) as animation:
        assert animation.n_frames == len(whole)
        for k, expected in enumerate(whole):
            animation.seek(k)
            assert wrong_pixels(animation.convert("RGB"), expected) == 0


def test_the_first_frame_drawn_whole_matches_a_png_of_it():
    # The redraw's pixel grid is the PNG route's: same size, same picture.
    player = Player(apples())
    first_svg = next(iter(player.frame_svgs()))
    png = pictures.png(first_svg, pixels=FRAME_PIXELS, side=FRAME_SIDE_PIXELS)
    with Image.open(io.BytesIO(png)) as picture:
        drawn = redraw.on_white(Image, picture)
    assert drawn.size == frames_of(player)[0].size
