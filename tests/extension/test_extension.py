"""The extension lab as a whole: the solution scores 100 %, the starter 20-40 % with a pinned list of
failing checks, the solution's handlers are the reference, and the lab folder is graded quickly."""

from __future__ import annotations

import json
from pathlib import Path

from checks.extension import CHECKS
from checks.lab import installed_lab, read_manifest
from checks.sessions import installed_session, package_name
from tests.extension.conftest import SOLUTION, STARTER, grade
from tests.lab_runs import graded
from tests.session1.conftest import failing

REFERENCE = Path(__file__).resolve().parents[2] / "stack" / "extension"

#: Every check the starter fails. A change that stops a check catching a deliberate gap fails here.
STARTER_FAILING = [
    "EXT.abac.own-tables",
    "EXT.abac.second-vendor",
    "EXT.abac.tag-control",
    "EXT.boundary.caps-escalation",
    "EXT.i18n.concert-date",
    "EXT.i18n.exchange",
    "EXT.i18n.local-prices",
    "EXT.i18n.locale-fallback",
    "EXT.i18n.minor-units",
    "EXT.i18n.money-format",
    "EXT.i18n.rounding",
    "EXT.kms.context-required",
    "EXT.kms.only-payment-processor",
    "EXT.pricing.locked-at-purchase",
    "EXT.pricing.refuses-tampered",
    "EXT.pricing.surge-offers",
]


def test_solution_scores_full_marks(pytester, tmp_path):
    results = graded(pytester, SOLUTION, tmp_path)
    assert results["tests"], "no checks ran"
    assert results["score"] == sum(t["max_score"] for t in results["tests"])
    assert [t["name"] for t in results["tests"] if t["status"] != "passed"] == []


def test_starter_scores_in_range_and_fails_exactly_the_pinned_checks(pytester, tmp_path):
    results = graded(pytester, STARTER, tmp_path)
    total = sum(t["max_score"] for t in results["tests"])
    assert total == 52
    assert 0.20 * total <= results["score"] <= 0.40 * total, results["score"]
    failed = sorted(t["name"].split(":", 1)[0].split()[-1] for t in results["tests"] if t["status"] != "passed")
    assert failed == sorted(STARTER_FAILING), failed


def test_direct_grading_agrees_with_the_pinned_list():
    assert failing(grade(STARTER)) == sorted(STARTER_FAILING)
    assert failing(grade(SOLUTION)) == []


def test_solution_handlers_are_the_reference_code():
    """solutions/extension/handlers is a copy of stack/extension (the grader's reference), byte for byte."""
    for path in sorted(REFERENCE.glob("*.py")):
        assert (SOLUTION / "handlers" / path.name).read_bytes() == path.read_bytes(), f"{path.name} drifted"


def test_provided_data_is_the_same_in_starter_and_solution():
    for relpath in ("pricing/tiers.yaml", "pricing/exchange-rates.yaml", "pricing/concerts.yaml", "lab.toml", "README.md"):
        assert (STARTER / relpath).read_bytes() == (SOLUTION / relpath).read_bytes(), relpath


def test_named_session_loads_checks_extension():
    assert read_manifest(STARTER).session == "extension"
    assert package_name("extension") == "checks.extension" and package_name(3) == "checks.session3"
    session = installed_session("extension")
    assert [c.id for c in session.checks] == [c.id for c in CHECKS]
    assert installed_lab("solutions", "extension") == SOLUTION


def test_manifest_points_match_the_checks():
    manifest = read_manifest(STARTER)
    for exercise in manifest.exercises:
        assert exercise.points == sum(c.points for c in CHECKS if c.exercise == exercise.id), exercise.id


def test_rounding_cases_separate_half_up_from_half_even():
    """ROUND_HALF_EVEN (Decimal's default context, and Python's round()) must fail EXT.i18n.rounding on its
    own cases, not only float artefacts such as round(2.675, 2) == 2.67."""
    from decimal import ROUND_HALF_EVEN, Decimal

    from checks.extension.i18n import MINOR_UNITS, ROUNDING

    digits = MINOR_UNITS | {"EUR": 2}
    differs = [amount for amount, currency, want in ROUNDING
               if Decimal(amount).quantize(Decimal(1).scaleb(-digits[currency]), rounding=ROUND_HALF_EVEN) != Decimal(want)]
    assert "0.125" in differs and "2.665" in differs


def test_grader_never_passes_a_float_total():
    """README, E1: PaymentProcessor parses the SQS body with json.loads(..., parse_float=Decimal)
    (stack/handlers/ticketing_common.py), so a JSON number reaches charge_amount as Decimal or int, never
    float, and accepting or refusing a float is not graded: no message the grader sends carries one."""
    import json
    from decimal import Decimal

    from checks.context import CheckContext
    from checks.extension.market import delivered, offers
    from checks.extension.pricing import _honest, _tampered

    assert isinstance(json.loads('{"t": 246.40}', parse_float=Decimal)["t"], Decimal)
    ctx = CheckContext(SOLUTION, read_manifest(SOLUTION))
    for offer in offers(ctx)[:5]:
        for _, message in [*_tampered(offer), *_honest(offer), ("delivered", delivered(offer.locked))]:
            assert not isinstance(message.get("totalAmount"), float), message.get("totalAmount")
