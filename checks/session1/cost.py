"""Exercise 1e: the cost of encryption. The learner picks KmsDataKeyReusePeriodSeconds and estimates
KMS requests; both are judged against request counts measured with the runtime's own KMS meter
(:class:`stack.cloud.kms.KmsMeter`, the data-key cache the offline cloud uses for every SQS and SNS
call) replaying the on-sale traffic profile below. ``tests/session1`` proves the replay counts what a
pipeline run on the offline cloud counts.

The profile (README, exercise 1e): for one hour a purchase every 2 seconds; every third one holds fan
club tickets (so FanClubAwardsQueue gets one message every 6 seconds); each message is received by its
consumer 1 second after SNS delivers it.
"""

from __future__ import annotations

from functools import cache

from checks.check import Result, check
from checks.context import CheckContext
from checks.session1 import loader, probes
from checks.session1 import system as s
from stack.cloud import kms
from stack.cloud.access import Principal

HOUR = 3600
PURCHASE_EVERY_S = 2
FAN_CLUB_EVERY = 3
CONSUME_DELAY_S = 1
#: KMS requests per hour the on-sale may spend on the topic and the four queues.
BUDGET = 250
#: The security team's rule: no data key protects messages for longer than this.
SECURITY_CAP_S = 600
STARTER_PERIOD_S = 60
TOLERANCE = 0.10
TRADE_OFF_ANSWER = "b"
SNS = Principal.service("sns.amazonaws.com")


def replay(times: list[float], fan_club: list[bool], reuse_seconds: int) -> int:
    """KMS requests of purchases published at ``times`` (``fan_club``: holds fan club tickets), counted
    by the runtime's data-key cache exactly as a pipeline run on the offline cloud counts them."""
    meter = kms.KmsMeter()
    producer = probes.session("TicketPurchaseHandler")
    for t, member in zip(times, fan_club, strict=True):
        meter.use(producer, s.TOPIC_ARN, s.KEY_ARN, "produce", t, kms.DEFAULT_REUSE_SECONDS)  # SNS topics: fixed 300 s
        for queue, consumer in s.CONSUMER.items():
            if queue == "FanClubAwardsQueue" and not member:
                continue
            meter.use(SNS, s.queue_arn(queue), s.KEY_ARN, "produce", t, reuse_seconds)
            meter.use(probes.session(consumer), s.queue_arn(queue), s.KEY_ARN, "consume", t + CONSUME_DELAY_S, reuse_seconds)
    return meter.total()


@cache
def measured(reuse_seconds: int) -> int:
    """KMS requests of the on-sale hour with the queues' reuse period ``reuse_seconds``."""
    times = list(range(0, HOUR, PURCHASE_EVERY_S))
    return replay(times, [n % FAN_CLUB_EVERY == 0 for n in range(len(times))], reuse_seconds)


def _number(ctx: CheckContext, key: str) -> int | None:
    value = loader.answers(ctx).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@check("S1.cost.reuse-period", exercise="1e", points=4)
def reuse_period(ctx: CheckContext) -> Result:
    period = _number(ctx, "reuse_period_seconds")
    if period is None or not kms.MIN_REUSE_SECONDS <= period <= kms.MAX_REUSE_SECONDS:
        return Result.fail(f"{s.ANSWERS_FILE}: reuse_period_seconds must be a whole number of seconds from "
                           f"{kms.MIN_REUSE_SECONDS} to {kms.MAX_REUSE_SECONDS}, got {loader.answers(ctx).get('reuse_period_seconds')!r}")
    requests = measured(period)
    problems = []
    if requests > BUDGET:
        problems.append(f"with {period} s the on-sale hour costs {requests} KMS requests, over the budget of {BUDGET}")
    if period > SECURITY_CAP_S:
        problems.append(f"{period} s breaks the security team's rule: a data key may protect messages for at most {SECURITY_CAP_S} s")
    if not problems:
        return Result.ok(f"{period} s: {requests} KMS requests in the on-sale hour")
    return Result.parts(2 - len(problems), 2, f"{s.ANSWERS_FILE}: " + "; ".join(problems))


@check("S1.cost.estimates", exercise="1e", points=4)
def estimates(ctx: CheckContext) -> Result:
    period = _number(ctx, "reuse_period_seconds")
    asked = [("kms_requests_at_60_seconds", STARTER_PERIOD_S)]
    if period is not None and kms.MIN_REUSE_SECONDS <= period <= kms.MAX_REUSE_SECONDS:
        asked.append(("kms_requests_at_your_period", period))
    problems = []
    for key, seconds in asked:
        estimate, actual = _number(ctx, key), measured(seconds)
        if estimate is None:
            problems.append(f"{key} is not a whole number")
        elif abs(estimate - actual) > TOLERANCE * actual:
            direction = "high" if estimate > actual else "low"
            problems.append(f"{key}: {estimate} is too {direction} (more than {TOLERANCE:.0%} away from what the runtime measures)")
    if len(asked) == 1:
        problems.append("kms_requests_at_your_period cannot be judged until reuse_period_seconds is valid")
    if not problems:
        return Result.ok()
    return Result.parts(2 - len(problems), 2, f"{s.ANSWERS_FILE}: " + "; ".join(problems))


@check("S1.cost.trade-off", exercise="1e", points=2)
def trade_off(ctx: CheckContext) -> Result:
    answer = str(loader.answers(ctx).get("trade_off", "")).strip().lower()
    if answer == TRADE_OFF_ANSWER:
        return Result.ok()
    if answer not in ("a", "b", "c", "d"):
        return Result.fail(f"{s.ANSWERS_FILE}: trade_off must be one letter, a, b, c or d (got {answer!r})")
    return Result.fail(f"{s.ANSWERS_FILE}: trade_off {answer!r} is not the security cost of a longer reuse period")


@check("S1.cost.applied", exercise="1e", points=2)
def applied(ctx: CheckContext) -> Result:
    period = _number(ctx, "reuse_period_seconds")
    settings = loader.encryption(ctx)
    wrong = [f"{q} has {settings.queues.get(q, {}).get('KmsDataKeyReusePeriodSeconds', 'no setting (AWS default 300)')}"
             for q in s.QUEUES if settings.queues.get(q, {}).get("KmsDataKeyReusePeriodSeconds", 300) != period]
    if not wrong:
        return Result.ok()
    return Result.parts(4 - len(wrong), 4, f"{s.ENCRYPTION_FILE}: the queues should use your reuse_period_seconds ({period}): " + "; ".join(wrong))


CHECKS = [reuse_period, estimates, trade_off, applied]
