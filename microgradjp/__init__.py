"""microgradjp: a scalar autograd engine for seeing and checking backpropagation.

>>> from microgradjp import Value
>>> a, b = Value(2.0), Value(-3.0)
>>> c = a * b + b ** 2
>>> c.backward()
>>> c.data, a.grad, b.grad
(3.0, -3.0, -4.0)
"""

from typing import Any

from .core.functional import define_op, grad, gradients, value_and_grad
from .core.node import Value, detect_anomaly, maximum, minimum, no_grad
from .core.recording import TrainingRecord
from .core.rules import COS as cos
from .core.rules import EXP as exp
from .core.rules import LOG as log
from .core.rules import RELU as relu
from .core.rules import SIGMOID as sigmoid
from .core.rules import SIN as sin
from .core.rules import SQRT as sqrt
from .core.rules import STEP as step
from .core.rules import TANH as tanh
from .errors import (
    DivisionByZeroError,
    DomainError,
    MicrogradError,
    NonFiniteError,
    ValueOverflowError,
    ValueTypeError,
)

__version__ = "0.1.0"


def _notebook_display(value: Value, include: Any = None, exclude: Any = None,
                      **_: Any) -> dict[str, str]:
    # Jupyter shows a Value as its graph, as micrograd's draw_dot users expect. The core never
    # imports a view: the hook is attached here, and the drawing code (and graphviz) is
    # imported only when a notebook asks.
    from .views.drawing import notebook_bundle

    return notebook_bundle(value, include, exclude)


Value._repr_mimebundle_ = _notebook_display  # type: ignore[attr-defined]


def _training_html(record: TrainingRecord) -> str:
    # A recorded run (fit(record=True)'s History shows its record) is shown as the training
    # player, the view imported only when a notebook asks.
    from .views.training import TrainingPlayer

    return TrainingPlayer(record)._repr_html_()


def _training_display(record: TrainingRecord, include: Any = None, exclude: Any = None,
                      **_: Any) -> dict[str, str]:
    # The player, a still of its loss curve where no script runs, and a short text (the
    # record's own repr holds every number: tens of KB).
    from .views.training import TrainingPlayer, training_summary

    bundle = TrainingPlayer(record)._repr_mimebundle_()
    bundle["text/plain"] = f"<TrainingRecord: {training_summary(record)}>"
    return bundle


TrainingRecord._repr_html_ = _training_html  # type: ignore[attr-defined]
TrainingRecord._repr_mimebundle_ = _training_display  # type: ignore[attr-defined]


def draw_dot(root: Value, format: str = "svg", rankdir: str = "LR", **options: Any) -> Any:
    """Return micrograd's ``draw_dot``: the graph as a graphviz Digraph (SVG unless ``format``).

    The same as `microgradjp.viz.draw_dot`, imported only when called, so ``import microgradjp``
    stays free of graphviz.

    >>> draw_dot(Value(2.0, label="x") * 3).format
    'svg'
    """
    from .views.drawing import draw_dot as draw

    return draw(root, format, rankdir, **options)  # type: ignore[arg-type]  # it checks them


__all__ = [
    "DivisionByZeroError",
    "DomainError",
    "MicrogradError",
    "NonFiniteError",
    "Value",
    "ValueOverflowError",
    "ValueTypeError",
    "cos",
    "define_op",
    "detect_anomaly",
    "draw_dot",
    "exp",
    "grad",
    "gradients",
    "log",
    "maximum",
    "minimum",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "step",
    "tanh",
    "value_and_grad",
]
