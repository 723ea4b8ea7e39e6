"""Walking graphs: backward's walk, and number constants kept as floats until someone looks."""

import dataclasses

import pytest

from microgradjp import Value
from microgradjp.core.backward import made_by_ops, newest_first, nodes_under
from microgradjp.core.walk import backpropagate, creation_order, record


def test_a_constant_becomes_one_leaf_and_stays_that_leaf():
    x = Value(3.0)
    y = x * 2
    first = y.parents[1]
    assert first is y.parents[1]
    assert (first.data, first.parents, first.op) == (2.0, (), "")
    assert nodes_under(y).count(first) == 1


@pytest.mark.parametrize("look_before", [False, True])
@pytest.mark.parametrize("passes", [1, 2, 3])
def test_a_constant_adds_up_every_pass_like_any_leaf(passes, look_before):
    x = Value(3.0)
    y = 1 - x * 2  # a constant on each side: 2 on the right, 1 on the left
    if look_before:
        nodes_under(y)  # the constants become leaves before any pass
    for _ in range(passes):
        y.backward()
    product = y.parents[1]
    one, two = y.parents[0], product.parents[1]
    assert (one.grad, two.grad, x.grad) == (passes * 1.0, passes * -3.0, passes * -2.0)


def test_zero_grad_reaches_constants_too():
    x = Value(3.0)
    y = x * 2
    y.backward()
    y.zero_grad()
    assert [node.grad for node in nodes_under(y)] == [0.0, 0.0, 0.0]


def test_newest_first_is_made_by_ops_reversed_and_resets_every_op_node():
    a = Value(2.0)
    b = a.exp()
    c = b * a + b
    c.backward()
    assert b.grad != 0.0
    order = newest_first(c)
    assert order == made_by_ops(c)[::-1]
    assert [node.grad for node in order] == [0.0] * len(order)
    assert a.grad != 0.0  # leaves keep what they accumulated


def test_backward_and_backpropagate_agree_bit_for_bit_on_fan_out():
    w = Value(0.3)
    terms = [(w * k + 0.1).tanh() * w for k in range(7)]  # w feeds 14 nodes
    loss = terms[0]
    for term in terms[1:]:
        loss = loss + term
    loss.backward()
    assert backpropagate(loss, 1.0, create_graph=False)[w] == w.grad


def test_newest_first_orders_graphs_built_between_others():
    x = Value(1.5)
    a = x * 2
    unrelated = [x.exp() for _ in range(5)]  # numbers taken in the middle of the graph
    b = (a + 1).tanh() * a
    assert unrelated and newest_first(b) == made_by_ops(b)[::-1]
    assert [node.op for node in newest_first(b)] == ["*", "tanh", "+", "*"]


def fan_out_graph():
    """w feeds 14 nodes, and 0.5 is a constant beside a Value."""
    w, x = Value(0.3, label="w"), Value(-1.2, label="x")
    loss = x * 0.5
    for k in range(7):
        loss = loss + (w * k + x).tanh() * w
    return loss, (w, x)


def test_a_recorded_pass_has_the_grads_backward_gives_bit_for_bit_and_leaves_grad_alone():
    loss, leaves = fan_out_graph()
    recorded = record(loss)
    assert all(node.grad == 0.0 for node in recorded.nodes)
    loss.backward()
    assert {node: recorded.grads[node] for node in recorded.nodes} == {
        node: node.grad for node in recorded.nodes}
    assert all(recorded.grads[leaf] != 0.0 for leaf in leaves)


def test_each_input_s_contributions_in_edge_order_add_up_to_its_grad_bit_for_bit():
    loss, _ = fan_out_graph()
    recorded = record(loss)
    totals = {}
    for edge in recorded.edges:
        assert edge.upstream == recorded.grads[edge.node]
        assert edge.contribution == edge.upstream * edge.local
        previous = totals.get(edge.input)
        totals[edge.input] = edge.contribution if previous is None else previous + edge.contribution
    assert totals == {node: grad for node, grad in recorded.grads.items() if node is not loss}


def test_a_recorded_pass_lists_nodes_in_creation_order_and_edges_newest_node_first():
    loss, _ = fan_out_graph()
    recorded = record(loss)
    assert list(recorded.nodes) == creation_order(loss)
    pushing = list(dict.fromkeys(edge.node for edge in recorded.edges))
    assert pushing == made_by_ops(loss)[::-1]


def test_edges_of_a_node_are_its_inputs_by_position_and_a_leaf_has_none():
    a = Value(2.0, label="a")
    y = (a * a).exp()
    recorded = record(y)
    square = y.parents[0]
    assert [(e.input, e.position, e.local) for e in recorded.edges_of(square)] == [
        (a, 0, 2.0), (a, 1, 2.0)]
    assert [e.input for e in recorded.edges_of(y)] == [square]
    assert recorded.edges_of(a) == ()


def test_a_lone_leaf_records_itself_with_gradient_one_and_no_edges():
    x = Value(4.0, label="x")
    recorded = record(x)
    assert (recorded.nodes, recorded.edges, dict(recorded.grads)) == ((x,), (), {x: 1.0})


def test_a_recorded_pass_cannot_be_changed():
    recorded = record(Value(2.0) * 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        recorded.edges = ()
    with pytest.raises(TypeError):
        recorded.grads[recorded.root] = 0.0
