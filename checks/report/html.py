"""The HTML grade report: pytest-html, plus a static score header and per-exercise table.

pytest-html draws its results table with JavaScript, which CI servers and mail previews often block.
The score and every check's points and hint are therefore also written as plain HTML into the
summary section (``pytest_html_results_summary`` prefix), readable with scripts disabled. The
interactive table gets the same columns (Exercise, Check, Points, Result, Hint) and the evidence as
pytest-html extras.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from pytest_html import extras

from checks.check import Evidence
from checks.lab import REPORTS_DIR
from checks.record import CheckRecord
from checks.report.scorecard import ExerciseScore, LabScore, Scorecard
from checks.report.terminal import points

_STYLE = """
.tourlab{margin:1em 0;font-family:Helvetica,Arial,sans-serif;max-width:70em}
.tourlab-score{font-size:1.6em;margin:.3em 0}
.tourlab table{border-collapse:collapse;width:100%}
.tourlab th,.tourlab td{border:1px solid #ccc;padding:.35em .5em;text-align:left;vertical-align:top}
.tourlab tr.tourlab-exercise th{background:#eef}
.tourlab td.tourlab-failed{color:#b00;font-weight:bold}
.tourlab td.tourlab-passed{color:#070;font-weight:bold}
.tourlab pre{white-space:pre-wrap;background:#f7f7f7;padding:.4em}
"""

_COLUMNS = ("Exercise", "Check", "Points", "Result", "Hint")


def score_header(scorecard: Scorecard) -> str:
    """Static HTML: per lab, the score and a table grouped by exercise, failures first."""
    return f"<style>{_STYLE}</style>" + "".join(_lab_section(lab) for lab in scorecard.labs)


def _lab_section(lab: LabScore) -> str:
    percent = round(100 * lab.score / lab.max_score) if lab.max_score else 100
    head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
    body = "".join(_exercise_rows(n, e) for n, e in enumerate(lab.exercises, 1))
    return (
        f'<section class="tourlab" data-lab="{escape(lab.lab)}">'
        f'<h2 class="tourlab-score">{escape(lab.title)}: Score {points(lab.score, lab.max_score)} ({percent}%)</h2>'
        f"<p>Session {lab.session}, lab folder <code>{escape(lab.lab)}</code></p>"
        f'<table class="tourlab-scorecard"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>'
    )


def _exercise_rows(number: int, exercise: ExerciseScore) -> str:
    title = f"{number}. {escape(exercise.title)}: {points(exercise.score, exercise.max_score)}"
    rows = "".join(_check_row(r) for r in exercise.checks)
    return f'<tr class="tourlab-exercise"><th colspan="{len(_COLUMNS)}">{title}</th></tr>{rows}'


def _check_row(record: CheckRecord) -> str:
    result = "Passed" if record.passed else "Failed"
    details = "".join(f"<h4>{escape(e.title)}</h4>{_evidence_html(e)}" for e in record.evidence)
    message = f"<p>{escape(record.message)}</p>" if record.message else ""
    check = f"<code>{escape(record.check_id)}</code><br>{escape(record.title)}"
    if message or details:
        check += f"<details><summary>Details</summary>{message}{details}</details>"
    return (
        f'<tr class="tourlab-check {result.lower()}">'
        f"<td>{escape(record.exercise)}</td><td>{check}</td>"
        f"<td>{points(record.score, record.max_score)}</td>"
        f'<td class="tourlab-{result.lower()}">{result}</td><td>{_hint_html(record)}</td></tr>'
    )


def _hint_html(record: CheckRecord) -> str:
    """A failed check's hint and docs link; a passed check keeps only the link (nothing left to fix)."""
    docs = f' <a href="{escape(record.docs)}">Why it matters</a>' if record.docs else ""
    return ("" if record.passed else escape(record.hint)) + docs


def _evidence_html(evidence: Evidence) -> str:
    if evidence.kind == "html":
        return str(evidence.content)
    text = evidence.content if evidence.kind == "text" else json.dumps(evidence.content, indent=2)
    return f"<pre>{escape(str(text))}</pre>"


def extras_for(record: CheckRecord) -> list[dict[str, Any]]:
    """The record's evidence as pytest-html extras (shown in the interactive table's row details)."""
    makers = {
        "text": lambda e: extras.text(e.content, name=e.title),
        "json": lambda e: extras.json(e.content, name=e.title),
        "html": lambda e: extras.html(f"<h4>{escape(e.title)}</h4>{e.content}"),
    }
    return [makers[e.kind](e) for e in record.evidence]


def default_report_path(labs: Sequence[Path], invocation_dir: Path) -> Path:
    """Beside the graded lab (``<lab>/reports/report.html``, git-ignored); for several labs, in the cwd."""
    base = labs[0] if len(labs) == 1 else invocation_dir
    return base / REPORTS_DIR / "report.html"


def table_header(cells: list[str]) -> None:
    """Reorder pytest-html's columns to Exercise, Check, Points, Result, Hint, Duration, Links."""
    result, _test, duration, links = cells
    cells[:] = [
        '<th class="sortable" data-column-type="exercise">Exercise</th>',
        '<th class="sortable" data-column-type="check">Check</th>',
        '<th class="sortable" data-column-type="points">Points</th>',
        result,
        "<th>Hint</th>",
        duration,
        links,
    ]


def table_row(record: CheckRecord | None, cells: list[str]) -> None:
    """The row of one report in the same column order; non-check rows keep their test id as Check."""
    result, test_id, duration, links = cells
    if record is None:
        exercise, score, hint = "", "", ""
        check = test_id.replace('class="col-testId"', 'class="col-check"')
    else:
        exercise, score, hint = escape(record.exercise), points(record.score, record.max_score), _hint_html(record)
        check = f'<td class="col-check">{escape(record.check_id)}: {escape(record.title)}</td>'
    cells[:] = [
        f'<td class="col-exercise">{exercise}</td>',
        check,
        f'<td class="col-points">{score}</td>',
        result,
        f'<td class="col-hint">{hint}</td>',
        duration,
        links,
    ]
