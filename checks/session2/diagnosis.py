"""2c: diagnose the mystery incidents of the learner's seed from metric data alone (``answers.yaml``).

Tolerance: the component may be named as the queue, its DLQ or its function (for the filter policy,
also the subscription); the onset minute within ``ONSET_TOLERANCE`` minutes."""

from __future__ import annotations

from typing import Any

from checks.check import Result, check
from checks.context import CheckContext
from checks.lab import LabFileError
from checks.session2 import data
from stack.simulate import scenarios

FILE = "answers.yaml"
ONSET_TOLERANCE = 3


def _answers(ctx: CheckContext) -> list[dict[str, Any]]:
    raw = ctx.data(FILE)
    items = raw.get("incidents") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise LabFileError(FILE, "expected `incidents:` followed by a list of {component, failure_class, onset_minute}")
    return [i for i in items if isinstance(i, dict)]


def _pairs(ctx: CheckContext) -> list[tuple[scenarios.Incident, dict[str, Any] | None]]:
    """Each true incident with the answer that names its component (else the one naming its class)."""
    answers, used, out = _answers(ctx), set(), []
    for truth in scenarios.mysteries(data.seed_of(ctx)):
        pick = next((i for i, a in enumerate(answers) if i not in used and a.get("component") in truth.accepted), None)
        if pick is None:
            pick = next((i for i, a in enumerate(answers) if i not in used and a.get("failure_class") == truth.kind), None)
        if pick is not None:
            used.add(pick)
        out.append((truth, None if pick is None else answers[pick]))
    return out


@check("S2.diagnosis.format", exercise="2c", points=1)
def answer_format(ctx: CheckContext) -> Result:
    answers = _answers(ctx)
    expected = len(scenarios.mysteries(data.seed_of(ctx)))
    problems = []
    if len(answers) != expected:
        problems.append(f"{FILE}: {len(answers)} incident(s) answered, the on-sale had {expected}")
    for index, a in enumerate(answers):
        if a.get("component") not in data.RESOURCES:
            problems.append(f"{FILE}: incidents[{index}].component {a.get('component')!r} is not a resource of the system")
        if a.get("failure_class") not in scenarios.FAILURE_CLASSES:
            problems.append(f"{FILE}: incidents[{index}].failure_class {a.get('failure_class')!r} is not in the vocabulary")
        onset = a.get("onset_minute")
        if not isinstance(onset, int) or isinstance(onset, bool):
            problems.append(f"{FILE}: incidents[{index}].onset_minute must be a whole number of minutes")
    return Result.ok() if not problems else Result.fail("; ".join(problems[:3]))


def _whose(ctx: CheckContext) -> str:
    """Which mystery was graded: a learner whose seed changed sees it at once."""
    seed = data.seed_of(ctx)
    return f" (the mystery of seed {seed}" + (", the lab's default)" if seed == scenarios.DEFAULT_SEED else ", from seed.toml)")


@check("S2.diagnosis.component", exercise="2c", points=2)
def component(ctx: CheckContext) -> Result:
    pairs = _pairs(ctx)
    right = sum(1 for t, a in pairs if a is not None and a.get("component") in t.accepted)
    return Result.parts(right, len(pairs), "" if right == len(pairs) else
                        f"{len(pairs) - right} incident(s) happened on a component your answers do not name" + _whose(ctx))


@check("S2.diagnosis.class", exercise="2c", points=3)
def failure_class(ctx: CheckContext) -> Result:
    pairs = _pairs(ctx)
    right = sum(1 for t, a in pairs if a is not None and a.get("failure_class") == t.kind)
    return Result.parts(right, len(pairs), "" if right == len(pairs) else
                        f"{len(pairs) - right} incident(s) have the wrong failure class (or none matched)" + _whose(ctx))


@check("S2.diagnosis.onset", exercise="2c", points=2)
def onset(ctx: CheckContext) -> Result:
    pairs = _pairs(ctx)

    def close(t: scenarios.Incident, a: dict[str, Any] | None) -> bool:
        value = None if a is None else a.get("onset_minute")
        return isinstance(value, int) and abs(value - t.onset) <= ONSET_TOLERANCE

    right = sum(1 for t, a in pairs if close(t, a))
    return Result.parts(right, len(pairs), "" if right == len(pairs) else
                        f"{len(pairs) - right} onset minute(s) are more than {ONSET_TOLERANCE} minutes off (or unmatched)" + _whose(ctx))


CHECKS = [answer_format, component, failure_class, onset]
