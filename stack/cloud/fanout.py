"""SNS -> SQS fan-out for an account on a moto server, decided by the same gate as in process.

A moto server delivers every ``Publish`` to every SQS subscription by itself, whatever the queue
policy or the queue's key policy says (``shared/moto-gaps.md``): the checks of
:class:`~stack.cloud.delivery.DeliveryGate` would be bypassed. So against a server the queues are not
subscribed there at all: :class:`FanOut` keeps the SQS subscriptions, and when the topic has accepted
a ``Publish`` (the interceptor sees the call and its ``MessageId``) each subscription's message goes
through :meth:`DeliveryGate.route` (filter policy, queue policy with ``aws:SourceArn``, key policy
for ``sns.amazonaws.com``, subscription DLQ or lost message). A delivery is an ``SQS SendMessage`` of
the SNS envelope AWS and moto send (``Type``, ``MessageId``, ``TopicArn``, ``Message``, ``Timestamp``
in virtual time, ``SignatureVersion``, ``Signature``, ``SigningCertURL``, ``UnsubscribeURL``,
``MessageAttributes``), or of the raw message with ``RawMessageDelivery``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from stack.cloud.clock import VirtualClock
from stack.cloud.delivery import DeliveryGate, Route, signing_key


def delivered_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """``Publish``'s ``MessageAttributes`` as SNS delivers them and filter policies read them."""
    shaped = {}
    for name, value in attributes.items():
        raw = value.get("StringValue") if "StringValue" in value else base64.b64encode(value.get("BinaryValue", b"")).decode()
        shaped[name] = {"Type": str(value["DataType"]), "Value": str(raw)}
    return shaped


def envelope(route_arn: str, topic_arn: str, message: str, message_id: str, subject: str | None,
             attributes: Mapping[str, Any], at: dt.datetime) -> str:
    """The JSON body SNS puts on a queue for a non-raw subscription, signed as moto signs it."""
    timestamp = at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    signed = f"Message\n{message}\nMessageId\n{message_id}\n" + (f"Subject\n{subject}\n" if subject else "") + \
        f"Timestamp\n{timestamp}\nTopicArn\n{topic_arn}\nType\nNotification\n"
    signature = signing_key().sign(signed.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    region = topic_arn.split(":")[3]
    body: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic_arn,
        "Message": message,
        "Timestamp": timestamp,
        "SignatureVersion": "2",
        "Signature": base64.b64encode(signature).decode("utf-8"),
        "SigningCertURL": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{uuid.uuid4().hex}.pem",
        "UnsubscribeURL": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={route_arn}",
    }
    if subject:
        body["Subject"] = subject
    if attributes:
        body["MessageAttributes"] = dict(attributes)
    return json.dumps(body, sort_keys=True, indent=2, separators=(",", ": "))


class FanOut:
    """The SQS subscriptions of an account on a moto server, and the delivery of each accepted ``Publish``."""

    def __init__(self, gate: DeliveryGate, sqs: Callable[[], Any], queue_url: Callable[[str], str], clock: VirtualClock) -> None:
        self._gate, self._sqs, self._queue_url, self._clock = gate, sqs, queue_url, clock
        self._routes: dict[str, list[tuple[str, Route]]] = {}

    def subscribe(self, topic_arn: str, queue_arn: str, attributes: Mapping[str, str]) -> str:
        """Keep an SQS subscription here (not on the server); its ARN, shaped as SNS makes them."""
        arn = f"{topic_arn}:{uuid.uuid4()}"
        self._routes.setdefault(topic_arn, []).append((arn, Route.from_attributes(topic_arn, queue_arn, attributes)))
        return arn

    def published(self, params: Mapping[str, Any], message_id: str) -> None:
        """The topic accepted ``Publish(**params)`` as ``message_id``: deliver it to each subscription."""
        topic_arn = params.get("TopicArn") or params.get("TargetArn") or ""
        message = str(params.get("Message", ""))
        attributes = delivered_attributes(params.get("MessageAttributes") or {})
        for arn, route in self._routes.get(topic_arn, []):
            self._gate.route(route, message, message_id, attributes,
                             lambda arn=arn, route=route: self._send(arn, route, message, message_id, params, attributes),
                             lambda dlq: self._dead_letter(dlq, message))

    def _send(self, arn: str, route: Route, message: str, message_id: str, params: Mapping[str, Any], attributes: Mapping[str, Any]) -> None:
        if params.get("MessageStructure") == "json":  # one message per protocol, as SNS picks it
            structured = json.loads(message)
            message = structured.get("sqs") or structured["default"]
        extra = {k: params[k] for k in ("MessageGroupId", "MessageDeduplicationId") if params.get(k)}
        if route.raw:
            extra["MessageAttributes"] = dict(params.get("MessageAttributes") or {})
            body = message
        else:
            body = envelope(arn, route.topic_arn, message, message_id, params.get("Subject"), attributes, self._clock.datetime())
        self._sqs().send_message(QueueUrl=self._queue_url(route.queue_arn), MessageBody=body, **extra)

    def _dead_letter(self, dlq_arn: str, message: str) -> bool:
        """The message on the subscription's DLQ (False when that queue does not exist)."""
        try:
            self._sqs().send_message(QueueUrl=self._queue_url(dlq_arn), MessageBody=message)
        except ClientError:
            return False
        return True
