"""The step player: the public path ``microgradjp.player``.

The code lives in `views.player`; this module only re-exports it, so user code keeps working.
"""

from .views import player as _home
from .views.player import *  # noqa: F403

__all__ = _home.__all__
