"""The scores of a run, computed once from check records; every renderer only reads them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from checks.lab import SessionId
from checks.record import CheckRecord


def _position(record: CheckRecord) -> tuple[int, ...]:
    """Manifest order of a check: "2.10" after "2.9"."""
    return tuple(int(n) for n in record.number.split("."))


@dataclass(frozen=True)
class ExerciseScore:
    """One exercise of one lab: its checks, failures first (what to fix comes first)."""

    id: str
    title: str
    checks: tuple[CheckRecord, ...]

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.checks), 2)

    @property
    def max_score(self) -> int:
        return sum(r.max_score for r in self.checks)

    @property
    def failures(self) -> tuple[CheckRecord, ...]:
        return tuple(r for r in self.checks if not r.passed)


@dataclass(frozen=True)
class LabScore:
    """One graded lab folder, exercises in manifest order."""

    lab: str
    title: str
    session: SessionId
    exercises: tuple[ExerciseScore, ...]

    @property
    def records(self) -> tuple[CheckRecord, ...]:
        return tuple(r for e in self.exercises for r in e.checks)

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 2)

    @property
    def max_score(self) -> int:
        return sum(e.max_score for e in self.exercises)

    @property
    def in_order(self) -> tuple[CheckRecord, ...]:
        """The checks in manifest order ("2.10" after "2.9"), as a learner works through them."""
        return tuple(sorted(self.records, key=_position))

    @property
    def first_failure(self) -> CheckRecord | None:
        """The next thing to fix: the first failing check in manifest order (rustlings' "next")."""
        return next((r for r in self.in_order if not r.passed), None)


@dataclass(frozen=True)
class Scorecard:
    labs: tuple[LabScore, ...]

    @classmethod
    def from_records(cls, records: Iterable[CheckRecord]) -> Scorecard:
        """Group records by lab and exercise; a check reported twice (reruns) counts once, the last time."""
        latest = {(r.lab, r.check_id): r for r in records}
        ordered = sorted(latest.values(), key=lambda r: (r.lab, r.exercise_index, r.passed, _position(r)))
        labs = []
        for lab, lab_records in groupby(ordered, key=lambda r: r.lab):
            lab_list = list(lab_records)
            exercises = tuple(
                ExerciseScore(ex_records[0].exercise, ex_records[0].exercise_title, tuple(ex_records))
                for ex_records in (list(g) for _, g in groupby(lab_list, key=lambda r: r.exercise_index))
            )
            labs.append(LabScore(lab, lab_list[0].lab_title, lab_list[0].session, exercises))
        return cls(tuple(labs))

    def lab(self, lab: str) -> LabScore | None:
        return next((s for s in self.labs if s.lab == lab), None)
