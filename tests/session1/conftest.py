"""Session 1 self-tests: lab folders built from the reference solution with one change each.

Most tests call the check functions directly on a :class:`CheckContext` (milliseconds); only tests
that need the pipeline deploy, and they share as few deployments as they can.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from checks.check import Result
from checks.context import CheckContext
from checks.lab import installed_lab, read_manifest
from checks.session1 import CHECKS

SOLUTION = installed_lab("solutions", 1)
STARTER = installed_lab("labs", 1)
STATIC = [c for c in CHECKS if c.exercise != "e2e"]


def grade(lab: Path, checks=STATIC) -> dict[str, Result]:
    """Run ``checks`` on ``lab`` directly (no pytest run), as the grader's runner would."""
    ctx = CheckContext(lab, read_manifest(lab))
    results = {}
    for code in checks:
        try:
            results[code.id] = code.run(ctx)
        except Exception as exc:  # LabFileError and friends: a failed check, like the runner does
            results[code.id] = Result.fail(f"{type(exc).__name__}: {exc}")
    return results


def failing(results: Mapping[str, Result]) -> list[str]:
    return sorted(cid for cid, r in results.items() if not r.complete)


@pytest.fixture
def variant(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the solution with some files replaced: ``{relpath: dict (JSON) | str (text)}``."""

    def make(files: Mapping[str, Any] | None = None, edit: Callable[[Path], None] | None = None) -> Path:
        lab = tmp_path / "lab"
        if lab.exists():
            shutil.rmtree(lab)
        shutil.copytree(SOLUTION, lab, ignore=shutil.ignore_patterns("reports", ".tourlab-state.json"))
        for relpath, content in (files or {}).items():
            text = content if isinstance(content, str) else json.dumps(content, indent=2)
            (lab / relpath).write_text(text)
        if edit:
            edit(lab)
        return lab

    return make


def solution_json(relpath: str) -> dict[str, Any]:
    return json.loads((SOLUTION / relpath).read_text())
