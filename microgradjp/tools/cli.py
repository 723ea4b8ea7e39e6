"""The ``microgradjp`` command: ``demo``, ``graph``, ``gradcheck`` and ``steps "EXPR" --at ...``.

Expressions go through our own grammar (`expr`), never ``eval``, and are parsed before ``--at`` is
read. Exit statuses, each failure told in one message on stderr, never a traceback: 0 done; 1 the
gradient check found a mismatch; 2 bad input (an expression outside the grammar, shown with a
caret; an ``--at`` that is malformed, not finite, or misses or adds a variable; a point where the
expression or its derivative is undefined); 3 the output could not be written (a folder that is
not writable, an impossible path, an unknown picture format, no Graphviz or Pillow).
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from ..core.functional import value_and_grad
from ..core.node import Value
from ..errors import MicrogradError, message
from ..testing import GradcheckError, KinkWarning, gradcheck, numerical_grad
from ..views.text import number_text
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
    demo.add_argument("--epochs", type=int, default=100)
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
    try:
        if args.command == "demo":
            from .demo import run  # imports matplotlib and the nn stack only when asked

            with _writing(args.output):  # the folder itself may not be creatable
                return run(Path(args.output), epochs=args.epochs, seed=args.seed)
        point = _parse_at(args.at, args.expression)
        if args.command == "graph":
            return _graph(args.expression, point, args.output)
        if args.command == "steps":
            return _steps(args.expression, point, Path(args.output))
        return _gradcheck(args.expression, point)
    except _OutputError as error:
        print(f"microgradjp {args.command}: {error}", file=sys.stderr)
        return OUTPUT_FAILED
    except MicrogradError as error:  # the expression, --at, or a point outside a domain
        print(f"microgradjp {args.command}: {error}", file=sys.stderr)
        return BAD_INPUT


BAD_INPUT, OUTPUT_FAILED = 2, 3  # 1 is kept for "the gradient check found a mismatch"


def _clip(text: str, limit: int = 60) -> str:
    # A message quotes what the user typed, but not all of a megabyte pasted by mistake.
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


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
    missing = [name for name in names if name not in point]
    if missing:
        raise _AtError(f"no value for {', '.join(missing)}; add --at "
                       + ",".join(f"{name}=..." for name in missing))
    unused = [name for name in point if name not in names]
    if unused:  # a typo in the expression or in --at; a silent d/dq 0 would hide it
        raise _AtError(message(
            f"--at {_clip(text)}", f"the expression does not use {', '.join(unused)} (it uses "
            f"{', '.join(names) or 'no variables'})", "remove it from --at or fix the expression"))
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
