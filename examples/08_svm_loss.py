"""The multiclass SVM loss and vanilla gradient descent (seed 004).

L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + 1), L = (1/N) sum L_i + lambda sum W^2, and the
update `weights += -step_size * weights_grad`. First CS231n's three scored images, then a
linear classifier s = xW + b trained on a 3-arm spiral, its gradient checked numerically.
"""

from pathlib import Path

from microgradjp.data import spiral
from microgradjp.losses import l2_regularization, mean, multiclass_svm_loss
from microgradjp.nn import Layer
from microgradjp.optim import SGD

# Scores for (cat, car, frog) of three images; the true classes are cat, car, frog.
scores = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]]
losses = [multiclass_svm_loss(s, y) for y, s in enumerate(scores)]
print("image   true   L_i: CS231n   ours")
for (name, expected), loss in zip([("cat", 2.9), ("car", 0.0), ("frog", 12.9)], losses,
                                  strict=True):
    print(f"{name:6}  {name:5}  {expected:11}   {round(loss.data, 10)}")
print(f"mean L  (CS231n rounds to 5.27)   {mean(losses).data:.4f}")

inputs, labels = spiral(90, 0.2, classes=3, seed=0)
classifier = Layer(2, 3, activation="identity", seed=0)  # s = xW + b: one score per class
strength = 1e-3  # lambda


def total_loss():
    data_loss = mean([multiclass_svm_loss(classifier(x), y) for x, y in zip(inputs, labels,
                                                                            strict=True)])
    return data_loss + l2_regularization(classifier.parameters(), strength)


def accuracy():
    hits = 0
    for x, y in zip(inputs, labels, strict=True):
        outputs = [s.data for s in classifier(x)]
        hits += outputs.index(max(outputs)) == y
    return hits / len(inputs)


# The seed checks analytic gradients with central differences: (f(x+h) - f(x-h)) / 2h.
loss = total_loss()
loss.backward()
weight, h = classifier.neurons[1].weights[0], 1e-5
weight.data += h
up = total_loss().data
weight.data -= 2 * h
down = total_loss().data
weight.data += h
print(f"\ndL/dW[0,1]: backward {weight.grad:.10f}, central difference {(up - down) / (2 * h):.10f}")

optimizer = SGD(classifier.parameters(), lr=0.5)  # step_size
history = []
for _ in range(100):
    loss = total_loss()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()  # weights += -step_size * weights_grad
    history.append(loss.data)
print(f"linear SVM on a 3-arm spiral: loss {history[0]:.4f} -> {history[-1]:.4f}, "
      f"accuracy {accuracy():.0%} (no line separates spiral arms: see 09's MLP)")

output = Path(__file__).parent / "output" / "08_svm_loss"
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: skipping the picture (pip install 'microgradjp[plot]')")
else:
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(history)
    axes.set(xlabel="gradient descent step", ylabel="L", title="multiclass SVM loss + L2")
    axes.grid(alpha=0.3)
    output.mkdir(parents=True, exist_ok=True)
    figure.savefig(output / "loss_curve.png", dpi=120, bbox_inches="tight")
    print(f"\nwrote {output}")
