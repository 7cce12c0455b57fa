"""E3, advanced security, graded with the policy engine (:func:`stack.cloud.iam.evaluate.evaluate`):
an encryption context on the payment-token key, a permissions boundary for the functions' roles, and
attribute-based access (tags) for the payment vendor's role.

Each check asks what AWS would decide for concrete requests, so any policy that decides the same way
(statements split or merged, other Sids, Allow-list or Deny-list style, policy variables or not where
both work) scores the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from checks.check import CheckCode, Evidence, Result, check
from checks.context import CheckContext
from checks.lab import LabFileError
from stack.cloud.access import AccessDecision, AccessRequest, Principal
from stack.cloud.iam.evaluate import Outcome, PolicySet, evaluate, request_context, statement_hit
from stack.cloud.iam.parse import Policy, PolicyKind, load_policy

EXERCISE = "e3-security"
ACCOUNT, REGION, VENDOR_ACCOUNT = "111111111111", "us-east-1", "222222222222"
KEY_POLICY, BOUNDARY, ABAC = "security/key-policy.json", "security/permissions-boundary.json", "security/vendor-abac.json"
TOKEN_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
#: checks/session1/needed.yaml: the calls each function makes, from a reference pipeline run (data, read here).
NEEDED_FILE = Path(__file__).resolve().parents[1] / "session1" / "needed.yaml"
FUNCTIONS = ("TicketPurchaseHandler", "SeatInventoryUpdater", "PaymentProcessor", "FanNotifier", "FanClubAwardProcessor")


def role(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def session(role_name: str, account: str = ACCOUNT) -> Principal:
    return Principal.assumed_role(role(role_name, account), role_name)


def table(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


@cache
def _allow_all() -> Policy:
    return load_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                       "<an identity policy that allows everything>", "identity")


def _policy(ctx: CheckContext, relpath: str, kind: PolicyKind) -> Policy:
    document = ctx.data(relpath)
    if not isinstance(document, Mapping):
        raise LabFileError(relpath, "a policy must be a JSON object")
    return load_policy(document, relpath, kind)


def _decide(principal: Principal, action: str, resource: str, context: Mapping[str, Any], policies: PolicySet) -> AccessDecision:
    return evaluate(AccessRequest(principal, action, resource, dict(context)), policies)


def _probe_rows(probes: Sequence[tuple[str, Principal, str, str, Mapping[str, Any], PolicySet, bool]]) -> Result:
    """Each probe: (what, principal, action, resource, context, policies, allowed?). Partial credit."""
    wrong = []
    for what, principal, action, resource, context, policies, allowed in probes:
        decision = _decide(principal, action, resource, context, policies)
        if decision.allowed != allowed:
            verdict = "allowed" if decision.allowed else "denied"
            wrong.append(f"{what}: {verdict}, should be {'allowed' if allowed else 'denied'} ({decision.reason})")
    if not wrong:
        return Result.ok()
    return Result.parts(len(probes) - len(wrong), len(probes), f"{len(wrong)} of {len(probes)} requests decided wrongly; first: {wrong[0]}",
                        [Evidence.text("requests decided wrongly", "\n".join(wrong))])


# -- E3a: encryption context on the payment-token key ---------------------------------------------------
PURPOSE = "payment-token"


def _kms_context(**pairs: str) -> dict[str, Any]:
    context: dict[str, Any] = {f"kms:EncryptionContext:{k}": v for k, v in pairs.items()}
    if pairs:
        context["kms:EncryptionContextKeys"] = sorted(pairs)
    return context


def _kms_policies(ctx: CheckContext, identity: Policy) -> PolicySet:
    return PolicySet((identity,), _policy(ctx, KEY_POLICY, "key"))


def _pp_kms(ctx: CheckContext) -> PolicySet:
    """PaymentProcessor's role: its IAM allows the token key's crypto calls (what the key policy must still fence)."""
    identity = load_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                                                                    "Resource": TOKEN_KEY}]}, "<PaymentProcessorRole's IAM policy>", "identity")
    return _kms_policies(ctx, identity)


@check("EXT.kms.context-required", exercise=EXERCISE, points=3)
def context_required(ctx: CheckContext) -> Result:
    pp, policies = session("PaymentProcessorRole"), _pp_kms(ctx)
    good = _kms_context(orderId="ORD987654321", purpose=PURPOSE)
    probes = [(f"PaymentProcessor {action} with context orderId + purpose={PURPOSE}", pp, action, TOKEN_KEY, good, policies, True)
              for action in ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")]
    probes += [
        ("PaymentProcessor kms:Decrypt with no encryption context", pp, "kms:Decrypt", TOKEN_KEY, {}, policies, False),
        ("PaymentProcessor kms:Encrypt with no encryption context", pp, "kms:Encrypt", TOKEN_KEY, {}, policies, False),
        ("PaymentProcessor kms:Decrypt with purpose=marketing", pp, "kms:Decrypt", TOKEN_KEY,
         _kms_context(orderId="ORD987654321", purpose="marketing"), policies, False),
        ("PaymentProcessor kms:Decrypt with purpose but no orderId", pp, "kms:Decrypt", TOKEN_KEY, _kms_context(purpose=PURPOSE), policies, False),
        ("PaymentProcessor kms:GenerateDataKey with orderId but no purpose", pp, "kms:GenerateDataKey", TOKEN_KEY,
         _kms_context(orderId="ORD987654321"), policies, False),
    ]
    return _probe_rows(probes)


def _self_grant(grantee: str, **constraint: str) -> dict[str, Any]:
    """The context of a CreateGrant a role makes directly (not an AWS service acting for it) for ``grantee``.

    KMS grants (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html): a grant lets its
    grantee use the key in cryptographic operations, and it never shows in the key policy. Whoever may
    call kms:CreateGrant on the key may therefore give any principal Decrypt. ``kms:GrantIsForAWSResource``
    is true only when an AWS service integrated with KMS calls CreateGrant on the principal's behalf
    (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource),
    the constraint the default key policy puts on the grants of key users. ``constraint``: the grant's
    encryption context constraint, which a CreateGrant request presents as ``kms:EncryptionContext:KEY``
    (in a CreateGrant request the kms:EncryptionContext keys are those of the grant's constraint:
    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context).
    """
    return {"kms:GrantIsForAWSResource": False, "kms:GranteePrincipal": grantee, "kms:GrantOperations": ["Decrypt"],
            **_kms_context(**constraint)}


@check("EXT.kms.only-payment-processor", exercise=EXERCISE, points=2)
def only_payment_processor(ctx: CheckContext) -> Result:
    policies = _kms_policies(ctx, _allow_all())
    good = _kms_context(orderId="ORD987654321", purpose=PURPOSE)
    probes = [(f"{name} (its IAM allows kms:*) kms:Decrypt with the right context", session(f"{name}Role"), "kms:Decrypt", TOKEN_KEY, good, policies, False)
              for name in ("FanNotifier", "TicketPurchaseHandler", "FanClubAwardProcessor")]
    probes.append(("the vendor's account (its IAM allows kms:*) kms:Decrypt with the right context", session("VendorApp", VENDOR_ACCOUNT),
                   "kms:Decrypt", TOKEN_KEY, good, policies, False))
    # ReEncryptFrom decrypts under this key (to re-encrypt under another one the caller controls).
    probes.append(("FanNotifier (its IAM allows kms:*) kms:ReEncryptFrom with the right context", session("FanNotifierRole"),
                   "kms:ReEncryptFrom", TOKEN_KEY, good, policies, False))
    grant_only = load_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": TOKEN_KEY}]},
                             "<FanNotifierRole's IAM policy, which allows kms:CreateGrant>", "identity")
    probes.append(("FanNotifier (its IAM allows kms:CreateGrant) kms:CreateGrant giving itself Decrypt, called directly (not by an AWS service)",
                   session("FanNotifierRole"), "kms:CreateGrant", TOKEN_KEY, _self_grant(role("FanNotifierRole")),
                   _kms_policies(ctx, grant_only), False))
    # PaymentProcessorRole may use the key, but not hand it on: a grant it creates for another role gives that
    # role Decrypt without the key policy ever naming it (grants.html above). A grant for an AWS service
    # (kms:GrantIsForAWSResource) or for PaymentProcessorRole itself is not probed: either may stay allowed.
    for label, constraint in (("", {}), (" constrained to the payment-token context", {"orderId": "ORD987654321", "purpose": PURPOSE})):
        probes.append((f"PaymentProcessor (its IAM allows kms:*) kms:CreateGrant giving FanNotifierRole Decrypt{label}, called directly",
                       session("PaymentProcessorRole"), "kms:CreateGrant", TOKEN_KEY, _self_grant(role("FanNotifierRole"), **constraint),
                       policies, False))
    return _probe_rows(probes)


@check("EXT.kms.key-stays-manageable", exercise=EXERCISE, points=1)
def key_stays_manageable(ctx: CheckContext) -> Result:
    admin = load_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:PutKeyPolicy", "kms:DescribeKey",
                                                                                                 "kms:EnableKeyRotation"], "Resource": TOKEN_KEY}]},
                        "<KeyAdminRole's IAM policy>", "identity")
    policies = _kms_policies(ctx, admin)
    probes = [(f"KeyAdminRole (its IAM allows it) {action}", session("KeyAdminRole"), action, TOKEN_KEY, {}, policies, True)
              for action in ("kms:PutKeyPolicy", "kms:DescribeKey", "kms:EnableKeyRotation")]
    return _probe_rows(probes)


# -- E3b: a permissions boundary for the functions' roles --------------------------------------------------
ESCALATIONS: tuple[tuple[str, str], ...] = (
    ("iam:CreateRole", role("Backdoor")),
    ("iam:PutRolePolicy", role("PaymentProcessorRole")),
    ("iam:AttachRolePolicy", role("PaymentProcessorRole")),
    ("iam:DeleteRolePermissionsBoundary", role("PaymentProcessorRole")),
    ("iam:PutRolePermissionsBoundary", role("PaymentProcessorRole")),
    ("iam:PassRole", role("AdminRole")),
    ("lambda:UpdateFunctionCode", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:PaymentProcessor"),
    ("kms:ScheduleKeyDeletion", TOKEN_KEY),
    ("kms:PutKeyPolicy", TOKEN_KEY),
    ("dynamodb:DeleteTable", table("Orders")),
    ("sqs:DeleteQueue", f"arn:aws:sqs:{REGION}:{ACCOUNT}:PaymentProcessingQueue"),
    ("sqs:SetQueueAttributes", f"arn:aws:sqs:{REGION}:{ACCOUNT}:PaymentProcessingQueue"),
    ("sns:SetTopicAttributes", f"arn:aws:sns:{REGION}:{ACCOUNT}:TourTicketingTopic"),
    ("sts:AssumeRole", role("OrganizationAccountAccessRole", "333333333333")),
    # The vendor's role name in an account that is not the vendor's (222222222222): anyone can create a
    # role with that name in their own account and trust our account in it.
    ("sts:AssumeRole", role("PaymentGatewayInvokeRole", "333333333333")),
    ("s3:GetObject", "arn:aws:s3:::exfiltration-bucket/cards.csv"),
    ("ec2:RunInstances", f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/*"),
)


@cache
def _delegating() -> Policy:
    """A resource-side stand-in (key, trust or resource policy) that hands the decision to the caller's
    account's IAM: what is then allowed is exactly identity policy AND boundary."""
    return load_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "*", "Resource": "*"}]},
                       "<the target's own key, trust or resource policy (the grader assumes it trusts account 111111111111)>", "resource")


def _boundary_policies(ctx: CheckContext) -> PolicySet:
    return PolicySet((_allow_all(),), _delegating(), _policy(ctx, BOUNDARY, "boundary"))


def _boundary_allows(boundary: Policy, request: AccessRequest) -> str:
    """Which statement of the learner's boundary allowed ``request``: the one thing to change."""
    context = request_context(request)
    for statement in boundary.statements:
        hit = statement_hit(boundary, statement, request, context)
        if hit.outcome is Outcome.ALLOW:
            return f"{hit}, and no Deny of the boundary refuses it"
    return f"the boundary {boundary.origin}"


@check("EXT.boundary.caps-escalation", exercise=EXERCISE, points=3)
def caps_escalation(ctx: CheckContext) -> Result:
    policies = _boundary_policies(ctx)
    boundary = policies.boundary
    assert boundary is not None
    wrong, total = [], 0
    for fn in ("PaymentProcessor", "FanNotifier"):
        for action, resource in ESCALATIONS:
            total += 1
            request = AccessRequest(session(f"{fn}Role"), action, resource, {})
            if evaluate(request, policies).allowed:
                wrong.append(f"{fn}Role (someone attached an allow-everything policy to it) may {action} on {resource}: "
                             f"allowed by {_boundary_allows(boundary, request)}; the boundary should cap it")
    if not wrong:
        return Result.ok()
    return Result.parts(total - len(wrong), total, f"{len(wrong)} of {total} escalations allowed; first: {wrong[0]}",
                        [Evidence.text("escalations the boundary allows", "\n".join(wrong))])


@cache
def _needed() -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    data = yaml.safe_load(NEEDED_FILE.read_text(encoding="utf-8"))["functions"]
    return {fn: [(c["action"], c["resource"], c.get("context") or {}) for c in calls] for fn, calls in data.items()}


#: Calls of the extension's own code: PaymentProcessor's payment-token key, with its encryption context.
EXTENSION_NEEDS = {"PaymentProcessor": [(action, TOKEN_KEY, _kms_context(orderId="ORD987654321", purpose=PURPOSE))
                                        for action in ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")]}


@check("EXT.boundary.keeps-needed", exercise=EXERCISE, points=3)
def keeps_needed(ctx: CheckContext) -> Result:
    policies = _boundary_policies(ctx)
    probes = [(f"{fn} {action} on {resource}", session(f"{fn}Role"), action, resource, context, policies, True)
              for fn in FUNCTIONS for action, resource, context in _needed()[fn] + EXTENSION_NEEDS.get(fn, [])]
    return _probe_rows(probes)


# -- E3c: attribute-based access for the vendor's role -------------------------------------------------------
VENDOR_ROLE = "PaymentVendorAccessRole"
#: Orders tables per concert and their payment-vendor tag (None: untagged).
TABLE_TAGS = {"Orders-NYC": "acme", "Orders-TYO": "acme", "Orders-BAH": "globex", "Orders-BER": None}


def _vendor(tag: str | None) -> tuple[Principal, dict[str, Any]]:
    return session(VENDOR_ROLE), ({"aws:PrincipalTag/payment-vendor": tag} if tag else {})


def _on(name: str, **more: Any) -> dict[str, Any]:
    tag = TABLE_TAGS[name]
    return ({"aws:ResourceTag/payment-vendor": tag} if tag else {}) | more


def _abac(ctx: CheckContext) -> PolicySet:
    return PolicySet((_policy(ctx, ABAC, "identity"),))


def _table_probes(ctx: CheckContext, tag: str | None) -> list[tuple[str, Principal, str, str, Mapping[str, Any], PolicySet, bool]]:
    principal, tags = _vendor(tag)
    who = f"the vendor role tagged payment-vendor={tag}" if tag else "the vendor role without a payment-vendor tag"
    policies = _abac(ctx)
    return [(f"{who}: {action} on {name} ({'tagged ' + str(TABLE_TAGS[name]) if TABLE_TAGS[name] else 'untagged'})", principal, action,
             table(name), tags | _on(name), policies, tag is not None and TABLE_TAGS[name] == tag)
            for name in TABLE_TAGS for action in ("dynamodb:GetItem", "dynamodb:UpdateItem")]


@check("EXT.abac.own-tables", exercise=EXERCISE, points=3)
def own_tables(ctx: CheckContext) -> Result:
    principal, tags = _vendor("acme")
    extra = [(f"the acme vendor role: {action} on Orders-NYC", principal, action, table("Orders-NYC"), tags | _on("Orders-NYC"), _abac(ctx), False)
             for action in ("dynamodb:DeleteItem", "dynamodb:DeleteTable", "dynamodb:Scan")]
    return _probe_rows(_table_probes(ctx, "acme") + _table_probes(ctx, None)[:2] + extra)


def _tagging(tags: Mapping[str, str]) -> dict[str, Any]:
    return {"aws:TagKeys": sorted(tags), **{f"aws:RequestTag/{k}": v for k, v in tags.items()}}


@check("EXT.abac.tag-control", exercise=EXERCISE, points=2)
def tag_control(ctx: CheckContext) -> Result:
    principal, tags = _vendor("acme")
    policies = _abac(ctx)
    cases = [
        ("tags its Orders-NYC settlement-status=settled", "dynamodb:TagResource", "Orders-NYC", _tagging({"settlement-status": "settled"}), True),
        ("tags its Orders-TYO settlement-status=pending", "dynamodb:TagResource", "Orders-TYO", _tagging({"settlement-status": "pending"}), True),
        ("tags Orders-NYC settlement-status=refunded (not a settlement status)", "dynamodb:TagResource", "Orders-NYC",
         _tagging({"settlement-status": "refunded"}), False),
        ("tags Orders-NYC settlement-status=settled and payment-vendor=acme at once", "dynamodb:TagResource", "Orders-NYC",
         _tagging({"settlement-status": "settled", "payment-vendor": "acme"}), False),
        ("claims the untagged Orders-BER with payment-vendor=acme", "dynamodb:TagResource", "Orders-BER", _tagging({"payment-vendor": "acme"}), False),
        ("tags globex's Orders-BAH settlement-status=settled", "dynamodb:TagResource", "Orders-BAH", _tagging({"settlement-status": "settled"}), False),
        ("removes the payment-vendor tag of Orders-NYC", "dynamodb:UntagResource", "Orders-NYC", {"aws:TagKeys": ["payment-vendor"]}, False),
    ]
    probes = [(f"the acme vendor role {what}", principal, action, table(name), tags | _on(name) | context, policies, allowed)
              for what, action, name, context, allowed in cases]
    return _probe_rows(probes)


@check("EXT.abac.second-vendor", exercise=EXERCISE, points=1)
def second_vendor(ctx: CheckContext) -> Result:
    return _probe_rows(_table_probes(ctx, "globex"))


CHECKS: list[CheckCode] = [context_required, only_payment_processor, key_stays_manageable, caps_escalation, keeps_needed,
                           own_tables, tag_control, second_vendor]
