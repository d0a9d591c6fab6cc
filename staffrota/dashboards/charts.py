"""Charts as server-rendered SVG: no script, no inline style, colours from app.css classes.

Each chart carries a <title> and <desc> for screen readers, and every bar or point a <title>
with its exact value, shown as a tooltip on hover.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 44


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float, unit: str) -> str:
    if unit == "£":
        return f"£{value:,.0f}"
    if unit == "%":
        return f"{value:.0f}%"
    return f"{value:,.0f}{unit}"


def _frame(title: str, labels: list[str], top: float, unit: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_fmt(value, unit))}</text>"
        )
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    every = max(1, len(labels) // 12)
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = LEFT + step * (i + 0.5)
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    return parts


def _legend(series: list[Series]) -> list[str]:
    parts, x = [], LEFT
    for index, item in enumerate(series):
        parts.append(
            f'<rect class="s{index % 6}" x="{x}" y="{HEIGHT - 16}" width="10" height="10"/>'
        )
        parts.append(
            f'<text class="legend" x="{x + 14}" y="{HEIGHT - 7}">{escape(item.name)}</text>'
        )
        x += 24 + 7 * len(item.name)
    return parts


def bar_chart(title: str, labels: list[str], series: list[Series], unit: str = "") -> SafeString:
    """Stacked bars, one per label; each series a colour."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))] or [0]
    top = _nice_max(max(totals))
    parts = _frame(title, labels, top, unit)
    plot_h = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar_w = step * 0.7
    for i, label in enumerate(labels):
        base = 0.0
        for index, item in enumerate(series):
            value = item.values[i] or 0
            if value <= 0:
                continue
            h = plot_h * value / top
            y = TOP + plot_h - plot_h * (base + value) / top
            x = LEFT + step * i + (step - bar_w) / 2
            parts.append(
                f'<rect class="s{index % 6}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}"><title>{escape(label)} · {escape(item.name)}: '
                f"{escape(_fmt(value, unit))}</title></rect>"
            )
            base += value
    parts += _legend(series)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text in it is escaped above)


def line_chart(title: str, labels: list[str], series: list[Series], unit: str = "") -> SafeString:
    """One line per series; gaps where a value is missing."""
    values = [v for s in series for v in s.values if v is not None] or [0]
    top = _nice_max(max(values))
    parts = _frame(title, labels, top, unit)
    plot_h = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for index, item in enumerate(series):
        points = []
        for i, value in enumerate(item.values):
            if value is None:
                continue
            x = LEFT + step * (i + 0.5)
            y = TOP + plot_h - plot_h * value / top
            points.append((x, y, labels[i], value))
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            parts.append(f'<polyline class="line s{index % 6}" points="{path}"/>')
        for x, y, label, value in points:
            parts.append(
                f'<circle class="s{index % 6}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                f"<title>{escape(label)} · {escape(item.name)}: {escape(_fmt(value, unit))}"
                "</title></circle>"
            )
    parts += _legend(series)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text in it is escaped above)
