"""A comparison of two backward passes as a table: one row per leaf or parameter, both gradients.

English and Japanese in one table, for a terminal (`str`, columns counted as a terminal counts
full-width characters) and for a notebook (`_repr_html_`, every text escaped).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import NamedTuple

from ..views.text import columns, printable

__all__ = ["Comparison", "GradientRow"]


class GradientRow(NamedTuple):
    """One number from both sides: our name for it, torch's, our value and torch's.

    >>> GradientRow("a", "args[0]", -3.0, -3.0000000000000004).difference
    4.440892098500626e-16
    """

    name: str
    torch_name: str
    ours: float
    torch: float

    @property
    def difference(self) -> float:
        """``|ours - torch|``; 0.0 where both are the same inf or both nan, else inf or nan."""
        if self.ours == self.torch or (math.isnan(self.ours) and math.isnan(self.torch)):
            return 0.0
        return abs(self.ours - self.torch)


# What the rows are, per kind of subject: (English, Japanese) for the title and the header.
_KINDS = {"expression": (("leaf", "leaves", "葉"), ("torch argument", "torch の引数")),
          "model": (("parameter", "parameters", "パラメータ"), ("torch name", "torch の名前"))}


# A table shows every row up to this many; past it (a 784-50-10 model has 39,760 parameters),
# the half as many rows with the largest differences, in their order, and a count of the rest.
SHOWN = 40


@dataclass(frozen=True, repr=False)
class Comparison:
    """Both backward passes side by side: the output, then every gradient (`compare_with_torch`).

    ``kind`` is "expression" (rows are leaves) or "model" (rows are parameters); ``output`` holds
    both forward results. Shown as a table in a terminal and in a notebook.

    >>> print(Comparison("expression", GradientRow("y", "output", 6.0, 6.0),
    ...                  (GradientRow("x", "args[0]", 2.0, 2.0),)))
    microgradjp vs torch: 1 leaf, largest difference 0
    microgradjp と torch: 葉 1 個、差の最大 0
    <BLANKLINE>
    leaf  torch argument  microgradjp  torch  difference
    葉    torch の引数    microgradjp  torch  差
    y     output                  6.0    6.0           0
    x     args[0]                 2.0    2.0           0
    """

    kind: str
    output: GradientRow
    rows: tuple[GradientRow, ...]

    @property
    def max_difference(self) -> float:
        """The largest `GradientRow.difference`, the output's included."""
        return max(row.difference for row in (self.output, *self.rows))

    def _titles(self) -> tuple[str, str]:
        (one, many, row_ja), _ = _KINDS[self.kind]
        n, largest = len(self.rows), _short(self.max_difference)
        return (f"microgradjp vs torch: {n} {one if n == 1 else many}, "
                f"largest difference {largest}",
                f"microgradjp と torch: {row_ja} {n} 個、差の最大 {largest}")

    def _shown(self) -> tuple[list[GradientRow], list[str]]:
        """Return the rows a table shows, and what it says about the others (both languages)."""
        rows = self.rows
        if len(rows) <= SHOWN:
            return list(rows), []
        order = sorted(range(len(rows)), key=lambda k: -_rank(rows[k].difference))
        kept = sorted(order[: SHOWN // 2])
        left = len(rows) - len(kept)
        return [rows[k] for k in kept], [
            f"... and {left} more rows, none with a larger difference (.rows holds all "
            f"{len(rows)})",
            f"… ほかに {left} 行 (差はどれもこれ以下。全 {len(rows)} 行は .rows にあります)"]

    def _cells(self) -> tuple[list[list[str]], list[list[str]], list[str]]:
        (row, _, row_ja), (torch, torch_ja) = _KINDS[self.kind]
        header = [[row, torch, "microgradjp", "torch", "difference"],
                  [row_ja, torch_ja, "microgradjp", "torch", "差"]]
        shown, rest = self._shown()
        body = [[printable(r.name), printable(r.torch_name), repr(r.ours), repr(r.torch),
                 _short(r.difference)] for r in (self.output, *shown)]
        return header, body, rest

    def __str__(self) -> str:
        header, body, rest = self._cells()
        rows = [*header, *body]
        widths = [max(columns(r[i]) for r in rows) for i in range(5)]
        lines = []
        for k, cells in enumerate(rows):
            numeric = k >= len(header)
            line = []
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
                pad = " " * (width - columns(cell))
                line.append(pad + cell if numeric and i >= 2 else cell + pad)
            lines.append("  ".join(line).rstrip())
        return "\n".join([*self._titles(), "", *lines, *rest])

    __repr__ = __str__  # a REPL shows the table, as it shows a DataFrame

    def _repr_html_(self) -> str:
        header, body, rest = self._cells()
        head = "".join("<tr>" + "".join(f"<th{_CELL[i >= 2]}>{html.escape(c)}</th>"
                                        for i, c in enumerate(row)) + "</tr>" for row in header)
        rows = "".join("<tr>" + "".join(f"<td{_CELL[i >= 2]}>{html.escape(c)}</td>"
                                        for i, c in enumerate(row)) + "</tr>" for row in body)
        caption = "<br>".join(html.escape(t) for t in self._titles())
        foot = "".join(f'<tr><td colspan="5">{html.escape(line)}</td></tr>' for line in rest)
        return (f'<table class="microgradjp-comparison"><caption>{caption}</caption>'
                f"<thead>{head}</thead><tbody>{rows}</tbody><tfoot>{foot}</tfoot></table>")


# Names on the left; numbers on the right, in monospace so their digits line up.
_CELL = {False: ' style="text-align:left;padding:0 0.6em"',
         True: ' style="text-align:right;padding:0 0.6em;font-family:monospace"'}


def _rank(difference: float) -> float:
    return math.inf if math.isnan(difference) else difference  # a nan is worth seeing first


def _short(x: float) -> str:
    return f"{x + 0.0:.2g}"  # + 0.0: -0.0 reads as 0
