"""Session 2 self-test fixtures: a deployed offline system (closed after each test) and grading helpers."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from checks.check import Result
from checks.context import CheckContext
from checks.lab import read_manifest
from checks.sessions import installed_session
from stack.deploy import Deployment, deploy

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "session2"
STARTER = ROOT / "labs" / "session2"


def results(folder: Path, ids: set[str] | None = None) -> dict[str, Result]:
    """Each session 2 check's result on ``folder`` (or only the checks in ``ids``)."""
    session, ctx = installed_session(2), CheckContext(folder, read_manifest(folder))
    return {c.id: c.code.run(ctx) for c in session.checks if ids is None or c.id in ids}


def grade(folder: Path) -> tuple[float, float, set[str]]:
    """(score, total, ids of the checks not complete) of ``folder``; exercise points must add up."""
    session, manifest = installed_session(2), read_manifest(folder)
    found = results(folder)
    score = sum(found[c.id].score(c.code.points) for c in session.checks)
    total = sum(c.code.points for c in session.checks)
    for exercise in manifest.exercises:
        assert exercise.points == sum(c.code.points for c in session.for_exercise(exercise.id))
    return score, total, {i for i, r in found.items() if not r.complete}


@pytest.fixture
def solution_copy(tmp_path: Path) -> Path:
    """A private copy of the reference answers (without reports)."""
    return Path(shutil.copytree(SOLUTION, tmp_path / "lab", ignore=shutil.ignore_patterns("reports", "__pycache__")))


@pytest.fixture
def system() -> Iterator[Callable[..., Deployment]]:
    opened: list[Deployment] = []

    def make(**kwargs) -> Deployment:
        deployment = deploy(**kwargs)
        opened.append(deployment)
        return deployment

    yield make
    for deployment in opened:
        deployment.cloud.close()
