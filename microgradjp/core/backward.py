"""The chain rule, once and plainly: `reference_backward` is what every backward pass computes.

Read it first: twenty lines, no speed tricks. Below it, the fast pass ``Value.backward`` runs,
which must give the same numbers bit for bit (a differential test holds every fast path to the
reference: tests/test_differential.py): the walk that orders the nodes, the push through each
row's ``vjp``, the ``create_graph`` push on Values, and the transaction that undoes a failed
pass. A node keeps its inputs in slots (`slots`); the node itself and its recorders are `node`'s.
"""

from __future__ import annotations

import operator
import textwrap
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ..errors import MicrogradError
from . import modes, rules
from .rules import LEAF, describe
from .slots import ALL_IN_X, NOT_YET, input_data, stored_inputs
from .writing import Writer

__all__ = ["backward_error", "backward_lock", "backward_transaction", "made_by_ops",
           "newest_first", "nodes_under", "push_gradients", "push_gradients_creating_graph",
           "reference_backward"]

Node = Any  # a Value (core.node imports this module, so it is not named here)


def reference_backward(root: Node, seed: float = 1.0) -> dict[Node, float]:
    """Return d(root)/d(node) * seed for every node under ``root``; no ``.grad`` is touched.

    Each gradient is a sum that starts at 0.0. The nodes are visited newest first (the reverse
    of the order they were made), so a node's gradient is complete before it is passed on:
    each input gets its share, the node's gradient times the local derivative of the node's
    rule (the row's ``vjp``: see rules.py).

    >>> from microgradjp import Value
    >>> x = Value(3.0); y = x * x + 1
    >>> reference_backward(y)[x]
    6.0
    """
    grads: defaultdict[Node, float] = defaultdict(float)
    grads[root] += seed
    for node in reversed(made_by_ops(root)):  # newest first
        upstream = grads[node]
        inputs = node.parents
        try:  # each input's share: upstream times its local derivative, as the row computes it
            shares = node.rule.vjp(upstream, *[x.data for x in inputs], node.data)
        except (ValueError, ArithmeticError) as failure:
            raise backward_error(node, failure) from None
        for x, share in zip(inputs, shares, strict=True):
            grads[x] += share
    return dict(grads)


# The fast pass. Everything is iterative, so a graph a million nodes deep never meets the
# recursion limit; the walks read the slots directly, slot by slot, no tuple per node.

# Concurrent passes would interleave their ``+=`` on shared nodes and lose some: while more than
# one thread runs, ``Value.backward`` takes this lock (reentrant: a custom op's vjp may call
# backward). A pass is pure Python: under the GIL nothing runs in parallel anyway.
backward_lock = threading.RLock()


def nodes_under(root: Node) -> list[Node]:
    """Return root and every node it depends on, each once, in no particular order.

    >>> from microgradjp import Value
    >>> x = Value(2.0); len(nodes_under(x * x + 1))
    4
    """
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return list(seen)


def made_by_ops(root: Node) -> list[Any]:
    """Return the nodes under ``root`` made by ops, oldest first: a topological order.

    Every op node is numbered when it is made, after its inputs, so sorting by that number
    puts each node after everything it was made from; reversed, it is backward's order.

    >>> from microgradjp import Value
    >>> a = Value(1.0); b = a.exp(); c = b * a
    >>> made_by_ops(c) == [b, c]
    True
    """
    # Reads the inputs as stored (leaves and float constants are skipped, never made into
    # nodes), so backward walks only the nodes it pushes through.
    # Every op node is of one class (Value, never a subclass): the root's, if it is one.
    value, all_in_x = type(root), ALL_IN_X
    made = [root] if root._rule is not LEAF else []
    seen = set(made)
    stack = made[:]
    while stack:
        node = stack.pop()
        x, y = node._x, node._y
        # Floats (constants), None (no second input) and leaves are not walked. The common
        # one- and two-input nodes are read slot by slot: no tuple per node.
        for parent in x if y is all_in_x else (x,) if y is None else (x, y):
            if type(parent) is value and parent._rule is not LEAF and parent not in seen:
                seen.add(parent)
                stack.append(parent)
                made.append(parent)
    made.sort(key=_creation_number)
    return made


_creation_number = operator.attrgetter("_order")


def newest_first(root: Node, saved: list[Any] | None = None) -> list[Node]:
    """Return the op nodes under root newest first, each with ``.grad`` reset to 0.0.

    The walk ``Value.backward`` takes (made_by_ops is the same walk, with a set and no writes). A
    node is marked as seen by setting its grad to a float made for this call: a 0.0 that no other
    node can hold by accident (identity, not value, is compared), so no set is needed, and every
    node the walk reaches is already reset, even if the walk is interrupted. ``saved`` receives
    each grad the pass will write that is not 0.0, before it is reset (node, grad, ...).

    >>> from microgradjp import Value
    >>> a = Value(1.0); b = a.exp(); c = b * a
    >>> newest_first(c) == [c, b], b.grad
    (True, 0.0)
    """
    value, all_in_x = type(root), ALL_IN_X  # the class of every op node, as in made_by_ops
    mark = float(0)  # a new object on every call, unlike the literal 0.0
    made: list[Node] = []
    stack = [root] if root._rule is not LEAF else []
    # Every grad the pass will write that is not 0.0 now, as it is (node, grad, node, grad, ...):
    # a pass that fails puts them back and zeroes the rest (Value.backward). On a fresh graph or
    # after zero_grad nothing is saved. A leaf may be listed more than once.
    save = (saved if saved is not None else []).append
    # Depth first along each node's first input, which is always older than the node: as long
    # as each node popped off the stack is older than the last one reached, ``made`` is
    # already newest first (a chain's always is), and needs no placing afterwards.
    in_order = True
    # `while True`, not `while stack`: CPython 3.11 warms a function up for its specializing
    # interpreter on calls and on this loop's back edge, not on a `while stack:` back edge, so
    # a long walk run once (a training step's backward) would otherwise never be specialized.
    while True:
        if not stack:
            break
        node = stack.pop()
        grad = node._grad
        if grad is mark:
            continue  # reached along a second path
        if in_order and made:
            in_order = node._order < made[-1]._order
        # Along the first inputs without the stack (a chain never touches it); a second input
        # not yet seen is stacked, and checked again when it is popped.
        while True:
            if grad:  # an earlier pass went through it: its constants keep their share
                node.parents  # noqa: B018  (asking makes each constant a leaf: see node.py)
                save(node)
                save(grad)
            node._grad = mark
            made.append(node)
            x, y = node._x, node._y
            # Slot by slot, no tuple per node. Floats (constants) and None (no second input)
            # are skipped, leaves (a Parameter too) only saved; an n-ary node's inputs are the
            # tuple in x. The common cases first: a node, one input, a constant.
            if type(y) is value:
                if y._grad is not mark:  # a node many others read (a hidden unit) is seen
                    stack.append(y)
            elif y is None or type(y) is float:
                pass
            elif y is all_in_x:
                for parent in x:
                    if type(parent) is value:
                        stack.append(parent)
                    elif type(parent) is not float and (
                            type(parent._grad) is not float or parent._grad):
                        save(parent)
                        save(parent._grad)
                break
            elif type(y._grad) is not float or y._grad:  # a leaf with a grad to keep; a
                save(y)                                    # Value grad (create_graph) has
                save(y._grad)                              # no truth value
            if type(x) is value:
                grad = x._grad
                if grad is mark:
                    break
                node = x
                continue
            if type(x) is not float and (type(x._grad) is not float or x._grad):
                save(x)  # a leaf
                save(x._grad)
            break
    return made if in_order else _newest_first_order(made)


def _newest_first_order(made: list[Node]) -> list[Node]:
    # The root is the newest node of its graph, and when nothing else was recorded while the
    # graph was built, its creation numbers are consecutive: each node's place is then
    # root's number minus its own, and no sort is needed. Otherwise some place is past the
    # end (IndexError), and the nodes are sorted.
    if not made:
        return made
    top, order = made[0]._order, [made[0]] * len(made)
    try:
        for node in made:
            order[top - node._order] = node
    except IndexError:
        made.sort(key=_creation_number, reverse=True)
        return made
    return order


# The fast push is written as code, like a replayed step (writing.py): the common rows' shares
# are written inline by the rows themselves (each traces its own vjp), most used first, so a
# node of those rows costs no call and no tuple; every other row's vjp is called. Either way the
# derivative has one home, the row, and the numbers are the reference's bit for bit.
# Each test costs every node of a later row (and of any row not here) a comparison.
_INLINE = ((rules.MUL, 2), (rules.ADD, 2), (rules.RELU, 1), (rules.TANH, 1), (rules.EXP, 1),
           (rules.LOG, 1), (rules.SUB, 2), (rules.SIGMOID, 1))

_PUSH = """
def push_gradients(order):
    try:
        # Newest first: every node before the nodes it was made from.
        for node in order:
            upstream = node._grad
            rule = node._rule
            x = node._x
            y = node._y
{inline}
            # Any other row: the loop asks a node's arity, never its op; the row's vjp gives
            # each input's share.
            vjp = rule.vjp
            if y is None:
                x._grad += vjp(upstream, x._data, node._data)[0]
            elif type(y) is float:  # a constant is owed nothing
                if type(x) is not float:  # maximum(1.0, 2.0) has two constants
                    x._grad += vjp(upstream, x._data, y, node._data)[0]
            elif y is ALL_IN_X:  # many inputs (a neuron's): no tuple of shares if it multiplies
                datas = [x_i if type(x_i) is float else x_i._data for x_i in x]
                if rule.multiplies:  # each share is upstream * partial, as vjp computes it
                    for x_i, local in zip(x, rule.partials(*datas, node._data), strict=True):
                        if type(x_i) is not float:
                            x_i._grad += upstream * local
                else:
                    for x_i, share in zip(x, vjp(upstream, *datas, node._data), strict=True):
                        if type(x_i) is not float:
                            x_i._grad += share
            elif type(x) is float:
                y._grad += vjp(upstream, x, y._data, node._data)[1]
            else:
                dx, dy = vjp(upstream, x._data, y._data, node._data)
                x._grad += dx
                y._grad += dy
    except (ValueError, ArithmeticError) as failure:
        raise backward_error(node, failure) from None
"""


def _write_push() -> Callable[[list[Node]], None]:
    writer = Writer(branches=True)  # relu's vjp selects: written as a conditional expression
    blocks: list[str] = []
    for rule, arity in _INLINE:
        shares = writer.templates(rule, arity)[1]
        if shares is None:  # the row needs real floats: it is called
            continue
        name = f"r{len(blocks)}"
        writer.namespace[name] = rule
        blocks.append(_inline_step(name, [template.format for template in shares]))
    namespace = {**writer.namespace, "ALL_IN_X": ALL_IN_X, "backward_error": backward_error}
    # The rows are the function's closure, not globals: a cheaper read for each test.
    rows = [f"r{k}" for k in range(len(blocks))]
    source = (f"def make({', '.join(rows)}):\n"
              + textwrap.indent(_PUSH.format(inline="\n".join(blocks)), "    ")
              + "    return push_gradients\n")
    # Built from the rows' traced arithmetic and generated names only (see writing.py).
    exec(compile(source, "<microgradjp push>", "exec"), namespace)
    push: Callable[[list[Node]], None] = namespace["make"](*[namespace[r] for r in rows])
    push.__doc__ = _PUSH_DOC
    return push


def _inline_step(name: str, share: list[Callable[..., str]]) -> str:
    # One row's step, in the loop of _PUSH: the same cases as the general step below it there.
    # Each share reads the data it needs in place: writing x's grad first leaves y's data as it
    # was, even in x * x.
    if len(share) == 1:
        return f"""\
            if rule is {name}:
                x._grad += {share[0]("x._data", out="node._data", g="upstream")}
                continue"""
    return f"""\
            if rule is {name}:
                if type(y) is float:  # a constant is owed nothing
                    if type(x) is not float:
                        x._grad += {share[0]("x._data", "y", out="node._data", g="upstream")}
                    continue
                if type(x) is float:
                    y._grad += {share[1]("x", "y._data", out="node._data", g="upstream")}
                    continue
                x._grad += {share[0]("x._data", "y._data", out="node._data", g="upstream")}
                y._grad += {share[1]("x._data", "y._data", out="node._data", g="upstream")}
                continue"""


_PUSH_DOC = """Add each node's ``.grad`` times its local derivatives into its inputs' ``.grad``.

    ``order`` is newest_first's list, whose grads it reset: each node is reached after every
    node made from it, so its grad is complete when it is pushed. `Value.backward` seeds the root.

    >>> from microgradjp import Value
    >>> x = Value(3.0); y = x * x; order = newest_first(y); y.grad = 1.0
    >>> push_gradients(order); x.grad
    6.0
    """


def _push_checked(order: list[Node]) -> None:
    # detect_anomaly's backward: node by node, so the first step that makes inf or nan is named.
    for node in order:
        push_gradients([node])
        for parent in stored_inputs(node):
            if type(parent) is not float and parent._grad - parent._grad != 0.0:
                inputs = tuple(map(input_data, stored_inputs(node)))
                raise modes.non_finite(f"in backward through {describe(node.op, inputs)}, an "
                                  f"input's gradient = {parent._grad!r}")


def backward_transaction(root: Node, seed: float) -> None:
    """Run the fast pass from ``root``, seeded with ``seed``, as a transaction."""
    # A transaction: a pass that raises puts back every grad it wrote (the leaves' sums and the
    # other nodes' latest-pass values), so a failed backward changes nothing.
    saved: list[Any] = [root, root._grad]
    order: list[Node] = []
    try:
        order = newest_first(root, saved)
        root._grad += seed
        if modes.open_blocks and modes.anomaly():
            _push_checked(order)
        else:
            push_gradients(order)
    except BaseException:
        # Every grad this pass may have written was 0.0 before, unless it was saved: back to
        # "no gradient yet" (has_gradient), which a drawing reads as nothing computed.
        for node in order:
            node._grad = NOT_YET
            for parent in stored_inputs(node):
                if type(parent) is not float:
                    parent._grad = NOT_YET
        for k in range(len(saved) - 2, -1, -2):  # newest save first: the oldest value wins
            saved[k]._grad = saved[k + 1]
        raise


def push_gradients_creating_graph(root: Node, seed: Node) -> None:
    """Backward with the partials computed on Values: each leaf's ``.grad`` becomes a `Value`.

    What ``backward(create_graph=True)`` does; ``seed``, a `Constant`, is d(output)/d(root). A
    leaf adds this pass's gradient to what it holds (a 0.0 is replaced, so the new grad's graph
    starts at the seed); every other node under ``root`` gets this pass's gradient as a float,
    as after a plain backward, so later plain passes over the same nodes work as ever. A pass
    that raises puts back every grad it wrote, as a plain backward does.

    >>> from microgradjp import Value
    >>> from microgradjp.core.node import Constant
    >>> x = Value(3.0); push_gradients_creating_graph(x ** 2, Constant(1.0)); x.grad.op
    '*'
    """
    saved: list[tuple[Node, Any]] = []  # (node, its grad before this pass), in write order
    try:
        _push_creating_graph(root, seed, saved)
    except BaseException:
        for node, grad in reversed(saved):
            node._grad = grad
        raise


def _push_creating_graph(root: Node, seed: Node, saved: list[tuple[Node, Any]]) -> None:
    upstreams: dict[Node, Node] = {root: seed}
    if root._rule is LEAF:
        _add_to_leaf(root, seed, saved)
    for node in reversed(made_by_ops(root)):
        # Newest first: every node made from this one has already pushed into upstreams.
        upstream = upstreams.pop(node)
        # Constants become leaves first, so the gradient's graph shares them with this one
        # (as DeZero's does) instead of copying each number into a node of its own.
        inputs = node.parents
        saved.append((node, node._grad))
        node._grad = upstream._data
        try:
            shares = node._rule.vjp(upstream, *inputs, node)
        except (ValueError, ArithmeticError) as failure:
            raise backward_error(node, failure) from None
        for x, share in zip(inputs, shares, strict=True):
            if type(share) is float:  # a branch not taken sent a plain 0.0
                share = type(seed)(share)  # a Constant, as the seed is
            if x._rule is LEAF:
                _add_to_leaf(x, share, saved)
            else:
                previous = upstreams.get(x)
                upstreams[x] = share if previous is None else previous + share


def _add_to_leaf(leaf: Node, share: Node, saved: list[tuple[Node, Any]]) -> None:
    held = leaf._grad
    saved.append((leaf, held))
    leaf._grad = share if type(held) is float and held == 0.0 else held + share


def backward_error(node: Node, failure: Exception) -> Exception:
    """Return the error for a derivative that failed at ``node`` (``sqrt`` at 0, say)."""
    args = tuple(p.data for p in node.parents)
    labels = tuple(p.label for p in node.parents)
    if isinstance(failure, MicrogradError):  # a rule inside the partials already explained
        return type(failure)(f"in backward through {describe(node.op, args, labels)}, {failure}")
    error: Exception = node.rule.error(failure, args, labels)
    return type(error)(f"in backward, the derivative of {error}")


push_gradients = _write_push()
