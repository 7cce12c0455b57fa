"""Alarm evaluation, pinned by a truth table: each row cites the rule of ``shared/aws-facts.md``
("CloudWatch alarms") it checks. X = breaching value, o = good value, - = missing period."""

from __future__ import annotations

import json

import pytest

from stack.cloud import alarms_cli
from stack.cloud.alarms import AlarmError, combine, evaluate_expression, parse_alarm, replay

X, O, _ = 10.0, 1.0, None


def alarm(**overrides):
    spec = {"AlarmName": "a", "Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage",
            "Dimensions": [{"Name": "QueueName", "Value": "PaymentProcessingQueue"}], "Statistic": "Maximum",
            "Period": 60, "EvaluationPeriods": 3, "DatapointsToAlarm": 3, "Threshold": 5,
            "ComparisonOperator": "GreaterThanThreshold"}
    if "EvaluationPeriods" in overrides and "DatapointsToAlarm" not in overrides:
        spec["DatapointsToAlarm"] = overrides["EvaluationPeriods"]
    spec.update(overrides)
    return {k: v for k, v in spec.items() if v is not None}


M_OF_N = "ALARM when DatapointsToAlarm (M) of the last EvaluationPeriods (N) datapoints breach"
MISSING = "TreatMissingData missing (default): missing periods count neither way; all missing gives INSUFFICIENT_DATA"
NOT_BREACHING = "TreatMissingData notBreaching: a missing period counts as good"
BREACHING = "TreatMissingData breaching: a missing period counts as breaching"
IGNORE = "TreatMissingData ignore: with no data the alarm keeps its current state"
START = "a new alarm starts in INSUFFICIENT_DATA"
RANGE = "with N real datapoints in the evaluation range, the most recent N real ones decide (missing not used)"
COMPARE = "each datapoint is compared to Threshold with ComparisonOperator"

CASES = [
    # (rule, alarm overrides, datapoints, previous state, expected final state)
    (M_OF_N, {}, [X, X, X], None, "ALARM"),
    (M_OF_N, {}, [X, X, O], None, "OK"),
    (M_OF_N, {"DatapointsToAlarm": 2}, [X, O, X], None, "ALARM"),
    (M_OF_N, {"DatapointsToAlarm": 2}, [O, O, X], None, "OK"),
    (M_OF_N, {"DatapointsToAlarm": 1, "EvaluationPeriods": 1}, [O, O, X], None, "ALARM"),
    (M_OF_N + " (only the last N count)", {}, [X, X, X, O], None, "OK"),
    (M_OF_N + " (M defaults to N)", {"DatapointsToAlarm": None}, [X, X, O], None, "OK"),
    (M_OF_N + " (back to OK when it stops breaching)", {"DatapointsToAlarm": 1}, [X, O, O, O], "ALARM", "OK"),
    (START + " (no history before the first datapoint counts as missing)", {}, [X], None, "OK"),
    (START, {}, [_], None, "INSUFFICIENT_DATA"),
    (MISSING, {}, [_, _, _], "OK", "INSUFFICIENT_DATA"),
    (MISSING, {}, [X, _, X], None, "OK"),
    (MISSING, {"DatapointsToAlarm": 2}, [X, _, X], None, "ALARM"),
    (MISSING, {"DatapointsToAlarm": 1}, [_, _, X], None, "ALARM"),
    (NOT_BREACHING, {"TreatMissingData": "notBreaching"}, [_, _, _], None, "OK"),
    (NOT_BREACHING, {"TreatMissingData": "notBreaching", "DatapointsToAlarm": 2}, [X, _, _], None, "OK"),
    (NOT_BREACHING, {"TreatMissingData": "notBreaching", "DatapointsToAlarm": 2}, [X, _, X], None, "ALARM"),
    (BREACHING, {"TreatMissingData": "breaching"}, [_, _, _], None, "ALARM"),
    (BREACHING, {"TreatMissingData": "breaching"}, [X, _, X], None, "ALARM"),
    (BREACHING, {"TreatMissingData": "breaching"}, [O, _, _], None, "OK"),
    (IGNORE, {"TreatMissingData": "ignore"}, [_, _, _], "ALARM", "ALARM"),
    (IGNORE, {"TreatMissingData": "ignore"}, [_, _, _], "OK", "OK"),
    (IGNORE, {"TreatMissingData": "ignore"}, [_, _, _], None, "INSUFFICIENT_DATA"),
    (IGNORE + " (present data still decide)", {"TreatMissingData": "ignore"}, [O, _, _], "ALARM", "OK"),
    (IGNORE, {"TreatMissingData": "ignore"}, [X, X, X] + [_] * 9, None, "ALARM"),
    (RANGE, {}, [X, X, X, _, _], None, "ALARM"),
    (RANGE, {"TreatMissingData": "breaching"}, [O, O, O, _], None, "OK"),
    (RANGE + "; past the range missing is filled in", {"TreatMissingData": "breaching"}, [O, O, O] + [_] * 8, None, "ALARM"),
    (RANGE + "; past the range missing is filled in", {}, [X, X, X] + [_] * 8, None, "INSUFFICIENT_DATA"),
    (COMPARE + ": GreaterThanThreshold is strict", {"DatapointsToAlarm": 1, "EvaluationPeriods": 1}, [5.0], None, "OK"),
    (COMPARE, {"ComparisonOperator": "GreaterThanOrEqualToThreshold", "DatapointsToAlarm": 1, "EvaluationPeriods": 1}, [5.0], None, "ALARM"),
    (COMPARE + ": the low side", {"ComparisonOperator": "LessThanThreshold", "EvaluationPeriods": 2}, [4.0, 1.0], None, "ALARM"),
    (COMPARE + ": LessThanThreshold is strict", {"ComparisonOperator": "LessThanThreshold", "EvaluationPeriods": 1}, [5.0], None, "OK"),
    (COMPARE, {"ComparisonOperator": "LessThanOrEqualToThreshold", "EvaluationPeriods": 1}, [5.0], None, "ALARM"),
    (COMPARE + " (a drop to zero with missing as breaching: producer stopped)",
     {"ComparisonOperator": "LessThanThreshold", "Threshold": 1, "TreatMissingData": "breaching", "EvaluationPeriods": 2},
     [30.0, _, _], None, "ALARM"),
]


@pytest.mark.parametrize(("rule", "overrides", "datapoints", "previous", "expected"), CASES,
                         ids=[f"{i:02d}-{c[4]}" for i, c in enumerate(CASES)])
def test_alarm_truth_table(rule, overrides, datapoints, previous, expected):
    states = replay(parse_alarm(alarm(**overrides)), datapoints, previous or "INSUFFICIENT_DATA")
    assert states[-1].state == expected, f"{rule}: {states[-1].reason}"


def test_there_are_at_least_25_rows():
    assert len(CASES) >= 25


@pytest.mark.parametrize(("overrides", "problem"), [
    ({"DatapointsToAlarm": 4}, "cannot exceed EvaluationPeriods"),
    ({"Period": 90}, "multiple of 60"),
    ({"ComparisonOperator": "Bigger"}, "ComparisonOperator must be"),
    ({"ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"}, "anomaly detection"),
    ({"TreatMissingData": "zero"}, "TreatMissingData must be"),
    ({"Statistic": "p99"}, "not modelled"),
    ({"Statistic": "Avg"}, "Statistic must be"),
    ({"Threshold": None}, "Threshold is required"),
    ({"EvaluationPeriods": 0}, "at least 1"),
])
def test_invalid_alarms_are_rejected_as_aws_would(overrides, problem):
    with pytest.raises(AlarmError, match=problem):
        parse_alarm(alarm(**overrides))


MATH = {"AlarmName": "failed-share", "EvaluationPeriods": 2, "DatapointsToAlarm": 2, "Threshold": 0.1,
        "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching", "Metrics": [
            {"Id": "failed", "ReturnData": False, "MetricStat": {"Metric": {"Namespace": "AWS/SNS", "MetricName": "NumberOfNotificationsFailed",
             "Dimensions": [{"Name": "TopicName", "Value": "TourTicketingTopic"}]}, "Period": 60, "Stat": "Sum"}},
            {"Id": "sent", "ReturnData": False, "MetricStat": {"Metric": {"Namespace": "AWS/SNS", "MetricName": "NumberOfNotificationsDelivered",
             "Dimensions": [{"Name": "TopicName", "Value": "TourTicketingTopic"}]}, "Period": 60, "Stat": "Sum"}},
            {"Id": "share", "Expression": "FILL(failed, 0) / (FILL(failed, 0) + sent)", "ReturnData": True}]}


def test_metric_math_alarm_compares_the_expression():
    a = parse_alarm(MATH)
    assert a.components == {"TourTicketingTopic"}
    values = combine(a, {"failed": [None, 5.0, 5.0], "sent": [100.0, 15.0, 15.0]})
    assert values == [0.0, 0.25, 0.25]
    assert replay(a, values)[-1].state == "ALARM"


@pytest.mark.parametrize(("expression", "values", "expected"), [
    ("a + b * 2", {"a": 1.0, "b": 2.0}, 5.0),
    ("a / b", {"a": 1.0, "b": 0.0}, None),
    ("a - b", {"a": 1.0, "b": None}, None),
    ("FILL(a, 0) + 1", {"a": None}, 1.0),
    ("MAX([a, b])", {"a": 3.0, "b": None}, 3.0),
    ("MIN([a, b])", {"a": None, "b": None}, None),
])
def test_metric_math_missing_and_division(expression, values, expected):
    assert evaluate_expression(expression, values) == expected


MATH_RULES = "AWS metric math: MAX/MIN/SUM/AVG of an array of time series give one time series, per period"


def dlq_alarm(expression: str, queues=("SeatInventoryQueue", "PaymentProcessingQueue", "NotificationQueue",
                                       "FanClubAwardsQueue"), **overrides):
    """'Any DLQ' in one alarm: one MetricStat per DLQ (d0, d1, ...) and ``expression`` returned."""
    metrics = [{"Id": f"d{i}", "ReturnData": False, "MetricStat": {"Period": 60, "Stat": "Maximum", "Metric": {
        "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
        "Dimensions": [{"Name": "QueueName", "Value": f"{q}DLQ"}]}}} for i, q in enumerate(queues)]
    spec = {"AlarmName": "any-dlq", "EvaluationPeriods": 1, "Threshold": 1, "TreatMissingData": "notBreaching",
            "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Metrics": [*metrics, {"Id": "e", "Expression": expression}]}
    spec.update(overrides)
    return spec


SERIES = {"d0": [None, 1.0, 0.0, 4.0], "d1": [2.0, None, 0.0, 2.0], "d2": [0.0, 0.0, None, 0.0], "d3": [0.0, 0.0, None, 2.0]}


@pytest.mark.parametrize(("expression", "expected"), [
    ("MAX([d0, d1, d2, d3])", [2.0, 1.0, 0.0, 4.0]),
    ("MIN([d0, d1, d2, d3])", [0.0, 0.0, 0.0, 0.0]),
    ("SUM([d0, d1, d2, d3])", [2.0, 1.0, 0.0, 8.0]),
    ("AVG([d0, d1, d2, d3])", [2 / 3, 1 / 3, 0.0, 2.0]),  # over the datapoints present
    ("MAX(METRICS())", [2.0, 1.0, 0.0, 4.0]),
    ('SUM(METRICS("d1"))', [2.0, None, 0.0, 2.0]),
    ("MAX(FILL(METRICS(), 0))", [2.0, 1.0, 0.0, 4.0]),
    ("MAX([d0, d1]) * 2 + 1", [5.0, 3.0, 1.0, 9.0]),
    ("MAX([d0 - d1, d2])", [0.0, 0.0, 0.0, 2.0]),
])
def test_metric_math_over_an_array_gives_one_series_per_period(expression, expected):
    combined = combine(parse_alarm(dlq_alarm(expression)), SERIES)
    assert combined == pytest.approx(expected), MATH_RULES


def test_an_any_dlq_alarm_fires_on_a_message_in_one_dlq_and_watches_all_four():
    a = parse_alarm(dlq_alarm("MAX([d0, d1, d2, d3])"))
    assert len(a.components) == 4
    states = replay(a, combine(a, {"d0": [0, 0, 0], "d1": [0, 0, 0], "d2": [0, 0, 1], "d3": [0, 0, 0]}))
    assert [e.state for e in states] == ["OK", "OK", "ALARM"]


@pytest.mark.parametrize(("expression", "problem"), [
    ("MAX(d0, d1)", r"MAX takes one argument.*MAX\(\[m1, m2, ...\]\).*not metric math syntax"),
    ("MIN(d0, d1, d2)", "MIN takes one argument"),
    ("MAX(d1)", "single number over the whole time range"),  # AWS: MAX of one series is a scalar
    ("d0 / SUM(d0)", "single number over the whole time range"),
    ("AVG(5)", "not a number"),
    ("METRICS()", "gives an array of time series, but an alarm watches exactly one"),
    ("[d0, d1]", "wrap it in MAX, MIN, SUM or AVG"),
    ("5", "gives a scalar"),
    ('MAX(METRICS("payment"))', 'matches no MetricStat'),
    ("MAX([d0, 2])", "an array holds time series"),
    ("MAX(METRICS() + [d0, d1])", "two arrays"),
    ("MAX([d0]) > 1", "unsupported metric math syntax Compare"),
    ("RATE(d0)", "not supported"),
])
def test_metric_math_aws_would_reject_is_rejected_with_the_reason(expression, problem):
    with pytest.raises(AlarmError, match=problem):
        parse_alarm(dlq_alarm(expression))


def test_expressions_may_use_later_expressions_and_only_used_metrics_count_as_watched():
    spec = dlq_alarm("x + 0")
    spec["Metrics"].append({"Id": "x", "Expression": "MAX([d0, d1])", "ReturnData": False})
    a = parse_alarm(spec)
    assert combine(a, SERIES) == [2.0, 1.0, 0.0, 4.0]
    assert a.components == {"SeatInventoryQueueDLQ", "PaymentProcessingQueueDLQ"}
    spec["Metrics"][-1]["Expression"] = "e * 2"
    with pytest.raises(AlarmError, match="cycle"):
        parse_alarm(spec)


def test_metric_math_rejects_unknown_functions_and_ids():
    bad = json.loads(json.dumps(MATH))
    bad["Metrics"][2]["Expression"] = "ANOMALY_DETECTION_BAND(failed)"
    with pytest.raises(AlarmError, match="not supported"):
        parse_alarm(bad)
    bad["Metrics"][2]["Expression"] = "failed / nothing"
    with pytest.raises(AlarmError, match="unknown id"):
        parse_alarm(bad)


def test_cli_prints_state_and_reason(tmp_path, capsys):
    (tmp_path / "alarm.json").write_text(json.dumps(alarm(DatapointsToAlarm=2)))
    (tmp_path / "series.json").write_text(json.dumps({"datapoints": [1, 12, None, 30], "previous_state": "OK"}))
    assert alarms_cli.main([str(tmp_path / "alarm.json"), str(tmp_path / "series.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["state"] == "ALARM" and "2 out of the last 3" in out["reason"]
    assert alarms_cli.main([str(tmp_path / "alarm.json"), str(tmp_path / "series.json")]) == 0
    assert capsys.readouterr().out.startswith("ALARM\nThreshold Crossed")


def test_cli_accepts_a_cloudformation_resource_and_math_series(tmp_path, capsys):
    (tmp_path / "alarm.json").write_text(json.dumps({"Type": "AWS::CloudWatch::Alarm", "Properties": MATH}))
    (tmp_path / "series.json").write_text(json.dumps({"datapoints": {"failed": [0, 9], "sent": [10, 1]}}))
    assert alarms_cli.main([str(tmp_path / "alarm.json"), str(tmp_path / "series.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "OK"  # 1 of the 2 needed


def test_cli_evaluates_an_any_dlq_alarm_from_the_readme_series_form(tmp_path, capsys):
    (tmp_path / "alarm.json").write_text(json.dumps(dlq_alarm("MAX([d0, d1, d2, d3])")))
    (tmp_path / "series.json").write_text(json.dumps({"datapoints": {"d0": [0, 0, 1], "d1": [0, None, 0], "d2": [0, 0, 0],
                                                                     "d3": [0, 0, 0]}, "previous_state": "OK"}))
    assert alarms_cli.main([str(tmp_path / "alarm.json"), str(tmp_path / "series.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "ALARM"
    (tmp_path / "alarm.json").write_text(json.dumps(dlq_alarm("MAX(d0, d1)")))
    assert alarms_cli.main([str(tmp_path / "alarm.json"), str(tmp_path / "series.json")]) == 2
    assert "MAX([m1, m2, ...])" in capsys.readouterr().err


@pytest.mark.parametrize(("alarm_text", "series_text", "problem"), [
    ("{", '{"datapoints": []}', "invalid JSON"),
    (json.dumps(alarm()), '{"points": []}', "datapoints"),
    (json.dumps(alarm()), '{"datapoints": ["x"]}', "must be a number"),
    (json.dumps(alarm(Period=7)), '{"datapoints": [1]}', "Period"),
    (json.dumps(alarm()), '{"datapoints": [1], "previous_state": "RED"}', "previous_state"),
])
def test_cli_bad_input_exits_2_with_a_message(tmp_path, capsys, alarm_text, series_text, problem):
    (tmp_path / "a.json").write_text(alarm_text)
    (tmp_path / "s.json").write_text(series_text)
    assert alarms_cli.main([str(tmp_path / "a.json"), str(tmp_path / "s.json")]) == 2
    assert problem in capsys.readouterr().err
