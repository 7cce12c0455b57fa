"""Exercise 3a: Lambda test events, graded on shape (field by field) and on behaviour (the branch).

Shape: the reference record is what :func:`stack.cloud.event_source.sqs_record` builds (the exact
record Lambda's SQS poller gives a function) around the envelope of :func:`stack.casestudies.sandbox.sns_envelope`;
the first field that differs is named with its path (``Records[0].attributes.ApproximateReceiveCount``).
Behaviour: the event is given to the reference handler in the sandbox and the branch it took is read
from the handler's structured log lines (the ``message`` it logs on each branch) and the tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stack.casestudies.messages import FUNCTIONS, TOPIC_ARN, purchases, queue_arn
from stack.cloud.constants import ACCOUNT, REGION

if TYPE_CHECKING:  # the sandbox loads moto: only the forked children that run handlers import it
    from stack.casestudies.sandbox import Invocation, Sandbox

_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Scenario:
    file: str
    function: str
    what: str
    receive_count: int | None = None  # required ApproximateReceiveCount, when the scenario names one


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("events/purchase.json", "TicketPurchaseHandler", "a purchase request that is accepted"),
    Scenario("events/seat-inventory.json", "SeatInventoryUpdater", "seats booked for a purchase"),
    Scenario("events/payment.json", "PaymentProcessor", "a payment that is approved"),
    Scenario("events/notification.json", "FanNotifier", "a confirmation by email and SMS"),
    Scenario("events/fan-club-award.json", "FanClubAwardProcessor", "fan club points awarded"),
    Scenario("events/declined-payment.json", "PaymentProcessor", "a payment the gateway declines"),
    Scenario("events/no-phone.json", "FanNotifier", "a fan without a phone number (email only)"),
    Scenario("events/redelivery.json", "FanClubAwardProcessor", "a redelivered message whose points were already awarded", 2),
)


class ShapeError(Exception):
    """The first field of the event that differs from what Lambda would send."""


def _fail(path: str, problem: str) -> ShapeError:
    return ShapeError(f"{path}: {problem}")


def _string(value: Any, path: str, example: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, f"must be a string such as {example!r} (got {json.dumps(value)})")
    return value


def check_purchase(purchase: Any, path: str) -> None:
    """The purchase message (as in the sample purchases): the fields every handler reads, with their JSON types."""
    if not isinstance(purchase, dict):
        raise _fail(path, f"must be a purchase object (got {type(purchase).__name__})")
    for key in ("orderId", "fanId", "concertId"):
        if not isinstance(purchase.get(key), str) or not purchase[key]:
            raise _fail(f"{path}.{key}", "is missing or not a non-empty string")
    tickets = purchase.get("tickets")
    if not isinstance(tickets, list) or not tickets:
        raise _fail(f"{path}.tickets", "must be a non-empty list of tickets")
    for i, ticket in enumerate(tickets):
        where = f"{path}.tickets[{i}]"
        if not isinstance(ticket, dict):
            raise _fail(where, "must be an object")
        if not isinstance(ticket.get("seatNumber"), str):
            raise _fail(f"{where}.seatNumber", "is missing or not a string")
        if isinstance(ticket.get("price"), bool) or not isinstance(ticket.get("price"), (int, float)):
            raise _fail(f"{where}.price", f"must be a JSON number such as 250.00 (got {json.dumps(ticket.get('price'))})")
        if not isinstance(ticket.get("isFanClubMember"), bool):
            raise _fail(f"{where}.isFanClubMember", f"must be true or false (got {json.dumps(ticket.get('isFanClubMember'))})")
    if isinstance(purchase.get("totalAmount"), bool) or not isinstance(purchase.get("totalAmount"), (int, float)):
        raise _fail(f"{path}.totalAmount", "must be a JSON number")
    if not isinstance(purchase.get("fanContact"), dict):
        raise _fail(f"{path}.fanContact", "must be an object with email and/or phone")


def check_envelope(body: str, path: str) -> dict[str, Any]:
    try:
        envelope = json.loads(body)
    except ValueError:
        raise _fail(path, "must be the SNS notification envelope as a JSON string; this string is not JSON") from None
    if not isinstance(envelope, dict):
        raise _fail(path, "must hold a JSON object (the SNS envelope)")
    if envelope.get("Type") != "Notification":
        raise _fail(f"{path}.Type", f"must be \"Notification\" (got {json.dumps(envelope.get('Type'))})")
    _string(envelope.get("MessageId"), f"{path}.MessageId", "95df01b4-ee98-5cb9-9903-4c221d41eb5e")
    if envelope.get("TopicArn") != TOPIC_ARN:
        raise _fail(f"{path}.TopicArn", f"must be the topic the message came from, {TOPIC_ARN} (got {json.dumps(envelope.get('TopicArn'))})")
    message = envelope.get("Message")
    if isinstance(message, dict):
        raise _fail(f"{path}.Message", "must be a string holding the purchase JSON (SNS delivers the published string), not an object")
    _string(message, f"{path}.Message", '{"orderId": ...}')
    for key, example in (("Timestamp", "2024-05-01T14:30:01.000Z"), ("SignatureVersion", "1"), ("Signature", "EXAMPLE..."),
                         ("SigningCertURL", "https://sns.us-east-1.amazonaws.com/....pem"), ("UnsubscribeURL", "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe...")):
        _string(envelope.get(key), f"{path}.{key}", example)
    if "Subject" in envelope and envelope["Subject"] is not None and not isinstance(envelope["Subject"], str):
        raise _fail(f"{path}.Subject", "must be a string or null")
    attributes = envelope.get("MessageAttributes", {})
    if not isinstance(attributes, dict) or any(not isinstance(v, dict) or set(v) != {"Type", "Value"} for v in attributes.values()):
        raise _fail(f"{path}.MessageAttributes", 'must map each name to {"Type": "String", "Value": "..."} (SNS envelope form)')
    try:
        purchase = json.loads(message)
    except ValueError:
        raise _fail(f"{path}.Message", "must be valid JSON (the purchase)") from None
    check_purchase(purchase, f"{path}.Message")
    return purchase


def check_sqs_event(event: Any, function: str, receive_count: int | None) -> list[dict[str, Any]]:
    """Every record checked against Lambda's SQS record shape; returns the purchases inside."""
    if not isinstance(event, dict) or not isinstance(event.get("Records"), list) or not event["Records"]:
        raise _fail("event", f"must be an object with a non-empty \"Records\" list (an SQS batch); got {json.dumps(event)[:60]}")
    expected_arn = queue_arn(function)
    found = []
    for i, record in enumerate(event["Records"]):
        path = f"Records[{i}]"
        if not isinstance(record, dict):
            raise _fail(path, "must be an object (one SQS message)")
        for key in ("messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"):
            if key not in record:
                raise _fail(f"{path}.{key}", "is missing (Lambda's SQS records always carry it)")
        _string(record["messageId"], f"{path}.messageId", "059f36b4-87a3-44ab-83d2-661975830a7d")
        _string(record["receiptHandle"], f"{path}.receiptHandle", "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...")
        if isinstance(record["body"], dict):
            raise _fail(f"{path}.body", "must be a string: SQS bodies are text, so the SNS envelope arrives serialised as JSON inside a string")
        _string(record["body"], f"{path}.body", '{"Type": "Notification", ...}')
        attributes = record["attributes"]
        if not isinstance(attributes, dict):
            raise _fail(f"{path}.attributes", "must be an object")
        for key in ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"):
            value = attributes.get(key)
            if key == "SenderId":
                _string(value, f"{path}.attributes.{key}", "AIDAIENQZJOLO23YVJ4VO")
            elif not isinstance(value, str) or not _DIGITS.match(value):
                raise _fail(f"{path}.attributes.{key}", f"must be a string of digits such as \"1\" (Lambda sends every SQS attribute as a string); got {json.dumps(value)}")
        if receive_count is not None and attributes["ApproximateReceiveCount"] != str(receive_count):
            raise _fail(f"{path}.attributes.ApproximateReceiveCount", f"this scenario is delivery number {receive_count}; got {json.dumps(attributes['ApproximateReceiveCount'])}")
        if not isinstance(record["messageAttributes"], dict):
            raise _fail(f"{path}.messageAttributes", "must be an object ({} when the message has none)")
        _string(record["md5OfBody"], f"{path}.md5OfBody", "7b270e59b47ff90a553787216d55d91d")
        if record["eventSource"] != "aws:sqs":
            raise _fail(f"{path}.eventSource", f"must be \"aws:sqs\" (got {json.dumps(record['eventSource'])})")
        if record["eventSourceARN"] != expected_arn:
            raise _fail(f"{path}.eventSourceARN", f"must be the ARN of the queue that feeds {function}, {expected_arn} (got {json.dumps(record['eventSourceARN'])})")
        if record["awsRegion"] != REGION:
            raise _fail(f"{path}.awsRegion", f"must be the queue's region, {REGION} (got {json.dumps(record['awsRegion'])})")
        found.append(check_envelope(record["body"], f"{path}.body"))
    return found


def check_shape(scenario: Scenario, event: Any) -> list[dict[str, Any]]:
    if scenario.function == "TicketPurchaseHandler":
        if isinstance(event, dict) and "Records" in event:
            raise _fail("event", "TicketPurchaseHandler is invoked with the purchase itself, not an SQS batch")
        check_purchase(event, "event")
        return [event]
    return check_sqs_event(event, scenario.function, scenario.receive_count)


# -- behaviour --------------------------------------------------------------------------------------
Branch = Callable[["Sandbox", "Invocation", list[dict[str, Any]]], "str | None"]


def _messages_include(wanted: str) -> Callable[[Invocation], str | None]:
    def test(result: Invocation) -> str | None:
        if not result.ok:
            return f"the handler failed with {result.error_type}: {result.error_message}"
        if result.failed_ids:
            detail = next((l.get("detail") or l.get("message") for l in result.log_json if l.get("level") == "ERROR"), "")
            return f"the handler reported a record as failed: {detail}"
        if wanted not in result.messages():
            said = "; ".join(dict.fromkeys(result.messages())) or "nothing"
            return f"the handler did not take the branch that logs {wanted!r}; it logged: {said}"
        return None
    return test


def behaviour(sandbox: Sandbox, scenario: Scenario, event: Any, purchases_in: list[dict[str, Any]]) -> str | None:
    """None when the reference handler took the scenario's branch, else what it did instead."""
    name = scenario.file.split("/")[-1].removesuffix(".json")
    if name == "redelivery":
        first = sandbox.invoke(scenario.function, event)
        if (problem := _messages_include("fan club points awarded")(first)) is not None:
            return f"first delivery: {problem} (a redelivery test needs a purchase with fan club tickets of an existing member)"
        again = sandbox.invoke(scenario.function, event)
        return _messages_include("points already awarded; duplicate delivery ignored")(again)
    result = sandbox.invoke(scenario.function, event)
    if name == "purchase":
        if not result.ok:
            return f"the handler failed with {result.error_type}: {result.error_message}"
        response = result.response if isinstance(result.response, dict) else {}
        if response.get("statusCode") != 202:
            return f"TicketPurchaseHandler answered {response.get('statusCode')}: {response.get('body')} (the accepted branch answers 202)"
        return None
    wanted = {
        "seat-inventory": "seats booked",
        "payment": "payment paid",
        "notification": "notification Sent",
        "fan-club-award": "fan club points awarded",
        "declined-payment": "payment failed",
        "no-phone": "notification Sent",
    }[name]
    problem = _messages_include(wanted)(result)
    if problem:
        return problem
    channels = [c for line in result.log_json for c in line.get("channels", [])]
    if name == "notification" and sorted(set(channels)) != ["email", "sms"]:
        return f"the confirmation went out by {', '.join(sorted(set(channels))) or 'nothing'}; this scenario is email and SMS"
    if name == "no-phone" and sorted(set(channels)) != ["email"]:
        return f"the confirmation went out by {', '.join(sorted(set(channels)))}; this scenario is a fan without a phone (email only)"
    return None


def known_orders() -> Mapping[str, Any]:
    return {p["orderId"]: p for p in purchases().values()}


__all__ = ["SCENARIOS", "FUNCTIONS", "ACCOUNT", "Scenario", "ShapeError", "behaviour", "check_shape"]
