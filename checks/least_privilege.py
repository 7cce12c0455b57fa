"""Least privilege by behaviour: what a role may do versus what its function needs (issue 5).

The AWS rules (matching, expansion, evaluation) live in :mod:`stack.cloud.iam`; this module only
compares and classifies:

- :func:`analyse_role`: MISSING_PERMISSION for each needed call the identity policies do not
  certainly allow, and the excess (allowed, not needed, not an accepted extra) classified like
  Parliament / Cloudsplaining: PERMISSIONS_MANAGEMENT, CROSS_ACCOUNT, RESOURCE_STAR (write on a
  resource outside the system), OTHER_FUNCTION_RESOURCE, DATA_EXFILTRATION, else EXCESS_ACTION; plus
  SERVICE_WILDCARD where every action of a service is allowed on one resource;
- :func:`analyse_resource_policy`: probes a queue, topic, key or trust policy with foreign callers
  (a service acting for another account's resource, a stranger account, each trusted third party
  without ``sts:ExternalId``).

Findings are keyed by meaning (id + what), so a policy rewritten in another form gives the same ones;
their locations point at the statements responsible.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from stack.cloud.access import AccessRequest, Principal
from stack.cloud.iam import actions
from stack.cloud.iam.arn import named_account, parse_arn
from stack.cloud.iam.evaluate import PolicySet, evaluate, matches_resource
from stack.cloud.iam.findings import Finding, Location
from stack.cloud.iam.parse import Policy, load_policy
from stack.cloud.iam.reach import FOREIGN_ACCOUNT, Universe, covered, reach

Call = tuple[str, str]  # (action, resource ARN)
WRITE_LEVELS = frozenset({"Write", "Tagging"})
#: How many actions a finding names before summarising.
NAMED_ACTIONS = 6


def analyse_role(
    policies: Sequence[Policy], needed: Iterable[Call], universe: Universe, accepted: Iterable[Call] = ()
) -> list[Finding]:
    """Findings for one role: missing needed calls first, then classified excess.

    ``accepted`` actions may be wildcards (``kms:GenerateDataKey*``); resources are exact.
    Every resource of ``needed`` and ``accepted`` must be in ``universe`` (``ValueError`` otherwise).
    """
    result = reach(policies, universe)
    need = {(a.lower(), r) for a, r in needed}
    allowed_extra = {(a, r) for pattern, r in accepted for a in actions.expand(pattern, universe.actions)}
    own = {r for _, r in need | allowed_extra}
    if outside := own - set(universe.resources):
        raise ValueError(f"resources outside the universe: {sorted(outside)}")
    findings = [
        Finding("MISSING_PERMISSION", f"{actions.spelling(a)} on {r} is denied", _deny_locations(policies, a, r, universe))
        for a, r in sorted(need)
        if a not in result.certain[r]
    ]
    for resource in universe.resources:
        excess = {a for a in result.possible[resource] if (a, resource) not in need | allowed_extra}
        groups: dict[str, set[str]] = {}
        for action in excess:
            groups.setdefault(_risk(action, resource, universe, own), set()).add(action)
        for finding_id, group in sorted(groups.items()):
            findings.append(_excess(finding_id, group, resource, policies, universe))
        findings.extend(_service_wildcards(result.possible[resource], resource, policies, universe))
    return findings


def _risk(action: str, resource: str, universe: Universe, own: set[str]) -> str:
    """The risk class of one excess (action, resource) pair, most severe first."""
    level = actions.access_level(action)
    if level == "Permissions" or action in actions.ESCALATION_ACTIONS:
        return "PERMISSIONS_MANAGEMENT"
    if universe.is_foreign(resource):
        return "CROSS_ACCOUNT"
    if level in WRITE_LEVELS and resource not in universe.system:
        return "RESOURCE_STAR"
    if resource in universe.system and resource not in own:
        return "OTHER_FUNCTION_RESOURCE"
    if action in actions.DATA_READ_ACTIONS:
        return "DATA_EXFILTRATION"
    return "EXCESS_ACTION"


def _describe(group: Iterable[str]) -> str:
    """Actions in AWS spelling, whole services as ``service:*``, long lists summarised."""
    group = set(group)
    names = []
    for service in sorted({a.split(":", 1)[0] for a in group}):
        of_service = actions.service_actions((service,))
        if of_service <= group:
            names.append(f"{service}:*")
            group -= of_service
    names += sorted(actions.spelling(a) for a in group)
    shown = ", ".join(names[:NAMED_ACTIONS])
    return shown + (f" and {len(names) - NAMED_ACTIONS} more" if len(names) > NAMED_ACTIONS else "")


def _grant_locations(policies: Sequence[Policy], group: set[str], resource: str, universe: Universe) -> tuple[Location, ...]:
    return tuple(
        s.location(p.origin)
        for p in policies
        for s in p.statements
        if s.effect == "Allow" and matches_resource(s, resource) and covered(s, universe) & group
    )


def _deny_locations(policies: Sequence[Policy], action: str, resource: str, universe: Universe) -> tuple[Location, ...]:
    return tuple(
        s.location(p.origin)
        for p in policies
        for s in p.statements
        if s.effect == "Deny" and matches_resource(s, resource) and action in covered(s, universe)
    )


def _excess(finding_id: str, group: set[str], resource: str, policies: Sequence[Policy], universe: Universe) -> Finding:
    what = _describe(group)
    return Finding(finding_id, f"{what} on {resource}", _grant_locations(policies, group, resource, universe))


def _service_wildcards(allowed: frozenset[str], resource: str, policies: Sequence[Policy], universe: Universe) -> list[Finding]:
    """SERVICE_WILDCARD where every action of a service is allowed on ``resource``."""
    findings = []
    for service in universe.services:
        of_service = actions.service_actions((service,)) & universe.candidates[resource]
        if of_service and of_service <= allowed:
            findings.append(
                Finding("SERVICE_WILDCARD", f"{service}:* on {resource}", _grant_locations(policies, set(of_service), resource, universe))
            )
    return findings


@cache
def _strangers_own_iam() -> Policy:
    """A foreign caller controls its own IAM: assume it allows everything."""
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    return load_policy(document, "<the foreign caller's own IAM policy>", "identity")


def analyse_resource_policy(policy: Policy, resource: str, account: str) -> list[Finding]:
    """Probe a queue, topic, key or trust policy (``policy.kind``) with callers outside ``account``.

    - each service principal it names, acting for a resource of :data:`FOREIGN_ACCOUNT`
      (``aws:SourceArn`` / ``aws:SourceAccount`` of that account): allowed means CONFUSED_DEPUTY;
    - a stranger in :data:`FOREIGN_ACCOUNT` with no condition keys: allowed means RESOURCE_EXPOSURE;
    - for a trust policy, each third-party principal it names, without ``sts:ExternalId``: allowed
      means MISSING_EXTERNAL_ID.
    """
    arn = parse_arn(resource)
    probe_actions = ("sts:AssumeRole",) if policy.kind == "trust" else tuple(
        actions.spelling(a) for a in sorted(actions.service_actions((arn.service,)))
    )
    findings = []
    for service in sorted({s for st in policy.statements if st.principals for s in st.principals.service}):
        source = f"arn:aws:{service.split('.', 1)[0]}:{arn.region or 'us-east-1'}:{FOREIGN_ACCOUNT}:unrelated"
        context = {"aws:SourceArn": source, "aws:SourceAccount": FOREIGN_ACCOUNT}
        findings += _probe("CONFUSED_DEPUTY", Principal.service(service), context, policy, resource, account, probe_actions)
    stranger = Principal.assumed_role(f"arn:aws:iam::{FOREIGN_ACCOUNT}:role/Stranger", "probe")
    findings += _probe("RESOURCE_EXPOSURE", stranger, {}, policy, resource, account, probe_actions)
    if policy.kind == "trust":
        for third_party in _third_parties(policy, account):
            findings += _probe("MISSING_EXTERNAL_ID", third_party, {}, policy, resource, account, probe_actions)
    return findings


def _third_parties(policy: Policy, account: str) -> list[Principal]:
    """A caller for each AWS principal of another account that a trust policy names."""
    callers = []
    for value in sorted({v for s in policy.statements if s.principals for v in s.principals.aws if v != "*"}):
        foreign = named_account(value)
        if foreign is not None and foreign != account:
            callers.append(Principal.assumed_role(f"arn:aws:iam::{foreign}:role/ThirdParty", "probe"))
        elif foreign is None and parse_arn(value).account != account and ":role/" in value:
            callers.append(Principal.assumed_role(value, "probe"))
    return callers


def _probe(
    finding_id: str, caller: Principal, context: dict[str, str], policy: Policy, resource: str, account: str, probe_actions: tuple[str, ...]
) -> list[Finding]:
    identity = () if caller.is_service else (_strangers_own_iam(),)
    decisions = [
        (action, evaluate(AccessRequest(caller, action, resource, context), PolicySet(identity, policy), resource_account=account))
        for action in probe_actions
    ]
    allowed = [(a, d) for a, d in decisions if d.allowed]
    if not allowed:
        return []
    deciding = {d.statement for _, d in allowed if d.policy == policy.origin}
    locations = tuple(s.location(policy.origin) for s in policy.statements if s.index in deciding)
    who = caller.arn if caller.is_service else f"a caller in account {caller.account}"
    what = _describe(a.lower() for a, _ in allowed)
    return [Finding(finding_id, f"{who} may {what} on {resource}", locations)]
