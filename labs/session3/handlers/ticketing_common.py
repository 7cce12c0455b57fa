"""Helpers every ticketing handler shares: money-safe JSON, structured log lines, SQS batches.

Why one shared module: the four SQS consumers unwrap the same SNS envelope, report partial batch
failures the same way and log in the same shape; keeping that here means one fix lands everywhere.
It holds no AWS clients and no configuration (those live in each handler and are built at import
time), so a cached copy of this module is safe to share between deployments that re-import the
handlers. At run time it sits next to the handlers at the code root (on ``sys.path``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

Purchase = dict[str, Any]
BatchResponse = dict[str, list[dict[str, str]]]


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as ``Decimal``, so money never passes through float."""
    return json.loads(text, parse_float=Decimal)


def _encode_extra(value: Any) -> Any:
    """``json.dumps`` fallback: money goes out as a JSON number, sets as sorted lists.

    A ``Decimal`` is written through ``float`` because JSON numbers are what consumers (and SNS
    body filter policies) expect. That is exact for money: ``repr`` of a float is the shortest
    string that round-trips, so a price such as ``19.99`` is written as ``19.99`` and parses back
    (with :func:`loads`) to the same ``Decimal``; the check below refuses any value that would not.
    """
    if isinstance(value, Decimal):
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise TypeError(f"{value} cannot be written as an exact JSON number")
        return as_float
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """Serialize to JSON, writing ``Decimal`` money as numbers (``250.00`` becomes ``250.0``)."""
    return json.dumps(value, default=_encode_extra)


def log(level: str, message: str, order_id: str | None, **fields: Any) -> None:
    """Write one structured JSON log line (CloudWatch Logs keeps one event per printed line).

    Every line carries ``level``, ``message`` and ``orderId`` so a support engineer can follow one
    order through all five log groups with a single filter.
    """
    print(dumps({"level": level, "message": message, "orderId": order_id, **fields}), flush=True)


def purchase_from_record(record: Mapping[str, Any]) -> Purchase:
    """Unwrap one SQS record: the body is the SNS envelope (raw delivery off), its ``Message`` the purchase."""
    envelope = loads(record["body"])
    if not isinstance(envelope, dict) or envelope.get("Type") != "Notification" or "Message" not in envelope:
        raise ValueError("SQS body is not an SNS notification envelope (is RawMessageDelivery switched on?)")
    purchase = loads(envelope["Message"])
    if not isinstance(purchase, dict) or not isinstance(purchase.get("orderId"), str):
        raise ValueError("SNS message is not a purchase with an orderId")
    return purchase


def process_sqs_batch(event: Mapping[str, Any], process: Callable[[Purchase], None]) -> BatchResponse:
    """Run ``process`` on every purchase of an SQS batch and report only the records that failed.

    With ``ReportBatchItemFailures`` on the event source mapping, the returned ids go back to the
    queue (and, after ``maxReceiveCount`` receives, to its DLQ) while the rest are deleted. Any
    exception from one record is logged and reported, never swallowed, and never fails its
    neighbours. ``process`` handles outcomes that a retry cannot change (a seat sold to someone
    else) itself, by logging them and returning normally.
    """
    failures: list[dict[str, str]] = []
    for record in event.get("Records", []):
        message_id = record["messageId"]
        order_id: str | None = None
        try:
            purchase = purchase_from_record(record)
            order_id = purchase["orderId"]
            process(purchase)
        except Exception as exc:  # noqa: BLE001 - every failure is reported back to the queue
            log(
                "ERROR",
                "record failed; returning it to the queue",
                order_id,
                messageId=message_id,
                error=type(exc).__name__,
                detail=str(exc),
            )
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
