"""Copying Values: deepcopy works at any depth; pickle says what to use instead (issue 30, row 7).

A model is kept with `save` (JSON, never pickle) or `state_dict`; `copy.deepcopy(model)`, the
PyTorch idiom for keeping the best model so far, copies it.
"""

import copy
import pickle

import pytest

from microgradjp import Value
from microgradjp.nn import MLP


def test_deepcopy_of_a_model_is_an_independent_model():
    model = MLP(2, [3, 1], seed=0)
    copied = copy.deepcopy(model)
    assert copied.state_dict() == model.state_dict()
    copied.parameters()[0].data += 1.0
    assert copied.state_dict() != model.state_dict()


def test_deepcopy_of_a_chain_of_100_000_nodes_works_and_backward_runs_on_the_copy():
    x = Value(1.0, label="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 1.0
    copied = copy.deepcopy(y)  # RecursionError before
    assert copied.data == y.data == 100_001.0
    copied.backward()
    [leaf] = [node for node in _leaves(copied) if node.label == "x"]
    assert leaf is not x and leaf.grad == 1.0 and x.grad == 0.0


def _leaves(root):
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.parents)
            if not node.parents:
                yield node


@pytest.mark.parametrize("make", [lambda: Value(1.5), lambda: Value(2.0, label="x") * 3,
                                  lambda: MLP(2, [3, 1], seed=0)],
                         ids=["value", "graph", "model"])
def test_pickling_says_to_use_save_or_state_dict(make):
    # Before: a raw PicklingError about a <lambda> in the rule table.
    with pytest.raises(TypeError, match=r"pickle.*save\(model, path\).*state_dict\(\)"):
        pickle.dumps(make())


def test_deepcopy_of_a_model_keeps_its_parameters_leaves():
    # Before: each copied Parameter held a copy of the LEAF row, so it was not a leaf:
    # .parents raised AttributeError and backward through a copied graph failed.
    model = MLP(2, [3, 1], seed=0)
    copied = copy.deepcopy(model)
    assert all(p.parents == () and p.rule is q.rule
               for p, q in zip(copied.parameters(), model.parameters(), strict=True))
    out, copied_out = model([1.0, -2.0]), copied([1.0, -2.0])
    out.backward()
    copied_out.backward()
    assert [p.grad for p in copied.parameters()] == [p.grad for p in model.parameters()]


def test_deepcopy_of_a_graph_is_the_same_graph_on_new_nodes():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    x.note = [1.0]  # a user's attribute on a leaf is copied too
    y = ((x * w + 2.0).tanh() * x).named("y")
    copied = copy.deepcopy(y)
    y.backward()
    copied.backward()
    leaves = {leaf.label: leaf for leaf in _leaves(copied)}
    assert leaves["x"] is not x and leaves["x"].grad == x.grad and leaves["w"].grad == w.grad
    assert leaves["x"].note == [1.0] and leaves["x"].note is not x.note
    assert [n.op for n in _all(copied)] == [n.op for n in _all(y)]
    # x feeds two nodes: its copy is one node feeding both copies
    assert copied.parents[1] is copied.parents[0].parents[0].parents[0].parents[0]


def test_a_graph_copied_with_its_model_uses_the_copied_parameters():
    model = MLP(1, [2, 1], seed=0)
    loss = (model([0.5]) - 1.0) ** 2
    model_copy, loss_copy = copy.deepcopy((model, loss))
    loss_copy.backward()
    assert {id(p) for p in model_copy.parameters()} <= {id(n) for n in _leaves(loss_copy)}
    assert all(p.grad == 0.0 for p in model.parameters())
    assert any(p.grad != 0.0 for p in model_copy.parameters())


def test_a_copy_and_its_original_in_one_graph_get_every_gradient():
    # backward orders a graph by creation numbers; a copy takes new ones, so both are walked.
    x = Value(3.0)
    y = x * x
    for twin in (copy.deepcopy(y), copy.copy(y)):
        x.grad = 0.0
        (y + twin).backward()
        assert x.grad == (6.0 if twin.parents[0] is not x else 12.0)


def test_copy_of_a_node_shares_its_inputs():
    x = Value(3.0)
    y = x * 2.0
    twin = copy.copy(y)
    assert twin is not y and twin.data == 6.0 and twin.parents[0] is x
    twin.backward()
    assert x.grad == 2.0


def test_deepcopy_of_a_gradient_graph_from_create_graph():
    x = Value(2.0)
    (x ** 3).backward(create_graph=True)
    copied_x = copy.deepcopy(x)
    assert copied_x.grad is not x.grad and copied_x.grad.data == x.grad.data == 12.0
    gradient = copied_x.grad
    copied_x.cleargrad()
    gradient.backward()  # d(3x^2)/dx = 6x = 12 lands on the copy of x, not on x
    assert copied_x.grad == 12.0 and x.grad.data == 12.0


def _all(root):
    seen, stack, found = set(), [root], []
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            found.append(node)
            stack.extend(node.parents)
    return found
