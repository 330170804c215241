"""Bar charts as PNG with Korean labels, drawn with Pillow and the embedded Noto Sans CJK KR.

Why not a plotting library: three bar charts do not earn matplotlib's 40 MB and its
font configuration; Pillow and the font are already what card rendering uses.
"""

from __future__ import annotations

import io
from typing import Sequence

from PIL import Image, ImageDraw

COLOURS = ("#1f5fa8", "#9bbce0", "#d9822b", "#3a8d5c", "#8e5ea2", "#c0392b")
W, H = 960, 480
LEFT, RIGHT, TOP, BOTTOM = 90, 30, 70, 90


def _font(size: int, bold: bool = False):
    from ..render.fonts import EMBEDDED_FAMILY, FontBook

    return FontBook().get(EMBEDDED_FAMILY, 700 if bold else 400, size)


def _number(value: float) -> str:
    return f"{int(value):,}"


def bar_chart(title: str, labels: Sequence[str],
              series: Sequence[tuple[str, Sequence[int | None]]]) -> bytes:
    """Grouped bars: one group per label, one bar per series; a missing value draws no bar
    and the label "-" (never zero)."""
    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)
    draw.text((LEFT, 20), title, fill="#111", font=_font(24, bold=True))
    top = max([v for _n, vals in series for v in vals if v is not None] or [1]) or 1
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    small = _font(15)
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        draw.line((LEFT, y, W - RIGHT, y), fill="#e3e3e3")
        text = _number(top * i / 4)
        draw.text((LEFT - 8 - draw.textlength(text, font=small), y - 9), text, fill="#555", font=small)
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = max(4.0, group_w * 0.8 / max(len(series), 1))
    for g, label in enumerate(labels):
        x0 = LEFT + g * group_w + group_w * 0.1
        for s, (_name, values) in enumerate(series):
            value = values[g] if g < len(values) else None
            x = x0 + s * bar_w
            if value is None:
                draw.text((x + bar_w / 2 - 4, TOP + plot_h - 20), "-", fill="#888", font=small)
                continue
            h = plot_h * value / top
            draw.rectangle((x, TOP + plot_h - h, x + bar_w - 2, TOP + plot_h),
                           fill=COLOURS[s % len(COLOURS)])
        width = draw.textlength(label, font=small)
        draw.text((LEFT + g * group_w + (group_w - width) / 2, TOP + plot_h + 8), label,
                  fill="#222", font=small)
    x = LEFT
    for s, (name, _values) in enumerate(series):
        draw.rectangle((x, H - 34, x + 16, H - 18), fill=COLOURS[s % len(COLOURS)])
        draw.text((x + 22, H - 38), name, fill="#222", font=small)
        x += 40 + draw.textlength(name, font=small)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=False)
    return out.getvalue()
