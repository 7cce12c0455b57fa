"""Every file a learner edits, broken every way learners break it, graded like ``pytest COPY``.

Per session, one in-process run grades a clean copy of the reference answers and one copy per case
with exactly one file broken (``conftest.py`` builds them; the 10 MB file is written at test time).
For each case: the checks that now fail where the clean copy passed all name the broken file (and
the line, for a syntax error or a bad byte); none is an internal error of the grader; every check
still has a record (the rest of the grade is produced); the HTML report and results.json are
written; nothing outside the temporary folder changed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

SESSIONS = [1, 2]  # session 3's data files: see test_session3_event_files (its sandbox costs seconds per copy)


def _problems(batch: Any, known: dict[str, str]) -> list[str]:
    clean = {r["check_id"]: r for r in batch.records[str(batch.clean)]}
    problems: list[str] = []
    for lab, case in batch.labs.items():
        records = batch.records.get(str(lab), [])
        if case.name in known:
            continue
        if {r["check_id"] for r in records} != set(clean):
            problems.append(f"{case.name}: {len(records)} records, the clean copy has {len(clean)}")
        newly = [r for r in records if not r["passed"] and clean[r["check_id"]]["passed"]]
        if not newly:
            problems.append(f"{case.name}: no check failed")
        internal = [r["check_id"] for r in records if "internal error" in r["message"]]
        if internal:
            problems.append(f"{case.name}: internal errors in {internal}")
        naming = [r for r in newly if r["message"].startswith(case.relpath)]
        if not naming:
            problems.append(f"{case.name}: no failing check names {case.relpath}: {[r['message'][:120] for r in newly]}")
        if case.line and not any(r["message"].startswith(f"{case.relpath}:{case.line}:") for r in naming):
            problems.append(f"{case.name}: no message gives line {case.line}: {[r['message'][:120] for r in naming]}")
    return problems


@pytest.mark.parametrize("session", SESSIONS)
def test_every_broken_file_fails_its_checks_by_name_and_the_grade_goes_on(session, pytester, tmp_path, sandboxed_home,
                                                                           corpus) -> None:
    source = corpus.solution(session)
    before = corpus.tree_state(source)
    batch = corpus.grade_batch(pytester, session, corpus.selected_cases(session), tmp_path / "labs")
    assert _problems(batch, corpus.KNOWN) == []
    assert batch.html.is_file() and batch.html.stat().st_size > 1000
    results = json.loads(batch.results.read_text())
    assert len(results["tests"]) == sum(len(r) for r in batch.records.values())
    assert corpus.tree_state(source) == before  # graded copies only: the reference is untouched
