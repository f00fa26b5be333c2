"""Text normalisation for search: Vietnamese without accents, in one spelling.

"Nguyễn Văn An", "nguyen van an" and "NGUYEN  VAN AN" all become "nguyen van an"; "Hòa" and "Hoà" (the two
tone-mark styles) both become "hoa". Stored beside names in an indexed column so that search stays an index
lookup at a million rows.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ are letters of their own, not d with a combining mark, so NFD leaves them: map them by hand.
_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "’": "'", "‘": "'"})


def fold(text: str | None) -> str:
    """Lower-case, strip every diacritic, collapse whitespace."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def nfc(text: str) -> str:
    """Names are stored in NFC with whitespace collapsed (the form of the official lists)."""
    text = unicodedata.normalize("NFC", text)
    if "  " not in text and text.isprintable():  # every whitespace but " " is unprintable: nothing to collapse
        return text.strip()
    return _SPACES.sub(" ", text).strip()
