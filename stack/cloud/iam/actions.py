"""The IAM action vocabulary: known actions, wildcard expansion, access levels.

Data comes from policyuniverse (frozen November 2023, ``shared/moto-gaps.md``) plus
:data:`EXTRA_ACTIONS`, the few newer actions it lacks. What we use of policyuniverse's 8 MB file (each
action's name and access level) is kept beside this module in ``actions.json``: it loads in a tenth of
the time, and every grading process loads it. ``python -m stack.cloud.iam.actions`` writes it again
from the installed policyuniverse; a self-test checks the two agree. Action matching is case-insensitive with ``*``
and ``?`` (``shared/aws-facts.md``); names are kept in AWS's spelling for messages. Everything here is
computed once on first use and cached, never filled at import.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from stack.cloud.iam.arn import wildcard_matches

#: Actions AWS added after policyuniverse's data was frozen, with their access level.
EXTRA_ACTIONS: dict[str, str] = {
    "dynamodb:GetResourcePolicy": "Read",
    "dynamodb:PutResourcePolicy": "Permissions",
    "dynamodb:DeleteResourcePolicy": "Permissions",
    "sns:GetDataProtectionPolicy": "Read",
    "sns:PutDataProtectionPolicy": "Write",
    "lambda:GetRuntimeManagementConfig": "Read",
}

#: Actions that read data out of the system (Cloudsplaining's DataExfiltration, for our services).
DATA_READ_ACTIONS: frozenset[str] = frozenset(
    a.lower()
    for a in (
        "s3:GetObject", "s3:GetObjectVersion", "dynamodb:GetItem", "dynamodb:BatchGetItem",
        "dynamodb:Query", "dynamodb:Scan", "dynamodb:ExportTableToPointInTime",
        "dynamodb:GetRecords", "sqs:ReceiveMessage", "kms:Decrypt", "kms:ReEncryptFrom",
        "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "lambda:GetFunction",
    )
)

#: Write-level actions that nevertheless hand out permissions (Parliament's privilege escalation
#: list, for our services): ``iam:PassRole`` gives a service a role's power.
ESCALATION_ACTIONS: frozenset[str] = frozenset({"iam:passrole"})


#: policyuniverse's actions as we use them: service prefix -> action name -> access level.
SNAPSHOT = Path(__file__).with_name("actions.json")


def from_policyuniverse() -> dict[str, dict[str, str]]:
    """What :data:`SNAPSHOT` holds, read from the installed policyuniverse (~0.2 s)."""
    from policyuniverse import service_data

    services: dict[str, dict[str, str]] = {}
    for body in service_data.values():
        levels = services.setdefault(body["prefix"], {})
        for name, action in body["actions"].items():
            levels[name] = action.get("calculated_action_group", "Unknown")
    return {prefix: dict(sorted(levels.items())) for prefix, levels in sorted(services.items())}


@cache
def _catalogue() -> dict[str, tuple[str, str]]:
    """lower-cased ``service:action`` -> (AWS spelling, access level)."""
    known: dict[str, tuple[str, str]] = {}
    for prefix, levels in json.loads(SNAPSHOT.read_text(encoding="utf-8")).items():
        for name, level in levels.items():
            full = f"{prefix}:{name}"
            known[full.lower()] = (full, level)
    for full, level in EXTRA_ACTIONS.items():
        known[full.lower()] = (full, level)
    return known


@cache
def _by_service() -> dict[str, tuple[str, ...]]:
    services: dict[str, list[str]] = {}
    for key in _catalogue():
        services.setdefault(key.split(":", 1)[0], []).append(key)
    return {name: tuple(sorted(keys)) for name, keys in services.items()}


def is_known_service(prefix: str) -> bool:
    return prefix.lower() in _by_service()


def spelling(action: str) -> str:
    """AWS's spelling of a known action (``dynamodb:updateitem`` -> ``dynamodb:UpdateItem``)."""
    return _catalogue().get(action.lower(), (action, ""))[0]


def access_level(action: str) -> str:
    """``List``, ``Read``, ``Write``, ``Tagging``, ``Permissions`` or ``Unknown``."""
    return _catalogue().get(action.lower(), ("", "Unknown"))[1]


def suggest(action: str) -> str | None:
    """The closest known action, for a "did you mean" in an UNKNOWN_ACTION finding."""
    prefix = action.split(":", 1)[0].lower()
    pool = _by_service().get(prefix) or tuple(_catalogue())
    close = difflib.get_close_matches(action.lower(), pool, n=1, cutoff=0.6)
    return spelling(close[0]) if close else None


def service_actions(services: Iterable[str]) -> frozenset[str]:
    """Every known action (lower-cased) of the given service prefixes."""
    by_service = _by_service()
    return frozenset(a for s in services for a in by_service.get(s.lower(), ()))


@lru_cache(maxsize=4096)
def expand(pattern: str, universe: frozenset[str]) -> frozenset[str]:
    """The actions of ``universe`` (lower-cased) that an ``Action`` pattern matches."""
    if "*" not in pattern and "?" not in pattern:
        return frozenset({pattern.lower()}) & universe
    return frozenset(a for a in universe if wildcard_matches(pattern, a, case_sensitive=False))


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(from_policyuniverse(), indent=0, separators=(",", ":")) + "\n", encoding="utf-8")
