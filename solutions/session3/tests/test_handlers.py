"""My tests for the four consumer handlers (exercise 3c).

The grader runs these on the reference handlers (they must pass) and on its mutants (each should
fail on at least one). Run them yourself, from the lab folder, with:
    pytest -p no:checks.plugin tests/test_handlers.py
"""

from decimal import Decimal

from checks.session3.fixtures import events, lambdas, tables  # noqa: F401 - pytest fixtures


# -- PaymentProcessor ----------------------------------------------------------------------------
def test_fan_club_discount_is_exact_and_only_on_fan_club_tickets(lambdas, events, tables):
    purchase = events.purchase("mixed", orderId="ORD1", tickets=[
        {"seatNumber": "GA01", "price": 89.50, "isFanClubMember": True, "fanClubId": "FCID1001"},
        {"seatNumber": "GA02", "price": 19.99, "isFanClubMember": False}])
    result = lambdas.invoke("PaymentProcessor", events.sqs(purchase, function="PaymentProcessor"))
    assert result.failed_ids == []
    order = tables.order("ORD1")
    assert order["totalAmount"] == Decimal("100.54")
    assert order["discountAmount"] == Decimal("8.95")
    assert order["paymentStatus"] == "Paid"


def test_declined_card_fails_the_payment(lambdas, events, tables):
    result = lambdas.invoke("PaymentProcessor", events.sqs("declined", function="PaymentProcessor"))
    assert result.failed_ids == []
    assert tables.order("ORD100000002")["paymentStatus"] == "Failed"


# -- SeatInventoryUpdater ------------------------------------------------------------------------
def test_one_bad_record_fails_alone(lambdas, events, tables):
    event = events.sqs("sample", function="SeatInventoryUpdater", raw_bodies=("not an envelope",))
    result = lambdas.invoke("SeatInventoryUpdater", event)
    assert result.ok
    assert result.failed_ids == [event["Records"][1]["messageId"]]
    assert tables.seat("B15")["orderId"] == "ORD987654321"


def test_a_sold_seat_is_never_sold_again_and_not_retried(lambdas, events, tables):
    result = lambdas.invoke("SeatInventoryUpdater", events.sqs("seat_taken", function="SeatInventoryUpdater"))
    assert result.failed_ids == []
    assert tables.seat("B20")["orderId"] == "ORD000000001"


def test_a_redelivered_booking_is_not_a_conflict(lambdas, events, tables):
    event = events.sqs("sample", function="SeatInventoryUpdater")
    lambdas.invoke("SeatInventoryUpdater", event)
    again = lambdas.invoke("SeatInventoryUpdater", events.sqs("sample", function="SeatInventoryUpdater", receive_count=2))
    assert again.failed_ids == []
    assert "seat conflict: order not booked, not retried" not in again.messages()


def test_a_race_for_a_seat_does_not_overbook(lambdas, events, tables):
    tables.sell_before_next_write("B1")
    lambdas.invoke("SeatInventoryUpdater", events.sqs("declined", function="SeatInventoryUpdater"))
    assert tables.seat("B1")["orderId"] == "ORD-COMPETITOR"


# -- FanNotifier ---------------------------------------------------------------------------------
def test_email_and_sms_once_even_when_redelivered(lambdas, events, tables):
    lambdas.invoke("FanNotifier", events.sqs("sample", function="FanNotifier"))
    lambdas.invoke("FanNotifier", events.sqs("sample", function="FanNotifier", receive_count=2))
    assert tables.order("ORD987654321")["notification"] == {"status": "Sent", "channels": ["email", "sms"]}
    assert lambdas.emails_sent() == 1


def test_no_phone_means_email_only(lambdas, events, tables):
    result = lambdas.invoke("FanNotifier", events.sqs("no_phone", function="FanNotifier"))
    assert result.failed_ids == []
    assert tables.order("ORD100000003")["notification"]["channels"] == ["email"]


def test_a_failed_sms_is_reported_for_retry(lambdas, events, tables):
    purchase = events.purchase("sample", fanContact={"email": "fan@example.com", "phone": "+0123"})
    event = events.sqs(purchase, function="FanNotifier")
    result = lambdas.invoke("FanNotifier", event)
    assert result.failed_ids == [event["Records"][0]["messageId"]]


# -- FanClubAwardProcessor -----------------------------------------------------------------------
def test_points_per_fan_club_ticket_once(lambdas, events, tables):
    lambdas.invoke("FanClubAwardProcessor", events.sqs("sample", function="FanClubAwardProcessor"))
    lambdas.invoke("FanClubAwardProcessor", events.sqs("sample", function="FanClubAwardProcessor", receive_count=2))
    assert tables.member("FCID1001")["points"] == 60


def test_guest_tickets_earn_nothing(lambdas, events, tables):
    purchase = events.purchase("mixed", tickets=[
        {"seatNumber": "B17", "price": 250.00, "isFanClubMember": True, "fanClubId": "FCID1001"},
        {"seatNumber": "GA10", "price": 89.50, "isFanClubMember": False, "fanClubId": "FCID1001"}])
    lambdas.invoke("FanClubAwardProcessor", events.sqs(purchase, function="FanClubAwardProcessor"))
    assert tables.member("FCID1001")["points"] == 50


def test_reaching_500_points_is_gold(lambdas, events, tables):
    lambdas.invoke("FanClubAwardProcessor", events.sqs("no_phone", function="FanClubAwardProcessor"))
    member = tables.member("FCID1002")
    assert (member["points"], member["tier"]) == (500, "Gold")
