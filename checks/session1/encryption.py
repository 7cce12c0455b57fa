"""Exercise 1d: SSE-KMS with the customer managed key, and a key policy that lets the right
principals (SNS for the topic, the producer, the consumers) use it and nobody else."""

from __future__ import annotations

from checks.check import Evidence, Result, check
from checks.context import CheckContext
from checks.least_privilege import analyse_resource_policy
from checks.session1 import loader, probes
from checks.session1 import system as s
from stack.cloud import kms
from stack.cloud.access import Principal
from stack.cloud.iam.parse import load_policy

SNS = Principal.service("sns.amazonaws.com")
#: Topics SNS may act for that are not TourTicketingTopic: "your topic only" (README, 1d) refuses both,
#: so a statement fenced by aws:SourceAccount alone does not pass.
OTHER_TOPICS = (
    (f"arn:aws:sns:{s.REGION}:{s.ACCOUNT}:OtherTopic", "another topic of your own account"),
    (f"arn:aws:sns:{s.REGION}:{s.FOREIGN_ACCOUNT}:{s.TOPIC}", "another account's topic of the same name"),
)


def _key_identity():
    """A role whose own IAM allows every KMS action on the key: isolates the key policy's share."""
    return load_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": s.KEY_ARN}]},
                       "<a role whose IAM policy allows kms:* on the key>", "identity")


def _kind(ref: str | None) -> str:
    if ref is None:
        return "none"
    if ref in s.MANAGED_ALIASES or ref.endswith((":alias/aws/sqs", ":alias/aws/sns")):
        return "managed"
    return "cmk" if ref in s.KEY_REFS else "unknown"


@check("S1.kms.customer-managed-key", exercise="1d", points=4)
def customer_managed_key(ctx: CheckContext) -> Result:
    settings = loader.encryption(ctx)
    problems = []
    for name in (None, *s.QUEUES):
        ref = settings.key_ref(name)
        kind = _kind(ref)
        label = "the topic" if name is None else name
        if kind == "none":
            problems.append(f"{label} is not encrypted (no KmsMasterKeyId)")
        elif kind == "managed":
            problems.append(f"{label} uses the AWS managed key {ref}, not the customer managed key")
        elif kind == "unknown":
            problems.append(f"{label}: no key answers to {ref!r} in this account (the key is {s.KEY_ALIAS}, {s.KEY_ARN})")
    if not problems:
        return Result.ok()
    return Result.parts(5 - len(problems), 5, f"{s.ENCRYPTION_FILE}: " + "; ".join(problems))


@check("S1.kms.sns-can-use-key", exercise="1d", points=5)
def sns_can_use_key(ctx: CheckContext) -> Result:
    settings = loader.encryption(ctx)
    key_policy = loader.policy(ctx, s.KEY_POLICY_FILE, "key")
    problems = []
    for queue in s.QUEUES:
        ref = settings.key_ref(queue)
        kind = _kind(ref)
        if kind == "managed":
            problems.append(f"{queue} is encrypted with {ref}: its fixed key policy never lets sns.amazonaws.com use it, "
                            f"so SNS cannot deliver to it ({s.ENCRYPTION_FILE})")
            continue
        if kind != "cmk":
            continue  # unencrypted or unknown: S1.kms.customer-managed-key says so
        for request in kms.implied_requests(SNS, "produce", s.KEY_ARN, "sqs", s.REGION, source_arn=s.TOPIC_ARN):
            decision = probes.decide(SNS, request.action, request.resource, request.context, resource_policy=key_policy)
            if not decision.allowed:
                problems.append(f"{s.KEY_POLICY_FILE}: sns.amazonaws.com may not {request.action} with the key for {queue}, "
                                f"so SNS cannot deliver to it")
                break
    if not problems:
        return Result.ok()
    return Result.parts(4 - len(problems), 4, "; ".join(dict.fromkeys(problems)))


@check("S1.kms.functions-can-use-key", exercise="1d", points=4)
def functions_can_use_key(ctx: CheckContext) -> Result:
    key_policy = loader.policy(ctx, s.KEY_POLICY_FILE, "key")
    uses = [("TicketPurchaseHandler", "produce", "sns")] + [(fn, "consume", "sqs") for fn in s.CONSUMER.values()]
    problems = []
    for function, use, service in uses:
        principal = probes.session(function)
        for request in kms.implied_requests(principal, use, s.KEY_ARN, service, s.REGION):
            decision = probes.decide(principal, request.action, request.resource, request.context,
                                     identity=[_key_identity()], resource_policy=key_policy)
            if not decision.allowed:
                problems.append(f"{function}Role may not {request.action} (even with IAM allowing it)")
                break
    if not problems:
        return Result.ok()
    return Result.parts(len(uses) - len(problems), len(uses), f"{s.KEY_POLICY_FILE}: " + "; ".join(problems))


@check("S1.kms.key-policy-fenced", exercise="1d", points=3)
def key_policy_fenced(ctx: CheckContext) -> Result:
    key_policy = loader.policy(ctx, s.KEY_POLICY_FILE, "key")
    findings = analyse_resource_policy(key_policy, s.KEY_ARN, s.ACCOUNT)
    lines = [f"{f.id}: {f.detail}" + (f" ({', '.join(str(l) for l in f.locations)})" if f.locations else "") for f in findings]
    for topic, label in OTHER_TOPICS:
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            context = {"aws:SourceArn": topic, "aws:SourceAccount": topic.split(":")[4], "aws:SecureTransport": True}
            decision = probes.decide(SNS, action, s.KEY_ARN, context, resource_policy=key_policy)
            if decision.allowed:
                lines.append(f"CONFUSED_DEPUTY: SNS acting for {topic} ({label}) may {action} with the key ({probes.where(decision)})")
                break
    if not lines:
        return Result.ok()
    return Result.fail(f"{s.KEY_POLICY_FILE}: {lines[0]}" + (f"; and {len(lines) - 1} more" if len(lines) > 1 else ""),
                       [Evidence.text("who else may use the key", "\n".join(lines))])


@check("S1.kms.no-lockout", exercise="1d", points=2)
def no_lockout(ctx: CheckContext) -> Result:
    key_policy = loader.policy(ctx, s.KEY_POLICY_FILE, "key")
    root = Principal.root(s.ACCOUNT)
    missing = [a for a in ("kms:PutKeyPolicy", "kms:DescribeKey", "kms:ScheduleKeyDeletion")
               if not probes.decide(root, a, s.KEY_ARN, {"aws:SecureTransport": True}, resource_policy=key_policy).allowed]
    if not missing:
        return Result.ok()
    return Result.fail(f"{s.KEY_POLICY_FILE}: the account (arn:aws:iam::{s.ACCOUNT}:root) may not {', '.join(missing)}: "
                       "nobody could ever change this key policy again")


CHECKS = [customer_managed_key, sns_can_use_key, functions_can_use_key, key_policy_fenced, no_lockout]
