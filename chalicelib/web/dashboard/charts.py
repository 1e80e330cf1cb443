"""Bar charts as inline SVG, drawn on the server: no JavaScript, no image request. Each bar
carries its number in a `<title>`; the page also lists the numbers in a table for screen
readers. Only attributes (no `style`), so a strict Content-Security-Policy holds."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 600
HEIGHT = 160
AXIS = 18  # room for the first and last day's labels


@dataclass(frozen=True)
class Bar:
    day: str  # YYYY-MM-DD
    value: int


def is_empty(bars: Sequence[Bar]) -> bool:
    return not any(bar.value for bar in bars)


def daily_bars(bars: Sequence[Bar], label: str, describe: Callable[[Bar], str], first: str, last: str) -> Markup:
    """A bar per day; `describe(bar)` is its tooltip, `first`/`last` label the axis ends."""
    count = max(len(bars), 1)
    top = max((bar.value for bar in bars), default=0) or 1
    slot = WIDTH / count
    gap = 1 if slot > 4 else 0
    plot = HEIGHT - AXIS
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="0" y1="{plot}" x2="{WIDTH}" y2="{plot}" stroke="#c9c3d6" stroke-width="1"/>',
    ]
    for index, bar in enumerate(bars):
        height = 0 if bar.value == 0 else max(2.0, plot * bar.value / top)
        x = index * slot
        parts.append(
            f'<rect x="{x + gap:.1f}" y="{plot - height:.1f}" width="{max(slot - 2 * gap, 1):.1f}" '
            f'height="{height:.1f}" fill="#7b3fe4"><title>{escape(describe(bar))}</title></rect>'
        )
    parts.append(f'<text x="0" y="{HEIGHT - 4}" font-size="12" fill="#5b5568">{escape(first)}</text>')
    parts.append(
        f'<text x="{WIDTH}" y="{HEIGHT - 4}" font-size="12" fill="#5b5568" text-anchor="end">{escape(last)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
