"""Service metrics (AWS/SQS, AWS/SNS, AWS/Lambda) that moto never emits, put into moto's CloudWatch.

Names, dimensions and statistics follow ``shared/aws-facts.md`` (SNS, SQS, Lambda sections).
Counts are summed per virtual minute, as CloudWatch's 1-minute resolution shows them, and written with
``put_metric_data`` at virtual timestamps when the cloud flushes (one call per 1,000 datapoints,
not one per event: moto's calls are the slow part).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PUT_LIMIT = 1000  # datapoints per put_metric_data call


@dataclass(frozen=True)
class SeriesKey:
    namespace: str
    name: str
    dimension: str  # QueueName / TopicName / FunctionName
    value: str
    unit: str


class MetricsRecorder:
    """Per-minute aggregation of counters and samples, keyed like a CloudWatch metric."""

    def __init__(self) -> None:
        self._points: dict[tuple[SeriesKey, int], list[float]] = defaultdict(list)
        self._totals: Counter[tuple[str, str, str]] = Counter()

    def add(self, namespace: str, name: str, dimension: str, value: str, amount: float, at: float, unit: str = "Count") -> None:
        """Record ``amount`` for the metric at virtual time ``at`` (seconds since the epoch)."""
        minute = int(at // 60) * 60
        self._points[(SeriesKey(namespace, name, dimension, value, unit), minute)].append(float(amount))
        self._totals[(namespace, name, value)] += amount

    def queue(self, name: str, metric: str, amount: float, at: float, unit: str = "Count") -> None:
        self.add("AWS/SQS", metric, "QueueName", name, amount, at, unit)

    def topic(self, name: str, metric: str, amount: float, at: float, unit: str = "Count") -> None:
        self.add("AWS/SNS", metric, "TopicName", name, amount, at, unit)

    def function(self, name: str, metric: str, amount: float, at: float, unit: str = "Count") -> None:
        self.add("AWS/Lambda", metric, "FunctionName", name, amount, at, unit)

    def total(self, namespace: str, name: str, value: str) -> float:
        """Sum of every datapoint of one metric so far, flushed or not (what a test or a check asks)."""
        return self._totals[(namespace, name, value)]

    def drain(self) -> list[dict[str, Any]]:
        """Take the buffered datapoints as ``put_metric_data`` ``MetricData`` entries (StatisticValues)."""
        entries = [
            {
                "MetricName": key.name,
                "Dimensions": [{"Name": key.dimension, "Value": key.value}],
                "Timestamp": dt.datetime.fromtimestamp(minute, dt.timezone.utc),
                "StatisticValues": {"SampleCount": len(v), "Sum": sum(v), "Minimum": min(v), "Maximum": max(v)},
                "Unit": key.unit,
                "_namespace": key.namespace,
            }
            for (key, minute), v in sorted(self._points.items(), key=lambda kv: (kv[0][1], kv[0][0].name, kv[0][0].value))
        ]
        self._points.clear()
        return entries


def put_all(cloudwatch: Any, entries: Iterable[dict[str, Any]]) -> int:
    """Write drained entries to CloudWatch, grouped by namespace; return the datapoints written."""
    by_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        entry = dict(entry)
        by_namespace[entry.pop("_namespace")].append(entry)
    written = 0
    for namespace, data in by_namespace.items():
        for start in range(0, len(data), PUT_LIMIT):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + PUT_LIMIT])
            written += len(data[start : start + PUT_LIMIT])
    return written
