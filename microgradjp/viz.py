"""Drawing computation graphs: the public path ``microgradjp.viz``.

The code lives in `views.drawing`; this module only re-exports it, so user code keeps working.
"""

from .views import drawing as _home
from .views.drawing import *  # noqa: F403

__all__ = _home.__all__
