"""Exercise 1a: one least-privilege identity policy per function, judged by behaviour.

- ``S1.iam.<function>.needed``: every call the function makes in a reference run (``needed.yaml``) is
  allowed, evaluated with the request's real context. KMS calls are evaluated with the learner's key
  policy too (a key policy that names the role directly is a correct alternative to IAM).
- ``S1.iam.<function>.least-privilege``: nothing more: :func:`checks.least_privilege.analyse_role`
  over the system's resources plus unrelated ones, with ``ACCEPTED`` extras allowed.
"""

from __future__ import annotations

from functools import cache

from checks.check import Evidence, Result, check
from checks.context import CheckContext
from checks.lab import LabFileError
from checks.least_privilege import analyse_role
from checks.session1 import loader, needs, probes
from checks.session1 import system as s
from stack.cloud.iam.parse import Policy
from stack.cloud.iam.reach import Universe

SLUG = {
    "TicketPurchaseHandler": "ticket-purchase-handler",
    "SeatInventoryUpdater": "seat-inventory-updater",
    "PaymentProcessor": "payment-processor",
    "FanNotifier": "fan-notifier",
    "FanClubAwardProcessor": "fan-club-award-processor",
}


@cache
def universe() -> Universe:
    resources = {r for calls in needs.needed().values() for c in calls for r in [c.resource]}
    resources |= {r for pairs in needs.ACCEPTED.values() for _, r in pairs}
    resources |= {s.TOPIC_ARN, s.KEY_ARN, s.VENDOR_ACCESS_ROLE_ARN, s.GATEWAY_ROLE_ARN, s.VENDOR_CALLBACK_ROLE_ARN}
    resources |= {s.queue_arn(q) for q in s.QUEUES} | {s.queue_arn(f"{q}DLQ") for q in s.QUEUES}
    resources |= {s.table_arn(t) for t in s.TABLES} | {s.log_stream_arn(f) for f in s.FUNCTIONS}
    resources.discard("*")
    return Universe(s.ACCOUNT, s.REGION, tuple(sorted(resources)))


def _key_policy(ctx: CheckContext) -> Policy | None:
    try:
        return loader.policy(ctx, s.KEY_POLICY_FILE, "key")
    except LabFileError:
        return None


def needed_check(function: str, points: int):
    path = s.IAM_FILES[function]

    @check(f"S1.iam.{SLUG[function]}.needed", exercise="1a", points=points)
    def run(ctx: CheckContext) -> Result:
        policy = loader.policy(ctx, path, "identity")
        key_policy = _key_policy(ctx)
        calls = needs.needed()[function]
        missing, pointers = [], []
        for call in calls:
            resource_policy = key_policy if call.action.startswith("kms:") else None
            decision = probes.decide(probes.session(function), call.action, call.resource, call.context,
                                     identity=[policy], resource_policy=resource_policy)
            if not decision.allowed:
                missing.append(f"{call.action} on {call.resource}: {probes.where(decision) if decision.decision == 'ExplicitDeny' else 'no statement allows it'}")
                pointers.append(probes.pointer(function, call.action))
        missing = list(dict.fromkeys(missing))
        if not missing:
            return Result.ok()
        message = f"{path}: {function} makes {len(missing)} call(s) your policy denies: " + "; ".join(missing[:4])
        if len(missing) > 4:
            message += f"; and {len(missing) - 4} more (see the report)"
        if pointers := [p for p in dict.fromkeys(pointers) if p]:
            message += ". " + " ".join(pointers)  # one pointer per kind of denied call (logs, sqs, kms, ...)
        evidence = [Evidence.text("denied calls", "\n".join(missing))]
        if errors := loader.problems(policy):
            evidence.append(Evidence.text("statements AWS would reject (they grant nothing)", "\n".join(errors)))
        return Result.fail(message, evidence)  # all or nothing: one missing call breaks the function

    return run


def least_privilege_check(function: str, points: int):
    path = s.IAM_FILES[function]

    @check(f"S1.iam.{SLUG[function]}.least-privilege", exercise="1a", points=points)
    def run(ctx: CheckContext) -> Result:
        policy = loader.policy(ctx, path, "identity")
        calls = needs.needed()[function]
        findings = [f for f in analyse_role([policy], [(c.action, c.resource) for c in calls], universe(), needs.ACCEPTED[function])
                    if f.id != "MISSING_PERMISSION"]
        if not findings:
            return Result.ok()
        lines = [f"{f.id}: {f.detail}" + (f"  (from {', '.join(str(l) for l in f.locations)})" if f.locations else "") for f in findings]
        kinds = sorted({f.id for f in findings})
        message = f"{path}: {function}'s role may do more than its function needs ({', '.join(kinds)}): {lines[0]}"
        if len(lines) > 1:
            message += f"; and {len(lines) - 1} more finding(s) (see the report)"
        return Result.fail(message, [Evidence.text("what the role may do beyond its needs", "\n".join(lines))])

    return run


CHECKS = [c for fn in s.FUNCTIONS for c in (needed_check(fn, 3), least_privilege_check(fn, 3))]
