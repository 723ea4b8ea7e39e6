"""The benchmark report: one run's results as Markdown tables, in English and Japanese.

run.py measures and hands this module a plain dict (also kept as benchmarks/results.json);
`render` turns it into the tables, `write_docs` puts them between the markers of the two
performance pages, so the pages' figures are always one real run's, never pasted by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from microgradjp._files import write_atomically  # the project's one atomic write

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path("benchmarks/results.json")
PAGES = {"en": Path("docs/performance.md"), "ja": Path("docs/ja/performance.md")}
BEGIN = "<!-- begin: written by `python benchmarks/run.py --write-docs`; do not edit by hand -->"
END = "<!-- end: written by benchmarks/run.py -->"

# The engines' names as the Japanese page prints them; the results keep the English keys.
JA_NAMES = {
    "hand-written floats": "手書きの float 計算",
    "microgradjp, elementary ops": "microgradjp(基本演算)",
    "microgradjp, fused neurons": "microgradjp(ニューロンを 1 ノードに)",
    "replay (fused graph)": "replay(同じグラフを再実行)",
    "floor, elementary ops": "floor(基本演算)",
    "freeing floor": "解放する floor",
    "freeing floor, elementary ops": "解放する floor(基本演算)",
    "micrograd, elementary ops": "micrograd(基本演算)",
}

TEXT = {
    "en": {
        "run": "Produced by `{command}` on Python {python}, {machine} ({processor}), {date}: "
               "{rounds} rounds, medians.",
        "chain": "**Chain** (mul, add, relu, exp, log, repeated; the same graph in every "
                 "engine), forward + backward + freeing, ns per op",
        "chain_head": "| ops | engine | forward | backward | free | total "
                      "| vs hand-written floats | vs micrograd |",
        "faster": "{:.1f}x faster",
        "times": "{}x",
        "mlp": "**MLP 2-16-16-1 (tanh) training step** on {points} two-moons points, "
               "max-margin loss + L2, ms per step",
        "mlp_head": "| engine (graph) | ms per step | vs hand-written floats | vs micrograd |",
        "depth": "**Deepest chain whose backward succeeds** (limit {limit:,}), default "
                 "recursion limit",
        "depth_head": "| engine | nodes |",
        "memory": "**Memory** with a {ops:,}-op chain alive, per op (everything the graph "
                  "holds, constants and the input included)",
        "memory_head": "| engine | bytes | GC-tracked objects | freeing / forward |",
        "floor": "**microgradjp's eager mode / the floor**, per workload and yardstick (time "
                 "ratios; the MLP step's forward is building the loss, its backward is "
                 "backward())",
        "floor_head": "| workload | divided by | forward | backward | total |",
        "fit": "**`fit` on two moons** (2-16-16-1 tanh, {points} points, max-margin loss, SGD, "
               "batch gradient descent, {epochs} epochs), ms for the whole run",
        "fit_head": "| fit | ms | speedup |",
        "fit_names": {"eager": "eager (`replay=False`)", "replayed": "replayed (the default)"},
        "summary": "In this run, on the chain, microgradjp's eager mode costs {floor} the "
                   "floor's time and {floats} hand-written floats', and is {micrograd} faster "
                   "than micrograd; its fused MLP step is {step} faster than micrograd's, "
                   "and replay's step takes {replay} hand-written floats' time.",
    },
    "ja": {
        "run": "`{command}` の実行結果です(Python {python}、{machine}({processor})、{date}、"
               "{rounds} 回の中央値)。",
        "chain": "**鎖**(mul・add・relu・exp・log の繰り返し。どのエンジンでも同じグラフ)、"
                 "順伝播 + 逆伝播 + 解放、1 演算あたりのナノ秒",
        "chain_head": "| 演算数 | エンジン | 順伝播 | 逆伝播 | 解放 | 合計 "
                      "| 手書きの float 計算との比 | micrograd との比 |",
        "faster": "{:.1f} 倍速い",
        "times": "{} 倍",
        "mlp": "**MLP 2-16-16-1(tanh)の学習 1 ステップ**(two moons の {points} 点、"
               "max-margin 損失 + L2)、1 ステップあたりのミリ秒",
        "mlp_head": "| エンジン(グラフ) | ミリ秒 / ステップ | 手書きの float 計算との比 "
                    "| micrograd との比 |",
        "depth": "**逆伝播できる最も長い鎖**(上限 {limit:,})、既定の再帰上限で",
        "depth_head": "| エンジン | ノード数 |",
        "memory": "**メモリ**({ops:,} 演算の鎖を保持したとき、1 演算あたり。"
                  "グラフが持つものすべて、定数と入力を含む)",
        "memory_head": "| エンジン | バイト | GC が追跡するオブジェクト | 解放 / 順伝播 |",
        "floor": "**microgradjp の eager モード / floor**(作業と物差しごとの時間の比。MLP の "
                 "1 ステップでは順伝播が損失を作るまで、逆伝播が backward())",
        "floor_head": "| 作業 | 割る物差し | 順伝播 | 逆伝播 | 合計 |",
        "fit": "**two moons での `fit`**(2-16-16-1 tanh、{points} 点、max-margin 損失、SGD、"
               "バッチ勾配降下、{epochs} エポック)、実行全体のミリ秒",
        "fit_head": "| fit | ミリ秒 | 速さ |",
        "fit_names": {"eager": "eager(`replay=False`)", "replayed": "replay(既定)"},
        "summary": "この実行では、鎖で microgradjp の eager モードは floor の {floor}、"
                   "手書きの float 計算の {floats}の時間がかかり、micrograd より {micrograd}"
                   "速く、ニューロンを 1 ノードにした MLP の 1 ステップは micrograd より {step}"
                   "速く、replay の 1 ステップは手書きの float 計算の {replay}の時間です。",
    },
}


def render(results: dict[str, Any], lang: str) -> str:
    """Return the report (Markdown tables and a generated summary) in 'en' or 'ja'."""
    text, name = TEXT[lang], (lambda n: JA_NAMES.get(n, n) if lang == "ja" else n)
    faster = text["faster"]
    lines = [text["run"].format(**results["run"]), "", text["chain"], "", text["chain_head"],
             "|---:|---|---:|---:|---:|---:|---:|---:|"]
    chain = results["chain"]
    for n_ops in sorted({row["ops"] for row in chain}):
        rows = {row["engine"]: row for row in chain if row["ops"] == n_ops}
        floats, base = rows["hand-written floats"]["total"], rows["micrograd"]["total"]
        for engine, row in rows.items():
            # Hand-written floats have no phases: three empty cells under forward, backward, free.
            parts = " | ".join("" if engine == "hand-written floats" else f"{row[k]:,.0f}"
                               for k in ("forward", "backward", "free"))
            lines.append(f"| {n_ops:,} | {name(engine)} | {parts} | {row['total']:,.0f} "
                         f"| {row['total'] / floats:.1f}x | {faster.format(base / row['total'])} |")
    mlp = results["mlp"]
    lines += ["", text["mlp"].format(points=mlp["points"]), "", text["mlp_head"],
              "|---|---:|---:|---:|"]
    steps = mlp["steps"]
    floats, base = steps["hand-written floats"], steps["micrograd, elementary ops"]
    for engine, ms in steps.items():
        lines.append(f"| {name(engine)} | {ms:,.1f} | {ms / floats:.1f}x "
                     f"| {faster.format(base / ms)} |")
    depth = results["depth"]
    lines += ["", text["depth"].format(limit=depth["limit"]), "", text["depth_head"], "|---|---:|"]
    lines += [f"| {name(engine)} | {nodes:,} |" for engine, nodes in depth["nodes"].items()]
    memory = results["memory"]
    lines += ["", text["memory"].format(ops=memory["ops"]), "", text["memory_head"],
              "|---|---:|---:|---:|"]
    lines += [f"| {name(engine)} | {row['bytes']:,.0f} | {row['tracked']:.2f} "
              f"| {row['freeing']:.0%} |" for engine, row in memory["engines"].items()]
    lines += ["", text["floor"], "", text["floor_head"], "|---|---|---:|---:|---:|"]
    lines += [f"| {_workload(row['workload'], lang)} | {name(row['against'])} "
              f"| {row['forward']:.2f}x "
              f"| {row['backward']:.2f}x | {row['total']:.2f}x |" for row in results["floor"]]
    fitted = results["fit"]
    lines += ["", text["fit"].format(points=fitted["points"], epochs=fitted["epochs"]), "",
              text["fit_head"], "|---|---:|---:|"]
    lines += [f"| {text['fit_names'][key]} | {fitted[key]:,.0f} "
              f"| {fitted['eager'] / fitted[key]:.1f}x |" for key in ("eager", "replayed")]
    return "\n".join(lines) + "\n"


def _workload(workload: str, lang: str) -> str:
    if lang == "en":
        return workload
    if workload.startswith("chain "):
        return f"鎖 {workload.split()[1]} 演算"
    return "MLP の 1 ステップ(基本演算)"


def summary(results: dict[str, Any], lang: str) -> str:
    """Return one sentence of ratios read off these results (ranges over the chain sizes)."""
    chain = results["chain"]

    def ratios(over: str) -> list[float]:  # microgradjp's total / another engine's, per size
        return [ours["total"] / other["total"] for ours in chain for other in chain
                if ours["engine"] == "microgradjp" and other["engine"] == over
                and ours["ops"] == other["ops"]]

    def span(values: list[float]) -> str:
        low, high = f"{min(values):.1f}", f"{max(values):.1f}"
        return TEXT[lang]["times"].format(low if low == high else f"{low}-{high}")

    steps = results["mlp"]["steps"]
    return TEXT[lang]["summary"].format(
        floor=span(ratios("floor")), floats=span(ratios("hand-written floats")),
        micrograd=span([1 / r for r in ratios("micrograd")]),
        step=span([steps["micrograd, elementary ops"] / steps["microgradjp, fused neurons"]]),
        replay=span([steps["replay (fused graph)"] / steps["hand-written floats"]]))


def block(results: dict[str, Any], lang: str) -> str:
    """Return what goes between the markers of the page in `lang`."""
    return f"{render(results, lang)}\n{summary(results, lang)}\n"


def replace_block(page: str, new: str) -> str:
    """Return `page` with the text between its markers replaced by `new`; the rest untouched."""
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start or page.count(BEGIN) != 1 or page.count(END) != 1:
        raise ValueError(f"the page needs one {BEGIN!r} line and one {END!r} line after it")
    return page[:start + len(BEGIN)] + "\n" + new + page[end:]


def write_docs(results: dict[str, Any], root: Path = ROOT) -> list[Path]:
    """Write the results as JSON and into both performance pages under `root`; return the paths."""
    written = [_write(root / RESULTS, json.dumps(results, indent=1, ensure_ascii=False) + "\n")]
    for lang, page in PAGES.items():
        path = root / page
        written.append(_write(path, replace_block(path.read_text(encoding="utf-8"),
                                                  block(results, lang))))
    return written


def _write(path: Path, text: str) -> Path:
    # An interrupted run never leaves half a page.
    return write_atomically(path, text.encode("utf-8"))
