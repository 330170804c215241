"""Korean line breaking after W3C KLREQ, as a pure function of text and a width measure.

Korean breaks between words (어절, separated by spaces); a word is split into
syllables only when it is wider than a whole line. Whatever the level, a line
never starts with closing brackets or punctuation, never ends with an opening
bracket, and digit runs stay with their separators and units (``30%``,
``16:00``, ``2,000원``). Latin words inside Korean text stay whole unless a
single Latin word is wider than the line. Explicit newlines always break.

The measure is injected (``width_of(text) -> float``) so the same code serves
any font, size and letter spacing, and tests can use a fixed-width stub.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable

__all__ = ["CLOSING", "OPENING", "atoms", "balanced", "break_lines", "tokens", "words"]

ZWSP = "\u200b"

# characters that must not start a line (KLREQ "line-start prohibited"), ASCII and full-width
CLOSING = frozenset(")]}〕》」』’”.,!?:;·…" "）］｝〉》」』】〙｣、。，．！？：；・‥ﾟ"
                    "\u00b7\u2027\u30fb\u2019\u201d")
# characters that must not end a line (KLREQ "line-end prohibited")
OPENING = frozenset("([{〔《「『‘“" "（［｛〈《「『【〘｢")
# prefixes that belong to the number after them
_CURRENCY = frozenset("₩$€£¥＄￦")
# symbols that belong to the number before them
_UNIT_SYMBOLS = frozenset("%‰℃℉°′″㎞㎏㎡㎎㎖㎝㎜％")
# Hangul counters that read as part of the number before them: 2,000원  30명  3일  2026년
_COUNTERS = frozenset("원명개일월년시분초세회번권장곳층쪽점차주인석대건호위등배")
# separators that stay inside a number when a digit follows: 2,000  3.5  16:00  1/2
_NUMBER_JOINERS = frozenset(",.:/")

Measure = Callable[[str], float]


def _kind(ch: str) -> str:
    """Coarse class of one character for grouping into unbreakable atoms."""
    if ch.isdigit():
        return "digit"
    if ch.isascii() and ch.isalpha():
        return "latin"
    if unicodedata.category(ch).startswith("L") and unicodedata.east_asian_width(ch) not in "WF":
        return "latin"  # other alphabets (é, Cyrillic ...) break like Latin words
    return "other"


def atoms(word: str) -> list[str]:
    """Split one space-free word into the smallest pieces a line may break between.

    A Hangul syllable (or any CJK character) is its own atom; a Latin word, a
    number with its separators, currency sign and unit, and any closing
    punctuation after (or opening bracket before) a piece are glued to it.
    """
    pieces: list[str] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        kind = _kind(ch)
        j = i + 1
        if kind == "latin":
            while j < n and (_kind(word[j]) in ("latin", "digit")
                             or (word[j] in "-'’" and j + 1 < n and _kind(word[j + 1]) == "latin")):
                j += 1
        elif kind == "digit" or (ch in _CURRENCY and j < n and word[j].isdigit()):
            while j < n and (word[j].isdigit() or (word[j] in _NUMBER_JOINERS and j + 1 < n
                                                   and word[j + 1].isdigit())):
                j += 1
            # the unit after the number: symbols, a Latin unit (km, kg, GB) or one Hangul counter
            if j < n and word[j] in _UNIT_SYMBOLS:
                while j < n and word[j] in _UNIT_SYMBOLS:
                    j += 1
            elif j < n and _kind(word[j]) == "latin":
                while j < n and _kind(word[j]) == "latin":
                    j += 1
            elif j < n and word[j] in _COUNTERS:
                j += 1
        pieces.append(word[i:j])
        i = j
    return _glue(pieces)


def _glue(pieces: list[str]) -> list[str]:
    """Attach closing punctuation to the piece before it and opening brackets to the next."""
    out: list[str] = []
    carry = ""
    for piece in pieces:
        piece = carry + piece
        carry = ""
        if out and piece[0] in CLOSING:
            out[-1] += piece
        elif piece[-1] in OPENING:
            carry = piece
        else:
            out.append(piece)
    if carry:
        if out:
            out[-1] += carry
        else:
            out.append(carry)
    return out


def words(paragraph: str) -> list[str]:
    """The paragraph's words, with a space kept inside where breaking there is prohibited.

    A word that starts with closing punctuation joins the word before it
    (``"안녕 …"`` stays together); one that ends with an opening bracket joins
    the next. (Zero-width spaces are break opportunities too: see ``tokens``.)
    """
    return [word for _, word in tokens(paragraph, keep_names=False)]


def tokens(paragraph: str, keep_names: bool = True) -> list[tuple[str, str]]:
    """(separator before, word) pairs: the separator is ``" "`` after spaces and ``""`` after
    a zero-width space (a break opportunity that draws nothing).

    With ``keep_names`` a short quoted or bracketed name (``‘별빛 마켓’``,
    ``「우리 동네 천안」``: at most three words and 12 characters) is one word, so
    a line break does not split it when that can be avoided.
    """
    return list(_tokens(paragraph, keep_names))


_SPACES = re.compile(r"[ \t\u3000]+")


@lru_cache(maxsize=1024)
def _tokens(paragraph: str, keep_names: bool) -> tuple[tuple[str, str], ...]:
    """``tokens``, remembered: shrink-to-fit breaks the same paragraph at every size it
    tries and balancing at a dozen widths (a pure function of the text)."""
    raw: list[tuple[str, str]] = []
    for word in _SPACES.split(paragraph):
        if not word:
            continue
        if ZWSP in word:
            parts = [p for p in word.split(ZWSP) if p]
            raw.extend((" " if k == 0 else "", part) for k, part in enumerate(parts))
        else:
            raw.append((" ", word))
    out: list[tuple[str, str]] = []
    carry: tuple[str, str] | None = None
    for sep, word in raw:
        if carry is not None:
            sep, word = carry[0], f"{carry[1]}{sep}{word}"
            carry = None
        if out and word[0] in CLOSING:
            out[-1] = (out[-1][0], f"{out[-1][1]}{sep}{word}")
        elif word[-1] in OPENING:
            carry = (sep, word)
        else:
            out.append((sep, word))
    if carry is not None:
        if out:
            out[-1] = (out[-1][0], f"{out[-1][1]}{carry[0]}{carry[1]}")
        else:
            out.append(carry)
    if keep_names and not _NAME_OPENERS.isdisjoint(paragraph):
        out = _keep_names(out)
    return tuple(out)


_NAME_PAIRS = {"‘": "’", "“": "”", "「": "」", "『": "』", "《": "》", "〈": "〉", "(": ")",
               "[": "]", "（": "）", "'": "'", '"': '"'}
_NAME_MAX_WORDS, _NAME_MAX_CHARS = 3, 12
_NAME_OPENERS = frozenset(_NAME_PAIRS)


def _keep_names(toks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(toks):
        sep, word = toks[i]
        end = _name_end(toks, i)
        if end is not None:
            span = word + "".join(s + w for s, w in toks[i + 1:end + 1])
            if len(span) <= _NAME_MAX_CHARS + 4:  # the name and a particle or two
                out.append((sep, span))
                i = end + 1
                continue
        out.append((sep, word))
        i += 1
    return out


def _name_end(toks: list[tuple[str, str]], i: int) -> int | None:
    """The index of the token closing a quote or bracket opened (and not closed) in token i."""
    word = toks[i][1]
    for pos, ch in enumerate(word):
        close = _NAME_PAIRS.get(ch)
        if close is None:
            continue
        if close in word[pos + 1:]:
            return None
        for j in range(i + 1, min(i + _NAME_MAX_WORDS, len(toks))):
            if close in toks[j][1]:
                return j
        return None
    return None


def break_lines(text: str, max_width: float, width_of: Measure, keep_names: bool = True
                ) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width`` (when at all possible).

    Explicit ``\\n`` always breaks (an empty line stays empty). A single atom
    wider than the line (a long URL, say) is split by characters as a last
    resort, still keeping closing punctuation off the line start. Short quoted
    names stay on one line unless that makes a line too wide.
    """
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        found = _break_paragraph(paragraph, max_width, width_of, keep_names)
        if keep_names and any(width_of(line) > max_width for line in found):
            found = _break_paragraph(paragraph, max_width, width_of, False)
        lines.extend(found)
    return lines


def balanced(text: str, max_width: float, width_of: Measure, keep_names: bool = True
             ) -> list[str]:
    """Lines of similar width: the narrowest measure that needs no more lines than greedy
    filling at ``max_width`` (what CSS calls ``text-wrap: balance``)."""
    lines = break_lines(text, max_width, width_of, keep_names)
    if len(lines) < 2:
        return lines
    longest = max(width_of(line) for line in lines)
    lo, hi = longest / len(lines), longest
    best = lines
    for _ in range(12):
        if hi - lo < 1:
            break
        mid = (lo + hi) / 2
        trial = break_lines(text, mid, width_of, keep_names)
        if len(trial) <= len(lines) and all(width_of(line) <= mid for line in trial):
            best, hi = trial, mid
        else:
            lo = mid
    return best


def _break_paragraph(paragraph: str, max_width: float, width_of: Measure,
                     keep_names: bool = True) -> list[str]:
    lines: list[str] = []
    line = ""
    for sep, word in _tokens(paragraph, keep_names):
        candidate = f"{line}{sep}{word}" if line else word
        if width_of(candidate) <= max_width:
            line = candidate
            continue
        if width_of(word) <= max_width:
            # the word fits on a line of its own: move it down whole
            if line:
                lines.append(line)
            line = word
            continue
        # longer than a whole line: fall back to syllables, filling the current line first
        prefix = f"{line}{sep}" if line else ""
        for atom in _atoms_of(word, max_width, width_of):
            candidate = prefix + atom
            if width_of(candidate) <= max_width or not prefix.strip():
                prefix = candidate
            else:
                lines.append(prefix.rstrip())
                prefix = atom
        line = prefix
    if line or not lines:
        lines.append(line)
    return lines


def _atoms_of(word: str, max_width: float, width_of: Measure) -> list[str]:
    """Atoms of a word, with any atom wider than the line cut into characters."""
    out: list[str] = []
    for piece in (w for part in word.split(" ") for w in (atoms(part) or [part])):
        if width_of(piece) <= max_width:
            out.append(piece)
        else:
            out.extend(_glue(list(piece)))
    # a space that was kept inside (prohibited break) becomes part of the next atom
    return _rejoin_spaces(word, out)


def _rejoin_spaces(word: str, pieces: list[str]) -> list[str]:
    """Put back the spaces ``words`` kept inside ``word`` between its pieces."""
    if " " not in word:
        return pieces
    out: list[str] = []
    pos = 0
    for piece in pieces:
        start = word.index(piece, pos)
        gap = word[pos:start]
        if gap and out:
            # the space sits where a break is prohibited: glue both sides
            out[-1] = out[-1] + gap + piece
        else:
            out.append(piece)
        pos = start + len(piece)
    return out
