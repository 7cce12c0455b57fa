"""2a: the dashboard body (``dashboard.json``, the ``put_dashboard`` DashboardBody format), validated and
graded on coverage; its widgets are drawn over the on-sale (with incidents shaded) as evidence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from typing import Any

from checks.check import Evidence, Result, check
from checks.context import CheckContext
from checks.lab import LabFileError
from checks.session2 import data
from checks.session2.charts import line_chart
from stack.cloud.alarms import STATISTICS, MetricRef
from stack.simulate import scenarios
from stack.simulate.model import CONSUMERS, QUEUES, TOPIC, dlq

FILE = "dashboard.json"
WIDGET_TYPES = ("metric", "text", "alarm", "log", "explorer")


def _rows(widget: dict[str, Any]) -> Iterator[tuple[MetricRef, str, int]]:
    """(metric, stat, period) of each metric row of a metric widget; '.' repeats the row above."""
    props = widget.get("properties") or {}
    previous: list[Any] = []
    for row in props.get("metrics") or []:
        if not isinstance(row, list):
            continue
        options = row[-1] if row and isinstance(row[-1], dict) else {}
        cells = [c for c in row if not isinstance(c, dict)]
        cells = [previous[i] if c in (".", "...") and i < len(previous) else c for i, c in enumerate(cells)]
        previous = cells
        if len(cells) < 2 or "expression" in options:
            continue
        dims = tuple((str(cells[i]), str(cells[i + 1])) for i in range(2, len(cells) - 1, 2))
        yield (MetricRef(str(cells[0]), str(cells[1]), dims), options.get("stat", props.get("stat", "Average")),
               int(options.get("period", props.get("period", 300)) or 300))


def _body(ctx: CheckContext) -> dict[str, Any]:
    body = ctx.data(FILE)
    if not isinstance(body, dict) or not isinstance(body.get("widgets"), list):
        raise LabFileError(FILE, 'a dashboard body is {"widgets": [...]}')
    return body


def _problems(index: int, widget: Any) -> list[str]:
    where = f"{FILE}: widgets[{index}]"
    if not isinstance(widget, dict):
        return [f"{where} must be an object"]
    problems = []
    kind = widget.get("type")
    if kind not in WIDGET_TYPES:
        problems.append(f"{where}: type must be one of {', '.join(WIDGET_TYPES)}, got {kind!r}")
    for key, low, high in (("x", 0, 23), ("y", 0, 10_000), ("width", 1, 24), ("height", 1, 1000)):
        value = widget.get(key)
        if value is not None and (not isinstance(value, int) or not low <= value <= high):
            problems.append(f"{where}: {key} must be a whole number from {low} to {high}")
    if kind == "metric":
        props = widget.get("properties")
        if not isinstance(props, dict) or not isinstance(props.get("metrics"), list) or not props["metrics"]:
            return [*problems, f"{where}: a metric widget needs properties.metrics (a list of metric arrays)"]
        if not props.get("region"):
            problems.append(f"{where}: a metric widget needs properties.region (e.g. us-east-1)")
        for row_index, row in enumerate(props["metrics"]):
            options = row[-1] if isinstance(row, list) and row and isinstance(row[-1], dict) else {}
            stat = options.get("stat", props.get("stat"))
            if stat is not None and stat not in STATISTICS and not str(stat).startswith("p"):
                problems.append(f"{where}: metrics[{row_index}]: unknown stat {stat!r}")
            period = options.get("period", props.get("period"))
            if period is not None and (not isinstance(period, int) or (period % 60 and period not in (1, 5, 10, 30))):
                problems.append(f"{where}: metrics[{row_index}]: period must be 1, 5, 10, 30 or a multiple of 60 seconds")
    return problems


def _shown(ctx: CheckContext) -> set[tuple[str, str, str, str]]:
    found = set()
    for widget in _body(ctx)["widgets"]:
        if isinstance(widget, dict) and widget.get("type") == "metric":
            for metric, stat, _ in _rows(widget):
                for _, value in metric.dimensions or (("", ""),):
                    found.add((metric.namespace, metric.name, value, stat))
    return found


@dataclass(frozen=True)
class Want:
    """One thing a dashboard must show: a metric of a resource (with the statistic that answers the
    question, or any), and the aspect it stands for in a message (never the metric's name)."""

    namespace: str
    metric: str
    resource: str
    stat: str | None = None
    aspect: str = ""


def _listed(wants: list[Want]) -> str:
    """``SeatInventoryQueue (in, out), NotificationQueue (out)``: resources in order, aspects when a check has several."""
    by_resource: dict[str, list[str]] = {}
    for w in wants:
        by_resource.setdefault(w.resource, []).extend([w.aspect] if w.aspect else [])
    return ", ".join(f"{r} ({', '.join(a)})" if a else r for r, a in by_resource.items())


def _coverage(ctx: CheckContext, wanted: list[Want], what: str, plural: str, wrong_stat: str = "") -> Result:
    """Points for the wanted rows shown; the message names the resources and aspects missing, and whether a
    row is absent or shown with a statistic that does not answer the question (never the metric or the stat)."""
    shown = _shown(ctx)
    missing = [w for w in wanted if not any(s[:3] == (w.namespace, w.metric, w.resource) and (w.stat is None or s[3] == w.stat)
                                            for s in shown)]
    if not missing:
        return Result.ok()
    absent = [w for w in missing if not any(s[:3] == (w.namespace, w.metric, w.resource) for s in shown)]
    mis_stat = [w for w in missing if w not in absent]
    total = len({w.resource for w in wanted})
    parts = []
    if absent:
        count = len({w.resource for w in absent})
        parts.append(f"not shown for {count} of {total} {plural if total > 1 else plural.removesuffix('s')}: {_listed(absent)}")
    if mis_stat:
        parts.append(f"shown for {_listed(mis_stat)} but with {wrong_stat}")
    return Result.parts(len(wanted) - len(missing), len(wanted), f"{FILE}: {what}: " + "; ".join(parts))


@check("S2.dashboard.format", exercise="2a", points=2)
def dashboard_format(ctx: CheckContext) -> Result:
    widgets = _body(ctx)["widgets"]
    if not widgets:
        return Result.fail(f"{FILE}: the dashboard has no widgets")
    problems = [p for i, w in enumerate(widgets) for p in _problems(i, w)]
    good = sum(1 for i, w in enumerate(widgets) if not _problems(i, w))
    return Result.parts(good, len(widgets), "; ".join(problems[:3]), _charts(ctx))


def _charts(ctx: CheckContext) -> list[Evidence]:
    """The learner's metric widgets drawn over replay run 1 (four incidents at minute 15, shaded)."""
    store = data.replay_run(0)
    window = [(15, 15 + scenarios.DETECT_WITHIN)]
    svgs = []
    for widget in _body(ctx)["widgets"][:24]:
        if not isinstance(widget, dict) or widget.get("type") != "metric" or _problems(0, widget):
            continue
        lines = []
        step = 1
        for metric, stat, period in _rows(widget):
            if stat not in STATISTICS:
                continue
            step = max(1, period // 60)
            lines.append((f"{metric.name} {','.join(metric.dimension_values())} {stat}", store.values(metric, period, stat)))
        if lines:
            title = str((widget.get("properties") or {}).get("title") or lines[0][0])
            svgs.append(line_chart(title, lines, [(a // step, b // step) for a, b in window], step))
    if not svgs:
        return []
    incidents = ", ".join(f"{i.kind} on {i.component}" for i in scenarios.REPLAY_RUNS[0])
    html = (f"<p>Your widgets over an on-sale replay with incidents starting at minute 15 ({escape(incidents)}); "
            f"shaded: the {scenarios.DETECT_WITHIN} minutes after. Each row is drawn with its own stat and period.</p>"
            + "".join(f'<div style="display:inline-block;vertical-align:top">{s}</div>' for s in svgs))
    return [Evidence.html("your dashboard over the on-sale", html)]


WORST_CASE = "a statistic that hides the worst case"
PER_PERIOD = "a statistic that is not a count per period"


@check("S2.dashboard.backlog", exercise="2a", points=1)
def backlog(ctx: CheckContext) -> Result:
    wanted = [Want("AWS/SQS", "ApproximateNumberOfMessagesVisible", q) for q in QUEUES]
    return _coverage(ctx, wanted, "backlog (messages waiting)", "queues")


@check("S2.dashboard.age", exercise="2a", points=1)
def age(ctx: CheckContext) -> Result:
    wanted = [Want("AWS/SQS", "ApproximateAgeOfOldestMessage", q, "Maximum") for q in QUEUES]
    return _coverage(ctx, wanted, "age of oldest message", "queues", WORST_CASE)


@check("S2.dashboard.flow", exercise="2a", points=2)
def flow(ctx: CheckContext) -> Result:
    wanted = [Want("AWS/SQS", m, q, "Sum", aspect) for q in QUEUES
              for m, aspect in (("NumberOfMessagesSent", "in"), ("NumberOfMessagesDeleted", "out"))]
    return _coverage(ctx, wanted, "flow in and out of each queue", "queues", PER_PERIOD)


@check("S2.dashboard.dlq", exercise="2a", points=1)
def dlq_depth(ctx: CheckContext) -> Result:
    wanted = [Want("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq(q)) for q in QUEUES]
    return _coverage(ctx, wanted, "depth of the dead-letter queues", "dead-letter queues")


@check("S2.dashboard.sns", exercise="2a", points=1)
def sns(ctx: CheckContext) -> Result:
    wanted = [Want("AWS/SNS", m, TOPIC, "Sum", aspect) for m, aspect in (
        ("NumberOfNotificationsDelivered", "delivered"), ("NumberOfNotificationsFailed", "failed"),
        ("NumberOfNotificationsFilteredOut", "filtered out"))]
    return _coverage(ctx, wanted, "what the topic did with each notification", "topics", PER_PERIOD)


@check("S2.dashboard.lambda", exercise="2a", points=2)
def lambda_health(ctx: CheckContext) -> Result:
    wanted = [Want("AWS/Lambda", m, f, None, aspect) for f in CONSUMERS.values()
              for m, aspect in (("Errors", "errors"), ("Throttles", "throttles"), ("Duration", "duration"))]
    return _coverage(ctx, wanted, "health of the consumer functions", "functions")


CHECKS = [dashboard_format, backlog, age, flow, dlq_depth, sns, lambda_health]
