"""The guard in front of real AWS: who and where, what it creates and costs, an allow-list, a yes.

Nothing here runs unless the command line says ``--real-aws``. Then, before anything is created:
``sts:GetCallerIdentity`` names the account; an allow-list (``TOURLAB_ALLOWED_ACCOUNTS``, comma
separated, or the file ``--allow-list`` / ``TOURLAB_ALLOWED_ACCOUNTS_FILE`` / ``~/.config/tourlab/
allowed-accounts``, one id per line, ``#`` comments) refuses any other account when one is
configured; the plan (resources, a rough monthly cost, what teardown leaves behind) is printed, and
the user must type ``yes`` (or pass ``--yes``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALLOW_ENV = "TOURLAB_ALLOWED_ACCOUNTS"
ALLOW_FILE_ENV = "TOURLAB_ALLOWED_ACCOUNTS_FILE"
DEFAULT_ALLOW_FILE = Path("~/.config/tourlab/allowed-accounts")

#: Rough monthly USD of one idle resource in us-east-1 (list prices, 2024). Usage is extra and small
#: for a workshop: requests are billed per million (SNS, SQS, Lambda, DynamoDB on demand, KMS $0.03
#: per 10,000 calls), logs per GB ingested.
IDLE_MONTHLY_USD: Mapping[str, float] = {
    "AWS::KMS::Key": 1.00,  # per customer managed key, prorated hourly
    "AWS::CloudWatch::Alarm": 0.10,  # per standard-resolution metric alarm
    "AWS::CloudWatch::Dashboard": 3.00,  # beyond the free three
}
WORKSHOP_USAGE_USD = 1.00  # a few thousand purchases through every service, logs included


class RefusedError(RuntimeError):
    """The guard said no (wrong account, no confirmation)."""


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str


def identity(sts: Any) -> Identity:
    found = sts.get_caller_identity()
    return Identity(found["Account"], found["Arn"])


def allowed_accounts(path: Path | None = None, env: Mapping[str, str] = os.environ) -> frozenset[str] | None:
    """The configured allow-list, or None when none is configured (any account may be used)."""
    if env.get(ALLOW_ENV):
        return frozenset(a.strip() for a in env[ALLOW_ENV].split(",") if a.strip())
    candidates = [path] if path else [Path(env[ALLOW_FILE_ENV])] if env.get(ALLOW_FILE_ENV) else [DEFAULT_ALLOW_FILE.expanduser()]
    for candidate in candidates:
        if candidate.is_file():
            lines = (line.split("#", 1)[0].strip() for line in candidate.read_text(encoding="utf-8").splitlines())
            return frozenset(line for line in lines if line)
        if path is not None:
            raise RefusedError(f"allow-list {path} does not exist")
    return None


def check_account(account: str, allowed: frozenset[str] | None) -> None:
    if allowed is not None and account not in allowed:
        raise RefusedError(f"account {account} is not in the allow-list ({', '.join(sorted(allowed)) or 'empty'}); nothing was created")


@dataclass(frozen=True)
class Plan:
    counts: Mapping[str, int]
    names: Mapping[str, list[str]]
    retained: tuple[str, ...]
    monthly_usd: float

    def lines(self) -> list[str]:
        out = ["resources to create:"]
        for kind, count in sorted(self.counts.items()):
            out.append(f"  {count:>2} x {kind:<34} {', '.join(self.names[kind])}")
        out.append(f"rough monthly cost while deployed: about ${self.monthly_usd:.2f} "
                   f"(idle resources plus ~${WORKSHOP_USAGE_USD:.2f} of workshop traffic; heavy load costs more)")
        if self.retained:
            out.append("kept after teardown (DeletionPolicy: Retain; delete by hand): " + ", ".join(self.retained))
        return out


def plan(template: Mapping[str, Any], extra: Mapping[str, list[str]] | None = None) -> Plan:
    """What deploying ``template`` creates (plus ``extra`` resources such as the artifact bucket)."""
    counts: Counter[str] = Counter()
    names: dict[str, list[str]] = {}
    retained = []
    for logical_id, resource in template.get("Resources", {}).items():
        kind = resource["Type"]
        counts[kind] += 1
        names.setdefault(kind, []).append(logical_id)
        if resource.get("DeletionPolicy") == "Retain":
            retained.append(logical_id)
    for kind, items in (extra or {}).items():
        counts[kind] += len(items)
        names.setdefault(kind, []).extend(items)
    monthly = sum(IDLE_MONTHLY_USD.get(kind, 0.0) * n for kind, n in counts.items()) + WORKSHOP_USAGE_USD
    return Plan(dict(counts), names, tuple(retained), monthly)


def confirm(question: str, assume_yes: bool, ask: Callable[[str], str] = input) -> None:
    """Go on only on an explicit ``yes`` (or ``--yes``); anything else, or no terminal, refuses."""
    if assume_yes:
        return
    try:
        answer = ask(f"{question} Type 'yes' to continue: ")
    except EOFError:
        answer = ""
    if answer.strip().lower() != "yes":
        raise RefusedError("not confirmed; nothing was created or deleted")
