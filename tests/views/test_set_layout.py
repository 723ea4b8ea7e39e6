"""The layout hook (`viz.set_layout`: DOT in, SVG out, supplied by a host such as the playground
under Pyodide) and what a browser Python gets without one: a clear text, never a traceback."""

import sysconfig

import pytest

from microgradjp import Value
from microgradjp.player import Player
from microgradjp.views import layout
from microgradjp.viz import EngineError, EngineNotFoundError, render, set_layout


@pytest.fixture(autouse=True)
def no_layout_after():
    yield
    set_layout(None)


def test_a_set_layout_draws_every_svg(apple):
    seen = []

    def host(dot):
        seen.append(dot)
        return layout.pipe(dot, "svg", "graphviz-pure").decode("utf-8")  # any real engine

    set_layout(host)
    svg = apple._repr_mimebundle_()["image/svg+xml"]
    assert len(seen) == 1 and seen[0].startswith("digraph") and "りんご" in seen[0]
    assert "りんご" in svg and "grad 0" in svg
    Player(apple)
    assert len(seen) == 2


def test_japanese_svg_from_a_host_is_widened_to_hold_its_text():
    long = "消費税込みの支払金額を求める" * 3
    source = f'digraph {{ graph [label="{long}"] a }}'
    engine = layout.find_engine("graphviz-pure", "svg")
    plain = layout._run([engine, "-Tsvg"], source).decode("utf-8")  # as the engine wrote it
    set_layout(lambda dot: plain)
    assert layout.pipe(source, "svg") == layout._raster.room_for_text(plain).encode("utf-8")
    assert layout.pipe(source, "svg") != plain.encode("utf-8")


def test_png_and_a_named_engine_do_not_go_to_the_host(tmp_path, apple):
    set_layout(lambda dot: pytest.fail("asked the host for a PNG"))
    assert render(apple, tmp_path / "apple.png", engine="graphviz-pure").stat().st_size > 0
    assert layout.pipe("digraph { a }", "svg", "graphviz-pure").startswith(b"<?xml")


def test_none_goes_back_to_the_engines():
    set_layout(lambda dot: "<svg/>")
    set_layout(None)
    assert layout.pipe("digraph { a }", "svg").lstrip().startswith(b"<?xml")


@pytest.mark.parametrize(("host", "fragment"), [
    (lambda dot: 1 / 0, "it failed (division by zero)"),
    (lambda dot: b"<svg/>", "it returned bytes, not SVG text"),
])
def test_a_failing_host_is_an_engine_error_the_notebook_turns_into_text(host, fragment):
    set_layout(host)
    with pytest.raises(EngineError, match="set_layout") as failure:
        layout.pipe("digraph { a }", "svg")
    assert fragment in str(failure.value)
    shown = Value(2.0, label="x")._repr_mimebundle_()
    assert list(shown) == ["text/plain"] and fragment.split(" (")[0] in shown["text/plain"]


def test_set_layout_refuses_what_is_not_a_function():
    with pytest.raises(TypeError, match="a layout is a function from DOT text to SVG text"):
        set_layout("dot")


def test_a_python_without_a_user_scheme_still_finds_engines(monkeypatch):
    # Pyodide: sysconfig.get_preferred_scheme("user") raises ValueError ('posix_user' ...).
    def no_user_scheme(key):
        raise ValueError(f"{key!r} returned 'posix_user', which is not a valid scheme")

    monkeypatch.setattr(sysconfig, "get_preferred_scheme", no_user_scheme)
    monkeypatch.setattr(layout.sys, "base_prefix", layout.sys.prefix)  # as if no venv
    assert sysconfig.get_path("scripts") in layout.search_path()


def test_in_a_browser_without_a_host_a_value_shows_text_saying_what_to_do(monkeypatch):
    monkeypatch.setattr(layout, "IN_BROWSER", True)
    with pytest.raises(EngineNotFoundError, match=r"runs in a browser \(Pyodide\)"):
        layout.pipe("digraph { a }", "svg")
    shown = Value(2.0, label="x")._repr_mimebundle_()["text/plain"]
    assert shown.startswith("Value(data=2.0")
    assert shown.endswith("supply one with microgradjp.viz.set_layout(dot_to_svg) (the "
                          "playground backs it with viz-js), or write .dot, which needs no "
                          "engine)")
    assert "render(value, 'graph.svg')" not in shown  # advice a browser cannot follow


def test_in_a_browser_japanese_is_drawn_in_the_browsers_own_font(monkeypatch):
    monkeypatch.setattr(layout, "IN_BROWSER", True)
    assert layout.cjk_font() == "sans-serif"
