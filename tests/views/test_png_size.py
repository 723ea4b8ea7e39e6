"""Tests for the PNG pixel budget: a big graph's PNG fits it on every route (system dot's own PNG,
graphviz-pure's own PNG, an engine's SVG drawn by resvg), a small graph keeps 144 dpi."""

import io
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from microgradjp import Value
from microgradjp.views import fonts, raster
from microgradjp.views import layout as engines
from microgradjp.viz import render, to_dot

JAPANESE_FONT = fonts.japanese_font() or fonts.BUNDLED_FONT
# (engine, labels): the labels pick who draws the pixels. graphviz-pure never draws Japanese
# itself, so its Japanese PNG is always resvg's.
ROUTES = [
    pytest.param("dot", "latin", id="dot-png",
                 marks=pytest.mark.system_dot),
    pytest.param("graphviz-pure", "latin", id="graphviz-pure-png"),
    pytest.param("graphviz-pure", "japanese", id="resvg",
                 marks=pytest.mark.skipif(JAPANESE_FONT is None, reason="no Japanese font")),
]


@pytest.fixture(autouse=True)
def known_font(monkeypatch):
    # The font this machine has, or the pip one, found the same way by every test here.
    monkeypatch.setattr(fonts, "japanese_font", lambda: JAPANESE_FONT)
    monkeypatch.setattr(engines, "_warned", set())


def weights_chain(labels, length):
    """A product of `length` weights: grows both ways, so the area budget binds."""
    x = Value(1.0, label="入力" if labels == "japanese" else "input")
    for k in range(length):
        x = x * Value(1.01, label=f"重み{k}" if labels == "japanese" else f"w{k}")
    x.backward()  # every edge then carries its number, as a drawing after backward() does
    return x


def tanh_chain(labels, length):
    """`length` tanh in a row: one long thin line, so the side cap binds."""
    x = Value(0.5, label="入力" if labels == "japanese" else "input")
    for _ in range(length):
        x = x.tanh()
    x.backward()
    return x


def png_size(path):
    return Image.open(io.BytesIO(path.read_bytes())).size


def svg_points(engine, root):
    svg = engines.pipe(to_dot(root).source, "svg", engine).decode("utf-8")
    width, height = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    return float(width), float(height)


@pytest.mark.parametrize(("engine", "labels"), ROUTES)
@pytest.mark.parametrize(("graph", "binding"), [(weights_chain, "area"), (tanh_chain, "side")])
def test_a_big_graphs_png_fits_the_pixel_budget(engine, labels, graph, binding, tmp_path):
    root = graph(labels, 20)
    points = svg_points(engine, root)
    assert max(points) * 2 > raster.MAX_SIDE_PIXELS  # at 144 dpi it would be past the budget
    width, height = png_size(render(root, tmp_path / "big.png", engine=engine))
    assert max(width, height) <= raster.MAX_SIDE_PIXELS
    assert width * height <= raster.MAX_PIXELS
    # Scaled to fit, not further: the binding limit is nearly reached, the shape is kept.
    used = {"side": max(width, height) / raster.MAX_SIDE_PIXELS,
            "area": width * height / raster.MAX_PIXELS}
    assert used[binding] > 0.95
    assert width / height == pytest.approx(points[0] / points[1], rel=0.05)


@pytest.mark.parametrize(("engine", "labels"), ROUTES)
def test_a_small_graphs_png_keeps_144_dpi(engine, labels, tmp_path):
    root = weights_chain(labels, 2)  # the apple graph's shape: two products of three leaves
    width, height = png_size(render(root, tmp_path / "small.png", engine=engine))
    points = svg_points(engine, root)
    assert width == pytest.approx(points[0] * 2, abs=2)
    assert height == pytest.approx(points[1] * 2, abs=2)


@given(st.floats(1, 1e6), st.floats(1, 1e6))
def test_png_dpi_fits_any_layout_and_keeps_144_where_it_fits(width, height):
    dpi = raster.png_dpi(f'<svg width="{width}pt" height="{height}pt">')
    # Engines round each side up to whole pixels.
    pixels = [math.ceil(side * dpi / 72) for side in (width, height)]
    assert 0 < dpi <= raster.DPI
    assert max(pixels) <= raster.MAX_SIDE_PIXELS and pixels[0] * pixels[1] <= raster.MAX_PIXELS
    small = max(width, height) * 2 < raster.MAX_SIDE_PIXELS - 2
    if small and width * height * 4 < 0.97 * raster.MAX_PIXELS:
        assert dpi == raster.DPI  # within the budget at 144 dpi: left as it is
