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

Those decisions are :meth:`DeliveryGate.route`'s, whoever moves the message: in process, moto's own
per-subscription delivery is routed through it (:meth:`DeliveryGate.installed`); against a moto server
over HTTP, the queues are not subscribed on the server and :mod:`stack.cloud.fanout` delivers each
accepted ``Publish`` through the same method.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from moto.sns.models import Subscription
from moto.sns.utils import FilterPolicyMatcher

from stack.cloud import backends, kms
from stack.cloud.access import AccessDecision, AccessRequest, Authorizer, Principal
from stack.cloud.clock import VirtualClock
from stack.cloud.journal import DeliveryRecord, Journal
from stack.cloud.metrics import MetricsRecorder
from stack.cloud.state import CloudState

SNS = Principal.service("sns.amazonaws.com")


@dataclass(frozen=True)
class Route:
    """One SQS subscription as delivery needs it: where to, which messages, where failures go."""

    topic_arn: str
    queue_arn: str
    matcher: FilterPolicyMatcher | None
    raw: bool
    dead_letter_arn: str | None

    @classmethod
    def from_attributes(cls, topic_arn: str, queue_arn: str, attributes: Mapping[str, Any]) -> Route:
        """From ``sns:Subscribe`` attributes (strings, as the API takes them; moto keeps booleans too).

        moto's filter policy matcher is faithful to AWS's (``shared/moto-gaps.md``), so it is reused.
        """
        policy = attributes.get("FilterPolicy")
        matcher = FilterPolicyMatcher(json.loads(policy), attributes.get("FilterPolicyScope")) if policy else None
        raw = str(attributes.get("RawMessageDelivery", "false")).lower() == "true"
        return cls(topic_arn, queue_arn, matcher, raw, _redrive_target(attributes.get("RedrivePolicy")))


class DeliveryGate:
    """Decides and records each SNS -> SQS delivery of the offline cloud."""

    def __init__(self, authorizer: Callable[[], Authorizer], resolve_key: Callable[[str], kms.KeyInfo | str], state: Callable[[], CloudState],
                 clock: VirtualClock, journal: Journal, metrics: MetricsRecorder, meter: kms.KmsMeter) -> None:
        self._authorizer, self._resolve_key, self._state = authorizer, resolve_key, state
        self.clock, self.journal, self.metrics, self.meter = clock, journal, metrics, meter

    def refusal(self, topic_arn: str, queue_arn: str) -> tuple[str, AccessDecision | None] | None:
        """Why SNS cannot deliver from ``topic_arn`` to ``queue_arn`` now (None: it can)."""
        if not self._state().queue_exists(queue_arn):
            return f"queue {queue_arn} does not exist", None
        context = {"aws:SourceArn": topic_arn, "aws:SourceAccount": topic_arn.split(":")[4], "aws:SecureTransport": True}
        decision = self._authorizer().authorize(AccessRequest(SNS, "sqs:SendMessage", queue_arn, context))
        if not decision.allowed:
            return f"the queue policy of {queue_arn} does not let sns.amazonaws.com send from {topic_arn}: {decision.reason}", decision
        encryption = self._state().queue_encryption(queue_arn)
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

    def route(self, route: Route, message: str, message_id: str, message_attributes: Mapping[str, Any] | None,
              send: Callable[[], None], dead_letter: Callable[[str], bool]) -> None:
        """Decide, move and record one message for one SQS subscription.

        ``message_attributes`` are in SNS's delivered shape (``{"Type": ..., "Value": ...}``);
        ``send()`` puts the message on the queue; ``dead_letter(arn)`` puts it on the subscription's
        DLQ (False when that queue does not exist).
        """
        topic_arn = route.topic_arn
        topic_name = topic_arn.split(":")[-1]
        now = self.clock.now()
        if route.matcher is not None and not route.matcher.matches(message_attributes, message):
            self.metrics.topic(topic_name, "NumberOfNotificationsFilteredOut", 1, now)
            self.journal.deliveries.append(DeliveryRecord(now, topic_arn, route.queue_arn, message_id, "filtered"))
            return
        queue_arn = route.queue_arn
        refused = self.refusal(topic_arn, queue_arn)
        if refused is None:
            send()
            self._delivered(topic_name, topic_arn, queue_arn, message_id, len(message.encode()), now)
            return
        reason, decision = refused
        self.metrics.topic(topic_name, "NumberOfNotificationsFailed", 1, now)
        outcome = "failed"
        if route.dead_letter_arn and dead_letter(route.dead_letter_arn):
            self.metrics.topic(topic_name, "NumberOfNotificationsRedrivenToDlq", 1, now)
            outcome = "redriven"
        self.journal.deliveries.append(DeliveryRecord(now, topic_arn, queue_arn, message_id, outcome, reason, decision))  # type: ignore[arg-type]

    def deliver(self, original: Callable[..., None], subscription: Subscription, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        """moto's in-process delivery of one message to one subscription, routed through :meth:`route`."""
        if subscription.protocol != "sqs":
            return original(subscription, message, message_id, *args, **kwargs)
        route = Route.from_attributes(subscription.topic.arn, subscription.endpoint, subscription.attributes)
        self.route(route, message, message_id, kwargs.get("message_attributes"),
                   lambda: original(subscription, message, message_id, *args, **kwargs),
                   lambda dlq: backends.dead_letter(dlq, message, message_id))
        return None

    def _delivered(self, topic_name: str, topic_arn: str, queue_arn: str, message_id: str, size: int, now: float) -> None:
        self.metrics.topic(topic_name, "NumberOfNotificationsDelivered", 1, now)
        queue_name = queue_arn.split(":")[-1]
        self.metrics.queue(queue_name, "NumberOfMessagesSent", 1, now)
        self.metrics.queue(queue_name, "SentMessageSize", size, now, "Bytes")
        encryption = self._state().queue_encryption(queue_arn)
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
def signing_key() -> rsa.RSAPrivateKey:
    """The one key this process signs SNS envelopes with (in process and over HTTP alike)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _signing_key(subscription: Subscription) -> rsa.RSAPrivateKey:
    """The key moto signs SNS envelopes with: one per process instead of one per subscription.

    moto generates a 2048-bit RSA key for every subscription (about 70 ms each, a quarter of a
    deploy); nothing offline verifies the signature, and its shape is unchanged.
    """
    return signing_key()


def _redrive_target(policy: str | None) -> str | None:
    """The ``deadLetterTargetArn`` of a subscription's ``RedrivePolicy`` (None: none, or unreadable)."""
    if not policy:
        return None
    try:
        return json.loads(policy).get("deadLetterTargetArn")
    except (TypeError, ValueError, AttributeError):
        return None
