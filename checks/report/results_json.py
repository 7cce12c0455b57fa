"""``--results-json PATH``: the run in Gradescope's ``results.json`` shape.

Scores are numbers and the top-level ``score`` is the sum of the tests' scores, so a gradebook built
from either agrees. ``visibility`` is passed through per check (Gradescope hides what it must).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checks.record import CheckRecord
from checks.report.scorecard import Scorecard
from checks.report.terminal import failure_text, summary_lines


def results(scorecard: Scorecard, execution_time: float) -> dict[str, Any]:
    tests = [_test(r) for lab in scorecard.labs for r in lab.in_order]
    return {
        "score": round(sum(t["score"] for t in tests), 2),
        "max_score": sum(t["max_score"] for t in tests),
        "execution_time": round(execution_time),
        "output": "\n".join(line for lab in scorecard.labs for line in summary_lines(lab, None, None)),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _test(record: CheckRecord) -> dict[str, Any]:
    return {
        "name": f"{record.check_id}: {record.title}",
        "number": record.number,
        "score": record.score,
        "max_score": record.max_score,
        "status": "passed" if record.passed else "failed",
        "output": record.message if record.passed else failure_text(record),
        "output_format": "text",
        "tags": [record.exercise],
        "visibility": record.visibility,
    }


def write_results(path: Path, scorecard: Scorecard, execution_time: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results(scorecard, execution_time), indent=2) + "\n", encoding="utf-8")
