"""Session 3 grading, end to end on the real lab folders (keep this file lean: one graded run per folder).

- the starter fails exactly the pinned checks (every 3b bug class caught by its hidden test, every
  3d answer it leaves open), and scores between 20 and 40 %;
- the solution passes every check, so its tests kill every mutant;
- a test suite that asserts nothing kills no mutant;
- every mutant edit applies exactly once.

The 3d incidents have their own file (``test_casestudies.py``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from checks.check import Result
from checks.context import CheckContext
from checks.lab import read_manifest
from checks.session3 import CHECKS, grading, hidden, mutation
from checks.session3.mutants import MUTANTS
from stack.casestudies.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]

STARTER_FAILING = {
    *(f"S3.events.{name}.{part}" for name in ("payment", "notification", "fan-club-award", "declined-payment", "no-phone", "redelivery")
      for part in ("shape", "behaviour")),
    *(f"S3.handlers.{t.id}" for t in hidden.BUGS),
    "S3.tests.mutation-score",
    "S3.cases.failed-payments.affected-orders", "S3.cases.failed-payments.fix",
    *(f"S3.cases.{case}.{part}" for case in ("missing-notifications", "fan-club-points")
      for part in ("pattern", "root-cause", "affected-orders", "fix")),
}


@cache
def _graded(kind: str) -> tuple[dict[str, Result], grading.Verdicts]:
    """Every check of ``kind``/session3 run once (3a-3c share one sandbox through the verdict cache)."""
    lab = ROOT / kind / "session3"
    ctx = CheckContext(lab, read_manifest(lab))
    return {code.id: code.run(ctx) for code in CHECKS}, grading.verdicts(ctx)


def graded(kind: str) -> dict[str, Result]:
    return _graded(kind)[0]


def _score(results: dict[str, Result]) -> float:
    points = {code.id: code.points for code in CHECKS}
    return sum(r.score(points[i]) for i, r in results.items()) / sum(points.values())


def test_starter_fails_exactly_the_pinned_checks() -> None:
    results = graded("labs")
    assert {i for i, r in results.items() if not r.complete} == STARTER_FAILING
    assert 0.20 <= _score(results) <= 0.40, _score(results)


def test_starter_messages_explain_what_went_wrong() -> None:
    results = graded("labs")
    inexact = results["S3.handlers.payment-decimal-discount"].message
    assert "Inexact" in inexact and "boto3's DynamoDB serializer refuses a Decimal that is not exact" in inexact, inexact


def test_starter_tests_pass_on_the_reference_and_kill_a_few_mutants() -> None:
    verdicts = _graded("labs")[1]
    assert verdicts.mutation is not None and all(o.passed for o in verdicts.mutation.reference.values())
    assert 0 < len(verdicts.mutation.killed) < len(MUTANTS) // 2


def test_solution_passes_everything_and_kills_every_mutant() -> None:
    results = graded("solutions")
    assert {i: r.message for i, r in results.items() if not r.complete} == {}


def test_tests_that_assert_nothing_kill_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text(
        "def test_invokes_everything(lambdas, events):\n"
        "    for f in ('SeatInventoryUpdater', 'PaymentProcessor', 'FanNotifier', 'FanClubAwardProcessor'):\n"
        "        lambdas.invoke(f, events.sqs('sample', 'declined', 'no_phone', function=f))\n"
    )
    one_per_class = tuple({m.bug_class: m for m in MUTANTS}.values())  # every mutant would take seconds, for the same answer
    with Sandbox() as sandbox:
        report = mutation.evaluate(mutation.collect(tmp_path / "test_x.py"), sandbox, one_per_class)
    assert report.passing == ["test_invokes_everything"]
    assert report.killed == {} and len(report.survived) == len(one_per_class) >= 6


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_each_mutant_applies_once_and_changes_the_code(mutant) -> None:  # noqa: ANN001
    assert mutant.source() != (ROOT / "stack" / "handlers" / mutant.file).read_text()


def test_at_least_fifteen_mutants_over_every_bug_class() -> None:
    assert len(MUTANTS) >= 15
    assert {m.bug_class for m in MUTANTS} >= {"discount", "payment-status", "batch-failures", "notifier", "awards", "overbooking"}


def test_solution_handlers_are_the_reference_handlers():
    """solutions/session3/handlers is the learner-facing copy of stack/handlers: they must not drift
    (the copy exists because a lab folder holds every file it grades)."""
    root = Path(__file__).resolve().parents[2]
    solution = root / "solutions" / "session3" / "handlers"
    for copy in sorted(solution.glob("*.py")):
        assert copy.read_bytes() == (root / "stack" / "handlers" / copy.name).read_bytes(), copy.name
