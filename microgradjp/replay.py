"""Replaying a recorded step: the public path ``microgradjp.replay``.

The code lives in `tools.replay`; this module only re-exports it, so user code keeps working.
"""

from .tools import replay as _home
from .tools.replay import *  # noqa: F403

__all__ = _home.__all__
