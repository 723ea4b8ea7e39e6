"""Record a graph once, then replay its forward and backward on new leaf values, fast.

Training loops rebuild the same graph every step. `Replay` turns one recorded graph into a
straight-line Python function over floats (no nodes, no dicts, no sort), written by the rows
themselves (see `writing`), and gives gradients identical to eager `backward()`. The eager engine
stays the reference. It lives in the core because `fit` (in `nn`) replays its steps with it.
Where numpy is installed, `batched` runs the same code once over a whole batch's arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from ..errors import ValueTypeError, message
from . import batched
from .backward import made_by_ops
from .node import Value, apply
from .writing import Writer

__all__ = ["Replay", "SampleReplay"]

class Replay:
    """A recorded graph from ``inputs`` to ``output``, replayable on new input values.

    Every other leaf under ``output`` is a constant. The function must build the same graph for
    every input (relu and maximum are fine; a Python ``if`` on a Value is not).

    >>> w, x = Value(2.0), Value(3.0)
    >>> replay = Replay((w * x).tanh() + w, [w, x])
    >>> value, grads = replay([0.5, -1.0])
    >>> round(value, 6), [round(g, 6) for g in grads]
    (0.037883, [0.213552, 0.393224])
    """

    def __init__(self, output: Value, inputs: Sequence[Value], *,
                 constants: Sequence[float] = (), watch: Sequence[Value] = ()) -> None:
        for x in inputs:
            if x.parents:
                raise ValueTypeError(message(
                    f"Replay(inputs=[..., {x!r}])", "an input must be a leaf",
                    "pass the leaves whose values change, such as parameters and data"))
        self.inputs = list(inputs)
        self._output = output
        self._made = made_by_ops(output)
        # A constant given anew on each call is found by identity: the float object itself sits
        # in the nodes that use it (a number beside a Value is kept as it came, see node.py).
        self._constants = list(constants)
        self._watch = list(watch)
        source, namespace = _generate(self._made, output, self.inputs, self._constants,
                                      self._watch)
        self._namespace = dict(namespace)  # before exec adds run: the array code is written anew
        self._on_arrays: dict[bool, Callable[..., Any]] = {}
        # The source is built only from generated names (v12, g12, f3), Python operators and the
        # repr of floats (see Writer); no user text (labels, custom op names) ever reaches it.
        exec(compile(source, "<microgradjp replay>", "exec"), namespace)
        self._run: Callable[..., tuple[float, tuple[float, ...], tuple[float, ...]]] = \
            namespace["run"]
        self.source = source

    def __call__(self, values: Sequence[float] | None = None) -> tuple[float, list[float]]:
        """Return ``(output, [d output / d input, ...])`` at ``values`` (default: inputs' data).

        ``values`` has one number per input, then one per constant given to ``constants``.
        Nothing is recorded and no ``.grad`` is touched.
        """
        default = [x.data for x in self.inputs] + self._constants
        point = default if values is None else [float(v) for v in values]
        if len(point) != len(default):
            raise ValueTypeError(message(
                f"replay with {len(point)} values",
                f"the graph has {len(self.inputs)} inputs and {len(self._constants)} constants",
                "pass one value per input, then per constant, in the order given to Replay"))
        try:
            value, grads, _ = self._run(point)
        except (ValueError, ArithmeticError):
            self._explain(point)  # raises the eager engine's own error for the failing node
            raise
        return value, list(grads)

    def batch(self, columns: Sequence[Any], *, fast: bool = False) -> tuple[Any, list[Any]]:
        """Return ``(outputs, [gradients, ...])`` as numpy arrays: the replay at every sample.

        ``columns`` holds one sequence per input, then per constant (a number stands for every
        sample). Bit for bit what calling the replay sample after sample gives; ``fast=True``
        uses numpy's own tanh, exp and sums instead of Python's (within 1e-12 relative). Needs
        numpy. A sample whose numbers fail raises the eager engine's error, as a call does.

        >>> w, x = Value(2.0), Value(3.0)
        >>> replay = Replay((w * x).tanh() + w, [w, x])
        >>> outputs, (dw, dx) = replay.batch([[0.5, 1.0], [-1.0, 3.0]])
        >>> outputs.tolist() == [replay([0.5, -1.0])[0], replay([1.0, 3.0])[0]]
        True
        >>> dx.tolist() == [replay([0.5, -1.0])[1][1], replay([1.0, 3.0])[1][1]]
        True
        """
        np = batched.numpy()
        if np is None:
            raise ModuleNotFoundError(message(
                "Replay.batch", "it runs the replay on numpy arrays, and numpy is not installed",
                "pip install numpy (or microgradjp[fast]), or call the replay once per sample"))
        count = len(self.inputs) + len(self._constants)
        found, size = batched.arrays(columns)
        if len(found) != count or any(c.shape != (size,) for c in found):
            raise ValueTypeError(message(
                f"Replay.batch with {len(found)} columns",
                f"the graph has {len(self.inputs)} inputs and {len(self._constants)} constants, "
                "and every column one number per sample",
                "pass one sequence of equal length (or a number) per input, then per constant"))
        if fast not in self._on_arrays:
            self._on_arrays[fast] = batched.compile_on_arrays(self.source, self._namespace,
                                                              fast=fast)
        try:
            with batched.arithmetic_errors():
                value, grads, _ = self._on_arrays[fast](found)
        except (ValueError, ArithmeticError):  # floats decide: Python's number or eager's error
            rows = [self(point) for point in zip(*(c.tolist() for c in found), strict=True)]
            return (np.array([value for value, _ in rows]),
                    [np.array(column) for column in zip(*(g for _, g in rows), strict=True)])
        return (np.array(np.broadcast_to(value, (size,))),
                [np.array(np.broadcast_to(g, (size,))) for g in grads])

    def step(self, values: list[float]) -> tuple[float, tuple[float, ...], tuple[float, ...]]:
        """Return ``(output, gradients, watched values)`` at ``values``, unchecked: fit's hot path.

        A failure raises the float arithmetic's own ValueError or ArithmeticError, unexplained.
        """
        return self._run(values)

    def _explain(self, point: list[float]) -> None:
        # Rebuild the graph eagerly at the failing point: the eager error names op and inputs.
        clone = {x: Value(v, x.label) for x, v in zip(self.inputs, point, strict=False)}
        given = dict(zip(map(id, self._constants), point[len(self.inputs):], strict=True))
        for node in self._made:
            parents = [clone[p] if p in clone else Value(given.get(id(p._data), p.data), p.label)
                       for p in node.parents]
            clone[node] = apply(node.rule, tuple(parents))
        clone[self._output].backward()


def _generate(
    made: list[Value], output: Value, inputs: list[Value], constants: list[float],
    watch: list[Value],
) -> tuple[str, dict[str, Any]]:
    """Return the source of ``run(values)`` and the names it needs (``made``: oldest first)."""
    name = {x: f"v{i}" for i, x in enumerate(inputs)}
    given = {id(c): f"k{i}" for i, c in enumerate(constants)}  # read from values, after inputs
    writer = Writer()
    namespace = writer.namespace
    unpacked = [name[x] for x in inputs] + list(given.values())
    forward = [f"    {', '.join(unpacked)}{',' if len(unpacked) == 1 else ''} = values"
               if unpacked else ""]
    _write_forward(made, name, given, writer, forward)
    if not made:
        name.setdefault(output, "c_out")
        namespace["c_out"] = output.data

    # Backward, newest first like the eager walk, only along paths that reach an input. An
    # input's gradient is a running sum that starts at 0.0, as a zeroed leaf's does in eager.
    sums = {x: f"s{i}" for i, x in enumerate(inputs)}
    backward: list[str] = []
    reached = _write_backward(made, output, "1.0", name, _leads_to_inputs(made, set(inputs)),
                              sums, writer, backward)
    backward[:0] = [f"    {sums[x]} = 0.0" for x in inputs if x in reached]
    results = ", ".join(sums[x] if x in reached else "0.0" for x in inputs)
    watched = ", ".join(_watched_name(node, name, namespace) for node in watch)
    # The functions called are default arguments: a local is read faster than a global.
    called = "".join(f", {f}={f}" for f in writer.functions)
    lines = [f"def run(values{called}):", *forward, *backward,
             f"    return {name[output]}, ({results}{',' if len(inputs) == 1 else ''}), "
             f"({watched}{',' if len(watch) == 1 else ''})"]
    return "\n".join(lines) + "\n", namespace


def _watched_name(node: Value, name: dict[Value, str], namespace: dict[str, Any]) -> str:
    # A watched node outside the graph (or a leaf that is no input) reads as its own number.
    if node not in name:
        name[node] = f"c{len(name)}"
        namespace[name[node]] = node.data
    return name[node]


class SampleReplay:
    """One sample's recorded graph, replayed for every sample of a batch, as eager adds it up.

    ``loss`` is one sample's loss, made from ``parameters``, that sample's ``features`` (leaves)
    and ``targets`` (numbers in the graph, found by identity). Called with the parameters' values,
    the samples (features then targets, each a tuple) in the order eager backward reaches them
    (the last made first) and ``seed`` (d batch loss / d sample loss), it returns the samples'
    losses, every parameter's gradient and the ``watch``ed values per sample. Each gradient is
    added sample after sample, starting from 0.0, exactly as eager backward adds into a zeroed
    leaf: bit for bit the same numbers, provided each sample's nodes reach the parameters only
    among themselves (fit checks it). ``start`` gives other sums to go on from instead of 0.0:
    what newer nodes (a regularization term, or the later samples of another recording) added
    first.

    ``batched`` says how a batch runs where numpy is installed and that is faster
    (`batched.wins`: from 64 samples, 32 for "fast"): ``"exact"`` as arrays, all samples at
    once, bit for bit the floats' numbers; ``"fast"`` as arrays with numpy's own tanh, exp and
    sums (within 1e-12 relative); None always sample after sample on floats. Arrays that meet
    an error or an inf give way to the floats, which give Python's number or error. ``last``
    is the mode of the last call answered.

    >>> w = Value(2.0); x = Value(3.0); t = 1.5 * 1.0  # a target of its own
    >>> replay = SampleReplay((w * x - t) ** 2, [w], [x], [t])
    >>> losses, grads, _ = replay([2.0], [(1.0, 0.5), (3.0, 1.5)], 0.5)
    >>> losses, grads  # (2*1 - .5)**2, (2*3 - 1.5)**2; 0.5 * (2*(1.5)*1 + 2*(4.5)*3)
    ([2.25, 20.25], (15.0,))
    >>> replay([2.0], [(3.0, 1.5)], 0.5, start=[1.5])[1]  # 1.5, then 0.5 * 2*(4.5)*3
    (15.0,)
    """

    def __init__(self, loss: Value, parameters: Sequence[Value], features: Sequence[Value],
                 targets: Sequence[float], watch: Sequence[Value] = (), *,
                 batched: str | None = "exact") -> None:
        if batched not in _BATCHED:
            raise ValueTypeError(message(f"SampleReplay(batched={batched!r})",
                                         "the modes are 'exact', 'fast' and None",
                                         "pass one of them"))
        # A watched node the loss does not use (a softmax output of another class) is computed
        # too, in creation order among the loss's nodes; backward starts at the loss alone.
        made = sorted({*made_by_ops(loss), *(node for x in watch for node in made_by_ops(x))},
                      key=attrgetter("_order"))
        graph = (made, loss, list(parameters), list(features), list(targets), list(watch))
        self.source, self._namespace = _generate_sample(*graph)
        # Compiled when floats first run a batch: a run all in arrays never needs it.
        self._floats: Callable[..., Any] | None = None
        self._zeros = (0.0,) * len(parameters)
        self.batched = batched
        self.last = "replay"
        # The array code is written when a batch first asks for it (a graph kept till then).
        self._graph: tuple[Any, ...] | None = graph if batched is not None else None
        self._on_arrays: Callable[..., Any] | None = None

    def __call__(self, parameters: Sequence[float], samples: Sequence[tuple[float, ...]],
                 seed: float, start: Sequence[float] | None = None,
                 ) -> tuple[list[float], tuple[float, ...], list[tuple[float, ...]]]:
        """Return ``(losses, gradients, watched)``; a failure raises the arithmetic's own error."""
        mode = self.mode(len(samples))
        result: tuple[list[float], tuple[float, ...], list[tuple[float, ...]]]
        if mode != "replay":
            try:
                result = self._batch(parameters, samples, seed, start)
            except (ValueError, ArithmeticError):  # floats decide: Python's number or error
                pass
            else:
                self.last = mode
                return result
        if self._floats is None:  # see Replay: the source holds no user text
            exec(compile(self.source, "<microgradjp replay>", "exec"), self._namespace)
            self._floats = self._namespace["run"]
        result = self._floats(parameters, samples, seed,
                               self._zeros if start is None else start)
        self.last = "replay"
        return result

    def mode(self, size: int) -> str:
        """Return the mode that runs a batch of ``size`` samples.

        "replay" (floats, sample after sample), "batched" or "batched fast" (arrays).
        """
        if self.batched is not None and batched.wins(self.batched, size):
            return _MODES[self.batched]
        return "replay"

    def _batch(self, parameters: Sequence[float], samples: Sequence[tuple[float, ...]],
               seed: float, start: Sequence[float] | None = None,
               ) -> tuple[list[float], tuple[float, ...], list[tuple[float, ...]]]:
        # All samples at once as arrays; numpy's FloatingPointError or a row's own error
        # (math.log(-1.0)) raises, and the caller then runs the floats.
        np = batched.numpy()
        fast = self.batched == "fast"
        if self._on_arrays is None:
            assert self._graph is not None  # kept by __init__ whenever batched is not None
            source, namespace = _generate_sample(*self._graph, on_arrays=True)
            self._on_arrays = batched.compile_on_arrays(source, namespace, fast=fast)
            self._graph = None
        size = len(samples)
        columns = list(np.array(samples, dtype=float).T)
        with batched.arithmetic_errors():
            loss, shares, watched = self._on_arrays(parameters, columns, seed)
            gradients = batched.sums_in_order(list(shares), size, fast=fast, start=start)
        per_sample = [np.broadcast_to(w, (size,)).tolist() for w in watched]
        return (np.broadcast_to(loss, (size,)).tolist(), tuple(gradients),
                list(zip(*per_sample, strict=True)) if per_sample else [()] * size)


_BATCHED = ("exact", "fast", None)
_MODES = {"exact": "batched", "fast": "batched fast"}  # as History.mode names them


def _generate_sample(
    made: list[Value], loss: Value, parameters: list[Value], features: list[Value],
    targets: list[float], watch: list[Value], *, on_arrays: bool = False,
) -> tuple[str, dict[str, Any]]:
    # The body of Replay's code for one sample, inside a loop over the samples; the parameters'
    # gradients are running sums (a0, a1, ...) that outlive the loop. On arrays (batched.py) the
    # body runs once, every name holding all samples, and each parameter's shares are listed
    # for batched.sums_in_order to add up in eager's order.
    name = {p: f"p{i}" for i, p in enumerate(parameters)}
    name.update({x: f"x{i}" for i, x in enumerate(features)})
    given = {id(t): f"k{i}" for i, t in enumerate(targets)}
    writer = Writer()
    namespace = writer.namespace
    body: list[str] = []
    _write_forward(made, name, given, writer, body)
    accumulated = {p: f"a{i}" for i, p in enumerate(parameters)}
    reached = _write_backward(made, loss, "seed", name, _leads_to_inputs(made, set(parameters)),
                              accumulated, writer, body,
                              add="    {0}.append({1})" if on_arrays else "    {0} = {0} + {1}")
    unpack = [*(name[x] for x in features), *given.values()]
    watched = ", ".join(_watched_name(node, name, namespace) for node in watch)
    called = "".join(f", {f}={f}" for f in writer.functions)
    watched = f"({watched}{',' if len(watch) == 1 else ''})"
    unpacked = (f"    {''.join(f'{name[p]}, ' for p in parameters)}= parameters"
                if parameters else "")
    if on_arrays:  # a list of shares per parameter, from no share (sums_in_order adds start)
        gradients = "".join(f"{accumulated[p] if p in reached else '[]'}, " for p in parameters)
        lines = [f"def run(parameters, columns, seed{called}):", unpacked,
                 *(f"    {accumulated[p]} = []" for p in parameters if p in reached),
                 f"    {''.join(f'{n}, ' for n in unpack)}= columns" if unpack else "",
                 *body, f"    return {name[loss]}, ({gradients}), {watched}"]
        return "\n".join(lines) + "\n", namespace
    gradients = "".join(f"{accumulated[p]}, " for p in parameters)
    lines = [f"def run(parameters, samples, seed, start{called}):", unpacked,
             f"    {gradients}= start" if parameters else "",
             "    losses = []", "    watched = []",
             f"    for {''.join(f'{n}, ' for n in unpack) or '_ '}in samples:",
             *(f"    {line}" for line in body),
             f"        losses.append({name[loss]})",
             f"        watched.append({watched})",
             f"    return losses, ({gradients}), watched"]
    return "\n".join(lines) + "\n", namespace


def _write_forward(made: list[Value], name: dict[Value, str], given: dict[int, str],
                   writer: Writer, lines: list[str]) -> None:
    """Write each node's forward into ``lines``, oldest first, naming what it reads.

    ``name`` holds the inputs' names and gains the nodes' (v…) and the constants': a constant
    whose float object is in ``given`` (by id) is read from the call, any other is baked in.
    """
    for node in made:
        for parent in node.parents:
            if parent in name:
                continue
            if id(parent._data) in given:  # a constant given on each call: read, not baked
                name[parent] = given[id(parent._data)]
            else:  # a constant leaf: bake its value in by reference
                name[parent] = f"c{len(name)}"
                writer.namespace[name[parent]] = parent.data
        name[node] = f"v{len(name)}"
        written = writer.forward(node.rule, [name[p] for p in node.parents])
        lines.append(f"    {name[node]} = {written}")


def _write_backward(
    made: list[Value], root: Value, seed: str, name: dict[Value, str], wanted: set[Value],
    sums: dict[Value, str], writer: Writer, lines: list[str],
    add: str = "    {0} = {0} + {1}",
) -> set[Value]:
    """Write the reference pass (backward.py) as code into ``lines``; return the sums reached.

    Newest first, each node's shares come from its row's vjp, added in eager's order. ``sums``
    name the leaves' running sums, which the caller starts at 0.0; any other gradient starts at
    its first share (eager's 0.0 + share differs only in the sign of a zero, which no later
    step can read: shares of a zero are zeros, and the leaves' sums start at 0.0). ``add``
    writes a share into a leaf's sum (``{0}``: the sum, ``{1}``: the share).
    """
    grad = {root: seed}
    reached: set[Value] = set()
    if root in sums:  # the output is an input: d x / d x is the seed
        reached.add(root)
        lines.append(add.format(sums[root], seed))
    for node in reversed(made):
        if node not in grad:
            continue
        args = [name[p] for p in node.parents]
        shares = writer.shares(node.rule, grad[node], args, name[node], lines)
        for parent, share in zip(node.parents, shares, strict=True):
            if parent not in wanted:
                continue
            if parent in sums:
                reached.add(parent)
                lines.append(add.format(sums[parent], share))
            elif parent in grad:
                lines.append(f"    {grad[parent]} = {grad[parent]} + {share}")
            else:
                grad[parent] = f"g{len(grad)}"
                lines.append(f"    {grad[parent]} = {share}")
    return reached


def _leads_to_inputs(made: list[Value], inputs: set[Value]) -> set[Value]:
    wanted = set(inputs)
    for node in made:  # oldest first: a node's inputs are decided before the node
        if any(p in wanted for p in node.parents):
            wanted.add(node)
    return wanted
