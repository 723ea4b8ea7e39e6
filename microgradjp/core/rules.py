"""THE table of differentiable primitives: one row per op, every fact about the op on its row.

A row's ``vjp`` uses only arithmetic and other rows, so the same row works on floats (a plain
backward) and on Values (``create_graph``, any order). Rows know nothing about graphs: the engine
records nodes and walks them; the errors, gradcheck, the drawings and captions, replay, the
command line, numpy, the neural nets and the property tests read these same rows. Adding an op is
one row here (every row is in `ROWS`) plus its export in ``microgradjp/__init__.py``.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ..errors import DivisionByZeroError, DomainError, ValueOverflowError, ValueTypeError, message

__all__ = ["ROWS", "Domain", "Rule", "anywhere", "as_float", "describe", "power"]

# Which of our errors stands for which failure of a float computation.
_ERROR_CLASS: dict[type[Exception], type[Exception]] = {
    ValueError: DomainError,
    ZeroDivisionError: DivisionByZeroError,
    OverflowError: ValueOverflowError,
}
_DEFAULT_EXPLANATIONS: dict[type[Exception], tuple[str, str]] = {
    ValueError: ("the op is not defined there", "move the input into the op's domain"),
    ZeroDivisionError: ("it divides by zero", "keep the input away from zero"),
    OverflowError: ("the result overflows a float", "scale the inputs down"),
}


@dataclass(frozen=True, slots=True)
class Domain:
    """Where a row is smooth and well conditioned: the intervals property tests draw from.

    One ``(low, high)`` per argument (for an n-ary row, the arguments of one sample call), each
    with a margin from any edge, pole or kink. ``symmetric``: the intervals bound ``|x|``, both
    sides of a kink or pole are fine. ``apart``: the arguments stay this far apart (a tie of
    ``maximum`` has no derivative).

    >>> anywhere(2)
    Domain(intervals=((-20.0, 20.0), (-20.0, 20.0)), symmetric=False, apart=0.0)
    """

    intervals: tuple[tuple[float, float], ...]
    symmetric: bool = False
    apart: float = 0.0


BIG = 20.0  # how far from 0 the property tests go: exp(20) and 20 ** 5 are still exact enough


def anywhere(arity: int = 1) -> Domain:
    """Return the domain of a row defined and smooth for every finite input (to +-BIG)."""
    return Domain(((-BIG, BIG),) * arity)


def _positive(low: float = 0.01, *, symmetric: bool = False) -> Domain:
    return Domain(((low, BIG),), symmetric=symmetric)


@dataclass(frozen=True, eq=False, slots=True)
class Rule:
    """One differentiable primitive: its forward, its partials, and every other fact about it.

    ``vjp(upstream, *inputs, out)`` is the chain rule's step through this op: it returns each
    input's share of ``upstream`` (d root / d this op's result), upstream times the input's local
    derivative, written as the row computes it best (``log`` divides by x rather than
    multiplying by 1/x; ``relu`` selects upstream or 0.0 rather than multiplying by 1 or 0, so
    a branch not taken sends nothing back, even an inf or a nan). ``partials(*inputs, out)``,
    the local derivatives alone, is ``vjp`` at upstream 1.0 unless given (`define_op` gives
    partials, and its vjp multiplies). ``out`` is the op's result, which many derivatives reuse
    (``exp``: ``out``). Calling a rule applies it: on
    numbers it returns a float, on Values it records a node. The other fields, each read by one
    place: ``errors`` (why and fix per failure), ``domain`` (property tests), ``symbol`` (how a
    formula writes it; default the name), ``drawn`` (its circle in a drawing; default the
    symbol), ``why`` (the step caption's reason for its local derivative, English and Japanese),
    ``called`` (its name in a generated expression; default the name), ``cli`` (its function name
    on the command line, "" if not offered), ``numpy`` (the ufunc it answers, "" if none) and
    ``activation`` (a neuron may apply it by name).

    >>> from microgradjp.core.rules import EXP
    >>> EXP(0.0), EXP.partials(0.0, 1.0), EXP.vjp(0.5, 0.0, 1.0), EXP.symbol
    (1.0, (1.0,), (0.5,), 'exp')
    """

    name: str
    forward: Callable[..., float]
    partials: Callable[..., tuple[Any, ...]] = None  # type: ignore[assignment]  # from vjp
    errors: Mapping[type[Exception], tuple[str, str]] = field(default_factory=dict)
    domain: Domain | None = None
    replay_forward: Callable[..., Any] | None = None
    symbol: str = ""
    drawn: str = ""
    why: tuple[str, str] | None = None
    called: str = ""
    cli: str = ""
    numpy: str = ""
    activation: bool = False
    # For an activation: is an output one at which the unit passes almost no gradient back?
    # ReLU's slope is 0 where it outputs 0; tanh's (1 - a**2) and sigmoid's (a (1 - a)) are under
    # 2% of their largest near their asymptotes; a step's is 0 everywhere. The training player
    # marks a unit flat on every sample dead, on most of them saturated.
    flat: Callable[[float], bool] | None = None
    vjp: Callable[..., tuple[Any, ...]] = None  # type: ignore[assignment]  # from partials
    # True when the row is written as partials, so each share is upstream * partial: a walk may
    # then do the product itself (backward's loop over a neuron's many inputs does).
    multiplies: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        # One of vjp and partials is written; the other follows from it.
        if self.vjp is None:
            object.__setattr__(self, "vjp", _times(self.partials))
            object.__setattr__(self, "multiplies", True)
        if self.partials is None:
            object.__setattr__(self, "partials", _at_one(self.vjp))
        # Defaults that follow the name: a custom op (define_op) is shown by its name everywhere.
        object.__setattr__(self, "symbol", self.symbol or self.name)
        object.__setattr__(self, "drawn", self.drawn or self.symbol)
        object.__setattr__(self, "called", self.called or self.name)

    # A row of the table is told apart by identity (``node.rule is EXP``): copies keep the row.
    def __copy__(self) -> Rule:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Rule:
        return self

    def __call__(self, *args: Any) -> Any:
        # Partials call rules (sin's partial is cos) on floats or, for create_graph, on Values.
        # A Value carries the engine's recorder, so this table never imports the engine.
        for arg in args:
            record = getattr(arg, "_record", None)
            if record is not None:
                return record(self, args)
        return self.compute(tuple(as_float(arg, self.name) for arg in args))

    def compute(self, args: tuple[float, ...]) -> float:
        """Return the forward on floats, or raise our error naming this op, the input and a fix."""
        try:
            return self.forward(*args)
        except (ValueError, ArithmeticError) as failure:
            raise self.error(failure, args) from None

    def error(
        self, failure: Exception, args: tuple[float, ...], labels: tuple[str | None, ...] = ()
    ) -> Exception:
        """Return the error for ``failure`` of this op at ``args`` (not raised)."""
        kind = next(k for k in _ERROR_CLASS if isinstance(failure, k))
        why, fix = self.errors.get(kind) or _DEFAULT_EXPLANATIONS[kind]
        return _ERROR_CLASS[kind](message(describe(self.name, args, labels), why, fix))


def _times(partials: Callable[..., tuple[Any, ...]]) -> Callable[..., tuple[Any, ...]]:
    # A row given by its partials (define_op): each input's share is upstream * its partial.
    return lambda upstream, *args: tuple(upstream * local for local in partials(*args))


def _at_one(vjp: Callable[..., tuple[Any, ...]]) -> Callable[..., tuple[Any, ...]]:
    # The local derivatives are what the op sends back when upstream is 1.0.
    return lambda *args: vjp(1.0, *args)


# Why and what to do when an int is past float's range (10**400): as_float's and conversions'.
TOO_LARGE_FOR_FLOAT = ("the number is too large for a float (the largest is about 1.8e308)",
                       "scale it down, or pass math.inf if you mean infinity")


def as_float(x: Any, op: str) -> float:
    """Return ``x`` as a float, or raise ValueTypeError naming ``op`` if it is no real number."""
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:  # an int past float's range: 10**400
            raise ValueOverflowError(message(
                f"{op!r} with a number of {x.bit_length() if isinstance(x, int) else '?'} bits",
                *TOO_LARGE_FOR_FLOAT)) from None
    raise ValueTypeError(message(
        f"{op!r} with {x!r}", f"expected a real number or a Value, got {type(x).__name__}",
        "convert it with float() first"))


def describe(name: str, args: tuple[float, ...], labels: tuple[str | None, ...] = ()) -> str:
    """Return how a call reads to a user: ``log(-1.0)``, ``1.0 / 0.0`` or ``(-8.0) ** 0.5``.

    >>> describe("/", (1.0, 0.0))
    '1.0 / 0.0'
    """
    pairs = zip(args, labels or (None,) * len(args), strict=True)
    if name.isidentifier():
        return f"{name}({', '.join(_show(arg, label) for arg, label in pairs)})"
    # Infix: bracket negative numbers so (-8.0) ** 0.5 reads as it is computed.
    shown = [_show(arg, label, bracket=arg < 0) for arg, label in pairs]
    if name.startswith("**") and len(shown) == 1:  # a fixed exponent such as **2
        return f"{shown[0]} ** {name[2:]}"
    if len(shown) == 1:
        return f"{name}{shown[0]}"
    return f" {name} ".join(shown)


def _show(arg: float, label: str | None, bracket: bool = False) -> str:
    shown = f"{label}={arg!r}" if label else repr(arg)
    return f"({shown})" if bracket else shown


# Forwards that need more than one library call.


def _real_pow(x: float, y: float) -> float:
    # Python's ** turns (-8.0) ** 0.5 into a complex number; math.pow refuses it instead.
    if x == 0.0 and y < 0.0:
        raise ZeroDivisionError
    return math.pow(x, y)


def _sigmoid(x: float) -> float:
    # Branch on the sign so exp only ever sees a non-positive number: no overflow anywhere.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    # log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _logsumexp(*xs: float) -> float:
    # Subtract the max first so exp never overflows (the seeds' softmax trick).
    top = max(xs)
    if math.isinf(top):
        return top
    return top + math.log(math.fsum(math.exp(x - top) for x in xs))


def _sum(*xs: float) -> float:
    # The exact sum, rounded once (fsum). Where fsum refuses, what + gives: nan for inf - inf,
    # and past float's range an inf (fsum also refuses a sum that overflows only on the way).
    try:
        return math.fsum(xs)
    except (ValueError, OverflowError):
        return _sum_past_fsum(xs)


def _sum_past_fsum(xs: tuple[float, ...]) -> float:
    special = [x for x in xs if not math.isfinite(x)]
    if special:  # nan, or infs: the finite terms cannot change the result
        return sum(special, 0.0)
    exact = sum(map(Fraction, xs), Fraction(0))
    try:
        return float(exact)  # correctly rounded, as fsum's
    except OverflowError:
        return math.inf if exact > 0 else -math.inf


def _weighted_sum(*args: float) -> float:
    # Arguments: w1..wn, x1..xn, bias. fsum at once, as a neuron's forward is hot; where it
    # refuses, _sum says what the sum is.
    n = len(args) // 2
    try:
        return math.fsum(map(operator.mul, args[:n], args[n : 2 * n])) + args[-1]
    except (ValueError, OverflowError):
        return _sum(*map(operator.mul, args[:n], args[n : 2 * n])) + args[-1]


def _weighted_sum_written(*args: Any) -> Any:
    # The same floats as _weighted_sum, from other rows and arithmetic: replay writes it as code
    # (one call of SUM's forward per neuron), not as a call of _weighted_sum's 2n + 1 arguments.
    n = len(args) // 2
    return SUM(*map(operator.mul, args[:n], args[n : 2 * n])) + args[-1]


def _weighted_sum_partials(*args: Any) -> tuple[Any, ...]:
    # d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1 (the last argument is the output).
    n = (len(args) - 2) // 2
    return (*args[n : 2 * n], *args[:n], 1.0)


# "0 <= x <= 0", not "x == 0": x is a Value under create_graph, and == on a Value is identity.
def _base_partial(x: Any, y: Any) -> Any:
    # d(x ** y)/dx = y x ** (y - 1); x ** 0 is 1 everywhere, so at x = 0 its slope is 0 too,
    # where the formula would raise 0 ** -1. (Only there: elsewhere d/dy of it is still owed.)
    return 0.0 * x if 0.0 <= y <= 0.0 and 0.0 <= x <= 0.0 else y * x ** (y - 1.0)


def _exponent_partial(x: Any, out: Any) -> Any:
    # d(x ** y)/dy = x ** y log x, real only for x > 0. At x = 0 it is 0 (PyTorch's choice too);
    # for x < 0, x ** y is real only at integer y, so it has no slope in y: nan, as PyTorch
    # gives, never an error. (-3.0) ** 2 owes its base -6 whether or not the 2 is a Value.
    if x > 0.0:
        return out * LOG(x)
    return 0.0 * out if 0.0 <= x <= 0.0 else math.nan * out


_NEGATIVE_BASE = ("a negative base needs an integer exponent (the result would be complex)",
                  "use abs(x) ** y, or an integer exponent")
_ZERO_BASE = ("zero cannot be raised to a negative power",
              "add a small positive constant to the base")

# The table. vjp(g, *inputs, out) -> each input's share of the upstream gradient g: g times the
# local derivative, dividing where the derivative is a quotient (log, /, sqrt: 1/x overflows
# where g/x does not). Piecewise rows (relu, abs, step, maximum, minimum) select: the input the
# forward passed on gets g, a branch not taken gets 0.0 (never g * 0.0, which is nan when g is
# inf). Comparisons work on floats and on Values (they compare data), so every row serves both.

TIMES, DIVIDE, MINUS = "\N{MULTIPLICATION SIGN}", "\N{DIVISION SIGN}", "\N{MINUS SIGN}"


def _is_nan(x: Any) -> bool:
    return not x <= x  # only nan is not <= itself ("x != x" on a Value would be identity)


def _max_takes_first(x: Any, y: Any) -> bool:
    # Ties go to the first input; a nan wins, so max(nan, 1) and max(1, nan) are both nan.
    return x >= y or _is_nan(x)


def _min_takes_first(x: Any, y: Any) -> bool:
    return x <= y or _is_nan(x)


ADD = Rule("+", operator.add, vjp=lambda g, x, y, out: (g, g), domain=anywhere(2),
           why=("+ passes the gradient on unchanged", "足し算は勾配をそのまま流す"))
SUB = Rule("-", operator.sub, vjp=lambda g, x, y, out: (g, -g), domain=anywhere(2),
           symbol=MINUS)
MUL = Rule("*", operator.mul, vjp=lambda g, x, y, out: (g * y, g * x), domain=anywhere(2),
           symbol=TIMES,
           why=(f"{TIMES} multiplies by the other input", "掛け算はもう一方の入力を掛ける"))
DIV = Rule("/", operator.truediv, vjp=lambda g, x, y, out: (g / y, g * (-out / y)),
           errors={ZeroDivisionError: ("division by zero", "keep the divisor away from zero")},
           domain=Domain(((0.0, BIG), (0.1, BIG)), symmetric=True), symbol=DIVIDE)
# Drawn as "-x": a circle holding "-" alone would read as subtraction.
NEG = Rule("-", operator.neg, vjp=lambda g, x, out: (-g,), domain=anywhere(), symbol=MINUS,
           drawn=f"{MINUS}x", called="neg")
POW = Rule("**", _real_pow, vjp=lambda g, x, y, out: (g * _base_partial(x, y),
                                                     g * _exponent_partial(x, out)),
           errors={ValueError: _NEGATIVE_BASE, ZeroDivisionError: _ZERO_BASE},
           domain=Domain(((0.1, 5.0), (-3.0, 3.0))))
EXP = Rule("exp", math.exp, vjp=lambda g, x, out: (g * out,),
           errors={OverflowError: ("exp(x) overflows a float for x > 709.78",
                                   "use sigmoid or softmax, which are overflow-safe")},
           domain=anywhere(), why=("the slope of exp is exp itself", "exp の微分は exp 自身"),
           cli="exp", numpy="exp")
LOG: Rule = Rule("log", math.log, vjp=lambda g, x, out: (g / x,),
           errors={ValueError: ("log is defined for x > 0",
                                "clamp the input or add a small positive constant")},
           domain=_positive(), why=("the slope of log x is 1/x", "log x の微分は 1/x"),
           cli="log", numpy="log")
SQRT = Rule("sqrt", math.sqrt, vjp=lambda g, x, out: (g / (2.0 * out),),
            errors={ValueError: ("sqrt is defined for x >= 0", "clamp the input, or use abs(x)"),
                    ZeroDivisionError: ("the derivative of sqrt is infinite at 0",
                                        "add a small positive constant inside the sqrt")},
            domain=_positive(), cli="sqrt", numpy="sqrt")
TANH = Rule("tanh", math.tanh, vjp=lambda g, x, out: (g * (1.0 - out * out),),
            domain=anywhere(),
            why=("the slope of tanh is 1 - tanh**2", "tanh の微分は 1 - tanh**2"),
            cli="tanh", numpy="tanh", activation=True, flat=lambda out: abs(out) > 0.99)
SIGMOID = Rule("sigmoid", _sigmoid, vjp=lambda g, x, out: (g * (out * (1.0 - out)),),
               domain=anywhere(), why=("the slope of sigmoid is sigmoid (1 - sigmoid)",
                                       "sigmoid の微分は sigmoid (1 - sigmoid)"),
               cli="sigmoid", activation=True, flat=lambda out: out < 0.005 or out > 0.995)
STEP = Rule("step", lambda x: 1.0 if x > 0.0 else 0.0, vjp=lambda g, x, out: (0.0,),
            domain=_positive(symmetric=True), cli="step", activation=True,
            flat=lambda out: True)  # its derivative is 0 everywhere
# The same test as the forward's, so a nan input (which the forward passes on) passes g back.
RELU = Rule("relu", lambda x: 0.0 if x <= 0.0 else x,
            vjp=lambda g, x, out: (0.0 if x <= 0.0 else g,), domain=_positive(symmetric=True),
            why=("relu lets the gradient through where its input is > 0",
                 "ReLU は入力が正のときだけ勾配を通す"),
            cli="relu", activation=True, flat=lambda out: out == 0.0)
ABS = Rule("abs", abs, vjp=lambda g, x, out: (-g if x < 0.0 else 0.0 if x <= 0.0 else g,),
           domain=_positive(symmetric=True), cli="abs")
SIN = Rule("sin", math.sin, vjp=lambda g, x, out: (g * COS(x),),
           errors={ValueError: ("sin is defined for finite x", "keep the input finite")},
           domain=anywhere(), cli="sin", numpy="sin")
COS: Rule = Rule("cos", math.cos, vjp=lambda g, x, out: (g * -SIN(x),),
           errors={ValueError: ("cos is defined for finite x", "keep the input finite")},
           domain=anywhere(), cli="cos", numpy="cos")
MAXIMUM = Rule("maximum", lambda x, y: x if _max_takes_first(x, y) else y,
               vjp=lambda g, x, y, out: (g, 0.0) if _max_takes_first(x, y) else (0.0, g),
               domain=Domain(anywhere(2).intervals, apart=0.01),
               why=("max routes the gradient to the larger input",
                    "max は大きい方の入力にだけ流す"),
               cli="max", numpy="maximum")
MINIMUM = Rule("minimum", lambda x, y: x if _min_takes_first(x, y) else y,
               vjp=lambda g, x, y, out: (g, 0.0) if _min_takes_first(x, y) else (0.0, g),
               domain=Domain(anywhere(2).intervals, apart=0.01), cli="min", numpy="minimum")
SOFTPLUS = Rule("softplus", _softplus, vjp=lambda g, x, out: (g * SIGMOID(x),),
                domain=anywhere())
# The n-ary rows are written as partials (each share is upstream * partial): see multiplies.
SUM = Rule("sum", _sum, lambda *args: (1.0,) * (len(args) - 1),
           domain=anywhere(4))
LOGSUMEXP = Rule("logsumexp", _logsumexp,
                 lambda *args: tuple(EXP(x - args[-1]) for x in args[:-1]), domain=anywhere(3))
WEIGHTED_SUM = Rule("weighted_sum", _weighted_sum, _weighted_sum_partials,
                    domain=anywhere(5),  # w1, w2, x1, x2, bias
                    replay_forward=_weighted_sum_written)
IDENTITY = Rule("identity", lambda x: x, vjp=lambda g, x, out: (g,), domain=anywhere())
LEAF = Rule("", lambda: 0.0, vjp=lambda g, out: ())

# Every row above but LEAF, in table order, for the readers that go through them all.
ROWS: tuple[Rule, ...] = tuple(
    row for row in dict(globals()).values() if isinstance(row, Rule) and row is not LEAF)


@lru_cache(maxsize=1024)
def power(exponent: float) -> Rule:
    """Return the rule for ``x ** exponent`` with a fixed number exponent (cached per exponent).

    The exponent is part of the rule, not a node: no derivative is owed to a constant.

    >>> power(2.0).name, power(2.0)(3.0), power(2.0).partials(3.0, 9.0)
    ('**2', 9.0, (6.0,))
    """
    # An integer exponent is smooth everywhere but at a pole at 0 (negative ones); any other
    # needs a positive base.
    if exponent.is_integer():
        domain = anywhere() if exponent >= 0 else _positive(0.1, symmetric=True)
    else:
        domain = _positive(0.1)
    return Rule(f"**{exponent:g}", lambda x: _real_pow(x, exponent),
                vjp=lambda g, x, out: (g * _base_partial(x, exponent),),
                errors={ValueError: _NEGATIVE_BASE, ZeroDivisionError: _ZERO_BASE},
                domain=domain)
