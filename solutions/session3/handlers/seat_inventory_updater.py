"""SeatInventoryUpdater: mark the seats of each purchase SOLD, never overbooking.

All seats of an order are booked in one ``TransactWriteItems``, so an order gets all its seats or
none. Each write is conditional: the seat must exist and be AVAILABLE, or already be sold to this
very order. The second branch makes a redelivered message (SQS delivers at least once) a harmless
rewrite instead of a false conflict.

Outcomes: booked (or already booked) -> done; a seat sold to another order or unknown -> a conflict
that no retry can fix: logged as an error, the record is not returned to the queue; anything else
(throttling, a transaction conflict with a concurrent booking, access denied) -> the record is
reported as a batch item failure and retried.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ticketing_common import BatchResponse, Purchase, log, process_sqs_batch

SEAT_TABLE = os.environ["SEAT_TABLE"]

_dynamodb = boto3.client("dynamodb")


def handler(event: Mapping[str, Any], context: Any) -> BatchResponse:
    """Book the seats of every purchase in the SQS batch; report only the records to retry."""
    return process_sqs_batch(event, book_seats)


def _seat_update(purchase: Purchase, seat_number: str) -> dict[str, Any]:
    """One conditional update of the transaction (low-level attribute values: a client, not a resource)."""
    return {
        "Update": {
            "TableName": SEAT_TABLE,
            "Key": {"concertId": {"S": purchase["concertId"]}, "seatNumber": {"S": seat_number}},
            "UpdateExpression": "SET #status = :sold, orderId = :orderId, fanId = :fanId",
            "ConditionExpression": "attribute_exists(seatNumber) AND (#status = :available OR orderId = :orderId)",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":sold": {"S": "SOLD"},
                ":available": {"S": "AVAILABLE"},
                ":orderId": {"S": purchase["orderId"]},
                ":fanId": {"S": purchase["fanId"]},
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def book_seats(purchase: Purchase) -> None:
    """Book every seat of ``purchase`` atomically; see the module docstring for the outcomes."""
    order_id = purchase["orderId"]
    seat_numbers = [ticket["seatNumber"] for ticket in purchase["tickets"]]
    try:
        _dynamodb.transact_write_items(TransactItems=[_seat_update(purchase, seat) for seat in seat_numbers])
    except ClientError as exc:
        conflicts = _conflicts(exc, seat_numbers)
        if conflicts is None:
            raise
        log(
            "ERROR",
            "seat conflict: order not booked, not retried",
            order_id,
            concertId=purchase["concertId"],
            conflicts=conflicts,
        )
        return
    log("INFO", "seats booked", order_id, concertId=purchase["concertId"], seats=seat_numbers)


def _conflicts(exc: ClientError, seat_numbers: list[str]) -> list[dict[str, Any]] | None:
    """The seats whose condition failed, or ``None`` when the error is worth a retry.

    A cancelled transaction lists one reason per item, in request order: ``None`` for items that
    were fine, ``ConditionalCheckFailed`` (with the item as it is, asked for by
    ``ReturnValuesOnConditionCheckFailure``) for a seat that is unknown or someone else's. Any other
    code (``TransactionConflict``, ``ThrottlingError``, ...) is transient.
    """
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons = exc.response.get("CancellationReasons") or []
    codes = {reason.get("Code", "None") for reason in reasons}
    if "ConditionalCheckFailed" not in codes or not codes <= {"None", "ConditionalCheckFailed"}:
        return None
    conflicts = []
    for seat_number, reason in zip(seat_numbers, reasons):
        if reason.get("Code") != "ConditionalCheckFailed":
            continue
        item = reason.get("Item")
        if item is None:
            conflicts.append({"seatNumber": seat_number, "problem": "unknown seat"})
        else:
            holder = item.get("orderId", {}).get("S")
            conflicts.append({"seatNumber": seat_number, "problem": "sold to another order", "heldBy": holder})
    return conflicts
