"""Lambda's SQS poller on the offline cloud: redelivery, DLQ, partial batches, visibility timeout."""

from __future__ import annotations

import json

from stack.overrides import Overrides

RAISES = """
def handler(event, context):
    raise RuntimeError("boom")
"""

FAIL_ONE = """
import json
def handler(event, context):
    failures = []
    for record in event["Records"]:
        order = json.loads(json.loads(record["body"])["Message"])["orderId"]
        if order == "ORD999999999":
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""

SLOW = """
import time
def handler(event, context):
    time.sleep(20)
    return {"batchItemFailures": []}
"""

LOOPS = """
def handler(event, context):
    while True:
        pass
"""

BROKEN = """
def handler(event, context)
    return 1
"""


def _queue_attributes(cloud, name):
    url = cloud.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    return cloud.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def _invocations(cloud, function):
    return [i for i in cloud.journal.invocations if i.function == function]


def test_raising_handler_redelivers_then_dead_letters(system, purchases, handler_dir):
    folder = handler_dir("seat_inventory_updater", RAISES)
    cloud = system(Overrides(handlers={"SeatInventoryUpdater": folder})).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    first = cloud.run_until_idle(max_virtual_seconds=1)
    assert first.invocations >= 1
    calls = _invocations(cloud, "SeatInventoryUpdater")
    assert calls[0].outcome == "error" and calls[0].error_type == "RuntimeError"
    cloud.run_until_idle()
    calls = _invocations(cloud, "SeatInventoryUpdater")
    max_receive = json.loads(_queue_attributes(cloud, "SeatInventoryQueue")["RedrivePolicy"])["maxReceiveCount"]
    assert len(calls) == max_receive
    assert _queue_attributes(cloud, "SeatInventoryQueueDLQ")["ApproximateNumberOfMessages"] == "1"
    assert _queue_attributes(cloud, "SeatInventoryQueue")["ApproximateNumberOfMessages"] == "0"


def test_second_delivery_carries_receive_count_two(system, purchases, handler_dir):
    folder = handler_dir("seat_inventory_updater", RAISES)
    deployment = system(Overrides(handlers={"SeatInventoryUpdater": folder}))
    cloud = deployment.cloud
    seen: list[str] = []
    original = cloud.runtime.invoke

    def spy(name, event, batch_size=0):
        if name == "SeatInventoryUpdater":
            seen.extend(r["attributes"]["ApproximateReceiveCount"] for r in event["Records"])
        return original(name, event, batch_size)

    cloud.runtime.invoke = spy
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle()
    assert seen[:2] == ["1", "2"]


def test_partial_batch_failure_returns_only_the_failed_record(system, purchases, handler_dir):
    folder = handler_dir("payment_processor", FAIL_ONE)
    cloud = system(Overrides(handlers={"PaymentProcessor": folder})).cloud
    bad = dict(purchases["no_fan_club"], orderId="ORD999999999")
    good = purchases["sample"]
    cloud.invoke("TicketPurchaseHandler", good)
    bad["tickets"] = [dict(bad["tickets"][0], seatNumber="GA07")]
    bad["totalAmount"] = 89.5
    assert cloud.invoke("TicketPurchaseHandler", bad).response["statusCode"] == 202
    cloud.run_until_idle()
    calls = _invocations(cloud, "PaymentProcessor")
    assert calls[0].batch_size == 2
    assert all(c.batch_size == 1 for c in calls[1:])  # only the failed record came back
    assert _queue_attributes(cloud, "PaymentProcessingQueueDLQ")["ApproximateNumberOfMessages"] == "1"


def test_visibility_timeout_shorter_than_handler_duplicates_delivery(system, purchases, handler_dir):
    folder = handler_dir("fan_club_award_processor", SLOW)
    overrides = Overrides(handlers={"FanClubAwardProcessor": folder}, queue_attributes={"FanClubAwardsQueue": {"VisibilityTimeout": 10}})
    cloud = system(overrides).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle()
    calls = _invocations(cloud, "FanClubAwardProcessor")
    assert all(c.outcome == "ok" and c.duration_ms >= 20_000 for c in calls)
    assert len(calls) >= 2  # delivered again although every invocation succeeded


def test_timeout_cuts_handler_at_its_configured_timeout(system, purchases, handler_dir):
    folder = handler_dir("seat_inventory_updater", SLOW.replace("20", "400"))
    cloud = system(Overrides(handlers={"SeatInventoryUpdater": folder})).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle(max_virtual_seconds=5)
    first = _invocations(cloud, "SeatInventoryUpdater")[0]
    timeout = cloud.runtime.functions["SeatInventoryUpdater"].timeout_s
    assert first.outcome == "timeout" and first.duration_ms == timeout * 1000


def test_handler_that_loops_forever_is_cut_and_the_run_goes_on(system, purchases, handler_dir):
    folder = handler_dir("fan_notifier", LOOPS)
    cloud = system(Overrides(handlers={"FanNotifier": folder})).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle(max_virtual_seconds=1)
    calls = _invocations(cloud, "FanNotifier")
    assert calls and calls[0].outcome == "timeout"
    assert any(c.outcome == "ok" for c in _invocations(cloud, "PaymentProcessor"))


def test_syntax_error_is_an_init_error_with_file_and_line(system, purchases, handler_dir):
    folder = handler_dir("fan_notifier", BROKEN)
    cloud = system(Overrides(handlers={"FanNotifier": folder})).cloud
    error = cloud.runtime.init_error("FanNotifier")
    assert error is not None and error.error_type == "Runtime.UserCodeSyntaxError"
    assert "fan_notifier.py" in error.message and error.line == 2
