"""Per-minute metric data of a simulated run: what CloudWatch would hold, without moto in the loop.

One :class:`MetricStore` keeps, per metric, four per-minute lists (Sum, SampleCount, Minimum,
Maximum); a minute with SampleCount 0 has no datapoint (CloudWatch shows a gap). It answers the
questions an alarm or a dashboard asks (:meth:`values`: one value per Period for a Statistic), writes
itself into moto's CloudWatch through :func:`stack.cloud.metrics.put_all` (:meth:`entries`) and exports
CSV for learners who prefer a spreadsheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from stack.cloud.alarms import MetricRef
from stack.cloud.clock import DEFAULT_START

DIMENSION = {"AWS/SQS": "QueueName", "AWS/SNS": "TopicName", "AWS/Lambda": "FunctionName"}
UNITS = {"ApproximateAgeOfOldestMessage": "Seconds", "Duration": "Milliseconds", "SentMessageSize": "Bytes", "PublishSize": "Bytes"}


@dataclass
class Series:
    sums: list[float]
    counts: list[float]
    mins: list[float]
    maxs: list[float]


@dataclass
class MetricStore:
    minutes: int
    start: dt.datetime = DEFAULT_START
    series: dict[tuple[str, str, str], Series] = field(default_factory=dict)

    def _series(self, namespace: str, name: str, value: str) -> Series:
        key = (namespace, name, value)
        found = self.series.get(key)
        if found is None:
            n = self.minutes
            found = self.series[key] = Series([0.0] * n, [0.0] * n, [0.0] * n, [0.0] * n)
        return found

    def put(self, namespace: str, name: str, value: str, minute: int, total: float, count: float = 1.0,
            low: float | None = None, high: float | None = None) -> None:
        """One aggregated datapoint (or a part of one: parts of the same minute combine)."""
        if not 0 <= minute < self.minutes:
            return
        s = self._series(namespace, name, value)
        low = total if low is None else low
        high = total if high is None else high
        if s.counts[minute]:
            s.mins[minute] = min(s.mins[minute], low)
            s.maxs[minute] = max(s.maxs[minute], high)
        else:
            s.mins[minute], s.maxs[minute] = low, high
        s.sums[minute] += total
        s.counts[minute] += count

    def minute_values(self, namespace: str, name: str, value: str, stat: str = "Sum") -> list[float | None]:
        return self.values(MetricRef(namespace, name, ((DIMENSION.get(namespace, "Name"), value),)), 60, stat)

    def values(self, metric: MetricRef, period: int, stat: str) -> list[float | None]:
        """One value per ``period`` seconds (whole minutes; shorter periods read as one minute), None = no data."""
        value = metric.dimensions[0][1] if metric.dimensions else ""
        s = self.series.get((metric.namespace, metric.name, value))
        step = max(1, period // 60)
        groups = range(0, self.minutes, step)
        if s is None:
            return [None for _ in groups]
        out: list[float | None] = []
        for g in groups:
            counts = s.counts[g : g + step]
            n = sum(counts)
            if not n:
                out.append(None)
                continue
            idx = [i for i in range(g, min(g + step, self.minutes)) if s.counts[i]]
            if stat == "Sum":
                out.append(sum(s.sums[i] for i in idx))
            elif stat == "SampleCount":
                out.append(n)
            elif stat == "Average":
                out.append(sum(s.sums[i] for i in idx) / n)
            elif stat == "Minimum":
                out.append(min(s.mins[i] for i in idx))
            else:
                out.append(max(s.maxs[i] for i in idx))
        return out

    def has(self, metric: MetricRef) -> bool:
        value = metric.dimensions[0][1] if metric.dimensions else ""
        return (metric.namespace, metric.name, value) in self.series

    def timestamp(self, minute: int) -> dt.datetime:
        return self.start + dt.timedelta(minutes=minute)

    def entries(self) -> Iterator[dict[str, Any]]:
        """``put_metric_data`` entries with StatisticValues, in :func:`stack.cloud.metrics.put_all`'s shape."""
        for (namespace, name, value), s in sorted(self.series.items()):
            for minute, count in enumerate(s.counts):
                if count:
                    yield {"MetricName": name, "Dimensions": [{"Name": DIMENSION[namespace], "Value": value}],
                           "Timestamp": self.timestamp(minute),
                           "StatisticValues": {"SampleCount": count, "Sum": s.sums[minute], "Minimum": s.mins[minute], "Maximum": s.maxs[minute]},
                           "Unit": UNITS.get(name, "Count"), "_namespace": namespace}

    def csv_rows(self) -> Iterator[Sequence[Any]]:
        """``timestamp, namespace, metric, dimension, sum, samplecount, minimum, maximum`` rows."""
        yield ("timestamp", "namespace", "metric", "dimension", "sum", "samplecount", "minimum", "maximum")
        for (namespace, name, value), s in sorted(self.series.items()):
            for minute, count in enumerate(s.counts):
                if count:
                    yield (self.timestamp(minute).isoformat(), namespace, name, value,
                           round(s.sums[minute], 3), count, round(s.mins[minute], 3), round(s.maxs[minute], 3))
