"""Read-only views of moto's in-process state that the runtime needs and no API returns cheaply.

Kept in one module so that the rest of the offline cloud depends on moto's internals in one place
(moto 5.x: ``sqs_backends[account][region].queues``, ``sns_backends[...].topics``). Everything
here could be done with API calls; it is done in process because the event-source poller asks
"when does the next message become visible?" after every empty poll. :class:`InProcess` is the
:class:`~stack.cloud.state.CloudState` of an in-process cloud; the same questions asked of a moto
server over HTTP are answered by :mod:`stack.cloud.server_state`.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.kms import kms_backends
from moto.ses.models import ses_backends
from moto.sns import sns_backends
from moto.sqs import sqs_backends
from moto.sqs.models import Message

from stack.cloud.state import NO_QUEUE_ENCRYPTION, QueueEncryption, QueueGauges


def _arn_parts(arn: str) -> tuple[str, str, str]:
    parts = arn.split(":")
    return parts[3], parts[4], parts[5]


def queue(arn: str) -> Any | None:
    region, account, name = _arn_parts(arn)
    return sqs_backends[account][region].queues.get(name)


def queue_gauges(arn: str, now_ms: float) -> QueueGauges:
    """ApproximateNumberOfMessages{Visible,NotVisible,Delayed} and AgeOfOldestMessage at ``now_ms``."""
    q = queue(arn)
    if q is None:
        return QueueGauges(0, 0, 0, 0.0)
    visible = not_visible = delayed = 0
    oldest: float | None = None
    for m in q._messages:
        if m.delayed_until and now_ms < m.delayed_until:
            delayed += 1
            continue
        if now_ms > m.visible_at:
            visible += 1
        else:
            not_visible += 1
        oldest = m.sent_timestamp if oldest is None else min(oldest, m.sent_timestamp)
    age = max(0.0, (now_ms - oldest) / 1000) if oldest is not None else 0.0
    return QueueGauges(visible, not_visible, delayed, age)


def topic(arn: str) -> Any | None:
    region, account, _ = _arn_parts(arn)
    return sns_backends[account][region].topics.get(arn)


def table(account: str, region: str, name: str) -> Any:
    """moto's model of a DynamoDB table: a harness may snapshot and restore its ``items`` wholesale
    (well under a millisecond, where deleting and re-seeding through the API costs tens)."""
    return dynamodb_backends[account][region].tables[name]


def ses_sent_count(account: str, region: str) -> int:
    """Recipients SES has accepted mail for in this account and region (what ``GetSendQuota`` reports
    as ``SentLast24Hours``), read in process: a test harness asks after every case, and the API
    round trip cost more than the case's own SES call."""
    return int(ses_backends[account][region].sent_message_count)


def dead_letter(arn: str, message: str, message_id: str) -> bool:
    """Put ``message`` on the queue ``arn`` as SNS does for a subscription's DLQ (False: no such queue)."""
    q = queue(arn)
    if q is None:
        return False
    dead = Message(message_id, message)
    dead.mark_sent()
    q.add_message(dead)
    return True


class InProcess:
    """The :class:`~stack.cloud.state.CloudState` of an account moto holds in this process."""

    def __init__(self, account: str, region: str) -> None:
        self.account, self.region = account, region

    def queue_exists(self, arn: str) -> bool:
        return queue(arn) is not None

    def queue_arns(self) -> list[str]:
        return [q.queue_arn for q in sqs_backends[self.account][self.region].queues.values()]

    def queue_encryption(self, arn: str) -> QueueEncryption:
        q = queue(arn)
        if q is None:
            return NO_QUEUE_ENCRYPTION
        key = getattr(q, "kms_master_key_id", None) or None
        reuse = int(getattr(q, "kms_data_key_reuse_period_seconds", 300) or 300)
        managed = str(getattr(q, "sqs_managed_sse_enabled", "false")).lower() == "true" and not key
        return QueueEncryption(key, reuse, managed)

    def visibility_timeout(self, arn: str) -> float:
        q = queue(arn)
        return float(getattr(q, "visibility_timeout", 30) or 0) if q is not None else 30.0

    def queue_gauges(self, arn: str, now_ms: float) -> QueueGauges:
        return queue_gauges(arn, now_ms)

    def next_visible_ms(self, arn: str, now_ms: float) -> float | None:
        q = queue(arn)
        if q is None:
            return None
        times = [max(m.visible_at, m.delayed_until or 0) + 1 for m in q._messages]
        future = [t for t in times if t > now_ms]
        if len(future) < len(times):
            return now_ms  # something is receivable now
        return min(future) if future else None

    def topic_key_ref(self, arn: str) -> str | None:
        t = topic(arn)
        return (getattr(t, "kms_master_key_id", "") or None) if t is not None else None

    def kms_key(self, ref: str) -> tuple[str, bool] | None:
        backend = kms_backends[self.account][self.region]
        try:
            key = backend.keys.get(backend.any_id_to_key_id(ref))
        except (KeyError, TypeError, AttributeError):
            return None
        if key is None:
            return None
        return key.arn, str(getattr(key, "key_state", "Enabled")) == "Enabled" and bool(getattr(key, "enabled", True))
