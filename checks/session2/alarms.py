"""2b: alarm definitions (``alarms.json``: a list of ``put_metric_alarm`` requests) graded by replay
over the simulated on-sale with :mod:`stack.cloud.alarms`: quiet on a healthy on-sale, the right alarm
in ALARM within ``DETECT_WITHIN`` minutes of each incident class's onset."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from checks.check import Evidence, Result, check
from checks.context import CheckContext
from checks.lab import LabFileError
from checks.session2 import data
from checks.session2.charts import line_chart
from stack.cloud.alarms import Alarm, AlarmError, combine, parse_alarm, replay
from stack.simulate import scenarios
from stack.simulate.model import QUEUES, dlq
from stack.simulate.store import MetricStore

FILE = "alarms.json"


def _specs(ctx: CheckContext) -> list[Any]:
    raw = ctx.data(FILE)
    specs = raw.get("alarms") if isinstance(raw, dict) else None
    if not isinstance(specs, list):
        raise LabFileError(FILE, 'expected {"alarms": [put_metric_alarm requests...]}')
    return specs


def _parsed(ctx: CheckContext) -> tuple[list[Alarm], list[str]]:
    alarms, problems = [], []
    for index, spec in enumerate(_specs(ctx)):
        try:
            alarm = parse_alarm(spec)
        except AlarmError as exc:
            problems.append(f"{FILE}: alarms[{index}]: {exc}")
            continue
        unknown = [m.label() for m in alarm.metrics if not data.healthy().has(m)]
        if unknown:
            problems.append(f"{FILE}: alarms[{index}] ({alarm.name}): no such metric in this system: {unknown[0]} "
                            "(check the namespace, metric name and dimension spelling)")
            continue
        alarms.append(alarm)
    return alarms, problems


def _values(alarm: Alarm, store: MetricStore) -> list[float | None]:
    return combine(alarm, {q.id: store.values(q.metric, q.period, q.stat) for q in alarm.queries if q.metric is not None})


def _states(alarm: Alarm, store: MetricStore) -> list[str]:
    return [e.state for e in replay(alarm, _values(alarm, store))]


def _chart(alarm: Alarm, store: MetricStore, window: tuple[int, int] | None, what: str) -> Evidence:
    """The alarm's value against its threshold over a run, the periods in ALARM marked under the axis."""
    step = max(1, alarm.period // 60)
    values = _values(alarm, store)
    in_alarm = [i for i, e in enumerate(replay(alarm, values)) if e.state == "ALARM"]
    svg = line_chart(alarm.name,
                     [(f"alarm value ({alarm.result_query.stat or 'metric math'}, {alarm.period} s)", values),
                      (f"threshold {alarm.threshold:g}", [alarm.threshold] * len(values))],
                     [(window[0] // step, window[1] // step)] if window else [], step, in_alarm, f"over {what}")
    return Evidence.html(f"replay of {alarm.name} over {what}", svg)


@check("S2.alarms.valid", exercise="2b", points=2)
def valid(ctx: CheckContext) -> Result:
    specs = _specs(ctx)
    if not specs:
        return Result.fail(f"{FILE}: no alarms yet")
    alarms, problems = _parsed(ctx)
    return Result.parts(len(alarms), len(specs), "; ".join(problems[:3]))


@check("S2.alarms.quiet-on-sale", exercise="2b", points=3)
def quiet(ctx: CheckContext) -> Result:
    alarms, _ = _parsed(ctx)
    if not alarms:
        return Result.fail(f"{FILE}: no valid alarm to replay")
    store = data.healthy()
    noisy = []
    for alarm in alarms:
        states = _states(alarm, store)
        if "ALARM" in states:
            noisy.append((alarm, states.index("ALARM") + 1))
    if not noisy:
        return Result.ok()
    names = ", ".join(f"{a.name} (minute {at * max(1, a.period // 60)})" for a, at in noisy)
    return Result.parts(len(alarms) - len(noisy), len(alarms),
                        f"on a healthy on-sale (no incident) these alarms went to ALARM: {names}",
                        [_chart(a, store, None, "a healthy on-sale") for a, _ in noisy[:3]])


def _detects(ctx: CheckContext, kind: str) -> Result:
    alarms, _ = _parsed(ctx)
    index = next(i for i, run in enumerate(scenarios.REPLAY_RUNS) if any(x.kind == kind for x in run))
    incident = next(x for x in scenarios.REPLAY_RUNS[index] if x.kind == kind)
    store = data.replay_run(index)
    relevant = [a for a in alarms if a.components & incident.watched_by]
    window = (incident.onset, incident.onset + scenarios.DETECT_WITHIN)
    first = _earliest(relevant, store, window)
    if first is not None:
        alarm, minute = first
        return Result.ok(f"{alarm.name} was the first to go to ALARM, at minute {minute} "
                         f"({minute - incident.onset} min after onset)")
    evidence = [_chart(a, store, window, f"{kind} on {incident.component} at minute {incident.onset}; shaded: {scenarios.DETECT_WITHIN} min to detect") for a in relevant[:3]]
    who = ", ".join(sorted(incident.watched_by))
    if not relevant:
        return Result.fail(f"replay ({kind} on {incident.component} at minute {incident.onset}): none of your alarms "
                           f"watches a resource that shows it ({who})")
    return Result.fail(f"replay ({kind} on {incident.component} at minute {incident.onset}): your alarms on {who} "
                       f"did not reach ALARM within {scenarios.DETECT_WITHIN} minutes", evidence)


def _earliest(alarms: list[Alarm], store: MetricStore, window: tuple[int, int]) -> tuple[Alarm, int] | None:
    """The alarm that reaches ALARM first inside ``window`` (minutes after onset, onset excluded) and the
    minute it does; on a tie the one listed first. ``None`` when none does."""
    best: tuple[Alarm, int] | None = None
    for alarm in alarms:
        step = max(1, alarm.period // 60)
        for i, state in enumerate(_states(alarm, store)):
            minute_end = (i + 1) * step  # the period's datapoint is evaluated when it closes
            if state == "ALARM" and window[0] < minute_end <= window[1] + step:
                if best is None or minute_end < best[1]:
                    best = (alarm, minute_end)
                break
    return best


def _detector(kind: str):
    @check(f"S2.alarms.detects.{kind}", exercise="2b", points=1)
    def detects(ctx: CheckContext) -> Result:
        return _detects(ctx, kind)

    return detects


DETECTORS = [_detector(k) for k in scenarios.FAILURE_CLASSES]


@lru_cache(maxsize=len(QUEUES))
def _dlq_store(landing: str) -> MetricStore:
    """The DLQ of ``landing`` receives one message at minute 5 and keeps it; the other DLQs stay empty
    (redrive does not count as Sent on a DLQ). One store per DLQ: an alarm must fire on any one of them."""
    store = MetricStore(20)
    for queue in QUEUES:
        for minute in range(20):
            depth = 1 if minute >= 5 and queue == landing else 0
            store.put("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq(queue), minute, depth)
            store.put("AWS/SQS", "ApproximateAgeOfOldestMessage", dlq(queue), minute, 60 * (minute - 4) if depth else 0)
            for metric in ("NumberOfMessagesSent", "NumberOfMessagesReceived", "NumberOfMessagesDeleted",
                           "ApproximateNumberOfMessagesNotVisible"):
                store.put("AWS/SQS", metric, dlq(queue), minute, 0)
    return store


@check("S2.alarms.dlq-depth", exercise="2b", points=2)
def dlq_depth(ctx: CheckContext) -> Result:
    alarms, _ = _parsed(ctx)
    covered, missing = 0, []
    for queue in QUEUES:
        name = dlq(queue)
        store = _dlq_store(queue)
        mine = [a for a in alarms if name in a.components]
        if any("ALARM" in _states(a, store)[:15] for a in mine):
            covered += 1
        else:
            missing.append(name)
    message = f"a message landing in {', '.join(missing)} would not put any of your alarms into ALARM" if missing else ""
    return Result.parts(covered, len(QUEUES), message)


CHECKS = [valid, quiet, dlq_depth, *DETECTORS]
