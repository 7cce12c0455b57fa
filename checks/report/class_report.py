"""The class summary an instructor opens after grading: ``index.html``, static HTML and inline SVG.

No JavaScript and no external file: it opens from a mail attachment or a locked-down CI artefact
store. It shows everything, hidden checks included (it is the instructor's view):

- the score distribution (a histogram of percentages, ten bins);
- the most-failed checks (horizontal bars: share of learners who did not pass), i.e. what to re-teach;
- one row per learner: total, status and reason, what was ignored, links to their report and results.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from checks.lab import SessionId
from checks.record import CheckRecord
from checks.report.terminal import points

_STYLE = """
body{font-family:Helvetica,Arial,sans-serif;margin:1.5em;max-width:75em;color:#222}
h1{font-size:1.5em} h2{font-size:1.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%} th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef} td.num{text-align:right;white-space:nowrap}
.status-ok{color:#070} .status-timeout,.status-crashed,.status-invalid{color:#b60;font-weight:bold}
.status-tampered{color:#b00;font-weight:bold} .notes{font-size:.9em;color:#555}
svg text{font-family:Helvetica,Arial,sans-serif;font-size:12px}
"""


@dataclass(frozen=True)
class LearnerRow:
    """What the class report needs of one learner (built by :mod:`checks.grade`)."""

    learner: str
    score: float
    max_score: float
    status: str
    reason: str
    notes: tuple[str, ...]
    records: tuple[CheckRecord, ...]
    report_href: str
    results_href: str

    @property
    def percent(self) -> float:
        return 100 * self.score / self.max_score if self.max_score else 100.0


@dataclass(frozen=True)
class CheckStat:
    check_id: str
    title: str
    failed: int
    graded: int

    @property
    def share(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


def check_stats(rows: Sequence[LearnerRow]) -> list[CheckStat]:
    """Per check: how many learners did not pass it, most-failed first (ties: manifest order)."""
    failed: Counter[str] = Counter()
    graded: Counter[str] = Counter()
    titles: dict[str, tuple[tuple[int, ...], str]] = {}
    for row in rows:
        for r in row.records:
            graded[r.check_id] += 1
            failed[r.check_id] += not r.passed
            titles.setdefault(r.check_id, (tuple(int(n) for n in r.number.split(".")), r.title))
    stats = [CheckStat(cid, titles[cid][1], failed[cid], graded[cid]) for cid in graded]
    return sorted(stats, key=lambda s: (-s.share, titles[s.check_id][0]))


def histogram(percents: Sequence[float], bins: int = 10) -> list[int]:
    """Counts per ``100/bins`` percent; 100 % goes in the last bin."""
    counts = [0] * bins
    for p in percents:
        counts[min(int(p * bins / 100), bins - 1)] += 1
    return counts


def distribution_svg(percents: Sequence[float]) -> str:
    counts = histogram(percents)
    width, height, left, bottom, bar = 520, 200, 30, 30, 46
    top = max(counts) or 1
    parts = [f'<svg role="img" aria-label="score distribution" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    plot = height - bottom - 15
    for i, count in enumerate(counts):
        h = round(plot * count / top)
        x, y = left + i * (bar + 2), height - bottom - h
        label = f"{i * 10}-{i * 10 + 10}%"
        parts.append(f'<rect class="bin" x="{x}" y="{y}" width="{bar}" height="{h}" fill="#4a7bd0"><title>{label}: {count}</title></rect>')
        if count:
            parts.append(f'<text x="{x + bar / 2}" y="{y - 3}" text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x + bar / 2}" y="{height - bottom + 14}" text-anchor="middle">{i * 10}</text>')
    parts.append(f'<text x="{left}" y="{height - 3}">score, % of the maximum (bins of 10 points; 100 % in the last)</text>')
    parts.append("</svg>")
    return "".join(parts)


def failed_checks_svg(stats: Sequence[CheckStat], limit: int = 15) -> str:
    shown = [s for s in stats if s.failed][:limit]
    if not shown:
        return "<p>Every learner passed every check.</p>"
    row, label_w, bar_w = 22, 330, 300
    height = row * len(shown) + 10
    parts = [f'<svg role="img" aria-label="most-failed checks" width="{label_w + bar_w + 90}" height="{height}" '
             f'viewBox="0 0 {label_w + bar_w + 90} {height}">']
    for i, s in enumerate(shown):
        y = 5 + i * row
        w = round(bar_w * s.share)
        name = s.check_id if len(s.check_id) <= 48 else s.check_id[:45] + "..."
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(name)}</text>')
        parts.append(f'<rect class="failed" x="{label_w}" y="{y + 2}" width="{w}" height="{row - 6}" fill="#d0584a">'
                     f"<title>{escape(s.title)}: {s.failed} of {s.graded} did not pass</title></rect>")
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 14}">{round(100 * s.share)}% ({s.failed}/{s.graded})</text>')
    parts.append("</svg>")
    return "".join(parts)


def render(title: str, session: SessionId, rows: Sequence[LearnerRow], seconds: float) -> str:
    percents = [r.percent for r in rows]
    stats = check_stats(rows)
    mean = statistics.fmean(percents) if percents else 0.0
    median = statistics.median(percents) if percents else 0.0
    problems = Counter(r.status for r in rows if r.status != "ok")
    problem_text = ", ".join(f"{n} {status}" for status, n in sorted(problems.items())) or "none"
    learners = "".join(_learner_row(r) for r in sorted(rows, key=lambda r: r.learner))
    check_rows = "".join(
        f"<tr><td><code>{escape(s.check_id)}</code></td><td>{escape(s.title)}</td>"
        f'<td class="num">{s.failed}/{s.graded}</td><td class="num">{round(100 * s.share)}%</td></tr>'
        for s in stats
    )
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Class report: {escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Class report: {escape(title)} (session {session})</h1>"
        f'<p class="summary">{len(rows)} submissions graded in {seconds:.1f} s; mean {mean:.0f}%, median {median:.0f}%; '
        f"problems: {escape(problem_text)}.</p>"
        f"<h2>Score distribution</h2>{distribution_svg(percents)}"
        f"<h2>Most-failed checks (what to re-teach)</h2>{failed_checks_svg(stats)}"
        f"<h2>Learners</h2><table><thead><tr><th>Learner</th><th>Total</th><th>%</th><th>Status</th>"
        f"<th>Notes</th><th>Files</th></tr></thead><tbody>{learners}</tbody></table>"
        f"<h2>All checks</h2><table><thead><tr><th>Check</th><th>Title</th><th>Not passed</th><th>Share</th></tr></thead>"
        f"<tbody>{check_rows}</tbody></table></body></html>\n"
    )


def _learner_row(row: LearnerRow) -> str:
    notes = [row.reason] if row.reason else []
    notes += list(row.notes)
    note_html = "<br>".join(escape(n) for n in notes)
    return (
        f'<tr class="learner"><td>{escape(row.learner)}</td><td class="num">{points(row.score, row.max_score)}</td>'
        f'<td class="num">{row.percent:.0f}%</td><td class="status-{escape(row.status)}">{escape(row.status)}</td>'
        f'<td class="notes">{note_html}</td>'
        f'<td><a href="{escape(row.report_href)}">report</a> · <a href="{escape(row.results_href)}">results.json</a></td></tr>'
    )
