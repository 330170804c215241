"""Text as staff type it -> text as the renderer draws it.

Three jobs, all pure string functions:

- ``normalize``: NFC (a Mac pastes decomposed Hangul, which would draw as loose
  jamo), line separators to ``\\n``, and every invisible format character
  removed so none is ever drawn as a box. The zero-width space is kept as a
  break opportunity (``linebreak`` splits there without a space), and a
  zero-width joiner only between two emoji (an emoji font may join them into
  one picture); ZWNJ, soft hyphens, word joiners, BOMs, bidi marks and
  variation selectors are dropped.
- ``emphasis``: the inline markup staff can type in a text field:
  ``**굵게**`` (bold, in the accent colour) and ``*강조*`` (the accent colour).
  ``\\*`` is a literal asterisk; an unmatched ``*`` stays as it is. Each word of
  an emphasized span is wrapped in its own pair of marker characters (Unicode
  noncharacters, reserved for internal use), so any line the breaker makes is
  self-describing: its widths and colours can be computed from the line alone.
- ``plain``: the markup removed, for alt texts and channel texts.
"""

from __future__ import annotations

import re
import unicodedata

ZWSP = "\u200b"
ZWJ = "\u200d"
BOLD_ON, BOLD_OFF, ACCENT_ON, ACCENT_OFF = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3"
MARKERS = frozenset((BOLD_ON, BOLD_OFF, ACCENT_ON, ACCENT_OFF))
_KEEP = frozenset((ZWSP, ZWJ, "\n", "\t"))
_STAR = "\ufdd4"                   # an escaped asterisk while markup is parsed
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ACCENT = re.compile(r"(?<!\*)\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?!\*)")
_SPACES = re.compile(r"([ \t\u3000]+|\n)")
# characters normalize keeps as they are (no format, control, private-use, unassigned or
# variation-selector character among them; tests/test_typography.py checks every one):
# a text made of them only skips the character-by-character pass
_AS_IS = ("\t\n\x20-\x7e\u00a0-\u00ac\u00ae-\u024f\u2010-\u2027\u2030-\u205e"
          "\u2070\u2071\u2074-\u208e\u20a0-\u20c0\u2100-\u218b\u2190-\u23ff"
          "\u2460-\u27bf\u2e80-\u2e99\u3000-\u303f\u3131-\u318e\u3200-\u321e"
          "\u3220-\u33ff\u4e00-\u9fff\uac00-\ud7a3\uff01-\uff60\uffe0-\uffe6")
_KEPT_AS_IS = re.compile(f"[{_AS_IS}]*")


def is_emoji(ch: str) -> bool:
    """A pictograph an emoji font draws (the supplementary symbol planes and the BMP dingbats)."""
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF
            or 0x1F1E6 <= cp <= 0x1F1FF or cp in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122,
                                                    0x2139, 0x231A, 0x231B, 0x2328, 0x23CF)
            or 0x23E9 <= cp <= 0x23FA or 0x1F3FB <= cp <= 0x1F3FF)


def normalize(text: str) -> str:
    """NFC, ``\\n`` for every line separator, no invisible characters but ZWSP (and ZWJ in emoji)."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n") \
        .replace("\u2029", "\n").replace("\u0085", "\n")
    if text.isascii() or _KEPT_AS_IS.fullmatch(text):
        return text
    out: list[str] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch in _KEEP and ch != ZWJ:
            out.append(ch)
            continue
        cat = unicodedata.category(ch)
        if ch == ZWJ:
            if out and is_emoji(out[-1]) and i + 1 < n and is_emoji(text[i + 1]):
                out.append(ch)
            continue
        if cat in ("Cf", "Cc", "Cs", "Co", "Cn") and ch not in MARKERS:
            continue
        if "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef":
            continue                       # variation selectors: Pillow would draw .notdef
        out.append(ch)
    return "".join(out)


def emphasis(text: str) -> str:
    """``**a b**`` -> each word bold-marked; ``*a*`` -> accent-marked (see the module docstring)."""
    if "*" not in text:
        return text
    text = text.replace("\\*", _STAR)
    text = _BOLD.sub(lambda m: _wrap(m[1], BOLD_ON, BOLD_OFF), text)
    text = _ACCENT.sub(lambda m: _wrap(m[1], ACCENT_ON, ACCENT_OFF), text)
    return text.replace(_STAR, "*")


def _wrap(span: str, on: str, off: str) -> str:
    parts = _SPACES.split(span)
    return "".join(p if not p or _SPACES.fullmatch(p) else f"{on}{p}{off}" for p in parts)


def plain(text: str) -> str:
    """The text without emphasis markup (for alt texts and channel texts)."""
    if "*" not in text:
        return text
    marked = emphasis(text)
    return "".join(ch for ch in marked if ch not in MARKERS)


def strip_markers(text: str) -> str:
    return "".join(ch for ch in text if ch not in MARKERS) if has_markers(text) else text


def has_markers(text: str) -> bool:
    return any(m in text for m in MARKERS)


def visible_count(text: str) -> int:
    """Characters a reader sees (no spaces, markers or zero-width characters)."""
    return sum(1 for ch in text if not ch.isspace() and ch not in MARKERS and ch not in (ZWSP, ZWJ))


def prepare(text: str) -> str:
    """What a text layer draws: normalized, emphasis turned into markers."""
    return emphasis(normalize(text))
