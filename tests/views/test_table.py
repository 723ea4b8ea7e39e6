"""Tests for microgradjp.trace: the backward pass as edges and as a text table."""

import io
import math
import unicodedata

import pytest

from microgradjp import Value
from microgradjp.trace import backward_edges, backward_table, creation_order, print_backward


def as_tuples(edges):
    return [(e.node.label, e.input.label, e.upstream, e.local, e.contribution) for e in edges]


def test_xyz_edges_are_the_seed_numbers(xyz):
    assert as_tuples(backward_edges(xyz)) == [
        ("f", "q", 1.0, -4.0, -4.0), ("f", "z", 1.0, 3.0, 3.0),
        ("q", "x", -4.0, 1.0, -4.0), ("q", "y", -4.0, 1.0, -4.0)]


def test_apple_edges_are_the_seed_numbers(apple):
    got = as_tuples(backward_edges(apple))
    assert [row[:2] for row in got] == [("支払金額", None), ("支払金額", "消費税"),
                                        (None, "りんご"), (None, "個数")]
    numbers = [(1, 1.1, 1.1), (1, 200, 200), (1.1, 2, 2.2), (1.1, 100, 110)]
    assert [row[2:] for row in got] == [pytest.approx(row, rel=1e-12) for row in numbers]


def test_edges_come_newest_node_first():
    x = Value(1.0, label="x")
    older = (x * 2).named("older")
    newer = (x + 1).named("newer")
    y = (newer * older).named("y")  # older is y's second input but was made first
    assert [e.node.label for e in backward_edges(y)] == ["y", "y", "newer", "newer", "older",
                                                          "older"]


def test_an_input_used_twice_has_two_edges_that_add_up():
    a = Value(3.0, label="a")
    edges = backward_edges(a * a)
    assert [(e.input, e.contribution) for e in edges] == [(a, 3.0), (a, 3.0)]


def test_edges_leave_grad_untouched(apple):
    backward_edges(apple)
    assert apple.grad == 0.0 and all(p.grad == 0.0 for p in apple.parents)


def test_contributions_sum_to_central_differences():
    def f(a, b, c):
        return ((a * b).tanh() + (b / c).exp() * a - c**2).sigmoid()

    point = (0.7, -1.3, 2.1)
    leaves = [Value(v, label=name) for v, name in zip(point, "abc", strict=True)]
    sums = dict.fromkeys(leaves, 0.0)
    for edge in backward_edges(f(*leaves)):
        if edge.input in sums:
            sums[edge.input] += edge.contribution
    h = 1e-6
    for i, leaf in enumerate(leaves):
        up = [v + h * (j == i) for j, v in enumerate(point)]
        down = [v - h * (j == i) for j, v in enumerate(point)]
        numerical = (f(*map(Value, up)).data - f(*map(Value, down)).data) / (2 * h)
        assert sums[leaf] == pytest.approx(numerical, rel=1e-6, abs=1e-9)


def test_apple_table(apple):
    assert backward_table(apple) == "\n".join([
        "node      value  op  upstream  input   local  contribution",
        "支払金額    220  \N{MULTIPLICATION SIGN}          1  #3        1.1           1.1",
        "                               消費税    200           200",
        "#3          200  \N{MULTIPLICATION SIGN}        1.1  りんご      2           2.2",
        "                               個数      100           110",
        "",
        "leaf    value  grad",
        "りんご    100   2.2",
        "個数        2   110",
        "消費税    1.1   200",
    ])


def columns(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_wide_characters_count_two_columns(apple):
    lines = backward_table(apple).splitlines()[:5]
    # The "input" column starts at the same terminal column on every row.
    inputs = ["input", "#3", "消費税", "りんご", "個数"]
    starts = {columns(line[: line.index(name)]) for line, name in zip(lines, inputs, strict=True)}
    assert len(starts) == 1


def test_rows_follow_backward_order_and_name_unlabelled_nodes():
    table = backward_table(Value(2.0, label="a") * 3 + 1)
    rows = [line.split()[:3] for line in table.splitlines()[1:] if line[:1] != " "]
    assert rows[:2] == [["#5", "7", "+"], ["#3", "6", "\N{MULTIPLICATION SIGN}"]]


def test_control_characters_in_labels_stay_on_one_line():
    table = backward_table(Value(1.0, label="two\nlines\t!") * 2)
    assert "two\\nlines\\t!" in table and len(table.splitlines()) == 3 + 1 + 3


def test_a_lone_surrogate_in_a_label_is_shown_escaped():
    table = backward_table(Value(1.0, label="lone \ud800") * 2)
    assert "lone \\ud800" in table.encode("utf-8").decode("utf-8")


def test_an_empty_label_is_named_like_no_label():
    table = backward_table(Value(2.0, label="") * 3)
    assert table.splitlines()[1].split()[:2] == ["#3", "6"]
    assert table.splitlines()[-2].split() == ["#1", "2", "3"]


def test_digits():
    table = backward_table(Value(1.0, label="x") / 3, digits=3)
    assert "0.333" in table and "0.3333" not in table


def test_a_leaf_alone_has_no_rows_and_gradient_one():
    assert backward_table(Value(3.0, label="x")).splitlines()[-1].split() == ["x", "3", "1"]


def test_print_backward_writes_the_table(xyz):
    out = io.StringIO()
    print_backward(xyz, file=out)
    assert out.getvalue() == backward_table(xyz) + "\n"


def test_creation_order_puts_inputs_first_and_is_stable():
    x = Value(1.0, label="x")
    y = Value(2.0, label="y")
    root = ((x * y).exp() + x).named("root")
    order = creation_order(root)
    assert [n.label for n in order if n.label] == ["x", "y", "root"]
    assert all(order.index(p) < order.index(n) for n in order for p in n.parents)
    assert creation_order(root) == order


def test_a_long_chain_needs_no_recursion():
    x = Value(1.0, label="x")
    y = x
    for _ in range(20_000):
        y = y + 1
    edges = backward_edges(y)
    assert len(edges) == 40_000 and math.isclose(sum(
        e.contribution for e in edges if e.input is x), 1.0)
