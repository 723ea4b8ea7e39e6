"""Where the bridge meets PyTorch: the lazy import, its install advice, and the bridge's errors.

torch is an optional dependency: nothing imports it until a bridge function is called, and a
machine without it gets the command for a CPU build instead of a bare ModuleNotFoundError.
"""

from __future__ import annotations

import importlib

from ..errors import MicrogradError, message

__all__ = ["CPU_INSTALL", "TorchNotInstalledError", "UntranslatableError", "require_torch"]

# A plain `pip install torch` on Linux may pull gigabytes of CUDA libraries; the CPU wheels are
# a tenth of that and are all a scalar-sized model needs.
CPU_INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"


class TorchNotInstalledError(MicrogradError, ImportError):
    """A bridge function was called on a machine where PyTorch is not installed."""


class UntranslatableError(MicrogradError, TypeError):
    """Something has no twin on the other side: a custom op, a layer or loss we do not have."""


def require_torch(asked: str) -> None:
    """Return nothing once torch is imported; else raise TorchNotInstalledError for ``asked``.

    Callers then ``import torch`` themselves, so the type checker sees the real module.
    """
    try:
        importlib.import_module("torch")
    except ImportError:
        raise TorchNotInstalledError(message(
            asked, "PyTorch is not installed (the bridge is the one part of microgradjp that "
            "needs it)", f"install a CPU build: {CPU_INSTALL}")) from None
