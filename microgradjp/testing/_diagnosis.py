"""Naming the likely mistake in a hand-written backward, in English and Japanese.

`diagnose` compares one parameter's gradient with the truth and says what kind of wrong it is
(shape, transposed, sign, factor, zero, nonzero, values); `cause` looks across parameters (an
error entering at a layer, one at the output, the 1e-7 inside a log). Computing is elsewhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ._points import Shape

AllClose = Callable[[Sequence[float], Sequence[float]], bool]

# Each kind's words, English then Japanese; {f} is the factor, {k} the N it suggests.
KINDS: dict[str, tuple[str, str]] = {
    "missing": ("grads returned no gradient for it", "grads の結果にこのパラメータがありません"),
    "shape": ("wrong shape", "形が違います"),
    "transposed": ("transposed: yours is the truth's transpose (np.dot(a.T, b) written as "
                   "np.dot(b.T, a)?)", "転置になっています (np.dot(a.T, b) と np.dot(b.T, a) の"
                   "取り違え?)"),
    "sign": ("opposite sign everywhere (d - y where y - d is meant?)",
             "すべての要素で符号が逆です (y - d と d - y の取り違え?)"),
    "factor": ("off by a constant factor {f:.6g} everywhere",
               "すべての要素が定数 {f:.6g} 倍ずれています"),
    "zero": ("0 where the truth is not (a derivative that is 0 too often?)",
             "正しい勾配が 0 でない所で 0 になっています (微分が 0 になりすぎ?)"),
    "nonzero": ("gradient where the truth is 0 (a ReLU derivative that lets u <= 0 through?)",
                "正しい勾配が 0 の所で 0 でない値です (ReLU の微分が u <= 0 でも 0 でない?)"),
    "values": ("values differ", "値が違います"),
    "still": ("your loss does not move at all when it moves (it never reads this array?), so its "
              "true gradient is 0 and yours is not",
              "このパラメータを動かしても loss はまったく変わりません (この配列を読んでいない?)。"
              "正しい勾配は 0 ですが、あなたの値は 0 ではありません"),
}


@dataclass(frozen=True)
class Finding:
    """One parameter whose gradient is wrong: what kind of wrong, and its worst entry."""

    parameter: str
    kind: str  # a key of KINDS
    entry: tuple[int, ...] | None = None  # the worst entry's index (None: no entry to compare)
    theirs: float | None = None
    truth: float | None = None
    theirs_shape: Shape | None = None
    truth_shape: Shape = ()
    factor: float | None = None
    hint: tuple[str, str] = ("", "")  # a shape mistake's likely fix, English and Japanese

    def words(self, japanese: bool = False) -> str:
        """Return this finding as one line of the error message."""
        text = KINDS[self.kind][japanese].format(f=self.factor or 0.0)
        if self.kind == "factor" and self.factor:
            text += _batch_words(self.factor, japanese)
        if self.kind == "shape":
            text += (f": 形が {self.theirs_shape} ですが、{self.parameter} は {self.truth_shape}"
                     if japanese else f": {self.theirs_shape}, but {self.parameter} has shape "
                     f"{self.truth_shape}")
        if self.hint[japanese]:
            text += f" ({self.hint[japanese]})"
        if self.entry is not None:
            where = f"{self.parameter}{list(self.entry)}" if self.entry else self.parameter
            text += (f"。最も違う要素 {where}: あなたの値 {self.theirs!r}、正しい値 {self.truth!r}"
                     if japanese else f"; worst entry {where}: yours {self.theirs!r}, "
                     f"truth {self.truth!r}")
        return f"{self.parameter}: {text}"


def _batch_words(factor: float, japanese: bool) -> str:
    for k, missing in ((round(factor), True), (round(1 / factor), False)):
        # within rtol's reach of a whole number (the 1e-7 in a log moves it), and a batch's size
        if 2 <= k <= 100_000 and math.isclose(factor if missing else 1 / factor, k, rel_tol=1e-4):
            if missing:
                return f" (1/N の付け忘れ? N = {k})" if japanese else f" (a missing 1/N, N = {k}?)"
            return f" (余分な 1/N? N = {k})" if japanese else f" (an extra 1/N, N = {k}?)"
    return ""


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def _transpose(flat: Sequence[float], shape: Shape) -> list[float]:
    rows, columns = shape
    return [flat[i * columns + j] for j in range(columns) for i in range(rows)]


def _index(i: int, shape: Shape) -> tuple[int, ...]:
    index = []
    for length in reversed(shape):
        i, rest = divmod(i, length)
        index.append(rest)
    return tuple(reversed(index))


def diagnose(name: str, theirs_shape: Shape, theirs: Sequence[float], shape: Shape,
             truth: Sequence[float], atol: float, rtol: float) -> Finding | None:
    """Return what is wrong with one parameter's gradient, or None when every entry agrees."""

    def all_close(xs: Sequence[float], ys: Sequence[float]) -> bool:
        return all(_close(x, y, atol, rtol) for x, y in zip(xs, ys, strict=True))

    if theirs_shape != shape:
        return _wrong_shape(name, theirs_shape, theirs, shape, truth, all_close)
    bad = [i for i, (t, g) in enumerate(zip(theirs, truth, strict=True))
           if not _close(t, g, atol, rtol)]
    if not bad:
        return None
    worst = max(bad, key=lambda i: abs(theirs[i] - truth[i]))
    found = Finding(name, "values", _index(worst, shape), theirs[worst], truth[worst],
                    theirs_shape, shape)
    if len(shape) == 2 and shape[0] == shape[1] and all_close(_transpose(theirs, shape), truth):
        return replace(found, kind="transposed")
    if all_close([-t for t in theirs], truth):
        return replace(found, kind="sign")
    factor = _factor(theirs, truth)
    if factor is not None and all_close(theirs, [factor * g for g in truth]):
        return replace(found, kind="factor", factor=factor)
    if all(abs(theirs[i]) <= atol for i in bad):
        return replace(found, kind="zero")
    if all(abs(truth[i]) <= atol for i in bad):
        return replace(found, kind="nonzero")
    return found


def _factor(theirs: Sequence[float], truth: Sequence[float]) -> float | None:
    # The least-squares c in theirs = c * truth; a single entry always has one, so there it
    # counts only when c is a whole number or its reciprocal (2, 1/4): a 1/N, not a guess.
    norm = sum(g * g for g in truth)
    if not norm:
        return None
    c = sum(t * g for t, g in zip(theirs, truth, strict=True)) / norm
    if c == 0 or math.isclose(c, 1.0) or math.isclose(c, -1.0):
        return None
    if sum(1 for g in truth if g) < 2 and not any(
            k >= 2 and math.isclose(x, k, rel_tol=1e-6)
            for x in (abs(c), 1 / abs(c)) for k in (round(x),)):
        return None
    return c


def _wrong_shape(name: str, theirs_shape: Shape, theirs: Sequence[float], shape: Shape,
                 truth: Sequence[float], close: AllClose) -> Finding:
    found = Finding(name, "shape", theirs_shape=theirs_shape, truth_shape=shape)
    if theirs_shape[1:] == shape and close(_summed(theirs, len(truth)), truth):
        return replace(found, hint=("one row per sample: sum them, np.sum(..., axis=0)",
                                     "サンプルごとの行を足す: np.sum(..., axis=0)"))
    if len(theirs) == len(truth):
        if (len(shape) == 2 and theirs_shape == shape[::-1]
                and close(_transpose(theirs, theirs_shape), truth)):
            return replace(found, kind="transposed")
        if close(theirs, truth):
            return replace(found, hint=(f"the right numbers: .reshape({shape})",
                                         f"数は正しいので .reshape({shape})"))
    return found


def _summed(flat: Sequence[float], size: int) -> list[float]:
    return [math.fsum(flat[i::size]) for i in range(size)]


def layer_of(name: str) -> int | None:
    """Return the layer number a parameter's name ends with (W1 -> 1, layer2.weight -> 2).

    >>> layer_of("W2"), layer_of("b10"), layer_of("W")
    (2, 10, None)
    """
    digits = re.findall(r"\d+", name)
    return int(digits[-1]) if digits else None


@dataclass(frozen=True)
class Cause:
    """What the wrong parameters have in common: where the mistake most likely is."""

    kind: str  # "layer", "output", "log_epsilon" or "still"
    english: str
    japanese: str
    layer: int | None = None


def cause(findings: Sequence[Finding], names: Sequence[str]) -> Cause | None:
    """Return the mistake that explains every wrong parameter together, if there is one."""
    wrong = {f.parameter for f in findings}
    still = sorted(f.parameter for f in findings if f.kind == "still")
    if still:
        return Cause(
            "still", f"your loss never moves when {', '.join(still)} move, so the check cannot "
            "see your backward there (not a mistake of it): does your loss read the very arrays "
            "in params? Layers keeping their own W and b (Affine(W, b)) see params' arrays only "
            "while those stay the same objects: W -= lr * dW keeps them, W = W - lr * dW or "
            "params['W1'] = ... replaces them, and so do copies",
            f"{'、'.join(still)} を動かしても loss が変わらないので、そこはあなたの backward を"
            "確かめられません (backward の誤りではありません)。loss は params の配列そのものを"
            "読んでいますか? 自分の W と b を持つレイヤ (Affine(W, b)) が params の配列を見るのは"
            "同じオブジェクトである間だけです: W -= lr * dW はそのまま、W = W - lr * dW や "
            "params['W1'] = ... やコピーは別の配列になります")
    kind, factor = findings[0].kind, findings[0].factor or 0.0
    alike = all(f.kind == kind and math.isclose(f.factor or 0.0, factor, rel_tol=1e-3)
                for f in findings)  # one factor, up to the 1e-7 in a log (a share per sample)
    if wrong == set(names) and len(names) > 1 and alike:
        if kind == "sign":
            return Cause("output", "every gradient has the opposite sign, so the mistake is "
                         "where they all start: the delta at the output (y - d, not d - y)",
                         "すべての勾配の符号が逆なので、誤りはすべての出発点、出力層のデルタ"
                         "です (d - y ではなく y - d)")
        if kind == "factor":
            return Cause("output", f"every gradient is off by the same factor {factor:.6g}, so "
                         "the mistake is where they all start: the delta at the output (its 1/N, "
                         "or the 1/2 of the squared error)",
                         f"すべての勾配が同じ {factor:.6g} 倍ずれているので、誤りはすべての出発点、"
                         "出力層のデルタです (1/N や二乗誤差の 1/2)")
    layers = {name: layer_of(name) for name in names}
    if any(f.kind in ("missing", "shape", "transposed") for f in findings) or None in \
            layers.values() or len(set(layers.values())) < 2:
        return None
    k = max(layers[name] or 0 for name in wrong)
    below = {name for name in names if (layers[name] or 0) <= k}
    if wrong != below or k == max(layer or 0 for layer in layers.values()):
        return None
    above = sorted(set(names) - below)
    upper = min(layers[name] or 0 for name in above)
    return Cause(
        "layer",
        f"the error enters between layers {k} and {upper}: {', '.join(sorted(wrong))} wrong, "
        f"{', '.join(above)} right; check the activation's derivative between layers {k} and "
        f"{upper} (delta{k} = np.dot(delta{upper}, W{upper}.T) * f'(u{k}): is f' the derivative "
        "of the activation the forward uses?)",
        f"誤差は層 {k} と層 {upper} の間で入り込んでいます ({'、'.join(sorted(wrong))} が違い、"
        f"{'、'.join(above)} は正しい)。層 {k} と {upper} の間の活性化関数の微分を確認してください "
        f"(delta{k} = np.dot(delta{upper}, W{upper}.T) * f'(u{k}): f' は順伝播で使った活性化関数の"
        "微分ですか?)", layer=k)


def log_epsilon(constant: float, share: float, probability: float) -> Cause:
    """Return the cause "the small constant inside a log": its size here, and what to do."""
    return Cause(
        "log_epsilon",
        f"this is the {constant:g} inside the log: your loss computes log(y + {constant:g}), "
        f"while y - d is the gradient of log(y) without it; the two differ by the factor "
        f"y / (y + {constant:g}), here by up to {share:.2g}, because a probability is as small "
        f"as {probability:.2g} (at ordinary points, y above 1e-3, the difference is below "
        f"1e-4 and the default rtol accepts it); check at another point, raise rtol above "
        f"{share:.2g}, or leave the constant out while checking",
        f"これは log の中の {constant:g} です: loss は log(y + {constant:g}) を計算しますが、"
        f"y - d はそれを含まない log(y) の勾配です。両者は y / (y + {constant:g}) 倍違い、"
        f"ここでは確率が {probability:.2g} と小さいため最大 {share:.2g} 違います (普通の点、"
        f"y が 1e-3 以上なら差は 1e-4 未満で、既定の rtol で通ります)。別の点で確かめるか、"
        f"rtol を {share:.2g} より大きくするか、確かめる間は定数を外してください")
