"""Read-only views of moto's in-process state that the runtime needs and no API returns cheaply.

Kept in one module so that the rest of the offline cloud depends on moto's internals in one place
(moto 5.x: ``sqs_backends[account][region].queues``, ``sns_backends[...].topics``). Everything
here could be done with API calls; it is done in process because the event-source poller asks
"when does the next message become visible?" after every empty poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.kms import kms_backends
from moto.ses.models import ses_backends
from moto.sns import sns_backends
from moto.sqs import sqs_backends


@dataclass(frozen=True)
class QueueEncryption:
    """How a queue is encrypted: SSE-KMS (``key_ref`` set), SSE-SQS, or not at all."""

    key_ref: str | None
    reuse_seconds: int
    sqs_managed: bool


@dataclass(frozen=True)
class QueueGauges:
    visible: int
    not_visible: int
    delayed: int
    oldest_age_s: float


def _arn_parts(arn: str) -> tuple[str, str, str]:
    parts = arn.split(":")
    return parts[3], parts[4], parts[5]


def queue(arn: str) -> Any | None:
    region, account, name = _arn_parts(arn)
    return sqs_backends[account][region].queues.get(name)


def queue_encryption(arn: str) -> QueueEncryption:
    q = queue(arn)
    if q is None:
        return QueueEncryption(None, 300, False)
    key = getattr(q, "kms_master_key_id", None) or None
    reuse = int(getattr(q, "kms_data_key_reuse_period_seconds", 300) or 300)
    managed = str(getattr(q, "sqs_managed_sse_enabled", "false")).lower() == "true" and not key
    return QueueEncryption(key, reuse, managed)


def visibility_timeout(arn: str) -> float:
    """The queue's default visibility timeout in seconds (30 when the queue is gone)."""
    q = queue(arn)
    return float(getattr(q, "visibility_timeout", 30) or 0) if q is not None else 30.0


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


def next_visible_ms(arn: str, now_ms: float) -> float | None:
    """When the earliest hidden or delayed message of the queue becomes receivable (None: nothing waits)."""
    q = queue(arn)
    if q is None:
        return None
    times = [max(m.visible_at, m.delayed_until or 0) + 1 for m in q._messages]
    future = [t for t in times if t > now_ms]
    if len(future) < len(times):
        return now_ms  # something is receivable now
    return min(future) if future else None


def topic(arn: str) -> Any | None:
    region, account, _ = _arn_parts(arn)
    return sns_backends[account][region].topics.get(arn)


def topic_key_ref(arn: str) -> str | None:
    t = topic(arn)
    return (getattr(t, "kms_master_key_id", "") or None) if t is not None else None


def kms_key(account: str, region: str, ref: str) -> tuple[str, bool] | None:
    """(ARN, enabled) of the customer key a key id, key ARN, alias or alias ARN names; None if none."""
    backend = kms_backends[account][region]
    try:
        key = backend.keys.get(backend.any_id_to_key_id(ref))
    except (KeyError, TypeError, AttributeError):
        return None
    if key is None:
        return None
    return key.arn, str(getattr(key, "key_state", "Enabled")) == "Enabled" and bool(getattr(key, "enabled", True))


def table(account: str, region: str, name: str) -> Any:
    """moto's model of a DynamoDB table: a harness may snapshot and restore its ``items`` wholesale
    (well under a millisecond, where deleting and re-seeding through the API costs tens)."""
    return dynamodb_backends[account][region].tables[name]


def ses_sent_count(account: str, region: str) -> int:
    """Recipients SES has accepted mail for in this account and region (what ``GetSendQuota`` reports
    as ``SentLast24Hours``), read in process: a test harness asks after every case, and the API
    round trip cost more than the case's own SES call."""
    return int(ses_backends[account][region].sent_message_count)
