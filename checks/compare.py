"""``tourlab compare``: the learner's files against the solution, by meaning rather than by text.

IAM policy documents (any mapping with ``Statement``, also JSON-encoded in a string such as a queue's
``Policy`` attribute) are compared statement by statement after normalising what AWS treats as equal:
a string vs a one-element list, the order of statements, actions, resources and condition values, the
case of action names. Statements are paired by ``Sid``, else by the most shared actions and resources.
Other JSON/YAML/TOML settings are compared key by key, lists as sets. Other files: same or different.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.lab import LabFileError, installed_lab, parse, read_manifest, read_text, require_lab
from checks.learner import lab_argument


@dataclass(frozen=True)
class Statement:
    """One policy statement in normal form: every list a frozenset, every value a string."""

    sid: str | None
    effect: str
    fields: Mapping[str, frozenset[str]]  # "actions", "not actions", "resources", "principals", ...

    @property
    def label(self) -> str:
        return f"statement {self.sid!r}" if self.sid else f"{self.effect} statement"


_FIELDS = {
    "Action": "actions",
    "NotAction": "not actions",
    "Resource": "resources",
    "NotResource": "not resources",
    "Principal": "principals",
    "NotPrincipal": "not principals",
}


def _strings(value: Any) -> frozenset[str]:
    """``"x"`` and ``["x"]`` mean the same to IAM."""
    items = value if isinstance(value, list) else [value]
    return frozenset(json.dumps(i, sort_keys=True) if isinstance(i, dict | list) else str(i) for i in items)


def _principals(value: Any) -> frozenset[str]:
    if not isinstance(value, dict):
        return _strings(value)
    return frozenset(f"{kind}:{p}" for kind, ps in value.items() for p in _strings(ps))


def _conditions(value: Any) -> frozenset[str]:
    if not isinstance(value, dict):
        return _strings(value)
    return frozenset(
        f"{op} {key} = {v}"
        for op, block in value.items()
        for key, values in (block.items() if isinstance(block, dict) else [("?", block)])
        for v in _strings(values)
    )


def statement(raw: Mapping[str, Any]) -> Statement:
    fields: dict[str, frozenset[str]] = {}
    for key, name in _FIELDS.items():
        if key in raw:
            values = _principals(raw[key]) if "Principal" in key else _strings(raw[key])
            fields[name] = frozenset(v.lower() for v in values) if "Action" in key else values
    if "Condition" in raw:
        fields["conditions"] = _conditions(raw["Condition"])
    return Statement(raw.get("Sid"), str(raw.get("Effect", "?")), fields)


def is_policy(value: Any) -> bool:
    return isinstance(value, dict) and "Statement" in value


def _as_policy(value: Any) -> Any:
    """A JSON policy stored as a string (SQS/SNS ``Policy`` attributes) is compared as a policy."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if is_policy(decoded) else value
    return value


def policy_diff(mine: Mapping[str, Any], solution: Mapping[str, Any], where: str) -> list[str]:
    ours = [statement(s) for s in _list(mine.get("Statement"))]
    theirs = [statement(s) for s in _list(solution.get("Statement"))]
    lines = []
    for a, b in _pair(ours, theirs):
        if b is None:
            lines.append(f"{where}: {a.label} is not in the solution: {_describe(a)}")
        elif a is None:
            lines.append(f"{where}: the solution has a {b.label} you do not: {_describe(b)}")
        else:
            label = a.label if a.sid else b.label
            if a.effect != b.effect:
                lines.append(f"{where}: {label}: Effect is {a.effect}, the solution says {b.effect}")
            for name in sorted(set(a.fields) | set(b.fields)):
                only_a = a.fields.get(name, frozenset()) - b.fields.get(name, frozenset())
                only_b = b.fields.get(name, frozenset()) - a.fields.get(name, frozenset())
                if only_a:
                    lines.append(f"{where}: {label}: {name} only in yours: {', '.join(sorted(only_a))}")
                if only_b:
                    lines.append(f"{where}: {label}: {name} only in the solution: {', '.join(sorted(only_b))}")
    return lines


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _describe(s: Statement) -> str:
    return "; ".join(f"{name} {', '.join(sorted(values))}" for name, values in sorted(s.fields.items()))


def _overlap(a: Statement, b: Statement) -> int:
    return sum(len(a.fields.get(n, frozenset()) & b.fields.get(n, frozenset())) for n in ("actions", "resources"))


def _pair(ours: list[Statement], theirs: list[Statement]) -> list[tuple[Statement | None, Statement | None]]:
    """Pair by Sid first, then greedily by shared actions/resources with the same effect."""
    pairs: list[tuple[Statement | None, Statement | None]] = []
    left = list(theirs)
    unmatched = []
    for a in ours:
        same_sid = next((b for b in left if a.sid and b.sid == a.sid), None)
        if same_sid is not None:
            pairs.append((a, same_sid))
            left.remove(same_sid)
        else:
            unmatched.append(a)
    for a in unmatched:
        best = max((b for b in left if b.effect == a.effect), key=lambda b: _overlap(a, b), default=None)
        if best is not None and _overlap(a, best) > 0:
            pairs.append((a, best))
            left.remove(best)
        else:
            pairs.append((a, None))
    pairs.extend((None, b) for b in left)
    return pairs


def diff(mine: Any, solution: Any, where: str = "") -> list[str]:
    """Differences in meaning between two parsed documents, one line each, with the path to the setting."""
    mine, solution = _as_policy(mine), _as_policy(solution)
    label = where or "(top level)"
    if is_policy(mine) and is_policy(solution):
        return policy_diff(mine, solution, label)
    if isinstance(mine, dict) and isinstance(solution, dict):
        lines = []
        for key in sorted(set(mine) | set(solution), key=str):
            path = f"{where}.{key}" if where else str(key)
            if key not in solution:
                lines.append(f"{path}: only in yours ({_short(mine[key])})")
            elif key not in mine:
                lines.append(f"{path}: missing, the solution sets {_short(solution[key])}")
            else:
                lines += diff(mine[key], solution[key], path)
        return lines
    if isinstance(mine, list) or isinstance(solution, list):
        ours, theirs = _strings(mine), _strings(solution)
        if ours == theirs:
            return []
        extra, missing = sorted(ours - theirs), sorted(theirs - ours)
        return [f"{label}: only in yours: {', '.join(extra)}"] * bool(extra) + [
            f"{label}: only in the solution: {', '.join(missing)}"
        ] * bool(missing)
    return [] if mine == solution else [f"{label}: yours is {_short(mine)}, the solution has {_short(solution)}"]


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare_file(lab: Path, solution: Path, relpath: str) -> list[str]:
    """The differences for one file of an exercise; structured files by meaning."""
    try:
        mine, theirs = parse(lab, relpath), parse(solution, relpath)
    except LabFileError as exc:
        if "cannot parse" not in exc.problem:
            return [str(exc)]
        same = read_text(lab, relpath) == read_text(solution, relpath)
        return [] if same else [f"{relpath}: differs from the solution (run the checks to see what matters)"]
    return diff(mine, theirs, relpath)


def compare(lab: Path, solution: Path, exercise_ids: Sequence[str]) -> list[str]:
    manifest = read_manifest(lab)
    exercises = [manifest.exercise(e) for e in exercise_ids] or list(manifest.exercises)
    lines = []
    for exercise in exercises:
        found = [line for f in exercise.files for line in compare_file(lab, solution, f)]
        lines.append(f"Exercise {exercise.id}: {exercise.title}")
        lines += [f"  {line}" for line in found] or ["  same meaning as the solution"]
    return lines


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="tourlab compare", description=__doc__.splitlines()[0])
    parser.add_argument("exercise", nargs="*", help="exercise ids (default: all)")
    lab_argument(parser)
    parser.add_argument("--solution", type=Path, help="solution folder (default: the installed solutions/)")
    args = parser.parse_args(argv)
    try:
        lab = require_lab(args.lab)
        solution = args.solution or installed_lab("solutions", read_manifest(lab).session)
        print("\n".join(compare(lab, solution, args.exercise)))
    except (LabFileError, KeyError) as exc:
        print(f"tourlab compare: {exc}")
        return 1
    return 0
