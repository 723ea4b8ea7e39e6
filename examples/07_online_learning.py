"""Online (stochastic) learning of seed 002's f(x) = 3 x0 + 2 x1 (確率的勾配降下法).

A 2-10-1 network (ReLU hidden, linear output) takes 1000 single-sample steps at learning rate
0.07, each sample drawn from a pool of 100,000 points x ~ U[0, 1)^2, with the course's loss
(y - d)^2 / 2. Then batch, stochastic and mini-batch descent are compared on equal epochs.
Writes the loss curve the seed plots.
"""

import random
from pathlib import Path

from microgradjp.data import linear_target
from microgradjp.losses import mean_squared_error
from microgradjp.nn import MLP
from microgradjp.optim import SGD
from microgradjp.train import fit

pool_inputs, pool_targets = linear_target(100_000, seed=0)
model = MLP(2, [10, 1], activation="relu", seed=0)
optimizer = SGD(model.parameters(), lr=0.07)
draw = random.Random(1)  # the seed draws with np.random.choice(data_sets, epoch)
losses = []
for _ in range(1000):
    i = draw.randrange(len(pool_inputs))
    loss = mean_squared_error(model(pool_inputs[i]), pool_targets[i])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.data)

print("online learning, 2-10-1 ReLU, lr 0.07, 1000 steps of one sample")
print(f"  mean loss, steps    1-100: {sum(losses[:100]) / 100:.5f}")
print(f"  mean loss, steps 901-1000: {sum(losses[-100:]) / 100:.5f}")
print("       x        f(x) = 3x0 + 2x1   network")
for x in ([0.2, 0.1], [0.5, 0.5], [0.9, 0.3]):
    print(f"  {x!s:12}  {3 * x[0] + 2 * x[1]:16.4f}   {model(x).data:.4f}")

# The course's three variants, on the same 200 samples for 10 epochs each.
inputs, targets = pool_inputs[:200], pool_targets[:200]
print("\nvariant        batch size   updates   loss after 10 epochs")
for name, batch_size in (("batch", None), ("stochastic", 1), ("mini-batch", 20)):
    model = MLP(2, [10, 1], activation="relu", seed=0)
    history = fit(model, inputs, targets, epochs=10, batch_size=batch_size,
                  loss=mean_squared_error,
                  optimizer=SGD(model.parameters(), lr=0.07))
    updates = 10 * (1 if batch_size is None else len(inputs) // batch_size)
    print(f"{name:14} {batch_size or len(inputs):10}   {updates:7}   {history.loss[-1]:.5f}")

output = Path(__file__).parent / "output" / "07_online_learning"
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: skipping the picture (pip install 'microgradjp[plot]')")
else:
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(range(len(losses)), losses, ".", markersize=3)
    axes.set(xlabel="step", ylabel="(y - d)^2 / 2", yscale="log",
             title="online learning of f(x) = 3 x0 + 2 x1")
    axes.grid(alpha=0.3)
    output.mkdir(parents=True, exist_ok=True)
    figure.savefig(output / "loss_curve.png", dpi=120, bbox_inches="tight")
    print(f"\nwrote {output}")
