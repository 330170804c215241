"""Fit Korean text into a box: line breaking, shrink-to-fit, ellipsis, alignment, drawing.

The size search is a binary search between ``min_size`` and ``size`` on the
predicate "every line fits the width, the lines fit the height and
``max_lines``"; it ends on a size that fits whose next size up does not.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from PIL import Image, ImageDraw, ImageFont

from . import glyphs
from .fonts import additive_widths, is_color
from .linebreak import balanced, break_lines
from .markup import ACCENT_OFF, ACCENT_ON, BOLD_OFF, BOLD_ON, MARKERS, ZWJ

ELLIPSIS = "…"


@dataclass(frozen=True)
class TextStyle:
    family: str
    weight: int
    size: int                 # the largest size; shrink-to-fit starts here
    min_size: int             # == size when the layer does not shrink
    color: tuple[int, int, int, int]
    align: str = "left"       # left | center | right
    valign: str = "top"       # top | middle | bottom
    line_height: float = 1.3  # times the font size
    letter_spacing: float = 0.0   # px at ``size`` (scaled when shrinking)
    spacing_is_em: bool = False   # letter_spacing given in % of the size
    max_lines: int | None = None
    ellipsis: bool = False
    balance: bool = False         # lines of similar width (headlines)
    accent: tuple[int, int, int, int] | None = None   # colour of *emphasis*


@dataclass(frozen=True)
class Fonts:
    """The fonts of one text layer at one size: its own, a heavier one for ``**bold**``
    emphasis, and a fallback font per character its own font lacks (emoji)."""

    main: ImageFont.FreeTypeFont
    bold: ImageFont.FreeTypeFont | None = None
    fallback: tuple[tuple[str, ImageFont.FreeTypeFont], ...] = ()
    marked: bool = False          # the text holds emphasis markers

    @property
    def simple(self) -> bool:
        return self.bold is None and not self.fallback and not self.marked


@dataclass(frozen=True)
class TextLayout:
    lines: tuple[str, ...]
    widths: tuple[float, ...]
    font: ImageFont.FreeTypeFont
    size: int
    line_px: float
    spacing: float
    fits: bool
    truncated: bool = False
    fonts: Fonts | None = None

    @property
    def height(self) -> float:
        return self.line_px * len(self.lines)


FontAt = Callable[[int], "ImageFont.FreeTypeFont | Fonts"]


def spacing_at(style: TextStyle, size: int) -> float:
    if style.spacing_is_em:
        return style.letter_spacing * size / 100.0
    return style.letter_spacing * size / style.size if style.size else 0.0


class _Memo:
    """A bounded, thread-safe LRU for per-process text caches (widths, glyph masks).

    Keys hold the font object itself: fonts live for the process (``fonts._load``
    keeps them), and a key referring to a font keeps that font alive, so an id
    is never reused for another font while its entries exist.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            self._items.move_to_end(key)
            return hit[0]

    def put(self, key: Any, value: Any, cost: int = 1) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= old[1]
            self._items[key] = (value, cost)
            self.used += cost
            while self.used > self.budget and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self.used -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.used = 0

    def __len__(self) -> int:
        return len(self._items)


class _Widths(_Memo):
    """``WIDTHS``: whole strings in the LRU (fonts whose widths do not add up, and runs
    of several fonts), and for every font whose widths add up a plain dict of its
    characters' widths.

    The character dicts take no lock: under the GIL a dict read or store is atomic, and
    a character's width is a pure function of the font, so two threads filling the same
    entry store the same float. They are bounded by ``char_budget`` entries in all (past
    it every other font's are dropped, and measured again as asked)."""

    def __init__(self, budget: int, char_budget: int) -> None:
        super().__init__(budget)
        self.char_budget = char_budget
        self.char_count = 0
        # font -> {character: width}, or None for a font whose widths do not add up
        self.chars: dict[ImageFont.FreeTypeFont, dict[str, float] | None] = {}

    def chars_of(self, font: ImageFont.FreeTypeFont) -> dict[str, float] | None:
        """The font's character widths (filled as asked), None when its widths do not add
        up. The key holds the font, so its id is never reused while the entry exists."""
        try:
            return self.chars[font]
        except KeyError:
            pass
        widths = {} if additive_widths(font) else None
        return self.chars.setdefault(font, widths)

    def fill(self, font: ImageFont.FreeTypeFont, widths: dict[str, float], text: str,
             skip: frozenset[str] = frozenset()) -> None:
        """Measure the characters of ``text`` that ``widths`` lacks (but those in ``skip``),
        one ``getlength`` each."""
        new = [ch for ch in dict.fromkeys(text) if ch not in widths and ch not in skip]
        if not new:
            return
        self.char_count += len(new)
        if self.char_count > self.char_budget:
            self.chars.clear()           # every other font's widths dropped
            if self.chars.setdefault(font, widths) is widths:
                self.char_count = len(widths) + len(new)
            else:                        # another thread's dict already: ours is the caller's
                self.char_count = len(new)
        for ch in new:
            widths[ch] = font.getlength(ch)

    def clear(self) -> None:
        super().clear()
        self.chars.clear()
        self.char_count = 0

    def __len__(self) -> int:
        return super().__len__() + self.char_count


WIDTHS = _Widths(50_000, 200_000)   # (font, text) -> advance width; font -> {char: width}
MASKS = _Memo(32 * 2**20)        # (font, text, subpixel start) -> glyph mask, bytes
GLYPHS = _Memo(16 * 2**20)       # (glyphs.Face, character) -> glyphs.Glyph, bytes


def text_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    """``font.getlength(text)``, remembered: line breaking and shrink-to-fit ask again and again.

    In a font whose widths add up (``fonts.additive_widths``: no kerning in Pillow's
    basic layout) a string is the sum of its characters, each measured once: the same
    float (sums of 1/64 px are exact), without FreeType loading every glyph of every
    candidate line at every size tried."""
    widths = WIDTHS.chars.get(font)      # drawing asks character by character: no calls
    if widths is not None:
        try:
            return widths[text] if len(text) == 1 else sum(map(widths.__getitem__, text), 0.0)
        except KeyError:
            return _summed(font, widths, text)
    widths = WIDTHS.chars_of(font)
    if widths is not None:
        return _summed(font, widths, text)
    key = (font, text)
    width = WIDTHS.get(key)
    if width is None:
        width = font.getlength(text)
        WIDTHS.put(key, width)
    return width


def _summed(font: ImageFont.FreeTypeFont, widths: dict[str, float], text: str) -> float:
    """The sum of the characters' widths, from left to right (exact: multiples of 1/64)."""
    try:
        return sum(map(widths.__getitem__, text), 0.0)
    except KeyError:
        WIDTHS.fill(font, widths, text)
        return sum(map(widths.__getitem__, text), 0.0)


Run = tuple[str, ImageFont.FreeTypeFont, bool]      # text, font, in the accent colour


def runs(text: str, fonts: Fonts, bold: bool = False, accent: bool = False
         ) -> tuple[list[Run], bool, bool]:
    """Split a line into runs of one font and colour; markers are dropped.

    The state at the line's start is read from the line itself (a line whose
    first bold marker closes was bold from its start: ``markup`` wraps every
    word), else taken from ``bold``/``accent``. Returns the runs and the state
    at the end, for the next line.
    """
    bold = _starts_inside(text, BOLD_ON, BOLD_OFF, bold)
    accent = _starts_inside(text, ACCENT_ON, ACCENT_OFF, accent)
    fallback = dict(fonts.fallback)
    out: list[Run] = []
    buf: list[str] = []
    current: tuple[ImageFont.FreeTypeFont, bool] | None = None
    for ch in text:
        if ch in MARKERS:
            if ch == BOLD_ON or ch == BOLD_OFF:
                bold = ch == BOLD_ON
            else:
                accent = ch == ACCENT_ON
            continue
        if ch == ZWJ and current is not None and current[0] in fallback.values():
            font = current[0]
        else:
            font = fallback.get(ch) or (fonts.bold if bold and fonts.bold is not None
                                        else fonts.main)
        key = (font, accent)
        if key != current and buf:
            out.append(("".join(buf), current[0], current[1]))  # type: ignore[index]
            buf = []
        current = key
        buf.append(ch)
    if buf and current is not None:
        out.append(("".join(buf), current[0], current[1]))
    return out, bold, accent


def _starts_inside(text: str, on: str, off: str, default: bool) -> bool:
    i, j = text.find(on), text.find(off)
    if i < 0 and j < 0:
        return default
    return j >= 0 and (i < 0 or j < i)


def _visible(text: str) -> int:
    return sum(1 for ch in text if ch not in MARKERS and ch != ZWJ)


_NEVER_MEASURED = frozenset("\n\r\t\u3000\u200b")   # line breaking splits at them


def measurer(font: "ImageFont.FreeTypeFont | Fonts", spacing: float, text: str = ""
             ) -> Callable[[str], float]:
    """Width of a string in these fonts, letter spacing included (between characters).

    ``text``: what will be measured, in pieces; its characters are measured up front
    (one look-up pass instead of a miss at each new character)."""
    fonts = font if isinstance(font, Fonts) else Fonts(font)
    main = fonts.main
    if fonts.simple:
        widths = WIDTHS.chars_of(main)
        if widths is not None:
            if text:
                WIDTHS.fill(main, widths, text, _NEVER_MEASURED)
            # line breaking measures thousands of candidate lines per post: the sum in
            # one call, without text_width's look-ups
            get = widths.__getitem__
            if not spacing:
                def summed(s: str) -> float:
                    try:
                        return sum(map(get, s), 0.0)
                    except KeyError:
                        return _summed(main, widths, s)
                return summed

            def spaced(s: str) -> float:
                try:
                    base = sum(map(get, s), 0.0)
                except KeyError:
                    base = _summed(main, widths, s)
                return base + spacing * max(len(s) - 1, 0)
            return spaced
        if not spacing:
            return lambda s: text_width(main, s)
        return lambda s: text_width(main, s) + spacing * max(len(s) - 1, 0)
    special = set(MARKERS) | {ch for ch, _ in fonts.fallback}

    def width_of(s: str) -> float:
        if special.isdisjoint(s):
            base = text_width(main, s)
            return base + spacing * max(len(s) - 1, 0) if spacing else base
        key = (fonts, s)
        hit = WIDTHS.get(key)
        if hit is None:
            hit = sum(text_width(f, run) for run, f, _ in runs(s, fonts)[0])
            WIDTHS.put(key, hit)
        return hit + spacing * max(_visible(s) - 1, 0) if spacing else hit

    return width_of


def layout_at(text: str, style: TextStyle, size: int, width: float, height: float,
              font_at: FontAt, balance: bool = False) -> TextLayout:
    got = font_at(size)
    fonts = got if isinstance(got, Fonts) else Fonts(got)
    spacing = spacing_at(style, size)
    width_of = measurer(fonts, spacing, text)
    lines = (balanced if balance else break_lines)(text, width, width_of)
    widths = tuple(width_of(line) for line in lines)
    line_px = size * style.line_height
    fits = (all(w <= width + 0.5 for w in widths) and line_px * len(lines) <= height + 0.5
            and (style.max_lines is None or len(lines) <= style.max_lines))
    return TextLayout(tuple(lines), widths, fonts.main, size, line_px, spacing, fits,
                      fonts=fonts)


def fit(text: str, style: TextStyle, width: float, height: float, font_at: FontAt) -> TextLayout:
    """The layout at the largest size in [min_size, size] that fits, else the min-size layout.

    The returned layout has ``fits=False`` only when nothing fits and the style
    does not ask for an ellipsis; with ``ellipsis`` the min-size layout is cut.
    """
    best = layout_at(text, style, style.size, width, height, font_at)
    if best.fits or style.min_size >= style.size:
        if best.fits:
            return _balance(best, text, style, width, height, font_at)
        return _cut(best, style, width, height) if style.ellipsis else best
    low = layout_at(text, style, style.min_size, width, height, font_at)
    if not low.fits:
        return _cut(low, style, width, height) if style.ellipsis else low
    lo, hi = style.min_size, style.size          # lo fits, hi does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        trial = layout_at(text, style, mid, width, height, font_at)
        if trial.fits:
            lo, low = mid, trial
        else:
            hi = mid
    return _balance(low, text, style, width, height, font_at)


def _balance(layout: TextLayout, text: str, style: TextStyle, width: float, height: float,
             font_at: FontAt) -> TextLayout:
    """The same size with balanced lines (never more lines than greedy filling)."""
    if not style.balance or len(layout.lines) < 2:
        return layout
    even = layout_at(text, style, layout.size, width, height, font_at, balance=True)
    return even if even.fits else layout


def _cut(layout: TextLayout, style: TextStyle, width: float, height: float) -> TextLayout:
    """Keep the lines that fit and end the last one with an ellipsis."""
    room = int((height + 0.5) // layout.line_px)
    if style.max_lines is not None:
        room = min(room, style.max_lines)
    room = max(room, 1)
    width_of = measurer(layout.fonts or layout.font, layout.spacing)
    lines = list(layout.lines[:room])
    last = lines[-1]
    cut = len(layout.lines) > room or width_of(last) > width
    if cut:
        while last and width_of(last.rstrip() + ELLIPSIS) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + ELLIPSIS
    widths = tuple(width_of(line) for line in lines)
    return TextLayout(tuple(lines), widths, layout.font, layout.size, layout.line_px,
                      layout.spacing, True, truncated=cut, fonts=layout.fonts)


def block_top(layout: TextLayout, style: TextStyle, y: float, height: float) -> float:
    if style.valign == "middle":
        return y + (height - layout.height) / 2
    if style.valign == "bottom":
        return y + height - layout.height
    return y


def line_left(layout: TextLayout, style: TextStyle, index: int, x: float, width: float) -> float:
    w = layout.widths[index]
    if style.align == "center":
        return x + (width - w) / 2
    if style.align == "right":
        return x + width - w
    return x


def draw(canvas_draw: ImageDraw.ImageDraw, layout: TextLayout, style: TextStyle,
         box: tuple[int, int, int, int]) -> None:
    """Draw the laid-out lines into ``box``; each line is centred in its line box."""
    x, y, w, h = box
    ascent, descent = layout.font.getmetrics()
    top = block_top(layout, style, y, h)
    ink = canvas_draw.draw.draw_ink(style.color)
    fonts = layout.fonts
    accent_ink = canvas_draw.draw.draw_ink(style.accent) if style.accent is not None else ink
    bold = accent = False
    for i, line in enumerate(layout.lines):
        if not line:
            continue
        baseline = top + i * layout.line_px + (layout.line_px - (ascent + descent)) / 2 + ascent
        left = line_left(layout, style, i, x, w)
        if fonts is None or fonts.simple:
            pieces: list[Run] = [(line, layout.font, False)]
        else:
            pieces, bold, accent = runs(line, fonts, bold, accent)
        for text, font, accented in pieces:
            color = accent_ink if accented else ink
            if not layout.spacing:
                _stamp(canvas_draw, left, baseline, text, font, color)
                left += text_width(font, text)
                continue
            for ch in text:
                if ch == ZWJ:
                    continue
                _stamp(canvas_draw, left, baseline, ch, font, color)
                left += text_width(font, ch) + layout.spacing


def _stamp(canvas_draw: ImageDraw.ImageDraw, x: float, y: float, text: str,
           font: ImageFont.FreeTypeFont, ink: int) -> None:
    """``canvas_draw.text((x, y), text, font=font, fill=ink, anchor="ls")``, the same pixels,
    with the rendered glyph mask remembered (FreeType rasterising the variable CJK
    font is the dear part; a mask depends on the text and the sub-pixel start only)."""
    start = (math.modf(x)[0], math.modf(y)[0])
    if is_color(font):
        _stamp_color(canvas_draw, x, y, text, font, ink, start)
        return
    key = (font, text, start)
    hit = MASKS.get(key)
    if hit is None:
        # each glyph loaded once per font (glyphs.py), where the masks are Pillow's to the bit
        hit = glyphs.mask(font, text, start, GLYPHS)
        if hit is None:
            hit = font.getmask2(text, "L", None, None, None, 0, "ls", 0, start)
        mask = hit[0]
        MASKS.put(key, hit, mask.size[0] * mask.size[1] + 100)
    mask, offset = hit
    # canvas_draw.draw.draw_bitmap(xy, mask, ink), the same pixels in about half the time
    # (see paint.fill: a paste of a solid image through the mask instead of a fill)
    left, top = int(x) + offset[0], int(y) + offset[1]
    canvas = canvas_draw.im
    solid = Image.core.fill(canvas.mode, mask.size, _rgb(ink))
    canvas.paste(solid, (left, top, left + mask.size[0], top + mask.size[1]), mask)


def _rgb(ink: int) -> tuple[int, int, int]:
    """The colour channels of a packed ``draw_ink`` value (draw_bitmap draws no alpha)."""
    r, g, b, _ = (ink & 0xFFFFFFFF).to_bytes(4, "little")
    return r, g, b


def _stamp_color(canvas_draw: ImageDraw.ImageDraw, x: float, y: float, text: str,
                 font: ImageFont.FreeTypeFont, ink: int, start: tuple[float, float]) -> None:
    """A colour emoji: the font's own colours (RGBA from FreeType's COLR layers), pasted
    through its alpha, as ``ImageDraw.text(..., embedded_color=True)`` does."""
    key = (font, text, start, "RGBA")
    hit = MASKS.get(key)
    if hit is None:
        color, offset = font.getmask2(text, "RGBA", None, None, None, 0, "ls", ink, start)
        hit = (color, color.getband(3), offset)
        MASKS.put(key, hit, color.size[0] * color.size[1] * 5 + 100)
    color, alpha, offset = hit
    left, top = int(x) + offset[0], int(y) + offset[1]
    canvas_draw.im.paste(color, (left, top, left + alpha.size[0], top + alpha.size[1]), alpha)
