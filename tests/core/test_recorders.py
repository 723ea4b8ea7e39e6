"""The recorders written from the rows: a user's forward is called on every op, never traced."""

from __future__ import annotations

from microgradjp import Value, define_op
from microgradjp.core import recorders, rules


def test_a_user_s_forward_is_called_every_time() -> None:
    calls: list[float] = []

    def counted(x: float, y: float) -> float:
        calls.append(x)
        return x * y + len(calls)  # a different number each call: never traced once

    op = define_op("counted", counted, lambda x, y: y, lambda x, y: x)
    a = Value(2.0)
    assert [op(a, 3.0).data, op(a, 3.0).data, op(3.0, a).data] == [7.0, 8.0, 9.0]
    assert calls == [2.0, 2.0, 3.0]


def test_the_library_s_arithmetic_is_written_inline_and_the_rest_called() -> None:
    assert "data = (x_data - y_data)" in recorders.source(rules.SUB, ("number", "Value"))
    assert "data = forward(x_data)" in recorders.source(rules.TANH, ("Value",))


def test_the_reflected_operator_keeps_the_number_first() -> None:
    x = Value(2.0)
    y = 10 - x
    assert (y.data, y.parents[0].data, y.parents[1] is x) == (8.0, 10.0, True)
