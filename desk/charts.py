"""Charts as inline SVG, drawn on the server.

Why not a JavaScript charting library: the desk must work on a machine with no internet
and no build step, and a chart that is markup in the page is there for a screen reader,
a printout and a test that reads the HTML. Every point and bar carries a `<title>`, which
browsers show as a tooltip with the exact value; every label is escaped.
"""

from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f6feb", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#6b6b6b",
           "#8c564b")
"""Colour-blind-safe (Okabe-Ito based); a series keeps its colour by its position."""

Format = Callable[[float], str]


def number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}"


def percent(value: float) -> str:
    return f"{value:.0%}"


def hours(value: float) -> str:
    return f"{value:,.1f} h"


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) spanning low..high."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step / 2:
        ticks.append(round(value, 10))
        value += step
    return ticks


def line_chart(x: Sequence[str], series: Mapping[str, Sequence[float | None]], *,
               title: str, fmt: Format = number, y_range: tuple[float, float] | None = None,
               width: int = 640, height: int = 220) -> Markup:
    """One line per series over the categories `x` (days, weeks), in order. A None value
    leaves a gap. `y_range` fixes the axis (0..1 for rates); otherwise it spans 0 (or the
    lowest value, if negative) to the highest value."""
    values = [v for vs in series.values() for v in vs if v is not None]
    if not x or not values:
        return _empty(title, width)
    low, high = y_range or (min(0.0, min(values)), max(values))
    ticks = nice_ticks(low, high) if y_range is None else _even(low, high)
    low, high = min(ticks[0], low), max(ticks[-1], high)
    left, right, top, bottom = 56, 12, 10, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(x) - 1, 1)

    def px(i: int) -> float:
        return left + (i * step if len(x) > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    parts = _frame(title, width, height)
    for tick in ticks:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{py(tick):.1f}" '
                     f'y2="{py(tick):.1f}" stroke="#e3e7ed"/>'
                     f'<text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end">'
                     f'{escape(fmt(tick))}</text>')
    every = max(1, math.ceil(len(x) / 7))
    for i, label in enumerate(x):
        last = i == len(x) - 1
        if last or (i % every == 0 and len(x) - 1 - i >= every):
            anchor = "end" if last and len(x) > 1 else "middle"
            parts.append(f'<text x="{px(i):.1f}" y="{top + plot_h + 16}" '
                         f'text-anchor="{anchor}">{escape(label)}</text>')
    for n, (name, vs) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        for run in _runs(vs):
            points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in run)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                         f'points="{points}"/>')
        for i, v in enumerate(vs):
            if v is not None:
                parts.append(f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}" r="3" fill="{colour}">'
                             f'<title>{escape(name)}, {escape(x[i])}: {escape(fmt(v))}</title>'
                             '</circle>')
    parts += _legend(list(series), top + plot_h + 36, left, width - right)
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, fmt: Format = number,
              width: int = 640, label_chars: int = 34) -> Markup:
    """Horizontal bars, one per (label, value), in the order given; long labels are cut
    in the chart and whole in the tooltip."""
    if not bars:
        return _empty(title, width)
    row, left, right, top = 22, 8 + label_chars * 6, 64, 6
    height = top * 2 + row * len(bars)
    high = max(max(v for _, v in bars), 0) or 1
    plot_w = width - left - right
    parts = _frame(title, width, height)
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        shown = label if len(label) <= label_chars else label[:label_chars - 1] + "…"
        length = max(value, 0) / high * plot_w
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(shown)}</text>'
                     f'<rect x="{left}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
                     f'fill="{PALETTE[0]}"><title>{escape(label)}: {escape(fmt(value))}</title>'
                     f'</rect><text x="{left + length + 4:.1f}" y="{y + 15}">'
                     f'{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _frame(title: str, width: int, height: int) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
            f'width="100%" style="max-width:{width}px" preserveAspectRatio="xMinYMin meet">'
            f'<title>{escape(title)}</title>']


def _empty(title: str, width: int) -> Markup:
    return Markup("".join(_frame(title, width, 40)) +
                  '<text x="8" y="24">no data for this chart yet</text></svg>')


def _even(low: float, high: float, count: int = 4) -> list[float]:
    return [low + (high - low) * i / count for i in range(count + 1)]


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive non-missing points: one polyline each, so a gap stays a gap."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((i, v))
    return [run for run in runs if run]


def _legend(names: list[str], y: float, left: float, right: float) -> list[str]:
    """A swatch and name per series, wrapping onto a second line when they do not fit."""
    parts, x = [], left
    for n, name in enumerate(names):
        colour = PALETTE[n % len(PALETTE)]
        if x > left and x + 14 + 6.5 * len(name) > right:
            x, y = left, y + 14
        parts.append(f'<rect x="{x:.0f}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14:.0f}" y="{y}">{escape(name)}</text>')
        x += 24 + 6.5 * len(name)
    return parts
