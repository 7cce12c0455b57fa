"""ARNs: parsing, validation, and matching an ARN against a policy's ARN pattern.

Rule (``shared/aws-facts.md``, IAM policy evaluation): ARN matching is case-sensitive; ``*`` and ``?``
work within an ARN segment (between colons); ``*`` matches across ``/``; a ``*`` that ends the pattern
can match beyond the following colons. The resource segment (everything after the fifth colon, e.g.
``log-group:/aws/lambda/NAME:*``) is one segment in which ``*`` matches anything, colons included.
Action names and ``StringLike`` values use plain wildcard matching (:func:`wildcard_matches`).

Patterns are compiled once and cached (PMapper's ``_compose_pattern``), with every other character
escaped so that ``.``, ``+`` or ``$`` in a name are literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stack.cloud.access import Principal

_ACCOUNT = re.compile(r"\d{12}")
_ROOT = re.compile(r"arn:[a-z-]+:iam::(\d{12}):root")


@dataclass(frozen=True)
class Arn:
    """The components of an ARN after ``arn:`` (``resource`` keeps its own colons)."""

    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(text: str) -> Arn:
    """Split ``arn:partition:service:region:account:resource``; raise ``ValueError`` if malformed."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2] or not parts[5]:
        raise ValueError(f"malformed ARN {text!r}: expected arn:partition:service:region:account:resource")
    account = parts[4]
    if account and not _ACCOUNT.fullmatch(account) and account not in {"aws", "*"} and "*" not in account:
        raise ValueError(f"malformed ARN {text!r}: account {account!r} is not 12 digits")
    return Arn(*parts[1:])


def check_pattern(pattern: str) -> None:
    """Raise ``ValueError`` unless ``pattern`` is ``"*"``, an ARN, or an ARN prefix ending in ``*``
    (a trailing ``*`` may stand for the remaining segments)."""
    if pattern == "*" or (pattern.startswith("arn:") and pattern.endswith("*") and pattern.count(":") < 5):
        return
    parse_arn(pattern)


def is_account_id(text: str) -> bool:
    return bool(_ACCOUNT.fullmatch(text))


def named_account(principal: str) -> str | None:
    """The account a policy principal names as a whole: a bare id or ``arn:aws:iam::ID:root``."""
    if is_account_id(principal):
        return principal
    match = _ROOT.fullmatch(principal)
    return match.group(1) if match else None


def _glob(pattern: str, star: str, single: str) -> str:
    """Regex source for ``pattern`` with ``*``/``?`` mapped and everything else escaped."""
    return "".join(star if c == "*" else single if c == "?" else re.escape(c) for c in pattern)


@lru_cache(maxsize=4096)
def _compile_arn(pattern: str) -> re.Pattern[str]:
    parts = pattern.split(":", 5)
    if len(parts) == 6:  # the resource segment keeps its colons: * matches anything there
        head = _glob(":".join(parts[:5]), "[^:]*", "[^:]")
        return re.compile(head + ":" + _glob(parts[5], ".*", "."), re.DOTALL)
    if pattern.endswith("*"):  # a * ending a short pattern runs on past the following colons
        return re.compile(_glob(pattern[:-1], "[^:]*", "[^:]") + ".*", re.DOTALL)
    return re.compile(_glob(pattern, "[^:]*", "[^:]"), re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    """Whether ``arn`` matches the policy ARN ``pattern`` (``"*"`` matches every resource)."""
    if pattern == "*":
        return True
    return _compile_arn(pattern).fullmatch(arn) is not None


@lru_cache(maxsize=8192)
def _compile_wildcard(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    flags = re.DOTALL | (0 if case_sensitive else re.IGNORECASE)
    return re.compile(_glob(pattern, ".*", "."), flags)


def wildcard_matches(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    """``*``/``?`` matching over the whole string: actions (case-insensitive), ``StringLike`` (sensitive)."""
    return _compile_wildcard(pattern, case_sensitive).fullmatch(value) is not None


def principal_from_arn(text: str) -> Principal:
    """The :class:`Principal` an ARN (or a bare account id) names.

    An assumed-role session ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`` belongs to the role
    ``arn:aws:iam::ACCOUNT:role/ROLE`` (its identity policies are the role's). A bare account id or
    ``...:root`` is the account root.
    """
    if is_account_id(text):
        return Principal.root(text)
    arn = parse_arn(text)
    resource = arn.resource
    if arn.service == "sts" and resource.startswith("assumed-role/"):
        segments = resource.split("/")
        if len(segments) < 3:
            raise ValueError(f"malformed session ARN {text!r}: expected assumed-role/ROLE/SESSION")
        role_arn = f"arn:{arn.partition}:iam::{arn.account}:role/{segments[1]}"
        return Principal(arn=text, kind="assumed-role", account=arn.account, role_arn=role_arn)
    if arn.service == "iam" and resource == "root":
        return Principal.root(arn.account)
    if arn.service == "iam" and resource.startswith("role/"):
        return Principal.role(text)
    if arn.service == "iam" and resource.startswith("user/"):
        return Principal(arn=text, kind="user", account=arn.account)
    raise ValueError(f"{text!r} is not a principal ARN (role, assumed-role session, user or root)")
