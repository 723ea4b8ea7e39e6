"""Writing a file so that nobody ever sees half of it: the one atomic write of the package.

Models (`nn.saving`), drawings and player pages (`views`) all go through `write_atomically`,
animations, written frame by frame, through `atomic_file`.
It imports nothing of the package but `errors`, so every layer may use it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_file", "write_atomically"]


def write_atomically(path: str | os.PathLike[str], data: bytes, *,
                     make_folders: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it; return the path.

    The bytes reach the disk (fsync) before the name points at them, so a crash or a full disk
    leaves the old file or the new one, never a mix. The temporary file is named after its
    target (``.apple.png.x1y2z3.tmp``), so a leftover one says whose it was. An existing file
    keeps its permissions; a new one gets the usual 0o644. ``make_folders`` creates missing
    folders first (pictures do, as graphviz's render does; a model's folder must exist).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomically(folder / "a.txt", b"hi").read_bytes()
    b'hi'
    """
    with atomic_file(path, make_folders=make_folders) as file:
        file.write(data)
    return Path(path)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], *, make_folders: bool = False) -> Iterator[IO[bytes]]:
    """Return a context giving a binary file that becomes ``path`` only if the block succeeds.

    What `write_atomically` does, for data written piece by piece (an animation, frame by
    frame), so it never has to be held whole in memory.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_file(folder / "b.txt") as file:
    ...     _ = file.write(b"h"); _ = file.write(b"i")
    >>> (folder / "b.txt").read_bytes()
    b'hi'
    """
    target = Path(path)
    if make_folders:
        target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        mode = os.stat(target).st_mode & 0o777 if target.exists() else 0o644
        os.chmod(temporary, mode)  # mkstemp makes 0o600; a picture or a model is for sharing
        os.replace(temporary, target)
    except BaseException:
        # The failure that matters is the one being raised: a cleanup that fails too (the
        # folder went read-only, say) must not hide it behind a second traceback.
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
