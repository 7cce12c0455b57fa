"""CloudWatch alarm evaluation, which moto never does (``shared/moto-gaps.md``: alarms are stored only).

The rules, from ``shared/aws-facts.md`` ("CloudWatch alarms"):

- An alarm watches one metric (``MetricName``/``Namespace``/``Dimensions`` with ``Statistic`` and
  ``Period``) or a metric math expression over several (``Metrics``: ``MetricStat`` queries plus one
  ``Expression`` with ``ReturnData``). One datapoint per Period; each is compared to ``Threshold`` with
  ``ComparisonOperator``.
- The alarm goes to ALARM when ``DatapointsToAlarm`` (M, default N) of the last ``EvaluationPeriods``
  (N) datapoints breach, and to OK otherwise.
- ``TreatMissingData``: ``missing`` (default) does not count a missing datapoint either way, and a
  window with no datapoint at all gives INSUFFICIENT_DATA; ``notBreaching`` counts it as good;
  ``breaching`` counts it as bad; ``ignore`` keeps the current state when the window has no data.
- A new alarm starts in INSUFFICIENT_DATA (moto starts it in OK, ``moto-gaps.md``).

- AWS looks back over an *evaluation range* a little longer than N periods: when some of the last N
  are missing but the range holds at least N real datapoints, the most recent N real ones decide and
  TreatMissingData is not used; only when fewer real datapoints exist are the missing ones filled in
  as TreatMissingData says. The range is modelled as N + ``LOOKBACK`` periods (AWS does not publish
  the exact length); before the first datapoint the history counts as missing. The anomaly
detection operators (``LessThanLowerOrGreaterThanUpperThreshold`` and friends) and percentile
``ExtendedStatistic`` need data this model does not keep: they are rejected with a clear
:class:`AlarmError`, never silently evaluated. Metric math (its support matrix is in
:mod:`stack.cloud.alarms_math`): ``+ - * /``, numbers, query ids, arrays ``[m1, m2]`` and ``METRICS()``,
``FILL``, ``ABS``, and ``MAX``/``MIN``/``SUM``/``AVG`` of an array (one series, per period); the
expression an alarm returns must be one time series, as AWS requires.
"""

from __future__ import annotations

import ast
import math
from functools import lru_cache
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stack.cloud import alarms_math
from stack.cloud.alarms_math import MetricMathError

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
TREAT_MISSING = ("missing", "notBreaching", "breaching", "ignore")
COMPARISONS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda v, t: v >= t),
    "GreaterThanThreshold": ("greater than", lambda v, t: v > t),
    "LessThanThreshold": ("less than", lambda v, t: v < t),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda v, t: v <= t),
}
BAND_COMPARISONS = ("LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")
#: Periods CloudWatch accepts: 10, 20, 30 (high resolution) or a multiple of 60 seconds.
SHORT_PERIODS = (10, 20, 30)
#: Extra periods of the modelled evaluation range beyond EvaluationPeriods.
LOOKBACK = 5


class AlarmError(ValueError):
    """The alarm definition is one AWS would reject (or one this model cannot evaluate); says which field."""


@dataclass(frozen=True)
class MetricRef:
    """A metric by identity: what a dashboard widget or an alarm names."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...] = ()

    def dimension_values(self) -> tuple[str, ...]:
        return tuple(v for _, v in self.dimensions)

    def label(self) -> str:
        dims = ",".join(f"{k}={v}" for k, v in self.dimensions)
        return f"{self.namespace} {self.name}" + (f" [{dims}]" if dims else "")


@dataclass(frozen=True)
class Query:
    """One metric math query: either a metric stat or an expression, with its id."""

    id: str
    metric: MetricRef | None = None
    stat: str = ""
    period: int = 0
    expression: str = ""
    return_data: bool = True


@dataclass(frozen=True)
class Alarm:
    """A parsed ``put_metric_alarm`` request (or ``AWS::CloudWatch::Alarm`` properties)."""

    name: str
    threshold: float
    comparison: str
    evaluation_periods: int
    datapoints_to_alarm: int
    period: int
    treat_missing: str = "missing"
    queries: tuple[Query, ...] = field(default_factory=tuple)
    uses: frozenset[str] = frozenset()  # ids of the MetricStat queries the returned value depends on

    @property
    def metrics(self) -> tuple[MetricRef, ...]:
        return tuple(q.metric for q in self.queries if q.metric is not None)

    @property
    def components(self) -> frozenset[str]:
        """The resources (dimension values) this alarm watches: those of the metrics its value depends on
        (a MetricStat that the returned expression never uses watches nothing)."""
        used = [q.metric for q in self.queries if q.metric is not None and (not self.uses or q.id in self.uses)]
        return frozenset(v for m in used for v in m.dimension_values())

    @property
    def result_query(self) -> Query:
        returned = [q for q in self.queries if q.return_data]
        return returned[0]

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison][1](value, self.threshold)


@dataclass(frozen=True)
class Evaluation:
    """The state after one evaluation, and the reason, worded like CloudWatch's StateReason."""

    state: str
    reason: str
    breaching: int = 0
    present: int = 0


# --- parsing -------------------------------------------------------------------------------------------


def _get(spec: Mapping[str, Any], key: str, default: Any = None) -> Any:
    return spec.get(key, default)


def _number(spec: Mapping[str, Any], key: str, *, required: bool = True, minimum: float | None = None) -> Any:
    value = spec.get(key)
    if value is None:
        if required:
            raise AlarmError(f"{key} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AlarmError(f"{key} must be a number, got {value!r}")
    if minimum is not None and value < minimum:
        raise AlarmError(f"{key} must be at least {minimum:g}, got {value!r}")
    return value


def _period(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AlarmError(f"{where} must be a whole number of seconds, got {value!r}")
    if value not in SHORT_PERIODS and (value < 60 or value % 60):
        raise AlarmError(f"{where} must be 10, 20, 30 or a multiple of 60 seconds, got {value}")
    return value


def _dimensions(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(d, Mapping) and "Name" in d and "Value" in d for d in raw):
        raise AlarmError(f"{where}.Dimensions must be a list of {{\"Name\": ..., \"Value\": ...}}")
    return tuple((str(d["Name"]), str(d["Value"])) for d in raw)


def _stat(value: Any, where: str) -> str:
    if isinstance(value, str) and (value.startswith("p") or value.startswith("tm") or value.startswith("tc")):
        raise AlarmError(f"{where}: percentile and trimmed statistics ({value}) are not modelled offline; "
                         f"use one of {', '.join(STATISTICS)}")
    if value not in STATISTICS:
        raise AlarmError(f"{where} must be one of {', '.join(STATISTICS)}, got {value!r}")
    return value


def parse_alarm(spec: Mapping[str, Any]) -> Alarm:
    """Validate a ``put_metric_alarm`` request as AWS would; every problem is an :class:`AlarmError`."""
    if not isinstance(spec, Mapping):
        raise AlarmError("an alarm must be a mapping of put_metric_alarm parameters")
    name = spec.get("AlarmName")
    if not isinstance(name, str) or not name.strip():
        raise AlarmError("AlarmName is required")
    comparison = spec.get("ComparisonOperator")
    if comparison in BAND_COMPARISONS:
        raise AlarmError(f"{name}: {comparison} needs an anomaly detection band, which this model does not evaluate")
    if comparison not in COMPARISONS:
        raise AlarmError(f"{name}: ComparisonOperator must be one of {', '.join(COMPARISONS)}, got {comparison!r}")
    if "ExtendedStatistic" in spec:
        _stat(spec["ExtendedStatistic"], f"{name}: ExtendedStatistic")
    threshold = _number(spec, "Threshold")
    n = _number(spec, "EvaluationPeriods", minimum=1)
    m = _number(spec, "DatapointsToAlarm", required=False, minimum=1)
    if isinstance(n, float) or (m is not None and isinstance(m, float)):
        raise AlarmError(f"{name}: EvaluationPeriods and DatapointsToAlarm must be whole numbers")
    m = n if m is None else m
    if m > n:
        raise AlarmError(f"{name}: DatapointsToAlarm ({m}) cannot exceed EvaluationPeriods ({n})")
    treat = spec.get("TreatMissingData", "missing")
    if treat not in TREAT_MISSING:
        raise AlarmError(f"{name}: TreatMissingData must be one of {', '.join(TREAT_MISSING)}, got {treat!r}")
    if spec.get("Metrics"):
        if "MetricName" in spec:
            raise AlarmError(f"{name}: give either MetricName/Namespace/Statistic/Period or Metrics, not both")
        queries, uses = _queries(name, spec["Metrics"])
        period = next((q.period for q in queries if q.metric is not None), 60)
        if any(q.period != period for q in queries if q.metric is not None):
            raise AlarmError(f"{name}: every MetricStat in Metrics must use the same Period")
    else:
        for key in ("MetricName", "Namespace", "Period", "Statistic"):
            if key not in spec:
                raise AlarmError(f"{name}: {key} is required (or use Metrics for metric math)")
        period = _period(spec["Period"], f"{name}: Period")
        metric = MetricRef(str(spec["Namespace"]), str(spec["MetricName"]), _dimensions(spec.get("Dimensions"), name))
        queries = (Query("m1", metric, _stat(spec["Statistic"], f"{name}: Statistic"), period),)
        uses = frozenset({"m1"})
    if period * n > 86400:
        raise AlarmError(f"{name}: Period x EvaluationPeriods must not exceed one day ({period} x {n})")
    return Alarm(name, float(threshold), comparison, int(n), int(m), period, treat, queries, uses)


def _queries(name: str, raw: Any) -> tuple[tuple[Query, ...], frozenset[str]]:
    if not isinstance(raw, list):
        raise AlarmError(f"{name}: Metrics must be a list of MetricDataQuery")
    queries: list[Query] = []
    for index, entry in enumerate(raw):
        where = f"{name}: Metrics[{index}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("Id"), str):
            raise AlarmError(f"{where} needs an Id")
        qid, ret = entry["Id"], bool(entry.get("ReturnData", True))
        if not qid[:1].islower():
            raise AlarmError(f"{where}: Id must start with a lower-case letter, got {qid!r}")
        if "MetricStat" in entry:
            stat = entry["MetricStat"]
            metric = stat.get("Metric", {}) if isinstance(stat, Mapping) else {}
            if "MetricName" not in metric or "Namespace" not in metric:
                raise AlarmError(f"{where}: MetricStat.Metric needs Namespace and MetricName")
            ref = MetricRef(str(metric["Namespace"]), str(metric["MetricName"]), _dimensions(metric.get("Dimensions"), where))
            queries.append(Query(qid, ref, _stat(stat.get("Stat"), f"{where}: Stat"), _period(stat.get("Period"), f"{where}: Period"),
                                 return_data=ret))
        elif isinstance(entry.get("Expression"), str):
            queries.append(Query(qid, expression=entry["Expression"], return_data=ret))
            _compile(entry["Expression"], where)
        else:
            raise AlarmError(f"{where} needs MetricStat or Expression")
    ids = [q.id for q in queries]
    if len(set(ids)) != len(ids):
        raise AlarmError(f"{name}: Metrics ids must be unique")
    if sum(q.return_data for q in queries) != 1:
        raise AlarmError(f"{name}: exactly one entry of Metrics must have ReturnData true (the value the alarm watches)")
    known = set(ids)
    for q in queries:
        if q.expression:
            unknown = alarms_math.names(_compile(q.expression)) - known
            if unknown:
                raise AlarmError(f"{name}: expression {q.expression!r} uses unknown id(s) {sorted(unknown)}")
    result = tuple(queries)
    kinds = _kinds(name, result)
    returned = next(q for q in result if q.return_data)
    if kinds[returned.id] != alarms_math.SERIES:
        fix = ("wrap it in MAX, MIN, SUM or AVG to combine the series per period" if kinds[returned.id] == alarms_math.ARRAY
               else "an alarm needs one value per period")
        raise AlarmError(f"{name}: the returned expression {returned.id} ({returned.expression!r}) gives "
                         f"{kinds[returned.id]}, but an alarm watches exactly one time series: {fix}")
    return result, _uses(result, returned.id)


def _kinds(name: str, queries: tuple[Query, ...]) -> dict[str, str]:
    """The metric math type of every query (expressions may name each other in any order, not in a cycle)."""
    by_id = {q.id: q for q in queries}
    metric_ids = [q.id for q in queries if q.metric is not None]
    kinds = {i: alarms_math.SERIES for i in metric_ids}
    visiting: list[str] = []

    def of(qid: str) -> str:
        if qid in kinds:
            return kinds[qid]
        if qid in visiting:
            raise AlarmError(f"{name}: expressions refer to each other in a cycle: {' -> '.join([*visiting, qid])}")
        visiting.append(qid)
        tree = _compile(by_id[qid].expression)
        for other in sorted(alarms_math.names(tree)):
            of(other)
        try:
            kinds[qid] = alarms_math.kind(tree, kinds, metric_ids)
        except MetricMathError as exc:
            raise AlarmError(f"{name}: expression {qid} ({by_id[qid].expression!r}): {exc}") from None
        visiting.pop()
        return kinds[qid]

    for q in queries:
        of(q.id)
    return kinds


def _uses(queries: tuple[Query, ...], root: str) -> frozenset[str]:
    """The MetricStat ids the value of query ``root`` depends on (directly, through expressions or METRICS())."""
    by_id = {q.id: q for q in queries}
    metric_ids = [q.id for q in queries if q.metric is not None]
    seen: set[str] = set()
    todo = [root]
    while todo:
        qid = todo.pop()
        if qid in seen:
            continue
        seen.add(qid)
        if by_id[qid].expression:
            tree = _compile(by_id[qid].expression)
            todo.extend(alarms_math.names(tree))
            for filter_ in alarms_math.metrics_filters(tree):
                todo.extend(alarms_math.matching(filter_, metric_ids))
    return frozenset(seen & set(metric_ids))


# --- metric math (stack.cloud.alarms_math) ------------------------------------------------------------


@lru_cache(maxsize=512)
def _compile(expression: str, where: str = "expression") -> ast.Expression:
    try:
        return alarms_math.parse(expression)
    except MetricMathError as exc:
        raise AlarmError(f"{where}: {exc}") from None


def evaluate_expression(expression: str, values: Mapping[str, float | None]) -> float | None:
    """One datapoint of a metric math expression over single values (each id one datapoint)."""
    tree = _compile(expression)
    env = {k: [v] for k, v in values.items()}
    kinds = {k: alarms_math.SERIES for k in values}
    try:
        alarms_math.kind(tree, kinds, list(values))
        result = alarms_math.evaluate(tree, env, list(values), 1)
    except MetricMathError as exc:
        raise AlarmError(str(exc)) from None
    if isinstance(result, tuple):
        raise AlarmError(f"{expression!r} gives an array of time series, not one value")
    return result[0] if isinstance(result, list) else result


def combine(alarm: Alarm, series: Mapping[str, Sequence[float | None]]) -> list[float | None]:
    """The series the alarm compares: its metric's, or its expression computed over the whole series."""
    result = alarm.result_query
    if not result.expression:
        return list(series[result.id])
    metric_ids = [q.id for q in alarm.queries if q.metric is not None]
    length = max((len(series[i]) for i in metric_ids), default=0)
    env: dict[str, object] = {i: list(series[i]) + [None] * (length - len(series[i])) for i in metric_ids}
    by_id = {q.id: q for q in alarm.queries}

    def value(qid: str) -> object:  # expressions may use other expressions, in any order (no cycles: parse_alarm)
        if qid not in env:
            tree = _compile(by_id[qid].expression)
            for other in alarms_math.names(tree):
                value(other)
            env[qid] = alarms_math.evaluate(tree, env, metric_ids, length)
        return env[qid]

    out = value(result.id)
    assert isinstance(out, list), "parse_alarm admits only expressions that return one time series"
    return out


# --- evaluation ----------------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "null" if value is None else f"{value:g}"


def evaluate(alarm: Alarm, window: Sequence[float | None], previous_state: str = "INSUFFICIENT_DATA") -> Evaluation:
    """The state after one evaluation of the datapoints up to now (``window``, oldest first; the last
    N + LOOKBACK are used).

    Every exit is labelled with the rule that decided it (``aws-facts.md``, "CloudWatch alarms").
    """
    n, m = alarm.evaluation_periods, alarm.datapoints_to_alarm
    history = list(window)[-(n + LOOKBACK):]
    window = history[-n:]
    window = [None] * (n - len(window)) + window  # no history before the first datapoint: missing
    real = [v for v in history if v is not None]
    if None in window and len(real) >= n:
        window = real[-n:]  # enough real datapoints in the evaluation range: they decide
    present = [v for v in window if v is not None]
    missing = n - len(present)
    breaching = sum(1 for v in present if alarm.breaches(v))
    treat = alarm.treat_missing
    if treat == "breaching":
        breaching += missing
    words, _ = COMPARISONS[alarm.comparison]
    shown = "[" + ", ".join(_fmt(v) for v in window) + "]"
    if not present and treat in ("missing", "ignore"):
        if treat == "ignore":
            return Evaluation(previous_state, f"no datapoints in the last {n} periods and TreatMissingData is ignore: "
                                              f"the alarm keeps its state ({previous_state})", 0, 0)
        return Evaluation("INSUFFICIENT_DATA", f"Insufficient Data: no datapoints in the last {n} periods "
                                               "(TreatMissingData missing)", 0, 0)
    counted = "" if treat in ("missing", "ignore") or not missing else f" ({missing} missing counted as {treat})"
    if breaching >= m:
        return Evaluation("ALARM", f"Threshold Crossed: {breaching} out of the last {n} datapoints {shown} were {words} "
                                   f"the threshold ({alarm.threshold:g}){counted} (minimum {m} datapoints to alarm)",
                          breaching, len(present))
    return Evaluation("OK", f"Threshold not crossed: {breaching} out of the last {n} datapoints {shown} were {words} "
                            f"the threshold ({alarm.threshold:g}){counted}; {m} needed to alarm", breaching, len(present))


def replay(alarm: Alarm, datapoints: Sequence[float | None], previous_state: str = "INSUFFICIENT_DATA") -> list[Evaluation]:
    """Evaluate after each datapoint in turn (one per Period), carrying the state forward."""
    if previous_state not in STATES:
        raise AlarmError(f"previous_state must be one of {', '.join(STATES)}, got {previous_state!r}")
    state, out = previous_state, []
    for index in range(len(datapoints)):
        evaluation = evaluate(alarm, datapoints[max(0, index - alarm.evaluation_periods - LOOKBACK + 1) : index + 1], state)
        state = evaluation.state
        out.append(evaluation)
    return out


def first_alarm(evaluations: Sequence[Evaluation], start: int = 0) -> int | None:
    """Index of the first evaluation at or after ``start`` in ALARM, or ``None``."""
    return next((i for i in range(start, len(evaluations)) if evaluations[i].state == "ALARM"), None)


Fetch = Callable[[MetricRef, int, str], Sequence[float | None]]


def replay_over(alarm: Alarm, fetch: Fetch) -> list[Evaluation]:
    """Replay an alarm over stored metric data: ``fetch(metric, period, stat)`` gives one value per period."""
    series = {q.id: fetch(q.metric, q.period, q.stat) for q in alarm.queries if q.metric is not None}
    return replay(alarm, combine(alarm, series))


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
