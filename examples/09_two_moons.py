"""An MLP learns two moons: micrograd's demo on microgradjp (2-16-16-1 ReLU, max-margin loss).

100 points with labels -1/+1, the loss mean(relu(1 - y * score)) plus an L2 penalty 1e-4 sum w^2,
SGD with momentum on mini-batches of 10. Prints the accuracy per few epochs and writes the
decision boundary and the loss curve.
"""

import time
from pathlib import Path

from microgradjp import no_grad
from microgradjp.data import two_moons
from microgradjp.losses import l2_regularization, max_margin_loss
from microgradjp.nn import MLP
from microgradjp.optim import SGD
from microgradjp.train import fit

inputs, labels = two_moons(100, 0.1, seed=0, labels=(-1, 1))
model = MLP(2, [16, 16, 1], activation="relu", seed=0)
print(model, f"{len(model.parameters())} parameters")

start = time.perf_counter()
history = fit(model, inputs, labels, loss=max_margin_loss, epochs=30, batch_size=10, seed=0,
              optimizer=SGD(model.parameters(), lr=0.05, momentum=0.9), accuracy="sign",
              regularization=lambda: l2_regularization(model.parameters(), 1e-4))
seconds = time.perf_counter() - start
for epoch in (0, 4, 9, 19, 29):
    print(f"epoch {epoch + 1:2}: loss {history.loss[epoch]:.4f}, "
          f"accuracy {history.accuracy[epoch]:.0%}")
with no_grad():  # evaluation needs no graph
    correct = sum((model(x).data > 0) == (y > 0) for x, y in zip(inputs, labels, strict=True))
print(f"final accuracy {correct / len(inputs):.0%} after {seconds:.1f} s of training "
      f"({30 * len(inputs) // 10} steps of 10 samples)")

output = Path(__file__).parent / "output" / "09_two_moons"
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: skipping the picture (pip install 'microgradjp[plot]')")
else:
    xs = [-1.5 + 3.75 * i / 59 for i in range(60)]
    ys = [-1.0 + 2.5 * j / 59 for j in range(60)]
    with no_grad():
        scores = [[model([x, y]).data for x in xs] for y in ys]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    left.contourf(xs, ys, scores, levels=[-1e9, 0.0, 1e9], colors=["#f4c2c2", "#c2d4f4"])
    left.contour(xs, ys, scores, levels=[0.0], colors="k", linewidths=1)
    left.scatter([p[0] for p in inputs], [p[1] for p in inputs], c=labels, cmap="coolwarm_r",
                 edgecolors="k", s=25)
    left.set(title=f"decision boundary, accuracy {correct / len(inputs):.0%}", xlabel="x0",
             ylabel="x1")
    right.plot(range(1, len(history.loss) + 1), history.loss)
    right.set(title="max-margin loss + L2", xlabel="epoch", ylabel="loss", yscale="log")
    right.grid(alpha=0.3)
    figure.tight_layout()
    output.mkdir(parents=True, exist_ok=True)
    figure.savefig(output / "decision_boundary.png", dpi=120, bbox_inches="tight")
    print(f"\nwrote {output}")
