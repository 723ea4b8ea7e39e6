"""Code as the "Zero to Hero" lecture 1 and micrograd's trace_graph.ipynb have learners type it,
on our Value: micrograd's node names, the step-by-step ``_backward()``, draw_dot, seeded weights.

The reference numbers come from running the lecture's own engine (and micrograd 0.1.0) on the
same code; where its tanh or sums differ in the last digit, the comparison is approx(rel=1e-12).
"""

import math
import random
import shutil
import warnings

import pytest

from microgradjp import Value, draw_dot, nn
from microgradjp.losses import mean_squared_error
from microgradjp.optim import SGD
from microgradjp.train import fit
from microgradjp.views import layout
from microgradjp.views.drawing import notebook_bundle


@pytest.fixture
def no_system_dot(monkeypatch):
    """What a pip-only learner has: graphviz-pure, no system dot."""
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None if name == "dot"
                        else real_which(name, path=path))


def the_neuron():
    """The lecture's neuron, o = tanh(x1*w1 + x2*w2 + b), built and labelled as it does."""
    x1 = Value(2.0, label='x1')
    x2 = Value(0.0, label='x2')
    w1 = Value(-3.0, label='w1')
    w2 = Value(1.0, label='w2')
    b = Value(6.8813735870195432, label='b')
    x1w1 = x1*w1; x1w1.label = 'x1*w1'  # noqa: E702  (the lecture's spelling)
    x2w2 = x2*w2; x2w2.label = 'x2*w2'  # noqa: E702  (the lecture's spelling)
    x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'  # noqa: E702
    n = x1w1x2w2 + b; n.label = 'n'  # noqa: E702  (the lecture's spelling)
    o = n.tanh(); o.label = 'o'  # noqa: E702  (the lecture's spelling)
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, x1w1x2w2=x1w1x2w2, n=n,
                o=o)


def test_the_hand_typed_trace_reads_prev_and_op():
    v = the_neuron()

    def trace(root):
        nodes, edges = set(), set()

        def build(v):
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)
        build(root)
        return nodes, edges

    nodes, edges = trace(v['o'])
    assert len(nodes) == 10 and len(edges) == 9
    assert {n._op for n in nodes} == {'', '*', '+', 'tanh'}
    assert v['x1']._op == '' and v['o']._prev == {v['n']}


def test_the_hand_typed_topological_sort_puts_o_last():
    v = the_neuron()
    topo = []
    visited = set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)
    build_topo(v['o'])
    assert topo[-1] is v['o'] and topo[-2] is v['n'] and len(topo) == 10
    # the lecture's engine: 0.7071067811865476 (its tanh is (e^2x - 1) / (e^2x + 1))
    assert v['n'].data == 0.8813735870195432
    assert v['o'].data == pytest.approx(0.7071067811865476, rel=1e-15)


def test_calling_backward_by_hand_node_by_node_gives_what_backward_gives():
    v = the_neuron()
    v['o'].grad = 1.0
    for name in ('o', 'n', 'b', 'x1w1x2w2', 'x2w2', 'x1w1'):  # the lecture's cells 18-22
        v[name]._backward()
    by_hand = {name: v[name].grad for name in ('x1', 'x2', 'w1', 'w2', 'b', 'n')}
    fresh = the_neuron()
    fresh['o'].backward()
    assert by_hand == {name: fresh[name].grad for name in by_hand}
    # the lecture's numbers (torch, float64 inputs): x1 -1.5, w1 1.0, x2 0.5, w2 0.0
    assert by_hand['x1'] == pytest.approx(-1.5) and by_hand['w1'] == pytest.approx(1.0)
    assert by_hand['x2'] == pytest.approx(0.5) and by_hand['w2'] == 0.0
    assert 1 - v['o'].data**2 == pytest.approx(0.5, rel=1e-15)


def test_backward_by_hand_adds_as_micrograds_does():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c.grad = 1.0
    c._backward()
    c._backward()  # micrograd's _backward accumulates: twice is twice
    assert (a.grad, b.grad) == (-6.0, 4.0)
    Value(1.0)._backward()  # a leaf has nothing to push


@pytest.mark.parametrize("attribute", ["_prev", "_op"])
def test_micrograds_names_are_read_only(attribute):
    with pytest.raises(AttributeError):
        setattr(Value(1.0), attribute, ())


def test_draw_dot_is_micrograds_and_renders_gout_svg_pip_only(no_system_dot, tmp_path):
    a = Value(-2.0, label='a')
    b = Value(3.0, label='b')
    d = a * b    ; d.label = 'd'  # noqa: E702  (the lecture's spelling)
    e = a + b    ; e.label = 'e'  # noqa: E702  (the lecture's spelling)
    f = d * e    ; f.label = 'f'  # noqa: E702  (the lecture's spelling)
    f.backward()
    dot = draw_dot(f, format='svg', rankdir='TB')
    assert dot.format == 'svg' and 'rankdir=TB' in dot.source
    written = dot.render(tmp_path / 'gout')
    assert written.endswith('gout.svg') and '<svg' in (tmp_path / 'gout.svg').read_text()
    svg = dot._repr_mimebundle_()['image/svg+xml']  # what Jupyter shows for draw_dot(f)
    assert 'graphviz-pure' in svg and '>grad &#45;3<' in svg  # df/da = b*e + d = 3 - 6


def test_draw_dot_from_microgradjp_imports_the_drawing_only_when_called():
    import subprocess
    import sys
    code = ("import sys, microgradjp; assert 'graphviz' not in sys.modules; "
            "microgradjp.draw_dot(microgradjp.Value(1.0)); assert 'graphviz' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_drawing_L_before_backward_shows_no_gradient_to_work_out():
    a = Value(2.0, label='a')
    b = Value(-3.0, label='b')
    c = Value(10.0, label='c')
    e = a*b; e.label = 'e'  # noqa: E702  (the lecture's spelling)
    d = e + c; d.label = 'd'  # noqa: E702  (the lecture's spelling)
    f = Value(-2.0, label='f')
    L = d * f; L.label = 'L'  # noqa: E702  (the lecture's spelling)
    source = draw_dot(L).source
    edges = [line for line in source.splitlines() if '->' in line]
    assert len(edges) == 9 and not any('label=' in line for line in edges)  # 3 ops, 3 edges each
    L.backward()
    assert sum('label=' in line for line in draw_dot(L).source.splitlines() if '->' in line) \
        == 9


def test_the_lectures_hand_typed_mlp_trains_to_the_lectures_losses():
    # The lecture's Neuron/Layer/MLP, tanh everywhere, every weight and bias from random.uniform.
    class Neuron:
        def __init__(self, nin):
            self.w = [Value(random.uniform(-1,1)) for _ in range(nin)]
            self.b = Value(random.uniform(-1,1))

        def __call__(self, x):
            act = sum((wi*xi for wi, xi in zip(self.w, x)), self.b)  # noqa: B905
            return act.tanh()

        def parameters(self):
            return self.w + [self.b]  # noqa: RUF005

    class MLP:
        def __init__(self, nin, nouts):
            sz = [nin] + nouts  # noqa: RUF005
            self.layers = [[Neuron(sz[i]) for _ in range(sz[i+1])] for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                outs = [n(x) for n in layer]
                x = outs[0] if len(outs) == 1 else outs
            return x

        def parameters(self):
            return [p for layer in self.layers for n in layer for p in n.parameters()]

    random.seed(1337)
    n = MLP(3, [4, 4, 1])
    assert n([2.0, 3.0, -1.0]).data == pytest.approx(0.42767811248845455, rel=1e-12)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(20):
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))  # noqa: B905
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)
    # the lecture's engine, random.seed(1337) before MLP(3, [4, 4, 1])
    assert losses[:3] == pytest.approx([6.005402783252284, 3.202149646920501, 2.462170928154134],
                                       rel=1e-12)
    assert losses[19] == pytest.approx(0.017781874686157648, rel=1e-12)
    assert [y.data for y in ypred] == pytest.approx(
        [0.9230809384316058, -0.9868462723398724, -0.9243066726104842, 0.9227806223092805],
        rel=1e-12)
    bundle = loss._repr_mimebundle_()  # the loss, ~400 values, draws in the notebook
    assert 'image/svg+xml' in bundle


def test_random_seed_makes_trace_graphs_neuron_micrograds_with_uniform_init():
    random.seed(1337)
    n = nn.Neuron(2, init="uniform")  # micrograd's U(-1, 1); our default is He for ReLU
    x = [Value(1.0), Value(-2.0)]
    y = n(x)
    y.backward()
    # micrograd 0.1.0: random.seed(1337); nn.Neuron(2)
    assert y.data == 0.102443419482938
    assert [xi.grad for xi in x] == [0.23550571390294128, 0.06653114721000164]
    assert [w.data for w in n.w] == [0.23550571390294128, 0.06653114721000164]
    assert n.b.data == 0.0 and len([n.b] + n.w) == 3  # noqa: RUF005 and n.w[0] is n.weights[0] and n.b is n.bias


def test_nonlin_is_micrograds_flag():
    assert nn.Neuron(2, nonlin=False).activation == 'identity'
    assert nn.Neuron(2, nonlin=True).activation == 'relu'
    with pytest.raises(TypeError, match=r"nonlin .* and activation both say"):
        nn.Neuron(2, nonlin=True, activation="tanh")


def test_a_library_mlp_that_dies_is_told_why_once():
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    random.seed(2)
    n = nn.MLP(3, [4, 4, 1])
    with pytest.warns(RuntimeWarning) as caught:
        fit(n, xs, ys, loss=mean_squared_error, optimizer=SGD(n.parameters(), lr=0.1),
            epochs=20)
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "layer 2 (W2, b2, 4 relu units) is dead" in text
    assert all(fix in text for fix in ("activation='tanh'", "init=", "smaller learning rate"))
    assert "第2層" in text
    # it is dead: every unit of layer 2 outputs 0 for every input
    for x in xs:
        assert all(y.data == 0.0 for y in n.layers[1]._outputs(n.layers[0]._outputs(x)))


def test_the_lectures_mlp_as_ours_learns_without_a_warning():
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    random.seed(2)  # the seed whose ReLU network died above
    n = nn.MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(n, xs, ys, loss=mean_squared_error,
                      optimizer=SGD(n.parameters(), lr=0.1), epochs=100)
    assert history.loss[-1] < 0.05 < history.loss[0]


def test_a_notebook_display_that_would_take_long_says_what_to_call(monkeypatch):
    x = Value(2.0, label='x')
    y = x * 3
    monkeypatch.setattr("microgradjp.views.drawing.NOTEBOOK_SECONDS", 0.0001)
    bundle = notebook_bundle(y)
    assert list(bundle) == ['text/plain']
    assert "the layout took longer than 0.0001 s" in bundle['text/plain']
    assert "microgradjp.viz.render(value, 'graph.svg')" in bundle['text/plain']


def test_user_attributes_are_kept_as_micrograds_are():
    p = Value(0.5)
    p.m = 0.0  # EurekaLabs' AdamW keeps its moments on the parameter
    p.v = 0.0
    setattr(p, '_vis_color', 'lightgreen')  # noqa: B010  (EurekaLabs' spelling)
    assert (p.m, p.v, p._vis_color) == (0.0, 0.0, 'lightgreen')
    assert not hasattr(Value(1.0), '_vis_color')
    assert math.isclose((p * 2).data, 1.0)
    assert layout.TIMEOUT_SECONDS == 120  # render itself keeps its long budget
