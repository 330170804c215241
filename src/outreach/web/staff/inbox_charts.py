"""Server-rendered SVG bar charts for the report page: no chart library, no CDN, prints on A4.

Pure functions from numbers to markup; every label is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

from markupsafe import Markup

COLOURS = ("#1f5fbf", "#1d7a3a", "#9a6200", "#b3261e")


def bars(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
         *, width: int = 640, height: int = 220) -> Markup:
    """Grouped vertical bars: one group per label, one bar per series, with a legend."""
    top, bottom, left = 28, 36, 36
    plot_h = height - top - bottom
    peak = max([v or 0 for _, values in series for v in values] + [1])
    n = max(len(labels), 1)
    group_w = (width - left - 8) / n
    bar_w = max(min(group_w / (len(series) + 1), 28), 2)
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 4}" y2="{top + plot_h}" '
             'stroke="#8a93a3"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="11">'
             f'{_num(peak)}</text>']
    for i, label in enumerate(labels):
        x0 = left + i * group_w + (group_w - bar_w * len(series)) / 2
        for j, (name, values) in enumerate(series):
            v = values[i] if i < len(values) and values[i] else 0
            h = plot_h * v / peak
            x = x0 + j * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[j % len(COLOURS)]}">'
                         f'<title>{escape(str(label))} · {escape(name)}: {_num(v)}</title></rect>')
            if v and bar_w >= 14:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" '
                             f'text-anchor="middle" font-size="10">{_num(v)}</text>')
        parts.append(f'<text x="{left + i * group_w + group_w / 2:.1f}" y="{height - bottom + 16}" '
                     f'text-anchor="middle" font-size="11">{escape(_short(str(label)))}</text>')
    for j, (name, _values) in enumerate(series):
        x = left + j * 150
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" '
                     f'fill="{COLOURS[j % len(COLOURS)]}"/>'
                     f'<text x="{x + 14}" y="15" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _short(label: str, size: int = 10) -> str:
    return label if len(label) <= size else label[:size - 1] + "…"
