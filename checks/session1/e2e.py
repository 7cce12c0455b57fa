"""End to end: the learner's whole system, deployed once per run with enforcement on, takes the sample
purchase (fan club tickets) and a purchase without fan club tickets through every function.

Every denied call, failed delivery and dead-lettered message is reported with the function, the call
and the file (and statement) to fix.

With ``--aws-endpoint URL`` (:attr:`CheckContext.endpoint`) the run goes to that moto server over HTTP
instead of moto in process; only these checks use it, and they must grade the same either way.
"""

from __future__ import annotations

from checks.check import Evidence, Result, check
from checks.context import CheckContext
from checks.session1 import loader, pipeline, probes
from checks.session1 import system as s
from checks.session1.pipeline import Denial, FailedDelivery, PipelineRun
from stack.cloud.iam.evaluate import CONDITION_UNMET, NOT_NAMED

RUN_KEY = "session1:pipeline"
TIMEOUT_S = 30.0


def compute_run(ctx: CheckContext) -> PipelineRun:
    """Deploy the learner's files, run the purchases, summarise (the session's background work)."""
    return pipeline.run(loader.overrides(ctx), endpoint=ctx.endpoint)


def pipeline_run(ctx: CheckContext) -> PipelineRun:
    """The one pipeline run of this grading run (deployed, drained, summarised and closed once)."""
    return ctx.memo(RUN_KEY, compute_run)


def _statement(policy: str | None, statement: int | None, sid: str | None) -> str:
    if policy is None:
        return ""
    return f"{policy} statement #{statement}" + (f" '{sid}'" if sid else "") if statement is not None else policy


def fix_for_denial(d: Denial) -> str:
    """The file (and statement) a learner should open for this denied call."""
    if d.reason.startswith("explicit deny") and d.policy:
        return f"{_statement(d.policy, d.statement, d.sid)} denies it"
    if d.action.startswith("kms:") and NOT_NAMED in d.reason:
        return f"{s.KEY_POLICY_FILE}: the key policy does not let this role use the key"
    if d.action.startswith("kms:") and CONDITION_UNMET in d.reason:
        return f"{s.KEY_POLICY_FILE}: a key policy statement covers this role, but its condition does not hold for this call"
    if d.function == "PaymentProcessor" and d.action == "sts:AssumeRole":
        return f"{s.GATEWAY_FILE}: no statement allows it"
    if d.function in s.IAM_FILES:
        return f"{s.IAM_FILES[d.function]}: no statement allows it"
    return d.reason


def fix_for_delivery(f: FailedDelivery) -> str:
    if f.policy:
        return f"{_statement(f.policy, f.statement, f.sid)}: {f.reason}"
    if "AWS managed key" in f.reason:
        return f"{s.ENCRYPTION_FILE}: {f.queue} uses an AWS managed key that SNS can never use"
    if "queue policy" in f.reason and f.queue in s.QUEUE_POLICY_FILES:
        return f"{s.QUEUE_POLICY_FILES[f.queue]}: the queue has no policy that lets the topic send to it"
    if "key policy" in f.reason:
        return f"{s.KEY_POLICY_FILE}: {f.reason}"
    return f.reason


def _pointer(d: Denial) -> str:
    """`` (logs: ...)``: what to think about for this kind of denied call, when it is a function's own."""
    if d.function not in s.IAM_FILES or d.reason.startswith("explicit deny") or NOT_NAMED in d.reason or CONDITION_UNMET in d.reason:
        return ""  # not the role's own IAM to fix: the line already names the statement, the key or the trust policy
    words = probes.pointer(d.function, d.action)
    return f" ({words})" if words else ""


def problems(run: PipelineRun) -> list[str]:
    """One line per thing that went wrong, most fundamental first."""
    lines = [f"{d.function or d.principal}: {d.action} on {d.resource} was denied -> {fix_for_denial(d)}" + _pointer(d)
             for d in dict.fromkeys(run.denials)]
    lines += [f"SNS -> {f.queue}: delivery failed ({'sent to the subscription DLQ' if f.outcome == 'redriven' else 'message lost'}) -> {fix_for_delivery(f)}"
              for f in dict.fromkeys(run.failed_deliveries)]
    lines += [f"{queue}: {n} message(s) dead-lettered after repeated failed processing" for queue, n in run.dead_letters.items()]
    lines += [f"{queue}: {n} message(s) never processed" for queue, n in run.stuck.items()]
    return list(dict.fromkeys(lines))


def _evidence(run: PipelineRun) -> list[Evidence]:
    evidence = []
    if run.denials:
        evidence.append(Evidence.text("denied calls (function: call -> what to fix; then the policy engine's reason)",
                                      "\n".join(f"{d.function or d.principal}: {d.action} on {d.resource}\n    fix: {fix_for_denial(d)}\n    why: {d.reason}"
                                                for d in dict.fromkeys(run.denials))))
    if run.failed_deliveries:
        evidence.append(Evidence.text("failed SNS deliveries", "\n".join(f"{f.queue}: {f.outcome}: {f.reason}" for f in run.failed_deliveries)))
    refused = [f"{name}: {why}" for name, why in run.accepted.items() if why != "ok"]
    if refused:
        evidence.append(Evidence.text("purchases TicketPurchaseHandler did not accept", "\n".join(refused)))
    if run.poller_errors or run.invocation_errors:
        evidence.append(Evidence.text("Lambda errors (event source mappings and invocations)", "\n".join([*run.poller_errors, *run.invocation_errors])))
    return evidence


@check("S1.e2e.purchases-complete", exercise="e2e", points=6, timeout=TIMEOUT_S)
def purchases_complete(ctx: CheckContext) -> Result:
    run = pipeline_run(ctx)
    before, after = run.fan_club_points
    outcomes = {
        "TicketPurchaseHandler accepts both purchases": all(v == "ok" for v in run.accepted.values()),
        "SeatInventoryUpdater books every seat": bool(run.seats_sold) and all(run.seats_sold.values()),
        "PaymentProcessor takes both payments": bool(run.payments) and all(v == "Paid" for v in run.payments.values()),
        "FanNotifier confirms both orders": bool(run.notifications) and all(v == "Sent" for v in run.notifications.values()),
        "FanClubAwardProcessor awards the fan club points": after > before,
        "no message is left on a queue or dead-lettered": not run.stuck and not run.dead_letters,
    }
    failed = [what for what, ok in outcomes.items() if not ok]
    if not failed:
        return Result.ok(f"both purchases went through in {run.seconds:.1f} s")
    first = problems(run)
    cause = f" First thing to fix: {first[0]}" if first else ""
    message = "Not done: " + "; ".join(failed) + "." + cause
    return Result.parts(len(outcomes) - len(failed), len(outcomes), message, _evidence(run))


@check("S1.e2e.no-failures", exercise="e2e", points=4, timeout=TIMEOUT_S)
def no_failures(ctx: CheckContext) -> Result:
    run = pipeline_run(ctx)
    kinds = [bool(run.denials), bool(run.failed_deliveries), bool(run.dead_letters or run.stuck)]
    lines = problems(run)
    if not any(kinds):
        return Result.ok()
    shown = "; ".join(lines[:3]) + (f"; and {len(lines) - 3} more (see the report)" if len(lines) > 3 else "")
    return Result.parts(3 - sum(kinds), 3, shown, [Evidence.text("everything that went wrong", "\n".join(lines)), *_evidence(run)])


CHECKS = [purchases_complete, no_failures]
