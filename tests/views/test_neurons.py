"""The neuron-level view: one node a neuron, weights and what flows back on its edges."""

import re

import pytest

from microgradjp.core.walk import record
from microgradjp.nn import MLP
from microgradjp.nn.losses import max_margin_loss
from microgradjp.views import layout as engines
from microgradjp.views.neurons import neuron_dot, neurons_in
from microgradjp.views.text import number_text

ENGINES = [pytest.param("dot", marks=pytest.mark.system_dot), "graphviz-pure"]


@pytest.fixture(scope="module")
def demo():
    """The demo's network, 2-16-16-1, and one sample's loss after backward."""
    model = MLP(2, [16, 16, 1], activation="relu", seed=1)
    loss = max_margin_loss([model([0.5, -0.2])], 1)
    loss.backward()
    return model, loss


def test_each_neuron_is_one_box_with_its_output_and_gradient(demo):
    model, loss = demo
    source = neuron_dot(loss).source
    recorded = record(loss)
    boxes = re.findall(r'label="(\w+) neuron\\nout ([^\\]+)\\ngrad ([^\\]+)\\nb', source)
    assert len(boxes) == 33 and "weighted_sum" not in source
    last = model.layers[-1].neurons[0]  # the output unit: no activation, "linear"
    output = next(node for node in recorded.nodes if node.op == "weighted_sum"
                  and node.parents[-1] is last.bias)
    assert ("linear", number_text(output.data, 4), number_text(recorded.grads[output], 4)) \
        in boxes


def test_every_connection_says_its_weight_and_what_flows_back(demo):
    model, loss = demo
    source = neuron_dot(loss).source
    recorded = record(loss)
    first = model.layers[0].neurons[0]
    total = next(node for node in recorded.nodes if node.op == "weighted_sum"
                 and node.parents[-1] is first.bias)
    edge = recorded.edges_of(total)[2]  # x0's edge: back = upstream x w[0]
    weight, back = number_text(first.weights[0].data, 4), number_text(edge.contribution, 4)
    written = f"w {weight}\\nback {back}"
    assert written in source  # a sparse layer writes it on the edge
    # A dense layer writes it on the hover title: 16 x 16 + 16 x 1 edges.
    assert len(re.findall(r'edgetooltip="w [^"]+, back [^"]+"', source)) == 16 * 16 + 16


@pytest.mark.parametrize("engine", ENGINES)
def test_the_demo_networks_sample_fits_one_screen(demo, engine):
    svg = engines.pipe(neuron_dot(demo[1]).source, "svg", engine).decode()
    width, height = (float(x) for x in re.search(
        r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    # Under 1700 x 1500 pt: a 1920 x 1080 screen at the browser's 67% zoom, against
    # 2871 x 23066 pt for the element-level graph of the same loss (graphviz-pure).
    assert width < 1700 and height < 1500


def test_neuron_k_in_the_drawing_is_neurons_in_k_layer_by_layer(demo):
    model, loss = demo
    found = neurons_in(record(loss))
    units = [neuron for layer in model.layers for neuron in layer.neurons]
    assert [n.total.parents[-1] for n in found] == [unit.bias for unit in units]
    assert [n.layer for n in found] == [1] * 16 + [2] * 16 + [3]
    assert [n.kind for n in found] == ["relu"] * 32 + ["linear"]
    source = neuron_dot(loss).source
    for k, n in enumerate(found):
        assert re.search(rf'\bneuron{k} \[label="{n.kind} neuron\\nout '
                         rf'{re.escape(number_text(n.output.data, 4))}\\n', source)
