"""Exercise 1b: the topic policy (only TicketPurchaseHandler publishes, TLS only) and the four queue
policies (only the topic delivers), judged by evaluating requests against them.

Both "only" checks apply the same AWS rule (aws-facts.md, IAM policy evaluation): in one account a
request is allowed when the identity policy OR the resource policy allows it, so a resource policy
keeps other principals of the account out only with an explicit Deny. The probes therefore include an
insider whose own IAM policy allows everything.
"""

from __future__ import annotations

from checks.check import Evidence, Result, check
from checks.context import CheckContext
from checks.least_privilege import analyse_resource_policy
from checks.session1 import loader, probes
from checks.session1 import system as s
from stack.cloud.access import Principal

SNS = Principal.service("sns.amazonaws.com")
TLS = {"aws:SecureTransport": True}
FOREIGN_TWIN_TOPIC = f"arn:aws:sns:{s.REGION}:{s.FOREIGN_ACCOUNT}:{s.TOPIC}"
#: Another topic of the learner's own account: "any topic of my account" is not "my topic".
SIBLING_TOPIC = f"arn:aws:sns:{s.REGION}:{s.ACCOUNT}:OtherTopic"
INSIDER_ROLE = f"arn:aws:iam::{s.ACCOUNT}:role/MarketingAppRole"
STRANGER_ROLE = f"arn:aws:iam::{s.FOREIGN_ACCOUNT}:role/Stranger"


def _topic(ctx: CheckContext):
    return None if loader.is_empty(ctx, s.TOPIC_POLICY_FILE) else loader.policy(ctx, s.TOPIC_POLICY_FILE, "resource")


def _publish(ctx: CheckContext, principal: Principal, identity, secure: bool = True):
    context = {"aws:SecureTransport": secure, "aws:PrincipalArn": principal.role_arn or principal.arn}
    return probes.decide(principal, "sns:Publish", s.TOPIC_ARN, context, identity=identity, resource_policy=_topic(ctx))


@check("S1.topic.only-producer", exercise="1b", points=4)
def only_producer(ctx: CheckContext) -> Result:
    """The producer may publish; another role of the account whose IAM allows it, and a stranger, may not."""
    producer = _publish(ctx, probes.session("TicketPurchaseHandler"), [probes.allow_all()])
    insider = _publish(ctx, probes.role_session(f"arn:aws:iam::{s.ACCOUNT}:role/MarketingAppRole"), [probes.allow_all()])
    stranger = _publish(ctx, probes.role_session(f"arn:aws:iam::{s.FOREIGN_ACCOUNT}:role/Stranger"), [probes.allow_all()])
    problems = []
    if not producer.allowed:
        problems.append(f"TicketPurchaseHandlerRole cannot publish: {probes.where(producer)}")
    if insider.allowed:
        problems.append("another role of account 111111111111 whose own IAM policy allows sns:Publish can publish too "
                        f"({'allowed by ' + probes.where(insider) if insider.policy and not insider.policy.startswith('<') else 'its own IAM policy is enough, and no Deny in the topic policy stops it'})")
    if stranger.allowed:
        problems.append(f"a role in another account can publish (allowed by {probes.where(stranger)})")
    if not problems:
        return Result.ok()
    return Result.parts(3 - len(problems), 3, f"{s.TOPIC_POLICY_FILE}: " + "; ".join(problems))


@check("S1.topic.tls-only", exercise="1b", points=2)
def tls_only(ctx: CheckContext) -> Result:
    decision = _publish(ctx, probes.session("TicketPurchaseHandler"), [probes.allow_all()], secure=False)
    if not decision.allowed:
        return Result.ok()
    return Result.fail(f"{s.TOPIC_POLICY_FILE}: TicketPurchaseHandlerRole may publish over plain HTTP "
                       "(a request with aws:SecureTransport false is allowed)")


@check("S1.queues.topic-delivers", exercise="1b", points=6)
def topic_delivers(ctx: CheckContext) -> Result:
    context = {"aws:SourceArn": s.TOPIC_ARN, "aws:SourceAccount": s.ACCOUNT, "aws:SecureTransport": True}
    problems = []
    for queue, path in s.QUEUE_POLICY_FILES.items():
        policy = None if loader.is_empty(ctx, path) else loader.policy(ctx, path, "resource")
        decision = probes.decide(SNS, "sqs:SendMessage", s.queue_arn(queue), context, resource_policy=policy)
        if not decision.allowed:
            why = "it has no statement at all, so the queue has no policy" if policy is None else decision.reason
            problems.append(f"{path}: SNS cannot deliver TourTicketingTopic's messages to {queue} ({why})")
    if not problems:
        return Result.ok()
    return Result.parts(4 - len(problems), 4, "; ".join(problems))


def _senders() -> list[tuple[str, object, list, dict]]:
    """Who must not be able to send: (label, principal, its own IAM policies, request context)."""
    return [
        (f"SNS delivering for {SIBLING_TOPIC} (another topic of your account)", SNS, [],
         {"aws:SourceArn": SIBLING_TOPIC, "aws:SourceAccount": s.ACCOUNT, "aws:SecureTransport": True}),
        (f"SNS delivering for {FOREIGN_TWIN_TOPIC} (a topic of the same name in another account)", SNS, [],
         {"aws:SourceArn": FOREIGN_TWIN_TOPIC, "aws:SourceAccount": s.FOREIGN_ACCOUNT, "aws:SecureTransport": True}),
        (f"{INSIDER_ROLE} (a role of your account whose own IAM policy allows sqs:SendMessage)", probes.role_session(INSIDER_ROLE),
         [probes.allow_all()], {"aws:PrincipalArn": INSIDER_ROLE, "aws:SecureTransport": True}),
        (f"{STRANGER_ROLE} (a role in another account whose own IAM policy allows sqs:SendMessage)", probes.role_session(STRANGER_ROLE),
         [probes.allow_all()], {"aws:PrincipalArn": STRANGER_ROLE, "aws:SecureTransport": True}),
    ]


@check("S1.queues.only-topic", exercise="1b", points=6)
def only_topic(ctx: CheckContext) -> Result:
    """Nobody but SNS acting for TourTicketingTopic sends: not another topic (of this or another
    account), not a role of this account whose IAM allows it (same-account union), not a stranger."""
    problems, evidence = [], []
    for queue, path in s.QUEUE_POLICY_FILES.items():
        policy = None if loader.is_empty(ctx, path) else loader.policy(ctx, path, "resource")
        resource = s.queue_arn(queue)
        lines = [] if policy is None else [f"{f.id}: {f.detail}" for f in analyse_resource_policy(policy, resource, s.ACCOUNT)]
        for label, principal, identity, context in _senders():
            decision = probes.decide(principal, "sqs:SendMessage", resource, context, identity=identity, resource_policy=policy)
            if decision.allowed:
                why = (f"allowed by {probes.where(decision)}" if decision.policy and not decision.policy.startswith("<")
                       else "its own IAM policy is enough, and no Deny in the queue policy stops it")
                lines.append(f"{label} can send to {queue} ({why})")
        if lines:
            problems.append(f"{path}: {lines[0]}")
            evidence.append(Evidence.text(path, "\n".join(lines)))
    if not problems:
        return Result.ok()
    return Result.parts(4 - len(problems), 4, "; ".join(problems), evidence)


CHECKS = [only_producer, tls_only, topic_delivers, only_topic]
