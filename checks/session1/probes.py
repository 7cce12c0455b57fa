"""Small helpers shared by session 1's checks: callers, stand-in policies, and evaluation one-liners.

Checks judge behaviour: they ask the policy engine (:func:`stack.cloud.iam.evaluate.evaluate`) what AWS
would decide for concrete requests, so any rewriting of a policy that decides the same way scores
the same.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from checks.session1 import system as s
from stack.cloud.access import AccessDecision, AccessRequest, Principal
from stack.cloud.iam.evaluate import PolicySet, evaluate
from stack.cloud.iam.parse import Policy, load_policy

#: Holds, besides the check words, ``[denied]``: one pointer per kind of denied call.
CATALOGUE = Path(__file__).with_name("catalogue.toml")
#: Functions that put encrypted messages on the topic (their KMS needs differ from a consumer's).
PRODUCERS = frozenset({"TicketPurchaseHandler"})


def session(function: str) -> Principal:
    """The session a function's code runs as."""
    return Principal.assumed_role(s.role_arn(function), function)


def role_session(role_arn: str, name: str = "probe") -> Principal:
    return Principal.assumed_role(role_arn, name)


@cache
def allow_all() -> Policy:
    """A caller whose own IAM allows everything (another team's admin role, a stranger's account)."""
    return load_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                       "<the caller's own IAM policy: allows everything>", "identity")


def decide(principal: Principal, action: str, resource: str, context: Mapping[str, Any] | None = None, *,
           identity: Sequence[Policy] = (), resource_policy: Policy | None = None) -> AccessDecision:
    request = AccessRequest(principal, action, resource, dict(context or {}))
    return evaluate(request, PolicySet(tuple(identity), resource_policy))


def where(decision: AccessDecision) -> str:
    """``file statement #2 'Sid'`` for a decision that a statement made, else its reason."""
    if decision.policy is None:
        return decision.reason
    sid = f" '{decision.sid}'" if decision.sid else ""
    return f"{decision.policy} statement #{decision.statement}{sid}"


def describe(action: str, resource: str, context: Mapping[str, Any] | None = None, always: Sequence[str] = ()) -> str:
    """``dynamodb:UpdateItem on ARN with dynamodb:Attributes [a, b], dynamodb:ReturnValues NONE``: a
    request as the learner must picture it: its condition keys, and ``no KEY`` for each key of
    ``always`` the request does not carry."""
    context = context or {}
    parts = [f"no {key}" for key in always if context.get(key) is None]
    for key, value in context.items():
        if isinstance(value, (list, tuple, set, frozenset)):
            parts.append(f"{key} [{', '.join(str(v) for v in value)}]")
        elif value is not None:
            parts.append(f"{key} {value}")
    return f"{action} on {resource}" + (f" with {', '.join(parts)}" if parts else "")


@cache
def _pointers() -> Mapping[str, str]:
    with CATALOGUE.open("rb") as handle:
        return tomllib.load(handle).get("denied", {})


def kind(function: str | None, action: str) -> str:
    """The kind of a denied call, as ``[denied]`` in catalogue.toml names it (``kms`` splits by role)."""
    service = action.split(":", 1)[0].lower()
    if service == "kms":
        return "kms-producer" if function in PRODUCERS else "kms-consumer"
    return service


def pointer(function: str | None, action: str) -> str | None:
    """One line that says what to think about for a denied call of this kind (None if there is none)."""
    return _pointers().get(kind(function, action))
