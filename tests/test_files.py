"""Tests for microgradjp._files: the one atomic write (models, drawings and pages use it)."""

import errno
import os

import pytest

from microgradjp._files import atomic_file, write_atomically
from microgradjp.nn import MLP
from microgradjp.saving import load, save


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
    with pytest.raises(OSError, match="No space left on device; free some space") as caught:
        write_atomically(path, b"new")
    assert caught.value.__context__ is None  # one error, not a cleanup's second traceback
    assert (caught.value.errno, caught.value.filename) == (28, str(path))
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


def test_ctrl_c_just_after_the_temporary_is_made_leaves_nothing(tmp_path, monkeypatch):
    # The flaky Ctrl-C test of the command line (issue 30): a SIGINT that lands once the
    # temporary exists but before mkstemp has returned its name left the file behind.
    made = os.open

    def interrupted_on_return(path, flags, mode=0o777, **kwargs):
        handle = made(path, flags, mode, **kwargs)
        if os.fspath(path).endswith(".tmp"):
            os.close(handle)
            raise KeyboardInterrupt  # as a Ctrl-C checked when os.open returns
        return handle

    monkeypatch.setattr(os, "open", interrupted_on_return)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "apple.png", b"new")
    assert os.listdir(tmp_path) == []


def test_folders_are_made_only_when_asked(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "missing" / "m.json", b"{}")
    assert write_atomically(tmp_path / "new" / "a.svg", b"<svg/>", make_folders=True).exists()


def test_a_link_is_written_through_and_stays_a_link(tmp_path):
    (tmp_path / "models").mkdir()
    real = tmp_path / "models" / "model.json"
    real.write_bytes(b"old")
    os.chmod(real, 0o600)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    model = MLP(2, [2, 1], seed=0)
    save(model, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert load(real).state_dict() == model.state_dict()
    assert os.stat(real).st_mode & 0o777 == 0o600
    assert sorted(os.listdir(tmp_path)) == ["link.json", "models"]
    assert os.listdir(tmp_path / "models") == ["model.json"]


def test_a_dangling_link_makes_its_target_as_open_would(tmp_path):
    link = tmp_path / "link.png"
    link.symlink_to(tmp_path / "picture.png")
    write_atomically(link, b"png")
    assert link.is_symlink() and (tmp_path / "picture.png").read_bytes() == b"png"


def test_a_read_only_file_is_refused_naming_it_and_kept(tmp_path):
    # Replacing needs only the folder's permission: the file's own said no and was ignored.
    path = tmp_path / "keep.json"
    path.write_bytes(b"mine")
    os.chmod(path, 0o444)
    with pytest.raises(PermissionError) as caught:
        save(MLP(1, [1], seed=0), path)
    assert str(caught.value) == ("[Errno 13] the file is read-only; make it (or its folder) "
                                 f"writable, or write to another name: {str(path)!r}")
    assert path.read_bytes() == b"mine" and os.listdir(tmp_path) == ["keep.json"]


@pytest.mark.parametrize("name", [
    *("a" * (n - 5) + ".json" for n in range(250, 256)),
    "り" * 84 + ".js",  # 255 bytes in 87 characters
])
def test_a_name_of_up_to_255_bytes_is_written(tmp_path, name):
    assert len(os.fsencode(name)) in range(250, 256)
    with atomic_file(tmp_path / name) as file:
        [temporary] = os.listdir(tmp_path)  # it fits too, and still says whose it is
        assert len(os.fsencode(temporary)) <= 255 and temporary.startswith(f".{name[:50]}")
        file.write(b"x")
    assert os.listdir(tmp_path) == [name] and (tmp_path / name).read_bytes() == b"x"


@pytest.mark.parametrize(("name", "error", "code", "fix"), [
    ("a" * 252 + ".json", OSError, errno.ENAMETOOLONG, "use a shorter name (at most 255 bytes"),
    ("missing/m.json", FileNotFoundError, errno.ENOENT, "create the folder first"),
    ("", IsADirectoryError, errno.EISDIR, "give the name of a file inside it"),
])
def test_an_error_names_the_users_file_never_a_temporary(tmp_path, name, error, code, fix):
    path = os.path.join(tmp_path, name)
    with pytest.raises(error) as caught:
        save(MLP(1, [1], seed=0), path)
    assert (caught.value.errno, caught.value.filename) == (code, path)
    assert str(caught.value).endswith(f": {path!r}") and caught.value.filename2 is None
    assert fix in str(caught.value) and ".tmp" not in str(caught.value)
    assert not [leftover for leftover in os.listdir(tmp_path) if leftover.endswith(".tmp")]


def test_an_error_of_the_block_about_another_file_passes_as_raised(tmp_path):
    with pytest.raises(FileNotFoundError) as caught, atomic_file(tmp_path / "a.gif"):
        (tmp_path / "font.ttf").read_bytes()
    assert caught.value.filename == str(tmp_path / "font.ttf") and os.listdir(tmp_path) == []
