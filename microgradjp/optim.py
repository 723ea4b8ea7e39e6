"""Optimizers: the public path ``microgradjp.optim``.

The code lives in `nn.optim`; this module only re-exports it, so user code keeps working.
"""

from .nn import optim as _home
from .nn.optim import *  # noqa: F403

__all__ = _home.__all__
