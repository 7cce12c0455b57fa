"""Evaluator truth table: each case's id names the AWS rule it pins (shared/aws-facts.md)."""

from __future__ import annotations

from typing import Any

import pytest

from stack.cloud.access import AccessRequest, Principal
from stack.cloud.iam.evaluate import PolicySet, evaluate
from stack.cloud.iam.parse import PolicyKind, load_policy
from tests.policy_documents import doc

ACCOUNT, VENDOR = "111111111111", "222222222222"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SeatInventoryUpdaterRole"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/PaymentProcessorRole"
VENDOR_ROLE = f"arn:aws:iam::{VENDOR}:role/PaymentVendorRole"
SESSION = Principal.assumed_role(ROLE, "SeatInventoryUpdater")
PAYMENT = Principal.assumed_role(OTHER_ROLE, "PaymentProcessor")
VENDOR_CALLER = Principal.assumed_role(f"arn:aws:iam::{VENDOR}:role/VendorApp", "app")
SNS = Principal.service("sns.amazonaws.com")
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:SeatInventoryQueue"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:TourTicketingTopic"
FOREIGN_TOPIC = "arn:aws:sns:us-east-1:999999999999:Evil"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/SeatInventory"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/22222222-2222-2222-2222-222222222222"
LOG_STREAM = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/SeatInventoryUpdater:log-stream:2024/05/01/abc"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def stmt(effect: str = "Allow", action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    """A statement; pass ``None`` for Action/Resource when using NotAction/NotResource (or none)."""
    body: dict[str, Any] = {"Effect": effect}
    if action is not None:
        body["Action"] = action
    if resource is not None:
        body["Resource"] = resource
    return {**body, **extra}


def decide(principal: Principal, action: str, resource: str, identity: list[dict[str, Any]],
           side: dict[str, Any] | None = None, kind: PolicyKind = "resource", context: dict[str, Any] | None = None) -> str:
    policies = PolicySet(
        [load_policy(d, f"identity{i}.json", "identity") for i, d in enumerate(identity)],
        load_policy(side, f"{kind}.json", kind) if side else None,
    )
    return evaluate(AccessRequest(principal, action, resource, context or {}), policies).decision


ALLOW_UPDATE = doc(stmt(action="dynamodb:UpdateItem", resource=TABLE))
SNS_TO_QUEUE = doc(stmt(action="sqs:SendMessage", resource=QUEUE, Principal={"Service": "sns.amazonaws.com"},
                        Condition={"ArnEquals": {"aws:SourceArn": TOPIC}}))


def cond(operator: str, key: str, value: Any) -> dict[str, Any]:
    return doc(stmt(action="sqs:ReceiveMessage", resource=QUEUE, Condition={operator: {key: value}}))


CASES = [
    # --- default deny and explicit deny ---
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [], None, "resource", None, "ImplicitDeny", id="default deny: no policy at all"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [ALLOW_UPDATE], None, "resource", None, "Allow", id="identity allow in same account suffices"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [ALLOW_UPDATE, doc(stmt("Deny", "dynamodb:*", "*"))], None, "resource", None, "ExplicitDeny", id="explicit deny in another identity policy beats allow"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource=TABLE), stmt("Deny", "dynamodb:UpdateItem", TABLE))], None, "resource", None, "ExplicitDeny", id="explicit deny in same policy beats allow"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [doc(stmt(action="sqs:*", resource=QUEUE))], doc(stmt("Deny", "sqs:ReceiveMessage", QUEUE, Principal="*")), "resource", None, "ExplicitDeny", id="explicit deny in resource policy beats identity allow"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [doc(stmt("Deny", "sqs:*", QUEUE))], doc(stmt(action="sqs:*", resource=QUEUE, Principal={"AWS": ROLE})), "resource", None, "ExplicitDeny", id="explicit deny in identity policy beats resource policy allow"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt("Deny", "dynamodb:UpdateItem", TABLE))], None, "resource", None, "ExplicitDeny", id="deny alone is an explicit deny"),
    # --- Action matching: case-insensitive, * and ? ---
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="DynamoDB:updateitem", resource=TABLE))], None, "resource", None, "Allow", id="action match is case-insensitive"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:Update*", resource=TABLE))], None, "resource", None, "Allow", id="action * wildcard"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:?pdateItem", resource=TABLE))], None, "resource", None, "Allow", id="action ? matches one character"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:??dateItem", resource=TABLE, ))], None, "resource", None, "Allow", id="action ?? matches two characters"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:Update", resource=TABLE))], None, "resource", None, "ImplicitDeny", id="action without wildcard is not a prefix match"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="*", resource=TABLE))], None, "resource", None, "Allow", id="action * matches every service"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action=None, resource=TABLE, NotAction="dynamodb:Get*"))], None, "resource", None, "Allow", id="NotAction allows what it does not list"),
    pytest.param(SESSION, "dynamodb:GetItem", TABLE, [doc(stmt(action=None, resource=TABLE, NotAction="dynamodb:Get*"))], None, "resource", None, "ImplicitDeny", id="NotAction does not allow what it lists"),
    pytest.param(SESSION, "iam:CreateRole", "*", [doc(stmt(action="*", resource="*"), stmt("Deny", None, "*", NotAction=["sqs:*", "dynamodb:*"]))], None, "resource", None, "ExplicitDeny", id="Deny with NotAction denies everything else"),
    # --- Resource matching: case-sensitive ARNs, segments ---
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource=TABLE.lower()))], None, "resource", None, "ImplicitDeny", id="ARN match is case-sensitive"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource="arn:aws:dynamodb:*:*:table/*"))], None, "resource", None, "Allow", id="ARN * within segments and across /"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource="arn:aws:dynamodb:us-east-?:111111111111:table/SeatInventory"))], None, "resource", None, "Allow", id="ARN ? within a segment"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource="arn:aws:dynamodb:us-east-1:111111111111:table/Seat"))], None, "resource", None, "ImplicitDeny", id="ARN without wildcard needs an exact match"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource="arn:aws:dynamodb:us-east-1:111111111111*"))], None, "resource", None, "Allow", id="ARN trailing * runs past following colons"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource="arn:aws:dynamodb:us-east-1:*111111111111:table/SeatInventory"))], None, "resource", None, "Allow", id="ARN * in account segment"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource="arn:aws:dynamodb:*:table/SeatInventory"))], None, "resource", None, "ImplicitDeny", id="ARN * inside a segment does not cross colons"),
    pytest.param(SESSION, "logs:PutLogEvents", LOG_STREAM, [doc(stmt(action="logs:PutLogEvents", resource="arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/SeatInventoryUpdater:*"))], None, "resource", None, "Allow", id="ARN * in resource part spans colons (log streams)"),
    pytest.param(SESSION, "logs:PutLogEvents", LOG_STREAM.replace("SeatInventoryUpdater", "PaymentProcessor"), [doc(stmt(action="logs:PutLogEvents", resource="arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/SeatInventoryUpdater:*"))], None, "resource", None, "ImplicitDeny", id="ARN pattern of one log group does not match another"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource="arn:aws:dynamodb:us-east-1:111111111111:table/Seat.nventory"))], None, "resource", None, "ImplicitDeny", id="ARN dot is literal, not a regex"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource=None, NotResource=f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders"))], None, "resource", None, "Allow", id="NotResource allows resources it does not list"),
    pytest.param(SESSION, "dynamodb:UpdateItem", TABLE, [doc(stmt(action="dynamodb:UpdateItem", resource=None, NotResource=TABLE))], None, "resource", None, "ImplicitDeny", id="NotResource does not allow what it lists"),
    # --- same account: identity OR resource policy ---
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [], doc(stmt(action="sqs:ReceiveMessage", resource=QUEUE, Principal={"AWS": ROLE})), "resource", None, "Allow", id="same account: resource policy naming the role grants alone"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [], doc(stmt(action="sqs:ReceiveMessage", resource=QUEUE, Principal={"AWS": SESSION.arn})), "resource", None, "Allow", id="same account: resource policy naming the session grants"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [], doc(stmt(action="sqs:ReceiveMessage", resource=QUEUE, Principal={"AWS": ROOT})), "resource", None, "ImplicitDeny", id="same account: root principal delegates to IAM which does not allow"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [], doc(stmt(action="sqs:ReceiveMessage", resource=QUEUE, Principal={"AWS": ACCOUNT})), "resource", None, "ImplicitDeny", id="same account: bare account id delegates to IAM"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [doc(stmt(action="sqs:ReceiveMessage", resource=QUEUE))], doc(stmt(action="sqs:SendMessage", resource=QUEUE, Principal={"AWS": OTHER_ROLE})), "resource", None, "Allow", id="same account: identity allow suffices when resource policy is silent"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [], doc(stmt(action="sqs:ReceiveMessage", resource=QUEUE, Principal={"AWS": OTHER_ROLE})), "resource", None, "ImplicitDeny", id="resource policy naming another role does not grant"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [], doc(stmt(action="sqs:ReceiveMessage", resource=QUEUE, Principal="*")), "resource", None, "Allow", id="Principal * grants everyone"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [], doc(stmt(action="sqs:ReceiveMessage", resource=QUEUE, NotPrincipal={"AWS": OTHER_ROLE})), "resource", None, "Allow", id="NotPrincipal applies to principals it does not list"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [doc(stmt(action="sqs:*", resource=QUEUE))], doc(stmt("Deny", "sqs:*", QUEUE, NotPrincipal={"AWS": ROLE})), "resource", None, "Allow", id="Deny with NotPrincipal spares the listed role"),
    pytest.param(PAYMENT, "sqs:ReceiveMessage", QUEUE, [doc(stmt(action="sqs:*", resource=QUEUE))], doc(stmt("Deny", "sqs:*", QUEUE, NotPrincipal={"AWS": ROLE})), "resource", None, "ExplicitDeny", id="Deny with NotPrincipal denies everyone else"),
    # --- cross account: identity AND resource ---
    pytest.param(VENDOR_CALLER, "sqs:SendMessage", QUEUE, [doc(stmt(action="sqs:SendMessage", resource=QUEUE))], None, "resource", None, "ImplicitDeny", id="cross account: identity allow alone is denied"),
    pytest.param(VENDOR_CALLER, "sqs:SendMessage", QUEUE, [], doc(stmt(action="sqs:SendMessage", resource=QUEUE, Principal={"AWS": VENDOR})), "resource", None, "ImplicitDeny", id="cross account: resource allow alone is denied"),
    pytest.param(VENDOR_CALLER, "sqs:SendMessage", QUEUE, [doc(stmt(action="sqs:SendMessage", resource=QUEUE))], doc(stmt(action="sqs:SendMessage", resource=QUEUE, Principal={"AWS": VENDOR})), "resource", None, "Allow", id="cross account: both sides allow"),
    pytest.param(VENDOR_CALLER, "sqs:SendMessage", QUEUE, [doc(stmt(action="sqs:SendMessage", resource=QUEUE))], doc(stmt(action="sqs:SendMessage", resource=QUEUE, Principal={"AWS": f"arn:aws:iam::{VENDOR}:role/VendorApp"})), "resource", None, "Allow", id="cross account: resource names the role and identity allows"),
    pytest.param(VENDOR_CALLER, "sqs:SendMessage", QUEUE, [doc(stmt(action="sqs:SendMessage", resource=QUEUE))], doc(stmt(action="sqs:SendMessage", resource=QUEUE, Principal={"AWS": "333333333333"})), "resource", None, "ImplicitDeny", id="cross account: resource allows a different account"),
    # --- service principals ---
    pytest.param(SNS, "sqs:SendMessage", QUEUE, [], SNS_TO_QUEUE, "resource", {"aws:SourceArn": TOPIC}, "Allow", id="service principal allowed by queue policy with matching SourceArn"),
    pytest.param(SNS, "sqs:SendMessage", QUEUE, [], SNS_TO_QUEUE, "resource", {"aws:SourceArn": FOREIGN_TOPIC}, "ImplicitDeny", id="service principal for another topic fails SourceArn"),
    pytest.param(SNS, "sqs:SendMessage", QUEUE, [], SNS_TO_QUEUE, "resource", {}, "ImplicitDeny", id="absent aws:SourceArn fails ArnEquals"),
    pytest.param(SNS, "sqs:SendMessage", QUEUE, [], None, "resource", {"aws:SourceArn": TOPIC}, "ImplicitDeny", id="service principal without resource policy is denied"),
    pytest.param(SNS, "sqs:SendMessage", QUEUE, [], doc(stmt(action="sqs:SendMessage", resource=QUEUE, Principal={"Service": "events.amazonaws.com"})), "resource", None, "ImplicitDeny", id="Service principal must match by name"),
    pytest.param(SNS, "sqs:SendMessage", QUEUE, [], doc(stmt(action="sqs:SendMessage", resource=QUEUE, Principal={"AWS": ACCOUNT})), "resource", None, "ImplicitDeny", id="account principal does not name a service"),
    # --- KMS key policy as root of trust ---
    pytest.param(SESSION, "kms:Decrypt", KEY, [doc(stmt(action="kms:*", resource="*"))], doc(stmt(action="kms:*", resource="*", Principal={"AWS": OTHER_ROLE})), "key", None, "ImplicitDeny", id="KMS: key policy naming neither role nor root denies despite kms:* in IAM"),
    pytest.param(SESSION, "kms:Decrypt", KEY, [doc(stmt(action="kms:*", resource="*"))], None, "key", None, "ImplicitDeny", id="KMS: no key policy denies"),
    pytest.param(SESSION, "kms:Decrypt", KEY, [doc(stmt(action="kms:Decrypt", resource=KEY))], doc(stmt(action="kms:*", resource="*", Principal={"AWS": ROOT})), "key", None, "Allow", id="KMS: key policy delegates to root and IAM allows"),
    pytest.param(SESSION, "kms:Decrypt", KEY, [], doc(stmt(action="kms:*", resource="*", Principal={"AWS": ROOT})), "key", None, "ImplicitDeny", id="KMS: delegation to root needs an IAM allow"),
    pytest.param(SESSION, "kms:Decrypt", KEY, [], doc(stmt(action="kms:Decrypt", resource="*", Principal={"AWS": ROLE})), "key", None, "Allow", id="KMS: key policy naming the role grants alone"),
    pytest.param(SESSION, "kms:Decrypt", KEY, [doc(stmt(action="kms:Decrypt", resource=KEY))], doc(stmt(action="kms:Encrypt", resource="*", Principal={"AWS": ROOT})), "key", None, "ImplicitDeny", id="KMS: delegation only covers the actions it lists"),
    pytest.param(SNS, "kms:GenerateDataKey", KEY, [], doc(stmt(action=["kms:GenerateDataKey*", "kms:Decrypt"], resource="*", Principal={"Service": "sns.amazonaws.com"})), "key", None, "Allow", id="KMS: key policy grants the SNS service principal"),
    pytest.param(SNS, "kms:GenerateDataKey", KEY, [], doc(stmt(action="kms:*", resource="*", Principal={"AWS": ROOT})), "key", None, "ImplicitDeny", id="KMS: managed-key style policy without SNS grant denies SNS"),
    pytest.param(VENDOR_CALLER, "kms:Decrypt", KEY, [], doc(stmt(action="kms:Decrypt", resource="*", Principal={"AWS": VENDOR})), "key", None, "ImplicitDeny", id="KMS cross account: key policy allows the account but vendor IAM does not"),
    pytest.param(VENDOR_CALLER, "kms:Decrypt", KEY, [doc(stmt(action="kms:Decrypt", resource=KEY))], doc(stmt(action="kms:Decrypt", resource="*", Principal={"AWS": VENDOR})), "key", None, "Allow", id="KMS cross account: key policy and vendor IAM both allow"),
    pytest.param(SESSION, "kms:Decrypt", KEY, [doc(stmt(action="kms:Decrypt", resource=KEY))], doc(stmt(action="kms:*", resource="*", Principal={"AWS": ROOT}), stmt("Deny", "kms:Decrypt", "*", Principal="*")), "key", None, "ExplicitDeny", id="KMS: deny in key policy wins"),
    # --- trust policies ---
    pytest.param(PAYMENT, "sts:AssumeRole", VENDOR_ROLE, [doc(stmt(action="sts:AssumeRole", resource=VENDOR_ROLE))], doc(stmt(action="sts:AssumeRole", resource=None, Principal={"AWS": OTHER_ROLE}, Condition={"StringEquals": {"sts:ExternalId": "tour-7f3a"}})), "trust", {"sts:ExternalId": "tour-7f3a"}, "Allow", id="trust: cross-account assume with ExternalId and identity allow"),
    pytest.param(PAYMENT, "sts:AssumeRole", VENDOR_ROLE, [doc(stmt(action="sts:AssumeRole", resource=VENDOR_ROLE))], doc(stmt(action="sts:AssumeRole", resource=None, Principal={"AWS": OTHER_ROLE}, Condition={"StringEquals": {"sts:ExternalId": "tour-7f3a"}})), "trust", {}, "ImplicitDeny", id="trust: missing sts:ExternalId fails the trust condition"),
    pytest.param(PAYMENT, "sts:AssumeRole", VENDOR_ROLE, [doc(stmt(action="sts:AssumeRole", resource=VENDOR_ROLE))], doc(stmt(action="sts:AssumeRole", resource=None, Principal={"AWS": OTHER_ROLE}, Condition={"StringEquals": {"sts:ExternalId": "tour-7f3a"}})), "trust", {"sts:ExternalId": "wrong"}, "ImplicitDeny", id="trust: wrong sts:ExternalId fails"),
    pytest.param(PAYMENT, "sts:AssumeRole", VENDOR_ROLE, [], doc(stmt(action="sts:AssumeRole", resource=None, Principal={"AWS": OTHER_ROLE})), "trust", None, "ImplicitDeny", id="trust: cross-account assume also needs caller identity allow"),
    pytest.param(PAYMENT, "sts:AssumeRole", VENDOR_ROLE, [doc(stmt(action="sts:AssumeRole", resource=VENDOR_ROLE))], None, "trust", None, "ImplicitDeny", id="trust: identity allow without trust policy is denied"),
    pytest.param(Principal.service("lambda.amazonaws.com"), "sts:AssumeRole", ROLE, [], doc(stmt(action="sts:AssumeRole", resource=None, Principal={"Service": "lambda.amazonaws.com"})), "trust", None, "Allow", id="trust: Lambda service assumes its execution role"),
    pytest.param(PAYMENT, "sts:AssumeRole", ROLE, [doc(stmt(action="sts:AssumeRole", resource=ROLE))], doc(stmt(action="sts:AssumeRole", resource=None, Principal={"Service": "lambda.amazonaws.com"})), "trust", None, "ImplicitDeny", id="trust: same-account identity allow cannot bypass the trust policy"),
    pytest.param(PAYMENT, "sts:AssumeRole", ROLE, [doc(stmt(action="sts:AssumeRole", resource=ROLE))], doc(stmt(action="sts:AssumeRole", resource=None, Principal={"AWS": ROOT})), "trust", None, "Allow", id="trust: same-account root delegation plus identity allow"),
    # --- conditions ---
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("Bool", "aws:SecureTransport", "true")], None, "resource", {"aws:SecureTransport": True}, "Allow", id="Bool matches true"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("Bool", "aws:SecureTransport", "true")], None, "resource", {"aws:SecureTransport": False}, "ImplicitDeny", id="failed condition: statement does not apply"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("Bool", "aws:SecureTransport", "true")], None, "resource", {}, "ImplicitDeny", id="absent key fails a positive operator"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("BoolIfExists", "aws:SecureTransport", "true")], None, "resource", {}, "Allow", id="IfExists holds on an absent key"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("BoolIfExists", "aws:SecureTransport", "true")], None, "resource", {"aws:SecureTransport": "false"}, "ImplicitDeny", id="IfExists still compares a present key"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("StringEquals", "aws:SourceAccount", ["333333333333", ACCOUNT])], None, "resource", {"aws:SourceAccount": ACCOUNT}, "Allow", id="several values for one key are ORed"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [doc(stmt(action="sqs:ReceiveMessage", resource=QUEUE, Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}, "Bool": {"aws:SecureTransport": "true"}}))], None, "resource", {"aws:SourceAccount": ACCOUNT}, "ImplicitDeny", id="several operators are ANDed"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("StringNotEquals", "aws:SourceAccount", ["333333333333", "444444444444"])], None, "resource", {"aws:SourceAccount": ACCOUNT}, "Allow", id="negated operator holds when no value matches"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("StringNotEquals", "aws:SourceAccount", ["333333333333", ACCOUNT])], None, "resource", {"aws:SourceAccount": ACCOUNT}, "ImplicitDeny", id="negated operator fails when any value matches"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("StringNotEquals", "aws:SourceAccount", ACCOUNT)], None, "resource", {}, "Allow", id="negated operator holds on an absent key"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("StringLike", "aws:PrincipalArn", "arn:aws:iam::111111111111:role/Seat*")], None, "resource", {}, "Allow", id="StringLike on aws:PrincipalArn derived from the session's role"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("StringEquals", "aws:SourceAccount", "x")], None, "resource", {"AWS:SOURCEACCOUNT": "x"}, "Allow", id="condition key names are case-insensitive"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("StringEquals", "aws:SourceAccount", "ABC")], None, "resource", {"aws:SourceAccount": "abc"}, "ImplicitDeny", id="StringEquals values are case-sensitive"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("StringEqualsIgnoreCase", "aws:SourceAccount", "ABC")], None, "resource", {"aws:SourceAccount": "abc"}, "Allow", id="StringEqualsIgnoreCase folds case"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("ArnLike", "aws:SourceArn", "arn:aws:sns:us-east-1:111111111111:*")], None, "resource", {"aws:SourceArn": TOPIC}, "Allow", id="ArnLike with wildcard"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("ArnNotLike", "aws:SourceArn", "arn:aws:sns:us-east-1:111111111111:*")], None, "resource", {"aws:SourceArn": FOREIGN_TOPIC}, "Allow", id="ArnNotLike holds for a foreign ARN"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("NumericLessThanEquals", "kms:EncryptionContext:seats", "4")], None, "resource", {"kms:EncryptionContext:seats": "4"}, "Allow", id="NumericLessThanEquals at the bound"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("NumericLessThanEquals", "kms:EncryptionContext:seats", "4")], None, "resource", {"kms:EncryptionContext:seats": "5"}, "ImplicitDeny", id="NumericLessThanEquals above the bound"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("NumericLessThanEquals", "kms:EncryptionContext:seats", "4")], None, "resource", {"kms:EncryptionContext:seats": "four"}, "ImplicitDeny", id="Numeric operator on a non-number does not match"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("ForAllValues:StringEquals", "kms:EncryptionContextKeys", ["orderId"])], None, "resource", {}, "Allow", id="ForAllValues on an absent key holds (dangerous with Allow)"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("ForAllValues:StringEquals", "kms:EncryptionContextKeys", ["orderId"])], None, "resource", {"kms:EncryptionContextKeys": ["orderId", "fanId"]}, "ImplicitDeny", id="ForAllValues fails when one value is not listed"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("ForAnyValue:StringEquals", "kms:EncryptionContextKeys", ["orderId"])], None, "resource", {}, "ImplicitDeny", id="ForAnyValue on an absent key fails"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("ForAnyValue:StringEquals", "kms:EncryptionContextKeys", ["orderId"])], None, "resource", {"kms:EncryptionContextKeys": ["fanId", "orderId"]}, "Allow", id="ForAnyValue holds when one value is listed"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("Null", "sts:ExternalId", "true")], None, "resource", {}, "Allow", id="Null true holds when the key is absent"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("IpAddress", "aws:SourceIp", "10.0.0.0/8")], None, "resource", {"aws:SourceIp": "10.1.2.3"}, "Allow", id="IpAddress within CIDR"),
    pytest.param(SESSION, "kms:Decrypt", KEY, [doc(stmt(action="kms:Decrypt", resource=KEY, Condition={"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}))], doc(stmt(action="kms:*", resource="*", Principal={"AWS": ROOT})), "key", {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}, "Allow", id="kms:ViaService condition through SQS"),
    pytest.param(SESSION, "kms:Decrypt", KEY, [], doc(stmt(action="kms:Decrypt", resource="*", Principal="*", Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT}})), "key", None, "Allow", id="kms:CallerAccount derived from the caller"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("DateLessThan", "aws:SourceAccount", "2030-01-01")], None, "resource", {"aws:SourceAccount": "x"}, "ImplicitDeny", id="unsupported operator fails closed on Allow"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [cond("StringEquals", "aws:userid", "x")], None, "resource", {"aws:userid": "x"}, "ImplicitDeny", id="unsupported key fails closed on Allow"),
    pytest.param(SESSION, "sqs:ReceiveMessage", QUEUE, [doc(stmt(action="sqs:*", resource=QUEUE), stmt("Deny", "sqs:*", QUEUE, Condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}))], None, "resource", None, "ExplicitDeny", id="unsupported condition fails closed on Deny"),
    # --- root ---
    pytest.param(Principal.root(ACCOUNT), "sqs:DeleteQueue", QUEUE, [], None, "resource", None, "Allow", id="account root holds every permission of its account"),
    pytest.param(Principal.root(ACCOUNT), "kms:Decrypt", KEY, [], doc(stmt(action="kms:*", resource="*", Principal={"AWS": OTHER_ROLE})), "key", None, "ImplicitDeny", id="KMS: even the account root needs the key policy"),
]


@pytest.mark.parametrize(("principal", "action", "resource", "identity", "side", "kind", "context", "expected"), CASES)
def test_evaluate(principal: Principal, action: str, resource: str, identity: list[dict[str, Any]],
                  side: dict[str, Any] | None, kind: PolicyKind, context: dict[str, Any] | None, expected: str) -> None:
    assert decide(principal, action, resource, identity, side, kind, context) == expected


def _one(identity: list[dict[str, Any]], side: dict[str, Any] | None = None, kind: PolicyKind = "resource",
         principal: Principal = SESSION, action: str = "dynamodb:UpdateItem", resource: str = TABLE):
    policies = PolicySet(
        [load_policy(d, f"identity{i}.json", "identity") for i, d in enumerate(identity)],
        load_policy(side, f"{kind}.json", kind) if side else None,
    )
    return evaluate(AccessRequest(principal, action, resource), policies)


@pytest.mark.parametrize(
    ("identity", "side", "kind", "principal", "action", "resource", "because"),
    [
        pytest.param([], None, "resource", SESSION, "dynamodb:UpdateItem", TABLE,
                     "because no identity-based policy allows the dynamodb:UpdateItem action", id="aws message: no identity-based policy"),
        pytest.param([doc(stmt("Deny", "dynamodb:*"))], None, "resource", SESSION, "dynamodb:UpdateItem", TABLE,
                     "with an explicit deny in an identity-based policy", id="aws message: explicit deny identity"),
        pytest.param([doc(stmt(action="sqs:*"))], doc(stmt("Deny", "sqs:*", Principal="*")), "resource", SESSION, "sqs:ReceiveMessage", QUEUE,
                     "with an explicit deny in a resource-based policy", id="aws message: explicit deny resource"),
        pytest.param([doc(stmt(action="kms:*"))], doc(stmt(action="kms:*", Principal={"AWS": OTHER_ROLE})), "key", SESSION, "kms:Decrypt", KEY,
                     "because no resource-based policy allows the kms:Decrypt action", id="aws message: key policy does not allow"),
    ],
)
def test_because_clause_is_aws_wording(identity, side, kind, principal, action, resource, because) -> None:
    """aws-facts, error texts: the clause AWS appends to AccessDenied."""
    assert _one(identity, side, kind, principal, action, resource).because == because


def test_decision_points_at_statement_and_sid() -> None:
    """Explain: a decision names origin, statement index and Sid of what decided it."""
    decision = _one([doc(stmt(action="sqs:*", resource=QUEUE)), doc(stmt(action="dynamodb:UpdateItem", resource=TABLE, Sid="Seats"))])
    assert (decision.decision, decision.policy, decision.statement, decision.sid) == ("Allow", "identity1.json", 0, "Seats")
    assert "statement 'Seats' (#0) in identity policy identity1.json" in decision.reason


def test_explicit_deny_reason_labels_the_deny() -> None:
    decision = _one([ALLOW_UPDATE, doc(stmt(action="sqs:*"), stmt("Deny", "dynamodb:Update*", TABLE, Sid="NoWrites"))])
    assert decision.reason.startswith("explicit deny by statement 'NoWrites' (#1) in identity policy identity1.json")
    assert (decision.policy, decision.statement) == ("identity1.json", 1)


def test_implicit_deny_names_no_statement() -> None:
    decision = _one([doc(stmt(action="sqs:*"))])
    assert decision.reason.startswith("implicit deny")
    assert decision.policy is None and decision.statement is None
