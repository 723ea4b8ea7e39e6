"""Losses: the public path ``microgradjp.losses``.

The code lives in `nn.losses`; this module only re-exports it, so user code keeps working.
"""

from .nn import losses as _home
from .nn.losses import *  # noqa: F403

__all__ = _home.__all__
