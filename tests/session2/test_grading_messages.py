"""What the 2a and 2b checks tell the learner: dashboard messages name the resource and the aspect,
never the metric or the statistic (hints teach, they never give the answer); a detection names the
alarm that went to ALARM first, and its minute, whatever the order of ``alarms.json``."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from tests.session2.conftest import SOLUTION, STARTER, results

DASHBOARD_CHECKS = {f"S2.dashboard.{k}" for k in ("backlog", "age", "flow", "dlq", "sns", "lambda")}
ANSWER_WORDS = re.compile(r"Approximate|NumberOf|Messages(Sent|Deleted|Visible)|Errors|Throttles|Duration|"
                          r"Maximum|Minimum|Average|Sum\b|SampleCount")


def _lab(tmp_path: Path, **files: object) -> Path:
    for name in ("lab.toml", "seed.toml", "dashboard.json", "alarms.json"):
        (tmp_path / name).write_text((SOLUTION / name).read_text())
    for name, content in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(content))
    return tmp_path


def _wrong_stats(body: dict) -> dict:
    """The reference dashboard with every row's statistic set to Average (hides the worst case, not a count)."""
    out = copy.deepcopy(body)
    for widget in out["widgets"]:
        props = widget.get("properties", {})
        props["stat"] = "Average"
        for row in props.get("metrics", []):
            if row and isinstance(row[-1], dict):
                row[-1].pop("stat", None)
    return out


def test_starter_dashboard_messages_name_resources_and_aspects_not_metrics_or_stats():
    found = results(STARTER, DASHBOARD_CHECKS)
    assert all(not r.complete for r in found.values())
    for check_id, result in found.items():
        assert not ANSWER_WORDS.search(result.message), (check_id, result.message)
    assert "age of oldest message: not shown for 4 of 4 queues: SeatInventoryQueue" in found["S2.dashboard.age"].message
    assert "TourTicketingTopic (delivered, failed, filtered out)" in found["S2.dashboard.sns"].message
    assert "FanClubAwardProcessor (errors, throttles, duration)" in found["S2.dashboard.lambda"].message


def test_a_row_with_the_wrong_statistic_says_so_without_naming_the_statistic(tmp_path: Path):
    body = _wrong_stats(json.loads((SOLUTION / "dashboard.json").read_text()))
    found = results(_lab(tmp_path, dashboard=body), DASHBOARD_CHECKS)
    age, flow = found["S2.dashboard.age"], found["S2.dashboard.flow"]
    assert not age.complete and "but with a statistic that hides the worst case" in age.message
    assert not flow.complete and "SeatInventoryQueue (in, out)" in flow.message and "not a count per period" in flow.message
    assert found["S2.dashboard.backlog"].complete  # any statistic shows a backlog
    for result in found.values():
        assert not ANSWER_WORDS.search(result.message), result.message


def _alarm(name: str, metric: str, dimension: tuple[str, str], stat: str, threshold: float, n: int, m: int) -> dict:
    return {"AlarmName": name, "Namespace": "AWS/SQS" if dimension[0] == "QueueName" else "AWS/Lambda", "MetricName": metric,
            "Dimensions": [{"Name": dimension[0], "Value": dimension[1]}], "Statistic": stat, "Period": 60,
            "EvaluationPeriods": n, "DatapointsToAlarm": m, "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching"}


SLOW = _alarm("slow-age", "ApproximateAgeOfOldestMessage", ("QueueName", "SeatInventoryQueue"), "Maximum", 120, 3, 3)
FAST = _alarm("fast-throttles", "Throttles", ("FunctionName", "SeatInventoryUpdater"), "Sum", 1, 1, 1)


@pytest.mark.parametrize("order", [(SLOW, FAST), (FAST, SLOW)], ids=["slow-first", "fast-first"])
def test_detection_names_the_earliest_alarm_and_its_minute_in_any_file_order(tmp_path: Path, order):
    lab = _lab(tmp_path, alarms={"alarms": list(order)})
    result = results(lab, {"S2.alarms.detects.consumer-throttled"})["S2.alarms.detects.consumer-throttled"]
    assert result.complete
    # consumer throttled on SeatInventoryUpdater at minute 15: Throttles count in minute 15, evaluated when it closes
    assert result.message.startswith("fast-throttles was the first to go to ALARM, at minute 16 (1 min after onset)"), result.message


@pytest.mark.parametrize("queue", ["SeatInventoryQueue", "PaymentProcessingQueue", "NotificationQueue", "FanClubAwardsQueue"])
def test_a_message_in_one_dlq_alone_must_raise_an_alarm(tmp_path: Path, queue: str):
    """Each DLQ is tried on its own: a sum over all four DLQs with a threshold of 4 is not "any DLQ"."""
    only = _alarm(f"{queue}DLQ-not-empty", "ApproximateNumberOfMessagesVisible", ("QueueName", f"{queue}DLQ"), "Maximum", 1, 1, 1)
    result = results(_lab(tmp_path, alarms={"alarms": [only]}), {"S2.alarms.dlq-depth"})["S2.alarms.dlq-depth"]
    assert result.score(4) == 1 and queue + "DLQ" not in result.message
