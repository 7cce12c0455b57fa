"""The one place where every AWS call made inside the offline cloud meets an access decision.

moto does not enforce resource policies, key policies or conditions (``shared/moto-gaps.md``), so the
runtime asks an :class:`Authorizer` about each call a handler (or the Lambda service acting for it)
makes, and about each delivery a service principal makes (SNS -> SQS, SNS -> KMS).

This module holds only the *vocabulary* shared by the runtime and the policy engine:

- :class:`Principal`: who is calling (an assumed-role session, a role, an account root, a service);
- :class:`AccessRequest`: caller, IAM action, resource ARN and request context (condition keys);
- :class:`AccessDecision`: the three-valued outcome with a labelled reason;
- :class:`PolicyStore`: where the deployed system's policies are looked up;
- :class:`Authorizer`: the hook. :data:`ALLOW_ALL` is the default until enforcement is switched on.

The mapping from a botocore operation to a request lives in :mod:`stack.cloud.requests`; the error
each service raises for a denial lives in :mod:`stack.cloud.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Decision = Literal["Allow", "ExplicitDeny", "ImplicitDeny"]
PrincipalKind = Literal["assumed-role", "role", "root", "user", "service", "anonymous"]


@dataclass(frozen=True)
class Principal:
    """Who makes a request.

    ``arn`` is what AWS shows as the caller (``aws:PrincipalArn`` is ``role_arn`` for a role session);
    ``role_arn`` is the IAM role ARN that identity policies are attached to and that resource policies
    name; for a service principal ``arn`` is the service name (``sns.amazonaws.com``) and
    ``account`` is ``None`` (a service acts in no customer account).
    """

    arn: str
    kind: PrincipalKind
    account: str | None
    role_arn: str | None = None

    @classmethod
    def assumed_role(cls, role_arn: str, session_name: str) -> Principal:
        """The session a Lambda function (or an ``sts:AssumeRole`` caller) runs as."""
        account = role_arn.split(":")[4]
        role_name = role_arn.rsplit("/", 1)[-1]
        return cls(
            arn=f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}",
            kind="assumed-role",
            account=account,
            role_arn=role_arn,
        )

    @classmethod
    def role(cls, role_arn: str) -> Principal:
        """A role itself (used where a policy decision is asked about the role, not a session)."""
        return cls(arn=role_arn, kind="role", account=role_arn.split(":")[4], role_arn=role_arn)

    @classmethod
    def root(cls, account: str) -> Principal:
        return cls(arn=f"arn:aws:iam::{account}:root", kind="root", account=account)

    @classmethod
    def service(cls, name: str) -> Principal:
        """An AWS service principal such as ``sns.amazonaws.com``."""
        return cls(arn=name, kind="service", account=None)

    @property
    def is_service(self) -> bool:
        return self.kind == "service"


@dataclass(frozen=True)
class AccessRequest:
    """One authorization question: may ``principal`` do ``action`` on ``resource``?

    ``action`` is the IAM action as AWS spells it (``sqs:ReceiveMessage``); ``resource`` an ARN or
    ``"*"`` for actions that take none (``sns:Publish`` to a phone number). ``context`` holds the
    global and service condition keys of the request (``aws:SourceArn``, ``aws:SecureTransport``,
    ``sts:ExternalId``, ``kms:ViaService``, ...); keys absent from it are absent from the request.
    """

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def service(self) -> str:
        return self.action.split(":", 1)[0].lower()

    @property
    def resource_account(self) -> str | None:
        """The account that owns the resource, from its ARN (``None`` for ``*`` or S3-style ARNs)."""
        parts = self.resource.split(":")
        return parts[4] or None if len(parts) > 4 else None


@dataclass(frozen=True)
class AccessDecision:
    """The outcome of evaluating one request.

    ``reason`` is the labelled exit of the evaluation (``"explicit deny by statement 'DenyAll' (#1)
    in identity policy ..."``, ``"implicit deny: no statement matched"``), for people.
    ``because`` is the clause AWS appends to its AccessDenied message, for the error text:
    ``"because no identity-based policy allows the sqs:ReceiveMessage action"`` or
    ``"with an explicit deny in a resource-based policy"``.
    ``policy`` / ``statement`` point at what decided it (origin of the policy, statement index and
    Sid), so a report can show the exact lines.
    """

    decision: Decision
    reason: str
    because: str = ""
    policy: str | None = None
    statement: int | None = None
    sid: str | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == "Allow"


@dataclass(frozen=True)
class SourcedPolicy:
    """A policy document with where it came from (a file path, or a template logical id)."""

    document: Mapping[str, Any]
    origin: str


class PolicyStore(Protocol):
    """Where an authorizer finds the policies of the deployed system (kept by :mod:`stack.deploy`)."""

    def identity_policies(self, role_arn: str) -> Sequence[SourcedPolicy]:
        """Inline and managed policies attached to a role (empty for an unknown role)."""

    def resource_policy(self, resource_arn: str) -> SourcedPolicy | None:
        """The queue or topic policy of a resource, if any (not for KMS keys)."""

    def key_policy(self, key_arn: str) -> SourcedPolicy | None:
        """The key policy of a KMS key (AWS managed keys included), by key ARN."""

    def trust_policy(self, role_arn: str) -> SourcedPolicy | None:
        """The assume-role (trust) policy of a role."""


@dataclass
class PolicyBook:
    """An in-memory :class:`PolicyStore`: the deployed system's policies, by ARN.

    moto stores but never enforces queue, topic and key policies, so these are the ones evaluated.
    """

    identities: dict[str, list[SourcedPolicy]] = field(default_factory=dict)
    resources: dict[str, SourcedPolicy] = field(default_factory=dict)
    keys: dict[str, SourcedPolicy] = field(default_factory=dict)
    trusts: dict[str, SourcedPolicy] = field(default_factory=dict)

    def identity_policies(self, role_arn: str) -> list[SourcedPolicy]:
        return self.identities.get(role_arn, [])

    def resource_policy(self, resource_arn: str) -> SourcedPolicy | None:
        return self.resources.get(resource_arn)

    def key_policy(self, key_arn: str) -> SourcedPolicy | None:
        return self.keys.get(key_arn)

    def trust_policy(self, role_arn: str) -> SourcedPolicy | None:
        return self.trusts.get(role_arn)


class Authorizer(Protocol):
    """The hook: decides one request. Must not raise for a well-formed request."""

    def authorize(self, request: AccessRequest) -> AccessDecision: ...


class AllowAll:
    """The authorizer used when enforcement is off: everything is allowed, and says so."""

    def authorize(self, request: AccessRequest) -> AccessDecision:
        return AccessDecision("Allow", "enforcement off: every request is allowed")


ALLOW_ALL: Authorizer = AllowAll()
