"""Permissions boundaries, tag condition keys and policy variables: each case's id names the AWS rule it
pins (IAM User Guide: "Permissions boundaries for IAM entities", "Policy evaluation for requests
within a single account", "Controlling access using tags", "IAM policy elements: Variables and tags")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stack.cloud.access import AccessRequest, Principal
from stack.cloud.iam.evaluate import PolicySet, evaluate
from stack.cloud.iam.explain import explain_file
from stack.cloud.iam.parse import PolicyKind, load_policy
from tests.policy_documents import doc

ACCOUNT, VENDOR = "111111111111", "222222222222"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/PaymentProcessorRole"
SESSION = Principal.assumed_role(ROLE, "PaymentProcessor")
VENDOR_SESSION = Principal.assumed_role(f"arn:aws:iam::{VENDOR}:role/VendorApp", "app")
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:PaymentProcessingQueue"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders-NYC"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/33333333-3333-3333-3333-333333333333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(action: str, resource: str, identity: list[dict[str, Any]], boundary: dict[str, Any] | None = None,
           side: dict[str, Any] | None = None, kind: PolicyKind = "resource", context: dict[str, Any] | None = None,
           principal: Principal = SESSION):
    policies = PolicySet(
        [load_policy(d, f"identity{i}.json", "identity") for i, d in enumerate(identity)],
        load_policy(side, f"{kind}.json", kind) if side else None,
        load_policy(boundary, "boundary.json", "boundary") if boundary else None,
    )
    return evaluate(AccessRequest(principal, action, resource, context or {}), policies)


ADMIN = doc(allow())
SQS_ONLY = doc(allow(["sqs:ReceiveMessage", "sqs:DeleteMessage"], QUEUE))

BOUNDARY_CASES = [
    pytest.param("sqs:ReceiveMessage", QUEUE, [ADMIN], SQS_ONLY, None, "resource", "Allow",
                 id="boundary: identity AND boundary allow -> allow"),
    pytest.param("iam:CreateRole", "*", [ADMIN], SQS_ONLY, None, "resource", "ImplicitDeny",
                 id="boundary: identity allows, boundary silent -> implicit deny (boundary caps identity policies)"),
    pytest.param("sqs:ReceiveMessage", QUEUE, [], SQS_ONLY, None, "resource", "ImplicitDeny",
                 id="boundary: a boundary grants nothing on its own"),
    pytest.param("sqs:ReceiveMessage", QUEUE, [ADMIN], doc(allow(), deny("sqs:ReceiveMessage", QUEUE)), None, "resource", "ExplicitDeny",
                 id="boundary: an explicit deny in the boundary wins"),
    pytest.param("sqs:ReceiveMessage", QUEUE, [ADMIN], None, None, "resource", "Allow",
                 id="boundary: a role without a boundary keeps its identity permissions"),
    pytest.param("sqs:SendMessage", QUEUE, [], SQS_ONLY, doc(allow("sqs:SendMessage", QUEUE, Principal={"AWS": SESSION.arn})), "resource", "Allow",
                 id="boundary: same-account resource policy naming the role session ARN is not capped"),
    pytest.param("sqs:SendMessage", QUEUE, [], SQS_ONLY, doc(allow("sqs:SendMessage", QUEUE, Principal={"AWS": ROLE})), "resource", "ImplicitDeny",
                 id="boundary: same-account resource policy naming the role ARN is capped"),
    pytest.param("sqs:SendMessage", QUEUE, [], SQS_ONLY, doc(allow("sqs:SendMessage", QUEUE, Principal="*")), "resource", "ImplicitDeny",
                 id="boundary: resource policy with Principal * is capped"),
    pytest.param("sqs:SendMessage", QUEUE, [], doc(allow("sqs:*", QUEUE)), doc(allow("sqs:SendMessage", QUEUE, Principal={"AWS": ROLE})), "resource", "Allow",
                 id="boundary: resource policy naming the role ARN grants when the boundary allows"),
    pytest.param("kms:Decrypt", KEY, [ADMIN], SQS_ONLY, doc(allow("kms:*", "*", Principal={"AWS": ROOT})), "key", "ImplicitDeny",
                 id="boundary: key policy delegating to the account is capped like any identity allow"),
    pytest.param("kms:Decrypt", KEY, [ADMIN], doc(allow("kms:Decrypt", KEY)), doc(allow("kms:*", "*", Principal={"AWS": ROOT})), "key", "Allow",
                 id="boundary: key policy delegation plus identity plus boundary allow"),
    pytest.param("kms:Decrypt", KEY, [ADMIN], doc(allow("kms:Decrypt", KEY)), doc(allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/Other"})), "key", "ImplicitDeny",
                 id="boundary: the key policy is still the root of trust"),
]


@pytest.mark.parametrize(("action", "resource", "identity", "boundary", "side", "kind", "expected"), BOUNDARY_CASES)
def test_permissions_boundary(action, resource, identity, boundary, side, kind, expected) -> None:
    assert decide(action, resource, identity, boundary, side, kind).decision == expected


def test_boundary_implicit_deny_uses_aws_wording() -> None:
    """AWS's AccessDenied clause for a boundary: "because no permissions boundary allows the X action"."""
    decision = decide("iam:CreateRole", "*", [ADMIN], SQS_ONLY)
    assert decision.because == "because no permissions boundary allows the iam:CreateRole action"
    assert "boundary.json" in decision.reason


def test_boundary_explicit_deny_uses_aws_wording() -> None:
    decision = decide("sqs:ReceiveMessage", QUEUE, [ADMIN], doc(allow(), deny("sqs:*", "*", Sid="NoSqs")))
    assert decision.because == "with an explicit deny in a permissions boundary"
    assert (decision.policy, decision.sid) == ("boundary.json", "NoSqs")


def test_cross_account_session_grant_still_needs_the_callers_boundary() -> None:
    """Cross account, the caller's identity side must allow (identity AND boundary), whatever the resource policy names."""
    side = doc(allow("sqs:SendMessage", QUEUE, Principal={"AWS": VENDOR_SESSION.arn}))
    decision = decide("sqs:SendMessage", QUEUE, [ADMIN], doc(allow("dynamodb:*")), side, principal=VENDOR_SESSION)
    assert decision.decision == "ImplicitDeny"


def tag_context(principal: str | None = "acme", resource: str | None = "acme", **more: Any) -> dict[str, Any]:
    context: dict[str, Any] = dict(more)
    if principal is not None:
        context["aws:PrincipalTag/payment-vendor"] = principal
    if resource is not None:
        context["aws:ResourceTag/payment-vendor"] = resource
    return context


MATCH_VARIABLE = doc(allow("dynamodb:UpdateItem", TABLE, Condition={"StringEquals": {"aws:ResourceTag/payment-vendor": "${aws:PrincipalTag/payment-vendor}"}}))
TAG_CONTROL = doc(allow("dynamodb:TagResource", TABLE, Condition={
    "ForAllValues:StringEquals": {"aws:TagKeys": ["settlement-status"]},
    "StringEquals": {"aws:RequestTag/settlement-status": ["pending", "settled"]},
}))

TAG_CASES = [
    pytest.param(MATCH_VARIABLE, "dynamodb:UpdateItem", tag_context(), "Allow", id="ABAC: ResourceTag equals the PrincipalTag variable"),
    pytest.param(MATCH_VARIABLE, "dynamodb:UpdateItem", tag_context(resource="globex"), "ImplicitDeny", id="ABAC: another vendor's tag does not match"),
    pytest.param(MATCH_VARIABLE, "dynamodb:UpdateItem", tag_context(resource=None), "ImplicitDeny", id="ABAC: an untagged resource fails the condition (absent key)"),
    pytest.param(MATCH_VARIABLE, "dynamodb:UpdateItem", tag_context(principal=None), "ImplicitDeny", id="policy variable: an absent key matches nothing"),
    pytest.param(doc(allow("dynamodb:UpdateItem", TABLE, Condition={"StringEquals": {"aws:ResourceTag/payment-vendor": "${aws:PrincipalTag/payment-vendor}"}}), version="2008-10-17"),
                 "dynamodb:UpdateItem", tag_context(), "ImplicitDeny", id="policy variable: literal text under Version 2008-10-17"),
    pytest.param(doc(allow("dynamodb:UpdateItem", TABLE, Condition={"StringEquals": {"aws:ResourceTag/payment-vendor": "${aws:PrincipalTag/payment-vendor, 'acme'}"}})),
                 "dynamodb:UpdateItem", tag_context(principal=None), "Allow", id="policy variable: default value when the key is absent"),
    pytest.param(doc(allow("dynamodb:UpdateItem", TABLE, Condition={"StringLike": {"aws:ResourceTag/payment-vendor": "${aws:PrincipalTag/payment-vendor}${*}"}})),
                 "dynamodb:UpdateItem", tag_context(resource="acme-eu"), "Allow", id="policy variable: ${*} is a literal * (a wildcard for StringLike)"),
    pytest.param(TAG_CONTROL, "dynamodb:TagResource", {"aws:TagKeys": ["settlement-status"], "aws:RequestTag/settlement-status": "settled"}, "Allow",
                 id="tag control: only allowed tag keys and values"),
    pytest.param(TAG_CONTROL, "dynamodb:TagResource", {"aws:TagKeys": ["settlement-status", "payment-vendor"], "aws:RequestTag/settlement-status": "settled",
                                                       "aws:RequestTag/payment-vendor": "acme"}, "ImplicitDeny",
                 id="tag control: ForAllValues refuses a request that also sets another key"),
    pytest.param(TAG_CONTROL, "dynamodb:TagResource", {"aws:TagKeys": ["settlement-status"], "aws:RequestTag/settlement-status": "refunded"}, "ImplicitDeny",
                 id="tag control: RequestTag value outside the list"),
    pytest.param(doc(allow("dynamodb:TagResource", TABLE, Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["settlement-status"]}})),
                 "dynamodb:TagResource", {"aws:TagKeys": ["settlement-status", "payment-vendor"]}, "Allow",
                 id="tag control: ForAnyValue lets any other key ride along (the classic mistake)"),
    pytest.param(doc(allow("dynamodb:TagResource", TABLE), deny("dynamodb:TagResource", TABLE, Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["payment-vendor"]}})),
                 "dynamodb:TagResource", {"aws:TagKeys": ["payment-vendor"]}, "ExplicitDeny", id="tag control: deny on ForAnyValue of a protected key"),
]


@pytest.mark.parametrize(("policy", "action", "context", "expected"), TAG_CASES)
def test_tag_keys_and_policy_variables(policy, action, context, expected) -> None:
    assert decide(action, TABLE, [policy], context=context).decision == expected


def test_policy_variable_with_several_values_matches_nothing() -> None:
    """A multivalued key cannot fill a variable: the value matches nothing (and the Allow does not apply)."""
    context = tag_context() | {"aws:PrincipalTag/payment-vendor": ["acme", "globex"]}
    assert decide("dynamodb:UpdateItem", TABLE, [MATCH_VARIABLE], context=context).decision == "ImplicitDeny"


def test_explain_access_takes_a_permissions_boundary(tmp_path) -> None:
    """explain-access: the request file's "permissions_boundary" caps the identity policies."""
    request = {"request": {"principal": SESSION.arn, "action": "iam:CreateRole", "resource": "*"},
               "identity_policies": [ADMIN], "permissions_boundary": SQS_ONLY}
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    assert explain_file(path).decision.because == "because no permissions boundary allows the iam:CreateRole action"
    request.pop("permissions_boundary")
    path.write_text(json.dumps(request), encoding="utf-8")
    assert explain_file(path).decision.allowed
