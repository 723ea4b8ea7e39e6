"""The ``microgradjp`` command: ``demo``, ``graph``, ``gradcheck`` and ``steps "EXPR" --at ...``.

Expressions go through our own grammar (`expr`), never ``eval``, and are parsed before ``--at`` is
read. Exit statuses, each failure told in one message on stderr, never a traceback: 0 done; 1 the
gradient check found a mismatch; 2 bad input (an expression outside the grammar, shown with a
caret; an ``--at`` that is malformed, not finite, or misses or adds a variable; a point where the
expression or its derivative is undefined; ``demo --epochs 0``), checked before any work; 3 the
output could not be written (a folder that is not writable, an impossible path, an unknown
picture format, no Graphviz or Pillow; or standard output, a full disk or a closed pipe, after
the work is done, unless a failed check already said 1); 130 interrupted (Ctrl-C), the file
being written removed.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from importlib import metadata
from pathlib import Path
from typing import TextIO

from ..core.functional import value_and_grad
from ..core.node import Value
from ..errors import MicrogradError, message
from ..testing import GradcheckError, KinkWarning, gradcheck, numerical_grad
from ..views.text import number_text
from .expr import clip as _clip
from .expr import evaluate, variables

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Return the exit status of the command line (0 ok, 1 check failed, 2 bad input, 3 output).

    >>> main(["graph", "x * y", "--at", "x=3,y=4", "-o", "-"])
    value 12
    d/dx 4
    d/dy 3
    0
    """
    parser = argparse.ArgumentParser(prog="microgradjp", description="A scalar autograd engine "
                                     "to see and check backpropagation.")
    # The installed metadata's version, which the build reads from microgradjp/__init__.py (a
    # tool never imports the package root).
    parser.add_argument("--version", action="version",
                        version=f"microgradjp {metadata.version('microgradjp')}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="train a two-moons MLP; write pictures")
    demo.add_argument("--output", default="microgradjp-demo", help="folder for the pictures")
    demo.add_argument("--epochs", type=_positive, default=100, help="at least 1")
    demo.add_argument("--seed", type=int, default=0)
    for name, text in (("graph", "draw an expression's graph with its gradients"),
                       ("gradcheck", "compare an expression's gradient with central differences"),
                       ("steps", "step through the forward and backward pass in a browser")):
        command = commands.add_parser(name, help=text)
        command.add_argument("expression", help='e.g. "(x + y) * z" or "tanh(w * x + b)"; '
                             'write "- x" or "(-x)" for one that starts with a minus')
        command.add_argument("--at", default="", help="variable values, e.g. x=2,y=3: finite "
                             "numbers for every variable of the expression and no others "
                             "(anything else exits with status 2)")
        if name == "graph":
            command.add_argument("-o", "--output", default="graph.svg",
                                 help="picture to write (.svg .png .pdf .dot; - for none)")
        if name == "steps":
            command.add_argument("-o", "--output", default="steps.html",
                                 help="player to write (.html), or an animation (.gif .png)")
    args = parser.parse_args(argv)
    printed = _Printed(sys.stdout)
    try:
        with redirect_stdout(printed):
            status = _run(args)
            sys.stdout.flush()
        if printed.failure is not None:  # the work was done; what it printed was lost
            print(f"microgradjp {args.command}: could not write to standard output: "
                  f"{printed.failure}", file=sys.stderr)
            return status or OUTPUT_FAILED  # a failed check still says 1
        return status
    except _OutputError as error:
        print(f"microgradjp {args.command}: {error}", file=sys.stderr)
        return OUTPUT_FAILED
    except MicrogradError as error:  # the expression, --at, or a point outside a domain
        print(f"microgradjp {args.command}: {error}", file=sys.stderr)
        return BAD_INPUT
    except KeyboardInterrupt:
        print(f"microgradjp {args.command}: interrupted (Ctrl-C); no half-written file is left",
              file=sys.stderr)
        return INTERRUPTED


BAD_INPUT, OUTPUT_FAILED = 2, 3  # 1 is kept for "the gradient check found a mismatch"
INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from .demo import run  # imports matplotlib and the nn stack only when asked

        with _writing(args.output):  # the folder may not be creatable: found before training
            return run(Path(args.output), epochs=args.epochs, seed=args.seed)
    point = _parse_at(args.at, args.expression)
    if args.command == "graph":
        return _graph(args.expression, point, args.output)
    if args.command == "steps":
        return _steps(args.expression, point, Path(args.output))
    return _gradcheck(args.expression, point)


def _positive(text: str) -> int:
    # Checked as the options are read, so bad input exits 2 before any training.
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{_clip(text)!r} is not a whole number >= 1")
    return number


class _Printed(io.TextIOBase):
    """Standard output that keeps the work going when it cannot be written (a full disk, a
    closed pipe): the first failure is kept for one line at the end, the rest dropped."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.failure: str | None = None

    def write(self, text: str) -> int:
        self._guarded(self._stream.write, text)
        return len(text)

    def flush(self) -> None:
        self._guarded(self._stream.flush)

    def _guarded(self, call: Callable[..., object], *args: str) -> None:
        if self.failure is not None:
            return
        try:
            call(*args)
        except OSError as error:
            self.failure = error.strerror or str(error)
            self._discard()

    def _discard(self) -> None:
        # What is still buffered would fail again when Python flushes standard output at exit
        # (a second message, and status 120): point the descriptor at /dev/null instead.
        try:
            descriptor = self._stream.fileno()
        except (OSError, ValueError):  # not a real file (a test's captured output)
            return
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, descriptor)
        os.close(null)


class _AtError(MicrogradError, ValueError):
    """A malformed ``--at`` option."""


class _OutputError(MicrogradError, OSError):
    """The picture or page could not be written."""


@contextmanager
def _writing(output: str | Path) -> Iterator[None]:
    # Everything that goes wrong from here on is about the output: the path (a folder that is
    # read-only, a name too long, a NUL byte), its format, or the drawing tools.
    try:
        yield
    except OSError as error:
        why = error.strerror or str(error)
        if error.filename is not None and str(error.filename) != str(output):
            why += f" ({_clip(str(error.filename), 200)})"  # a folder on the way, say
        raise _OutputError(f"could not write {_clip(str(output), 200)}: {why}") from None
    except (MicrogradError, ValueError) as error:
        raise _OutputError(f"could not write {_clip(str(output), 200)}: {error}") from None


def _parse_at(text: str, expression: str) -> dict[str, float]:
    # The expression is parsed first: a syntax error or an unknown function is the first thing
    # to fix, and only a parsed expression knows its variables.
    names = variables(expression)
    point: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, equals, number = (part.strip() for part in item.partition("="))
        try:
            if not equals or not name.isidentifier():
                raise ValueError
            value = float(number)
        except ValueError:  # quoted short: an --at of megabytes is not echoed whole
            raise _AtError(message(f"--at {_clip(text)}", f"cannot read {_clip(item)!r}",
                                   "write name=number pairs separated by commas, e.g. --at "
                                   "x=2,y=-0.5")) from None
        if not math.isfinite(value):
            raise _AtError(message(f"--at {_clip(item)}", f"{_clip(name)} must be a finite "
                                   "number", f"give {_clip(name)} a number between -1.8e308 "
                                   "and 1.8e308"))
        if name in point:
            raise _AtError(message(f"--at {_clip(text)}", f"{_clip(name)} is given twice",
                                   "give it once"))
        point[name] = value
    missing = [_clip(name) for name in names if name not in point]
    if missing:
        raise _AtError(f"no value for {', '.join(missing)}; add --at "
                       + ",".join(f"{name}=..." for name in missing))
    unused = [_clip(name) for name in point if name not in names]
    if unused:  # a typo in the expression or in --at; a silent d/dq 0 would hide it
        raise _AtError(message(
            f"--at {_clip(text)}", f"the expression does not use {', '.join(unused)} (it uses "
            f"{_clip(', '.join(names) or 'no variables', 200)})",
            "remove it from --at or fix the expression"))
    return point


def _graph(expression: str, point: dict[str, float], output: str) -> int:
    leaves = {name: Value(x, label=name) for name, x in point.items()}
    result = evaluate(expression, leaves)
    result.backward()
    print(f"value {number_text(result.data, 10)}")
    for name, leaf in leaves.items():
        print(f"d/d{name} {number_text(leaf.grad, 10)}")
    if output != "-":
        with _writing(output):
            from ..views.drawing import render  # graphviz is imported only for a picture

            written = render(result, output)
        print(f"wrote {written}")
    return 0


def _steps(expression: str, point: dict[str, float], output: Path) -> int:
    result = evaluate(expression, {name: Value(x, label=name) for name, x in point.items()})
    with _writing(output):
        from ..views.player import Player  # graphviz is imported only when a player is asked for

        player = Player(result)
        animated = output.suffix.lower() in (".gif", ".png")
        written = player.save_animation(output) if animated else player.save(output)
    print(f"wrote {written} ({len(player.frames)} frames)")
    return 0


def _gradcheck(expression: str, point: dict[str, float]) -> int:
    names = variables(expression)

    def f(*xs: Value) -> Value:
        return evaluate(expression, dict(zip(names, xs, strict=True)))

    args = [point[name] for name in names]
    value, analytic = value_and_grad(f, argnums=tuple(range(len(names))))(*args)
    numeric = numerical_grad(f, *args)
    print(f"value {number_text(value, 10)}")
    print(f"{'':8} {'analytic':>18} {'numeric':>18} {'difference':>12}")
    for name, a, n in zip(names, analytic, numeric, strict=True):
        print(f"d/d{name:<5} {a:>18.10g} {n:>18.10g} {abs(a - n):>12.2g}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KinkWarning)
        try:
            gradcheck(f, *args)
        except GradcheckError as error:
            print(f"FAILED: {error}")
            return 1
    for warning in caught:
        print(f"not checked: {warning.message}")
    print("ok: the gradient matches central differences" if not caught else "")
    return 0
