"""pytest collectors for lab folders: a :class:`LabFolder` yields one :class:`CheckItem` per check.

Checks are real pytest items, so ``-k``, ``-x``, ``--lf``, ``-q``, ``--junitxml`` and xdist work
unchanged. A learner's mistake is reported through :meth:`CheckItem.repr_failure` as the student-facing
message, never as a traceback of our code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from checks import background, quick_exit
from checks.check import Check, Session
from checks.context import CheckContext
from checks.lab import Exercise, LabFileError, Manifest, read_manifest
from checks.record import CheckRecord
from checks.report.terminal import failure_text
from checks.runner import run_check
from checks.sessions import UnknownSession, resolver

#: The record a check item produced in its call phase, picked up when the report is made.
RECORD_KEY = pytest.StashKey[CheckRecord]()
#: Lab contexts whose background work has started, by lab folder: collection reuses them, and the end
#: of the run stops the children nobody waited for.
CONTEXTS_KEY = pytest.StashKey[dict[Path, CheckContext]]()


class LabProblem(Exception):
    """The lab folder itself cannot be graded (bad lab.toml, unknown session, manifest vs checks)."""


class CheckFailed(Exception):
    """Raised by a check item whose check did not fully pass; carries the record to explain it."""

    def __init__(self, record: CheckRecord) -> None:
        super().__init__(record.message)
        self.record = record


@dataclass(frozen=True)
class Planned:
    """One check placed in a lab: which exercise, and its Gradescope-style number ("2.1")."""

    check: Check
    exercise: Exercise
    exercise_index: int
    number: str


def plan(manifest: Manifest, session: Session) -> tuple[Planned, ...]:
    """Order the session's checks by the manifest's exercises; the two must agree on points."""
    problems = [
        f"check {c.id} belongs to exercise {c.code.exercise!r}, which lab.toml does not list"
        for c in session.checks
        if c.code.exercise not in {e.id for e in manifest.exercises}
    ]
    planned: list[Planned] = []
    for index, exercise in enumerate(manifest.exercises):
        checks = session.for_exercise(exercise.id)
        total = sum(c.code.points for c in checks)
        if not checks:
            problems.append(f"exercise {exercise.id!r} has no checks in session {session.number}")
        elif total != exercise.points:
            problems.append(f"exercise {exercise.id!r}: lab.toml says {exercise.points} points, its checks add up to {total}")
        planned.extend(Planned(c, exercise, index, f"{index + 1}.{n}") for n, c in enumerate(checks, 1))
    if problems:
        raise LabProblem("lab.toml does not match the session's checks: " + "; ".join(problems))
    return tuple(planned)


class LabFolder(pytest.Directory):
    """A folder with ``lab.toml``: collects the installed checks of its session, nothing from the folder."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            manifest = read_manifest(self.path)
            session = resolver(self.config)(manifest.session)
            planned = plan(manifest, session)
        except (LabFileError, UnknownSession, LabProblem) as exc:
            yield LabProblemItem.from_parent(self, name="lab.toml", problem=str(exc))
            return
        ctx = lab_context(self.config, self.path, manifest, session)
        for placed in planned:
            yield CheckItem.from_parent(self, name=placed.check.id, planned=placed, ctx=ctx)


def lab_context(config: pytest.Config, lab: Path, manifest: Manifest, session: Session) -> CheckContext:
    """The lab's one context: the one whose background work started early, else a new one, with
    its session's background work started now if this run may fork."""
    contexts = config.stash.setdefault(CONTEXTS_KEY, {})
    if lab.resolve() in contexts:
        return contexts[lab.resolve()]
    ctx = CheckContext(lab, manifest, endpoint=aws_endpoint(config))
    if session.background and _may_fork(config):
        ctx.start_background(session.background)
        contexts[lab.resolve()] = ctx
    return ctx


def aws_endpoint(config: pytest.Config) -> str | None:
    """``--aws-endpoint``, also before pytest has parsed its options (only the known args are, early)."""
    return getattr(config.option, "tourlab_aws_endpoint", None) or getattr(config.known_args_namespace, "tourlab_aws_endpoint", None)


def start_early(config: pytest.Config, labs: Iterable[Path]) -> None:
    """Start the background work of ``labs`` before pytest has even configured itself: the forked
    child imports the cloud while this process finishes starting up. A lab that cannot be read is
    left to collection, which reports it."""
    if not _may_fork(config):
        return
    for lab in labs:
        try:
            manifest = read_manifest(lab)
            lab_context(config, lab, manifest, resolver(config)(manifest.session))
        except (LabFileError, UnknownSession):
            continue


def _may_fork(config: pytest.Config) -> bool:
    """Background children only for a run that owns its process and will run checks."""
    def given(option: str) -> bool:  # early (load_initial_conftests), only the known args are parsed
        return bool(getattr(config.option, option, False) or getattr(config.known_args_namespace, option, False))

    return (not given("collectonly") and not given("tourlab_in_process") and not hasattr(config, "workerinput") and background.can_fork()
            and quick_exit.started_from_command_line(config.invocation_params.args))


class CheckItem(pytest.Item):
    """One check run against one lab folder."""

    def __init__(self, *, planned: Planned, ctx: CheckContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.planned = planned
        self.ctx = ctx
        self.extra_keyword_matches.add(planned.exercise.id)

    def runtest(self) -> None:
        p = self.planned
        record = run_check(p.check, self.ctx, p.exercise, p.exercise_index, p.number)
        self.stash[RECORD_KEY] = record
        self.user_properties.extend(
            [("check", record.check_id), ("score", f"{record.score:g}"), ("max_score", str(record.max_score))]
        )
        if not record.passed:
            raise CheckFailed(record)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailed):
            return failure_text(excinfo.value.record)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.name}: {self.planned.check.words.title}"


class LabProblemItem(pytest.Item):
    """Stands in for a lab folder that cannot be graded, so the run fails with a readable reason."""

    def __init__(self, *, problem: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self) -> None:
        raise LabProblem(self.problem)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, LabProblem):
            return f"{self.path}: {self.problem}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, "lab.toml"
