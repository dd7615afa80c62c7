"""Plain text: what a person writes, without the characters that hide or disguise it.

Text the shop keeps for good (checkout details, an abandon reason, why a customer was
forgotten, a product's name) holds letters of any script, digits, spaces and punctuation, never
a control, format, private-use, surrogate or unassigned character (Unicode category C): those
make a value read as another (a right-to-left override), hide part of it (a zero-width space),
or reach a terminal or a log reader as a command (an ANSI escape).

Text is checked as it was sent, before its spaces are tidied: Python's ``str.split`` counts
some controls (U+001C to U+001F, U+0085, vertical tab, form feed) as spaces, and tidying first
would quietly turn them into ordinary ones.
"""

from __future__ import annotations

import unicodedata

# Part of how Persian and Indic words are written (ZWNJ, ZWJ): letters, not disguise.
JOINERS = frozenset("\u200c\u200d")
# A tab or line break where a space is meant (an address pasted from a letter): tidied into a
# space by the fields that allow them.
LINE_BREAKS = frozenset("\t\n\r")


def hidden_character(text: str, *, line_breaks: bool = False) -> str | None:
    """The first character of ``text`` that is not plain text, or None. Tabs and line breaks
    count as plain when ``line_breaks``."""
    allowed = JOINERS | LINE_BREAKS if line_breaks else JOINERS
    for char in text:
        if unicodedata.category(char).startswith("C") and char not in allowed:
            return char
    return None


def tidied(text: str) -> str:
    """``text`` without surrounding spaces, every run of spaces inside made one space."""
    return " ".join(text.split())
