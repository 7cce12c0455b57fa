"""Inline SVG line charts (no JavaScript) for the report: a learner's widgets over the on-sale data.

A chart has a y axis from 0 to the largest value (labelled at 0, half and top, with light grid
lines), an x axis in minutes of the on-sale (ticks every 10 minutes, whatever the period of a
point), shaded incident windows, and optionally the periods an alarm spent in ALARM as a red band
under the axis: what a learner needs to read an onset or a late alarm off the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
W, H, PAD, LEFT = 440, 170, 28, 44
TICK_MINUTES = 10


def _label(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:g}"


def line_chart(title: str, lines: Sequence[tuple[str, Sequence[float | None]]], shaded: Sequence[tuple[int, int]] = (),
               minutes_per_point: int = 1, alarm_points: Sequence[int] = (), subtitle: str = "") -> str:
    """One chart: ``lines`` of (label, values), ``shaded`` (start, end) point ranges (incident windows),
    ``alarm_points`` the indexes of points at which an alarm was in ALARM, ``subtitle`` a second,
    smaller title line (what the data are)."""
    n = max((len(v) for _, v in lines), default=0)
    top = max((x for _, v in lines for x in v if x is not None), default=0.0) or 1.0
    sx = (W - LEFT - PAD) / max(1, n - 1)
    bottom = H - PAD

    def x(i: float) -> float:
        return LEFT + i * sx

    def y(v: float) -> float:
        return bottom - v / top * (bottom - PAD)

    legend_rows = len(lines) + (1 if alarm_points else 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H + 8 + 13 * legend_rows}" role="img" '
             'font-family="sans-serif">',
             f'<title>{escape(title)}</title><text x="{LEFT}" y="12" font-size="12">{escape(title)}</text>']
    if subtitle:
        parts.append(f'<text x="{LEFT}" y="24" font-size="9" fill="#555">{escape(subtitle)}</text>')
    for start, end in shaded:
        parts.append(f'<rect x="{x(start):.1f}" y="{PAD}" width="{max(2.0, (end - start) * sx):.1f}" '
                     f'height="{bottom - PAD}" fill="#f5c6cb" opacity="0.6"/>')
    for fraction in (0.0, 0.5, 1.0):  # y axis: grid lines and labels at 0, half, top
        gy = y(top * fraction)
        parts.append(f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{W - PAD}" y2="{gy:.1f}" stroke="{"#999" if not fraction else "#e3e3e3"}"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{gy + 3:.1f}" font-size="9" text-anchor="end">{_label(top * fraction)}</text>')
    minutes = n * minutes_per_point
    for minute in range(0, minutes + 1, TICK_MINUTES):  # x axis: minutes of the on-sale
        tx = x(minute / minutes_per_point)
        if tx > W - PAD + 0.5:
            break
        parts.append(f'<line x1="{tx:.1f}" y1="{bottom}" x2="{tx:.1f}" y2="{bottom + 3}" stroke="#999"/>'
                     f'<text x="{tx:.1f}" y="{bottom + 12}" font-size="9" text-anchor="middle">{minute}</text>')
    parts.append(f'<text x="{W - PAD}" y="{bottom + 23}" font-size="9" text-anchor="end">minute</text>')
    for i in alarm_points:  # the periods in ALARM, as a band under the axis
        parts.append(f'<rect x="{x(i) - sx / 2:.1f}" y="{bottom + 14}" width="{max(1.5, sx):.1f}" height="4" fill="#d62728"/>')
    for index, (label, values) in enumerate(lines):
        color = COLORS[index % len(COLORS)]
        segments, current = [], []
        for i, v in enumerate(values):
            if v is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{x(i):.1f},{y(v):.1f}")
        if current:
            segments.append(current)
        for seg in segments:
            if len(seg) == 1:  # a lone datapoint between gaps: a dot, or it would not show
                cx, cy = seg[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="1.8" fill="{color}"/>')
            else:
                parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{" ".join(seg)}"/>')
        parts.append(f'<text x="{LEFT}" y="{H + 8 + 13 * index}" font-size="10" fill="{color}">{escape(label)}</text>')
    if alarm_points:
        parts.append(f'<text x="{LEFT}" y="{H + 8 + 13 * len(lines)}" font-size="10" fill="#d62728">'
                     '&#9644; periods the alarm was in ALARM</text>')
    parts.append("</svg>")
    return "".join(parts)
