"""Exercise 1c: the payment vendor's way in (trust + permissions of PaymentVendorAccessRole) and
PaymentProcessor's way out (sts:AssumeRole on the vendor's gateway role), judged by evaluation."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from checks.check import Result, check
from checks.context import CheckContext
from checks.session1 import loader, probes
from checks.session1 import system as s
from stack.cloud.iam.parse import Policy, load_policy

VENDOR_FILE = Path(__file__).resolve().parents[2] / "stack" / "vendor" / "account.json"
ORDERS = s.table_arn("Orders")
GATEWAY_EXTERNAL_ID = "world-tour-ticketing-111111111111"


@cache
def vendor_callback_policies() -> tuple[Policy, ...]:
    """The vendor's own IAM for its callback role (their account, not the learner's to edit)."""
    vendor = json.loads(VENDOR_FILE.read_text(encoding="utf-8"))
    docs = vendor["roles"]["PaymentVendorCallbackRole"]["policies"]
    return tuple(load_policy(d, "stack/vendor/account.json#PaymentVendorCallbackRole", "identity") for d in docs)


def _assume(ctx: CheckContext, principal, identity, external_id: str | None):
    trust = loader.policy(ctx, s.VENDOR_TRUST_FILE, "trust")
    context = {"aws:PrincipalArn": principal.role_arn, "aws:SecureTransport": True}
    if external_id is not None:
        context["sts:ExternalId"] = external_id
    return probes.decide(principal, "sts:AssumeRole", s.VENDOR_ACCESS_ROLE_ARN, context, identity=identity, resource_policy=trust)


def _vendor():
    return probes.role_session(s.VENDOR_CALLBACK_ROLE_ARN, "payment-callback")


@check("S1.xacct.vendor-can-assume", exercise="1c", points=4)
def vendor_can_assume(ctx: CheckContext) -> Result:
    decision = _assume(ctx, _vendor(), vendor_callback_policies(), s.VENDOR_CALLBACK_EXTERNAL_ID)
    if decision.allowed:
        return Result.ok()
    return Result.fail(f"{s.VENDOR_TRUST_FILE}: the vendor's PaymentVendorCallbackRole, presenting ExternalId "
                       f"{s.VENDOR_CALLBACK_EXTERNAL_ID}, cannot assume {s.VENDOR_ACCESS_ROLE} ({decision.reason})")


#: ExternalIds the vendor's role must be refused with: (label, values). The look-alikes share a prefix
#: or a suffix with the agreed id, so a ``StringLike`` pattern such as ``payment-vendor-*`` lets them in.
WRONG_EXTERNAL_IDS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    ("without an ExternalId", (None,)),
    ("with a wrong ExternalId ('guessed-id')", ("guessed-id",)),
    ("with another ExternalId that only looks like the agreed one", (f"{s.VENDOR_CALLBACK_EXTERNAL_ID}-other-customer",
                                                                   "payment-vendor-callback-0000aa", f"x-{s.VENDOR_CALLBACK_EXTERNAL_ID}")),
)


@check("S1.xacct.external-id", exercise="1c", points=4)
def external_id(ctx: CheckContext) -> Result:
    problems = []
    for label, values in WRONG_EXTERNAL_IDS:
        for value in values:
            decision = _assume(ctx, _vendor(), vendor_callback_policies(), value)
            if decision.allowed:
                shown = "" if value is None or value == "guessed-id" else f" such as {value!r}"
                problems.append(f"the vendor's role can assume {s.VENDOR_ACCESS_ROLE} {label}{shown} (allowed by {probes.where(decision)})")
                break
    if not problems:
        return Result.ok()
    total = len(WRONG_EXTERNAL_IDS)
    return Result.parts(total - len(problems), total, f"{s.VENDOR_TRUST_FILE}: " + "; ".join(problems))


@check("S1.xacct.only-vendor", exercise="1c", points=3)
def only_vendor(ctx: CheckContext) -> Result:
    callers = {
        f"another role of the vendor's account ({s.VENDOR_ACCOUNT})": probes.role_session(f"arn:aws:iam::{s.VENDOR_ACCOUNT}:role/VendorInternsRole"),
        f"a role in an unrelated account ({s.FOREIGN_ACCOUNT})": probes.role_session(f"arn:aws:iam::{s.FOREIGN_ACCOUNT}:role/Stranger"),
    }
    problems = []
    for label, principal in callers.items():
        decision = _assume(ctx, principal, [probes.allow_all()], s.VENDOR_CALLBACK_EXTERNAL_ID)
        if decision.allowed:
            problems.append(f"{label} can assume {s.VENDOR_ACCESS_ROLE} (allowed by {probes.where(decision)})")
    if not problems:
        return Result.ok()
    return Result.parts(2 - len(problems), 2, f"{s.VENDOR_TRUST_FILE}: " + "; ".join(problems))


#: (what, action, resource, request context, should be allowed)
VENDOR_CALLS = (
    ("record a payment result (paymentStatus, gatewayTransactionId)", "dynamodb:UpdateItem", ORDERS,
     {"dynamodb:Attributes": ["gatewayTransactionId", "orderId", "paymentStatus"], "dynamodb:ReturnValues": "NONE"}, True),
    ("read a whole order, fan contact details included", "dynamodb:GetItem", ORDERS,
     {"dynamodb:Attributes": ["orderId"], "dynamodb:Select": "ALL_ATTRIBUTES"}, False),
    ("read an order's fanContact", "dynamodb:GetItem", ORDERS,
     {"dynamodb:Attributes": ["fanContact", "orderId"], "dynamodb:Select": "SPECIFIC_ATTRIBUTES"}, False),
    ("read with a request that names no attributes at all (ForAllValues holds when the key is absent)", "dynamodb:GetItem", ORDERS,
     {}, False),
    ("change an order's totalAmount", "dynamodb:UpdateItem", ORDERS, {"dynamodb:Attributes": ["orderId", "totalAmount"]}, False),
    ("read the old item back from an update (ReturnValues ALL_OLD)", "dynamodb:UpdateItem", ORDERS,
     {"dynamodb:Attributes": ["orderId", "paymentStatus"], "dynamodb:ReturnValues": "ALL_OLD"}, False),
    ("scan every order", "dynamodb:Scan", ORDERS, {}, False),
    ("delete an order", "dynamodb:DeleteItem", ORDERS, {"dynamodb:Attributes": ["orderId"]}, False),
    ("read fan club members", "dynamodb:GetItem", s.table_arn("FanClubMembers"), {"dynamodb:Attributes": ["fanClubId"]}, False),
)


@check("S1.xacct.payment-status-only", exercise="1c", points=4)
def payment_status_only(ctx: CheckContext) -> Result:
    policy = loader.policy(ctx, s.VENDOR_PERMISSIONS_FILE, "identity")
    vendor_session = probes.role_session(s.VENDOR_ACCESS_ROLE_ARN, "payment-vendor")
    problems = []
    for what, action, resource, context, expected in VENDOR_CALLS:
        full = {"aws:PrincipalArn": s.VENDOR_ACCESS_ROLE_ARN, "aws:SecureTransport": True, **context}
        decision = probes.decide(vendor_session, action, resource, full, identity=[policy])
        if decision.allowed != expected:
            request = probes.describe(action, resource, context, always=("dynamodb:Attributes",) if action != "dynamodb:Scan" else ())
            outcome = ("is denied (" + (probes.where(decision) if decision.decision == "ExplicitDeny" else "no statement allows it") + ")"
                       if expected else f"is allowed by {probes.where(decision)}")
            problems.append(f"the vendor {'cannot' if expected else 'can'} {what}: {request} {outcome}")
    if not problems:
        return Result.ok()
    total = len(VENDOR_CALLS)
    return Result.parts(total - len(problems), total, f"{s.VENDOR_PERMISSIONS_FILE}: " + "; ".join(problems))


@cache
def gateway_trust() -> Policy:
    """The vendor's trust policy on its gateway role (names PaymentProcessorRole, requires our ExternalId)."""
    vendor = json.loads(VENDOR_FILE.read_text(encoding="utf-8"))
    return load_policy(vendor["roles"]["PaymentGatewayInvokeRole"]["trust"], "stack/vendor/account.json#PaymentGatewayInvokeRole", "trust")


@cache
def trusts_anyone() -> Policy:
    """A role that trusts every principal: only the caller's own permission can refuse."""
    return load_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]},
                       "<a role that trusts anyone>", "trust")


@check("S1.xacct.gateway-role-only", exercise="1c", points=3)
def gateway_role_only(ctx: CheckContext) -> Result:
    policy = loader.policy(ctx, s.GATEWAY_FILE, "identity")
    pp = probes.session("PaymentProcessor")
    context = {"aws:PrincipalArn": s.role_arn("PaymentProcessor"), "aws:SecureTransport": True, "sts:ExternalId": GATEWAY_EXTERNAL_ID}
    problems = []
    decision = probes.decide(pp, "sts:AssumeRole", s.GATEWAY_ROLE_ARN, context, identity=[policy], resource_policy=gateway_trust())
    if not decision.allowed:
        problems.append(f"PaymentProcessor may not assume the vendor's {s.GATEWAY_ROLE_ARN}, so it cannot charge anyone ({decision.reason})")
    for other in (f"arn:aws:iam::{s.VENDOR_ACCOUNT}:role/VendorAdminRole", f"arn:aws:iam::{s.FOREIGN_ACCOUNT}:role/AnyRole"):
        decision = probes.decide(pp, "sts:AssumeRole", other, context, identity=[policy], resource_policy=trusts_anyone())
        if decision.allowed:
            problems.append(f"PaymentProcessor may also assume {other} (allowed by {probes.where(decision)})")
            break
    if not problems:
        return Result.ok()
    return Result.parts(2 - len(problems), 2, f"{s.GATEWAY_FILE}: " + "; ".join(problems))


CHECKS = [vendor_can_assume, external_id, only_vendor, payment_status_only, gateway_role_only]
