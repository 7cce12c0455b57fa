"""Unit tests of the reference handlers (``stack/handlers``) and the vendor gateway, on plain moto.

Each test builds only what the handler under test touches, directly with boto3 under ``mock_aws``
with fake credentials (never real AWS), seeds it from ``stack/seed``, and imports the handler module
fresh after the mock is active, with the environment variables the template gives that function:
so a renamed variable on either side fails here. Consumer events are built from real
``receive_message`` output of a queue subscribed (non-raw) to a moto topic, so bodies are genuine
SNS envelopes.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import cfn_flip
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

import stack
from stack import seed

STACK_DIR = Path(stack.__file__).resolve().parent
HANDLERS_DIR = STACK_DIR / "handlers"
REGION = "us-east-1"
SENDER = "tickets@example.com"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    data, _ = cfn_flip.load((STACK_DIR / "template.yaml").read_text(encoding="utf-8"))
    return data


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake keys and no profile files, so nothing here could ever sign a request for real AWS."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


@dataclass
class Cloud:
    """The moto resources a handler test needs, plus a way to turn purchases into SQS events."""

    topic_arn: str
    queue_url: str
    seats: Any
    orders: Any
    members: Any

    def event(self, *purchases: dict[str, Any] | str) -> dict[str, Any]:
        """An SQS event whose records carry ``purchases`` as SNS envelopes (a str is sent as a raw body)."""
        sqs, sns = boto3.client("sqs"), boto3.client("sns")
        for purchase in purchases:
            if isinstance(purchase, str):
                sqs.send_message(QueueUrl=self.queue_url, MessageBody=purchase)
            else:
                sns.publish(TopicArn=self.topic_arn, Message=json.dumps(purchase, default=float))
        messages = sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        )["Messages"]
        assert len(messages) == len(purchases)
        return {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m["Attributes"],
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:TestQueue",
                    "awsRegion": REGION,
                }
                for m in messages
            ]
        }

    def order(self, order_id: str) -> dict[str, Any] | None:
        return self.orders.get_item(Key={"orderId": order_id}).get("Item")

    def seat(self, seat_number: str) -> dict[str, Any]:
        return self.seats.get_item(Key={"concertId": "CONCERT001", "seatNumber": seat_number})["Item"]

    def member(self, fan_club_id: str) -> dict[str, Any]:
        return self.members.get_item(Key={"fanClubId": fan_club_id})["Item"]


def _table(name: str, *keys: tuple[str, str]) -> Any:
    dynamodb = boto3.resource("dynamodb")
    return dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": k, "KeyType": kind} for k, kind in keys],
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k, _ in keys],
    )


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with mock_aws():
        seats = _table("SeatInventory", ("concertId", "HASH"), ("seatNumber", "RANGE"))
        orders = _table("Orders", ("orderId", "HASH"))
        members = _table("FanClubMembers", ("fanClubId", "HASH"))
        for table, items in ((seats, seed.load("seats")), (members, seed.load("fan_club_members"))):
            with table.batch_writer() as batch:
                for item in items:
                    batch.put_item(Item=item)
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic_arn = sns.create_topic(Name="TourTicketingTopic")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="TestQueue")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
        yield Cloud(topic_arn, queue_url, seats, orders, members)


@pytest.fixture
def load_handler(
    cloud: Cloud, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """Import a handler module fresh, inside the mock, with the environment its template function has.

    Every module imported from ``stack/handlers`` (``ticketing_common`` too) is dropped afterwards,
    so no later test, nor the offline runtime importing a lab's handler folder, finds a cached copy.
    """
    resources, parameters = template["Resources"], template["Parameters"]
    monkeypatch.syspath_prepend(str(HANDLERS_DIR))
    before = set(sys.modules)

    def resolve(value: Any) -> str:
        if not isinstance(value, dict):
            return str(value)
        target = value["Ref"]
        if target == "TourTicketingTopic":
            return cloud.topic_arn
        if target in parameters:
            return str(parameters[target]["Default"])
        return resources[target]["Properties"]["TableName"]

    def load(function_name: str, **overrides: str) -> ModuleType:
        variables = resources[function_name]["Properties"]["Environment"]["Variables"]
        for name, value in {**{k: resolve(v) for k, v in variables.items()}, **overrides}.items():
            monkeypatch.setenv(name, value)
        module_name = resources[function_name]["Properties"]["Handler"].split(".")[0]
        sys.modules.pop(module_name, None)
        return importlib.import_module(module_name)

    yield load
    for name in set(sys.modules) - before:
        if Path(getattr(sys.modules[name], "__file__", None) or "/").parent == HANDLERS_DIR:
            del sys.modules[name]


def purchase(name: str) -> dict[str, Any]:
    return seed.load("purchases")[name]


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """Every stdout line must be one JSON object with level, message and orderId."""
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    for line in lines:
        assert {"level", "message", "orderId"} <= set(line)
    return lines


def failures(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


# ---------------------------------------------------------------- TicketPurchaseHandler


def test_purchase_is_published_with_numeric_money_and_attributes(
    cloud: Cloud, load_handler: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = load_handler("TicketPurchaseHandler")
    sample = purchase("sample")

    response = handler.handler(sample, None)

    assert response["statusCode"] == 202
    body = json.loads(response["body"])
    assert body["orderId"] == "ORD987654321" and body["messageId"]
    (message,) = boto3.client("sqs").receive_message(QueueUrl=cloud.queue_url)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["MessageId"] == body["messageId"]
    assert '"price": 250.0' in envelope["Message"]
    assert json.loads(envelope["Message"], parse_float=Decimal) == sample
    assert envelope["MessageAttributes"] == {
        "concertId": {"Type": "String", "Value": "CONCERT001"},
        "hasFanClubTicket": {"Type": "String", "Value": "true"},
    }
    assert log_lines(capsys)[-1]["message"] == "purchase accepted"


def test_api_gateway_body_and_float_prices_are_accepted(cloud: Cloud, load_handler: Any) -> None:
    handler = load_handler("TicketPurchaseHandler")
    event = {"body": json.dumps(purchase("no_fan_club"), default=float)}

    response = handler.handler(event, None)

    assert response["statusCode"] == 202
    (message,) = boto3.client("sqs").receive_message(QueueUrl=cloud.queue_url)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["MessageAttributes"]["hasFanClubTicket"]["Value"] == "false"
    assert json.loads(envelope["Message"], parse_float=Decimal)["totalAmount"] == Decimal("179.00")


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("seat_taken", 409, "no longer available: B20"),
        ("inactive_member", 400, "FCID1003 is not active"),
    ],
)
def test_unavailable_seat_or_inactive_membership_is_rejected_and_not_published(
    cloud: Cloud, load_handler: Any, capsys: pytest.CaptureFixture[str], name: str, status: int, reason: str
) -> None:
    handler = load_handler("TicketPurchaseHandler")

    response = handler.handler(purchase(name), None)

    assert response["statusCode"] == status
    assert reason in json.loads(response["body"])["reason"]
    assert "Messages" not in boto3.client("sqs").receive_message(QueueUrl=cloud.queue_url)
    assert log_lines(capsys)[-1]["level"] == "WARN"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(lambda p: p.pop("tickets"), "tickets must be a list", id="no-tickets"),
        pytest.param(lambda p: p.update(totalAmount=Decimal("499.99")), "sum of the ticket prices", id="bad-total"),
        pytest.param(
            lambda p: (p["tickets"][0].update(price=Decimal("200.00")), p.update(totalAmount=Decimal("450.00"))),
            "costs 250",
            id="price-not-listed",
        ),
        pytest.param(lambda p: p["tickets"][1].update(seatNumber="B15"), "appears twice", id="seat-twice"),
        pytest.param(lambda p: p["tickets"][0].update(seatNumber="Z99"), "unknown seat", id="unknown-seat"),
        pytest.param(
            lambda p: p["tickets"][0].update(fanClubId="FCID9999"), "FCID9999 does not exist", id="unknown-member"
        ),
        pytest.param(lambda p: p.update(fanContact={}), "email or a phone", id="no-contact"),
        pytest.param(lambda p: p["fanContact"].update(phone="555-0100"), "E.164", id="bad-phone"),
    ],
)
def test_invalid_purchase_is_rejected_with_400(load_handler: Any, change: Any, reason: str) -> None:
    handler = load_handler("TicketPurchaseHandler")
    bad = purchase("sample")
    change(bad)

    response = handler.handler(bad, None)

    assert response["statusCode"] == 400
    assert reason in json.loads(response["body"])["reason"]


# ---------------------------------------------------------------- SeatInventoryUpdater


def test_seats_are_booked_once_and_a_redelivery_is_harmless(cloud: Cloud, load_handler: Any) -> None:
    handler = load_handler("SeatInventoryUpdater")
    event = cloud.event(purchase("sample"))

    assert failures(handler.handler(event, None)) == []
    assert failures(handler.handler(event, None)) == []

    for seat_number in ("B15", "B16"):
        seat = cloud.seat(seat_number)
        assert (seat["status"], seat["orderId"], seat["fanId"]) == ("SOLD", "ORD987654321", "FAN123456789")
    assert cloud.seat("B17")["status"] == "AVAILABLE"


def test_seat_sold_to_another_order_is_a_logged_conflict_not_a_retry(
    cloud: Cloud, load_handler: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = load_handler("SeatInventoryUpdater")
    order = purchase("sample")
    order["tickets"][1]["seatNumber"] = "B20"  # sold to ORD000000001 in the seed

    assert failures(handler.handler(cloud.event(order), None)) == []

    assert cloud.seat("B15")["status"] == "AVAILABLE"  # all or nothing
    assert cloud.seat("B20")["orderId"] == "ORD000000001"
    (conflict,) = [line for line in log_lines(capsys) if line["level"] == "ERROR"]
    assert conflict["orderId"] == "ORD987654321"
    assert conflict["conflicts"] == [
        {"seatNumber": "B20", "problem": "sold to another order", "heldBy": "ORD000000001"}
    ]


def test_partial_batch_failure_returns_only_the_failed_records(
    cloud: Cloud, load_handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transient transaction conflict and a raw (non-envelope) body fail; the good record is booked."""
    handler = load_handler("SeatInventoryUpdater")
    real_transact = handler._dynamodb.transact_write_items

    def transact(**kwargs: Any) -> Any:
        if kwargs["TransactItems"][0]["Update"]["Key"]["seatNumber"]["S"] == "B1":
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                    "CancellationReasons": [{"Code": "TransactionConflict"}],
                },
                "TransactWriteItems",
            )
        return real_transact(**kwargs)

    monkeypatch.setattr(handler._dynamodb, "transact_write_items", transact)
    event = cloud.event(purchase("sample"), purchase("declined"), json.dumps(purchase("mixed"), default=float))
    by_order = {}
    for record in event["Records"]:
        body = json.loads(record["body"])
        by_order[json.loads(body["Message"])["orderId"] if "Message" in body else "raw"] = record["messageId"]

    response = handler.handler(event, None)

    assert sorted(failures(response)) == sorted([by_order["ORD100000002"], by_order["raw"]])
    assert cloud.seat("B15")["status"] == "SOLD"
    assert cloud.seat("B1")["status"] == "AVAILABLE"


# ---------------------------------------------------------------- PaymentProcessor


class FakeGatewayLambda:
    """Stands in for the vendor-account Lambda client: runs the vendor's gateway code in process."""

    def __init__(self, gateway: ModuleType, function_error: bool = False) -> None:
        self.gateway = gateway
        self.function_error = function_error
        self.requests: list[dict[str, Any]] = []
        self.credentials: list[dict[str, Any]] = []

    def client(self, credentials: dict[str, Any]) -> FakeGatewayLambda:
        self.credentials.append(credentials)
        return self

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:  # noqa: N803
        assert FunctionName == "arn:aws:lambda:us-east-1:222222222222:function:PaymentGateway"
        request = json.loads(Payload)
        self.requests.append(request)
        if self.function_error:
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(b'{"errorMessage": "boom"}')}
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(self.gateway.handler(request, None)).encode())}


@pytest.fixture
def gateway() -> FakeGatewayLambda:
    """The vendor's gateway, imported fresh so its idempotency store starts empty."""
    sys.modules.pop("stack.vendor.payment_gateway", None)
    return FakeGatewayLambda(importlib.import_module("stack.vendor.payment_gateway"))


@pytest.fixture
def payments(load_handler: Any, gateway: FakeGatewayLambda, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_handler("PaymentProcessor")
    monkeypatch.setattr(module, "gateway_client", gateway.client)
    return module


@pytest.mark.parametrize(
    ("tickets", "original", "discount", "total"),
    [
        ([("250.00", True), ("250.00", True)], "500.00", "50.00", "450.00"),
        ([("250.00", True), ("89.50", False)], "339.50", "25.00", "314.50"),
        ([("89.50", False)], "89.50", "0.00", "89.50"),
        ([("12.45", True)], "12.45", "1.24", "11.21"),  # 11.205 rounds half up, not to even
    ],
)
def test_price_order_in_decimal_with_fan_club_discount(
    payments: ModuleType, tickets: list[tuple[str, bool]], original: str, discount: str, total: str
) -> None:
    charge = payments.price_order(
        [{"price": Decimal(price), "isFanClubMember": member} for price, member in tickets], Decimal("10")
    )
    assert (charge.original, charge.discount, charge.total) == (Decimal(original), Decimal(discount), Decimal(total))
    assert str(charge.total) == total  # cents, not a float's tail


def test_payment_is_charged_once_with_discount_and_recorded_paid(
    cloud: Cloud, payments: ModuleType, gateway: FakeGatewayLambda
) -> None:
    event = cloud.event(purchase("sample"))

    assert failures(payments.handler(event, None)) == []
    assert failures(payments.handler(event, None)) == []  # redelivery

    assert gateway.requests == [
        {"orderId": "ORD987654321", "amount": "450.00", "idempotencyKey": "ORD987654321", "fanId": "FAN123456789"}
    ]
    assert set(gateway.credentials[0]) >= {"AccessKeyId", "SecretAccessKey", "SessionToken"}
    order = cloud.order("ORD987654321")
    assert order["paymentStatus"] == "Paid"
    assert (order["originalAmount"], order["discountAmount"], order["totalAmount"]) == (500, 50, 450)
    assert order["gatewayTransactionId"].startswith("TXN-") and "declineReason" not in order
    assert (order["fanId"], order["concertId"]) == ("FAN123456789", "CONCERT001")


def test_declined_payment_is_recorded_failed_with_reason(
    cloud: Cloud, payments: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert failures(payments.handler(cloud.event(purchase("declined")), None)) == []

    order = cloud.order("ORD100000002")
    assert (order["paymentStatus"], order["declineReason"], order["totalAmount"]) == ("Failed", "CARD_DECLINED", 250)
    last = log_lines(capsys)[-1]
    assert (last["level"], last["orderId"], last["paymentStatus"]) == ("WARN", "ORD100000002", "Failed")


def test_final_payment_status_is_never_charged_again(
    cloud: Cloud, payments: ModuleType, gateway: FakeGatewayLambda
) -> None:
    cloud.orders.put_item(Item={"orderId": "ORD987654321", "paymentStatus": "Failed", "declineReason": "CARD_DECLINED"})

    assert failures(payments.handler(cloud.event(purchase("sample")), None)) == []

    assert gateway.requests == []
    assert cloud.order("ORD987654321")["paymentStatus"] == "Failed"


def test_gateway_error_is_a_batch_failure_and_records_nothing(
    cloud: Cloud, payments: ModuleType, gateway: FakeGatewayLambda
) -> None:
    gateway.function_error = True
    event = cloud.event(purchase("sample"))

    assert failures(payments.handler(event, None)) == [event["Records"][0]["messageId"]]
    assert cloud.order("ORD987654321") is None


# ---------------------------------------------------------------- FanNotifier


def sent_emails() -> int:
    return int(boto3.client("ses").get_send_quota()["SentLast24Hours"])


def sent_sms() -> list[str]:
    return [number for number, _message, *_ in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()]


def test_fan_is_notified_once_by_email_and_sms(cloud: Cloud, load_handler: Any) -> None:
    handler = load_handler("FanNotifier")
    event = cloud.event(purchase("sample"))

    assert failures(handler.handler(event, None)) == []
    assert failures(handler.handler(event, None)) == []  # redelivery

    assert sent_emails() == 1
    assert sent_sms() == ["+1234567890"]
    assert cloud.order("ORD987654321")["notification"] == {"status": "Sent", "channels": ["email", "sms"]}


def test_fan_without_phone_gets_email_only(cloud: Cloud, load_handler: Any) -> None:
    handler = load_handler("FanNotifier")

    assert failures(handler.handler(cloud.event(purchase("no_phone")), None)) == []

    assert sent_emails() == 1 and sent_sms() == []
    assert cloud.order("ORD100000003")["notification"] == {"status": "Sent", "channels": ["email"]}


def test_send_error_releases_the_claim_and_the_retry_sends(
    cloud: Cloud, load_handler: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = load_handler("FanNotifier", SENDER_EMAIL="unverified@example.com")
    event = cloud.event(purchase("sample"))

    assert failures(handler.handler(event, None)) == [event["Records"][0]["messageId"]]
    assert cloud.order("ORD987654321") == {"orderId": "ORD987654321"}  # claim released
    (error,) = [line for line in log_lines(capsys) if line["level"] == "ERROR"]
    assert error["orderId"] == "ORD987654321" and "MessageRejected" in error["detail"]

    boto3.client("ses").verify_email_identity(EmailAddress="unverified@example.com")
    assert failures(handler.handler(event, None)) == []
    assert cloud.order("ORD987654321")["notification"]["status"] == "Sent"


# ---------------------------------------------------------------- FanClubAwardProcessor


def test_points_are_awarded_once_per_order(cloud: Cloud, load_handler: Any) -> None:
    handler = load_handler("FanClubAwardProcessor")
    event = cloud.event(purchase("sample"))

    assert failures(handler.handler(event, None)) == []
    assert failures(handler.handler(event, None)) == []  # redelivery

    member = cloud.member("FCID1001")
    assert (member["points"], member["awardedOrders"], member["tier"]) == (60, {"ORD987654321"}, "Bronze")


def test_award_crossing_a_threshold_updates_the_tier(cloud: Cloud, load_handler: Any) -> None:
    handler = load_handler("FanClubAwardProcessor")

    assert failures(handler.handler(cloud.event(purchase("no_phone")), None)) == []

    assert (cloud.member("FCID1002")["points"], cloud.member("FCID1002")["tier"]) == (500, "Gold")


def test_only_fan_club_tickets_earn_points(cloud: Cloud, load_handler: Any) -> None:
    handler = load_handler("FanClubAwardProcessor")
    before = {fan_club_id: cloud.member(fan_club_id) for fan_club_id in ("FCID1001", "FCID1002", "FCID1003")}

    assert failures(handler.handler(cloud.event(purchase("mixed"), purchase("no_fan_club")), None)) == []

    assert cloud.member("FCID1001")["points"] == 50  # one fan club ticket of two
    assert cloud.member("FCID1002") == before["FCID1002"] and cloud.member("FCID1003") == before["FCID1003"]


def test_unknown_membership_is_logged_and_not_retried(
    cloud: Cloud, load_handler: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = load_handler("FanClubAwardProcessor")
    order = purchase("sample")
    for ticket in order["tickets"]:
        ticket["fanClubId"] = "FCID9999"

    assert failures(handler.handler(cloud.event(order), None)) == []

    assert "Item" not in cloud.members.get_item(Key={"fanClubId": "FCID9999"})
    assert [line["fanClubId"] for line in log_lines(capsys) if line["level"] == "ERROR"] == ["FCID9999"]


# ---------------------------------------------------------------- vendor gateway


def test_gateway_is_deterministic_and_idempotent(gateway: FakeGatewayLambda) -> None:
    handle = gateway.gateway.handler
    request = {"orderId": "O1", "amount": "450.00", "idempotencyKey": "O1", "fanId": "FAN1"}

    first = handle(request, None)

    assert first["status"] == "APPROVED" and first["reason"] is None
    assert handle(dict(request), None) == first
    assert handle({**request, "amount": "451.00"}, None)["reason"] == "IDEMPOTENCY_KEY_REUSED"
    assert handle({**request, "idempotencyKey": "O2", "amount": "5000.01"}, None)["reason"] == "AMOUNT_LIMIT_EXCEEDED"
    assert handle({**request, "idempotencyKey": "O3", "fanId": "FAN000DECLINE"}, None)["reason"] == "CARD_DECLINED"
    assert handle({**request, "idempotencyKey": "O4", "amount": "abc"}, None)["reason"] == "INVALID_AMOUNT"
    assert handle({**request, "idempotencyKey": "O5", "amount": "5000.00"}, None)["status"] == "APPROVED"
