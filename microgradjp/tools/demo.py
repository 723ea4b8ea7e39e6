"""``microgradjp demo``: train an MLP on two moons, then draw what it learnt.

The main job of the command line: a trained network (accuracy printed), its decision boundary
and loss curve (matplotlib, from the ``plot`` extra) and one rendered graph (system Graphviz or
the pip-installed graphviz-pure). Each picture is written if it can be; the others still are.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

from ..core.node import Value, no_grad
from ..errors import MicrogradError
from ..nn.data import two_moons
from ..nn.losses import l2_regularization, max_margin_loss
from ..nn.modules import MLP
from ..nn.optim import SGD
from ..nn.train import fit
from ..views.drawing import render

__all__ = ["run"]


def run(folder: Path, *, epochs: int = 100, seed: int = 0) -> int:
    """Return 0 after training on 100 two-moons points and writing every picture into ``folder``.

    A picture that cannot be written (no layout engine for the graph, no matplotlib for the
    other two) is named with the reason and the fix after the others are written, and the
    status is then 3 (the command line's "output not written"): 0 means all three are there.

    >>> import tempfile
    >>> run(Path(tempfile.mkdtemp()), epochs=2)  # doctest: +ELLIPSIS
    two moons: 100 points, MLP 2-16-16-1 (tanh), 2 epochs of full-batch gradient descent
    ...
    0
    """
    points, labels = two_moons(100, 0.1, seed=seed, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], activation="tanh", seed=seed)
    print(f"two moons: {len(points)} points, MLP 2-16-16-1 (tanh), {epochs} epochs of "
          "full-batch gradient descent")
    history = fit(model, points, labels, loss=max_margin_loss, epochs=epochs, accuracy="sign",
                  optimizer=SGD(model.parameters(), lr=0.5, momentum=0.9),
                  regularization=lambda: l2_regularization(model.parameters(), 1e-4))
    print(f"final loss {history.loss[-1]:.4f}, training accuracy {history.accuracy[-1]:.0%}")
    folder.mkdir(parents=True, exist_ok=True)
    missing = [*_draw_graph(model, points, labels, folder),
               *_draw_plots(model, points, labels, history.loss, folder)]
    for name, why in missing:
        print(f"could not write {folder / name}: {why}", file=sys.stderr)
    return 3 if missing else 0  # the command line's status for "the output could not be written"


def _draw_graph(model: MLP, points: list[list[float]], labels: list[int],
                folder: Path) -> list[tuple[str, str]]:
    # The sample the trained model gets most wrong: a point it classifies well has a hinge loss
    # of 0, and its graph would show 0 on every edge.
    with no_grad():
        losses = [max_margin_loss(model(point), label).data
                  for point, label in zip(points, labels, strict=True)]
    worst = max(range(len(points)), key=losses.__getitem__)
    x = [Value(c, label=f"x{i}") for i, c in enumerate(points[worst])]
    output = cast(Value, model(x))  # one output unit: a Value
    root = max_margin_loss([output], labels[worst]).named("loss")
    if root.data == 0.0:  # every point is past the margin: draw the score, which has gradient
        root = output.named("score")
    model.zero_grad()
    root.backward()  # the boxes show .grad: give them this sample's
    path = folder / "graph.svg"
    try:
        render(root, path, focus=root, depth=4)
    except MicrogradError as failure:
        return [(path.name, str(failure))]
    print(f"wrote {path} (the last layers of sample {worst}'s {root.label}, "
          f"{root.data:.4g}: the gradient flowing back on every edge)")
    return []


def _draw_plots(model: MLP, points: list[list[float]], labels: list[int], losses: list[float],
                folder: Path) -> list[tuple[str, str]]:
    try:
        import matplotlib
    except ImportError:
        why = "it needs matplotlib; pip install 'microgradjp[plot]'"
        return [("decision_boundary.png", why), ("loss_curve.png", why)]
    matplotlib.use("Agg")  # files only: no window, works on a server
    _plot(model, points, labels, losses, folder)
    return []


def _plot(model: MLP, points: list[list[float]], labels: list[int], losses: list[float],
          folder: Path) -> None:
    import matplotlib.pyplot as plt

    steps = 60
    xs = [-1.5 + 4.0 * i / steps for i in range(steps + 1)]
    ys = [-1.0 + 2.5 * j / steps for j in range(steps + 1)]
    with no_grad():  # a prediction per grid point: nothing to differentiate
        scores = [[cast(Value, model([x, y])).data for x in xs] for y in ys]  # one output
    figure, axes = plt.subplots(figsize=(5, 4))
    axes.contourf(xs, ys, scores, levels=[-1e9, 0.0, 1e9], colors=["#f4c7c3", "#c3d9f4"])
    axes.scatter([p[0] for p in points], [p[1] for p in points], s=14, edgecolors="black",
                 c=["#c0392b" if y < 0 else "#1f5fa8" for y in labels], linewidths=0.5)
    axes.set_title("decision boundary")
    figure.savefig(folder / "decision_boundary.png", dpi=120, bbox_inches="tight")
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(5, 3))
    axes.plot(range(1, len(losses) + 1), losses)
    axes.set(xlabel="epoch", ylabel="loss", title="training loss")
    figure.savefig(folder / "loss_curve.png", dpi=120, bbox_inches="tight")
    plt.close(figure)
    print(f"wrote {folder / 'decision_boundary.png'} and {folder / 'loss_curve.png'}")
