"""Small data sets: the public path ``microgradjp.data``.

The code lives in `nn.data`; this module only re-exports it, so user code keeps working.
"""

from .nn import data as _home
from .nn.data import *  # noqa: F403

__all__ = _home.__all__
