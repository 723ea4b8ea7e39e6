"""Training loops: the public path ``microgradjp.train``.

The code lives in `nn.train`; this module only re-exports it, so user code keeps working.
"""

from .nn import train as _home
from .nn.train import *  # noqa: F403

__all__ = _home.__all__
