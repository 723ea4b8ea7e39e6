"""Replaying a recorded step: kept at ``microgradjp.tools.replay`` for code that imported it here.

The code lives in `core.replay` (``fit`` replays, and the neural-net layer imports only the core);
this module only re-exports it.
"""

from ..core import replay as _home
from ..core.replay import *  # noqa: F403

__all__ = _home.__all__
