"""microgradjp: a scalar autograd engine for seeing and checking backpropagation.

>>> from microgradjp import Value
>>> a, b = Value(2.0), Value(-3.0)
>>> c = a * b + b ** 2
>>> c.backward()
>>> c.data, a.grad, b.grad
(3.0, -3.0, -4.0)
"""

from .engine import Value, maximum, minimum, no_grad
from .errors import (
                     DivisionByZeroError,
                     DomainError,
                     MicrogradError,
                     ValueOverflowError,
                     ValueTypeError,
)
from .functional import define_op, grad, gradients, value_and_grad
from .rules import COS as cos
from .rules import EXP as exp
from .rules import LOG as log
from .rules import RELU as relu
from .rules import SIGMOID as sigmoid
from .rules import SIN as sin
from .rules import SQRT as sqrt
from .rules import STEP as step
from .rules import TANH as tanh

__version__ = "0.1.0"

__all__ = [
    "DivisionByZeroError",
    "DomainError",
    "MicrogradError",
    "Value",
    "ValueOverflowError",
    "ValueTypeError",
    "cos",
    "define_op",
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
