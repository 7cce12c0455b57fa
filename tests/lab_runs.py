"""Grading a copy of a lab folder in process, as the session self-tests do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest


def graded(pytester: pytest.Pytester, source: Path, tmp_path: Path) -> dict[str, Any]:
    """The results.json of ``pytest COPY`` for a private copy of the lab folder ``source``."""
    lab = tmp_path / source.parent.name / source.name
    shutil.copytree(source, lab, ignore=shutil.ignore_patterns("reports", ".tourlab-state.json", "__pycache__"))
    out = tmp_path / "results.json"
    pytester.runpytest(str(lab), "--results-json", str(out), "-p", "no:cacheprovider")
    return json.loads(out.read_text())
