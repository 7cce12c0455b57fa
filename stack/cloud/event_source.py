"""The SQS event source mapping: Lambda's poller, as AWS runs it (moto's does not: moto-gaps).

Facts (``shared/aws-facts.md``, "SQS" and "Lambda with SQS"):

- the poller receives up to ``BatchSize`` messages *with the function's execution role* (so the role
  needs ``sqs:ReceiveMessage``, ``sqs:DeleteMessage``, ``sqs:GetQueueAttributes`` and ``kms:Decrypt``
  on the queue's key), builds one event of real SQS records and invokes the function;
- success deletes the batch; an error or a timeout deletes nothing, and the messages come back when
  their visibility timeout expires, with ``ApproximateReceiveCount`` + 1, until the queue's redrive
  policy moves them to the DLQ;
- with ``ReportBatchItemFailures`` the function returns ``{"batchItemFailures": [{"itemIdentifier":
  messageId}]}`` and only those stay; an invalid response fails the whole batch;
- a message whose visibility timeout expires while its batch still runs is visible to Lambda's other
  pollers and is delivered again; the first invocation's receipt handle is then stale and its delete
  does not take effect (SQS: delete with the most recent receipt handle). This poller is serial, so
  it models that outcome directly: such messages are not deleted and come back (a duplicate).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from stack.cloud import identity
from stack.cloud.journal import InvocationRecord
from stack.cloud.lambda_runtime import LambdaRuntime
from stack.cloud.state import CloudState


@dataclass
class EventSourceMapping:
    """One queue -> function mapping, as ``AWS::Lambda::EventSourceMapping`` declares it."""

    uuid: str
    queue_arn: str
    queue_url: str
    function: str
    batch_size: int = 10
    report_batch_item_failures: bool = False
    enabled: bool = True
    receive_denied: bool = False  # the last receive failed: no message of this queue can move
    last_error: str = ""
    errors: list[str] = field(default_factory=list)


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS record of a Lambda event, from a ``receive_message`` message (AWS's field names)."""
    attributes = message.get("Attributes", {})
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", "0"),
            "SenderId": attributes.get("SenderId", ""),
            "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "0"),
        },
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value.get("DataType"),
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_ids(record: InvocationRecord, batch_ids: Sequence[str], report_batch_item_failures: bool) -> set[str]:
    """The message ids that must stay on the queue after an invocation (the rest are deleted)."""
    everything = set(batch_ids)
    if record.outcome != "ok":
        return everything
    if not report_batch_item_failures:
        return set()
    response = record.response
    if response is None or response == {}:
        return set()
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return everything
    ids = set()
    for item in failures:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not ident or ident not in everything:
            return everything  # an invalid identifier fails the whole batch (AWS docs)
        ids.add(ident)
    return ids


class Poller:
    """Runs event source mappings one poll at a time (the caller advances the clock between polls)."""

    def __init__(self, runtime: LambdaRuntime, sqs_client: Callable[[], Any], region: str, state: Callable[[], CloudState]) -> None:
        self.runtime = runtime
        self._sqs = sqs_client
        self.region = region
        self._state = state

    def poll(self, mapping: EventSourceMapping) -> int:
        """One receive-invoke-delete cycle; returns how many messages were received."""
        if not mapping.enabled:
            return 0
        if self._state().queue_gauges(mapping.queue_arn, self.runtime.clock.now_ms()).visible == 0:
            # Nothing to receive: a real poller's empty long poll changes no state, so it is only
            # counted (moto's receive would cost a few milliseconds for the same answer).
            self.runtime.metrics.queue(mapping.queue_arn.rsplit(":", 1)[-1], "NumberOfEmptyReceives", 1, self.runtime.clock.now())
            return 0
        config = self.runtime.functions[mapping.function]
        sqs = self._sqs()
        with identity.acting_as(config.principal()):
            try:
                received = sqs.receive_message(
                    QueueUrl=mapping.queue_url,
                    MaxNumberOfMessages=min(mapping.batch_size, 10),
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            except ClientError as exc:
                mapping.receive_denied = True
                self._error(mapping, f"Lambda could not receive from {mapping.queue_arn} as {config.role_arn}: {exc}")
                return 0
        mapping.receive_denied = False
        if not received:
            return 0
        visible_again = self.runtime.clock.now() + self._state().visibility_timeout(mapping.queue_arn)
        event = {"Records": [sqs_record(m, mapping.queue_arn, self.region) for m in received]}
        record = self.runtime.invoke(mapping.function, event, batch_size=len(received))
        keep = failed_ids(record, [m["MessageId"] for m in received], mapping.report_batch_item_failures)
        if self.runtime.clock.now() > visible_again:
            keep = {m["MessageId"] for m in received}  # stale receipt handles: delivered again
        done = [m for m in received if m["MessageId"] not in keep]
        if done:
            with identity.acting_as(config.principal()):
                try:
                    sqs.delete_message_batch(
                        QueueUrl=mapping.queue_url,
                        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                    )
                except ClientError as exc:
                    self._error(mapping, f"Lambda could not delete processed messages from {mapping.queue_arn} as {config.role_arn}: {exc}")
        return len(received)

    def _error(self, mapping: EventSourceMapping, message: str) -> None:
        mapping.last_error = message
        if message not in mapping.errors:
            mapping.errors.append(message)
