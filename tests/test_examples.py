"""Every script in examples/ runs, exits 0 and prints the seed numbers it reproduces (issue #7).

Each example is copied into a temporary folder and run there, so its pictures land in that
folder's output/ and the repository stays untouched. A new example needs an entry in EXPECTED.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs scripts, demos or benchmarks in subprocesses

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))
USES_MATPLOTLIB = [path for path in EXAMPLES if "import matplotlib" in path.read_text("utf-8")]

# `import matplotlib` raises ImportError when sys.modules holds None for it: the example then
# sees what a user without the `plot` extra sees.
WITHOUT_MATPLOTLIB = (
    "import runpy, sys\n"
    "sys.modules['matplotlib'] = None\n"
    "runpy.run_path(sys.argv[1], run_name='__main__')\n"
)


def seed_ours(label: str, numbers: str) -> str:
    """Return the line an example prints as `label  seed <numbers>` over `ours <numbers>`."""
    return f"{label} seed {numbers} ours {numbers}"


# Fragments of each example's stdout, whitespace collapsed to single spaces (see `normalised`).
# Where an example prints the seed's number beside its own, the fragment holds both, so it fails
# when our number changes even though the seed's is a literal in the script. Full reprs that go
# through exp or log are pinned to 12 digits: their last digit belongs to the platform's libm.
EXPECTED = {
    "01_apple_price.py": [
        "price 220 220", "d/d apple 2.2 2.2", "d/d count 110 110", "d/d tax 200 200",
        "leaf value grad りんご 100 2.2 個数 2 110 消費税 1.1 200",
    ],
    "02_backward_patterns.py": [
        "f -12 -12", "df/dx, dy, dz -4, -4, 3 -4, -4, 3",
        "add distributes both get the upstream 2, 2 2, 2",
        "mul swaps each gets the other * 2 -2, 6 -2, 6",
        "max routes all to the larger input 2, 0 2, 0",
        "relu at 3.0: seed 2, ours 2", "relu at -1.0: seed 0, ours 0",
        "chain rule at x = 2: 2u(2x + 3) = 154, ours 154",
    ],
    "03_forward_propagation.py": [
        "u = xW + b (総入力) [1.3] [1.3]", "z = relu(u) (中間層出力) [1.3] [1.3]",
        seed_ours("u", "[1.4, 2.2, 3.0]"),
        seed_ours("sigmoid(u)", "[0.80218389, 0.90024951, 0.95257413]"),
        "exp(a)/sum exp(a): OverflowError ours: [0.9999546, 4.54e-05, 0.0]",
    ],
    "04_networks.py": [
        "z1 = relu(x W1 + b1) seed [0.6, 1.3, 2.0] ours [0.6, 1.3, 2.0]",
        seed_ours("u2", "[1.02, 2.29, 3.56, 4.83]"),
        seed_ours("softmax", "[0.01602796, 0.05707321, 0.20322929, 0.72366954]") + " sum 1 ",
        "ours 0.323420431544", "-log(y3 + 1e-7) here: 0.323420293360",
        "y seed [1.02, 2.29] ours [1.02, 2.29]",
        "MSE / 2 seed 0.9711249999999999 ours 0.9711249999999999",
        "y = u3 seed [1.56, 3.222] ours [1.56, 3.222]",
        "u2 seed [1.94] ours [1.94]", "sigmoid seed [0.87435214] ours [0.87435214]",
        "ours 0.134272074307",
    ],
    "05_backprop_one_step.py": [
        seed_ours("u1", "[1.2, 2.5, 3.8]"), seed_ours("u2", "[1.86, 4.21]"),
        seed_ours("y", "[0.08706577, 0.91293423]"),
        seed_ours("dE/du2", "[0.08706577, -0.08706577]"),
        seed_ours("dE/du1", "[-0.02611973, -0.02611973, -0.02611973]"),
        seed_ours("dE/dW1", "[[-0.02611973, -0.02611973, -0.02611973], "
                            "[-0.13059866, -0.13059866, -0.13059866]]"),
        seed_ours("dE/dW2", "[[0.10447893, -0.10447893], [0.21766443, -0.21766443], "
                            "[0.33084994, -0.33084994]]"),
        seed_ours("dE/db1", "[-0.02611973, -0.02611973, -0.02611973]"),
        seed_ours("dE/db2", "[0.08706577, -0.08706577]"),
        seed_ours("W1", "[[0.1002612, 0.3002612, 0.5002612], "
                        "[0.20130599, 0.40130599, 0.60130599]]"),
        seed_ours("W2", "[[0.09895521, 0.40104479], [0.19782336, 0.50217664], "
                        "[0.2966915, 0.6033085]]"),
        seed_ours("b1", "[0.1002612, 0.2002612, 0.3002612]"),
        seed_ours("b2", "[0.09912934, 0.20087066]"),
    ],
    "06_perceptron.py": [
        " AND learnt 6 epochs [1, 3, 3, 2, 1, 0] [0, 0, 0, 1] ([0, 0, 0, 1])",
        " OR learnt 4 epochs [1, 2, 1, 0] [0, 1, 1, 1] ([0, 1, 1, 1])",
        " NAND learnt 4 epochs [2, 3, 3, 0] [1, 1, 1, 0] ([1, 1, 1, 0])",
        " XOR NOT learnt 20 epochs [2, 3, 4, 4, 4, 4, ...] [1, 1, 0, 0] ([0, 1, 1, 0])",
        "XOR with a 2-4-1 tanh MLP: accuracy 100%, loss 0.707 -> 0.0009, "
        "outputs [0, 1, 1, 0] ([0, 1, 1, 0])",
        "epoch 0: E = 0.500000, A = [0.5, 0.5, 0.5, 0.5], dE/dW = [0.0, 0.0], "
        "dE/db = 0.250000",
        "epoch 1000: E = 0.005286, A = [0.0, 0.056, 0.056, 0.934], "
        "dE/dW = [-0.001171, -0.001171], dE/db = 0.001751",
        "AND learnt: True, outputs [0, 0, 0, 1], W = [5.479, 5.479], b = -8.312",
    ],
    "07_online_learning.py": [
        "mean loss, steps 1-100: 0.23959", "mean loss, steps 901-1000: 0.00016",
        "[0.2, 0.1] 0.8000 0.7881", "[0.5, 0.5] 2.5000 2.4924", "[0.9, 0.3] 3.3000 3.2870",
        "batch 200 10 0.25063", "stochastic 1 2000 0.00008", "mini-batch 20 100 0.03880",
    ],
    "08_svm_loss.py": [
        "cat cat 2.9 2.9", "car car 0.0 0.0", "frog frog 12.9 12.9",
        "mean L (CS231n rounds to 5.27) 5.2667",
        "dL/dW[0,1]: backward -0.1791587106, central difference -0.1791587107",
        "loss 1.6221 -> 1.1057, accuracy 52%",
    ],
    "09_two_moons.py": [
        "337 parameters",
        "epoch 1: loss 0.5273, accuracy 80%", "epoch 5: loss 0.2162, accuracy 92%",
        "epoch 10: loss 0.0960, accuracy 96%", "epoch 20: loss 0.0528, accuracy 99%",
        "epoch 30: loss 0.0496, accuracy 98%", "final accuracy 99% after",
    ],
    "10_property_test_your_function.py": [
        "numerical gradient of f(x) = x**2 at 3 -> 6.0 (exact: 6)",  # the step is 1e-6 * |x|
        "swish: 200 random points, first and second derivatives match central differences",
        "swish_wrong is caught",
        "gradient of argument 0 (value 1.5) is wrong: analytic 1.635148952387",
        "first node whose local derivative is wrong: swish_wrong(1.5), d/d input 0: "
        "analytic 0.817574476193",
    ],
    "11_step_through_backprop.py": [
        "apple: 8 frames, d/d りんご, 個数, 消費税 expected 2.2, 110, 200 ours 2.2, 110, 200",
        "xyz: 8 frames, d/d x, y, z expected -4, -4, 3 ours -4, -4, 3",
        "sigmoid_neuron: 24 frames, d/d w0, x0, w1, x1, w2 "
        "expected -0.1966, 0.3932, -0.3932, -0.5898, 0.1966 "
        "ours -0.1966, 0.3932, -0.3932, -0.5898, 0.1966",
        "mlp_neuron: 10 frames, d/d w[0], w[1], b, x[0], x[1] "
        "expected 2, 3, 1, 0.1, 0.2 ours 2, 3, 1, 0.1, 0.2",
    ],
    "12_check_your_backprop.py": [
        "dE/dW1 seed [[-0.02611973]*3, [-0.13059866]*3] ours [[-0.02611973, -0.02611973, "
        "-0.02611973], [-0.13059866, -0.13059866, -0.13059866]]",
        "dE/db2 seed [0.08706577, -0.08706577] ours [0.08706577, -0.08706577]",
        "check_backprop at the seed's point and 100 random draws: True",
        "log(y + 1e-7) against y - d here: a relative gap of 1.1e-07",
        "2 of 4 gradients disagree with the exact gradient of your loss; the error enters "
        "between layers 1 and 2: W1, b1 wrong, W2, b2 right; check the activation's derivative "
        "between layers 1 and 2",
        "W1: values differ; worst entry W1[1, 2]: yours -0.00279513529994",
        "truth -0.130598644355", "right: W2, b2",
        "層 1 と 2 の間の活性化関数の微分を確認してください", "正しい: W2、b2",
    ],
    # DeZero's printed numbers (steps 24-36, run with DeZero itself) beside ours, bit for bit;
    # tanh's derivatives to 13 decimals (d^3, d^4: numpy's tanh vs math.tanh in the last digit).
    "13_dezero_steps.py": [
        "24 goldstein dz/dx book -5376.0 ours -5376.0",
        "24 goldstein dz/dy book 8064.0 ours 8064.0",
        "27 d sin/dx book 0.7071067811865476 ours 0.7071067811865476",
        "27 d my_sin/dx book 0.7071032148228457 ours 0.7071032148228457",
        "28 rosenbrock x0 book 0.6837118569138317 ours 0.6837118569138317",
        "28 rosenbrock x1 book 0.4659526837427042 ours 0.4659526837427042",
        "29 newton, 10 iterations book 1.0 ours 1.0",
        "33 newton, all 10 iterates book 'same'",
        "34 sin, y', y'', y''' at 1 book [0.8414709848078965, 0.5403023058681398, "
        "-0.8414709848078965, -0.5403023058681398] ours [0.8414709848078965, "
        "0.5403023058681398, -0.8414709848078965, -0.5403023058681398]",
        "35 d^2 tanh(1) book -0.6397000084492 ours -0.6397000084492",
        "35 d^3 tanh(1) book 0.6216266807713 ours 0.6216266807713",
        "35 d^4 tanh(1) book 0.6650910447505 ours 0.6650910447505",
        "35 d^5 tanh(1) book -5.5568935584737 ours -5.5568935584737",
        "35 d^6 tanh(1) book 13.6240754413121 ours 13.6240754413121",
        "35 drew gx6 (svg) in", "35 drew gx6 (png) in",
        "36 x.grad book 100.0 ours 100.0",
    ],
}


def normalised(text: str) -> str:
    """Return text with every run of whitespace (newlines too) as one space, padded by one."""
    return " " + " ".join(text.split()) + " "


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Return a function that runs an example once (per matplotlib setting) in a fresh folder."""
    runs = {}

    def run_example(path, *, matplotlib=True):
        if (path.name, matplotlib) not in runs:
            folder = tmp_path_factory.mktemp(path.stem)
            script = shutil.copy(path, folder)
            command = [sys.executable, script] if matplotlib else [
                sys.executable, "-c", WITHOUT_MATPLOTLIB, script]
            result = subprocess.run(command, cwd=folder, capture_output=True, encoding="utf-8",
                                    env={**os.environ, "PYTHONIOENCODING": "utf-8"},
                                    timeout=120)
            runs[path.name, matplotlib] = folder, result
        return runs[path.name, matplotlib]

    return run_example


def missing_fragments(path, stdout):
    """Return the fragments of EXPECTED[path.name] that stdout lacks; fail on a missing entry."""
    if path.name not in EXPECTED:
        pytest.fail(f"{path.name} has no entry in EXPECTED: add the numbers it must print")
    out = normalised(stdout)
    return [fragment for fragment in EXPECTED[path.name] if fragment not in out]


def test_every_example_has_expected_numbers_and_no_entry_is_stale():
    assert sorted(EXPECTED) == [path.name for path in EXAMPLES]


def test_matplotlib_detection_finds_the_plotting_examples():
    assert {"03_forward_propagation.py", "09_two_moons.py"} <= {p.name for p in USES_MATPLOTLIB}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_exits_with_status_0(path, run):
    _, result = run(path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_prints_the_seed_numbers(path, run):
    _, result = run(path)
    assert missing_fragments(path, result.stdout) == [], result.stdout + result.stderr


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_writes_only_into_the_folder_it_names(path, run):
    folder, result = run(path)
    named = {Path(line) for line in re.findall(r"^wrote (.+)$", result.stdout, re.MULTILINE)}
    output = folder / "output"
    written = set(output.iterdir()) if output.exists() else set()
    assert named == written == ({output / path.stem} if named else set())
    assert all(any(picture_folder.iterdir()) for picture_folder in written)


@pytest.mark.parametrize("path", USES_MATPLOTLIB, ids=lambda path: path.stem)
def test_example_without_matplotlib_still_prints_its_numbers(path, run):
    folder, result = run(path, matplotlib=False)
    assert result.returncode == 0, result.stderr
    assert missing_fragments(path, result.stdout) == [], result.stdout + result.stderr
    assert "matplotlib is not installed: skipping the picture" in result.stdout
    assert not (folder / "output").exists()


@pytest.mark.parametrize(("name", "module", "said"), [
    ("10_property_test_your_function.py", "hypothesis",
     "This example needs Hypothesis: pip install 'microgradjp[testing]'"),
    ("12_check_your_backprop.py", "numpy", "This example needs numpy: pip install numpy"),
    ("13_dezero_steps.py", "numpy", "This example needs numpy: pip install numpy"),
])
def test_an_example_missing_its_package_says_what_to_install(name, module, said, tmp_path):
    # As in a plain pip install: the package the example needs is not there.
    code = (f"import runpy, sys\nsys.modules[{module!r}] = None\n"
            "runpy.run_path(sys.argv[1], run_name='__main__')\n")
    path = Path(__file__).parent.parent / "examples" / name
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120, check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == said
