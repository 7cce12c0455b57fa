"""Policy evaluation: whether one request is allowed, and which statement decided it.

The rules are ``shared/aws-facts.md`` (IAM policy evaluation, KMS, cross-account); the whole order
lives in :func:`evaluate`, every exit labelled (PMapper's ``local_check_authorization_full``), and
each statement gives a three-valued :class:`Outcome` (moto's ``PermissionResult``). Permissions
boundaries are in (step 2 of :func:`evaluate`); policy variables in condition values are substituted
(:mod:`stack.cloud.iam.conditions`). Out of scope: SCPs, RCPs, session policies, grants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from stack.cloud.access import AccessDecision, AccessRequest, Decision, Principal
from stack.cloud.iam.arn import arn_matches, named_account, wildcard_matches
from stack.cloud.iam.conditions import evaluate_conditions, request_values, unmet_condition
from stack.cloud.iam.parse import Policy, Principals, Statement

ResourceSide = Literal["resource", "key", "trust"]

#: The words of the two implicit denies of a key or trust policy (the root of trust), for callers that
#: route a learner to the key or trust policy file (checks/session1/e2e.py): no statement of the policy
#: names the caller or its account for this action, or one does but its condition does not hold.
NOT_NAMED = "neither names the caller nor delegates to its account"
CONDITION_UNMET = "but its condition does not hold"


class Outcome(Enum):
    """What one statement says about a request."""

    ALLOW = "Allow"
    DENY = "Deny"
    NOT_APPLICABLE = "NotApplicable"


class PrincipalMatch(Enum):
    """How a Principal element names a caller: itself, or its account (which delegates to IAM)."""

    NONE = 0
    ACCOUNT = 1
    DIRECT = 2


@dataclass(frozen=True)
class PolicySet:
    """The policies in play for one request: the caller's identity policies, at most one
    resource-side policy (queue/topic policy, key policy or trust policy, per :func:`resource_side`)
    and the permissions boundary of the caller's role, if it has one (a role has at most one)."""

    identity: Sequence[Policy] = ()
    resource: Policy | None = None
    boundary: Policy | None = None


@dataclass(frozen=True)
class Hit:
    """What one statement says about the request, and how its Principal named the caller."""

    policy: Policy
    statement: Statement
    outcome: Outcome
    principal: PrincipalMatch
    fail_closed: bool  # a Deny applied because its condition could not be evaluated

    def __str__(self) -> str:
        sid = f"'{self.statement.sid}' " if self.statement.sid else ""
        return f"statement {sid}(#{self.statement.index}) in {self.policy.kind} policy {self.policy.origin}"


def resource_side(request: AccessRequest) -> ResourceSide | None:
    """Which resource-side policy governs a request.

    KMS actions on a key are judged by the key policy (the root of trust); ``sts:AssumeRole*`` on a
    role by its trust policy; anything else on an ARN by the resource's policy (queue, topic), if it
    has one. A request on ``"*"`` has none.
    """
    if request.resource == "*":
        return None
    if request.service == "kms" and ":kms:" in request.resource:
        return "key"
    if request.action.lower().startswith("sts:assumerole") and ":role/" in request.resource:
        return "trust"
    return "resource"


def request_context(request: AccessRequest) -> dict[str, tuple[str, ...]]:
    """The request's condition keys, lower-cased, plus the keys AWS derives from the caller.

    ``aws:PrincipalArn`` is the role ARN for a role session; ``kms:CallerAccount`` is the caller's
    account. Keys the caller supplied win.
    """
    principal = request.principal
    derived: dict[str, object] = {}
    if principal.is_service:
        derived["aws:PrincipalServiceName"] = principal.arn
    else:
        derived["aws:PrincipalArn"] = principal.role_arn or principal.arn
        derived["aws:PrincipalAccount"] = principal.account
        derived["aws:PrincipalType"] = "AssumedRole" if principal.kind == "assumed-role" else principal.kind.title()
        if request.service == "kms":
            derived["kms:CallerAccount"] = principal.account
    merged = {**derived, **request.context}
    return {key.lower(): values for key, value in merged.items() if (values := request_values(value)) is not None}


def matches_action(statement: Statement, action: str) -> bool:
    """Action/NotAction: case-insensitive wildcard match, inverted for NotAction."""
    matched = any(wildcard_matches(p, action, case_sensitive=False) for p in statement.actions)
    return matched != statement.not_action


def matches_resource(statement: Statement, resource: str) -> bool:
    """Resource/NotResource: case-sensitive ARN match; an absent element means the policy's own resource."""
    if statement.resources is None:
        return True
    matched = any(arn_matches(p, resource) for p in statement.resources)
    return matched != statement.not_resource


def match_principal(principals: Principals, principal: Principal) -> PrincipalMatch:
    """How ``principals`` names ``principal``.

    ``"*"`` names everyone (services too); a role ARN names the role and its sessions; a session or
    user ARN names exactly it; a service name names that service. An account id or
    ``arn:aws:iam::ACCOUNT:root`` names the *account* (aws-facts: it hands the decision to that
    account's IAM policies), except for the root user itself.
    """
    best = PrincipalMatch.NONE
    if principal.is_service:
        return PrincipalMatch.DIRECT if principal.arn in principals.service or "*" in principals.aws else best
    for value in principals.aws:
        if value == "*" or value in (principal.role_arn, principal.arn):
            return PrincipalMatch.DIRECT
        if named_account(value) == principal.account:
            if principal.kind == "root":
                return PrincipalMatch.DIRECT
            best = PrincipalMatch.ACCOUNT
    return best


def names_session(hit: Hit, principal: Principal) -> bool:
    """Whether ``hit``'s Principal element names the caller's role *session* ARN itself (not the
    role, the account or ``*``): the one grant a permissions boundary does not cap (step 2)."""
    principals = hit.statement.principals
    return (principal.kind == "assumed-role" and principals is not None and not hit.statement.not_principal
            and principal.arn in principals.aws)


def statement_hit(policy: Policy, statement: Statement, request: AccessRequest, context: Mapping[str, tuple[str, ...]]) -> Hit:
    """The statement's three-valued :class:`Outcome` for the request.

    A failed condition means NOT_APPLICABLE, never DENY. A condition that cannot be evaluated
    (unsupported operator or key) fails closed: an Allow is NOT_APPLICABLE, a Deny applies.
    """
    principal = PrincipalMatch.NONE
    if matches_action(statement, request.action) and matches_resource(statement, request.resource):
        principal = PrincipalMatch.DIRECT
        if statement.principals is not None:
            principal = match_principal(statement.principals, request.principal)
            if statement.not_principal:
                principal = PrincipalMatch.NONE if principal is not PrincipalMatch.NONE else PrincipalMatch.DIRECT
    holds = (evaluate_conditions(statement.conditions, context, variables=policy.substitutes_variables)
             if principal is not PrincipalMatch.NONE else False)
    if holds is False or (holds is None and statement.effect == "Allow"):
        return Hit(policy, statement, Outcome.NOT_APPLICABLE, principal, fail_closed=holds is None)
    outcome = Outcome.ALLOW if statement.effect == "Allow" else Outcome.DENY
    return Hit(policy, statement, outcome, principal, fail_closed=holds is None)


def _hits(policies: Sequence[Policy], request: AccessRequest, context: Mapping[str, tuple[str, ...]]) -> list[Hit]:
    """The statements that apply (allow or deny), in policy and statement order."""
    hits = (statement_hit(p, s, request, context) for p in policies for s in p.statements)
    return [h for h in hits if h.outcome is not Outcome.NOT_APPLICABLE]


def _unmet_grant(side: Policy | None, request: AccessRequest, context: Mapping[str, tuple[str, ...]]) -> str | None:
    """``statement 'Sid' (#1) in key policy ... names the caller, but its condition does not hold: ...``.

    An Allow statement of the key or trust policy that matches the action, the resource and the caller
    (itself first, else its account) and only fails on its Condition. A request refused for a missing
    encryption context or ExternalId is then not reported as "the policy does not name the caller":
    it does, and the condition is what to look at (AWS decides the same way: a statement whose
    condition does not match does not apply, IAM User Guide, "Condition element";
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
    """
    if side is None:
        return None
    near = [h for h in (statement_hit(side, s, request, context) for s in side.statements if s.effect == "Allow")
            if h.outcome is Outcome.NOT_APPLICABLE and h.principal is not PrincipalMatch.NONE]
    hit = next((h for h in near if h.principal is PrincipalMatch.DIRECT), None) or next(iter(near), None)
    if hit is None:
        return None
    unmet = unmet_condition(hit.statement.conditions, context, variables=hit.policy.substitutes_variables)
    via = "names the caller" if hit.principal is PrincipalMatch.DIRECT else "delegates to the caller's account"
    return f"{hit} {via}, {CONDITION_UNMET}" + (f": {unmet}" if unmet else "")


#: Where an explicit deny was, in the words AWS appends to AccessDenied, by policy kind.
_DENY_WHERE = {"identity": "an identity-based policy", "boundary": "a permissions boundary"}


def _decision(decision: Decision, reason: str, because: str, hit: Hit | None = None) -> AccessDecision:
    if hit is None:
        return AccessDecision(decision, reason, because)
    return AccessDecision(decision, reason, because, hit.policy.origin, hit.statement.index, hit.statement.sid)


def evaluate(request: AccessRequest, policies: PolicySet, *, resource_account: str | None = None) -> AccessDecision:
    """Decide ``request`` against ``policies`` (aws-facts, IAM policy evaluation and KMS).

    ``resource_account`` overrides the account read from the resource ARN (S3 ARNs carry none);
    when neither says, the resource is taken to be in the caller's account.

    Exits, in order:

    1. explicit deny: a Deny in any applicable policy (the permissions boundary included) wins;
    2. permissions boundary (IAM User Guide, "Permissions boundaries for IAM entities" and "Policy
       evaluation for requests within a single account"): when the caller's role has a boundary that
       does not allow the request, the effective permissions are identity policies AND boundary, so
       deny, unless a same-account resource-based policy names the role *session* ARN itself (a
       grant to the session is not capped; one to the role ARN, the account or ``*`` is);
    3. key/trust policy (root of trust): allow when it names the caller (same account), or names the
       caller or delegates to its account *and* an identity policy allows; else deny;
    4. service principal: allow only by a resource policy naming the service;
    5. same account: allow by an identity policy, or by a resource policy naming the caller;
    6. cross account: the resource policy must allow the caller or its account, *and* an identity
       policy in the caller's account must allow;
    7. otherwise implicit deny.
    """
    action, principal = request.action, request.principal
    context = request_context(request)
    no_identity = f"because no identity-based policy allows the {action} action"
    no_resource = f"because no resource-based policy allows the {action} action"
    identity_hits = [] if principal.is_service else _hits(policies.identity, request, context)
    side = policies.resource
    side_hits = _hits((side,), request, context) if side else []
    boundary = None if principal.is_service else policies.boundary
    boundary_hits = _hits((boundary,), request, context) if boundary else []

    deny = next((h for h in identity_hits + boundary_hits + side_hits if h.outcome is Outcome.DENY), None)
    if deny is not None:
        where = _DENY_WHERE.get(deny.policy.kind, "a resource-based policy")
        closed = " (fail closed: its condition could not be evaluated)" if deny.fail_closed else ""
        return _decision("ExplicitDeny", f"explicit deny by {deny}{closed}", f"with an explicit deny in {where}", deny)

    owner = resource_account or request.resource_account or principal.account
    cross_account = principal.account is not None and owner != principal.account
    if boundary is not None and not any(h.outcome is Outcome.ALLOW for h in boundary_hits):
        session_grant = next((h for h in side_hits if names_session(h, principal)), None)
        if session_grant is not None and not cross_account:
            return _decision("Allow", f"allowed by {session_grant}, which names the role session: the permissions "
                                      f"boundary {boundary.origin} does not cap a grant to the session", "", session_grant)
        return _decision("ImplicitDeny", f"implicit deny: the permissions boundary {boundary.origin} allows no {action} "
                                         "on this resource (it caps identity-based policies and resource-based policies "
                                         "that name the role)", f"because no permissions boundary allows the {action} action")

    identity_allow = next((h for h in identity_hits if h.outcome is Outcome.ALLOW), None)
    root_allows = principal.kind == "root"  # the root user holds every permission of its own account
    identity_allows = identity_allow is not None or root_allows
    identity_label = str(identity_allow) if identity_allow else "the account root's own permissions"
    direct = next((h for h in side_hits if h.principal is PrincipalMatch.DIRECT), None)
    delegated = direct or next((h for h in side_hits if h.principal is PrincipalMatch.ACCOUNT), None)
    side_kind = resource_side(request)

    if side_kind in ("key", "trust"):
        if direct is not None and not cross_account:
            return _decision("Allow", f"allowed by {direct}, which names the caller", "", direct)
        if delegated is not None and identity_allows:
            via = "names the caller" if delegated is direct else "delegates to the caller's account"
            deciding = delegated if cross_account else identity_allow or delegated
            return _decision("Allow", f"allowed: {delegated} {via}, and {identity_label} allows", "", deciding)
        if delegated is not None:
            return _decision("ImplicitDeny", f"implicit deny: {delegated} admits the caller's account but no identity-based policy allows {action}", no_identity)
        unmet = _unmet_grant(side, request, context)
        if unmet is not None:
            return _decision("ImplicitDeny", f"implicit deny: {unmet}", no_resource)
        return _decision("ImplicitDeny", f"implicit deny: the {side_kind} policy {NOT_NAMED}", no_resource)

    if principal.is_service:
        if direct is not None:
            return _decision("Allow", f"allowed by {direct}, which names the service", "", direct)
        return _decision("ImplicitDeny", f"implicit deny: no resource-based policy allows {principal.arn}", no_resource)

    if not cross_account:
        if identity_allows:
            return _decision("Allow", f"allowed by {identity_label}", "", identity_allow)
        if direct is not None:
            return _decision("Allow", f"allowed by {direct}, which names the caller", "", direct)
        return _decision("ImplicitDeny", "implicit deny: no identity-based policy allows it and no resource-based policy names the caller", no_identity)

    if delegated is None:
        return _decision("ImplicitDeny", f"implicit deny: cross-account request and no resource-based policy of account {owner} allows the caller", no_resource)
    if not identity_allows:
        return _decision("ImplicitDeny", f"implicit deny: cross-account request allowed by {delegated} but by no identity-based policy of account {principal.account}", no_identity)
    return _decision("Allow", f"allowed across accounts by {delegated} and {identity_label}", "", delegated)
