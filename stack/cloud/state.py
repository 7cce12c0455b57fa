"""What the runtime needs to know about queues, topics and keys, wherever the account lives.

The interceptor (implied KMS requests), the delivery gate (queue exists? encrypted with which key?),
the SQS poller (anything to receive? visibility timeout) and the run loop (when does the next message
become visible?) ask these questions after almost every call. Two implementations answer them:

- :class:`stack.cloud.backends.InProcess`: moto runs in this process, so its objects are read directly
  (cheap, and the answer follows the virtual clock patched into moto);
- :class:`stack.cloud.server_state.ServerState`: the account is a moto server over HTTP, so every answer
  is an API call (``GetQueueAttributes``, ``GetTopicAttributes``, ``DescribeKey``) and the virtual
  visibility of in-flight messages is tracked client-side (:mod:`stack.cloud.receipts`).

Keeping both behind one protocol keeps each rule (which key a queue uses, when a message is
receivable) in one place for both ways of running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class QueueEncryption:
    """How a queue is encrypted: SSE-KMS (``key_ref`` set), SSE-SQS, or not at all."""

    key_ref: str | None
    reuse_seconds: int
    sqs_managed: bool


#: What :meth:`CloudState.queue_encryption` says of a queue that does not exist.
NO_QUEUE_ENCRYPTION = QueueEncryption(None, 300, False)


@dataclass(frozen=True)
class QueueGauges:
    """ApproximateNumberOfMessages{Visible,NotVisible,Delayed} and AgeOfOldestMessage of a queue.

    ``oldest_age_s`` is None where it cannot be known: SQS's API has no attribute for it (CloudWatch
    computes it inside AWS), so an account over HTTP does not report it rather than report a guess.
    """

    visible: int
    not_visible: int
    delayed: int
    oldest_age_s: float | None


class CloudState(Protocol):
    """Read-only questions about the account's queues, topics and KMS keys (ARNs in, plain data out)."""

    def queue_exists(self, arn: str) -> bool: ...

    def queue_arns(self) -> list[str]:
        """Every queue of the cloud's account and region."""

    def queue_encryption(self, arn: str) -> QueueEncryption: ...

    def visibility_timeout(self, arn: str) -> float:
        """The queue's default visibility timeout in seconds (30 when the queue is gone)."""

    def queue_gauges(self, arn: str, now_ms: float) -> QueueGauges: ...

    def next_visible_ms(self, arn: str, now_ms: float) -> float | None:
        """When the earliest hidden or delayed message becomes receivable (None: nothing waits)."""

    def topic_key_ref(self, arn: str) -> str | None:
        """The topic's ``KmsMasterKeyId`` (None: not encrypted, or no such topic)."""

    def kms_key(self, ref: str) -> tuple[str, bool] | None:
        """(ARN, enabled) of the customer key a key id, key ARN, alias or alias ARN names; None if none."""
