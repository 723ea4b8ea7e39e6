"""Forward propagation (seeds 001 and 002): A = XW + B, then an activation, then softmax.

A layer is built from the seeds' own W (one row per input, one column per unit) and b, so every
number below can be checked against the seed. Writes a picture of the activation functions.
"""

import math
from pathlib import Path

from microgradjp.losses import softmax
from microgradjp.nn import Layer


def show(values):
    values = values if isinstance(values, list) else [values]  # one unit gives a Value
    return str([round(v.data, 8) for v in values])  # 8 digits, as the seeds print


# Single layer, single unit: W = [[0.1], [0.2]], b = 0.5, x = [2, 3]
W, b, x = [[0.1], [0.2]], [0.5], [2.0, 3.0]
u = Layer.from_weights(W, b)(x)
z = Layer.from_weights(W, b, activation="relu")(x)
print("single unit                 seed    ours")
print(f"u = xW + b     (総入力)     [1.3]   {show(u)}")
print(f"z = relu(u)    (中間層出力) [1.3]   {show(z)}")

# Single layer, three units, sigmoid
W = [[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, 0.5], [0.4, 0.5, 0.6]]
b, x = [0.1, 0.2, 0.3], [1.0, 5.0, 2.0, -1.0]
u = Layer.from_weights(W, b)(x)
z = Layer.from_weights(W, b, activation="sigmoid")(x)
print("\nthree units")
print(f"u           seed [1.4, 2.2, 3.0]\n            ours {show(u)}")
print(f"sigmoid(u)  seed [0.80218389, 0.90024951, 0.95257413]\n            ours {show(z)}")

# The activation functions of seed 002, side by side
print("\n    x    step  sigmoid    relu    tanh")
for value in (-2.0, -0.5, 0.0, 0.5, 2.0):
    row = [Layer.from_weights([[1.0]], [0.0], activation=name)([value]).data
           for name in ("step", "sigmoid", "relu", "tanh")]
    print(f"{value:5.1f}  " + "  ".join(f"{r:6.4f}" for r in row))

# Softmax, overflow-safe: the seed subtracts max(a) first; we use logsumexp, which does it once.
a = [1010.0, 1000.0, 990.0]
try:
    naive = [math.exp(v) / sum(math.exp(w) for w in a) for v in a]
except OverflowError:
    naive = "OverflowError"
print(f"\nsoftmax({a})\n  exp(a)/sum exp(a):  {naive}\n  ours:               {show(softmax(a))}")

output = Path(__file__).parent / "output" / "03_forward_propagation"
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: skipping the picture (pip install 'microgradjp[plot]')")
else:
    xs = [i / 20 for i in range(-100, 101)]
    figure, axes = plt.subplots(figsize=(6, 4))
    for name in ("step", "sigmoid", "relu", "tanh"):
        layer = Layer.from_weights([[1.0]], [0.0], activation=name)
        axes.plot(xs, [layer([v]).data for v in xs], label=name)
    axes.set(xlabel="x", ylabel="h(x)", ylim=(-1.2, 2.2), title="activation functions")
    axes.legend(loc="upper left")
    axes.grid(alpha=0.3)
    output.mkdir(parents=True, exist_ok=True)
    figure.savefig(output / "activations.png", dpi=120, bbox_inches="tight")
    print(f"\nwrote {output}")
