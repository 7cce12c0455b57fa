"""Inline SVG line charts (no JavaScript) for the report: a learner's widgets over the on-sale data."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
W, H, PAD = 420, 150, 28


def line_chart(title: str, lines: Sequence[tuple[str, Sequence[float | None]]], shaded: Sequence[tuple[int, int]] = (),
               minutes_per_point: int = 1) -> str:
    """One chart: ``lines`` of (label, values), ``shaded`` (start, end) point ranges (incident windows)."""
    n = max((len(v) for _, v in lines), default=0)
    top = max((x for _, v in lines for x in v if x is not None), default=0.0) or 1.0
    sx = (W - 2 * PAD) / max(1, n - 1)

    def y(v: float) -> float:
        return H - PAD - v / top * (H - 2 * PAD)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H + 14 * len(lines)}" role="img">',
             f'<title>{escape(title)}</title><text x="{PAD}" y="14" font-size="12">{escape(title)}</text>',
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#999"/>',
             f'<text x="2" y="{PAD + 4}" font-size="9">{top:g}</text>',
             f'<text x="{W - PAD - 40}" y="{H - PAD + 12}" font-size="9">minute {n * minutes_per_point}</text>']
    for start, end in shaded:
        parts.append(f'<rect x="{PAD + start * sx:.1f}" y="{PAD}" width="{max(2.0, (end - start) * sx):.1f}" '
                     f'height="{H - 2 * PAD}" fill="#f5c6cb" opacity="0.6"/>')
    for index, (label, values) in enumerate(lines):
        color = COLORS[index % len(COLORS)]
        segments, current = [], []
        for i, v in enumerate(values):
            if v is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{PAD + i * sx:.1f},{y(v):.1f}")
        if current:
            segments.append(current)
        for seg in segments:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{" ".join(seg)}"/>')
        parts.append(f'<text x="{PAD}" y="{H + 12 * index + 4}" font-size="10" fill="{color}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
