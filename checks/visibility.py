"""What a learner may see of a check: Gradescope's ``visibility`` applied to our own reports.

A check declared with ``visibility="hidden"`` (or ``after_due_date`` / ``after_published``) still
scores, and its points still count in the total, but learner-facing renderings (the terminal summary,
the HTML report and results.json of a ``--learner-view`` run, the reports class grading hands back)
show it as "Hidden check 2.1" with a message saying when its details appear: never its id, title,
hint, failure message or evidence. Instructor renderings (the class report, ``--instructor-view``)
show everything. In results.json each test keeps its ``visibility`` so Gradescope applies the same
rule on its side.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from checks.record import CheckRecord

#: Visibility values whose details a learner does not see (yet).
MASKED = frozenset({"hidden", "after_due_date", "after_published"})

_WHEN = {
    "hidden": "Its details are visible to your instructor only.",
    "after_due_date": "Its details are published after the due date.",
    "after_published": "Its details are published with the grades.",
}


def is_masked(record: CheckRecord) -> bool:
    return record.visibility in MASKED


def learner_view(record: CheckRecord) -> CheckRecord:
    """The record as a learner may see it: unchanged when visible, otherwise score and a message only."""
    if not is_masked(record):
        return record
    outcome = "passed" if record.passed else "did not pass"
    hidden_id, hidden_title = _names(record.number)
    return replace(
        record,
        check_id=hidden_id,
        title=hidden_title,
        hint=_WHEN[record.visibility],
        docs=None,
        message=f"This hidden check {outcome}. {_WHEN[record.visibility]}",
        evidence=(),
    )


def _names(number: str) -> tuple[str, str]:
    return f"hidden-{number}", f"Hidden check {number}"


def masked_name(item: Any) -> tuple[str, str] | None:
    """``(id, title)`` a learner sees for a check item whose details are masked; ``None`` if visible."""
    planned = getattr(item, "planned", None)
    if planned is None or planned.check.code.visibility not in MASKED:
        return None
    return _names(planned.number)
