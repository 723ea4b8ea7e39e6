"""Gradients as functions: the public path ``microgradjp.functional``.

The code lives in `core.functional`; this module only re-exports it, so user code keeps working.
"""

from .core import functional as _home
from .core.functional import *  # noqa: F403

__all__ = _home.__all__
