"""Weight initialisation: the public path ``microgradjp.init``.

The code lives in `nn.init`; this module only re-exports it, so user code keeps working.
"""

from .nn import init as _home
from .nn.init import *  # noqa: F403

__all__ = _home.__all__
