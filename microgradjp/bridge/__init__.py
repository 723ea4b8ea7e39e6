"""The bridge to PyTorch: our expressions and models in torch, torch's models here, compared.

`to_torch` turns a `Value` into a torch function of its leaves and a model into a float64
``nn.Sequential``; `from_torch` reads such a Sequential back as our `MLP`; `compare_with_torch`
runs both backward passes and shows every gradient side by side. torch is imported only when
one of them is called (``pip install torch --index-url https://download.pytorch.org/whl/cpu``).

>>> from microgradjp import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> compare_with_torch(a * b + b ** 2).max_difference
0.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

from ..core.node import Value
from ..nn.modules import Module
from ._torch import CPU_INSTALL, TorchNotInstalledError, UntranslatableError
from .compare import compare_with_torch
from .expressions import TorchExpression
from .models import from_torch, model_to_torch
from .report import Comparison, GradientRow

if TYPE_CHECKING:
    import torch

__all__ = ["CPU_INSTALL", "Comparison", "GradientRow", "TorchExpression", "TorchNotInstalledError",
           "UntranslatableError", "compare_with_torch", "from_torch", "to_torch"]


@overload
def to_torch(subject: Value) -> TorchExpression: ...
@overload
def to_torch(subject: Module) -> torch.nn.Sequential: ...


def to_torch(subject: Value | Module) -> TorchExpression | torch.nn.Sequential:
    """Return the torch twin: a function of the leaves for a `Value`, a module for a model.

    A `Neuron`, `Layer` or `MLP` becomes a float64 ``nn.Sequential`` of ``Linear`` layers and
    activations holding the same numbers; a `Value` becomes a `TorchExpression`.

    >>> from microgradjp.nn import MLP
    >>> to_torch(MLP(2, [3, 1], activation="tanh", seed=0))
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): Tanh()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    """
    if isinstance(subject, Value):
        return TorchExpression(subject)
    return model_to_torch(subject)
