"""The rows writing their own code: a row that branches, written as conditional expressions."""

from __future__ import annotations

import itertools
import math

import pytest

from microgradjp.core import rules
from microgradjp.core.writing import Writer

HOSTILE = (-2.5, -0.0, 0.0, 5e-324, 1.0, math.inf, -math.inf, math.nan)
BRANCHING = ((rules.RELU, 1), (rules.ABS, 1), (rules.STEP, 1), (rules.MAXIMUM, 2),
             (rules.MINIMUM, 2))


def run(template: str, inputs: tuple[float, ...], g: float, out: float) -> float:
    # The template with each placeholder a local name, evaluated as the generated code is.
    names = {f"v{i}": x for i, x in enumerate(inputs)}
    code = template.format(*names, g="g", out="out")
    result: float = eval(code, {"inf": math.inf, "nan": math.nan},
                         {**names, "g": g, "out": out})
    return result


def same(a: float, b: float) -> bool:
    return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (a != a and b != b)


def test_a_branching_row_is_called_unless_the_writer_writes_branches() -> None:
    assert Writer().templates(rules.RELU, 1) == (None, None)
    assert Writer(branches=True).templates(rules.RELU, 1) == (
        "(0.0 if ({0} <= 0.0) else {0})", ["(0.0 if ({0} <= 0.0) else {g})"])


def test_a_comparison_handed_on_by_or_is_asked_once() -> None:
    # maximum's test is `x >= y or x is nan`: one branch for >=, one for the nan check.
    forward = Writer(branches=True).templates(rules.MAXIMUM, 2)[0]
    assert forward == "({0} if ({0} >= {1}) else ({1} if ({0} <= {0}) else {0}))"


@pytest.mark.parametrize(("rule", "arity"), BRANCHING, ids=lambda r: getattr(r, "name", ""))
def test_written_branches_give_the_rows_own_numbers(rule: rules.Rule, arity: int) -> None:
    forward, shares = Writer(branches=True).templates(rule, arity)
    assert shares is not None
    for inputs in itertools.product(HOSTILE, repeat=arity):
        out = rule.forward(*inputs)
        if forward is not None:
            assert same(run(forward, inputs, 0.0, 0.0), out), inputs
        for g in (1.5, -0.0, math.inf, math.nan):
            expected = rule.vjp(g, *inputs, out)
            for template, share in zip(shares, expected, strict=True):
                assert same(run(template, inputs, g, out), share), (inputs, g, template)


def test_a_row_that_loops_on_a_comparison_is_called() -> None:
    def halve_until_small(x: float) -> float:
        while x > 1.0:
            x = x * 0.5
        return x

    row = rules.Rule("halve_until_small", halve_until_small, vjp=lambda g, x, out: (g,))
    assert Writer(branches=True).templates(row, 1) == (None, ["{g}"])
