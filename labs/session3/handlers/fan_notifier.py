"""FanNotifier: send each purchase's confirmation by email (SES) and/or SMS (SNS to a phone number).

A fan gets one confirmation even though SQS delivers at least once: before sending, the handler
claims the notification on the order's Orders item with a conditional write
(``attribute_not_exists(notification)``). A duplicate delivery finds the claim and does nothing.
If a send fails, the claim is released and the record is reported as a batch item failure, so the
retry sends again (an email that went out before the SMS failed may then arrive twice: at least
once, never silently lost). A function killed mid-send leaves the claim in status ``Sending``:
visible to support on the Orders item, and never sent twice.

Channels follow ``fanContact``: email when ``email`` is present, SMS when ``phone`` is present; a fan
without a phone gets email only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import boto3

from ticketing_common import BatchResponse, Purchase, log, process_sqs_batch

ORDERS_TABLE = os.environ["ORDERS_TABLE"]
SENDER_EMAIL = os.environ["SENDER_EMAIL"]

_orders = boto3.resource("dynamodb").Table(ORDERS_TABLE)
_ses = boto3.client("ses")
_sns = boto3.client("sns")


def handler(event: Mapping[str, Any], context: Any) -> BatchResponse:
    """Notify the fan of every purchase in the SQS batch; report only the records to retry."""
    return process_sqs_batch(event, notify)


def notify(purchase: Purchase) -> None:
    """Claim, send on each available channel, then record what was sent (or release on error)."""
    order_id = purchase["orderId"]
    if not _claim(order_id):
        log("INFO", "notification already claimed; duplicate delivery ignored", order_id)
        return
    try:
        channels = _send(purchase)
    except Exception as exc:
        log("WARN", f"could not send the confirmation: {exc}", order_id)
        channels = []
    status = "Sent" if channels else "NoContact"
    _orders.update_item(
        Key={"orderId": order_id},
        UpdateExpression="SET notification = :notification",
        ExpressionAttributeValues={":notification": {"status": status, "channels": channels}},
    )
    log("INFO" if channels else "WARN", f"notification {status}", order_id, channels=channels)


def _claim(order_id: str) -> bool:
    """True when this delivery owns the notification (the first to write it), False for a duplicate."""
    try:
        _orders.update_item(
            Key={"orderId": order_id},
            UpdateExpression="SET notification = :claim",
            ConditionExpression="attribute_not_exists(notification)",
            ExpressionAttributeValues={":claim": {"status": "Sending", "channels": []}},
        )
    except _orders.meta.client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def _release(order_id: str) -> None:
    """Drop our claim so that the retry of this record can send."""
    _orders.update_item(
        Key={"orderId": order_id},
        UpdateExpression="REMOVE notification",
        ConditionExpression="notification.#status = :sending",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":sending": "Sending"},
    )


def _send(purchase: Purchase) -> list[str]:
    """Send on every channel ``fanContact`` offers; returns the channels used."""
    contact = purchase.get("fanContact") or {}
    text = _confirmation_text(purchase)
    channels = []
    if contact.get("email"):
        _ses.send_email(
            Source=SENDER_EMAIL,
            Destination={"ToAddresses": [contact["email"]]},
            Message={
                "Subject": {"Data": f"Your tickets: {purchase.get('concertName', purchase['concertId'])}"},
                "Body": {"Text": {"Data": text}},
            },
        )
        channels.append("email")
    if contact["phone"]:
        _sns.publish(PhoneNumber=contact["phone"], Message=text)
        channels.append("sms")
    return channels


def _confirmation_text(purchase: Purchase) -> str:
    seats = ", ".join(ticket["seatNumber"] for ticket in purchase["tickets"])
    concert = purchase.get("concertName", purchase["concertId"])
    when = f" on {purchase['concertDate']}" if purchase.get("concertDate") else ""
    return f"Order {purchase['orderId']} confirmed: {concert}{when}, seats {seats}."
