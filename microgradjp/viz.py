"""Drawing computation graphs: the public path ``microgradjp.viz``.

The code lives in `views.drawing`; this module only re-exports it (and `views.layout`'s
`set_layout`, for a host with no layout engine), so user code keeps working.
"""

from .views import drawing as _home
from .views.drawing import *  # noqa: F403
from .views.layout import Layout, set_layout

__all__ = [*_home.__all__, "Layout", "set_layout"]
