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

# The names as the Japanese page prints them; the results keep the English keys.
JA_NAMES = {
    "hand-written floats": "手書きの float 計算",
    "microgradjp, elementary ops": "microgradjp(基本演算)",
    "microgradjp, fused neurons": "microgradjp(ニューロンを 1 ノードに)",
    "replay (fused graph)": "replay(同じグラフを再実行)",
    "floor, elementary ops": "floor(基本演算)",
    "freeing floor": "解放する floor",
    "freeing floor, elementary ops": "解放する floor(基本演算)",
    "micrograd, elementary ops": "micrograd(基本演算)",
    "float replay": "float の replay",
    "batched exact": "バッチ化(厳密)",
    "batched fast": "バッチ化(高速)",
    "numpy, hand-vectorised": "numpy(手でベクトル化)",
    "torch CPU, 1 thread": "torch CPU(1 スレッド)",
    "not available": "使えない",
    "MLP step, elementary ops": "MLP の 1 ステップ(基本演算)",
}
# The library functions each fit table trains with, by the results' name for the loss.
LOSS_CODE = {"max-margin + L2": "`max_margin_loss` + `l2_regularization`",
             "BCE with logits": "`binary_cross_entropy_with_logits`"}

TEXT = {
    "en": {
        "run": "Produced by `{command}` on {date}: {cpu}, {cores} cores, {system}; Python "
               "{python}, numpy {numpy}, torch {torch}. Medians of {rounds} rounds "
               "({fit rounds} for `fit`); the load average was {load:.1f} when the run began "
               "and {load after:.1f} when it ended.",
        "busy": "**The machine was busy** (load up to {busy:.1f} on {cores} cores): wall-clock "
                "ratios below are noisy; the instruction counts are not.",
        "chain": "**Chain** (mul, add, relu, exp, log, repeated; the same graph in every "
                 "engine), forward + backward + freeing, ns per op",
        "chain_head": "| ops | engine | forward | backward | free | total "
                      "| vs hand-written floats | vs micrograd |",
        "faster": "{:.1f}x faster",
        "times": "{}x",
        "mlp": "**MLP 2-16-16-1 (tanh) training step** on {points} two-moons points, "
               "max-margin loss + L2, ms per step",
        "mlp_head": "| engine (graph) | ms per step | vs hand-written floats | vs micrograd |",
        "floor": "**microgradjp's eager mode / each floor, wall time** (the MLP step's forward "
                 "is zeroing the gradients and building the loss, its backward is backward())",
        "floor_head": "| workload | eager, total | / floor: total | backward "
                      "| / freeing floor: total | backward |",
        "instructions": "**The same ratios in CPU instructions** (callgrind, PYTHONHASHSEED=0, "
                        "`benchmarks/instructions.py`: each workload once in a fresh process, "
                        "minus the same process stopped after its setup; deterministic, whatever "
                        "the load. Backward is the workload minus its forward alone; the MLP "
                        "step's includes zeroing the gradients and the SGD update)",
        "instructions_head": "| workload | eager, instructions | / floor: total | backward "
                             "| / freeing floor: total | backward |",
        "instructions_skipped": "**Instruction counts** skipped: {why}. Install valgrind and "
                                "run `python benchmarks/run.py --instructions`.",
        "fit": "**`fit` on two moons, {loss}** (MLP 2-16-16-1 tanh, SGD lr 0.05, full batch: "
               "one step an epoch). Where fit replays, it records in the first epoch and may "
               "compile in the second; a later epoch's time is the median epoch after the "
               "first {first}, each epoch timed from one step's end to the next (later epochs "
               "a run: {later}; the median over the rounds). "
               "\"ran as\" is `History.mode` (or, before it existed, `History.eager`)",
        "fit_head": "| points | asked for | ran as | first {first} epochs, ms | a later epoch, ms "
                    "| vs eager | losses vs eager |",
        "reference": "reference",
        "quote": "“{}”",
        "between": "; ",
        "later": "{later} at {points:,} points",
        "and": " and ",
        "equal": "equal",
        "why": "Ran eagerly, as fit said (`History.eager`): {reasons}.",
        "missing": "Not available: {reasons}.",
        "depth": "**Deepest chain whose backward succeeds** (limit {limit:,}), default "
                 "recursion limit",
        "depth_head": "| engine | nodes |",
        "memory": "**Memory** with a {ops:,}-op chain alive, per op (everything the graph "
                  "holds, constants and the input included)",
        "memory_head": "| engine | bytes | GC-tracked objects | freeing / forward |",
        "summary": "In this run, on the chain, microgradjp's eager mode costs {floor} the "
                   "floor's time, {freeing} the freeing floor's and {floats} hand-written "
                   "floats', and is {micrograd} faster than micrograd; its fused MLP step is "
                   "{step} faster than micrograd's, and replay's step takes {replay} "
                   "hand-written floats' time.",
    },
    "ja": {
        "run": "`{command}` の実行結果です({date}、{cpu}、{cores} コア、{system}、Python "
               "{python}、numpy {numpy}、torch {torch})。{rounds} 回の中央値(`fit` は "
               "{fit rounds} 回)で、ロードアベレージは開始時 {load:.1f}、終了時 {load after:.1f} "
               "でした。",
        "busy": "**マシンは混んでいました**({cores} コアでロードが最大 {busy:.1f})。下の時間の比は"
                "揺れています。命令数は揺れません。",
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
        "floor": "**microgradjp の eager モード / 各 floor、実時間**(MLP の 1 ステップでは"
                 "順伝播が勾配を 0 にして損失を作るまで、逆伝播が backward())",
        "floor_head": "| 作業 | eager の合計 | / floor: 合計 | 逆伝播 "
                      "| / 解放する floor: 合計 | 逆伝播 |",
        "instructions": "**同じ比を CPU 命令数で**(callgrind、PYTHONHASHSEED=0、"
                        "`benchmarks/instructions.py`。各作業を新しいプロセスで 1 回実行し、"
                        "準備だけで止めた同じプロセスの命令数を引く。負荷によらず決まる値。"
                        "逆伝播は作業全体から順伝播だけの作業を引いたもの。MLP の 1 ステップでは"
                        "勾配を 0 にすることと SGD の更新を含む)",
        "instructions_head": "| 作業 | eager の命令数 | / floor: 合計 | 逆伝播 "
                             "| / 解放する floor: 合計 | 逆伝播 |",
        "instructions_skipped": "**命令数**は数えていません: {why}。valgrind を入れて "
                                "`python benchmarks/run.py --instructions` を実行してください。",
        "fit": "**two moons での `fit`、{loss}**(MLP 2-16-16-1 tanh、SGD lr 0.05、"
               "フルバッチ: 1 エポック 1 ステップ)。replay する場合、最初のエポックで記録し、"
               "2 番目でコンパイルすることがあります。後のエポック 1 回の時間は、最初の {first} "
               "エポックより後のエポックの中央値で、各エポックはステップの終わりから次の"
               "ステップの終わりまで(1 回の実行の後のエポック数: {later}。ラウンドの中央値)。"
               "「実際のモード」は `History.mode`(それがない版では `History.eager`)",
        "fit_head": "| 点の数 | 求めたもの | 実際のモード | 最初の {first} エポック(ミリ秒) "
                    "| 後のエポック 1 回(ミリ秒) | eager との比 | 損失の eager との差 |",
        "reference": "基準",
        "quote": "「{}」",
        "between": "、",
        "later": "{points:,} 点では {later}",
        "and": "、",
        "equal": "一致",
        "why": "eager で実行した理由(fit の `History.eager`): {reasons}。",
        "missing": "使えないもの: {reasons}。",
        "depth": "**逆伝播できる最も長い鎖**(上限 {limit:,})、既定の再帰上限で",
        "depth_head": "| エンジン | ノード数 |",
        "memory": "**メモリ**({ops:,} 演算の鎖を保持したとき、1 演算あたり。"
                  "グラフが持つものすべて、定数と入力を含む)",
        "memory_head": "| エンジン | バイト | GC が追跡するオブジェクト | 解放 / 順伝播 |",
        "summary": "この実行では、鎖で microgradjp の eager モードは floor の {floor}、"
                   "解放する floor の {freeing}、手書きの float 計算の {floats}の時間がかかり、"
                   "micrograd より {micrograd}速く、ニューロンを 1 ノードにした MLP の "
                   "1 ステップは micrograd より {step}速く、replay の 1 ステップは手書きの "
                   "float 計算の {replay}の時間です。",
    },
}


def render(results: dict[str, Any], lang: str) -> str:
    """Return the report (Markdown tables) in 'en' or 'ja'."""
    sections = [_run, _chain, _mlp, _floor, _instructions, _fit, _depth, _memory]
    return "\n".join(line for section in sections
                     for line in section(results, TEXT[lang], lang)) + "\n"


def _name(name: str, lang: str) -> str:
    return JA_NAMES.get(name, name) if lang == "ja" else name


def _run(results: dict[str, Any], text: dict[str, Any], lang: str) -> list[str]:
    run = {key: "-" if value is None else value for key, value in results["run"].items()}
    lines = [text["run"].format(**run), ""]
    if max(run["load"], run["load after"]) >= 0.5 * run["cores"]:
        lines += [text["busy"].format(busy=max(run["load"], run["load after"]), **run), ""]
    return lines


def _chain(results: dict[str, Any], text: dict[str, Any], lang: str) -> list[str]:
    faster, chain = text["faster"], results["chain"]
    lines = [text["chain"], "", text["chain_head"], "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for n_ops in sorted({row["ops"] for row in chain}):
        rows = {row["engine"]: row for row in chain if row["ops"] == n_ops}
        floats, base = rows["hand-written floats"]["total"], rows["micrograd"]["total"]
        for engine, row in rows.items():
            # Hand-written floats have no phases: three empty cells under forward, backward, free.
            parts = " | ".join("" if engine == "hand-written floats" else f"{row[k]:,.0f}"
                               for k in ("forward", "backward", "free"))
            lines.append(f"| {n_ops:,} | {_name(engine, lang)} | {parts} | {row['total']:,.0f} "
                         f"| {row['total'] / floats:.1f}x | {faster.format(base / row['total'])} |")
    return [*lines, ""]


def _mlp(results: dict[str, Any], text: dict[str, Any], lang: str) -> list[str]:
    mlp, faster = results["mlp"], text["faster"]
    lines = [text["mlp"].format(points=mlp["points"]), "", text["mlp_head"],
             "|---|---:|---:|---:|"]
    steps = mlp["steps"]
    floats, base = steps["hand-written floats"], steps["micrograd, elementary ops"]
    lines += [f"| {_name(engine, lang)} | {ms:,.1f} | {ms / floats:.1f}x "
              f"| {faster.format(base / ms)} |" for engine, ms in steps.items()]
    return [*lines, ""]


def _ratios(rows: list[dict[str, Any]], lang: str, total: str) -> list[str]:
    # One line per workload: eager's total, then eager / each floor, total and backward.
    lines = []
    for row in rows:
        ours = row["engines"]["microgradjp"]
        cells = [f"{ours[key] / row['engines'][floor][key]:.2f}x"
                 for floor in ("floor", "freeing floor") for key in ("total", "backward")]
        lines.append(f"| {_workload(row['workload'], lang)} | {total.format(ours['total'])} | "
                     + " | ".join(cells) + " |")
    return lines


def _floor(results: dict[str, Any], text: dict[str, Any], lang: str) -> list[str]:
    lines = [text["floor"], "", text["floor_head"], "|---|---:|---:|---:|---:|---:|"]
    for row in results["floor"]:
        unit = "{:,.0f} ns/op" if row["workload"].startswith("chain") else "{:,.1f} ms"
        lines += _ratios([row], lang, unit)
    return [*lines, ""]


def _instructions(results: dict[str, Any], text: dict[str, Any], lang: str) -> list[str]:
    counted = results["instructions"]
    if "skipped" in counted:
        return [text["instructions_skipped"].format(why=counted["skipped"]), ""]
    return [text["instructions"], "", text["instructions_head"], "|---|---:|---:|---:|---:|---:|",
            *_ratios(counted["rows"], lang, "{:,.0f}"), ""]


def _fit(results: dict[str, Any], text: dict[str, Any], lang: str) -> list[str]:
    fitted, lines = results["fit"], []
    for loss in dict.fromkeys(row["loss"] for row in fitted["rows"]):  # in the order run
        rows = [row for row in fitted["rows"] if row["loss"] == loss]
        code = LOSS_CODE.get(loss, loss)
        later = text["and"].join(text["later"].format(points=points, later=later)
                                     for points, later in {row["points"]: row["later"]
                                                           for row in rows}.items())
        first = rows[0]["first"]
        lines += [text["fit"].format(loss=code, later=later, first=first), "",
                  text["fit_head"].format(first=first),
                  "|---:|---|---|---:|---:|---:|---:|"]
        eager = {row["points"]: row for row in rows if row["asked"] == "fit(replay=False)"}
        reasons: dict[str, list[str]] = {"why": [], "missing": []}
        for row in rows:
            lines.append(_fit_row(row, eager[row["points"]], text, lang))
            kind = "missing" if row["mode"] == "not available" else "why"
            why = row.get("why")
            quoted = text["quote"].format(why)
            if why and (kind == "missing" or row["mode"] == "eager") and row["asked"] != \
                    "fit(replay=False)" and quoted not in reasons[kind]:
                reasons[kind].append(quoted)
        lines.append("")
        lines += [text[kind].format(reasons=text["between"].join(found)) + "\n"
                  for kind, found in reasons.items() if found]
    return lines


def _fit_row(row: dict[str, Any], eager: dict[str, Any], text: dict[str, Any],
             lang: str) -> str:
    asked = _name(row["asked"], lang)
    if row["mode"] == "not available":
        return f"| {row['points']:,} | {asked} | {_name(row['mode'], lang)} | - | - | - | - |"
    mode = "-" if row["mode"] == "vectorised" else f"`{row['mode']}`"
    # A later epoch too short to tell from a one-epoch run (quick sizes) gets no ratio.
    speed = f"{eager['later ms'] / row['later ms']:,.1f}x" if row["later ms"] > 0 else "-"
    difference = row.get("loss difference")
    same = (text["reference"] if row is eager else "-" if difference is None
            else text["equal"] if difference == 0.0 else f"{difference:.0e}")
    return (f"| {row['points']:,} | {asked} | {mode} | {row['first ms']:,.1f} "
            f"| {row['later ms']:,.2f} | {speed} | {same} |")


def _depth(results: dict[str, Any], text: dict[str, Any], lang: str) -> list[str]:
    depth = results["depth"]
    return [text["depth"].format(limit=depth["limit"]), "", text["depth_head"], "|---|---:|",
            *[f"| {_name(engine, lang)} | {nodes:,} |" for engine, nodes in depth["nodes"].items()],
            ""]


def _memory(results: dict[str, Any], text: dict[str, Any], lang: str) -> list[str]:
    memory = results["memory"]
    return [text["memory"].format(ops=memory["ops"]), "", text["memory_head"],
            "|---|---:|---:|---:|",
            *[f"| {_name(engine, lang)} | {row['bytes']:,.0f} | {row['tracked']:.2f} "
              f"| {row['freeing']:.0%} |" for engine, row in memory["engines"].items()]]


def _workload(workload: str, lang: str) -> str:
    if lang == "ja" and workload.startswith("chain "):
        return f"鎖 {workload.split()[1]} 演算"
    return _name(workload, lang)


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
        floor=span(ratios("floor")), freeing=span(ratios("freeing floor")),
        floats=span(ratios("hand-written floats")),
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
