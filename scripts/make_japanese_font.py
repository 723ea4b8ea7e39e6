"""Write the Japanese font microgradjp ships: a subset of Noto Sans CJK JP Regular (SIL OFL 1.1).

Kept: ASCII and Latin-1, Greek, the punctuation, arrows and maths signs a drawing writes, every
kana, full- and half-width forms, the non-kanji rows of JIS X 0208 and its level-1 kanji (2,965,
the everyday ones). Level-2 kanji would double the file (1.6 MB instead of 0.9 MB); a label
using one is warned about. Dropped: every layout feature but kerning, and the vertical writing
tables (a drawing writes across). Renamed "microgradjp Sans JP" so it never shadows a
full Noto Sans CJK JP installed on the machine (OFL: a modified version may be renamed).

Run by hand when the character set changes (needs fontTools and the Debian package
fonts-noto-cjk, or its NotoSansCJK-Regular.ttc anywhere):

    python scripts/make_japanese_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

import argparse
import contextlib
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

TARGET = Path(__file__).parent.parent / "microgradjp" / "views" / "fontfiles"
FILE = "MicrogradjpSansJP-Regular.otf"
FAMILY = "microgradjp Sans JP"
BLOCKS = [  # (first, last) code points kept whole
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: the multiplication and division signs, accents
    (0x0370, 0x03FF),  # Greek: sigma, theta in maths labels
    (0x2000, 0x209F),  # punctuation (the ellipsis, the minus sign), super- and subscripts
    (0x2190, 0x22FF),  # arrows and mathematical operators
    (0x3000, 0x30FF),  # CJK punctuation, hiragana, katakana
    (0x31F0, 0x31FF),  # small katakana
    (0xFF00, 0xFFEF),  # full-width and half-width forms
]
JIS_ROWS = [*range(1, 9), *range(16, 48)]  # symbols and kana, then level-1 kanji


def characters() -> str:
    """Return every character the subset keeps (those the source font has stay)."""
    kept = {chr(code) for first, last in BLOCKS for code in range(first, last + 1)}
    for row in JIS_ROWS:  # a JIS X 0208 cell is two bytes 0xA0 + row, 0xA0 + cell in EUC-JP
        for cell in range(1, 95):
            with contextlib.suppress(UnicodeDecodeError):  # an empty cell
                kept.add(bytes([0xA0 + row, 0xA0 + cell]).decode("euc_jp"))
    return "".join(sorted(kept))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="NotoSansCJK-Regular.ttc (or the JP .otf)")
    source = parser.parse_args().source
    font = TTFont(source, fontNumber=0)  # face 0 of the collection is Noto Sans CJK JP
    family = font["name"].getDebugName(1)
    if family != "Noto Sans CJK JP":
        raise SystemExit(f"{source}: face 0 is {family!r}, not Noto Sans CJK JP")
    options = subset.Options()
    options.layout_features = ["kern"]
    options.drop_tables += ["vhea", "vmtx", "VORG"]
    options.name_IDs = ["*"]  # keep the copyright, licence and version records
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    names = font["name"]
    for record in names.names:  # family, full and PostScript names become ours
        if record.nameID in (1, 3, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "") + "-Regular"
    font["CFF "].cff.fontNames = [FAMILY.replace(" ", "") + "-Regular"]
    names.setName(f"A subset of Noto Sans CJK JP ({font['name'].getDebugName(5)}) for "
                  "microgradjp's drawings", 10, 3, 1, 0x409)
    TARGET.mkdir(parents=True, exist_ok=True)
    font.save(TARGET / FILE)
    print(f"{TARGET / FILE}: {len(font.getGlyphOrder())} glyphs, "
          f"{(TARGET / FILE).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
