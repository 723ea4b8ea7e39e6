"""Step through backpropagation (issue #13): the apple price, CS231n's (x + y)·z and its sigmoid
neuron gate by gate, and one neuron of an MLP, each as an HTML player to open in a browser.

Every player's last frame shows the gradients backward() computes; they are printed beside the
seeds' numbers. With the `animate` extra, the apple graph's backward pass is also a GIF.
"""

from pathlib import Path

from microgradjp import Value
from microgradjp.nn import Neuron
from microgradjp.player import Player
from microgradjp.viz import EngineNotFoundError

output = Path(__file__).parent / "output" / "11_step_through_backprop"


def show(name, root, leaves, expected):
    """Write root's player as output/<name>.html; print the leaves' gradients beside expected."""
    player = Player(root)
    player.save(output / f"{name}.html")
    root.backward()
    print(f"{name}: {len(player.frames)} frames, d/d {', '.join(leaf.label for leaf in leaves)}")
    print(f"  expected {expected}")
    print(f"  ours     {', '.join(f'{leaf.grad:.4g}' for leaf in leaves)}")
    return player


# The apple price (seed 003): 100 yen * 2 apples * 1.1 tax; seed gradients 2.2, 110, 200.
apple, count, tax = Value(100, label="りんご"), Value(2, label="個数"), Value(1.1, label="消費税")
apple_player = show("apple", (apple * count * tax).named("支払金額"), [apple, count, tax],
                    "2.2, 110, 200")

# f = (x + y)·z at x = -2, y = 5, z = -4 (seed 004): gradients -4, -4, 3.
x, y, z = Value(-2, label="x"), Value(5, label="y"), Value(-4, label="z")
show("xyz", ((x + y).named("q") * z).named("f"), [x, y, z], "-4, -4, 3")

# CS231n's sigmoid neuron, gate by gate: 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))); its notes give
# dw = [-0.2, -0.39, 0.2], dx = [0.39, -0.59] to two digits: sigma(1) (1 - sigma(1)) times x, w.
w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in
                      [(2, "w0"), (-1, "x0"), (-3, "w1"), (-2, "x1"), (-3, "w2")])
dot = (w0 * x0 + w1 * x1 + w2).named("dot")
show("sigmoid_neuron", (1 / (1 + (-dot).exp())).named("f"), [w0, x0, w1, x1, w2],
     "-0.1966, 0.3932, -0.3932, -0.5898, 0.1966")

# One neuron of an MLP (seed 001's single unit): relu(0.1·2 + 0.2·3 + 0.5) = 1.3.
neuron = Neuron.from_weights([0.1, 0.2], 0.5, activation="relu")
inputs = [Value(2.0, label="x[0]"), Value(3.0, label="x[1]")]
show("mlp_neuron", neuron(inputs).named("y"), [*neuron.weights, neuron.bias, *inputs],
     "2, 3, 1, 0.1, 0.2")  # d/dw = x, d/db = 1, d/dx = w, as relu passes 1.3 > 0 through

try:
    apple_player.save_animation(output / "apple_backward.gif", phase="backward")
except EngineNotFoundError as missing:  # the animate extra (Pillow, resvg-py) is missing
    print(f"no GIF: {missing}")
print(f"\nwrote {output}")
