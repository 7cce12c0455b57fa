"""2b graded by replay, pinned by alarm sets (``issues/7`` acceptance): 10 alternate-correct sets (another
metric, statistic, period or threshold that still detects every incident class in time and stays
quiet on a healthy on-sale) score full marks; 10 wrong ones lose points in exactly the expected check.
Each set is the reference ``alarms.json`` with one deliberate change."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.session2.conftest import SOLUTION, results

Alarms = list[dict[str, Any]]
BASE: Alarms = json.loads((SOLUTION / "alarms.json").read_text())["alarms"]
CONSUMERS = ("SeatInventoryUpdater", "PaymentProcessor", "FanNotifier", "FanClubAwardProcessor")
ALARM_CHECKS = {"S2.alarms.valid", "S2.alarms.quiet-on-sale", "S2.alarms.dlq-depth",
                *(f"S2.alarms.detects.{k}" for k in ("consumer-throttled", "sns-delivery-failure", "poison-message",
                                                     "filter-policy-mismatch", "visibility-timeout-short",
                                                     "downstream-latency", "producer-publish-denied"))}


def edit(match: Callable[[str], bool], **changes: Any) -> Callable[[Alarms], Alarms]:
    def apply(alarms: Alarms) -> Alarms:
        out = copy.deepcopy(alarms)
        for alarm in out:
            if match(alarm["AlarmName"]):
                alarm.update(changes)
        return out
    return apply


def swap(drop: Callable[[str], bool], *added: dict[str, Any]) -> Callable[[Alarms], Alarms]:
    return lambda alarms: [a for a in alarms if not drop(a["AlarmName"])] + list(added)


def simple(name: str, namespace: str, metric: str, dimension: tuple[str, str], stat: str, threshold: float, op: str,
           n: int = 3, m: int = 3, treat: str = "notBreaching", period: int = 60) -> dict[str, Any]:
    return {"AlarmName": name, "Namespace": namespace, "MetricName": metric,
            "Dimensions": [{"Name": dimension[0], "Value": dimension[1]}], "Statistic": stat, "Period": period,
            "EvaluationPeriods": n, "DatapointsToAlarm": m, "Threshold": threshold, "ComparisonOperator": op,
            "TreatMissingData": treat}


def _age(name: str) -> bool:
    return name.endswith("-oldest-message-age")


def _dlq(name: str) -> bool:
    return name.endswith("DLQ-not-empty")


def _errors(name: str) -> bool:
    return name.endswith("-errors")


TOPIC = ("TopicName", "TourTicketingTopic")
PUBLISHED_LOW = lambda treat: simple("TourTicketingTopic-no-publishes", "AWS/SNS", "NumberOfMessagesPublished", TOPIC,  # noqa: E731
                                     "Sum", 1, "LessThanThreshold", treat=treat)
FAN_CLUB_IDLE = lambda treat: simple("FanClubAwardProcessor-idle", "AWS/Lambda", "Invocations",  # noqa: E731
                                     ("FunctionName", "FanClubAwardProcessor"), "Sum", 1, "LessThanThreshold", treat=treat)
FILTERED_SHARE = {
    "AlarmName": "TourTicketingTopic-filtered-share", "EvaluationPeriods": 3, "DatapointsToAlarm": 3, "Threshold": 0.95,
    "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
    "Metrics": [
        {"Id": "filtered", "ReturnData": False, "MetricStat": {"Period": 60, "Stat": "Sum", "Metric": {
            "Namespace": "AWS/SNS", "MetricName": "NumberOfNotificationsFilteredOut", "Dimensions": [{"Name": TOPIC[0], "Value": TOPIC[1]}]}}},
        {"Id": "published", "ReturnData": False, "MetricStat": {"Period": 60, "Stat": "Sum", "Metric": {
            "Namespace": "AWS/SNS", "MetricName": "NumberOfMessagesPublished", "Dimensions": [{"Name": TOPIC[0], "Value": TOPIC[1]}]}}},
        {"Id": "share", "Expression": "filtered / published", "ReturnData": True}]}

QUEUES = ("SeatInventoryQueue", "PaymentProcessingQueue", "NotificationQueue", "FanClubAwardsQueue")


def any_dlq(expression: str, threshold: float = 1) -> dict[str, Any]:
    """One alarm over the four DLQs (d0..d3) by metric math, the AWS way to alarm on "any DLQ"."""
    return {"AlarmName": "any-DLQ-not-empty", "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
            "Metrics": [*({"Id": f"d{i}", "ReturnData": False, "MetricStat": {"Period": 60, "Stat": "Maximum", "Metric": {
                "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": f"{q}DLQ"}]}}} for i, q in enumerate(QUEUES)),
                        {"Id": "anydlq", "Expression": expression, "ReturnData": True}]}


ALTERNATES: dict[str, Callable[[Alarms], Alarms]] = {
    "one any-DLQ alarm: MAX([d0, d1, d2, d3])": swap(_dlq, any_dlq("MAX([d0, d1, d2, d3])")),
    "one any-DLQ alarm: SUM(METRICS())": swap(_dlq, any_dlq("SUM(METRICS())")),
    "age over 5-minute periods, 1 of 1 above 180 s": edit(_age, Period=300, EvaluationPeriods=1, DatapointsToAlarm=1, Threshold=180),
    "age 1 of 1 above 30 s (a healthy peak waits seconds)": edit(_age, EvaluationPeriods=1, DatapointsToAlarm=1, Threshold=30),
    "age with TreatMissingData ignore": edit(_age, TreatMissingData="ignore"),
    "Errors with Maximum instead of Sum": edit(_errors, Statistic="Maximum"),
    "Errors with TreatMissingData missing": edit(_errors, TreatMissingData="missing"),
    "DLQ age of oldest message above 0": edit(_dlq, MetricName="ApproximateAgeOfOldestMessage", Threshold=0,
                                              ComparisonOperator="GreaterThanThreshold"),
    "DLQ depth Average above 0": edit(_dlq, Statistic="Average", Threshold=0, ComparisonOperator="GreaterThanThreshold"),
    "Lambda Throttles instead of queue age": swap(_age, *(simple(f"{f}-throttles", "AWS/Lambda", "Throttles", ("FunctionName", f),
                                                                 "Sum", 1, "GreaterThanOrEqualToThreshold") for f in CONSUMERS)),
    "no publishes (missing = breaching) instead of producer Errors": swap(lambda n: n == "TicketPurchaseHandler-errors",
                                                                          PUBLISHED_LOW("breaching")),
    "filtered-out share by metric math instead of fan club Sent": swap(lambda n: n == "FanClubAwardsQueue-nothing-arriving",
                                                                       FILTERED_SHARE),
    "fan club consumer idle (missing = breaching)": swap(lambda n: n == "FanClubAwardsQueue-nothing-arriving",
                                                         FAN_CLUB_IDLE("breaching")),
}

WRONG: dict[str, tuple[Callable[[Alarms], Alarms], set[str]]] = {
    "raw backlog of PaymentProcessingQueue above 100 (fires on the peak)": (
        lambda a: a + [simple("PaymentProcessingQueue-backlog", "AWS/SQS", "ApproximateNumberOfMessagesVisible",
                              ("QueueName", "PaymentProcessingQueue"), "Maximum", 100, "GreaterThanThreshold", 1, 1)],
        {"S2.alarms.quiet-on-sale"}),
    "DLQ NumberOfMessagesSent (redrive does not count as Sent)": (
        edit(_dlq, MetricName="NumberOfMessagesSent", Statistic="Sum"), {"S2.alarms.dlq-depth"}),
    "one DLQ unwatched": (swap(lambda n: n == "FanClubAwardsQueueDLQ-not-empty"), {"S2.alarms.dlq-depth"}),
    "no alarm on NumberOfNotificationsFailed": (
        swap(lambda n: n == "TourTicketingTopic-delivery-failures"), {"S2.alarms.detects.sns-delivery-failure"}),
    "no publishes with missing = notBreaching (SNS emits nothing)": (
        swap(lambda n: n == "TicketPurchaseHandler-errors", PUBLISHED_LOW("notBreaching")),
        {"S2.alarms.detects.producer-publish-denied"}),
    "age threshold of an hour": (edit(_age, Threshold=3600), {"S2.alarms.detects.consumer-throttled"}),
    "no queue age alarm at all": (swap(_age), {"S2.alarms.detects.consumer-throttled"}),
    "fan club Sent with the comparison reversed": (
        edit(lambda n: n == "FanClubAwardsQueue-nothing-arriving", ComparisonOperator="GreaterThanThreshold"),
        {"S2.alarms.quiet-on-sale", "S2.alarms.detects.filter-policy-mismatch"}),
    "fan club consumer idle with missing = notBreaching (Lambda emits nothing)": (
        swap(lambda n: n == "FanClubAwardsQueue-nothing-arriving", FAN_CLUB_IDLE("notBreaching")),
        {"S2.alarms.detects.filter-policy-mismatch"}),
    "any-DLQ SUM at least 4 (fires only when every DLQ holds a message)": (
        swap(_dlq, any_dlq("SUM([d0, d1, d2, d3])", threshold=4)), {"S2.alarms.dlq-depth"}),
    "any-DLQ as MAX(d0, d1, d2, d3) (not metric math syntax)": (
        swap(_dlq, any_dlq("MAX(d0, d1, d2, d3)")), {"S2.alarms.valid", "S2.alarms.dlq-depth"}),
    "any-DLQ as MAX(d0) (one series: a scalar over the range)": (
        swap(_dlq, any_dlq("MAX(d0)")), {"S2.alarms.valid", "S2.alarms.dlq-depth"}),
    "metric name misspelled": (edit(lambda n: n == "PaymentProcessor-errors", MetricName="Error"), {"S2.alarms.valid"}),
    "Period 90 s (AWS accepts 10, 20, 30 or multiples of 60)": (
        edit(lambda n: n == "PaymentProcessor-errors", Period=90), {"S2.alarms.valid"}),
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("alarm-sets")
    for name in ("lab.toml", "seed.toml"):
        (folder / name).write_text((SOLUTION / name).read_text())
    return folder


def _failing(lab: Path, alarms: Alarms) -> set[str]:
    (lab / "alarms.json").write_text(json.dumps({"alarms": alarms}))
    return {i for i, r in results(lab, ALARM_CHECKS).items() if not r.complete}


def test_there_are_at_least_ten_of_each() -> None:
    assert len(ALTERNATES) >= 10 and len(WRONG) >= 10


@pytest.mark.parametrize("change", ALTERNATES.values(), ids=list(ALTERNATES))
def test_alternate_correct_alarm_sets_score_full_marks(lab: Path, change) -> None:
    assert _failing(lab, change(BASE)) == set()


@pytest.mark.parametrize(("change", "expected"), WRONG.values(), ids=list(WRONG))
def test_wrong_alarm_sets_lose_points_in_the_expected_check(lab: Path, change, expected: set[str]) -> None:
    assert _failing(lab, change(BASE)) == expected
