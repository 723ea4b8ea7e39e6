"""Replaying a recorded step: the public path ``microgradjp.replay``.

The code lives in `core.replay`; this module only re-exports it, so user code keeps working.
"""

from .core import replay as _home
from .core.replay import *  # noqa: F403

__all__ = _home.__all__
