"""Write the notebooks: five short lessons, in English (en/) and Japanese (ja/), from this file.

One source: each lesson is a list of cells, and every code cell is the same in both languages;
only the prose differs. The notebooks are kept without outputs (tests/test_notebooks.py runs
them, top to bottom, in CI). Run after editing a lesson:

    python notebooks/make.py          # writes notebooks/en/*.ipynb and notebooks/ja/*.ipynb
    python notebooks/make.py --check  # exits 1 if a written notebook differs from this file

Each notebook opens with a cell that installs microgradjp when it is missing (Colab, a fresh
Jupyter), and with an "Open in Colab" link once the project has a public home: the link is built
from ``[project.urls] Repository`` in pyproject.toml, the one place that home is written.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import nbformat

HERE = Path(__file__).parent
LANGUAGES = ("en", "ja")

INSTALL = """\
# Colab or a fresh Jupyter: install microgradjp if this Python lacks it.
import importlib.util, subprocess, sys
if importlib.util.find_spec("microgradjp") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "microgradjp"], check=True)"""

# (kind, text): "md" cells hold (English, Japanese), "code" cells one source for both.
Cell = tuple[str, str | tuple[str, str]]

APPLE: list[Cell] = [
    ("md", ("# 1. The apple graph: forward, then backward\n\n"
            "Buying 2 apples at 100 yen each, with 10% consumption tax. Each `Value` records "
            "where it came from; ending a cell with a value draws its computation graph.",
            "# 1. りんごの計算グラフ: 順伝播と逆伝播\n\n"
            "100 円のりんごを 2 個、消費税 10% で買います。`Value` は自分がどこから来たかを"
            "覚えています。セルの最後に値を書くと、その計算グラフが描かれます。")),
    ("code", 'from microgradjp import Value\n\n'
             'apple = Value(100, label="りんご")\n'
             'count = Value(2, label="個数")\n'
             'tax = Value(1.1, label="消費税")\n'
             'price = (apple * count * tax).named("支払金額")\n'
             'price'),
    ("md", ("No gradient yet: the arrows show where `backward()` will send them. "
            "Work them out first, then run the next cell.",
            "まだ勾配はありません。矢印は `backward()` が勾配を送る道を示しています。"
            "先に自分で求めてから、次のセルを実行しましょう。")),
    ("code", "price.backward()\n"
             "print(apple.grad, count.grad, tax.grad)\n"
             "price"),
]

PERCEPTRON: list[Cell] = [
    ("md", ("# 2. A perceptron learns AND\n\n"
            "A step neuron and Rosenblatt's rule: `w += lr (t - y) x`. No gradients; the weights "
            "move only on mistakes.",
            "# 2. パーセプトロンで AND を学ぶ\n\n"
            "ステップ関数のニューロンと、ローゼンブラットの学習則 `w += lr (t - y) x`。"
            "勾配は使わず、間違えたときだけ重みが動きます。")),
    ("code", 'from microgradjp.data import truth_table\n'
             'from microgradjp.nn import Neuron\n'
             'from microgradjp.train import train_perceptron\n\n'
             'inputs, targets = truth_table("AND")\n'
             'neuron = Neuron(2, activation="step", init="zeros")\n'
             'mistakes = train_perceptron(neuron, inputs, targets, lr=0.1, epochs=20)\n'
             'print("mistakes per epoch:", mistakes)\n'
             'print("outputs:", [neuron(x).data for x in inputs], "targets:", targets)'),
    ("md", ("XOR has no line between its classes, so the same rule never stops making mistakes:",
            "XOR は 1 本の直線では分けられないので、同じ学習則はいつまでも間違え続けます。")),
    ("code", 'inputs, targets = truth_table("XOR")\n'
             'neuron = Neuron(2, activation="step", init="zeros")\n'
             'mistakes = train_perceptron(neuron, inputs, targets, lr=0.1, epochs=20)\n'
             'print(len(mistakes), "epochs, mistakes in the last:", mistakes[-1])'),
]

PLAYER: list[Cell] = [
    ("md", ("# 3. Watching backward step by step\n\n"
            "The player steps through the forward pass and then the backward pass, one edge at "
            "a time: upstream gradient times local derivative. Use the buttons or the arrow "
            "keys.",
            "# 3. 逆伝播を 1 ステップずつ見る\n\n"
            "プレーヤーは順伝播、続いて逆伝播を 1 辺ずつ進みます。上流の勾配 × 局所的な微分。"
            "ボタンか矢印キーで操作します。")),
    ("code", 'from microgradjp import Value\n'
             'from microgradjp.player import Player\n\n'
             'x, y, z = Value(-2, label="x"), Value(5, label="y"), Value(-4, label="z")\n'
             'f = ((x + y).named("q") * z).named("f")\n'
             'player = Player(f)\n'
             'player'),
    ("md", ("Each frame has a caption in English and Japanese:",
            "各コマには英語と日本語の説明があります。")),
    ("code", "for frame in player.frames[-3:]:\n"
             "    print(frame.caption)\n"
             "    print(frame.caption_ja)"),
]

TRAINING: list[Cell] = [
    ("md", ("# 4. An MLP learns two moons\n\n"
            "A 2-8-8-1 network with tanh hidden layers, trained with a max-margin loss. "
            "`record=True` keeps the run; ending the cell with the history plays it.",
            "# 4. MLP で 2 つの月を分ける\n\n"
            "隠れ層が tanh の 2-8-8-1 ネットワークを、マージン最大化の損失で学習します。"
            "`record=True` で学習の様子を記録し、セルの最後に history を書くと再生できます。")),
    ("code", 'from microgradjp.data import two_moons\n'
             'from microgradjp.losses import max_margin_loss\n'
             'from microgradjp.nn import MLP\n'
             'from microgradjp.optim import SGD\n'
             'from microgradjp.train import fit\n\n'
             'points, labels = two_moons(40, 0.1, seed=0, labels=(-1, 1))\n'
             'model = MLP(2, [8, 8, 1], activation="tanh", seed=0)\n'
             'history = fit(model, points, labels, loss=max_margin_loss, epochs=30,\n'
             '              optimizer=SGD(model.parameters(), lr=0.5, momentum=0.9),\n'
             '              accuracy="sign", record=True)\n'
             'history'),
    ("code", 'print(f"loss {history.loss[0]:.3f} -> {history.loss[-1]:.4f}, "\n'
             '      f"accuracy {history.accuracy[-1]:.0%}")'),
]

CHECK: list[Cell] = [
    ("md", ("# 5. Checking your own backprop\n\n"
            "Write the gradient of one neuron's squared error by hand, then let `check_backprop` "
            "compare it with the exact gradient of your own loss function.",
            "# 5. 自分で書いた逆伝播を確かめる\n\n"
            "1 つのニューロンの二乗誤差の勾配を手で書き、`check_backprop` に自分の損失関数の"
            "正確な勾配と比べてもらいます。")),
    ("code", 'from microgradjp.testing import BackpropError, check_backprop\n\n'
             'params = {"w": 0.5, "b": 0.1}\n\n'
             'def loss(params, x, t):\n'
             '    return (params["w"] * x + params["b"] - t) ** 2\n\n'
             'def grads(params, x, t):\n'
             '    y = params["w"] * x + params["b"]\n'
             '    return {"w": 2 * (y - t) * x, "b": 2 * (y - t)}\n\n'
             'check_backprop(loss, grads, params, 2.0, 3.0, trials=20)'),
    ("md", ("Forget the 2 of the squared error, and the check says so, and where:",
            "二乗誤差の 2 を忘れると、チェックがそう言い、どこが違うかも教えてくれます。")),
    ("code", 'def grads(params, x, t):\n'
             '    y = params["w"] * x + params["b"]\n'
             '    return {"w": (y - t) * x, "b": y - t}\n\n'
             'try:\n'
             '    check_backprop(loss, grads, params, 2.0, 3.0)\n'
             'except BackpropError as error:\n'
             '    print(error)'),
]

LESSONS = {"01_apple_graph": APPLE, "02_perceptron_and": PERCEPTRON,
           "03_step_through_backward": PLAYER, "04_mlp_training_player": TRAINING,
           "05_check_your_backprop": CHECK}


def home() -> str | None:
    """Return the project's public repository URL, from pyproject.toml (None until it has one)."""
    project = tomllib.loads((HERE.parent / "pyproject.toml").read_text("utf-8"))["project"]
    url: str | None = project.get("urls", {}).get("Repository")
    return url


def notebook(name: str, cells: list[Cell], language: str) -> nbformat.NotebookNode:
    """Return lesson ``name`` as a notebook in ``language``."""
    book = nbformat.v4.new_notebook()
    book.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"},
                     "language_info": {"name": "python"}}
    index = LANGUAGES.index(language)
    repository = home()
    if repository and repository.startswith("https://github.com/"):
        path = repository.removeprefix("https://github.com/")
        link = (f"https://colab.research.google.com/github/{path}/blob/main/notebooks/"
                f"{language}/{name}.ipynb")
        book.cells.append(nbformat.v4.new_markdown_cell(f"[Open in Colab]({link})"))
    book.cells.append(nbformat.v4.new_code_cell(INSTALL))
    for kind, text in cells:
        if kind == "md":
            book.cells.append(nbformat.v4.new_markdown_cell(text[index]))
        else:
            book.cells.append(nbformat.v4.new_code_cell(text))
    for k, cell in enumerate(book.cells):  # stable ids: the files change only with the text
        cell.id = f"{name[:2]}-{language}-{k}"
    return book


def written() -> dict[Path, str]:
    """Return every notebook's path and text."""
    return {HERE / language / f"{name}.ipynb": nbformat.writes(notebook(name, cells, language))
            + "\n" for language in LANGUAGES for name, cells in LESSONS.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    stale = []
    for path, text in written().items():
        if parser.parse_args().check:
            if not path.is_file() or path.read_text("utf-8") != text:
                stale.append(path)
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, "utf-8")
    for path in stale:
        print(f"{path} differs from notebooks/make.py: run python notebooks/make.py")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
