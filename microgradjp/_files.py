"""Writing a file so that nobody ever sees half of it: the one atomic write of the package.

Models (`nn.saving`), drawings and player pages (`views`) all go through `write_atomically`,
animations, written frame by frame, through `atomic_file`.
It imports nothing of the package, so every layer may use it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_file", "write_atomically"]


def write_atomically(path: str | os.PathLike[str], data: bytes, *,
                     make_folders: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it; return the path.

    The bytes reach the disk (fsync) before the name points at them, so a crash or a full disk
    leaves the old file or the new one, never a mix. The temporary file is named after its
    target (``.apple.png.x1y2z3.tmp``, cut short for a long name), so a leftover one says whose
    it was. An existing file keeps its permissions; a new one gets the usual 0o644; a read-only
    one is refused (PermissionError), and a link is written through, as ``open`` would. Every
    OSError names ``path``, never the temporary file. ``make_folders`` creates missing folders
    first (pictures do, as graphviz's render does; a model's folder must exist).

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
    # A link is written through (its target replaced, the link kept), as open() would.
    target = Path(os.path.realpath(path))
    made: list[str] = []  # the temporary's name, listed before the file is made
    try:
        _refuse_read_only(target)
        if make_folders:
            target.parent.mkdir(parents=True, exist_ok=True)
        handle = _make_temporary(target, made)
        temporary = made[0]
        with os.fdopen(handle, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        mode = os.stat(target).st_mode & 0o777 if target.exists() else 0o644
        os.chmod(temporary, mode)  # made 0o600; a picture or a model is for sharing
        os.replace(temporary, target)
    except BaseException as error:
        # The failure that matters is the one being raised: a cleanup that fails too (the
        # folder went read-only, say) must not hide it behind a second traceback.
        for name in made:
            with contextlib.suppress(OSError):
                os.unlink(name)
        if not isinstance(error, OSError) or not _ours(error.filename, target):
            raise  # a Ctrl-C, or the block's own error about another file: as it was raised
        failure = _naming(error, path, target)
    else:
        return
    raise failure from None  # outside the except: one error, naming the user's file


def _make_temporary(target: Path, made: list[str]) -> int:
    # Return a new file's handle beside target, as mkstemp does, but list its name in `made`
    # before the file exists: mkstemp names its file only on return, so a Ctrl-C landing just
    # after the file was made left it behind (the command line's Ctrl-C test saw it, under load).
    while True:
        name = os.path.join(target.parent, f"{_prefix(target.name)}{secrets.token_hex(4)}.tmp")
        made.append(name)
        try:
            return os.open(name, _NEW_FILE, 0o600)
        except FileExistsError:  # another writer's name (one chance in 4 billion): not ours
            made.pop()


_NEW_FILE = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))

# A temporary name is ".<name>.<8 random characters>.tmp": 14 bytes besides the name.
_NAME_MAX = 255  # bytes in one file name on every common file system (ext4, APFS, NTFS)
_TEMPORARY_EXTRA = 14


def _prefix(name: str) -> str:
    # The temporary file is named after its target, so a leftover says whose it was, cut
    # short (never inside a character) so that a 255-byte name still has a temporary beside it.
    while len(os.fsencode(name)) > _NAME_MAX - _TEMPORARY_EXTRA:
        name = name[:-1]
    return f".{name}."


def _refuse_read_only(target: Path) -> None:
    # Replacing a file needs only the folder's permission: without this a file the user may
    # not write (or made read-only to keep it) would be replaced all the same.
    try:
        mode = os.stat(target).st_mode
    except OSError:  # no file yet, or a path that cannot be: the writing says which
        return
    if stat.S_ISREG(mode) and (not mode & 0o222 or not os.access(target, os.W_OK)):
        raise PermissionError(errno.EACCES, "the file is read-only", os.fspath(target))


# What to do, by what went wrong (errno's names, as not every system has every one).
_FIXES = {getattr(errno, name): fix for names, fix in (
    (("EACCES", "EPERM"), "make it (or its folder) writable, or write to another name"),
    (("EROFS",), "the file system is read-only: write somewhere else"),
    (("ENOSPC", "EDQUOT"), "free some space or write somewhere else"),
    (("ENAMETOOLONG",), f"use a shorter name (at most {_NAME_MAX} bytes; a Japanese character "
                        "takes 3)"),
    (("ENOENT",), "create the folder first, or check the path"),
    (("EISDIR",), "give the name of a file inside it"),
    (("ENOTDIR", "EEXIST"), "a part of the path is a file, not a folder: check the path"),
) for name in names if hasattr(errno, name)}


def _ours(filename: object, target: Path) -> bool:
    # An error of the writing itself: no file named (a full disk), the temporary, the target or
    # a folder above it (making folders); not one the block raised about another file.
    if filename is None:
        return True
    name = Path(os.fsdecode(filename))  # type: ignore[arg-type]
    temporary = name.parent == target.parent and name.name.startswith(_prefix(target.name))
    return name == target or temporary or name in target.parents


def _naming(error: OSError, path: str | os.PathLike[str], target: Path) -> OSError:
    """Return ``error`` as the same kind of OSError about ``path``, with what to do.

    It reads as Python's own do, "[Errno 13] Permission denied; <what to do>: 'model.json'",
    and ``filename`` is the name the user gave, never the temporary file's.
    """
    given = os.fspath(path)
    why = error.strerror or str(error)
    if error.filename is not None and Path(os.fsdecode(error.filename)) in target.parents:
        why += f" ({os.fsdecode(error.filename)!r})"  # the folder it could not make
    if os.path.islink(given):
        why += f" (writing through the link to {os.fspath(target)!r})"
    fix = _FIXES.get(error.errno, "any file already there is unchanged")
    return type(error)(error.errno, f"{why}; {fix}", given)
