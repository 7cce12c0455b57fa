"""The :class:`~stack.cloud.state.CloudState` of an account on a moto server: every answer an API call.

What :mod:`stack.cloud.backends` reads from moto's objects in process, asked over HTTP instead:

- a queue's existence, encryption, visibility timeout and message counts: ``GetQueueAttributes``;
- the queues of the account: ``ListQueues``;
- a topic's key: ``GetTopicAttributes``; a key's ARN and state: ``DescribeKey`` (the pinned key id the
  lab files name is mapped to the server's, :mod:`stack.cloud.pinned_keys`);
- when an in-flight message becomes visible: from :class:`~stack.cloud.receipts.ReceiptLedger`, in
  virtual time; a message whose deadline has passed is made visible on the server before any count is
  read, so the poller and the run loop see what they would see in process.

Not reproducible over HTTP (both absent from the session 1 system; documented, not guessed):
``ApproximateAgeOfOldestMessage`` (no API attribute: reported as unknown), and delayed messages
(``DelaySeconds``): the server holds them for real seconds, which the virtual clock cannot shorten.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from stack.cloud.pinned_keys import PinnedKeys
from stack.cloud.receipts import ReceiptLedger
from stack.cloud.state import NO_QUEUE_ENCRYPTION, QueueEncryption, QueueGauges

#: The server shows a message again once its clock is *past* the visibility deadline (millisecond
#: resolution): after making messages visible, wait that long so the next read sees them.
_SERVER_TICK_S = 0.002
_COUNTS = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]


class ServerState:
    """Questions about queues, topics and keys, answered by the server through the operator's clients."""

    def __init__(self, client: Callable[[str], Any], endpoint_url: str, region: str, pinned_keys: PinnedKeys, receipts: ReceiptLedger) -> None:
        self._client, self._endpoint, self._region = client, endpoint_url.rstrip("/"), region
        self._pinned, self.receipts = pinned_keys, receipts

    def queue_url(self, arn: str) -> str:
        """The server's URL of a queue (``{endpoint}/{account}/{name}``, as its ``CreateQueue`` returns)."""
        _, _, _, _, account, name = arn.split(":", 5)
        return f"{self._endpoint}/{account}/{name}"

    def _attributes(self, arn: str, names: list[str]) -> dict[str, str] | None:
        try:
            return dict(self._client("sqs").get_queue_attributes(QueueUrl=self.queue_url(arn), AttributeNames=names)["Attributes"])
        except ClientError as exc:
            if "NonExistentQueue" in exc.response["Error"]["Code"] or "QueueDoesNotExist" in exc.response["Error"]["Code"]:
                return None
            raise

    def queue_exists(self, arn: str) -> bool:
        return self._attributes(arn, ["QueueArn"]) is not None

    def queue_arns(self) -> list[str]:
        urls = self._client("sqs").list_queues().get("QueueUrls", [])
        return [f"arn:aws:sqs:{self._region}:{url.rstrip('/').split('/')[-2]}:{url.rsplit('/', 1)[-1]}" for url in urls]

    def queue_encryption(self, arn: str) -> QueueEncryption:
        attributes = self._attributes(arn, ["KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled"])
        if attributes is None:
            return NO_QUEUE_ENCRYPTION
        key = attributes.get("KmsMasterKeyId") or None
        reuse = int(attributes.get("KmsDataKeyReusePeriodSeconds") or 300)
        managed = str(attributes.get("SqsManagedSseEnabled", "false")).lower() == "true" and not key
        return QueueEncryption(key, reuse, managed)

    def visibility_timeout(self, arn: str) -> float:
        attributes = self._attributes(arn, ["VisibilityTimeout"])
        return float(attributes.get("VisibilityTimeout") or 0) if attributes is not None else 30.0

    def queue_gauges(self, arn: str, now_ms: float) -> QueueGauges:
        self._release(arn, now_ms)
        attributes = self._attributes(arn, _COUNTS)
        if attributes is None:
            return QueueGauges(0, 0, 0, 0.0)
        visible, not_visible, delayed = (int(attributes.get(name, 0)) for name in _COUNTS)
        return QueueGauges(visible, not_visible, delayed, None)

    def next_visible_ms(self, arn: str, now_ms: float) -> float | None:
        if self.queue_gauges(arn, now_ms).visible:
            return now_ms
        return self.receipts.next_visible_ms(arn)

    def _release(self, arn: str, now_ms: float) -> None:
        """Make visible on the server the messages whose visibility timeout virtual time has passed."""
        due = self.receipts.due(arn, now_ms)
        for handle in due:
            try:
                self._client("sqs").change_message_visibility(QueueUrl=self.queue_url(arn), ReceiptHandle=handle, VisibilityTimeout=0)
            except ClientError:
                pass  # deleted with this handle meanwhile, or already moved: nothing is hidden any more
        if due:
            time.sleep(_SERVER_TICK_S)

    def topic_key_ref(self, arn: str) -> str | None:
        try:
            attributes = self._client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
        except ClientError:
            return None  # no such topic
        return attributes.get("KmsMasterKeyId") or None

    def kms_key(self, ref: str) -> tuple[str, bool] | None:
        try:
            meta = self._client("kms").describe_key(KeyId=self._pinned.on_server(ref))["KeyMetadata"]
        except ClientError:
            return None  # NotFoundException: no key answers to the reference
        return self._pinned.as_named(meta["Arn"]), meta.get("KeyState") == "Enabled" and bool(meta.get("Enabled", True))
