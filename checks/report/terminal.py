"""Terminal words: the failure text of one check, and the rustlings-like summary after a run."""

from __future__ import annotations

from checks.lab import SessionId
from checks.record import CheckRecord
from checks.report.scorecard import LabScore

BAR_WIDTH = 20


def points(score: float, max_score: float) -> str:
    """``1.5/3``: whole numbers without ``.0`` so the common case reads cleanly."""
    return f"{score:g}/{max_score:g}"


def bar(score: float, max_score: float, width: int = BAR_WIDTH) -> str:
    """``[#####---------------]``: ASCII, so it survives any terminal encoding and CI log."""
    filled = round(width * score / max_score) if max_score else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def failure_text(record: CheckRecord) -> str:
    """What a learner reads for a failed check: the problem in their file, then how to think about it."""
    lines = [
        f"{record.check_id}: {record.title} ({points(record.score, record.max_score)} points)",
        f"  {record.message}",
        f"  Hint: {record.hint}",
    ]
    if record.docs:
        lines.append(f"  Docs: {record.docs}")
    return "\n".join(lines)


def summary_lines(lab: LabScore, report_path: str | None, previous: tuple[float, int] | None) -> list[str]:
    """The progress block for one lab: exercises with bars, the total, the next thing to fix."""
    width = max(len(e.title) for e in lab.exercises)
    lines = [f"{lab.title} (session {lab.session}) {lab.lab}"]
    for exercise in lab.exercises:
        lines.append(
            f"  {exercise.title:<{width}}  {bar(exercise.score, exercise.max_score)}  "
            f"{points(exercise.score, exercise.max_score)}"
        )
    percent = round(100 * lab.score / lab.max_score) if lab.max_score else 100
    was = f"  (last run {points(*previous)})" if previous else ""
    lines.append(
        f"  {'Total':<{width}}  {bar(lab.score, lab.max_score)}  {points(lab.score, lab.max_score)} ({percent}%){was}"
    )
    nxt = lab.first_failure
    if nxt is None:
        lines.append("All checks pass. Well done!")
    else:
        lines.append(f"Next: {nxt.check_id}: {nxt.title} ({points(nxt.score, nxt.max_score)} points)")
        if nxt.message:
            lines.append(f"  {_shortened(nxt.message)}")
        lines.append(f"  Hint: {nxt.hint}")
        if nxt.docs:
            lines.append(f"  Docs: {nxt.docs}")
    if report_path:
        lines.append(f"Report: {report_path}")
    return lines


def _shortened(message: str, limit: int = 400) -> str:
    """The first line of a check's message, cut at ``limit`` characters (the report has all of it)."""
    first = message.splitlines()[0] if message else ""
    return first if len(first) <= limit and first == message.strip() else first[:limit].rstrip() + " ... (the report has the rest)"


def header_lines(lab: str, title: str, session: SessionId, enforcement: str) -> list[str]:
    """The run's header: which lab is graded, and what the offline cloud enforces vs only simulates."""
    return [f"tourlab: {title} (session {session}) {lab}", f"tourlab: {enforcement}"]
