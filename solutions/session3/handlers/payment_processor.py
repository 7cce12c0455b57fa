"""PaymentProcessor: price each purchase, charge it through the vendor's gateway, record the outcome.

Money is ``Decimal`` end to end: fan club tickets get FAN_CLUB_DISCOUNT_PERCENT off, and the total
is rounded once, to cents, half up. The gateway lives in the vendor's account (222222222222): we
assume their PaymentGatewayInvokeRole with our ExternalId and invoke their function with those
credentials.

Idempotent under at-least-once delivery, three ways: an order whose ``paymentStatus`` is already
final (Paid/Failed) is skipped before charging; the gateway call carries ``idempotencyKey=orderId``
so a retry after a crash gets the first charge's answer, not a second charge; and the final write is
conditional, so a racing duplicate can never overwrite a final status. The write is an UpdateItem,
not a PutItem, so it keeps what FanNotifier records on the same Orders item.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import boto3

from ticketing_common import BatchResponse, Purchase, loads, log, process_sqs_batch

ORDERS_TABLE = os.environ["ORDERS_TABLE"]
PAYMENT_GATEWAY_ROLE_ARN = os.environ["PAYMENT_GATEWAY_ROLE_ARN"]
PAYMENT_GATEWAY_EXTERNAL_ID = os.environ["PAYMENT_GATEWAY_EXTERNAL_ID"]
PAYMENT_GATEWAY_FUNCTION = os.environ["PAYMENT_GATEWAY_FUNCTION"]
FAN_CLUB_DISCOUNT_PERCENT = Decimal(os.environ["FAN_CLUB_DISCOUNT_PERCENT"])

FINAL_STATUSES = ("Paid", "Failed")
CENT = Decimal("0.01")

_orders = boto3.resource("dynamodb").Table(ORDERS_TABLE)
_sts = boto3.client("sts")


class GatewayError(Exception):
    """The gateway did not give a usable answer (function error, unknown status): retry the record."""


@dataclass(frozen=True)
class Charge:
    """What the fan pays: ``original - discount == total``, each in cents."""

    original: Decimal
    discount: Decimal
    total: Decimal


def handler(event: Mapping[str, Any], context: Any) -> BatchResponse:
    """Charge every purchase in the SQS batch; report only the records to retry."""
    return process_sqs_batch(event, process_payment)


def price_order(tickets: list[dict[str, Any]], discount_percent: Decimal) -> Charge:
    """Sum the prices and take ``discount_percent`` off fan club tickets, rounding once at the end.

    Rounding the total once (not each ticket's discount) keeps per-ticket rounding errors from
    adding up; the discount is derived from the rounded figures so the three always add up.
    """
    original = sum((Decimal(ticket["price"]) for ticket in tickets), Decimal(0))
    fan_club_prices = (Decimal(ticket["price"]) for ticket in tickets if ticket.get("isFanClubMember") is True)
    exact_discount = sum((price * discount_percent / 100 for price in fan_club_prices), Decimal(0))
    total = (original - exact_discount).quantize(CENT, rounding=ROUND_HALF_UP)
    rounded_original = original.quantize(CENT, rounding=ROUND_HALF_UP)
    return Charge(original=rounded_original, discount=rounded_original - total, total=total)


def gateway_client(credentials: Mapping[str, Any]) -> Any:
    """A Lambda client acting as the vendor role, in the gateway function's region.

    Built per charge because assumed-role credentials expire. This is the seam a unit test replaces:
    moto cannot run the vendor's function code.
    """
    return boto3.client(
        "lambda",
        region_name=PAYMENT_GATEWAY_FUNCTION.split(":")[3],
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def _call_gateway(purchase: Purchase, charge: Charge) -> dict[str, Any]:
    """Assume the vendor's role (with our ExternalId) and invoke the gateway once."""
    credentials = _sts.assume_role(
        RoleArn=PAYMENT_GATEWAY_ROLE_ARN,
        RoleSessionName="PaymentProcessor",
        ExternalId=PAYMENT_GATEWAY_EXTERNAL_ID,
    )["Credentials"]
    request = {
        "orderId": purchase["orderId"],
        "amount": str(charge.total),
        "idempotencyKey": purchase["orderId"],
        "fanId": purchase["fanId"],
    }
    response = gateway_client(credentials).invoke(
        FunctionName=PAYMENT_GATEWAY_FUNCTION,
        InvocationType="RequestResponse",
        Payload=json.dumps(request).encode("utf-8"),
    )
    payload = response["Payload"].read()
    if response.get("FunctionError"):
        raise GatewayError(f"gateway function error: {payload[:200]!r}")
    result = loads(payload)
    if not isinstance(result, dict) or result.get("status") not in ("APPROVED", "DECLINED"):
        raise GatewayError(f"gateway returned no APPROVED/DECLINED status: {payload[:200]!r}")
    return result


def process_payment(purchase: Purchase) -> None:
    """Charge one purchase unless its payment is already final, then record Paid or Failed."""
    order_id = purchase["orderId"]
    existing = _orders.get_item(
        Key={"orderId": order_id},
        ConsistentRead=True,
        ProjectionExpression="paymentStatus",
    ).get("Item")
    if existing and existing.get("paymentStatus") in FINAL_STATUSES:
        status = existing["paymentStatus"]
        log("INFO", "payment already final; duplicate delivery ignored", order_id, paymentStatus=status)
        return
    charge = price_order(purchase["tickets"], FAN_CLUB_DISCOUNT_PERCENT)
    result = _call_gateway(purchase, charge)
    status = "Paid" if result["status"] == "APPROVED" else "Failed"
    _record(purchase, charge, status, result)
    level = "INFO" if status == "Paid" else "WARN"
    log(
        level,
        f"payment {status.lower()}",
        order_id,
        paymentStatus=status,
        totalAmount=charge.total,
        discountAmount=charge.discount,
        gatewayTransactionId=result.get("transactionId"),
        declineReason=result.get("reason") if status == "Failed" else None,
    )


def _record(purchase: Purchase, charge: Charge, status: str, result: Mapping[str, Any]) -> None:
    """Write the outcome unless a final status is already there (then a duplicate won the race)."""
    values: dict[str, Any] = {
        ":fanId": purchase["fanId"],
        ":concertId": purchase["concertId"],
        ":original": charge.original,
        ":discount": charge.discount,
        ":total": charge.total,
        ":status": status,
        ":transactionId": result.get("transactionId") or "",
        ":paid": "Paid",
        ":failed": "Failed",
    }
    assignments = [
        "fanId = :fanId",
        "concertId = :concertId",
        "originalAmount = :original",
        "discountAmount = :discount",
        "totalAmount = :total",
        "paymentStatus = :status",
        "gatewayTransactionId = :transactionId",
    ]
    if status == "Failed":
        assignments.append("declineReason = :reason")
        values[":reason"] = result.get("reason") or "DECLINED"
    try:
        _orders.update_item(
            Key={"orderId": purchase["orderId"]},
            UpdateExpression="SET " + ", ".join(assignments),
            ConditionExpression="attribute_not_exists(paymentStatus) OR NOT paymentStatus IN (:paid, :failed)",
            ExpressionAttributeValues=values,
        )
    except _orders.meta.client.exceptions.ConditionalCheckFailedException:
        log("INFO", "payment already recorded by a concurrent delivery", purchase["orderId"])
