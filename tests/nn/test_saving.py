"""Tests for microgradjp.saving: bit-exact round trips, atomic writes, refusals of bad files."""

import json
import os
import re
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradjp import Value
from microgradjp.errors import DomainError, MicrogradError, ValueTypeError
from microgradjp.nn import MLP, Layer, Module, Neuron
from microgradjp.saving import (
    FORMAT,
    MAX_PARAMETERS,
    VERSION,
    ModelFileError,
    load,
    load_parameters,
    save,
)

AWKWARD = [0.1 + 0.2, 5e-324, -1.7976931348623157e308, 1 / 3, -0.0, 2.0 ** -1074 * 3]


@pytest.fixture
def model():
    model = MLP(2, [3, 2], activation="tanh", output_activation="softmax", seed=4)
    state = model.state_dict()
    # Floats whose shortest repr is long, subnormal, huge, or a signed zero.
    model.load_state_dict({name: AWKWARD[i % len(AWKWARD)] if i < len(AWKWARD) else value
                           for i, (name, value) in enumerate(state.items())})
    return model


def test_round_trip_is_bit_exact(model, tmp_path):
    path = tmp_path / "model.json"
    save(model, path)
    loaded = load(path)
    assert repr(loaded) == repr(model)
    before, after = model.state_dict(), loaded.state_dict()
    assert list(after) == list(before)
    assert [v.hex() for v in after.values()] == [v.hex() for v in before.values()]
    assert [y.data for y in loaded([0.3, -0.9])] == [y.data for y in model([0.3, -0.9])]


@pytest.mark.parametrize("original", [
    Neuron.from_weights([0.1, 0.2], 0.5, activation="step"),
    Layer.from_weights([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], [0.1, 0.2, 0.3], activation="relu"),
    MLP(4, [5, 5, 1], activation="relu", output_activation="sigmoid", seed=9),
])
def test_every_built_in_model_kind_round_trips(original, tmp_path):
    save(original, tmp_path / "m.json")
    loaded = load(tmp_path / "m.json")
    assert type(loaded) is type(original) and repr(loaded) == repr(original)
    assert loaded.state_dict() == original.state_dict()


def test_file_is_readable_json_with_format_and_version(model, tmp_path):
    save(model, tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert document["format"] == FORMAT and document["version"] == VERSION
    assert document["architecture"]["layers"][1] == {
        "type": "Layer", "in_features": 3, "out_features": 2, "activation": "softmax"}
    assert document["parameters"] == model.state_dict()


def test_load_parameters_into_an_existing_model(model, tmp_path):
    save(model, tmp_path / "m.json")
    other = MLP(2, [3, 2], activation="tanh", output_activation="softmax", seed=0)
    load_parameters(other, tmp_path / "m.json")
    assert other.state_dict() == model.state_dict()


def test_a_crash_mid_save_keeps_the_previous_file(model, tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    save(model, path)
    previous = path.read_bytes()

    def crash(descriptor):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        save(MLP(2, [3, 2], seed=99), path)
    assert path.read_bytes() == previous
    assert os.listdir(tmp_path) == ["m.json"]  # the temporary file was removed


def test_save_replaces_and_keeps_permissions(model, tmp_path):
    path = tmp_path / "m.json"
    save(model, path)
    assert os.stat(path).st_mode & 0o777 == 0o644
    os.chmod(path, 0o600)
    save(model, path)
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_a_custom_activation_saves_parameters_only(tmp_path):
    def doubled(v):
        return v * 2

    model = MLP.from_layers([Layer(2, 2, activation=doubled, seed=1), Layer(2, 1)])
    save(model, tmp_path / "m.json")
    with pytest.raises(ModelFileError, match="load_parameters"):
        load(tmp_path / "m.json")
    twin = MLP.from_layers([Layer(2, 2, activation=doubled, seed=2), Layer(2, 1)])
    load_parameters(twin, tmp_path / "m.json")
    assert twin.state_dict() == model.state_dict()


def test_a_subclass_of_mlp_saves_parameters_only(tmp_path):
    class Doubled(MLP):
        def __call__(self, inputs):
            return [2.0 * y for y in super().__call__(inputs)]

    save(Doubled(2, [1], seed=1), tmp_path / "m.json")
    with pytest.raises(ModelFileError, match="load_parameters"):
        load(tmp_path / "m.json")  # a plain MLP would compute something else


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError) and issubclass(ModelFileError, MicrogradError)


# -- bad files fail clearly and leave the model untouched -----------------------------------------


def edit(document, change):
    change(document)
    return json.dumps(document)


def set_in(keys, value):
    def change(document):
        target = document
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return change


FIRST = "layers.0.neurons.0.weights.0"

BAD_FILES = [
    ("truncated", lambda text: text[: len(text) // 2], "not valid JSON"),
    ("empty", lambda text: "", "not valid JSON"),
    ("not an object", lambda text: "[1, 2]", "not a microgradjp-model file"),
    ("other format", lambda text: edit(json.loads(text), set_in(["format"], "keras")),
     "not a microgradjp-model file"),
    ("newer version", lambda text: edit(json.loads(text), set_in(["version"], 2)),
     "format version 2 is not 1 (written by a newer microgradjp?)"),
    ("extra key", lambda text: edit(json.loads(text), set_in(["comment"], "hi")),
     "unexpected keys ['comment']"),
    ("missing key", lambda text: edit(json.loads(text), lambda d: d.pop("parameters")),
     "missing keys ['parameters']"),
    ("value is a string", lambda text: edit(json.loads(text), set_in(["parameters", FIRST], "0.1")),
     f"state['{FIRST}'] = '0.1': a parameter must be a real number"),
    ("NaN", lambda text: text.replace(json.dumps(json.loads(text)["parameters"][FIRST]), "NaN", 1),
     "NaN is not a valid parameter"),
    ("renamed parameter", lambda text: text.replace(FIRST, "layers.0.neurons.0.weight.0"),
     f"missing: [{FIRST}]; unexpected: [layers.0.neurons.0.weight.0]"),
    ("dropped parameter", lambda text: edit(json.loads(text),
                                            lambda d: d["parameters"].pop(FIRST)),
     (f"missing: [{FIRST}]", "an architecture of 17 parameters: the file holds 16")),
    ("parameters not an object", lambda text: edit(json.loads(text),
                                                   set_in(["parameters"], [1.0])),
     "\"parameters\" must be an object"),
    ("version is true", lambda text: edit(json.loads(text), set_in(["version"], True)),
     "format version True is not 1;"),
    ("duplicated parameter",
     lambda text: text.replace(f'"{FIRST}":', f'"{FIRST}": 9.0, "{FIRST}":'),
     f"the keys ['{FIRST}'] appear more than once"),
]


@pytest.mark.parametrize(("name", "damage", "fragment"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_fails_clearly_and_leaves_model_untouched(name, damage, fragment, model,
                                                           tmp_path):
    path = tmp_path / "m.json"
    save(model, path)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = model.state_dict()
    # One fragment for both, or (into the model, load alone): load counts before it builds.
    fragments = fragment if isinstance(fragment, tuple) else (fragment, fragment)
    for attempt, expected in zip((lambda: load_parameters(model, path), lambda: load(path)),
                                 fragments, strict=True):
        with pytest.raises(ModelFileError) as caught:
            attempt()
        assert expected in str(caught.value)
        assert str(path) in str(caught.value)
    assert model.state_dict() == before


BAD_ARCHITECTURES = [
    ("unknown activation", ["architecture", "layers", 0, "activation"], "swish",
     "unknown activation"),
    ("unknown type", ["architecture", "type"], "CNN", "is not an MLP, Layer or Neuron"),
    ("widths do not chain", ["architecture", "layers", 1, "in_features"], 4,
     "layer 1 takes 4 inputs"),  # nn and saving word the rest differently
    ("width disagrees with parameters", ["architecture", "layers", 1, "out_features"], 3,
     "an architecture of 21 parameters: the file holds 17"),
    ("width is text", ["architecture", "layers", 0, "out_features"], "3",
     "out_features must be a positive int"),
    ("layer is a list", ["architecture", "layers", 0], [2, 3], "is not a Layer description"),
]


@pytest.mark.parametrize(("name", "keys", "value", "fragment"), BAD_ARCHITECTURES,
                         ids=[b[0] for b in BAD_ARCHITECTURES])
def test_hand_edited_architecture_fails_clearly(name, keys, value, fragment, model, tmp_path):
    path = tmp_path / "m.json"
    save(model, path)
    path.write_text(edit(json.loads(path.read_text(encoding="utf-8")), set_in(keys, value)),
                    encoding="utf-8")
    with pytest.raises(ModelFileError) as caught:
        load(path)
    assert fragment in str(caught.value)


def test_wrong_shape_file_is_refused_and_model_untouched(model, tmp_path):
    path = tmp_path / "m.json"
    save(model, path)
    wider = MLP(2, [4, 2], activation="tanh", output_activation="softmax", seed=0)
    before = wider.state_dict()
    with pytest.raises(ModelFileError, match=r"the file describes .* the model is"):
        load_parameters(wider, path)
    assert wider.state_dict() == before


def test_wrong_shape_file_into_a_custom_module_names_the_parameters(model, tmp_path):
    class Pair(Module):
        def __init__(self):
            self.inner = Neuron(1)

        def named_parameters(self):
            return [(f"inner.{n}", p) for n, p in self.inner.named_parameters()]

    path = tmp_path / "m.json"
    save(model, path)
    pair = Pair()
    before = pair.state_dict()
    with pytest.raises(ModelFileError, match=re.escape("missing: [inner.weights.0, inner.bias]")):
        load_parameters(pair, path)
    assert pair.state_dict() == before


def test_save_refuses_non_finite_parameters(tmp_path):
    neuron = Neuron.from_weights([1.0], 0.0)
    neuron.bias._data = float("nan")
    with pytest.raises(DomainError, match="JSON has no inf or nan"):
        save(neuron, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_save_refuses_what_is_not_a_module(tmp_path):
    with pytest.raises(ValueTypeError, match="only a Module can be saved"):
        save({"w": 1.0}, tmp_path / "m.json")


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "m.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ModelFileError, match="not UTF-8"):
        load(path)


# -- hostile files (issue 14): clear errors, model unchanged, cost in proportion to the file -----


def small_file(path, model=None):
    save(model or MLP(2, [3, 2], activation="tanh", seed=1), path)
    return json.loads(path.read_text(encoding="utf-8"))


def refused(path, fragment, *, into_model=True):
    """Assert that load() refuses path with fragment, and load_parameters leaves a model as is."""
    with pytest.raises(ModelFileError, match=re.escape(fragment)) as caught:
        load(path)
    assert str(path) in str(caught.value)
    if not into_model:
        return
    model = MLP(2, [3, 2], activation="tanh", seed=2)
    before = model.state_dict()
    with pytest.raises(ModelFileError):
        load_parameters(model, path)
    assert model.state_dict() == before


class TestHugeNumbers:
    @pytest.mark.parametrize("digits", [401, 5000, 100_000])
    def test_an_integer_beyond_a_float_names_the_parameter(self, tmp_path, digits):
        path = tmp_path / "m.json"
        text = json.dumps(small_file(path)).replace('"layers.0.neurons.0.bias": ',
                                                    '"layers.0.neurons.0.bias": 1' + "0" * digits)
        path.write_text(re.sub(r'"layers.0.neurons.0.bias": 10+[-.eE0-9]*', lambda m:
                               m.group(0).split(": ")[0] + ": 1" + "0" * digits, text))
        refused(path, "parameter 'layers.0.neurons.0.bias': the number overflows a float")

    def test_a_float_literal_beyond_range_is_refused_the_same_way(self, tmp_path):
        path = tmp_path / "m.json"
        document = small_file(path)
        text = json.dumps(document).replace(repr(document["parameters"][FIRST]), "1e400", 1)
        path.write_text(text)
        refused(path, f"parameter '{FIRST}': the number overflows a float")

    def test_a_long_but_finite_integer_loads_as_its_float(self, tmp_path):
        path = tmp_path / "m.json"
        document = small_file(path)
        text = json.dumps(document).replace(repr(document["parameters"][FIRST]), "9" * 300, 1)
        path.write_text(text)
        assert load(path).state_dict()[FIRST] == float("9" * 300)


class TestNesting:
    @pytest.mark.parametrize(("depth", "fragment"), [
        (9, "JSON nested deeper than 8 levels"), (990, "JSON nested deeper than 8 levels"),
        (100_000, "the JSON holds 100,006 objects and lists"),  # refused unparsed: its shape
    ])
    def test_deep_nesting_is_a_model_file_error(self, tmp_path, depth, fragment):
        path = tmp_path / "m.json"
        document = small_file(path)
        text = json.dumps(document)
        path.write_text(text.replace('"version": 1', '"version": ' + "[" * depth + "]" * depth))
        refused(path, fragment)


class TestClaimedSizes:
    @pytest.mark.parametrize(("model", "changes", "fragment"), [
        (Layer(2, 3), {("out_features",): 10**9}, "architecture of 3000000000 parameters"),
        (Neuron(2), {("in_features",): 10**18}, "more than max_parameters=1000000"),
        (MLP(2, [3, 2]), {("layers", 0, "out_features"): 10**9,
                          ("layers", 1, "in_features"): 10**9}, "of 5000000002 parameters"),
        (MLP(2, [3, 2]), {("layers", 0, "out_features"): 10**9}, "layer 0 gives 1000000000"),
    ], ids=["layer", "neuron", "mlp", "mlp-unchained"])
    def test_a_small_file_claiming_a_huge_model_fails_before_building(self, tmp_path, model,
                                                                      changes, fragment):
        path = tmp_path / "m.json"
        document = small_file(path, model)
        for keys, value in changes.items():
            set_in(["architecture", *keys], value)(document)
        path.write_text(json.dumps(document))
        assert path.stat().st_size < 2000
        refused(path, fragment, into_model=False)

    def test_the_cap_is_documented_and_can_be_raised(self, tmp_path):
        path = tmp_path / "m.json"
        small_file(path, MLP(40, [40, 40], seed=0))  # 3,280 parameters
        with pytest.raises(ModelFileError, match="more than max_parameters=1000"):
            load(path, max_parameters=1000)
        assert len(load(path).state_dict()) == 3280
        assert MAX_PARAMETERS == 1_000_000

    @pytest.mark.parametrize("width", [True, 2.0, -1, 0, "2", None, 1e30])
    def test_a_width_must_be_a_positive_int(self, tmp_path, width):
        path = tmp_path / "m.json"
        path.write_text(edit(small_file(path), set_in(["architecture", "layers", 0, "in_features"],
                                                      width)))
        # load_parameters needs names only, and 2.0 == 2 describes the same model.
        refused(path, "in_features must be a positive int", into_model=width != 2.0)


# Damage a valid file the ways files get damaged: cut, spliced, hand-edited, adversarial.
SNIPPETS = ["", "[", "]", "{", "}", ",", ":", '"', "\\", "0", "-", "1e999", "NaN", "null",
            "true", "1" * 5000, "[" * 3000, '{"a": 1, "a": 2}', "\x00", "é", "-0", "1.5e-400"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 10**9) | st.sampled_from([10**400, 10**30])
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10)


def paths_in(document, prefix=()):
    yield prefix
    children = (document.items() if isinstance(document, dict)
                else enumerate(document) if isinstance(document, list) else ())
    for key, child in children:
        yield from paths_in(child, (*prefix, key))


@st.composite
def damaged(draw, text):
    if draw(st.booleans()):  # text damage: cut a slice, or splice a snippet in
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        return text[:start] + draw(st.sampled_from(SNIPPETS)) + text[end:]
    document = json.loads(text)  # structural damage: replace one value anywhere
    where = draw(st.sampled_from(list(paths_in(document))[1:]))
    target = document
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = draw(JSON_VALUES)
    return json.dumps(document)


@pytest.fixture(scope="module")
def valid_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("damage") / "m.json"
    save(MLP(2, [3, 2], activation="tanh", seed=1), path)
    return path


class TestDamagedFiles:
    @given(st.data())
    def test_random_damage_loads_or_fails_clearly_leaving_the_model_as_is(self, valid_file,
                                                                          data):
        text = valid_file.read_text(encoding="utf-8")
        path = valid_file.with_name("damaged.json")
        path.write_text(data.draw(damaged(text), label="file"), encoding="utf-8")
        try:
            loaded = load(path)
        except ModelFileError as error:
            assert str(path) in str(error)
        else:
            assert isinstance(loaded, Module)
        model = MLP(2, [3, 2], activation="tanh", seed=7)
        before = model.state_dict()
        try:
            load_parameters(model, path)
        except ModelFileError:
            assert model.state_dict() == before


# -- what is not a model file at all (issue 21, item 9) ------------------------------------------


def _special(kind, tmp_path):
    path = tmp_path / "model.json"
    if kind == "a link to /dev/zero":  # would be read until memory runs out
        path.symlink_to("/dev/zero")
    elif kind == "a FIFO":  # would wait forever for a writer
        os.mkfifo(path)
    else:
        path.mkdir()
    return path


@pytest.mark.parametrize(("kind", "fragment"), [
    ("a link to /dev/zero", "not a regular file but a device"),
    ("a FIFO", "not a regular file but a FIFO"),
    ("a folder", "not a regular file but a folder"),
])
@pytest.mark.parametrize("reader", [load, lambda path: load_parameters(Neuron(2), path)])
def test_what_is_not_a_regular_file_is_refused_at_once(kind, fragment, reader, tmp_path):
    path = _special(kind, tmp_path)
    with pytest.raises(ModelFileError, match=re.escape(f"{path}: {fragment}")):
        reader(path)


def test_a_file_larger_than_its_parameters_can_take_is_refused_unparsed(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b" " * (256 * 10 + 65537))  # blank: parsing would say "not valid JSON"
    with pytest.raises(ModelFileError, match="larger than 68,096 bytes"):
        load(path, max_parameters=10)


class TestHostileShapes:
    """JSON shaped as no model file is: refused before parsing, in memory a small multiple of
    the file (parsing [{},{},...] took 50 times the file: 1 GB for 20 MB, issue 30 row 5)."""

    HEAD = b'{"format":"microgradjp-model","version":1,"architecture":'

    @pytest.mark.parametrize(("item", "fragment"), [
        (b"{},", "objects and lists and"), (b"[],", "objects and lists and"),
        (b'"ab",', "list items for 4 named values"), (b"1.5,", "list items for 4 named values"),
    ], ids=["objects", "lists", "strings", "numbers"])
    def test_a_long_list_is_refused_unparsed(self, tmp_path, item, fragment):
        path = tmp_path / "hostile.json"
        path.write_bytes(self.HEAD + b"[" + item * (2_000_000 // len(item)) + b"{}],"
                         b'"parameters":{}}')
        assert self.peak_memory(path, fragment) < 10 * path.stat().st_size

    def test_more_named_values_than_max_parameters_are_refused_unparsed(self, tmp_path):
        path = tmp_path / "hostile.json"
        names = b",".join(b'"a%d":0.5' % k for k in range(300_000))
        path.write_bytes(self.HEAD + b'null,"parameters":{' + names + b"}}")
        fragment = "names 300,004 values, more than max_parameters=100000 parameters can take"
        assert self.peak_memory(path, fragment, max_parameters=100_000) < \
            10 * path.stat().st_size

    @staticmethod
    def peak_memory(path, fragment, **options):
        tracemalloc.start()
        try:
            with pytest.raises(ModelFileError, match=re.escape(fragment)):
                load(path, **options)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    def test_names_holding_json_punctuation_are_not_mistaken_for_its_shape(self, tmp_path):
        # Brackets, colons, commas, quotes and backslashes inside names are text, not structure;
        # short names and json.dumps's compact form are a model file all the same.
        names = ['w[0]', '{b}', 'a:b', 'x,y', 'q"', 'back\\', 'c\\"', "[[[[", "a"]
        parameters = {name: 0.5 for name in names}
        path = tmp_path / "m.json"
        path.write_text(json.dumps({"format": "microgradjp-model", "version": 1,
                                    "architecture": None, "parameters": parameters},
                                   separators=(",", ":")))

        class Named(Module):
            def __init__(self):
                self.values = {name: Value(0.0) for name in names}

            def named_parameters(self):
                return list(self.values.items())

        model = Named()
        load_parameters(model, path)
        assert model.state_dict() == parameters
