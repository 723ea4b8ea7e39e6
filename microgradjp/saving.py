"""Saving and loading models: the public path ``microgradjp.saving``.

The code lives in `nn.saving`; this module only re-exports it, so user code keeps working.
"""

from .nn import saving as _home
from .nn.saving import *  # noqa: F403

__all__ = _home.__all__
