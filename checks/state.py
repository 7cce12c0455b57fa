"""Progress remembered between runs, in a plain JSON file in the lab folder (git-ignored).

It is a convenience for the learner (``tourlab hint`` without an exercise, "last run" in the summary),
never an input to grading: an unreadable state file is treated as absent.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from checks.lab import STATE_FILE
from checks.report.scorecard import LabScore


@dataclass(frozen=True)
class CheckState:
    score: float
    max_score: int
    passed: bool


@dataclass(frozen=True)
class LabState:
    updated: str
    checks: dict[str, CheckState] = field(default_factory=dict)

    @property
    def total(self) -> tuple[float, int]:
        return (round(sum(c.score for c in self.checks.values()), 2), sum(c.max_score for c in self.checks.values()))


def read_state(lab: Path) -> LabState | None:
    try:
        data = json.loads((lab / STATE_FILE).read_text(encoding="utf-8"))
        return LabState(data["updated"], {cid: CheckState(**c) for cid, c in data["checks"].items()})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(lab: LabScore) -> None:
    """Merge this run's checks into the state (a ``-k`` run updates only what it ran)."""
    folder = Path(lab.lab)
    before = read_state(folder)
    checks = {**(before.checks if before else {})}
    checks.update({r.check_id: CheckState(r.score, r.max_score, r.passed) for r in lab.records})
    state = LabState(datetime.now(timezone.utc).isoformat(timespec="seconds"), checks)
    try:
        (folder / STATE_FILE).write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    except OSError:
        pass  # a read-only submission folder: progress is a convenience, grading already happened
