"""Extension self-tests: lab folders built from the reference solution with one change each, graded by
calling the checks directly (no pytest run, a fraction of a second each)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from checks.check import Result
from checks.extension import CHECKS
from checks.lab import installed_lab
from tests.session1.conftest import grade as grade_checks

SOLUTION = installed_lab("solutions", "extension")
STARTER = installed_lab("labs", "extension")


def grade(lab: Path) -> dict[str, Result]:
    """Every extension check on ``lab``, run directly as session 1's self-tests run theirs."""
    return grade_checks(lab, CHECKS)


@pytest.fixture
def variant(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the solution with files replaced (``{relpath: dict (JSON) | str (text)}``) or edited
    (``edits={relpath: [(old, new), ...]}``, each ``old`` present exactly once)."""

    def make(files: Mapping[str, Any] | None = None, edits: Mapping[str, list[tuple[str, str]]] | None = None) -> Path:
        lab = tmp_path / "lab"
        if lab.exists():
            shutil.rmtree(lab)
        shutil.copytree(SOLUTION, lab, ignore=shutil.ignore_patterns("reports", ".tourlab-state.json", "__pycache__"))
        for relpath, content in (files or {}).items():
            (lab / relpath).write_text(content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8")
        for relpath, pairs in (edits or {}).items():
            text = (lab / relpath).read_text(encoding="utf-8")
            for old, new in pairs:
                assert text.count(old) == 1, f"{relpath}: {old!r} is not in the solution exactly once"
                text = text.replace(old, new)
            (lab / relpath).write_text(text, encoding="utf-8")
        return lab

    return make


def solution_json(relpath: str) -> dict[str, Any]:
    return json.loads((SOLUTION / relpath).read_text(encoding="utf-8"))
