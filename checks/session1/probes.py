"""Small helpers shared by session 1's checks: callers, stand-in policies, and evaluation one-liners.

Checks judge behaviour: they ask the policy engine (:func:`stack.cloud.iam.evaluate.evaluate`) what AWS
would decide for concrete requests, so any rewriting of a policy that decides the same way scores
the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from checks.session1 import system as s
from stack.cloud.access import AccessDecision, AccessRequest, Principal
from stack.cloud.iam.evaluate import PolicySet, evaluate
from stack.cloud.iam.parse import Policy, load_policy

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
