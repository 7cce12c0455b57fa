"""Session 1 as a whole: the solution scores 100 %, the starter 20-40 % with a pinned list of failing
checks, needed.yaml matches a fresh reference run, and the end-to-end check names what to fix."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from checks.context import CheckContext
from checks.lab import read_manifest
from checks.session1 import cost, e2e, loader, needs, pipeline
from tests.session1.conftest import SOLUTION, STARTER
from tests.lab_runs import graded

#: Every check the starter fails. A change that stops a check catching a deliberate gap fails here.
STARTER_FAILING = [
    "S1.e2e.no-failures",
    "S1.e2e.purchases-complete",
    "S1.iam.fan-club-award-processor.least-privilege",
    "S1.iam.fan-club-award-processor.needed",
    "S1.iam.fan-notifier.least-privilege",
    "S1.iam.payment-processor.least-privilege",
    "S1.iam.payment-processor.needed",
    "S1.iam.seat-inventory-updater.least-privilege",
    "S1.iam.ticket-purchase-handler.least-privilege",
    "S1.iam.ticket-purchase-handler.needed",
    "S1.queues.only-topic",
    "S1.queues.topic-delivers",
    "S1.topic.only-producer",
    "S1.topic.tls-only",
    "S1.xacct.external-id",
    "S1.xacct.gateway-role-only",
    "S1.xacct.only-vendor",
    "S1.xacct.payment-status-only",
    "S1.kms.customer-managed-key",
    "S1.kms.sns-can-use-key",
    "S1.cost.applied",
    "S1.cost.estimates",
    "S1.cost.reuse-period",
    "S1.cost.trade-off",
]


def test_solution_scores_full_marks(pytester, tmp_path):
    results = graded(pytester, SOLUTION, tmp_path)
    assert results["score"] == sum(t["max_score"] for t in results["tests"])
    assert [t["name"] for t in results["tests"] if t["status"] != "passed"] == []


def test_starter_scores_in_range_and_fails_exactly_the_pinned_checks(pytester, tmp_path):
    results = graded(pytester, STARTER, tmp_path)
    total = sum(t["max_score"] for t in results["tests"])
    assert 0.20 * total <= results["score"] <= 0.40 * total, results["score"]
    failed = sorted(t["name"].split(":", 1)[0].split()[-1] for t in results["tests"] if t["status"] != "passed")
    assert failed == sorted(STARTER_FAILING), [t["name"] for t in results["tests"] if t["status"] != "passed"]


def test_needed_calls_match_a_fresh_reference_run():
    assert needs.regenerate(SOLUTION) == needs.NEEDED_FILE.read_text(encoding="utf-8"), (
        "checks/session1/needed.yaml drifted: regenerate it with checks.session1.needs.regenerate")


def _run(lab: Path) -> pipeline.PipelineRun:
    return pipeline.run(loader.overrides(CheckContext(lab, read_manifest(lab))))


def test_kms_replay_counts_what_the_runtime_counts():
    """The 1e measurement replays traffic through KmsMeter; one reference run must count the same."""
    run = _run(SOLUTION)
    # both purchases fall inside one reuse period: topic 2 + four queues x (2 for SNS + 1 for the consumer)
    assert run.kms_requests == cost.replay([0, 0], [True, False], 300) == 14


def test_e2e_reports_dead_letters_and_the_file_to_fix(variant):
    lab = variant(edit=lambda lab: _without_delete(lab / "iam/payment-processor.json"))
    run = _run(lab)
    assert run.dead_letters == {"PaymentProcessingQueueDLQ": 2}
    lines = e2e.problems(run)
    assert any(line.startswith("PaymentProcessor: sqs:DeleteMessage") and "iam/payment-processor.json" in line for line in lines), lines
    assert any("PaymentProcessingQueueDLQ: 2 message(s) dead-lettered" in line for line in lines), lines


def test_e2e_reports_a_failed_delivery_to_a_managed_key_queue(variant):
    lab = variant(edit=lambda lab: _managed(lab / "encryption/settings.yaml"))
    run = _run(lab)
    assert [f.queue for f in run.failed_deliveries] == ["NotificationQueue", "NotificationQueue"]
    assert any("encryption/settings.yaml" in line and "NotificationQueue" in line for line in e2e.problems(run))


def test_e2e_reports_denied_log_writes(variant):
    """Lambda writes logs with the function's role when the run flushes them: a role that may not write
    to its log streams loses points in S1.e2e.no-failures, with a pointer about log streams."""
    lab = variant(edit=lambda lab: _logs_on_group_only(lab / "iam/fan-club-award-processor.json"))
    run = _run(lab)
    assert {(d.function, d.action) for d in run.denials} == {("FanClubAwardProcessor", "logs:CreateLogStream")}
    lines = e2e.problems(run)
    assert any(line.startswith("FanClubAwardProcessor: logs:CreateLogStream") and "iam/fan-club-award-processor.json" in line
               and "log *streams*" in line for line in lines), lines
    ctx = CheckContext(lab, read_manifest(lab))
    ctx.memo(e2e.RUN_KEY, lambda c: run)
    result = e2e.no_failures.run(ctx)
    assert not result.complete and "logs:CreateLogStream" in result.message


def test_no_run_state_or_reports_in_git():
    """A fresh copy must not carry an earlier run's state ("last run ...") or report."""
    root = Path(__file__).resolve().parents[2]
    listed = subprocess.run(["git", "ls-files", "labs/session1", "solutions/session1"], cwd=root, capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    assert [f for f in listed.stdout.splitlines() if "reports/" in f or "tourlab-state" in f] == []


def _logs_on_group_only(path: Path) -> None:
    document = json.loads(path.read_text())
    for statement in document["Statement"]:
        if statement.get("Sid") == "WriteOwnLogs":
            statement["Resource"] = "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/FanClubAwardProcessor"
    path.write_text(json.dumps(document))


def _without_delete(path: Path) -> None:
    document = json.loads(path.read_text())
    for statement in document["Statement"]:
        if isinstance(statement["Action"], list) and "sqs:DeleteMessage" in statement["Action"]:
            statement["Action"].remove("sqs:DeleteMessage")
    path.write_text(json.dumps(document))


def _managed(path: Path) -> None:
    text = path.read_text()
    head, tail = text.split("  NotificationQueue:\n    KmsMasterKeyId: alias/tour-ticketing", 1)
    path.write_text(head + "  NotificationQueue:\n    KmsMasterKeyId: alias/aws/sqs" + tail)


#: Words that would hand over an answer. Hints are shown for passed checks too (HTML report, `tourlab
#: hint`), so no hint (nor a [denied] pointer) may contain one.
SPOILERS = ("payment-vendor-callback-7f3a9c", "PaymentVendorCallbackRole", "arn:aws:", "ArnNotEquals", "ArnNotLike", "StringNotEquals",
            '"Null"', "Null guard", "3600 /", "not the Lambda function", "kms:GenerateDataKey", "fence it with", "option b", "(b)")


def test_hints_ask_questions_and_hold_no_answers():
    import tomllib

    data = tomllib.loads(Path(cost.__file__).with_name("catalogue.toml").read_text(encoding="utf-8"))
    texts = {cid: words["hint"] for cid, words in data["checks"].items()} | {f"[denied] {k}": v for k, v in data["denied"].items()}
    for name, text in texts.items():
        assert "?" in text, f"{name}: a hint asks the question that leads to the fix"
        for spoiler in SPOILERS:
            assert spoiler not in text, f"{name}: {spoiler!r}"
