"""micrograd's two published engine tests, run as its users wrote them.

karpathy/micrograd's test/test_engine.py runs each expression with micrograd and with torch and
compares. Our suite uses no torch, so the oracle is micrograd 0.1.0 itself (the ``bench``
extra): the same statements run once with its ``Value`` and once with ours, and must agree to
1e-6. The README's printed numbers are pinned too.
"""

import pytest

from microgradjp import Value


# Each body is micrograd's half of its test, verbatim; the class to run it with is the argument.
def sanity_check(Value):
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y
    return ymg.data, xmg.grad


def more_ops(Value):
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g
    return gmg.data, amg.grad, bmg.grad


@pytest.fixture
def micrograd_value():
    return pytest.importorskip("micrograd.engine").Value


def test_sanity_check(micrograd_value):
    ours, theirs = sanity_check(Value), sanity_check(micrograd_value)
    assert ours == theirs == (-20.0, 46.0)  # exact, as the original compares with torch


def test_more_ops(micrograd_value):
    ours, theirs = more_ops(Value), more_ops(micrograd_value)
    assert ours == pytest.approx(theirs, abs=1e-6)


def test_the_numbers_micrograd_readme_prints(capsys):
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    print(f'{g.data:.4f}') # prints 24.7041, the outcome of this forward pass
    g.backward()
    print(f'{a.grad:.4f}') # prints 138.8338, i.e. the numerical value of dg/da
    print(f'{b.grad:.4f}') # prints 645.5773, i.e. the numerical value of dg/db
    assert capsys.readouterr().out.split() == ["24.7041", "138.8338", "645.5773"]
