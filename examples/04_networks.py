"""Small networks of seed 002 with their exact weights: 2-3-4 (softmax), 2-3-2 (regression),
the 3-layer regression head and 2-3-1 (binary), each with the loss the seed computes.

The seeds add 1e-7 inside the log of their cross entropy; ours works from logits with no
epsilon, so the loss differs in the 7th digit. Both numbers are printed.
"""

import math

from microgradjp.losses import binary_cross_entropy, cross_entropy, mean_squared_error, softmax
from microgradjp.nn import MLP


def show(values):
    return str([round(v.data, 8) for v in values])  # 8 digits, as the seeds print


x = [1.0, 2.0]
layer1 = ([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], [0.1, 0.2, 0.3])  # W1, b1: shared by all four
hidden = MLP.from_weights([layer1], activation="relu")(x)
print(f"z1 = relu(x W1 + b1)     seed [0.6, 1.3, 2.0]   ours {show(hidden)}")

# 2-3-4 multi-class: identity output gives the logits; softmax and the loss take it from there.
layer2 = ([[0.1, 0.4, 0.7, 1.0], [0.2, 0.5, 0.8, 1.1], [0.3, 0.6, 0.9, 1.2]],
          [0.1, 0.2, 0.3, 0.4])
logits = MLP.from_weights([layer1, layer2], activation="relu")(x)
probabilities = softmax(logits)
loss = cross_entropy(logits, [0, 0, 0, 1])
print("\n2-3-4 multi-class (多クラス分類)")
print(f"u2        seed [1.02, 2.29, 3.56, 4.83]\n          ours {show(logits)}")
print(f"softmax   seed [0.01602796, 0.05707321, 0.20322929, 0.72366954]\n"
      f"          ours {show(probabilities)}   sum {sum(p.data for p in probabilities):.15g}")
print(f"cross entropy, d = [0, 0, 0, 1]\n"
      f"          seed 0.3234202933601941  (-log(y3 + 1e-7))\n"
      f"          ours {loss.data!r}  (-log y3 exactly, from the logits)\n"
      f"          -log(y3 + 1e-7) here: {-math.log(probabilities[3].data + 1e-7)!r}")

# 2-3-2 regression with the course's squared error: mean((d - y)^2) / 2
layer2 = ([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], [0.1, 0.2])
y = MLP.from_weights([layer1, layer2], activation="relu")(x)
loss = mean_squared_error(y, [2.0, 4.0])  # the seeds' ½ mean is the default
print("\n2-3-2 regression (回帰)")
print(f"y         seed [1.02, 2.29]   ours {show(y)}")
print(f"MSE / 2   seed 0.9711249999999999   ours {loss.data!r}")

# The 3-layer head: relu, relu, identity
layer3 = ([[0.1, 0.3], [0.2, 0.4]], [1.0, 2.0])
y = MLP.from_weights([layer1, layer2, layer3], activation="relu")(x)
print("\n3-layer regression head (3層・複数ユニット)")
print(f"y = u3    seed [1.56, 3.222]   ours {show(y)}")

# 2-3-1 binary: a sigmoid output and the binary cross entropy
layer2 = ([[0.2], [0.4], [0.6]], [0.1])
model = MLP.from_weights([layer1, layer2], activation="relu", output_activation="sigmoid")
probability = model(x)  # one output unit: a Value, as in micrograd
loss = binary_cross_entropy(probability, 1)
print("\n2-3-1 binary (2値分類)")
print(f"u2        seed [1.94]         ours [{round(probability.parents[0].data, 8)}]")
print(f"sigmoid   seed [0.87435214]   ours [{round(probability.data, 8)}]")
print(f"loss, d = 1\n          seed 0.13427195993720972  (-log(y + 1e-7))\n"
      f"          ours {loss.data!r}  (-log y exactly)")
