"""Tests for microgradjp.player: each frame's texts on the one layout (both engines), the last
frame equal to the finished drawing, focus, the HTML page, SVG/PNG frames and animations."""

import io
import json
import math
import re
import xml.etree.ElementTree as ElementTree

import pytest

from microgradjp import Value, define_op, maximum, minimum, sigmoid
from microgradjp.core import walk
from microgradjp.player import Player
from microgradjp.tools.cli import main
from microgradjp.views import layout as engines
from microgradjp.views.animation import write_animation
from microgradjp.views.drawing import draw
from microgradjp.views.redraw import on_white
from microgradjp.views.storyboard import frames_of
from microgradjp.viz import DrawingError, to_dot

TIMES = "\N{MULTIPLICATION SIGN}"
ENGINES = [pytest.param("dot", marks=pytest.mark.system_dot),
           "graphviz-pure"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


def texts_by_slot(player, state):
    """Return {(kind, node label, position): text} for one frame's state."""
    return {(kind, node.label, position): state[index]
            for (kind, node, position), index in player._texts.items()}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_last_frame_is_the_finished_drawing(apple, engine):
    player = Player(apple, engine=engine)
    *_, (_, last, _) = player.states()
    assert last == player.finished()
    assert len(last) == 5 * 2 + 2 * 1 + 4  # data and grad per node, a flow per op, 4 edges


def drawn_texts(svg):
    """Return every text inside the node and edge groups of an SVG, in document order."""
    root = ElementTree.fromstring(svg)
    return [text.text for group in root.iter(f"{SVG}g") if group.get("class") in ("node", "edge")
            for text in group.iter(f"{SVG}text")]


def test_the_last_frame_reads_as_the_drawing_does_after_backward(apple):
    player = Player(apple)
    *_, last = player.frame_svgs(caption="none")
    apple.backward()
    finished = engines.pipe(to_dot(apple, edge_labels="both").source, "svg").decode("utf-8")
    assert drawn_texts(last) == drawn_texts(finished)


@pytest.mark.parametrize("engine", ENGINES)
def test_each_backward_frame_writes_upstream_times_local_on_its_edge(apple, engine):
    player = Player(apple, engine=engine)
    apple.backward()
    for frame, state, _ in player.states():
        if frame.kind != "backward":
            continue
        shown = texts_by_slot(player, state)
        number = player._number
        assert shown["edge", frame.node.label, frame.position] == (
            f"{number(frame.upstream)} {TIMES} {number(frame.local)} = "
            f"{number(frame.contribution)}")
        assert shown["grad", frame.input.label, 0] == f"grad {number(frame.total)}"
        assert shown["flow", frame.node.label, 0] == number(frame.node.grad)
    leaves = {node.label: node.grad for node in apple.parents[0].parents} | {"消費税": 200.0}
    assert {label: shown["grad", label, 0] for label in leaves} == {
        label: f"grad {player._number(grad)}" for label, grad in leaves.items()}


@pytest.mark.parametrize("engine", ENGINES)
def test_every_op_and_a_custom_one_end_on_the_grads_backward_gives(engine):
    softplus = define_op("softplus", lambda v: math.log1p(math.exp(v)), sigmoid)
    x, y = Value(0.7, label="x"), Value(1.3, label="y")
    terms = [x + y, x - y, x * y, x / y, x ** y, x ** 2, -x, abs(x), x.exp(), x.log(),
             x.sqrt(), x.tanh(), x.sigmoid(), x.relu(), x.step(), x.sin(), x.cos(),
             maximum(x, y), minimum(x, y), softplus(x)]
    root = sum(terms[1:], terms[0]).named("total")
    player = Player(root, engine=engine)
    *_, (_, last, _) = player.states()
    assert last == player.finished()
    root.backward()
    shown = texts_by_slot(player, last)
    assert [shown["grad", leaf.label, 0] for leaf in (x, y)] == [
        f"grad {player._number(leaf.grad)}" for leaf in (x, y)]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_svg_groups_carry_the_ids_the_drawing_handed_out(apple, engine):
    drawing, ids = draw(walk.record(apple), edge_labels="both", with_ids=True)
    svg = ElementTree.fromstring(engines.pipe(drawing.source, "svg", engine))
    groups = {g.get("id"): g.get("class") for g in svg.iter(f"{SVG}g")}
    for drawn in ids.values():
        assert groups[drawn.box] == "node"
        if drawn.op is not None:
            assert groups[drawn.op] == "node" and groups[drawn.flow] == "edge"
            assert all(groups[edge] == "edge" for edge in drawn.inputs)
    assert sum(len(drawn.inputs) for drawn in ids.values()) == 4


@pytest.mark.parametrize("engine", ENGINES)
def test_a_label_with_a_blank_line_keeps_its_numbers_where_they_are(engine):
    x = Value(3.0, label="top\n\nbottom")  # engines draw no text for the blank line
    player = Player((x * 2).named("y"), engine=engine)
    *_, (_, last, _) = player.states()
    assert last == player.finished()
    shown = texts_by_slot(player, last)
    assert (shown["data", "top\n\nbottom", 0], shown["grad", "top\n\nbottom", 0]) == (
        "data 3", "grad 2")


def test_one_player_sorts_the_graph_once_and_walks_backward_once(apple, monkeypatch):
    sorts, partials = [], []
    real_sort = walk.made_by_ops
    monkeypatch.setattr(walk, "made_by_ops", lambda root: sorts.append(root) or real_sort(root))
    real_steps = walk._steps
    monkeypatch.setattr(walk, "_steps", lambda *args, **kwargs: partials.append(args[0])
                        or real_steps(*args, **kwargs))
    Player(apple)
    assert (sorts, len(partials)) == ([apple], 1)


def test_a_lone_leaf_has_its_input_and_seed_frames():
    player = Player(Value(2.0, label="x"))
    assert [frame.kind for frame in player.frames] == ["inputs", "seed"]
    *_, (_, last, _) = player.states()
    assert last == player.finished()


def test_numbers_appear_only_when_the_pass_reaches_them(apple):
    player = Player(apple)
    states = [texts_by_slot(player, state) for _, state, _ in player.states()]
    assert states[0]["data", "りんご", 0] == "data 100"  # inputs are given
    assert states[0]["data", "支払金額", 0] == states[1]["data", "支払金額", 0] == "data ?"
    assert states[2]["data", "支払金額", 0] == "data 220"
    assert states[3]["grad", "支払金額", 0] == "grad 1"
    assert states[3]["grad", "りんご", 0] == "grad ?"
    assert states[3]["edge", "支払金額", 1] == ""


def test_fan_out_edges_are_two_edges_and_the_grad_is_their_running_sum():
    a = Value(2.0, label="a")
    y = (a * a).named("y")
    player = Player(y)
    states = [texts_by_slot(player, state) for _, state, _ in player.states()]
    assert [s["grad", "a", 0] for s in states[-2:]] == ["grad 2", "grad 4"]
    assert states[-2]["edge", "y", 1] == ""  # the second use is not reached yet
    assert states[-1]["edge", "y", 0] == states[-1]["edge", "y", 1] == f"1 {TIMES} 2 = 2"
    *_, (_, _, hot) = player.states()
    edges = {player._groups["edge", y, k] for k in (0, 1)}
    assert edges <= set(hot)  # both uses of a light up when their sum is shown


def test_a_focus_keeps_the_frames_of_drawn_nodes_and_ends_on_the_drawing():
    x = Value(0.5, label="x")
    y = x
    for k in range(30):
        y = (y * 1.01).named(f"h{k}")
    player = Player(y, focus=y, depth=2)
    assert all(frame.node is None or frame.node in player._ids for frame in player.frames)
    assert len(player.frames) < 2 + 30 + 60
    *_, (_, last, _) = player.states()
    assert last == player.finished()


def test_too_large_a_graph_says_how_to_draw_less():
    x = Value(1.0)
    y = x
    for _ in range(30):
        y = y + x
    with pytest.raises(DrawingError, match="focus=node"):
        Player(y, max_nodes=20)


def page_data(page):
    """Return the JSON the page carries (its one data script)."""
    [payload] = re.findall(r'<script type="application/json" class="mgp-data">(.*?)</script>',
                           page, flags=re.DOTALL)
    return json.loads(payload)


def test_the_page_is_self_contained_and_its_data_is_the_frames(apple):
    page = Player(apple).html()
    assert re.findall(r"(?:src|href)=", page) == []
    data = page_data(page)
    assert "http" not in re.sub(r'xmlns(?::\w+)?="[^"]*"', "", data["svg"])
    assert "http" not in re.sub(r'class="mgp-data">.*?</script>', "", page, flags=re.DOTALL)
    assert len(data["frames"]) == 8
    last_ja = data["frames"][-1][1]
    assert f"個数 の微分は 上流の勾配 1.1 {TIMES} 局所的な微分 100 = 110(" in last_ja


HOSTILE_LABELS = [
    "</script><script>alert(1)</script>",
    "__DATA__<svg onload=document.title='PWNED'>",
    "__SVG__<img src=x onerror=alert(1)>",
    "__ID__", "__HOT__", "<!--<script>", "]]>&amp;<![CDATA[", "\u2028\u2029",
]


@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_a_label_stays_text_in_the_page(label):
    page = Player((Value(1.0, label=label) * 2).named("y")).html()
    # Our two scripts and no other markup made of user text: the drawing travels as JSON.
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "<svg" not in page and "<img" not in page and "<!--" not in page
    drawn = ElementTree.fromstring(page_data(page)["svg"])
    texts = [text.text or "" for text in drawn.iter("{http://www.w3.org/2000/svg}text")]
    assert any(text.startswith(label[:20]) for text in texts)  # long labels are shortened


def test_two_players_on_one_page_do_not_share_an_id(apple):
    player = Player(apple)
    assert player._repr_html_()[:40] != player._repr_html_()[:40]


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda p, d: p.save(d / "apple.svg"), "end the path with .html"),
    (lambda p, d: p.save_animation(d / "apple.mp4"), "end the path with .gif or .png"),
    (lambda p, d: p.save_frames(d, fmt="jpg"), "fmt must be one of svg, png"),
    (lambda p, d: p.save_animation(d / "a.gif", phase="sideways"), "phase must be one of"),
    (lambda p, d: p.save_animation(d / "a.gif", seconds=float("nan")), "a positive time"),
    (lambda p, d: p.save_frames(d, caption="fr"), "caption must be one of both, en, ja"),
])
def test_bad_output_requests_say_what_to_do(apple, tmp_path, call, fragment):
    with pytest.raises(DrawingError, match=re.escape(fragment)):
        call(Player(apple), tmp_path)


def test_svg_frames_are_numbered_and_carry_their_captions(apple, tmp_path):
    player = Player(apple)
    written = player.save_frames(tmp_path, caption="ja")
    assert [path.name for path in written] == [f"frame_{k:03d}.svg" for k in range(1, 9)]
    last = ElementTree.parse(written[-1]).getroot()
    lines = [text.text for text in last.iter("{http://www.w3.org/2000/svg}text")]
    assert lines[-1] == player.frames[-1].caption_ja
    assert "grad 110" in lines and "grad ?" not in lines


def test_png_frames_and_animations_are_pictures(tmp_path):
    pytest.importorskip("resvg_py")
    image = pytest.importorskip("PIL.Image")
    player = Player((Value(3.0, label="x") * 2).named("y"))  # small: each picture takes time
    written = player.save_frames(tmp_path, fmt="png")
    assert len(written) == 5 and all(p.read_bytes().startswith(PNG_MAGIC) for p in written)
    gif = player.save_animation(tmp_path / "y.gif", phase="backward")
    with image.open(gif) as animation:
        assert animation.n_frames == 3  # the seed and two edges
    apng = player.save_animation(tmp_path / "y.png", phase="forward")
    with image.open(apng) as animation:
        assert animation.n_frames == 2


def test_save_writes_the_page(apple, tmp_path):
    path = Player(apple).save(tmp_path / "apple.html")
    assert path.read_text("utf-8").startswith("<!DOCTYPE html>")


# The `steps` command is tested here, beside the player it writes (test_cli covers the others).


def test_the_steps_command_writes_the_apple_player(tmp_path, capsys):
    out = tmp_path / "apple.html"
    assert main(["steps", "りんご * 個数 * 消費税", "--at", "りんご=100,個数=2,消費税=1.1",
                 "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out} (8 frames)\n"
    assert f"上流の勾配 1.1 {TIMES} 局所的な微分 2 = 2.2" in out.read_text("utf-8")


def test_the_steps_command_refuses_a_picture_suffix(tmp_path, capsys):
    # 3: an output it cannot write (a player is a page, not a picture)
    assert main(["steps", "x * x", "--at", "x=1", "-o", str(tmp_path / "x.svg")]) == 3
    assert "end the path with .html" in capsys.readouterr().err


# -- animations within a memory budget (issue 21, item 2) ----------------------------------------


def _pictures(colours, size=(6, 4)):
    image = pytest.importorskip("PIL.Image")
    for colour in colours:
        yield on_white(image, image.new("RGBA", size, colour))


@pytest.mark.parametrize("fmt", ["GIF", "PNG"])
def test_an_animation_is_written_frame_by_frame(fmt):
    # Each frame reaches the file before the next picture is even drawn: memory for one frame.
    out = io.BytesIO()
    sizes = []

    def pictures():
        for picture in _pictures(["red", "green", "blue", (0, 0, 0, 0)]):
            sizes.append(len(out.getvalue()))
            yield picture

    write_animation(pictures(), fmt, 0.25, out, 4)
    assert sizes[0] == 0 and sizes == sorted(set(sizes))  # grew before every next picture


@pytest.mark.parametrize("fmt", ["GIF", "PNG"])
def test_an_animations_frames_are_its_pictures_on_white(fmt):
    image = pytest.importorskip("PIL.Image")
    colours = ["red", "green", "blue", (0, 0, 0, 0)]  # the last one transparent: white
    out = io.BytesIO()
    write_animation(_pictures(colours), fmt, 0.25, out, 4)
    out.seek(0)
    with image.open(out) as animation:
        assert (animation.n_frames, animation.size, animation.info["duration"]) == (4, (6, 4), 250)
        assert animation.info.get("loop") == 0
        seen = []
        for k in range(4):
            animation.seek(k)
            seen.append(animation.convert("RGB").getpixel((3, 2)))
    assert seen == [(255, 0, 0), (0, 128, 0), (0, 0, 255), (255, 255, 255)]


# -- labels XML cannot hold, the frames' own markers, a huge label (issue 21, item 10) -----------


@pytest.mark.parametrize(("label", "shown"), [
    ("a\ufffeb", "a\\ufffeb"), ("a\uffffb", "a\\uffffb"),  # no XML may hold them: escapes
    ("q\ue0000\ue001s", "q\ue0000\ue001s"),  # private use, as the frames' markers once were
    ("q\x010\x02s", "q\\x010\\x02s"),  # control characters, as the markers are now
])
def test_any_label_makes_well_formed_frames_that_show_it(label, shown):
    player = Player((Value(2.0, label=label) * 3).named("y"))
    for svg in player.frame_svgs():
        texts = [t.text or "" for t in ElementTree.fromstring(svg).iter(f"{SVG}text")]
        assert any(shown in text for text in texts)
    assert shown in page_data(player.html())["svg"]


def test_a_huge_label_is_shortened_in_the_captions():
    player = Player((Value(2.0, label="L" * 100_000) * 3).named("y"))
    assert max(len(frame.caption) for frame in player.frames) < 300
    assert "L" * 39 + "\N{HORIZONTAL ELLIPSIS}" in player.frames[0].caption
    widths = {ElementTree.fromstring(svg).get("width") for svg in player.frame_svgs()}
    assert len(widths) == 1 and float(widths.pop().removesuffix("pt")) < 3000


def test_a_focus_on_a_big_graph_writes_captions_for_the_focus_only():
    x = Value(0.5, label="x")
    y = x
    for _ in range(2000):
        y = y * 1.0001 + 0.001
    recorded = walk.record(y.named("y"))
    drawn = {y, y.parents[0]}
    frames = frames_of(recorded, drawn=drawn)
    assert len(frames) < 10  # not 8,000 (two frames a node, forward and backward)
    assert all(frame.caption for frame in frames if frame.node in drawn or frame.node is None)


def test_a_focus_still_adds_up_the_uses_outside_it():
    # x feeds 20 nodes; the focus draws only the last and x: x's grad sums all 20 uses.
    x = Value(2.0, label="x")
    uses = [(x * float(k)).named(f"u{k}") for k in range(20)]
    total = uses[0]
    for use in uses[1:]:
        total = total + use
    player = Player(total.named("t"), focus=uses[-1], depth=1)
    assert x in player._ids and uses[0] not in player._ids
    *_, (_, last, _) = player.states()
    assert last == player.finished()
    assert "grad 190" in player.finished().values()
