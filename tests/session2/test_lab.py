"""Session 2 lab contract: solution 100 %, starter 20-40 % with exactly the pinned failing checks."""

from __future__ import annotations

import pytest

from checks.context import CheckContext
from checks.lab import LabFileError, read_manifest
from checks.sessions import installed_session
from tests.session2.conftest import ROOT, grade

STARTER_FAILS = {
    "S2.dashboard.backlog", "S2.dashboard.age", "S2.dashboard.flow", "S2.dashboard.dlq", "S2.dashboard.sns",
    "S2.dashboard.lambda", "S2.alarms.quiet-on-sale", "S2.alarms.dlq-depth",
    *(f"S2.alarms.detects.{k}" for k in ("consumer-throttled", "sns-delivery-failure", "poison-message",
                                         "filter-policy-mismatch", "visibility-timeout-short", "downstream-latency",
                                         "producer-publish-denied")),
    "S2.diagnosis.format", "S2.diagnosis.component", "S2.diagnosis.class", "S2.diagnosis.onset", "S2.traffic.matches-peak",
}


def test_solution_scores_full_marks():
    score, total, failing = grade(ROOT / "solutions" / "session2")
    assert not failing and score == total


def test_starter_scores_20_to_40_percent_and_fails_the_pinned_checks():
    score, total, failing = grade(ROOT / "labs" / "session2")
    assert 0.2 <= score / total <= 0.4
    assert failing == STARTER_FAILS


def test_a_traffic_toml_whose_sections_are_not_tables_gets_a_file_message(solution_copy):
    """Not an internal error: each 2d check fails with traffic.toml's own problem (the plugin turns a
    LabFileError into a failed check naming the file)."""
    (solution_copy / "traffic.toml").write_text('profile = 5\ntarget = "offline"\n')
    session, ctx = installed_session(2), CheckContext(solution_copy, read_manifest(solution_copy))
    for c in session.for_exercise("2d"):
        with pytest.raises(LabFileError) as caught:
            c.code.run(ctx)
        assert str(caught.value).startswith("traffic.toml") and "must be a table" in str(caught.value)


def test_investigate_script_is_the_same_in_the_lab_and_the_solution():
    """investigate.py is a tool, not an answer: the learner's copy and the solution's must not drift."""
    assert (ROOT / "labs/session2/investigate.py").read_bytes() == (ROOT / "solutions/session2/investigate.py").read_bytes()
