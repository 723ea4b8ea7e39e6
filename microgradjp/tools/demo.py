"""``microgradjp demo``: train an MLP on two moons, then draw what it learnt.

The main job of the command line: a trained network (accuracy printed), the training player
(one page: the decision boundary, the network and the loss curve epoch by epoch, and the worst
sample's graph, one neuron a box), one rendered graph (system Graphviz or the pip-installed
graphviz-pure) and, with matplotlib (the ``plot`` extra), the boundary and loss curve as PNG.
Each picture is written if it can be; the others still are.
"""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import cast

from .._files import write_atomically
from ..core.node import Value, no_grad
from ..core.recording import TrainingRecord
from ..errors import MicrogradError
from ..nn.data import two_moons
from ..nn.losses import l2_regularization, max_margin_loss
from ..nn.modules import MLP
from ..nn.optim import SGD
from ..nn.train import History, fit
from ..views import layout
from ..views.neurons import neuron_dot
from ..views.training import TrainingPlayer

__all__ = ["run"]


def run(folder: Path, *, epochs: int = 100, seed: int = 0) -> int:
    """Return 0 after training on 100 two-moons points and writing the pictures into ``folder``.

    ``training.html`` (the training player) and ``graph.svg`` need nothing beyond the package;
    a picture that cannot be written (no layout engine for the graph) is named with the reason
    and the fix after the others are written, and the status is then 3 (the command line's
    "output not written"). Without matplotlib the PNG plots are skipped with a note (the page
    draws the same boundary and curve): still 0.

    >>> import tempfile
    >>> run(Path(tempfile.mkdtemp()), epochs=2)  # doctest: +ELLIPSIS
    two moons: 100 points, MLP 2-16-16-1 (tanh), 2 epochs of full-batch gradient descent
    ...
    0
    """
    if folder.exists() and not folder.is_dir():  # found before training, not after
        raise NotADirectoryError(errno.ENOTDIR, "a file is there, not a folder (the demo "
                                 "writes its pictures into a folder)", str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    points, labels = two_moons(100, 0.1, seed=seed, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], activation="tanh", seed=seed)
    print(f"two moons: {len(points)} points, MLP 2-16-16-1 (tanh), {epochs} epochs of "
          "full-batch gradient descent")
    history = fit(model, points, labels, loss=max_margin_loss, epochs=epochs, accuracy="sign",
                  optimizer=SGD(model.parameters(), lr=0.5, momentum=0.9),
                  regularization=lambda: l2_regularization(model.parameters(), 1e-4),
                  record=True)  # every 5th epoch of an eager run: about 10% more time
    print(f"final loss {history.loss[-1]:.4f}, training accuracy {history.accuracy[-1]:.0%}")
    worst, root = _worst_sample(model, points, labels)
    model.zero_grad()  # the drawing's boxes show .grad: only this sample's
    missing = _draw_graph(root, worst, folder)
    _write_player(history, root, worst, folder)
    missing += _draw_plots(model, points, labels, history.loss, folder)
    for name, why in missing:
        print(f"could not write {folder / name}: {why}", file=sys.stderr)
    return 3 if missing else 0  # the command line's status for "the output could not be written"


def _worst_sample(model: MLP, points: list[list[float]], labels: list[int]) -> tuple[int, Value]:
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
    return worst, root


def _draw_graph(root: Value, worst: int, folder: Path) -> list[tuple[str, str]]:
    root.backward()
    path = folder / "graph.svg"
    try:  # the whole network, one neuron a box: element by element it is 2871 x 23066 pt
        write_atomically(path, layout.pipe(neuron_dot(root).source, "svg"), make_folders=True)
    except MicrogradError as failure:
        return [(path.name, str(failure))]
    print(f"wrote {path} (sample {worst}'s {root.label}, {root.data:.4g}, through the whole "
          "network, one neuron a box: what flows back on every edge)")
    return []


def _write_player(history: History, root: Value, worst: int, folder: Path) -> None:
    path = folder / "training.html"
    note = (f"Sample {worst}, the one the trained model gets most wrong: its {root.label} "
            f"after the last epoch. / 学習後のモデルが最も間違えるサンプル "
            f"{worst} の最後のエポック後の {root.label}。")
    try:
        player = TrainingPlayer(cast(TrainingRecord, history.record), sample=root, note=note)
        extra = f", and sample {worst}'s graph, one neuron a box"
    except MicrogradError as failure:  # no layout engine: the page still plays, without a tab
        player = TrainingPlayer(cast(TrainingRecord, history.record))
        extra = f" (no tab for sample {worst}'s graph: {failure})"
    player.save(path)
    print(f"wrote {path} (open it in a browser: the boundary, the network and the loss curve, "
          f"epoch by epoch{extra})")


def _draw_plots(model: MLP, points: list[list[float]], labels: list[int], losses: list[float],
                folder: Path) -> list[tuple[str, str]]:
    try:
        import matplotlib
    except ImportError:  # an extra, not a failure: training.html draws the same two
        print("skipped decision_boundary.png and loss_curve.png: PNG plots need matplotlib "
              "(pip install 'microgradjp[plot]'); training.html draws both")
        return []
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
