"""Tests for microgradjp.viz: DOT structure and gradients on edges, files from both engines,
escaping, fonts, the missing-engine error and large graphs."""

import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import threading
import time
import warnings
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import graphviz
import pytest

from microgradjp import Value, define_op, maximum
from microgradjp.core.rules import Rule
from microgradjp.nn import Neuron
from microgradjp.views import layout as engines
from microgradjp.views.drawing import (
    NOTEBOOK_MAX_NODES,
    ROLE_COLOURS,
    DrawingError,
    EngineError,
    EngineNotFoundError,
    render,
    to_dot,
)

needs_dot = pytest.mark.system_dot
ENGINES = [pytest.param("dot", marks=needs_dot), "graphviz-pure"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
TIMES = "\N{MULTIPLICATION SIGN}"


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    # Each test sees the first warning again.
    monkeypatch.setattr(engines, "_warned", set())



def hide_system_dot(monkeypatch):
    """Make engine discovery find no system ``dot`` (graphviz-pure is still found)."""
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None if name == "dot"
                        else real_which(name, path=path))


def parse(dot):
    """Return ({node id: attributes}, [(tail, head, attributes)]) from the DOT source."""
    nodes, edges = {}, []
    for line in dot.source.splitlines()[1:-1]:
        statement = re.fullmatch(r"\t(\w+)(?: -> (\w+))?(?: \[(.*)\])?", line)
        assert statement, f"not one statement per line: {line!r}"
        tail, head, attributes = statement.groups()
        pairs = re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|<.*>|[^\s"]+)', attributes or "")
        # Every character of the attribute list belongs to a key=value pair: nothing injected.
        assert " ".join(f"{k}={v}" for k, v in pairs) == (attributes or "")
        values = {key: value.strip('"') for key, value in pairs}
        if head:
            edges.append((tail, head, values))
        elif tail not in ("graph", "node", "edge"):
            nodes[tail] = values
    return nodes, edges


def caption(dot):
    """Return the caption under the graph (its graph label), one line per line."""
    [line] = [line for line in dot.source.splitlines() if line.startswith("\tgraph [") and
              "label=" in line]
    return re.search(r'label="((?:[^"\\]|\\.)*)"', line).group(1).replace("\\l", "\n")


def find(nodes, first_line):
    [node_id] = [k for k, v in nodes.items() if v["label"].split("\\n")[0] == first_line]
    return node_id


def edge_labels_from(dot, *names):
    """Return the label on the edge leaving each named node (into its op)."""
    nodes, edges = parse(dot)
    labels = {}
    for name in names:
        [(attributes,)] = [(a,) for tail, _, a in edges if tail == find(nodes, name)]
        labels[name] = attributes.get("label")
    return labels


# -- structure and numbers --------------------------------------------------------------------


def test_apple_edges_carry_the_seed_gradients(apple):
    apple.backward()
    labels = edge_labels_from(to_dot(apple), "りんご", "個数", "消費税")
    assert labels == {"りんご": "2.2", "個数": "110", "消費税": "200"}


def test_xyz_edges_carry_the_seed_gradients(xyz):
    xyz.backward()
    labels = edge_labels_from(to_dot(xyz), "x", "y", "z", "q")
    assert labels == {"x": "-4", "y": "-4", "z": "3", "q": "-4"}


def test_value_nodes_show_label_data_and_grad(apple):
    apple.backward()
    nodes, _ = parse(to_dot(apple))
    assert nodes[find(nodes, "りんご")]["label"] == "りんご\\ndata 100\\ngrad 2.2"
    assert nodes[find(nodes, "支払金額")]["label"] == "支払金額\\ndata 220\\ngrad 1"
    assert "data 200\\ngrad 1.1" in [v["label"] for v in nodes.values()]  # unlabelled


def test_an_empty_label_draws_no_empty_line():
    y = Value(2.0, label="") * 3
    y.backward()
    nodes, _ = parse(to_dot(y))
    assert "data 2\\ngrad 3" in [v["label"] for v in nodes.values()]


def test_each_op_is_a_node_between_inputs_and_output(apple):
    apple.backward()
    nodes, edges = parse(to_dot(apple))
    ops = {k: v for k, v in nodes.items() if v.get("shape") == "circle"}
    assert sorted(v["label"] for v in ops.values()) == [TIMES, TIMES]
    price, tax = find(nodes, "支払金額"), find(nodes, "消費税")
    [(op, _, flowing)] = [e for e in edges if e[1] == price]
    assert op in ops and flowing["label"] == "1"  # the output's own gradient flows into its op
    assert (tax, op) in [(tail, head) for tail, head, _ in edges]


@pytest.mark.parametrize(("make", "symbol"), [
    (lambda x: x / 2, "\N{DIVISION SIGN}"), (lambda x: x - 1, "\N{MINUS SIGN}"),
    (lambda x: -x, "\N{MINUS SIGN}x"), (lambda x: x**2, "**2"),
    (lambda x: x.exp(), "exp"), (lambda x: maximum(x, 0.5), "maximum"),
    (lambda x: define_op("double", lambda v: 2 * v, lambda v: 2.0)(x), "double"),
])
def test_op_nodes_show_the_op(make, symbol):
    nodes, _ = parse(to_dot(make(Value(1.0, label="x"))))
    assert [v["label"] for v in nodes.values() if v.get("shape") == "circle"] == [symbol]


def test_a_node_used_twice_gets_two_edges():
    a = Value(3.0, label="a")
    y = a * a
    y.backward()
    nodes, edges = parse(to_dot(y))
    from_a = [e for e in edges if e[0] == find(nodes, "a")]
    assert [attributes["label"] for *_, attributes in from_a] == ["3", "3"]
    assert nodes[find(nodes, "a")]["label"].endswith("grad 6")


@pytest.mark.parametrize(("edge_labels", "expected"), [
    ("grad", {"りんご": "2.2", "個数": "110"}),
    ("local", {"りんご": "2", "個数": "100"}),
    ("both", {"りんご": f"1.1 {TIMES} 2 = 2.2", "個数": f"1.1 {TIMES} 100 = 110"}),
    ("none", {"りんご": None, "個数": None}),
])
def test_edge_labels_show_grad_local_or_both(edge_labels, expected, apple):
    apple.backward()
    dot = to_dot(apple, edge_labels=edge_labels)
    assert edge_labels_from(dot, "りんご", "個数") == expected


def test_before_backward_no_gradient_is_given_away_and_the_caption_says_what_to_do(apple):
    dot = to_dot(apple)
    nodes, edges = parse(dot)
    assert nodes[find(nodes, "個数")]["label"].endswith("grad 0")
    assert edge_labels_from(dot, "りんご", "個数", "消費税") == {
        "りんご": None, "個数": None, "消費税": None}
    assert all("label" not in attributes for *_, attributes in edges)  # the arrows only
    assert "no gradient yet: the arrows show where backward() will send them" in caption(dot)
    assert [n.grad for n in (apple, *apple.parents)] == [0.0, 0.0, 0.0]  # drawing changed none


def test_local_derivatives_are_shown_before_backward(apple):
    assert edge_labels_from(to_dot(apple, edge_labels="local"), "りんご", "個数") == {
        "りんご": "2", "個数": "100"}


def test_the_lectures_hand_set_grads_show_edge_by_edge():
    # The lecture: L = d * f, d = e + c, e = a * b; the learner works out each grad by hand.
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = (a * b).named("e")
    d = (e + c).named("d")
    f = Value(-2.0, label="f")
    L = (d * f).named("L")
    L.grad = 1.0
    f.grad = 4.0
    d.grad = -2.0
    dot = to_dot(L)
    assert edge_labels_from(dot, "d", "f", "c", "e") == {"d": "-2", "f": "4", "c": None,
                                                         "e": None}
    assert "4 node(s) have no gradient yet" in caption(dot)  # a, b, c, e
    L.backward()
    assert edge_labels_from(to_dot(L), "c", "e", "a", "b") == {"c": "-2", "e": "-2", "a": "6",
                                                               "b": "-4"}


def test_cleargrad_hides_a_gradient_again():
    x = Value(3.0, label="x")
    y = (x * 3).named("y")
    y.backward()
    x.cleargrad()
    assert edge_labels_from(to_dot(y), "x") == {"x": None}


def test_a_value_the_user_made_is_drawn_as_a_value_and_a_number_as_a_constant():
    w = Value(0.5)  # unlabelled, made by the user
    y = w * 2
    nodes, _ = parse(to_dot(y))
    fills = {v["label"]: v["fillcolor"] for v in nodes.values() if "fillcolor" in v}
    assert fills["data 0.5\\ngrad 0"] == ROLE_COLOURS["input"]
    assert fills["data 2\\ngrad 0"] == ROLE_COLOURS["constant"]


def test_a_gradient_made_with_create_graph_draws_its_numbers():
    x = Value(1.0, label="x")
    y = x.tanh()
    y.backward(create_graph=True)
    gx = x.grad
    gx.name = "gx"
    nodes, _ = parse(to_dot(gx))
    assert nodes[find(nodes, "gx")]["label"].startswith("gx\\ndata 0.42")
    assert nodes[find(nodes, "x")]["label"] == "x\\ndata 1\\ngrad 0.42"  # grad a Value


def test_after_a_second_backward_a_box_shows_the_grad_python_shows():
    x = Value(3.0, label="x")
    y = (x * 2).named("y")
    y.backward()
    y.backward()
    dot = to_dot(y)
    nodes, _ = parse(dot)
    assert x.grad == 4.0 and nodes[find(nodes, "x")]["label"].endswith("grad 4")
    assert edge_labels_from(dot, "x") == {"x": "2"}  # one pass's flow
    # x and the constant 2 are leaves: both add up the two passes
    assert "2 node(s) hold a .grad other than this pass's flow (e.g. x: .grad 4, this pass 2)" \
        in caption(dot)


def test_after_one_backward_the_caption_only_says_what_is_what(xyz):
    xyz.backward()
    text = caption(to_dot(xyz))
    assert "red on an edge: what one backward() from f sends back on it" in text
    assert "other than this pass" not in text and "has not run" not in text


def test_a_backward_from_another_root_is_flagged():
    x = Value(3.0, label="x")
    inner = (x * 2).named("inner")
    outer = (inner * 5).named("outer")
    outer.backward()
    text = caption(to_dot(inner))
    assert "3 node(s) hold a .grad other than this pass's flow (e.g. x: .grad 10, this pass 2)" \
        in text and "from whichever root" in text


def test_nn_parameters_are_coloured_as_parameters_without_being_named():
    neuron = Neuron.from_weights([0.5, -1.0], 0.25, activation="tanh")
    y = neuron([Value(1.0, label="x0"), Value(2.0, label="x1")]).named("y")
    nodes, _ = parse(to_dot(y))
    colour = {v["label"].split("\\n")[0]: v.get("fillcolor") for v in nodes.values()}
    assert [colour[name] for name in ("w[0]", "w[1]", "b")] == [ROLE_COLOURS["parameter"]] * 3
    assert colour["x0"] == colour["x1"] == ROLE_COLOURS["input"]


def test_negation_and_subtraction_draw_different_symbols():
    x = Value(1.0, label="x")
    nodes, _ = parse(to_dot((-x) - x))
    assert sorted(v["label"] for v in nodes.values() if v.get("shape") == "circle") == [
        "\N{MINUS SIGN}", "\N{MINUS SIGN}x"]


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_edge_labels_keep_their_number_in_both_directions(rankdir, xyz):
    xyz.backward()
    labels = edge_labels_from(to_dot(xyz, rankdir=rankdir), "x", "z")
    padded = rankdir == "TB"  # a space either side keeps a "-4" off its own line
    assert labels == {"x": " -4 " if padded else "-4", "z": " 3 " if padded else "3"}


def test_digits_and_negative_zero():
    x = Value(2.0, label="x")
    nodes, _ = parse(to_dot((x / 3) * 0.0, digits=3))
    labels = [v["label"] for v in nodes.values()]
    assert "data 0.667\\ngrad 0" in labels and not any("-0" in label for label in labels)


def test_colours_follow_roles():
    w, x = Value(0.5, label="w"), Value(3.0, label="x")
    nodes, _ = parse(to_dot((w * x + 1).named("y"), parameters=[w]))
    colour = {v["label"].split("\\n")[0]: v.get("fillcolor") for v in nodes.values()}
    assert colour["w"] == ROLE_COLOURS["parameter"]
    assert colour["x"] == ROLE_COLOURS["input"]
    assert colour["data 1"] == ROLE_COLOURS["constant"]
    assert colour["data 1.5"] == ROLE_COLOURS["made by an op"]
    assert colour["y"] == ROLE_COLOURS["output"]
    assert len(set(ROLE_COLOURS.values())) == len(ROLE_COLOURS)


def test_left_to_right_unless_asked(xyz):
    assert "rankdir=LR" in to_dot(xyz).source
    assert "rankdir=TB" in to_dot(xyz, rankdir="TB").source


def test_legend_only_on_request(xyz):
    assert "legend" not in to_dot(xyz).source
    legend = to_dot(xyz, legend=True).source
    assert all(role in legend for role in ROLE_COLOURS) and "gradient flowing back" in legend


# -- escaping ---------------------------------------------------------------------------------

HOSTILE = [  # (label, the lines the picture must show for it)
    ('say "hi"', ['say "hi"']),
    ("back\\slash", ["back\\slash"]),
    ("ends with \\", ["ends with \\"]),
    ('\\"', ['\\"']),
    ("\\N \\G \\l \\n", ["\\N \\G \\l \\n"]),
    ("{record|fields}", ["{record|fields}"]),
    ("<b>bold</b>", ["<b>bold</b>"]),
    ("<<table>>", ["<<table>>"]),
    ("AT&T &amp; &alpha;", ["AT&T &amp; &alpha;"]),
    ('x" color="red', ['x" color="red']),
    ('"]; evil [label="', ['"]; evil [label="']),
    ("two\nlines", ["two", "lines"]),
    ("tab\tand\x00nul", ["tab\\tand\\x00nul"]),
    ("lone \ud800 surrogate", ["lone \\ud800 surrogate"]),  # UTF-8 cannot encode it as is
    ("りんご\"\\<>", ["りんご\"\\<>"]),
]


@pytest.mark.parametrize("label", [label for label, _ in HOSTILE])
def test_hostile_labels_stay_one_node_without_engine(label):
    nodes, edges = parse(to_dot(Value(1.0, label=label) * 2))  # parse checks each statement
    assert len(nodes) == 4 and len(edges) == 3  # x, the constant 2, the op, the output
    assert all(set(v) <= {"label", "fillcolor", "shape", "width"} for v in nodes.values())


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("label", "lines"), HOSTILE)
def test_hostile_labels_render_exactly_as_written(label, lines, engine, tmp_path):
    y = Value(1.0, label=label) * 2
    y.backward()
    path = render(y, tmp_path / "g.svg", engine=engine)
    texts = {}
    for group in ElementTree.parse(path).iter(f"{SVG}g"):
        if group.get("class") == "node":
            texts[group.find(f"{SVG}title").text] = [t.text for t in group.iter(f"{SVG}text")]
    assert texts["v0"] == [*lines, "data 1", "grad 2"]
    assert len(texts) == 4  # x, the constant 2, the op, the output: nothing injected


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["<i>op</i>", "a\\l", "{|}", 'q"'])
def test_hostile_op_names_render_exactly_as_written(name, engine, tmp_path):
    op = Rule(name, lambda x: x, lambda x, out: (1.0,))
    path = render(op(Value(1.0, label="x")), tmp_path / "g.svg", engine=engine)
    [op_node] = [group for group in ElementTree.parse(path).iter(f"{SVG}g")
                 if group.findtext(f"{SVG}title") == "v1op"]
    assert [t.text for t in op_node.iter(f"{SVG}text")] == [name]


# -- files from both engines ------------------------------------------------------------------


def png_size(data):
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("engine", ENGINES)
def test_png_by_each_engine(engine, tmp_path, xyz):
    path = render(xyz, tmp_path / "xyz.png", engine=engine)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    width, height = png_size(data)
    assert width > 2 * height > 300  # left to right: wider than tall


@pytest.mark.parametrize("engine", ENGINES)
def test_svg_by_each_engine_keeps_the_japanese_text(engine, tmp_path, apple):
    apple.backward()
    path = render(apple, tmp_path / "apple.svg", engine=engine)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<svg" in text and len(text) > 3_000
    assert all(word in text for word in ("りんご", "個数", "消費税", "支払金額", ">2.2<", ">110<"))


def test_graphviz_pure_is_used_when_dot_is_missing(monkeypatch, tmp_path, xyz):
    hide_system_dot(monkeypatch)
    text = render(xyz, tmp_path / "xyz.svg").read_text(encoding="utf-8")
    assert "graphviz-pure" in text  # its version comment


@needs_dot
def test_dot_with_a_japanese_font_warns_nothing(tmp_path, apple):
    if engines.cjk_font() is None:
        pytest.skip("no Japanese font installed")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = render(apple, tmp_path / "apple.png", engine="dot").read_bytes()
    assert data.startswith(PNG_MAGIC)


@needs_dot
def test_pdf_by_system_dot(tmp_path, xyz):
    assert render(xyz, tmp_path / "xyz.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("suffix", [".dot", ".gv"])
def test_dot_source_needs_no_engine(suffix, monkeypatch, tmp_path, xyz):
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None)
    text = render(xyz, tmp_path / f"xyz{suffix}").read_text(encoding="utf-8")
    assert text == to_dot(xyz).source


def test_jupyter_display_uses_whichever_engine_is_installed(monkeypatch, xyz):
    hide_system_dot(monkeypatch)
    bundle = to_dot(xyz)._repr_mimebundle_()
    assert "graphviz-pure" in bundle["image/svg+xml"]


# -- errors -----------------------------------------------------------------------------------


def test_no_engine_names_the_fix_and_writes_nothing(monkeypatch, tmp_path, xyz):
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None)
    with pytest.raises(EngineNotFoundError, match="install Graphviz") as caught:
        render(xyz, tmp_path / "xyz.png")
    assert isinstance(caught.value, RuntimeError) and "graphviz-pure" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_pdf_without_dot_names_the_fix(monkeypatch, tmp_path, xyz):
    hide_system_dot(monkeypatch)
    with pytest.raises(EngineNotFoundError, match=r"graphviz-pure cannot write \.pdf"):
        render(xyz, tmp_path / "xyz.pdf")


def test_a_failed_render_leaves_the_old_file(monkeypatch, tmp_path, xyz):
    path = tmp_path / "xyz.png"
    path.write_bytes(b"old picture")
    # An "engine" that rejects its arguments: Python itself exits with status 2 on -T.
    monkeypatch.setattr(shutil, "which", lambda name, path=None: sys.executable)
    with pytest.raises(EngineError, match="exited with status 2"):
        render(xyz, path)
    assert path.read_bytes() == b"old picture" and list(tmp_path.iterdir()) == [path]


def test_an_engine_that_cannot_start_is_an_engine_error(monkeypatch, tmp_path, xyz):
    broken = tmp_path / "dot"
    broken.write_bytes(b"not a program")
    broken.chmod(0o755)  # on PATH and executable, but no system can run it
    monkeypatch.setattr(shutil, "which", lambda name, path=None: str(broken))
    with pytest.raises(EngineError, match="could not be started"):
        render(xyz, tmp_path / "xyz.svg")
    assert list(tmp_path.iterdir()) == [broken]


def test_warn_once_warns_once_across_threads(monkeypatch):
    class SlowSet(set):  # widens the gap between "not warned yet?" and "now warned"
        def __contains__(self, item):
            found = super().__contains__(item)
            time.sleep(0.01)
            return found

    monkeypatch.setattr(engines, "_warned", SlowSet())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        threads = [threading.Thread(target=engines.warn_once, args=("once",)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [str(w.message) for w in caught] == ["once"]


def test_engine_is_run_with_an_argument_list(monkeypatch, tmp_path, xyz):
    calls = []

    def fake_run(command, **options):
        calls.append((command, options))
        return subprocess.CompletedProcess(command, 0, stdout=b"<svg/>", stderr=b"")

    monkeypatch.setattr(subprocess, "run", fake_run)
    render(xyz, tmp_path / "xyz.svg", engine="graphviz-pure")
    [(command, options)] = calls
    assert isinstance(command, list) and command[1] == "-Tsvg" and not options.get("shell")
    assert options["input"].decode("utf-8") == to_dot(xyz).source


@pytest.mark.parametrize(("call", "exception", "fragment"), [
    (lambda f: render(f, "xyz.jpeg2"), DrawingError, "end the path with one of .svg"),
    (lambda f: render(f, "xyz.svg", engine="neato"), EngineNotFoundError, "no engine of that"),
    (lambda f: to_dot(f, edge_labels="grads"), DrawingError, "edge_labels must be one of"),
    (lambda f: to_dot(f, rankdir="RL"), DrawingError, "rankdir must be one of LR, TB"),
    (lambda f: to_dot(f, focus=Value(1.0, label="stray")), DrawingError,
     "focus='stray': that node is not in the graph"),
])
def test_errors_name_the_problem_and_the_fix(call, exception, fragment, xyz):
    with pytest.raises(exception, match=re.escape(fragment)):
        call(xyz)


# -- fonts ------------------------------------------------------------------------------------


def test_japanese_without_a_font_warns_once_and_says_what_to_install(monkeypatch, apple):
    monkeypatch.setattr(engines, "cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="fonts-noto-cjk") as caught:
        to_dot(apple)
        to_dot(apple)
    assert len(caught) == 1
    assert "fontname=Helvetica" in to_dot(apple).source


def test_japanese_labels_get_the_japanese_font(monkeypatch, apple):
    monkeypatch.setattr(engines, "cjk_font", lambda: "Noto Sans CJK JP")
    assert 'fontname="Noto Sans CJK JP"' in to_dot(apple).source
    assert 'fontname="My Font"' in to_dot(apple, font="My Font").source


def test_latin_labels_never_look_for_a_font(monkeypatch, xyz):
    monkeypatch.setattr(engines, "cjk_font", lambda: pytest.fail("looked for a font"))
    assert "fontname=Helvetica" in to_dot(xyz).source


# -- large graphs -----------------------------------------------------------------------------


def is_value(attributes):
    return "grad " in attributes["label"]  # not an op, nor a "2 more" marker


def chain(length):
    """x0 -> x1 = x0 * 1.5 -> ... : each step one op with a constant beside it."""
    nodes = [Value(1.0, label="x0")]
    for k in range(1, length):
        nodes.append((nodes[-1] * 1.5).named(f"x{k}"))
    return nodes


def test_cap_says_how_to_look_at_less():
    nodes = chain(600)  # 600 steps + 599 constants
    with pytest.raises(DrawingError) as caught:
        to_dot(nodes[-1])
    text = str(caught.value)
    assert "1199 nodes is more than max_nodes=1000" in text
    assert all(hint in text for hint in ("focus=node, depth=2", "print_backward", "max_nodes"))
    assert len(parse(to_dot(nodes[-1], max_nodes=1200))[0]) == 1199 + 599  # values + ops


def test_focus_draws_the_neighbourhood_and_counts_what_is_hidden():
    nodes = chain(50)
    drawn, edges = parse(to_dot(nodes[-1], focus=nodes[20], depth=1))
    names = sorted(v["label"].split("\\n")[0] for v in drawn.values() if is_value(v))
    assert names == ["data 1.5", "x19", "x20", "x21"]  # inputs x19, 1.5; user x21
    hidden = sorted(v["label"] for v in drawn.values() if v["label"].endswith("more"))
    assert hidden == ["1 more", "2 more"]  # x21's constant; both inputs of x19
    assert all(attributes.get("style") == "dashed" for tail, _, attributes in edges
               if tail.endswith("_hidden"))


def test_depth_grows_the_neighbourhood():
    nodes = chain(50)
    counts = [sum(map(is_value, parse(to_dot(nodes[-1], focus=nodes[20], depth=depth))[0].values()))
              for depth in (0, 1, 2, 3)]
    assert counts == [1, 4, 8, 12]


def test_thousands_of_nodes_neither_hang_nor_recurse():
    nodes = chain(20_000)  # far past the recursion limit
    with pytest.raises(DrawingError, match="39999 nodes"):
        to_dot(nodes[-1])
    drawn, _ = parse(to_dot(nodes[-1], focus=nodes[-1], depth=2))
    assert sum(map(is_value, drawn.values())) == 5


# -- the Digraph we return, notebooks, engine discovery -----------------------------------------


def test_engine_is_found_in_this_pythons_scripts_folder_when_path_lacks_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: what an IDE may start us with
    found = engines.find_engine("auto", "svg")
    assert Path(found).stem == "graphviz-pure"
    assert Path(found).parent in {Path(sysconfig.get_path("scripts")), Path(sys.executable).parent}


def test_path_comes_before_the_scripts_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    folders = engines.search_path().split(os.pathsep)
    assert folders[0] == str(tmp_path) and sysconfig.get_path("scripts") in folders[1:]


def test_digraph_pipe_and_render_use_our_engine(monkeypatch, tmp_path, xyz):
    hide_system_dot(monkeypatch)
    dot = to_dot(xyz)
    assert isinstance(dot, graphviz.Digraph)
    assert "graphviz-pure" in dot.pipe("svg", encoding="utf-8")
    assert dot.pipe(format="png").startswith(PNG_MAGIC)
    written = dot.render(outfile=tmp_path / "xyz.png")
    assert Path(written).read_bytes().startswith(PNG_MAGIC)
    assert (tmp_path / "xyz.gv").read_text(encoding="utf-8") == dot.source
    default = Path(dot.render(tmp_path / "g.gv", format="svg"))
    assert default.name == "g.gv.svg" and "graphviz-pure" in default.read_text(encoding="utf-8")


@pytest.mark.parametrize("option", [{"engine": "neato"}, {"renderer": "cairo"}])
def test_digraph_refuses_graphviz_knobs_it_cannot_honour(option, xyz):
    with pytest.raises(DrawingError, match="microgradjp picks the engine"):
        to_dot(xyz).pipe("svg", **option)


def test_a_value_displays_as_its_graph(monkeypatch, xyz):
    hide_system_dot(monkeypatch)
    xyz.backward()
    bundle = xyz._repr_mimebundle_()
    assert bundle["text/plain"] == repr(xyz)
    assert "graphviz-pure" in bundle["image/svg+xml"] and ">grad &#45;4<" in bundle[
        "image/svg+xml"]
    assert list(xyz._repr_mimebundle_(include=["text/plain"])) == ["text/plain"]
    assert sorted(xyz._repr_mimebundle_(exclude=["image/svg+xml"])) == ["text/html", "text/plain"]
    html = xyz._repr_mimebundle_(include=["text/html"])["text/html"]
    assert html.startswith("<img") and "data:image/svg+xml;base64," in html


def test_a_large_value_displays_as_text_saying_how_to_draw_it():
    nodes = chain(NOTEBOOK_MAX_NODES)  # 2n - 1 values: past the notebook cap
    bundle = nodes[-1]._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert bundle["text/plain"].startswith(repr(nodes[-1]))
    assert "graph not drawn" in bundle["text/plain"] and "focus=node, depth=2" in bundle[
        "text/plain"]


def test_a_value_without_any_engine_displays_as_text(monkeypatch, xyz):
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None)
    bundle = xyz._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "no Graphviz engine was found" in bundle[
        "text/plain"]
