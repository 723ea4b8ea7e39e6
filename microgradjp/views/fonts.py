"""Which text needs a CJK font, and where such a font is on this machine (its family and file).

Fonts the system knows come first (fontconfig, then the macOS and Windows font folders), then the
one microgradjp ships: "microgradjp Sans JP", a subset of Noto Sans CJK JP (kana, JIS level-1
kanji, Latin; SIL OFL, its licence beside it). Drawing with it is `raster`'s and the layout
engines' job; carrying its glyphs inside an SVG is `webfont`'s.
"""

from __future__ import annotations

import bisect
import functools
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Literal, NamedTuple

from .text import ems

__all__ = ["Font", "cjk_font", "japanese_font", "needs_cjk"]

# The Unicode blocks a Latin font lacks and a CJK font has: Han, kana, Hangul, Bopomofo, CJK
# punctuation, full-width forms. Emoji are wide too, but a CJK font has none: they stay out.
CJK_BLOCKS = (  # (first, last) code points, sorted
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FFF),  # CJK and Kangxi radicals, ideographic description characters
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。「」〜 and the ideographic space
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Hangul compatibility Jamo, Kanbun, strokes, small katakana
    (0x3200, 0x33FF),  # enclosed CJK letters and months, CJK compatibility (㍿, ㎏)
    (0x3400, 0x4DBF),  # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, Hangul Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms (vertical punctuation)
    (0xFF00, 0xFFEF),  # half-width and full-width forms: full-width Latin, half-width kana
    (0x1AFF0, 0x1B16F),  # kana extended and supplement
    (0x20000, 0x3FFFF),  # CJK ideographs extensions B to H (supplementary ideographic planes)
)
_STARTS = [first for first, _ in CJK_BLOCKS]

# Sans-serif Japanese families, best first: Linux (Noto, IPA), macOS (Hiragino), Windows.
# Proportional (P) variants before fixed-width ones, whose Latin letters look typewritten.
PREFERRED_FONTS = ("Noto Sans CJK JP", "IPAexGothic", "IPAPGothic", "IPAGothic", "Hiragino Sans",
                   "Hiragino Kaku Gothic ProN", "Yu Gothic", "Meiryo", "TakaoPGothic", "VL PGothic")
# Without fontconfig (macOS and Windows as shipped), the files to look for, best first.
FONT_FILES = (
    ("ヒラギノ角ゴシック W3.ttc", "Hiragino Sans"),  # macOS 10.11 and later
    ("ヒラギノ角ゴ ProN W3.otf", "Hiragino Kaku Gothic ProN"),
    ("YuGothR.ttc", "Yu Gothic"),  # Windows 8.1 and later
    ("meiryo.ttc", "Meiryo"),  # Windows Vista and later
    ("msgothic.ttc", "MS Gothic"),
)


class Font(NamedTuple):
    """A font family and the file that holds it (None when only the family name is known)."""

    family: str
    path: Path | None
    source: Literal["fontconfig", "folder", "bundled"]


# The font in the wheel, so that a plain pip install draws Japanese (scripts/make_japanese_font.py
# made it): the last resort, after any font the machine has.
BUNDLED_FONT = Font("microgradjp Sans JP",
                    Path(__file__).with_name("fontfiles") / "MicrogradjpSansJP-Regular.otf",
                    "bundled")


def needs_cjk(text: str) -> bool:
    """Return whether ``text`` has Chinese, Japanese or Korean characters a Latin font lacks.

    >>> needs_cjk("りんご 2"), needs_cjk("ｶﾅ"), needs_cjk("apple 2"), needs_cjk("🍎")
    (True, True, False, False)
    """
    for char in text:
        code = ord(char)
        index = bisect.bisect_right(_STARTS, code) - 1
        if index >= 0 and code <= CJK_BLOCKS[index][1]:
            return True
    return False


def cjk_font() -> str | None:
    """Return the family of a Japanese font found here (see `japanese_font`), or None.

    >>> cjk_font() is None or isinstance(cjk_font(), str)
    True
    """
    found = japanese_font()
    return found.family if found else None


@functools.cache
def japanese_font() -> Font | None:
    """Return a Japanese font on this machine, or None (looked up once).

    >>> found = japanese_font()
    >>> found is None or found.source in ("fontconfig", "folder", "bundled")
    True
    """
    return _from_fontconfig() or _from_folders() or _bundled()


def _from_fontconfig() -> Font | None:
    fc_list = shutil.which("fc-list")
    if fc_list is None:  # fontconfig comes with Graphviz on Linux and Homebrew
        return None
    try:
        # fc-list writes UTF-8 whatever the locale (Windows' cp932 would fail on it).
        listing = subprocess.run([fc_list, "--format=%{family[0]}\t%{file}\n", ":lang=ja"],
                                 capture_output=True, encoding="utf-8", errors="replace",
                                 timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files: dict[str, str] = {}
    for line in sorted(listing.splitlines()):
        family, _, file = line.partition("\t")
        if family.strip():
            files.setdefault(family.strip(), file.strip())
    ranked = [family for family in PREFERRED_FONTS if family in files] + sorted(files)
    if not ranked:
        return None
    file = files[ranked[0]]
    return Font(ranked[0], Path(file) if file else None, "fontconfig")


def _font_folders() -> list[Path]:
    home = Path.home()
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/System/Library/Fonts/Supplemental"),
                Path("/Library/Fonts"), home / "Library/Fonts"]
    if sys.platform == "win32":
        windows = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData/Local"))
        return [windows / "Fonts", local / "Microsoft/Windows/Fonts"]
    return []


def _from_folders() -> Font | None:
    folders = _font_folders()
    for name, family in FONT_FILES:
        # macOS may store the Japanese file names decomposed (NFD); compare them composed.
        for folder in folders:
            for candidate in (folder / name, folder / unicodedata.normalize("NFD", name)):
                if candidate.is_file():
                    return Font(family, candidate, "folder")
    return None


def _bundled() -> Font | None:
    # Missing only from a broken install (or a repackaging that dropped the data file).
    return BUNDLED_FONT if BUNDLED_FONT.path and BUNDLED_FONT.path.is_file() else None


def uncovered(text: str) -> str:
    """Return the characters of ``text`` the bundled font has no glyph for, each once, in order.

    >>> uncovered("りんご 個数 消費税"), uncovered("鬱")  # 鬱 is a JIS level-2 kanji
    ('', '鬱')
    """
    covered = _bundled_characters()
    if covered is None:  # no fontTools (Pyodide, where the page's fonts draw): nothing to say
        return ""
    return "".join(dict.fromkeys(char for char in text if ord(char) not in covered
                                 and not char.isspace()))


@functools.cache
def _bundled_characters() -> frozenset[int] | None:
    # Read from the font itself, the one source of what it holds.
    try:
        from fontTools.ttLib import TTFont  # type: ignore[import-untyped, unused-ignore]
    except ImportError:  # a dependency everywhere but under Pyodide
        return None
    if BUNDLED_FONT.path is None or not BUNDLED_FONT.path.is_file():
        return frozenset()
    with TTFont(BUNDLED_FONT.path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def width_ems(text: str, font: Font) -> float:
    """Return how wide ``text`` is in ``font``, in ems (by its advance widths, without kerning).

    A character the font has no glyph for, or a font without a file, counts at `text.ems`'s
    bound.

    >>> round(width_ems("りんご", BUNDLED_FONT), 2), round(width_ems("ii", BUNDLED_FONT), 2)
    (3.0, 0.55)
    """
    advances = _advances(font.path) if font.path is not None else {}
    return sum(advances.get(ord(char)) or ems(char) for char in text)


@functools.cache
def _advances(path: Path) -> dict[int, float]:
    # Each character's advance width in ems, read once per font file (a .ttc: its first face).
    try:
        from fontTools.ttLib import TTFont  # type: ignore[import-untyped, unused-ignore]
    except ImportError:  # a dependency everywhere but under Pyodide: the ems bound serves
        return {}
    try:
        with TTFont(path, fontNumber=0, lazy=True) as font:
            metrics, em = font["hmtx"].metrics, font["head"].unitsPerEm
            return {code: metrics[glyph][0] / em for code, glyph in font.getBestCmap().items()}
    except Exception:  # an unreadable font file: every character at its ems bound
        return {}
