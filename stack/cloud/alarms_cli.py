"""``tourlab alarm-eval ALARM.json SERIES.json [--json]``: what state would this alarm be in?

``ALARM.json`` is a ``put_metric_alarm`` request (or ``AWS::CloudWatch::Alarm`` properties, or a
``{"Type": "AWS::CloudWatch::Alarm", "Properties": ...}`` resource). ``SERIES.json`` is
``{"datapoints": [value or null, ...], "previous_state": "OK"}``: oldest first, one per Period, null
for a missing period; for a metric math alarm ``datapoints`` maps each MetricStat ``Id`` to its list.
``previous_state`` defaults to INSUFFICIENT_DATA (a new alarm). The rules are in
:mod:`stack.cloud.alarms`. Exit codes: 0 evaluated, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stack.cloud.alarms import AlarmError, STATES, combine, parse_alarm, replay


class InputError(ValueError):
    pass


def _load(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None


def _alarm_spec(raw: Any) -> Any:
    if isinstance(raw, dict) and raw.get("Type") == "AWS::CloudWatch::Alarm":
        return raw.get("Properties", {})
    return raw


def _values(raw: Any, where: str) -> list[float | None]:
    if not isinstance(raw, list):
        raise InputError(f"{where} must be a list of numbers or null")
    out: list[float | None] = []
    for i, v in enumerate(raw):
        if v is None:
            out.append(None)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
        else:
            raise InputError(f"{where}[{i}] must be a number or null, got {v!r}")
    return out


def run(alarm_raw: Any, series_raw: Any) -> dict[str, Any]:
    """The final evaluation as ``{"state", "reason", "states"}``; raises AlarmError / InputError."""
    alarm = parse_alarm(_alarm_spec(alarm_raw))
    if not isinstance(series_raw, dict) or "datapoints" not in series_raw:
        raise InputError('SERIES.json must be {"datapoints": [...], "previous_state": ...}')
    previous = series_raw.get("previous_state") or "INSUFFICIENT_DATA"
    if previous not in STATES:
        raise InputError(f"previous_state must be one of {', '.join(STATES)}, got {previous!r}")
    raw = series_raw["datapoints"]
    stats = [q for q in alarm.queries if q.metric is not None]
    if isinstance(raw, dict):
        missing = [q.id for q in stats if q.id not in raw]
        if missing:
            raise InputError(f"datapoints has no list for metric id(s) {missing}")
        series = {q.id: _values(raw[q.id], f"datapoints.{q.id}") for q in stats}
    elif len(stats) == 1:
        series = {stats[0].id: _values(raw, "datapoints")}
    else:
        raise InputError(f"this alarm uses metric math over {[q.id for q in stats]}: give datapoints as {{id: [...]}}")
    values = combine(alarm, series)
    if not values:
        raise InputError("datapoints is empty: give at least one period (null for a missing one)")
    evaluations = replay(alarm, values, previous)
    final = evaluations[-1]
    return {"state": final.state, "reason": final.reason, "states": [e.state for e in evaluations]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tourlab alarm-eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("alarm", help="put_metric_alarm request as JSON")
    parser.add_argument("series", help='{"datapoints": [...], "previous_state": ...}')
    parser.add_argument("--json", action="store_true", help='print {"state": ..., "reason": ...}')
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        result = run(_load(args.alarm), _load(args.series))
    except (AlarmError, InputError) as exc:
        print(f"alarm-eval: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"state": result["state"], "reason": result["reason"]}))
    else:
        print(result["state"])
        print(result["reason"])
        print("states after each period: " + " ".join(result["states"]))
    return 0
