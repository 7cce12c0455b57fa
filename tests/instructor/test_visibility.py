"""Visibility: ``--learner-view`` masks hidden / after_due_date checks; the instructor's view shows all."""

from __future__ import annotations

import json

import pytest

from checks.visibility import learner_view
from tests.instructor.fake_session_plugin import SOLUTION, write_lab

PLUGIN = ["-p", "tests.instructor.fake_session_plugin", "-p", "no:cacheprovider"]


@pytest.mark.parametrize("learner", [True, False])
def test_learner_view_shows_score_and_message_not_the_check(pytester, tmp_path, learner) -> None:
    lab = write_lab(tmp_path / "lab", {**SOLUTION, "kms/queue.yaml": "encrypted: false\n"})
    out = tmp_path / "results.json"
    args = [str(lab), *PLUGIN, "--results-json", str(out), "--html", str(tmp_path / "r.html"), "-rA"]
    result = pytester.runpytest(*args, *(["--learner-view"] if learner else []))
    data = json.loads(out.read_text())
    kms = next(t for t in data["tests"] if t["number"] == "3.1")
    assert (data["score"], kms["visibility"], kms["score"]) == (7, "after_due_date", 0)
    page = (tmp_path / "r.html").read_text()
    text = result.stdout.str() + json.dumps(data) + page
    if learner:
        assert "S7.kms.encrypted" not in text and "SSE-KMS" not in text
        assert kms["name"] == "hidden-3.1: Hidden check 3.1"
        assert "published after the due date" in kms["output"]
    else:
        assert "S7.kms.encrypted" in kms["name"] and "SSE-KMS" in kms["output"]


def test_learner_view_keeps_visible_records_unchanged(tiny_record) -> None:
    assert learner_view(tiny_record("visible")) == tiny_record("visible")
    masked = learner_view(tiny_record("hidden"))
    assert (masked.score, masked.max_score, masked.evidence, masked.docs) == (1.0, 2, (), None)
    assert "instructor only" in masked.message


@pytest.fixture
def tiny_record():
    from checks.check import Evidence
    from checks.record import CheckRecord

    def make(visibility: str) -> CheckRecord:
        return CheckRecord("lab", "Lab", 7, "iam", "IAM", 0, "1.2", "S7.x", "Title", "Hint", "https://d", visibility,
                           1.0, 2, False, "wrong", (Evidence.text("e", "x"),))

    return make
