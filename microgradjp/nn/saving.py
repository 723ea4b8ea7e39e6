"""Model files: `save` a model as JSON, `load` it back, bit for bit; never pickle.

A file holds a format name and version, the architecture (for `MLP`, `Layer` and `Neuron` with
named activations) and every parameter by name. Writing is atomic, and reading checks
everything before it touches a model, so a bad file raises `ModelFileError` and changes nothing.
A file is untrusted input: reading it costs time and memory in proportion to its size, never to
what it claims (the architecture must describe exactly the parameters the file holds, at most
`MAX_PARAMETERS`, and JSON may nest at most 8 levels; a model file needs 4; JSON shaped as no
model file is, such as a long list of empty objects, is refused before it is parsed, as parsing
it would take tens of bytes of memory per byte of file). Only a regular file
is read (not a folder, a FIFO that would wait forever, or a link to /dev/zero that never ends), and
at most `BYTES_PER_PARAMETER` bytes per allowed parameter.
"""

from __future__ import annotations

import json
import math
import os
import re
import reprlib
import stat
from collections import Counter
from typing import Any, cast

from .._files import write_atomically
from ..errors import DomainError, MicrogradError, ValueTypeError, message
from .modules import MLP, Layer, Module, Neuron

__all__ = ["BYTES_PER_PARAMETER", "FORMAT", "MAX_PARAMETERS", "VERSION", "ModelFileError", "load",
           "load_parameters", "save"]

FORMAT = "microgradjp-model"
VERSION = 1
MAX_PARAMETERS = 1_000_000  # a scalar engine: about 150 MB of Values; load(max_parameters=)
# A saved parameter takes about 50 bytes ("layers.0.neurons.12.w.3": -0.12345678901234568); a
# file longer than this many per allowed parameter (plus 64 KiB) is refused before it is parsed.
BYTES_PER_PARAMETER = 256
_KEYS = ("architecture", "format", "parameters", "version")
_MAX_NESTING = 8  # a model file nests 4 levels (file, architecture, layers, layer)
_MAX_INT_DIGITS = 20  # longer integers are read as floats: int() refuses over 4300 digits
_shown = reprlib.Repr()
_shown.maxstring = _shown.maxother = 80  # an untrusted value is quoted short in a message


class ModelFileError(MicrogradError, ValueError):
    """A model file that cannot be loaded: not JSON, another format, or wrong names or shapes."""


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Return nothing after writing ``model`` to ``path`` as JSON, atomically.

    The text goes to a temporary file in the same folder, which then replaces ``path`` in one
    step: a crash mid-save leaves the previous file whole. Floats are written with ``repr``,
    which reads back as the same float.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> model = MLP(2, [3, 1]); save(model, path)
    >>> load(path).state_dict() == model.state_dict()
    True
    """
    if not isinstance(model, Module):
        raise ValueTypeError(message(f"save({model!r})", "only a Module can be saved",
                                     "pass an MLP, a Layer, a Neuron or your own Module"))
    parameters = model.state_dict()
    for name, value in parameters.items():
        if not math.isfinite(value):
            raise DomainError(message(
                f"save(...) of parameter {name!r} = {value!r}",
                "JSON has no inf or nan, and a diverged model is rarely worth keeping",
                "lower the learning rate and train again"))
    document = {"format": FORMAT, "version": VERSION, "architecture": _architecture(model),
                "parameters": parameters}
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    write_atomically(path, text.encode("utf-8"))


def load(path: str | os.PathLike[str], *, max_parameters: int = MAX_PARAMETERS) -> Module:
    """Return the model saved in ``path``, rebuilt from its architecture and parameters.

    The architecture is checked (kinds, widths, how layers chain, and that it describes exactly
    the parameters in the file, at most ``max_parameters``) before anything is built.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "neuron.json")
    >>> save(Neuron.from_weights([0.1, 0.2], 0.5, activation="relu"), path)
    >>> load(path)
    Neuron(2, activation='relu')
    """
    where = os.fspath(path)
    document = _read(where, max_parameters)
    architecture = document["architecture"]
    if architecture is None:
        raise ModelFileError(message(
            f"load({where!r})", "the file holds parameters only (the model had a custom "
            "activation or class, which a file cannot describe)",
            "build the model in code, then call load_parameters(model, path)"))
    try:
        layers = _layers(architecture)
        _check_size(layers, len(document["parameters"]), max_parameters)
        model = _build(architecture)
        model.load_state_dict(document["parameters"])
    except MicrogradError as error:
        raise ModelFileError(f"{where}: {error}") from None
    return model


def load_parameters(model: Module, path: str | os.PathLike[str]) -> None:
    """Return nothing after loading ``path``'s parameters into ``model`` (same shape required).

    Works for any `Module`. If the file and the model both describe an architecture, they must
    agree. On any error the model is left exactly as it was.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "layer.json")
    >>> save(Layer.from_weights([[2.0]], [1.0]), path)
    >>> layer = Layer(1, 1, activation="identity"); load_parameters(layer, path)
    >>> layer.to_weights()
    ([[2.0]], [1.0])
    """
    where = os.fspath(path)
    document = _read(where, MAX_PARAMETERS)
    stored, ours = document["architecture"], _architecture(model)
    if stored is not None and ours is not None and stored != ours:
        raise ModelFileError(message(
            f"load_parameters({model!r}, {where!r})",
            f"the file describes {_brief(stored)}, the model is {_brief(ours)}",
            "load it with load(path), or build the model the file describes"))
    try:
        model.load_state_dict(document["parameters"])
    except MicrogradError as error:
        raise ModelFileError(f"{where}: {error}") from None


def _read(where: str, max_parameters: int) -> dict[str, Any]:
    """Return the checked top level of a model file (parameters not yet matched to a model)."""
    limit = BYTES_PER_PARAMETER * max(max_parameters, 0) + 65536
    # Non-blocking, so a FIFO put in the file's place does not hang the open; what was opened
    # is checked (not the name, which could change in between) before a byte is read.
    handle = os.open(where, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    mode = os.fstat(handle).st_mode
    if not stat.S_ISREG(mode):
        os.close(handle)
        kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket")
        raise ModelFileError(message(where, f"not a regular file but {kind}",
                                     "point at a file written by save()"))
    with open(handle, "rb") as file:  # read(n) sets n bytes aside first: n no more than needed
        data = file.read(min(os.fstat(handle).st_size, limit) + 1)
    if len(data) > limit:
        raise ModelFileError(message(
            where, f"the file is larger than {limit:,} bytes, more than {max_parameters:,} "
            "parameters can take", "pass a larger max_parameters= if the model is that big"))
    _check_shape(where, data, max_parameters)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ModelFileError(message(where, f"the file is not UTF-8 text ({error.reason})",
                                     "point at a file written by save()")) from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int,
                              object_pairs_hook=_refuse_duplicates)
    except ModelFileError as error:
        raise ModelFileError(f"{where}: {error}") from None
    except RecursionError:  # the parser recursed past Python's limit: nested beyond any model
        raise ModelFileError(message(where, f"JSON nested deeper than {_MAX_NESTING} levels",
                                     "point at a file written by save()")) from None
    except json.JSONDecodeError as error:
        raise ModelFileError(message(
            where, f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})",
            "the file may be truncated or hand-edited; save the model again")) from None
    if _depth(document) > _MAX_NESTING:
        raise ModelFileError(message(where, f"JSON nested deeper than {_MAX_NESTING} levels",
                                     "point at a file written by save()"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(message(where, f"not a {FORMAT} file (no \"format\": \"{FORMAT}\")",
                                     "point at a file written by microgradjp.saving.save"))
    version = document.get("version")
    if type(version) is not int or version != VERSION:  # not bool: true == 1 in Python
        newer = type(version) is int and version > VERSION
        hint = " (written by a newer microgradjp?)" if newer else ""
        raise ModelFileError(message(where, f"format version {_shown.repr(version)} is not "
                                     f"{VERSION}{hint}",
                                     "load it with the microgradjp version that saved it"))
    missing = [key for key in _KEYS if key not in document]
    extra = [key for key in document if key not in _KEYS]
    if missing or extra:
        raise ModelFileError(message(where, f"missing keys {missing}, unexpected keys {extra}",
                                     "save the model again rather than editing the file"))
    if not isinstance(document["parameters"], dict):
        raise ModelFileError(message(where, "\"parameters\" must be an object {name: number}",
                                     "save the model again rather than editing the file"))
    for name, value in document["parameters"].items():
        # JSON has no inf: an infinite float here is a literal beyond a float's range.
        if isinstance(value, float) and not math.isfinite(value):
            raise ModelFileError(message(
                f"{where}: parameter {_shown.repr(name)}", "the number overflows a float "
                "(beyond ±1.8e308)", "save the model again rather than editing the file"))
    return document


_STRING = re.compile(rb'"[^"]*"')  # once escapes are out of the way
_CHUNK = 1 << 16  # 64 KiB: blanking its strings sets aside a few times that


def _check_shape(where: str, data: bytes, max_parameters: int) -> None:
    """Refuse, before parsing, JSON shaped as no model file is (its parse would cost too much).

    Parsing ``[{},{},...]`` takes some 25 bytes of memory per byte of file. In a model file
    every value is a named member of an object, or a layer in the one list of layers (an object
    of 4 members), and at most ``max_parameters`` (and 4 per layer) are named, so counting on
    the text, its strings blanked out, bounds what parsing costs; a chunk at a time, so the
    count itself costs little.
    """
    # With its escapes out of the way, every quote opens or closes a string.
    plain = data.replace(b"\\\\", b"__").replace(b'\\"', b"__")
    containers = filled = members = commas = 0
    start = 0
    while start < len(plain):
        end = start + _CHUNK
        if plain.count(b'"', start, end) % 2:  # the chunk ends inside a string: take all of it
            end = plain.find(b'"', end) + 1 or len(plain)
        skeleton = _STRING.sub(b'""', plain[start:end]).translate(None, b" \t\r\n")
        opened = skeleton.count(b"{") + skeleton.count(b"[")
        containers += opened
        filled += opened - skeleton.count(b"{}") - skeleton.count(b"[]")
        members += skeleton.count(b":")
        commas += skeleton.count(b",")
        start = end
    in_lists = commas + filled - members  # values not named: the items of lists
    # Beyond what a model file holds; a few thousand more parse cheaply, and the usual checks
    # then say better what is wrong (nested too deep, not a model file).
    excess = max(0, containers - 8 - members // 4) + max(0, in_lists - filled)
    if excess > 4096 + len(data) // 16:  # each costs some 60 bytes or more
        raise ModelFileError(message(
            where, f"the JSON holds {containers:,} objects and lists and {in_lists:,} list "
            f"items for {members:,} named values, a shape no model file has",
            "point at a file written by save()"))
    if members > max_parameters + 8 + 4 * containers:
        raise ModelFileError(message(
            where, f"the file names {members:,} values, more than max_parameters="
            f"{max_parameters} parameters can take",
            "pass a larger max_parameters= if the model is that big"))


def _parse_int(digits: str) -> int | float:
    # 10**400 would overflow later and 5,000 digits hit int()'s limit; a float says inf or
    # rounds, and the checks that follow name the parameter or field.
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else float(digits)


def _depth(document: Any) -> int:
    """Return how deeply lists and objects nest in ``document`` (walked without recursion)."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if depth <= _MAX_NESTING:  # below the cap, nothing more needs counting
                children = value.values() if isinstance(value, dict) else value
                stack.extend((child, depth + 1) for child in children)
    return deepest


def _refuse_constant(name: str) -> float:
    raise ModelFileError(f"{name} is not a valid parameter (save refuses to write it)")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; a model file must not be that ambiguous.
    counts = Counter(key for key, _ in pairs)
    twice = sorted(key for key, count in counts.items() if count > 1)
    if twice:
        raise ModelFileError(f"the keys {twice} appear more than once in one object")
    return dict(pairs)


# What save() writes for each kind of model besides its "type"; load accepts exactly these keys.
_FIELDS = {"MLP": ("layers",), "Layer": ("in_features", "out_features", "activation"),
           "Neuron": ("in_features", "activation")}


def _architecture(model: Module) -> dict[str, Any] | None:
    """Return the JSON description that `_build` turns back into ``model``, or None."""
    # Exact types only: a subclass may compute something else, and load would build the base.
    if type(model) is MLP:
        layers = [_architecture(layer) for layer in model.layers]
        return None if None in layers else {"type": "MLP", "layers": layers}
    if type(model) in (Layer, Neuron) and isinstance(getattr(model, "activation", None), str):
        kind = type(model).__name__
        return {"type": kind, **{key: getattr(model, key) for key in _FIELDS[kind]}}
    return None


def _layers(architecture: Any) -> list[dict[str, Any]]:
    """Return the Layer or Neuron descriptions in ``architecture``, checked, before any is built."""
    units = [architecture]
    if isinstance(architecture, dict) and architecture.get("type") == "MLP":
        _check_keys(architecture, ("MLP",))
        units = architecture["layers"]
        if not isinstance(units, list) or not units:
            raise ModelFileError("the MLP's \"layers\" must be a non-empty list of Layer "
                                 "descriptions")
        for unit in units:
            _check_keys(unit, ("Layer",))
    else:
        _check_keys(architecture, ("MLP", "Layer", "Neuron"))
    for k, unit in enumerate(units):
        for key in ("in_features", "out_features"):
            width = unit.get(key, 1)
            if type(width) is not int or width < 1:  # not bool, not a float like 1e30
                raise ModelFileError(f"layer {k}: {key} = {_shown.repr(width)}; {key} must be "
                                     "a positive int")
        if k and unit["in_features"] != units[k - 1]["out_features"]:
            raise ModelFileError(f"layer {k} takes {unit['in_features']} inputs but layer "
                                 f"{k - 1} gives {units[k - 1]['out_features']}")
    return units


def _check_keys(architecture: Any, kinds: tuple[str, ...]) -> None:
    kind = architecture.get("type") if isinstance(architecture, dict) else None
    if kind not in kinds or set(architecture) != {"type", *_FIELDS[kind]}:
        names = "a Layer" if kinds == ("Layer",) else "an MLP, Layer or Neuron"
        raise ModelFileError(f"{_brief(architecture)} is not {names} description with "
                             "exactly the keys save() writes")


def _check_size(layers: list[dict[str, Any]], held: int, max_parameters: int) -> None:
    # Checked before building: a 1 KB file may claim a layer of 10**9 units.
    claimed = sum((unit["in_features"] + 1) * unit.get("out_features", 1) for unit in layers)
    if claimed > max_parameters:
        raise ModelFileError(message(
            f"an architecture of {claimed} parameters", f"more than max_parameters="
            f"{max_parameters}", "pass a larger max_parameters to load() if you trust the file"))
    if claimed != held:
        raise ModelFileError(message(
            f"an architecture of {claimed} parameters", f"the file holds {held} parameters",
            "save the model again rather than editing the file"))


def _build(architecture: dict[str, Any]) -> Module:
    """Return a zero-initialised model from its checked description (the parameters come next)."""
    if architecture["type"] == "MLP":
        return MLP.from_layers(cast(Layer, _build(layer)) for layer in architecture["layers"])
    kind = architecture["type"]
    fields = {key: architecture[key] for key in _FIELDS[kind]}
    return (Layer if kind == "Layer" else Neuron)(**fields, init="zeros")


def _brief(architecture: Any) -> str:
    text = json.dumps(architecture, separators=(",", ":"))
    return text if len(text) <= 160 else text[:157] + "..."

