"""Exercise 3b's hidden behaviour tests: they run the learner's handlers on the offline runtime.

Each test is one behaviour the issue's bug list breaks (or a happy path that must keep working). A
test raises :class:`AssertionError` with a message written for the learner: what was sent, what was
expected, what happened. It never names the fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from checks.session3.fixtures import Events, Lambdas, Tables

Test = Callable[[Lambdas, Events, Tables], None]


@dataclass(frozen=True)
class HiddenTest:
    id: str
    function: str
    run: Test


def _no_errors(result, what: str) -> None:  # noqa: ANN001 - an Invocation
    if not result.ok:
        raise AssertionError(f"{what}: the invocation failed with {result.error_type}: {result.error_message}")
    if result.failed_ids:
        line = next((line for line in result.log_json if line.get("level") == "ERROR"), {})
        said = ": ".join(str(part) for part in (line.get("error"), line.get("detail")) if part)
        if "Inexact" in said:
            said += " (boto3's DynamoDB serializer refuses a Decimal that is not exact)"
        raise AssertionError(f"{what}: the handler reported {len(result.failed_ids)} record(s) as failed (batchItemFailures)"
                             + (f"; the log says: {said}" if said else ""))


# -- happy paths ------------------------------------------------------------------------------------
def seats_booked(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    result = lambdas.invoke("SeatInventoryUpdater", events.sqs("sample", function="SeatInventoryUpdater"))
    _no_errors(result, "booking seats B15 and B16 of order ORD987654321")
    for seat in ("B15", "B16"):
        item = tables.seat(seat) or {}
        assert item.get("status") == "SOLD" and item.get("orderId") == "ORD987654321", \
            f"after booking order ORD987654321, seat {seat} should be SOLD to it; it is {item.get('status')} / {item.get('orderId')}"


def payment_paid(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    result = lambdas.invoke("PaymentProcessor", events.sqs("sample", function="PaymentProcessor"))
    _no_errors(result, "paying order ORD987654321 (two fan club tickets at 250.00)")
    order = tables.order("ORD987654321") or {}
    assert order.get("paymentStatus") == "Paid", f"order ORD987654321 should be Paid, it is {order.get('paymentStatus')}"
    assert order.get("totalAmount") == Decimal("450.00"), f"two 250.00 fan club tickets with 10 % off should total 450.00, got {order.get('totalAmount')}"


def notification_sent(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    result = lambdas.invoke("FanNotifier", events.sqs("sample", function="FanNotifier"))
    _no_errors(result, "notifying the fan of order ORD987654321")
    notification = (tables.order("ORD987654321") or {}).get("notification") or {}
    assert notification.get("status") == "Sent" and sorted(notification.get("channels", [])) == ["email", "sms"], \
        f"a fan with an email and a phone should get both; the order records {notification or 'no notification'}"


def points_awarded(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    result = lambdas.invoke("FanClubAwardProcessor", events.sqs("sample", function="FanClubAwardProcessor"))
    _no_errors(result, "awarding points for order ORD987654321")
    points = (tables.member("FCID1001") or {}).get("points")
    assert points == 60, f"member FCID1001 had 40 points and bought 2 fan club tickets (10 points each): expected 60, has {points}"


# -- the bug list -----------------------------------------------------------------------------------
#: (order, its tickets, what it describes, exact total, exact discount): one batch, one invocation.
#: Each order's total ends in a half cent before rounding (107.455, 17.865): float maths gives 107.45
#: for the first (19.95 * 0.9 is 17.95499... as a float) and banker's rounding (half even) 17.86 for
#: the second. The guest ticket of the first must not be discounted.
DISCOUNT_CASES = (
    ("ORD300000001", [{"seatNumber": "GA01", "section": "GA", "price": 19.95, "isFanClubMember": True, "fanClubId": "FCID1001"},
                      {"seatNumber": "GA02", "section": "GA", "price": 89.50, "isFanClubMember": False}],
     "a 19.95 fan club ticket (10 % off: 17.955) plus an 89.50 guest ticket, rounded half up to the cent", "107.46", "1.99"),
    ("ORD300000004", [{"seatNumber": "GA04", "section": "GA", "price": 19.85, "isFanClubMember": True, "fanClubId": "FCID1001"}],
     "one 19.85 fan club ticket (10 % off: 17.865), rounded half up to the cent", "17.87", "1.98"),
)


def decimal_discount(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    orders = [events.purchase("mixed", orderId=order, tickets=tickets, totalAmount=float(total) + float(discount))
              for order, tickets, _, total, discount in DISCOUNT_CASES]
    result = lambdas.invoke("PaymentProcessor", events.sqs(*orders, function="PaymentProcessor"))
    _no_errors(result, "paying orders ORD300000001 (19.95 fan club ticket, 89.50 guest ticket) and ORD300000004 (19.85 fan club ticket)")
    for order_id, _, what, total, discount in DISCOUNT_CASES:
        order = tables.order(order_id) or {}
        got_total, got_discount = order.get("totalAmount"), order.get("discountAmount")
        assert got_total == Decimal(total) and got_discount == Decimal(discount), (
            f"order {order_id}, {what}, should cost exactly {total} with a discount of {discount}; "
            f"the order records totalAmount={got_total} discountAmount={got_discount}")


def declined_is_failed(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    result = lambdas.invoke("PaymentProcessor", events.sqs("declined", function="PaymentProcessor"))
    _no_errors(result, "paying order ORD100000002, which the gateway declines")
    order = tables.order("ORD100000002") or {}
    assert order.get("paymentStatus") == "Failed", \
        f"the gateway declined order ORD100000002; its paymentStatus should say so for good, it is {order.get('paymentStatus')!r}"


def batch_item_failures(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    event = events.sqs("sample", function="SeatInventoryUpdater", raw_bodies=("this is not an SNS notification",))
    bad = event["Records"][1]["messageId"]
    result = lambdas.invoke("SeatInventoryUpdater", event)
    assert result.ok, (f"one malformed record in a batch of two made the whole invocation fail ({result.error_type}): "
                       "every record of the batch goes back to the queue, the good one too")
    assert result.failed_ids == [bad], f"only the malformed record ({bad}) should be reported as failed; the response was {result.response!r}"
    assert (tables.seat("B15") or {}).get("orderId") == "ORD987654321", "the good record of the batch (order ORD987654321) was not booked"


def no_overbooking(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    result = lambdas.invoke("SeatInventoryUpdater", events.sqs("seat_taken", function="SeatInventoryUpdater"))
    holder = (tables.seat("B20") or {}).get("orderId")
    assert holder == "ORD000000001", f"seat B20 was already sold to ORD000000001; after order ORD100000004 asked for it, it belongs to {holder}"
    assert not result.failed_ids, "a seat sold to another order cannot be fixed by a retry: the record should not go back to the queue"
    tables.sell_before_next_write("B1")
    lambdas.invoke("SeatInventoryUpdater", events.sqs("declined", function="SeatInventoryUpdater"))
    holder = (tables.seat("B1") or {}).get("orderId")
    assert holder == "ORD-COMPETITOR", (
        "two orders raced for seat B1: a competing order bought it after your handler looked at the seat and before it "
        f"wrote; the seat now belongs to {holder}, so both fans hold a ticket for it (overbooked)")
    # A two-seat order loses one seat to a race: it must not keep the other (all its seats or none).
    # Raced both ways round, whatever order the handler writes the seats in (B15 and B16 start AVAILABLE).
    for taken, kept in (("B16", "B15"), ("B15", "B16")):
        if taken == "B15":
            tables.put_seat({"seatNumber": "B16", "section": "VIP", "price": 250.00, "status": "AVAILABLE"})
        tables.sell_before_next_write(taken)
        lambdas.invoke("SeatInventoryUpdater", events.sqs("sample", function="SeatInventoryUpdater"))
        other = tables.seat(kept) or {}  # (the raced seat itself is the B1 case above)
        assert other.get("status") == "AVAILABLE" and other.get("orderId") is None, (
            f"order ORD987654321 asked for seats B15 and B16, and a competing order bought {taken} just before your handler's "
            f"first write: the order cannot have both seats, yet {kept} is now {other.get('status')} to {other.get('orderId')}. "
            f"A fan holds half an order that was not booked, and nobody else can buy {kept}")


def missing_phone(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    result = lambdas.invoke("FanNotifier", events.sqs("no_phone", function="FanNotifier"))
    _no_errors(result, "notifying order ORD100000003, whose fan gave an email but no phone")
    notification = (tables.order("ORD100000003") or {}).get("notification") or {}
    assert notification.get("status") == "Sent" and notification.get("channels") == ["email"], \
        f"a fan without a phone should get the email only; the order records {notification or 'no notification'}"


def send_errors_reported(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    event = events.sqs("sample", function="FanNotifier")
    lambdas.fail_next_sms()
    result = lambdas.invoke("FanNotifier", event)
    assert result.ok, f"a failed send should be reported for that record only, not crash the invocation ({result.error_type})"
    assert result.failed_ids == [event["Records"][0]["messageId"]], (
        "SNS refused the SMS of order ORD987654321 (Throttled: Rate exceeded), yet the record was not reported as failed: "
        "the fan never hears about it and nobody retries")
    status = ((tables.order("ORD987654321") or {}).get("notification") or {}).get("status")
    assert status not in ("Sent", "NoContact"), f"the SMS failed but the order records the notification as {status}"
    # SNS works again; SQS redelivers the failed record: this delivery must tell the fan.
    again = lambdas.invoke("FanNotifier", events.sqs("sample", function="FanNotifier", receive_count=2))
    _no_errors(again, "the redelivery of order ORD987654321 (ApproximateReceiveCount 2), once SNS accepted SMS again")
    notification = (tables.order("ORD987654321") or {}).get("notification") or {}
    if notification.get("status") != "Sent" or sorted(notification.get("channels", [])) != ["email", "sms"]:
        said = "; ".join(again.messages())
        raise AssertionError(
            "the first delivery of order ORD987654321 failed (SNS throttled the SMS) and was reported for a retry; SQS "
            f"redelivered it once SNS worked again, yet the fan was still not told: the order records {notification or 'no notification'}"
            + (f", and the retry logged: {said}" if said else ""))


def idempotent_awards(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    lambdas.invoke("FanClubAwardProcessor", events.sqs("sample", function="FanClubAwardProcessor"))
    again = lambdas.invoke("FanClubAwardProcessor", events.sqs("sample", function="FanClubAwardProcessor", receive_count=2))
    _no_errors(again, "processing a redelivery (ApproximateReceiveCount 2) of order ORD987654321")
    points = (tables.member("FCID1001") or {}).get("points")
    assert points == 60, f"SQS delivered order ORD987654321 twice (at least once delivery); FCID1001 should have 40 + 20 = 60 points, has {points}"


def members_only(lambdas: Lambdas, events: Events, tables: Tables) -> None:
    purchase = events.purchase(
        "mixed", orderId="ORD300000002",
        tickets=[{"seatNumber": "B17", "section": "VIP", "price": 250.00, "isFanClubMember": True, "fanClubId": "FCID1001"},
                 {"seatNumber": "GA10", "section": "GA", "price": 89.50, "isFanClubMember": False, "fanClubId": "FCID1001"}],
    )
    result = lambdas.invoke("FanClubAwardProcessor", events.sqs(purchase, function="FanClubAwardProcessor"))
    _no_errors(result, "awarding order ORD300000002 (one fan club ticket, one guest ticket)")
    points = (tables.member("FCID1001") or {}).get("points")
    assert points == 50, (f"order ORD300000002 has one ticket with isFanClubMember true and one guest ticket (false); "
                          f"FCID1001 should go from 40 to 50 points, has {points}")


HAPPY = (
    HiddenTest("seats-booked", "SeatInventoryUpdater", seats_booked),
    HiddenTest("payment-paid", "PaymentProcessor", payment_paid),
    HiddenTest("notification-sent", "FanNotifier", notification_sent),
    HiddenTest("points-awarded", "FanClubAwardProcessor", points_awarded),
)
BUGS = (
    HiddenTest("payment-decimal-discount", "PaymentProcessor", decimal_discount),
    HiddenTest("payment-declined-failed", "PaymentProcessor", declined_is_failed),
    HiddenTest("seats-batch-item-failures", "SeatInventoryUpdater", batch_item_failures),
    HiddenTest("seats-no-overbooking", "SeatInventoryUpdater", no_overbooking),
    HiddenTest("notifier-missing-phone", "FanNotifier", missing_phone),
    HiddenTest("notifier-send-errors", "FanNotifier", send_errors_reported),
    HiddenTest("awards-idempotent", "FanClubAwardProcessor", idempotent_awards),
    HiddenTest("awards-members-only", "FanClubAwardProcessor", members_only),
)
ALL = HAPPY + BUGS
