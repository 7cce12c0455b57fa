"""Class grading end to end: 30 generated submissions, each in its own process (acceptance of issue 4)."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from checks.grade import find_submissions, grade_class
from tests.instructor.conftest import TIME_LIMIT, expected
from tests.instructor.fake_session_plugin import MAX_SCORE


@pytest.fixture(scope="module")
def graded_class(make_class, instructor, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    submissions = find_submissions(make_class(out))
    started = time.monotonic()
    graded = grade_class(submissions, instructor, out, jobs=2)
    seconds = time.monotonic() - started
    print(f"\nclass grading: {len(graded)} submissions in {seconds:.1f} s ({seconds / len(graded):.2f} s each)")
    return out, {g.learner: g for g in graded}


def test_thirty_submissions_are_graded_and_score_what_their_answers_are_worth(graded_class) -> None:
    _, graded = graded_class
    assert len(graded) == 30
    honest = {name: g.score for name, g in graded.items() if name.rsplit("-", 1)[0] not in {"patching", "writing"}}
    assert honest == {name: expected(name) for name in honest}
    assert all(g.max_score == MAX_SCORE for g in graded.values())


def test_gradebook_matches_each_learners_results_json(graded_class) -> None:
    out, graded = graded_class
    with (out / "gradebook.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:6] == ["learner", "total", "max", "handler", "iam", "kms"]
    assert len(rows) == 30
    for row in rows:
        data = json.loads((out / "learners" / row["learner"] / "results.json").read_text())
        assert float(row["total"]) == data["score"] == round(sum(t["score"] for t in data["tests"]), 2)
        assert int(row["max"]) == data["max_score"] == MAX_SCORE
        per = sum(float(row[e]) for e in ("handler", "iam", "kms"))
        assert round(per, 2) == float(row["total"])
        assert all(0 <= t["score"] <= t["max_score"] for t in data["tests"])
        assert (out / "learners" / row["learner"] / "report.html").is_file()


def test_tampering_gains_nothing_and_the_report_says_what_was_ignored(graded_class) -> None:
    out, graded = graded_class
    for name in ("conftest-1", "sitecustomize-1", "patching-1", "writing-1"):
        assert graded[name].score <= expected(name), name
    assert "ignored: conftest.py" in graded["conftest-1"].notes[0]
    notes = graded["sitecustomize-1"].notes[0]
    for part in ("sitecustomize.py", "checks/plugin.py", "pytest.ini", "lab.toml (session 3 -> 7)"):
        assert part in notes
    assert graded["patching-1"].status == "tampered"
    assert "checks.check.Result" in " ".join(graded["patching-1"].notes)
    writing = graded["writing-1"]
    assert writing.score == expected("writing-1") and writing.status == "ok"
    assert any("not written by the grader" in n for n in writing.notes)
    assert not (out / "learners" / "writing-1" / "results.json").read_text().count("1000")
    results = json.loads((out / "learners" / "conftest-1" / "results.json").read_text())
    assert "ignored: conftest.py" in results["output"]


def test_a_hanging_submission_gets_zero_with_a_reason_and_the_batch_goes_on(graded_class) -> None:
    _, graded = graded_class
    hanging = graded["hanging-1"]
    assert (hanging.status, hanging.score) == ("timeout", 0)
    assert f"grading stopped after {TIME_LIMIT:g} s" in hanging.reason
    assert hanging.seconds < TIME_LIMIT + 5
    assert all(r.message.startswith("not graded:") for r in hanging.records)


def test_zips_and_wrapper_folders_are_accepted(graded_class) -> None:
    _, graded = graded_class
    assert graded["solution-2"].score == graded["solution-3"].score == MAX_SCORE
    assert graded["wildcard-1"].score == 9.5 and graded["starter-3"].score == 0


def test_class_report_shows_distribution_most_failed_checks_and_hidden_checks(graded_class) -> None:
    out, _ = graded_class
    page = (out / "index.html").read_text()
    assert "<script" not in page
    assert page.count('class="bin"') == 10 and 'class="failed"' in page
    assert "S7.kms.encrypted" in page  # the instructor sees hidden checks
    assert page.count('<tr class="learner">') == 30
    learner_page = (out / "learners" / "unencrypted-1" / "report.html").read_text()
    assert "Hidden check 3.1" in learner_page and "S7.kms.encrypted" not in learner_page
