"""Class grading of the real session 1 (starter and solution), once both are installed and pass."""

from __future__ import annotations

import shutil

import pytest

from checks.grade import find_submissions, grade_class
from checks.isolation import Instructor
from checks.lab import LabFileError, installed_lab


def test_session1_starter_and_solution_grade_as_expected(tmp_path) -> None:
    try:
        starter, solution = installed_lab("labs", 1), installed_lab("solutions", 1)
        instructor = Instructor.for_session(1, starter, time_limit=300)
    except LabFileError as exc:
        pytest.skip(f"session 1 is not installed yet ({exc})")
    shutil.copytree(starter, tmp_path / "subs" / "starter")
    shutil.copytree(solution, tmp_path / "subs" / "solution")
    graded = {g.learner: g for g in grade_class(find_submissions(tmp_path / "subs"), instructor, tmp_path / "out", 2)}
    assert graded["solution"].status == "ok", graded["solution"].reason
    assert graded["solution"].score == graded["solution"].max_score > 0
    assert graded["starter"].score < graded["starter"].max_score
