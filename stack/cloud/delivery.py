"""SNS -> SQS delivery with the checks AWS makes and moto skips.

moto delivers every published message to every SQS subscription, whatever the queue policy or the
queue's key says (``shared/moto-gaps.md``). AWS delivers as the service principal
``sns.amazonaws.com`` (``shared/aws-facts.md``, Encryption; SNS):

1. the subscription's filter policy decides first (moto's matcher is faithful: we reuse it), and a
   filtered message counts in ``NumberOfNotificationsFilteredOut``;
2. the queue policy must allow ``sqs:SendMessage`` to the service, with ``aws:SourceArn`` = topic;
3. for an SSE-KMS queue, the key policy must allow the service ``kms:GenerateDataKey*`` and
   ``kms:Decrypt`` (so ``alias/aws/sqs`` always fails);
4. a failure is a *client-side* error: SNS does not retry it; the message goes to the subscription's
   dead-letter queue if it has a ``RedrivePolicy``, else it is lost
   (``NumberOfNotificationsFailed``, ``NumberOfNotificationsRedrivenToDlq``).
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from moto.sns.models import Subscription

from stack.cloud import backends, kms
from stack.cloud.access import AccessDecision, AccessRequest, Authorizer, Principal
from stack.cloud.clock import VirtualClock
from stack.cloud.journal import DeliveryRecord, Journal
from stack.cloud.metrics import MetricsRecorder

SNS = Principal.service("sns.amazonaws.com")


class DeliveryGate:
    """Decides and records each SNS -> SQS delivery of the offline cloud."""

    def __init__(self, authorizer: Callable[[], Authorizer], resolve_key: Callable[[str], kms.KeyInfo | str],
                 clock: VirtualClock, journal: Journal, metrics: MetricsRecorder, meter: kms.KmsMeter) -> None:
        self._authorizer, self._resolve_key = authorizer, resolve_key
        self.clock, self.journal, self.metrics, self.meter = clock, journal, metrics, meter

    def refusal(self, topic_arn: str, queue_arn: str) -> tuple[str, AccessDecision | None] | None:
        """Why SNS cannot deliver from ``topic_arn`` to ``queue_arn`` now (None: it can)."""
        if backends.queue(queue_arn) is None:
            return f"queue {queue_arn} does not exist", None
        context = {"aws:SourceArn": topic_arn, "aws:SourceAccount": topic_arn.split(":")[4], "aws:SecureTransport": True}
        decision = self._authorizer().authorize(AccessRequest(SNS, "sqs:SendMessage", queue_arn, context))
        if not decision.allowed:
            return f"the queue policy of {queue_arn} does not let sns.amazonaws.com send from {topic_arn}: {decision.reason}", decision
        encryption = backends.queue_encryption(queue_arn)
        if not encryption.key_ref:
            return None
        key = self._resolve_key(encryption.key_ref)
        if isinstance(key, str):
            return f"KMS: {key}", None
        if not key.enabled:
            return f"KMS.DisabledException: key {key.arn} of {queue_arn} is disabled", None
        region = queue_arn.split(":")[3]
        for request in kms.implied_requests(SNS, "produce", key.arn, "sqs", region, source_arn=topic_arn):
            decision = self._authorizer().authorize(request)
            if not decision.allowed:
                managed = " (an AWS managed key: its fixed policy never grants SNS)" if key.managed else ""
                return f"KMS.AccessDeniedException: the key policy of {key.arn}{managed} does not allow sns.amazonaws.com {request.action}: {decision.reason}", decision
        return None

    def deliver(self, original: Callable[..., None], subscription: Subscription, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        topic_arn = subscription.topic.arn
        topic_name = topic_arn.split(":")[-1]
        now = self.clock.now()
        if subscription.protocol != "sqs":
            return original(subscription, message, message_id, *args, **kwargs)
        matcher = subscription._filter_policy_matcher
        if matcher is not None and not matcher.matches(kwargs.get("message_attributes"), message):
            self.metrics.topic(topic_name, "NumberOfNotificationsFilteredOut", 1, now)
            self.journal.deliveries.append(DeliveryRecord(now, topic_arn, subscription.endpoint, message_id, "filtered"))
            return None
        queue_arn = subscription.endpoint
        refused = self.refusal(topic_arn, queue_arn)
        if refused is None:
            original(subscription, message, message_id, *args, **kwargs)
            self._delivered(topic_name, topic_arn, queue_arn, message_id, len(message.encode()), now)
            return None
        reason, decision = refused
        self.metrics.topic(topic_name, "NumberOfNotificationsFailed", 1, now)
        outcome = "failed"
        dlq = _redrive_target(subscription)
        if dlq and backends.queue(dlq) is not None:
            backends.queue(dlq).add_message(_dlq_message(message, message_id))
            self.metrics.topic(topic_name, "NumberOfNotificationsRedrivenToDlq", 1, now)
            outcome = "redriven"
        self.journal.deliveries.append(DeliveryRecord(now, topic_arn, queue_arn, message_id, outcome, reason, decision))  # type: ignore[arg-type]
        return None

    def _delivered(self, topic_name: str, topic_arn: str, queue_arn: str, message_id: str, size: int, now: float) -> None:
        self.metrics.topic(topic_name, "NumberOfNotificationsDelivered", 1, now)
        queue_name = queue_arn.split(":")[-1]
        self.metrics.queue(queue_name, "NumberOfMessagesSent", 1, now)
        self.metrics.queue(queue_name, "SentMessageSize", size, now, "Bytes")
        encryption = backends.queue_encryption(queue_arn)
        if encryption.key_ref:
            key = self._resolve_key(encryption.key_ref)
            if not isinstance(key, str):
                self.meter.use(SNS, queue_arn, key.arn, "produce", now, encryption.reuse_seconds)
        self.journal.deliveries.append(DeliveryRecord(now, topic_arn, queue_arn, message_id, "delivered"))

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Route moto's per-subscription delivery through :meth:`deliver` while the block runs."""
        original = Subscription.publish

        def publish(subscription: Subscription, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
            return self.deliver(original, subscription, message, message_id, *args, **kwargs)

        original_key = Subscription.private_key
        Subscription.publish = publish  # type: ignore[method-assign]
        Subscription.private_key = _signing_key  # type: ignore[method-assign]
        try:
            yield
        finally:
            Subscription.publish = original  # type: ignore[method-assign]
            Subscription.private_key = original_key  # type: ignore[method-assign]


@functools.cache
def _shared_signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _signing_key(subscription: Subscription) -> rsa.RSAPrivateKey:
    """The key moto signs SNS envelopes with: one per process instead of one per subscription.

    moto generates a 2048-bit RSA key for every subscription (about 70 ms each, a quarter of a
    deploy); nothing offline verifies the signature, and its shape is unchanged.
    """
    return _shared_signing_key()


def _redrive_target(subscription: Subscription) -> str | None:
    policy = subscription.attributes.get("RedrivePolicy")
    if not policy:
        return None
    try:
        return json.loads(policy).get("deadLetterTargetArn")
    except (TypeError, ValueError):
        return None


def _dlq_message(message: str, message_id: str) -> Any:
    from moto.sqs.models import Message

    dead = Message(message_id, message)
    dead.mark_sent()
    return dead
