"""What the consumers receive, and the names in it: the SNS envelope, SQS batch events, the functions.

Kept apart from :mod:`stack.casestudies.sandbox` because it needs neither boto3 nor moto: the session 3
checks that only read names or build events import it in the grading process, while the sandbox (and
its second of imports) is loaded by the forked children that run handlers (``checks/background.py``).
:func:`sqs_event` wraps purchases the way SNS (raw delivery off) and the SQS event source do, through
:func:`stack.cloud.event_source.sqs_record`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from stack import seed as seed_data
from stack.cloud.constants import ACCOUNT, REGION

STACK = Path(__file__).resolve().parents[1]
HANDLERS = STACK / "handlers"
VENDOR = STACK / "vendor"
COMMON = "ticketing_common.py"

TOPIC_NAME = "TourTicketingTopic"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC_NAME}"
SENDER_EMAIL = "tickets@example.com"

#: Function -> (module, the queue that feeds it or None, its environment: the template's defaults).
FUNCTIONS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "TicketPurchaseHandler": ("ticket_purchase_handler", None,
                              {"SEAT_TABLE": "SeatInventory", "FAN_CLUB_TABLE": "FanClubMembers", "TOPIC_ARN": TOPIC_ARN}),
    "SeatInventoryUpdater": ("seat_inventory_updater", "SeatInventoryQueue", {"SEAT_TABLE": "SeatInventory"}),
    "PaymentProcessor": ("payment_processor", "PaymentProcessingQueue", {
        "ORDERS_TABLE": "Orders",
        "PAYMENT_GATEWAY_ROLE_ARN": "arn:aws:iam::222222222222:role/PaymentGatewayInvokeRole",
        "PAYMENT_GATEWAY_EXTERNAL_ID": f"world-tour-ticketing-{ACCOUNT}",
        "PAYMENT_GATEWAY_FUNCTION": f"arn:aws:lambda:{REGION}:222222222222:function:PaymentGateway",
        "FAN_CLUB_DISCOUNT_PERCENT": "10",
    }),
    "FanNotifier": ("fan_notifier", "NotificationQueue", {"ORDERS_TABLE": "Orders", "SENDER_EMAIL": SENDER_EMAIL}),
    "FanClubAwardProcessor": ("fan_club_award_processor", "FanClubAwardsQueue",
                              {"FAN_CLUB_TABLE": "FanClubMembers", "POINTS_PER_FAN_CLUB_TICKET": "10"}),
}
CONSUMERS = tuple(name for name, (_, queue, _) in FUNCTIONS.items() if queue)
def queue_arn(function: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{FUNCTIONS[function][1]}"


def purchases() -> dict[str, dict[str, Any]]:
    """The named sample purchases of ``stack/seed/purchases.json`` (a fresh copy each call)."""
    return copy.deepcopy(seed_data.load("purchases"))


# -- events ---------------------------------------------------------------------------------------
def money_json(value: Any) -> Any:
    """``json.dumps`` default for DynamoDB numbers: an integral Decimal as int, any other as float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def sns_envelope(purchase: Mapping[str, Any] | str, message_id: str | None = None, timestamp: str = "2024-05-01T14:30:01.000Z") -> dict[str, Any]:
    """The JSON SNS wraps a message in for an SQS subscription with raw delivery off (aws-facts, SNS)."""
    message = purchase if isinstance(purchase, str) else json.dumps(purchase, default=money_json)
    order = purchase.get("orderId", "") if isinstance(purchase, Mapping) else message
    message_id = message_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"sns/{order}"))
    has_fan_club = isinstance(purchase, Mapping) and any(t.get("isFanClubMember") for t in purchase.get("tickets", []))
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": TOPIC_ARN,
        "Message": message,
        "Timestamp": timestamp,
        "SignatureVersion": "1",
        "Signature": "EXAMPLEpH+..",
        "SigningCertURL": f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
        "UnsubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={TOPIC_ARN}:0000",
        "MessageAttributes": {
            "concertId": {"Type": "String", "Value": str(purchase.get("concertId", "")) if isinstance(purchase, Mapping) else ""},
            "hasFanClubTicket": {"Type": "String", "Value": "true" if has_fan_club else "false"},
        },
    }


def sqs_event(*items: Mapping[str, Any] | str, function: str = "PaymentProcessor", receive_count: int = 1) -> dict[str, Any]:
    """An SQS event for ``function``: one record per purchase (a ``str`` is sent as the raw body)."""
    from stack.cloud.event_source import sqs_record  # the poller's own shape; it loads moto, so only when called

    records = []
    for index, item in enumerate(items):
        body = item if isinstance(item, str) else json.dumps(sns_envelope(item))
        ident = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sqs/{function}/{index}/{body}"))
        message = {
            "MessageId": ident,
            "ReceiptHandle": f"AQEB{hashlib.sha256(ident.encode()).hexdigest()}",
            "Body": body,
            "MD5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - what SQS computes, not security
            "Attributes": {
                "ApproximateReceiveCount": str(receive_count),
                "SentTimestamp": "1714573801000",
                "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                "ApproximateFirstReceiveTimestamp": "1714573801050",
            },
        }
        records.append(sqs_record(message, queue_arn(function), REGION))
    return {"Records": records}
