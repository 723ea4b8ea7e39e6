"""The comparison table: both languages, columns that line up in a terminal (Japanese labels
take two columns a character), and a notebook table in which no label is pasted raw."""

import html

import pytest

from microgradjp.bridge import Comparison, GradientRow
from microgradjp.bridge.report import SHOWN
from microgradjp.views.text import columns, printable


def comparison(name="x"):
    return Comparison("expression", GradientRow("支払金額", "output", 220.00000000000003,
                                                220.00000000000003),
                      (GradientRow(name, "args[0]", 2.2, 2.2000000000000006),
                       GradientRow("個数", "args[1]", 110.00000000000001, 110.00000000000001)))


def test_the_table_speaks_both_languages_and_shows_every_bit():
    text = str(comparison())
    assert text.splitlines()[:2] == [
        "microgradjp vs torch: 2 leaves, largest difference 4.4e-16",
        "microgradjp と torch: 葉 2 個、差の最大 4.4e-16"]
    assert "2.2000000000000006" in text and "差" in text and "torch の引数" in text
    assert repr(comparison()) == text


def test_the_numbers_line_up_under_their_headers_with_japanese_labels():
    lines = str(comparison()).splitlines()[3:]
    header_end = columns(lines[0][:lines[0].index("difference") + len("difference")])
    for line in lines[2:]:
        assert columns(line) == header_end  # right-aligned: every row ends where it does


@pytest.mark.parametrize("label", ["<script>alert(1)</script>", "a & b", '"quoted"', "x\ty"])
def test_the_notebook_table_escapes_every_label(label):
    page = comparison(label)._repr_html_()
    cell = f'<td style="text-align:left;padding:0 0.6em">{html.escape(printable(label))}</td>'
    assert cell in page
    assert label not in page  # each has a character that must not reach the page raw
    assert page.count("<tr>") == 5


def test_differences_read_inf_and_nan_honestly():
    assert GradientRow("x", "x", float("inf"), float("inf")).difference == 0.0
    assert GradientRow("x", "x", float("nan"), float("nan")).difference == 0.0
    assert GradientRow("x", "x", 1.0, float("inf")).difference == float("inf")
    assert GradientRow("x", "x", -0.0, 0.0).difference == 0.0


def test_the_largest_difference_counts_the_output_too():
    report = Comparison("model", GradientRow("loss", "loss", 1.0, 1.5),
                        (GradientRow("w", "0.weight[0,0]", 2.0, 2.0),))
    assert report.max_difference == 0.5
    assert str(report).splitlines()[0] == (
        "microgradjp vs torch: 1 parameter, largest difference 0.5")


def test_a_big_table_shows_the_largest_differences_and_counts_the_rest():
    rows = tuple(GradientRow(f"w{k}", f"0.weight[0,{k}]", 1.0, 1.0 + k * 2.0 ** -52)
                 for k in range(SHOWN * 10))
    text = str(Comparison("model", GradientRow("loss", "loss", 1.0, 1.0), rows))
    lines = text.splitlines()
    shown = [line.split()[0] for line in lines[6:-2]]
    assert shown == [f"w{k}" for k in range(SHOWN * 10 - SHOWN // 2, SHOWN * 10)]
    assert lines[-2] == (f"... and {SHOWN * 10 - SHOWN // 2} more rows, none with a larger "
                         f"difference (.rows holds all {SHOWN * 10})")
    assert "ほかに" in lines[-1]
    page = Comparison("model", GradientRow("loss", "loss", 1.0, 1.0), rows)._repr_html_()
    assert page.count("<tr>") == 2 + 1 + SHOWN // 2 + 2


def test_a_nan_difference_is_among_the_rows_shown():
    rows = tuple(GradientRow(f"w{k}", "t", 1.0, 1.0) for k in range(SHOWN * 2))
    rows = (*rows, GradientRow("bad", "t", 1.0, float("nan")))
    text = str(Comparison("model", GradientRow("loss", "loss", 1.0, 1.0), rows))
    assert "\nbad " in text
