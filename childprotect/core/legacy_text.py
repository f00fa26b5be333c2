"""Vietnamese typed in the pre-Unicode font encodings, read back as Unicode NFC (docs/architecture.md#imports).

Two encodings are still found in commune spreadsheets:

- TCVN3 (TCVN 5712:1993 "VN3", the ABC keyboard and the .VnTime fonts): one byte per letter. It has codes for the 67
  lower-case letters and for the seven upper-case letters without a tone (Ă Â Đ Ê Ô Ơ Ư); an upper-case letter with a
  tone is typed in the .VnTimeH font with the lower-case code, so its case is read from the word around it (a word
  whose other letters are capitals is in capitals).
- VNI (VNI-Windows, the VNI-Times fonts): a Latin base letter followed by one mark byte (tone, circumflex, breve, or
  both), and single bytes for ơ, ư, đ and the toned i and ỵ.

Excel keeps such text as the Windows-1252 characters of the bytes ("NguyÔn V¨n An", "Nguyeãn Vaên An"), in an .xlsx
cell or, once saved as CSV, as bytes. `convert` reads one cell: it tries each reading and keeps the one whose words are
Vietnamese syllables; the cell is left as it is unless a legacy reading is clearly better, so a Unicode name is never
changed. Both legacy readings equally good is "ambiguous" (the caller refuses the row).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The twelve vowels, and the tones in TCVN3's order: none, grave (huyền), acute (sắc), hook (hỏi), tilde (ngã), dot.
_VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")

# TCVN3 (VN3) codes, one line per vowel in _VOWELS, six tones each ("" where the letter is plain ASCII).
_TCVN3_ROWS = (
    ("", "µ", "¸", "¶", "·", "¹"),
    ("¨", "»", "¾", "¼", "½", "Æ"),
    ("©", "Ç", "Ê", "È", "É", "Ë"),
    ("", "Ì", "Ð", "Î", "Ï", "Ñ"),
    ("ª", "Ò", "Õ", "Ó", "Ô", "Ö"),
    ("", "×", "Ý", "Ø", "Ü", "Þ"),
    ("", "ß", "ã", "á", "â", "ä"),
    ("«", "å", "è", "æ", "ç", "é"),
    ("¬", "ê", "í", "ë", "ì", "î"),
    ("", "ï", "ó", "ñ", "ò", "ô"),
    ("\xad", "õ", "ø", "ö", "÷", "ù"),
    ("", "ú", "ý", "û", "ü", "þ"),
)
_TCVN3_CAPITALS = {"Ă": "¡", "Â": "¢", "Đ": "§", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦"}


def _letter(vowel: str, tone: str) -> str:
    return unicodedata.normalize("NFC", vowel + tone)


def vietnamese_letters() -> list[str]:
    """The 134 letters with a diacritic (67 lower-case, 67 capitals)."""
    lower = [_letter(v, t) for v in _VOWELS for t in _TONES if _letter(v, t) not in "aeiouy"] + ["đ"]
    return lower + [c.upper() for c in lower]


# TCVN3: Unicode letter -> code; capitals with a tone share the lower-case code.
TCVN3_ENCODE: dict[str, str] = {"đ": "®"}
for _v, _row in zip(_VOWELS, _TCVN3_ROWS, strict=True):
    for _t, _code in zip(_TONES, _row, strict=True):
        if _code:
            TCVN3_ENCODE[_letter(_v, _t)] = _code
for _lower, _code in list(TCVN3_ENCODE.items()):
    TCVN3_ENCODE.setdefault(_lower.upper(), _TCVN3_CAPITALS.get(_lower.upper(), _code))
TCVN3_ENCODE.update(_TCVN3_CAPITALS)
_TCVN3_DECODE: dict[str, str] = {code: letter for letter, code in TCVN3_ENCODE.items() if letter.islower()}
_TCVN3_DECODE.update({code: letter for letter, code in _TCVN3_CAPITALS.items()})
_TCVN3_CAPITAL_CODES = frozenset(_TCVN3_CAPITALS.values())

# VNI: the lower-case mark bytes (capitals are the same byte minus 0x20).
_VNI_TONE = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRCUMFLEX = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_SINGLE = {"ơ": "ô", "ư": "ö", "đ": "ñ", "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î"}


def _vni_lower(letter: str) -> str:
    if letter in _VNI_SINGLE:
        return _VNI_SINGLE[letter]
    parts = unicodedata.normalize("NFD", letter)
    base, marks = parts[0], parts[1:]
    tone = next((m for m in marks if m in _VNI_TONE), "")
    if "\u0302" in marks:
        return base + _VNI_CIRCUMFLEX[tone]
    if "\u0306" in marks:
        return base + _VNI_BREVE[tone]
    if "\u031b" in marks:  # ơ, ư with a tone
        return _VNI_SINGLE[_letter(base + "\u031b", "")] + _VNI_TONE[tone]
    return base + _VNI_TONE[tone]


def _capital(code: str) -> str:
    return "".join(c.upper() if c.isascii() else chr(ord(c) - 0x20) for c in code)


VNI_ENCODE: dict[str, str] = {}
for _lower in vietnamese_letters()[:67]:
    VNI_ENCODE[_lower] = _vni_lower(_lower)
    VNI_ENCODE[_lower.upper()] = _capital(_vni_lower(_lower))
# Decoding is by longest match; a mark may come in either case (the case of the letter is the base's).
_VNI_DECODE: dict[str, str] = {}
for _letter_, _code in VNI_ENCODE.items():
    _VNI_DECODE[_code] = _letter_
    if len(_code) == 2:
        _VNI_DECODE[_code[0] + _code[1].swapcase()] = _letter_


def encode_tcvn3(text: str) -> str:
    return "".join(TCVN3_ENCODE.get(c, c) for c in unicodedata.normalize("NFC", text))


def encode_vni(text: str) -> str:
    return "".join(VNI_ENCODE.get(c, c) for c in unicodedata.normalize("NFC", text))


_WORD = re.compile(r"[^\W\d_]+")


_TCVN3_WORDS = re.compile("([^0-9A-Za-z" + re.escape("".join(_TCVN3_DECODE)) + "]+)")


def decode_tcvn3(text: str) -> str | None:
    """The Unicode reading, or None when a character is no TCVN3 letter.

    A capital with a tone has no code of its own (.VnTimeH shows the lower-case code as a capital): a word is in
    capitals when the text's letters are, or its own are (two or more, or one beside a capital code like §); in a
    name whose words all begin with a capital, a word beginning with a toned letter does too ("¸nh" is "Ánh")."""
    if any(not c.isascii() and c not in _TCVN3_DECODE for c in text):
        return None
    ascii_letters = [c for c in text if c.isascii() and c.isalpha()]
    words = _TCVN3_WORDS.split(text)
    long_word = any(sum(1 for c in w if c.isascii() and c.isalpha()) > 1 for w in words)
    all_caps = long_word and all(c.isupper() for c in ascii_letters)
    initials = [w[0] for w in words if w and w[0].isascii() and w[0].isalpha()]
    title = len(initials) > 1 and all(c.isupper() for c in initials)
    out = []
    for word in words:
        letters = [_TCVN3_DECODE.get(c, c) for c in word]
        own = [c for c in word if c.isascii() and c.isalpha()]
        capitals = any(c in _TCVN3_CAPITAL_CODES for c in word)
        if all_caps or (own and all(c.isupper() for c in own) and (len(own) > 1 or capitals)):
            letters = [c.upper() for c in letters]
        elif title and letters and word[0] in _TCVN3_DECODE:
            letters[0] = letters[0].upper()
        out.append("".join(letters))
    return "".join(out)


def decode_vni(text: str) -> str | None:
    """The Unicode reading, or None when a mark byte follows no vowel."""
    out, i = [], 0
    while i < len(text):
        pair = text[i : i + 2]
        if len(pair) == 2 and pair in _VNI_DECODE:
            out.append(_VNI_DECODE[pair])
            i += 2
            continue
        char = text[i]
        if char.isascii():
            out.append(char)
        elif char in _VNI_DECODE:
            out.append(_VNI_DECODE[char])
        else:
            return None
        i += 1
    return "".join(out)


_INITIAL = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
# Vowel groups that may take a final consonant, and those ending in a semivowel (i, y, o, u), which may not.
_NUCLEI = "iê yê oa oă oe oo ua uâ uê uô uơ uy ưa ươ uyê a ă â e ê i y o ô ơ u ư".split()
_OPEN_NUCLEI = ("iêu yêu oai oay oeo uây uôi ươi ươu uya uyu ai ao au ay âu ây eo êu ia iu oi ôi ơi ui ưi ưu").split()


def _alternatives(groups: list[str]) -> str:
    return "|".join(sorted(groups, key=len, reverse=True))


_SYLLABLE = re.compile(
    rf"(?:{_INITIAL})?(?:(?:{_alternatives(_NUCLEI)})(?:ch|nh|ng|c|m|n|p|t)?|(?:{_alternatives(_OPEN_NUCLEI)}))"
)
_TONE_MARKS = frozenset(_TONES[1:])


@lru_cache(maxsize=8192)
def _is_syllable(word: str) -> bool:
    """A Vietnamese syllable: consonant, vowel group, final consonant, at most one tone, in one case style."""
    if word != word.lower() and word[1:] != word[1:].lower() and word != word.upper():
        return False  # "NguyÔn": a capital inside a lower-case word
    parts = unicodedata.normalize("NFD", word.lower())
    if sum(1 for c in parts if c in _TONE_MARKS) > 1:
        return False
    plain = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
    return bool(_SYLLABLE.fullmatch(plain))


def _score(text: str, words: list[tuple[int, int]]) -> int:
    return sum(1 if _is_syllable(text[start:end]) else -1 for start, end in words)


@lru_cache(maxsize=65536)  # a registry repeats its addresses, carers' surnames, ethnicities
def convert(text: str, prefer: str = "") -> tuple[str, str]:
    """(the text in Unicode NFC, the encoding read: "" unchanged, "TCVN3", "VNI" or "ambiguous"); `prefer` settles
    a tie between the two (the encoding the rest of the file is in)."""
    if text.isascii():
        return text, ""
    if any(ord(c) > 0xFF and c not in "ŒœŠšŽžŸƒ" for c in text):
        return text, ""  # a letter only Unicode has (ă, ơ, ư, đ, ạ...): already Unicode
    candidates: list[tuple[str, str]] = []
    for name, decode in (("TCVN3", decode_tcvn3), ("VNI", decode_vni)):
        reading = decode(text)
        if reading is not None and reading != text:
            candidates.append((name, unicodedata.normalize("NFC", reading)))
    if not candidates:
        return text, ""

    def words(of: str) -> list[tuple[int, int]]:
        return [m.span() for m in _WORD.finditer(of) if not m.group().isascii()]

    best = _score(text, words(text))
    scored = [(_score(reading, words(reading)), name, reading) for name, reading in candidates]
    better = [s for s in scored if s[0] > best]
    if not better:
        return text, ""
    top = max(s[0] for s in better)
    winners = [s for s in better if s[0] == top]
    if len(winners) > 1 and winners[0][2] != winners[1][2]:
        chosen = [w for w in winners if w[1] == prefer]
        return (chosen[0][2], prefer) if chosen else (text, "ambiguous")
    return winners[0][2], winners[0][1]
