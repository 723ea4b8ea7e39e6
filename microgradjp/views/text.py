"""How text takes room and how numbers read, for every view and the command line.

Columns are a terminal's (a full-width character such as り takes two, an accent none); ems
are an upper bound of a font's width, for engines that measure a label too narrow. A node's
label is shown exactly as written, control characters spelled as Python escapes.
"""

from __future__ import annotations

import unicodedata

__all__ = ["char_columns", "columns", "ems", "number_text", "printable"]

# Widths in em of one character, upper bounds: engines measure Helvetica right, but
# graphviz-pure measures any other font as Times and a full-width character as about 0.8 em;
# these hold the Latin letters of Japanese fonts (IPA digits are 0.63 em).
CHARACTER_EMS = {"wide": 1.0, "broad latin": 0.95, "other": 0.65}
BROAD_LATIN = frozenset("MWmw@%")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def char_columns(char: str) -> int:
    """Return the terminal columns of one character: 2 full-width, 0 an accent, else 1."""
    return 0 if unicodedata.combining(char) else 2 if _wide(char) else 1


def columns(text: str) -> int:
    """Return how many terminal columns ``text`` takes.

    >>> columns("x * りんご"), columns("e\\u0301")
    (10, 1)
    """
    return sum(map(char_columns, text))


def ems(text: str) -> float:
    """Return an upper bound of ``text``'s width in ems, in any font the package draws with."""
    return sum(CHARACTER_EMS["wide" if _wide(char) else
                             "broad latin" if char in BROAD_LATIN else "other"] for char in text)


def printable(text: str) -> str:
    """Return ``text`` with control characters, lone surrogates and U+FFFE, U+FFFF as escapes.

    >>> printable("a\\tb"), printable("a\\uffffb")
    ('a\\\\tb', 'a\\\\uffffb')
    """
    # They would break a line, a lone surrogate cannot even be encoded, and XML allows none of
    # them: an SVG holding one is malformed.
    return "".join(repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cs") else
                   f"\\u{ord(c):04x}" if c in "\ufffe\uffff" else c for c in text)


def number_text(x: float, digits: int) -> str:
    """Return ``x`` with ``digits`` significant digits, -0 read as 0.

    >>> number_text(2.2000000000000006, 4), number_text(-0.0, 4)
    ('2.2', '0')
    """
    return f"{x + 0.0:.{digits}g}"  # + 0.0 turns -0.0 into 0.0
