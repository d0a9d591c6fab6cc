"""The forecast chart as server-rendered SVG: history, forecast, 80% and 95% bands.

No script and no inline style (CSP): colours come from classes in web/app.css. Every text
is escaped; each point carries a <title> with its exact value for a hover tooltip.
"""

from __future__ import annotations

from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from staffrota.forecasting.cache import Day

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 40


def _nice_max(value: float) -> float:
    if value <= 0:
        return 10.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def forecast_chart(*, title: str, history: list[tuple[date, float]], days: list[Day]) -> SafeString:
    """History as a line, the forecast as a dashed line inside its 80% and 95% bands."""
    all_dates = [d for d, _ in history] + [d.date for d in days]
    if not all_dates:
        return mark_safe("")  # noqa: S308 (empty)
    first, last = min(all_dates), max(all_dates)
    span = max((last - first).days, 1)
    top = _nice_max(max([v for _, v in history] + [d.hi95 for d in days] + [0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + plot_w * (day - first).days / span

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * min(value, top) / top

    parts = [
        f'<svg class="chart forecast-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
        "<desc>Care hours needed per day: recorded history, then the forecast with its "
        "80% and 95% intervals.</desc>",
    ]
    for i in range(5):
        value = top * i / 4
        gy = y(value)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end">'
            f"{value:,.0f} h</text>"
        )
    month_starts = sorted({d.replace(day=1) for d in all_dates if d.replace(day=1) >= first})
    for month in month_starts:
        parts.append(
            f'<text class="axis" x="{x(month):.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(month.strftime("%b %Y"))}</text>'
        )
    if days:
        for low, high, css in (("lo95", "hi95", "band95"), ("lo80", "hi80", "band80")):
            upper = [f"{x(d.date):.1f},{y(getattr(d, high)):.1f}" for d in days]
            lower = [f"{x(d.date):.1f},{y(getattr(d, low)):.1f}" for d in reversed(days)]
            parts.append(f'<polygon class="{css}" points="{" ".join(upper + lower)}"/>')
        boundary = x(days[0].date)
        parts.append(
            f'<line class="origin" x1="{boundary:.1f}" x2="{boundary:.1f}" y1="{TOP}" '
            f'y2="{TOP + plot_h}"/>'
        )
    if len(history) > 1:
        points = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in history)
        parts.append(f'<polyline class="line s0" points="{points}"/>')
    if days:
        points = " ".join(f"{x(d.date):.1f},{y(d.y_hat):.1f}" for d in days)
        parts.append(f'<polyline class="line s1 forecast-line" points="{points}"/>')
        for d in days:
            parts.append(
                f'<circle class="s1" cx="{x(d.date):.1f}" cy="{y(d.y_hat):.1f}" r="2">'
                f"<title>{escape(d.date.strftime('%a %d %b'))}: {d.y_hat:,.0f} h "
                f"(80%: {d.lo80:,.0f} to {d.hi80:,.0f}; 95%: {d.lo95:,.0f} to {d.hi95:,.0f})"
                "</title></circle>"
            )
    legend = (
        ("s0", "Recorded"),
        ("s1", "Forecast"),
        ("band80", "80% interval"),
        ("band95", "95% interval"),
    )
    lx = LEFT
    for css, label in legend:
        parts.append(f'<rect class="{css}" x="{lx}" y="{HEIGHT - 14}" width="10" height="10"/>')
        parts.append(f'<text class="legend" x="{lx + 14}" y="{HEIGHT - 5}">{escape(label)}</text>')
        lx += 30 + 7 * len(label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text in it is escaped above)
