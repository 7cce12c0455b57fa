"""What identity policies allow over a finite universe of actions and resources, computed by sets.

Least privilege is judged by behaviour, not by wording (issue 5): the allowed (action, resource)
pairs are computed per resource as set algebra over statements, with each statement's action set
expanded once from policyuniverse and cached, so any rewriting that allows the same pairs gives the
same result. Action matching and Resource/NotResource are the evaluator's
(:func:`~stack.cloud.iam.evaluate.matches_resource`).

Conditions cannot be known ahead of a call, so two sets are kept: :attr:`Reach.possible` counts an
Allow whose condition might hold and subtracts only unconditional Denies (what the role might do:
used for excess); :attr:`Reach.certain` counts only unconditional Allows and subtracts every Deny
(what it can rely on: used for missing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from stack.cloud.iam import actions
from stack.cloud.iam.arn import parse_arn
from stack.cloud.iam.evaluate import matches_resource
from stack.cloud.iam.parse import Policy, Statement

#: Accounts no system resource lives in: the foreign sentinels' owner.
FOREIGN_ACCOUNT = "999999999999"
#: Resource ARN service -> action prefixes that act on it (sts:AssumeRole acts on IAM roles).
ACTION_PREFIXES: Mapping[str, tuple[str, ...]] = {"iam": ("iam", "sts")}
#: One resource per service that the system does not own, per account (``{a}``) and region (``{r}``).
SENTINELS: Mapping[str, str] = {
    "sqs": "arn:aws:sqs:{r}:{a}:UnrelatedQueue",
    "sns": "arn:aws:sns:{r}:{a}:UnrelatedTopic",
    "kms": "arn:aws:kms:{r}:{a}:key/00000000-0000-0000-0000-000000000000",
    "dynamodb": "arn:aws:dynamodb:{r}:{a}:table/UnrelatedTable",
    "logs": "arn:aws:logs:{r}:{a}:log-group:/aws/lambda/UnrelatedFunction:*",
    "lambda": "arn:aws:lambda:{r}:{a}:function:UnrelatedFunction",
    "iam": "arn:aws:iam::{a}:role/UnrelatedRole",
    "ses": "arn:aws:ses:{r}:{a}:identity/unrelated.example.com",
    "s3": "arn:aws:s3:::unrelated-bucket/*",
    "cloudwatch": "arn:aws:cloudwatch:{r}:{a}:alarm:UnrelatedAlarm",
}
DEFAULT_SERVICES = ("sqs", "sns", "kms", "dynamodb", "logs", "lambda", "sts", "ses", "iam", "s3", "cloudwatch")


@dataclass(frozen=True)
class Universe:
    """The actions and resources a role is judged over: the system's ARNs plus foreign sentinels
    (same account and :data:`FOREIGN_ACCOUNT`) and ``"*"`` (actions that take no resource)."""

    account: str
    region: str
    system: tuple[str, ...]
    services: tuple[str, ...] = DEFAULT_SERVICES

    @cached_property
    def actions(self) -> frozenset[str]:
        return actions.service_actions(self.services)

    @cached_property
    def sentinels(self) -> tuple[str, ...]:
        """One unrelated resource per service (here and in :data:`FOREIGN_ACCOUNT`), plus each system
        ARN's twin in :data:`FOREIGN_ACCOUNT` (catches ``arn:aws:sqs:*:*:SeatInventoryQueue``)."""
        unrelated = (
            template.format(r=self.region, a=account)
            for service, template in SENTINELS.items()
            if service in self.services
            for account in ((self.account,) if service == "s3" else (self.account, FOREIGN_ACCOUNT))
        )
        twins = (_in_account(arn, FOREIGN_ACCOUNT) for arn in self.system if parse_arn(arn).account)
        return (*unrelated, *twins)

    @cached_property
    def resources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.system, *self.sentinels, "*")))

    @cached_property
    def candidates(self) -> Mapping[str, frozenset[str]]:
        """resource -> the universe actions that act on it (all of them for ``"*"``)."""
        by_resource = {}
        for resource in self.resources:
            if resource == "*":
                by_resource[resource] = self.actions
                continue
            service = parse_arn(resource).service
            by_resource[resource] = actions.service_actions(ACTION_PREFIXES.get(service, (service,))) & self.actions
        return by_resource

    def is_foreign(self, resource: str) -> bool:
        return resource != "*" and resource not in self.system and parse_arn(resource).account not in ("", self.account)


def _in_account(arn: str, account: str) -> str:
    parts = arn.split(":", 5)
    parts[4] = account
    return ":".join(parts)


@lru_cache(maxsize=4096)
def statement_actions(patterns: tuple[str, ...], not_action: bool, universe: frozenset[str]) -> frozenset[str]:
    """The universe actions a statement's Action (or NotAction) covers."""
    matched = frozenset().union(*(actions.expand(p, universe) for p in patterns))
    return universe - matched if not_action else matched


def covered(statement: Statement, universe: Universe) -> frozenset[str]:
    return statement_actions(statement.actions, statement.not_action, universe.actions)


@dataclass(frozen=True)
class Reach:
    """resource -> allowed actions (lower-cased), possibly and certainly."""

    possible: Mapping[str, frozenset[str]]
    certain: Mapping[str, frozenset[str]]


def reach(policies: Sequence[Policy], universe: Universe) -> Reach:
    """What the identity ``policies`` allow on each resource of ``universe`` (see module docstring)."""
    statements = [s for p in policies for s in p.statements]
    possible: dict[str, frozenset[str]] = {}
    certain: dict[str, frozenset[str]] = {}
    for resource in universe.resources:
        applying = [s for s in statements if matches_resource(s, resource)]

        def union(effect: str, conditional: bool) -> frozenset[str]:
            return frozenset().union(*(covered(s, universe) for s in applying if s.effect == effect and bool(s.conditions) == conditional))

        allow, maybe_allow, deny, maybe_deny = union("Allow", False), union("Allow", True), union("Deny", False), union("Deny", True)
        candidates = universe.candidates[resource]
        possible[resource] = ((allow | maybe_allow) - deny) & candidates
        certain[resource] = (allow - deny - maybe_deny) & candidates
    return Reach(possible, certain)
