"""Model files: `save` a model as JSON, `load` it back, bit for bit; never pickle.

A file holds a format name and version, the architecture (for `MLP`, `Layer` and `Neuron` with
named activations) and every parameter by name. Writing is atomic, and reading checks
everything before it touches a model, so a bad file raises `ModelFileError` and changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections import Counter
from typing import Any, cast

from .errors import DomainError, MicrogradError, ValueTypeError, message
from .nn import MLP, Layer, Module, Neuron

__all__ = ["FORMAT", "VERSION", "ModelFileError", "load", "load_parameters", "save"]

FORMAT = "microgradjp-model"
VERSION = 1
_KEYS = ("architecture", "format", "parameters", "version")


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
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name points at them
        if os.path.exists(target):
            os.chmod(temporary, os.stat(target).st_mode & 0o777)
        else:
            os.chmod(temporary, 0o644)  # mkstemp makes 0o600; a model file is for sharing
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def load(path: str | os.PathLike[str]) -> Module:
    """Return the model saved in ``path``, rebuilt from its architecture and parameters.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "neuron.json")
    >>> save(Neuron.from_weights([0.1, 0.2], 0.5, activation="relu"), path)
    >>> load(path)
    Neuron(2, activation='relu')
    """
    where = os.fspath(path)
    document = _read(where)
    architecture = document["architecture"]
    if architecture is None:
        raise ModelFileError(message(
            f"load({where!r})", "the file holds parameters only (the model had a custom "
            "activation or class, which a file cannot describe)",
            "build the model in code, then call load_parameters(model, path)"))
    try:
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
    document = _read(where)
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


def _read(where: str) -> dict[str, Any]:
    """Return the checked top level of a model file (parameters not yet matched to a model)."""
    try:
        with open(where, encoding="utf-8") as file:
            text = file.read()
    except UnicodeDecodeError as error:
        raise ModelFileError(message(where, f"the file is not UTF-8 text ({error.reason})",
                                     "point at a file written by save()")) from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant,
                              object_pairs_hook=_refuse_duplicates)
    except ModelFileError as error:
        raise ModelFileError(f"{where}: {error}") from None
    except json.JSONDecodeError as error:
        raise ModelFileError(message(
            where, f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})",
            "the file may be truncated or hand-edited; save the model again")) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(message(where, f"not a {FORMAT} file (no \"format\": \"{FORMAT}\")",
                                     "point at a file written by microgradjp.saving.save"))
    version = document.get("version")
    if type(version) is not int or version != VERSION:  # not bool: true == 1 in Python
        newer = type(version) is int and version > VERSION
        hint = " (written by a newer microgradjp?)" if newer else ""
        raise ModelFileError(message(where, f"format version {version!r} is not {VERSION}{hint}",
                                     "load it with the microgradjp version that saved it"))
    missing = [key for key in _KEYS if key not in document]
    extra = [key for key in document if key not in _KEYS]
    if missing or extra:
        raise ModelFileError(message(where, f"missing keys {missing}, unexpected keys {extra}",
                                     "save the model again rather than editing the file"))
    if not isinstance(document["parameters"], dict):
        raise ModelFileError(message(where, "\"parameters\" must be an object {name: number}",
                                     "save the model again rather than editing the file"))
    return document


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


def _build(architecture: Any, kinds: tuple[str, ...] = ("MLP", "Layer", "Neuron")) -> Module:
    """Return a zero-initialised model from its description (the parameters come next)."""
    kind = architecture.get("type") if isinstance(architecture, dict) else None
    if kind not in kinds or set(architecture) != {"type", *_FIELDS[kind]}:
        names = "a Layer" if kinds == ("Layer",) else "an MLP, Layer or Neuron"
        raise ModelFileError(f"{_brief(architecture)} is not {names} description with "
                             "exactly the keys save() writes")
    if kind == "MLP":
        layers = architecture["layers"]
        if not isinstance(layers, list):
            raise ModelFileError("the MLP's \"layers\" must be a list of Layer descriptions")
        return MLP.from_layers(cast(Layer, _build(layer, ("Layer",))) for layer in layers)
    fields = {key: architecture[key] for key in _FIELDS[kind]}
    return (Layer if kind == "Layer" else Neuron)(**fields, init="zeros")


def _brief(architecture: Any) -> str:
    text = json.dumps(architecture, separators=(",", ":"))
    return text if len(text) <= 160 else text[:157] + "..."

