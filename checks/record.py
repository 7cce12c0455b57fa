"""The outcome of one graded check, as plain data that travels on the pytest report.

pytest reports cross process boundaries (pytest-xdist) as JSON, and every report (terminal summary,
HTML, results.json, state file, class grading) is built from these records alone, never from the items.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from checks.check import Evidence, Visibility
from checks.lab import SessionId

#: Attribute name of the record on a ``TestReport`` (serialised by pytest with the report).
REPORT_ATTR = "tourlab"


@dataclass(frozen=True)
class CheckRecord:
    """What one check concluded about one lab folder, with everything needed to explain it."""

    lab: str  # the lab folder, absolute
    lab_title: str
    session: SessionId
    exercise: str
    exercise_title: str
    exercise_index: int  # position in lab.toml, so reports keep the manifest's order
    number: str  # "2.1": exercise 2, check 1 (Gradescope's test number)
    check_id: str
    title: str
    hint: str
    docs: str | None
    visibility: Visibility
    score: float
    max_score: int
    passed: bool
    message: str
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckRecord:
        return cls(**{**data, "evidence": tuple(Evidence(**e) for e in data["evidence"])})
