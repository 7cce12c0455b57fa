"""TicketPurchaseHandler: validate a purchase, then publish it to TourTicketingTopic.

Validation happens here, once, so that the four consumers can trust the message shape. The seat
and membership look-ups are a fast first filter that gives the fan an immediate 409/400; they
cannot prevent overbooking on their own (a seat can sell between this read and the booking), which
is why SeatInventoryUpdater books with a conditional write.

Accepts the purchase itself (a Lambda test event) or an API Gateway proxy event whose ``body`` is
the purchase JSON. Returns an API Gateway style response: 202 with the SNS message id, or 400/409
with a reason. AWS errors (a denied ``sns:Publish``, a throttled read) are logged and raised, so
they show up as Lambda ``Errors``.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import boto3

from ticketing_common import Purchase, dumps, loads, log

SEAT_TABLE = os.environ["SEAT_TABLE"]
FAN_CLUB_TABLE = os.environ["FAN_CLUB_TABLE"]
TOPIC_ARN = os.environ["TOPIC_ARN"]

# One order books at most this many seats: keeps BatchGetItem (100 keys) and
# SeatInventoryUpdater's TransactWriteItems (100 items) far inside their limits.
MAX_TICKETS_PER_ORDER = 10
BATCH_GET_ATTEMPTS = 5
PHONE_PATTERN = re.compile(r"^\+[1-9]\d{6,14}$")  # E.164, what SNS SMS accepts

_dynamodb = boto3.resource("dynamodb")
_fan_club = _dynamodb.Table(FAN_CLUB_TABLE)
_sns = boto3.client("sns")


class Rejected(Exception):
    """A purchase the fan must change: carries the HTTP status and the reason shown to them."""

    def __init__(self, status_code: int, reason: str) -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Validate ``event`` and publish it; see the module docstring for the contract."""
    order_id: str | None = None
    try:
        purchase = _purchase_from_event(event)
        order_id = purchase["orderId"] if isinstance(purchase.get("orderId"), str) else None
        _validate(purchase)
        _check_seats(purchase)
        _check_memberships(purchase)
    except Rejected as rejection:
        log("WARN", "purchase rejected", order_id, statusCode=rejection.status_code, reason=rejection.reason)
        return _response(rejection.status_code, {"orderId": order_id, "reason": rejection.reason})
    except Exception as exc:
        log("ERROR", "purchase could not be checked", order_id, error=type(exc).__name__, detail=str(exc))
        raise
    try:
        message_id = _publish(purchase)
    except Exception as exc:
        log("ERROR", "purchase could not be published", order_id, error=type(exc).__name__, detail=str(exc))
        raise
    log("INFO", "purchase accepted", order_id, messageId=message_id, tickets=len(purchase["tickets"]))
    return _response(202, {"orderId": order_id, "messageId": message_id})


def _purchase_from_event(event: Mapping[str, Any]) -> Purchase:
    """The purchase with every non-integer number as ``Decimal``.

    A direct invocation arrives already parsed by the Lambda runtime, with prices as floats:
    re-encoding and parsing with :func:`loads` turns each back into the decimal that was typed
    (and leaves an in-process caller's ``Decimal`` values as they are).
    """
    if "body" in event:
        body = event["body"]
        if not isinstance(body, str):
            raise Rejected(400, "body must be a JSON string")
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8")
        try:
            purchase = loads(body)
        except json.JSONDecodeError as exc:
            raise Rejected(400, f"body is not valid JSON: {exc.msg}") from exc
    else:
        purchase = loads(dumps(event))
    if not isinstance(purchase, dict):
        raise Rejected(400, "purchase must be a JSON object")
    return purchase


def _require_text(container: Mapping[str, Any], field: str, where: str = "purchase") -> str:
    value = container.get(field)
    if not isinstance(value, str) or not value.strip():
        raise Rejected(400, f"{where}.{field} must be a non-empty string")
    return value


def _require_money(container: Mapping[str, Any], field: str, where: str) -> Decimal:
    """A positive amount with at most two decimal places (ints are accepted as whole amounts)."""
    value = container.get(field)
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise Rejected(400, f"{where}.{field} must be a number")
    amount = Decimal(value)
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise Rejected(400, f"{where}.{field} must be a positive amount with at most 2 decimals")
    return amount


def _validate(purchase: Purchase) -> None:
    """Check the payload shape of design.md; raise :class:`Rejected` (400) on the first problem."""
    for field in ("orderId", "fanId", "concertId"):
        _require_text(purchase, field)
    tickets = purchase.get("tickets")
    if not isinstance(tickets, list) or not 1 <= len(tickets) <= MAX_TICKETS_PER_ORDER:
        raise Rejected(400, f"purchase.tickets must be a list of 1 to {MAX_TICKETS_PER_ORDER} tickets")
    total = Decimal(0)
    for index, ticket in enumerate(tickets):
        where = f"tickets[{index}]"
        if not isinstance(ticket, dict):
            raise Rejected(400, f"{where} must be an object")
        _require_text(ticket, "seatNumber", where)
        total += _require_money(ticket, "price", where)
        if not isinstance(ticket.get("isFanClubMember"), bool):
            raise Rejected(400, f"{where}.isFanClubMember must be true or false")
        if ticket["isFanClubMember"]:
            _require_text(ticket, "fanClubId", where)
    seat_numbers = [ticket["seatNumber"] for ticket in tickets]
    if len(set(seat_numbers)) != len(seat_numbers):
        raise Rejected(400, "a seat appears twice in purchase.tickets")
    if _require_money(purchase, "totalAmount", "purchase") != total:
        raise Rejected(400, f"purchase.totalAmount must equal the sum of the ticket prices ({total})")
    if purchase.get("paymentStatus", "Pending") != "Pending":
        raise Rejected(400, "purchase.paymentStatus must be Pending for a new purchase")
    _validate_contact(purchase.get("fanContact"))


def _validate_contact(contact: Any) -> None:
    """At least one way to reach the fan; each one well-formed so FanNotifier cannot trip on it."""
    if not isinstance(contact, dict) or not (contact.get("email") or contact.get("phone")):
        raise Rejected(400, "purchase.fanContact needs an email or a phone number")
    email = contact.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email):
        raise Rejected(400, "purchase.fanContact.email is not an email address")
    phone = contact.get("phone")
    if phone is not None and (not isinstance(phone, str) or not PHONE_PATTERN.match(phone)):
        raise Rejected(400, "purchase.fanContact.phone must be in E.164 form, e.g. +14155550123")


def _check_seats(purchase: Purchase) -> None:
    """Every seat must exist, be AVAILABLE and cost what the fan was shown."""
    concert_id = purchase["concertId"]
    seats = _read_seats(concert_id, [ticket["seatNumber"] for ticket in purchase["tickets"]])
    unknown = [t["seatNumber"] for t in purchase["tickets"] if t["seatNumber"] not in seats]
    if unknown:
        raise Rejected(400, f"unknown seat(s) for {concert_id}: {', '.join(unknown)}")
    taken = [t["seatNumber"] for t in purchase["tickets"] if seats[t["seatNumber"]].get("status") != "AVAILABLE"]
    if taken:
        raise Rejected(409, f"seat(s) no longer available: {', '.join(taken)}")
    for ticket in purchase["tickets"]:
        listed = seats[ticket["seatNumber"]].get("price")
        if listed != ticket["price"]:
            raise Rejected(400, f"seat {ticket['seatNumber']} costs {listed}, not {ticket['price']}")


def _read_seats(concert_id: str, seat_numbers: list[str]) -> dict[str, dict[str, Any]]:
    """BatchGetItem the seats (strongly consistent), retrying keys DynamoDB leaves unprocessed."""
    request = {
        SEAT_TABLE: {
            "Keys": [{"concertId": concert_id, "seatNumber": seat} for seat in seat_numbers],
            "ConsistentRead": True,
        }
    }
    seats: dict[str, dict[str, Any]] = {}
    for _ in range(BATCH_GET_ATTEMPTS):
        response = _dynamodb.batch_get_item(RequestItems=request)
        for item in response["Responses"].get(SEAT_TABLE, []):
            seats[item["seatNumber"]] = item
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return seats
    raise RuntimeError(f"seat inventory still unprocessed after {BATCH_GET_ATTEMPTS} attempts")


def _check_memberships(purchase: Purchase) -> None:
    """Every fan club ticket must name an existing, Active membership."""
    fan_club_ids = sorted({t["fanClubId"] for t in purchase["tickets"] if t["isFanClubMember"]})
    for fan_club_id in fan_club_ids:
        member = _fan_club.get_item(Key={"fanClubId": fan_club_id}, ConsistentRead=True).get("Item")
        if member is None:
            raise Rejected(400, f"fan club membership {fan_club_id} does not exist")
        if member.get("membershipStatus") != "Active":
            raise Rejected(400, f"fan club membership {fan_club_id} is not active")


def _publish(purchase: Purchase) -> str:
    """Publish the purchase; attributes let subscriptions filter without parsing the body."""
    has_fan_club_ticket = any(ticket["isFanClubMember"] for ticket in purchase["tickets"])
    response = _sns.publish(
        TopicArn=TOPIC_ARN,
        Message=dumps(purchase),
        MessageAttributes={
            "concertId": {"DataType": "String", "StringValue": purchase["concertId"]},
            "hasFanClubTicket": {"DataType": "String", "StringValue": "true" if has_fan_club_ticket else "false"},
        },
    )
    return response["MessageId"]


def _response(status_code: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status_code, "headers": {"Content-Type": "application/json"}, "body": dumps(body)}
