"""Exercise 3d: the three incidents of :mod:`stack.casestudies.incidents`, answered with filter patterns
(``patterns.yaml``) and ``answers.yaml``.

A pattern is graded by the set of events it matches in one log group (through
:mod:`stack.cloud.log_filters`, the documented syntax in full) against the set the question asks for,
so any correct pattern scores. The events are the committed ones in ``stack/casestudies/data``, not
the learner's copy. The ground truth is defined here, as rules over those events (which events the
question asks for; which orders were hurt); a self-test checks the rules against the world the
generator ran (tables and awards), so the rules cannot drift from the incident.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from stack.casestudies.incidents import DATA, load_events
from stack.cloud.log_filters import FilterPatternError, compile_pattern

PATTERNS_FILE = "patterns.yaml"
ANSWERS_FILE = "answers.yaml"

#: The vocabulary of ``root_cause`` and ``fix`` (the README lists the same words).
ROOT_CAUSES = (
    "iam-permission-removed", "kms-key-policy", "ses-sender-not-verified", "invalid-phone-number", "payment-declined",
    "malformed-message", "handler-not-idempotent", "visibility-timeout-too-short", "lambda-throttling",
)
FIXES = (
    "restore-iam-permission", "update-kms-key-policy", "verify-ses-identity", "ask-fan-for-phone-number", "retry-payment",
    "delete-malformed-message", "make-award-idempotent", "raise-function-timeout", "increase-visibility-timeout",
    "raise-reserved-concurrency",
)


def _json(event: str) -> dict[str, Any]:
    if not event.startswith("{"):
        return {}
    try:
        value = json.loads(event)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class CaseStudy:
    id: str
    log_group: str  # the function whose log events a pattern is graded on
    asks: str  # what the pattern must match, as the README says it
    target: Callable[[str], bool]  # the events the question asks for
    affected: Callable[[list[str]], set[str]]  # the orders hurt, from that log group's events
    root_cause: str
    fixes: frozenset[str]  # every fix that solves the incident


def _orders_with(word: str) -> Callable[[list[str]], set[str]]:
    return lambda events: {str(_json(e).get("orderId")) for e in events if word in e and _json(e).get("orderId")}


def _awarded_twice(events: list[str]) -> set[str]:
    counts = Counter(_json(e).get("orderId") for e in events if _json(e).get("message") == "fan club points awarded")
    return {str(order) for order, n in counts.items() if n > 1}


CASES: tuple[CaseStudy, ...] = (
    CaseStudy("failed-payments", "PaymentProcessor", "every event that reports a call PaymentProcessor was not allowed to make",
              lambda e: "AccessDeniedException" in e, _orders_with("AccessDeniedException"),
              "iam-permission-removed", frozenset({"restore-iam-permission"})),
    CaseStudy("missing-notifications", "FanNotifier", "every event that reports an email SES refused to send",
              lambda e: "MessageRejected" in e, _orders_with("MessageRejected"),
              "ses-sender-not-verified", frozenset({"verify-ses-identity"})),
    CaseStudy("fan-club-points", "FanClubAwardProcessor",
              "every event that records points being awarded, and every invocation cut by its timeout",
              lambda e: _json(e).get("message") == "fan club points awarded" or "Task timed out after" in e, _awarded_twice,
              "handler-not-idempotent", frozenset({"make-award-idempotent"})),
)
BY_ID = {case.id: case for case in CASES}


@cache
def events(case_id: str) -> tuple[str, ...]:
    return tuple(load_events(case_id, BY_ID[case_id].log_group, DATA))


@cache
def target(case_id: str) -> frozenset[int]:
    return frozenset(i for i, e in enumerate(events(case_id)) if BY_ID[case_id].target(e))


@cache
def affected(case_id: str) -> frozenset[str]:
    return frozenset(BY_ID[case_id].affected(list(events(case_id))))


def _short(event: str, width: int = 150) -> str:
    event = event.replace("\r", " ")
    return event if len(event) <= width else event[: width - 3] + "..."


def grade_pattern(case: CaseStudy, pattern: Any) -> str | None:
    """None when ``pattern`` matches exactly the events the question asks for; else what it matched."""
    if not isinstance(pattern, str) or not pattern.strip():
        return f"{PATTERNS_FILE}: no pattern for {case.id} yet (a string: the filter pattern you would give filter-log-events)"
    try:
        compiled = compile_pattern(pattern)
    except FilterPatternError as exc:
        return f"{PATTERNS_FILE} {case.id}: CloudWatch Logs would reject this pattern: {exc}"
    found = set(compiled.indexes(events(case.id)))
    wanted = target(case.id)
    if found == wanted:
        return None
    extra, missed = sorted(found - wanted), sorted(wanted - found)
    parts = [f"{PATTERNS_FILE} {case.id}: in /aws/lambda/{case.log_group} your pattern {pattern!r} matches {len(found)} of "
             f"{len(events(case.id))} events; the question asks for {case.asks}"]
    if extra:
        parts.append(f"{len(extra)} matched event(s) are not asked for, e.g. line {extra[0] + 1}: {_short(events(case.id)[extra[0]])}")
    if missed:
        parts.append(f"{len(missed)} event(s) asked for are not matched, e.g. line {missed[0] + 1}: {_short(events(case.id)[missed[0]])}")
    return "; ".join(parts)


def case_answers(answers: Any, case: CaseStudy) -> dict[str, Any]:
    if not isinstance(answers, dict):
        raise ValueError(f"{ANSWERS_FILE}: must map each incident ({', '.join(BY_ID)}) to its answers")
    value = answers.get(case.id)
    if not isinstance(value, dict):
        raise ValueError(f"{ANSWERS_FILE}: no answers for {case.id} (root_cause, affected_orders, fix)")
    return value


def grade_choice(value: Any, field: str, vocabulary: tuple[str, ...], right: frozenset[str], case: CaseStudy) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{ANSWERS_FILE} {case.id}.{field}: not answered yet (one of the words the README lists)"
    if value not in vocabulary:
        return f"{ANSWERS_FILE} {case.id}.{field}: {value!r} is not one of the words the README lists ({', '.join(vocabulary)})"
    if value not in right:
        return f"{ANSWERS_FILE} {case.id}.{field}: {value!r} does not explain what the logs of this incident show"
    return None


def grade_orders(value: Any, case: CaseStudy) -> tuple[int, int, str]:
    """(right, out of, message): each affected order listed counts, each unaffected one listed costs one."""
    truth = affected(case.id)
    if not isinstance(value, list) or not value:
        return 0, len(truth), f"{ANSWERS_FILE} {case.id}.affected_orders: no orders listed yet (a list of order ids)"
    listed = {str(v).strip() for v in value}
    right, wrong = listed & truth, listed - truth
    score = max(0, len(right) - len(wrong))
    if score == len(truth) and not wrong:
        return score, len(truth), ""
    message = f"{ANSWERS_FILE} {case.id}.affected_orders: {len(right)} of the {len(truth)} affected orders listed"
    if wrong:
        message += f"; {len(wrong)} listed order(s) were not hurt by this incident (each costs one), e.g. {sorted(wrong)[0]}"
    return score, len(truth), message
