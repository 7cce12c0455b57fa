"""Session 3 grading, end to end on the real lab folders (one sandbox run each: keep this file lean).

- the starter fails exactly the pinned checks (every 3b bug class caught by its hidden test);
- the solution passes everything, so its tests kill every mutant;
- a test suite that asserts nothing kills no mutant;
- every mutant edit applies exactly once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.lab import read_manifest
from checks.context import CheckContext
from checks.session3 import grading, hidden, mutation
from checks.session3.mutants import MUTANTS
from stack.casestudies.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]

STARTER_HIDDEN_FAILURES = {t.id for t in hidden.BUGS}
STARTER_EVENT_FAILURES = {"events/payment.json", "events/notification.json", "events/fan-club-award.json",
                          "events/declined-payment.json", "events/no-phone.json", "events/redelivery.json"}


def _verdicts(lab: Path) -> grading.Verdicts:
    return grading._compute(CheckContext(lab, read_manifest(lab)))


def test_starter_fails_exactly_the_pinned_checks() -> None:
    result = _verdicts(ROOT / "labs" / "session3")
    assert {k for k, v in result.hidden.items() if v is not None} == STARTER_HIDDEN_FAILURES
    failing_events = {k for k, v in result.events.items() if v.shape or v.behaviour or v.missing}
    assert failing_events == STARTER_EVENT_FAILURES
    assert result.mutation is not None and all(o.passed for o in result.mutation.reference.values())
    assert 0 < len(result.mutation.killed) < len(MUTANTS) // 2


def test_solution_passes_everything_and_kills_every_mutant() -> None:
    result = _verdicts(ROOT / "solutions" / "session3")
    assert all(v is None for v in result.hidden.values()), result.hidden
    assert all(not (v.shape or v.behaviour or v.missing) for v in result.events.values())
    assert result.mutation is not None and not result.mutation.survived, [m.id for m in result.mutation.survived]


def test_tests_that_assert_nothing_kill_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text(
        "def test_invokes_everything(lambdas, events):\n"
        "    for f in ('SeatInventoryUpdater', 'PaymentProcessor', 'FanNotifier', 'FanClubAwardProcessor'):\n"
        "        lambdas.invoke(f, events.sqs('sample', 'declined', 'no_phone', function=f))\n"
    )
    with Sandbox() as sandbox:
        report = mutation.evaluate(mutation.collect(tmp_path / "test_x.py"), sandbox)
    assert report.passing == ["test_invokes_everything"]
    assert report.killed == {}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_each_mutant_applies_once_and_changes_the_code(mutant) -> None:  # noqa: ANN001
    assert mutant.source() != (ROOT / "stack" / "handlers" / mutant.file).read_text()


def test_at_least_fifteen_mutants_over_every_bug_class() -> None:
    assert len(MUTANTS) >= 15
    assert {m.bug_class for m in MUTANTS} >= {"discount", "payment-status", "batch-failures", "notifier", "awards", "overbooking"}
