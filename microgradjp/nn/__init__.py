"""Learning on scalars: modules (neurons, layers, MLPs), init, losses, optimizers, training, data.

``microgradjp.nn`` is also the public path of the modules themselves (``from microgradjp.nn import
MLP``). The layer imports the core; the views never import it.
"""

from . import modules as _modules
from .modules import *  # noqa: F403

__all__ = _modules.__all__
