"""Tests for microgradjp._files: the one atomic write (models, drawings and pages use it)."""

import os

import pytest

from microgradjp._files import write_atomically


def test_a_file_is_replaced_whole_and_keeps_its_permissions(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    write_atomically(path, b"new")
    assert path.read_bytes() == b"new" and os.stat(path).st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind


def test_a_new_file_is_readable_by_others(tmp_path):
    assert os.stat(write_atomically(tmp_path / "a.png", b"x")).st_mode & 0o777 == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "apple.png"
    path.write_bytes(b"old")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left") as caught:
        write_atomically(path, b"new")
    assert caught.value.__context__ is None  # one error, not a cleanup's second traceback
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["apple.png"]


def test_an_interrupted_write_names_its_target(tmp_path, monkeypatch):
    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    monkeypatch.setattr(os, "unlink", lambda path: None)  # as if killed before cleaning up
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "apple.png", b"new")
    [leftover] = os.listdir(tmp_path)
    assert leftover.startswith(".apple.png.") and leftover.endswith(".tmp")


def test_folders_are_made_only_when_asked(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "missing" / "m.json", b"{}")
    assert write_atomically(tmp_path / "new" / "a.svg", b"<svg/>", make_folders=True).exists()
