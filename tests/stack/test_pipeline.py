"""The whole pipeline on the offline cloud: the sample purchase, filters, and 50 purchases exactly once."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

_deserialize = TypeDeserializer().deserialize


def _item(cloud: Any, table: str, **key: str) -> dict[str, Any]:
    raw = cloud.client("dynamodb").get_item(TableName=table, Key={k: {"S": v} for k, v in key.items()}).get("Item", {})
    return {k: _deserialize(v) for k, v in raw.items()}


def _log_lines(cloud: Any, function: str) -> list[str]:
    cloud.flush()
    events = cloud.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    return [e["message"] for e in events]


def test_sample_purchase_reaches_every_table_and_log(system, purchases):
    cloud = system().cloud
    response = cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    assert response.outcome == "ok" and response.response["statusCode"] == 202
    summary = cloud.run_until_idle()
    assert summary.idle

    for seat in ("B15", "B16"):
        assert _item(cloud, "SeatInventory", concertId="CONCERT001", seatNumber=seat)["status"] == "SOLD"
    order = _item(cloud, "Orders", orderId="ORD987654321")
    assert order["paymentStatus"] == "Paid"
    assert order["totalAmount"] == Decimal("450.00") and order["discountAmount"] == Decimal("50.00")
    assert order["notification"]["status"] == "Sent"
    member = _item(cloud, "FanClubMembers", fanClubId="FCID1001")
    assert member["points"] == 60 and "ORD987654321" in member["awardedOrders"]

    for function in ("TicketPurchaseHandler", "SeatInventoryUpdater", "PaymentProcessor", "FanNotifier", "FanClubAwardProcessor"):
        lines = _log_lines(cloud, function)
        assert lines[0].startswith("START RequestId: "), function
        assert any(line.startswith("END RequestId: ") for line in lines), function
        report = [line for line in lines if line.startswith("REPORT RequestId: ")]
        assert report and "Duration: " in report[0] and "Billed Duration: " in report[0], function
    assert not cloud.journal.denials()


def test_purchase_without_fan_club_ticket_is_filtered_out(system, purchases):
    cloud = system().cloud
    cloud.invoke("TicketPurchaseHandler", purchases["no_fan_club"])
    cloud.run_until_idle()
    filtered = [d for d in cloud.journal.deliveries if d.outcome == "filtered"]
    assert [d.endpoint.rsplit(":", 1)[-1] for d in filtered] == ["FanClubAwardsQueue"]
    assert not [i for i in cloud.journal.invocations if i.function == "FanClubAwardProcessor"]
    assert cloud.metrics.total("AWS/SNS", "NumberOfNotificationsFilteredOut", "TourTicketingTopic") == 1
    assert cloud.metrics.total("AWS/SNS", "NumberOfNotificationsDelivered", "TourTicketingTopic") == 3


def test_metrics_land_in_cloudwatch_at_virtual_time(system, purchases):
    cloud = system().cloud
    start = cloud.clock.datetime()
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle()
    cloud.flush()
    stats = cloud.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/SQS", MetricName="NumberOfMessagesDeleted",
        Dimensions=[{"Name": "QueueName", "Value": "PaymentProcessingQueue"}],
        StartTime=start.replace(second=0), EndTime=cloud.clock.datetime().replace(second=59), Period=60, Statistics=["Sum"],
    )["Datapoints"]
    assert sum(p["Sum"] for p in stats) == 1
    invocations = cloud.metrics.total("AWS/Lambda", "Invocations", "PaymentProcessor")
    assert invocations == 1


def _purchases(template: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` single-seat purchases over the seeded available seats, every third a fan club one."""
    seats = [f"B{n}" for n in range(1, 41) if n not in (15, 16, 20)] + [f"GA{n:02d}" for n in range(1, 31)]
    result = []
    for index, seat in enumerate(seats[:count]):
        purchase = copy.deepcopy(template)
        purchase["orderId"] = f"ORD{index:09d}"
        ticket = dict(purchase["tickets"][0], seatNumber=seat, section="VIP" if seat.startswith("B") else "GA",
                      price=250.0 if seat.startswith("B") else 89.5)
        if index % 3:
            ticket = {k: v for k, v in ticket.items() if k != "fanClubId"} | {"isFanClubMember": False}
        purchase["tickets"] = [ticket]
        purchase["totalAmount"] = ticket["price"]
        result.append(purchase)
    return result


def test_fifty_purchases_nothing_lost_nothing_twice(system, purchases):
    cloud = system().cloud
    batch = _purchases(purchases["sample"], 50)
    for purchase in batch:
        assert cloud.invoke("TicketPurchaseHandler", purchase).response["statusCode"] == 202
        cloud.run_until_idle()
    for purchase in batch:
        order = _item(cloud, "Orders", orderId=purchase["orderId"])
        assert order["paymentStatus"] == "Paid", purchase["orderId"]
        assert order["notification"]["status"] == "Sent"
        seat = purchase["tickets"][0]["seatNumber"]
        assert _item(cloud, "SeatInventory", concertId="CONCERT001", seatNumber=seat)["orderId"] == purchase["orderId"]
    member = _item(cloud, "FanClubMembers", fanClubId="FCID1001")
    fan_club_orders = {p["orderId"] for p in batch if p["tickets"][0]["isFanClubMember"]}
    assert set(member["awardedOrders"]) == fan_club_orders
    assert member["points"] == 40 + 10 * len(fan_club_orders)
    by_function: dict[str, int] = {}
    for invocation in cloud.journal.invocations:
        by_function[invocation.function] = by_function.get(invocation.function, 0) + invocation.batch_size
    assert by_function["SeatInventoryUpdater"] == 50 and by_function["PaymentProcessor"] == 50
    assert by_function["FanClubAwardProcessor"] == len(fan_club_orders)
