"""The backward pass as a text table: the public path ``microgradjp.trace``.

The code lives in `views.table`; this module only re-exports it, so user code keeps working.
"""

from .views import table as _home
from .views.table import *  # noqa: F403

__all__ = _home.__all__
