"""Least privilege by behaviour (checks/least_privilege.py) and resource/key/trust policy probes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from checks.least_privilege import analyse_resource_policy, analyse_role
from stack.cloud.iam.findings import Finding
from stack.cloud.iam.parse import PolicyKind, load_policy
from stack.cloud.iam.reach import Universe
from tests.policy_documents import doc

ACCOUNT = "111111111111"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:SeatInventoryQueue"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:TourTicketingTopic"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/SeatInventory"
QUEUE_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/22222222-2222-2222-2222-222222222222"
LOGS = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/SeatInventoryUpdater:*"
ROLE = "SeatInventoryUpdater"


def findings(system: dict[str, Any], universe: Universe, role: str, *documents: dict[str, Any]) -> list[Finding]:
    spec = system["roles"][role]
    policies = [load_policy(d, f"{role}-{i}.json", "identity") for i, d in enumerate(documents or [spec["policy"]])]
    return analyse_role(policies, [tuple(c) for c in spec["needed"]], universe, [tuple(c) for c in spec["accepted"]])


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


LOG_STMT = allow(["logs:CreateLogStream", "logs:PutLogEvents"], LOGS)
SQS_STMT = allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], QUEUE)
KMS_STMT = allow("kms:Decrypt", QUEUE_KEY)
DDB_STMT = allow("dynamodb:UpdateItem", TABLE)


@pytest.mark.parametrize("role", ["TicketPurchaseHandler", "SeatInventoryUpdater", "PaymentProcessor", "FanNotifier", "FanClubAwardProcessor"])
def test_reference_roles_are_exactly_least_privilege(system: dict[str, Any], universe: Universe, role: str) -> None:
    """aws-facts, least privilege for this system: the reference policies give no finding."""
    assert findings(system, universe, role) == []


REFERENCE = doc(LOG_STMT, SQS_STMT, KMS_STMT, DDB_STMT)
ALL_SQS = ["sqs:" + a for a in (
    "AddPermission", "CancelMessageMoveTask", "ChangeMessageVisibility", "CreateQueue", "DeleteMessage",
    "DeleteQueue", "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "ListMessageMoveTasks",
    "ListQueues", "ListQueueTags", "PurgeQueue", "ReceiveMessage", "RemovePermission", "SendMessage",
    "SetQueueAttributes", "StartMessageMoveTask", "TagQueue", "UntagQueue")]

# Ten pairs of policy sets written differently that allow exactly the same calls.
EQUIVALENT = [
    pytest.param([REFERENCE], [doc(SQS_STMT, KMS_STMT, DDB_STMT, LOG_STMT)], id="statements reordered"),
    pytest.param([REFERENCE], [doc({**LOG_STMT, "Sid": "A"}, {**SQS_STMT, "Sid": "B"}, {**KMS_STMT, "Sid": "C"}, {**DDB_STMT, "Sid": "D"})], id="other Sids"),
    pytest.param([REFERENCE], [doc(LOG_STMT, allow(["sqs:ReceiveMessage", "sqs:DeleteMessage"], QUEUE), allow(["sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], QUEUE), KMS_STMT, DDB_STMT)], id="statement split"),
    pytest.param([REFERENCE], [doc(LOG_STMT, SQS_STMT, allow(["kms:Decrypt"], [QUEUE_KEY]), allow(["dynamodb:UpdateItem"], [TABLE]))], id="string versus list"),
    pytest.param([REFERENCE], [doc(LOG_STMT, allow([*SQS_STMT["Action"], "kms:Decrypt"], [QUEUE, QUEUE_KEY]), DDB_STMT)], id="merged statement over two resources"),
    pytest.param([REFERENCE], [doc(allow(["logs:CreateLogStream", "logs:PutLog*"], LOGS), allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessage*"], QUEUE), KMS_STMT, allow("dynamodb:UpdateI*", TABLE))], id="wildcards expanding to exactly the needed set"),
    pytest.param([REFERENCE], [doc(LOG_STMT, SQS_STMT, KMS_STMT), doc(DDB_STMT, allow("sqs:ReceiveMessage", QUEUE))], id="split across two policies with a duplicate grant"),
    pytest.param([REFERENCE], [doc(LOG_STMT, allow("sqs:*", QUEUE), {"Effect": "Deny", "NotAction": SQS_STMT["Action"], "Resource": QUEUE}, KMS_STMT, DDB_STMT)], id="service wildcard fenced by Deny NotAction"),
    pytest.param([doc(LOG_STMT, allow("sqs:*", QUEUE), KMS_STMT, DDB_STMT)], [doc(LOG_STMT, allow(ALL_SQS, QUEUE), KMS_STMT, DDB_STMT)], id="over-privileged: sqs:* versus every sqs action listed"),
    pytest.param([doc(LOG_STMT, SQS_STMT, KMS_STMT, allow("dynamodb:UpdateItem", "*"))], [doc(LOG_STMT, SQS_STMT, KMS_STMT, {"Effect": "Allow", "Action": "dynamodb:UpdateItem", "NotResource": "arn:aws:s3:::nothing"})], id="over-privileged: Resource * versus NotResource of nothing"),
]


@pytest.mark.parametrize(("first", "second"), EQUIVALENT)
def test_equivalent_rewriting_changes_no_finding(system: dict[str, Any], universe: Universe, first: list[dict[str, Any]], second: list[dict[str, Any]]) -> None:
    """Issue 5: policies written differently that allow the same calls give identical findings."""
    assert findings(system, universe, ROLE, *first) == findings(system, universe, ROLE, *second)


def _replace(index: int, **changes: Any) -> dict[str, Any]:
    policy = doc(copy.deepcopy(LOG_STMT), copy.deepcopy(SQS_STMT), copy.deepcopy(KMS_STMT), copy.deepcopy(DDB_STMT))
    policy["Statement"][index].update(changes)
    return policy


OVER_PRIVILEGED = [
    pytest.param(_replace(1, Action="sqs:*"), "SERVICE_WILDCARD", id="sqs:* on own queue"),
    pytest.param(_replace(3, Resource="*"), "RESOURCE_STAR", id="write action on Resource *"),
    pytest.param(_replace(3, Action="*"), "SERVICE_WILDCARD", id="Action * on the table"),
    pytest.param(_replace(1, Resource=f"arn:aws:sqs:us-east-1:{ACCOUNT}:*"), "OTHER_FUNCTION_RESOURCE", id="all queues of the account"),
    pytest.param(_replace(2, Resource="*"), "CROSS_ACCOUNT", id="kms:Decrypt on any key"),
    pytest.param(doc(LOG_STMT, SQS_STMT, KMS_STMT, DDB_STMT, allow("iam:PassRole", "*")), "PERMISSIONS_MANAGEMENT", id="iam:PassRole on *"),
    pytest.param(doc(LOG_STMT, SQS_STMT, KMS_STMT, DDB_STMT, allow("iam:*", "*")), "PERMISSIONS_MANAGEMENT", id="iam:*"),
    pytest.param(_replace(3, Action=["dynamodb:UpdateItem", "dynamodb:Scan"]), "DATA_EXFILTRATION", id="Scan on own table"),
    pytest.param(_replace(1, Action=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility", "sqs:SendMessage"]), "EXCESS_ACTION", id="SendMessage on own queue"),
    pytest.param(_replace(3, Resource=[TABLE, f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders"]), "OTHER_FUNCTION_RESOURCE", id="another function's table"),
    pytest.param(_replace(1, Resource="arn:aws:sqs:*:*:SeatInventoryQueue"), "CROSS_ACCOUNT", id="same queue name in any account"),
]


@pytest.mark.parametrize(("document", "expected"), OVER_PRIVILEGED)
def test_single_change_over_privilege_is_found(system: dict[str, Any], universe: Universe, document: dict[str, Any], expected: str) -> None:
    """Issue 5: each single over-privileging change gives an excess finding of the right class."""
    assert expected in {f.id for f in findings(system, universe, ROLE, document)}


def test_missing_permission_names_the_exact_call(system: dict[str, Any], universe: Universe) -> None:
    result = findings(system, universe, ROLE, doc(LOG_STMT, SQS_STMT, KMS_STMT))
    assert [f.detail for f in result if f.id == "MISSING_PERMISSION"] == [f"dynamodb:UpdateItem on {TABLE} is denied"]


def test_missing_permission_points_at_the_deny(system: dict[str, Any], universe: Universe) -> None:
    policy = doc(LOG_STMT, SQS_STMT, KMS_STMT, DDB_STMT, {"Sid": "Oops", "Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"})
    (missing,) = [f for f in findings(system, universe, ROLE, policy) if f.id == "MISSING_PERMISSION"]
    assert [(loc.statement, loc.sid) for loc in missing.locations] == [(4, "Oops")]


def test_conditional_allow_is_not_relied_on(system: dict[str, Any], universe: Universe) -> None:
    """A condition cannot be known ahead of the call: a conditional Allow is not a certain grant."""
    conditional = {**DDB_STMT, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    result = findings(system, universe, ROLE, doc(LOG_STMT, SQS_STMT, KMS_STMT, conditional))
    assert {f.id for f in result} == {"MISSING_PERMISSION"}


def test_excess_finding_points_at_the_granting_statement(system: dict[str, Any], universe: Universe) -> None:
    result = findings(system, universe, ROLE, _replace(3, Resource="*", Sid="TooWide"))
    star = next(f for f in result if f.id == "RESOURCE_STAR")
    assert [(loc.origin, loc.statement, loc.sid) for loc in star.locations] == [(f"{ROLE}-0.json", 3, "TooWide")]


def test_unfenced_sms_publish_is_resource_star(system: dict[str, Any], universe: Universe) -> None:
    """aws-facts: SMS needs sns:Publish on "*", best fenced by a Deny on topic ARNs."""
    policy = copy.deepcopy(system["roles"]["FanNotifier"]["policy"])
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "NoTopicPublish"]
    assert "RESOURCE_STAR" in {f.id for f in findings(system, universe, "FanNotifier", policy)}


def test_universe_must_hold_needed_resources(universe: Universe) -> None:
    with pytest.raises(ValueError, match="outside the universe"):
        analyse_role([], [("sqs:SendMessage", "arn:aws:sqs:us-east-1:111111111111:Elsewhere")], universe)


SNS_SEND = {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": QUEUE}
VENDOR_ROLE = f"arn:aws:iam::{ACCOUNT}:role/PaymentVendorAccess"
VENDOR_TRUST = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole"}
KEY_ADMIN = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}


@pytest.mark.parametrize(
    ("statements", "kind", "resource", "expected"),
    [
        pytest.param([SNS_SEND], "resource", QUEUE, {"CONFUSED_DEPUTY"}, id="sns.amazonaws.com without aws:SourceArn is a confused deputy"),
        pytest.param([{**SNS_SEND, "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}}}], "resource", QUEUE, set(), id="with aws:SourceArn accepted"),
        pytest.param([{**SNS_SEND, "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}], "resource", QUEUE, set(), id="with aws:SourceAccount accepted"),
        pytest.param([{**SNS_SEND, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}}], "resource", QUEUE, {"CONFUSED_DEPUTY"}, id="a SourceArn condition matching any topic is no guard"),
        pytest.param([{**SNS_SEND, "Principal": "*"}], "resource", QUEUE, {"RESOURCE_EXPOSURE"}, id="Principal * without source condition"),
        pytest.param([{**SNS_SEND, "Principal": "*", "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}}}], "resource", QUEUE, set(), id="Principal * fenced by aws:SourceArn"),
        pytest.param([VENDOR_TRUST], "trust", VENDOR_ROLE, {"MISSING_EXTERNAL_ID"}, id="vendor trust without ExternalId flagged"),
        pytest.param([{**VENDOR_TRUST, "Condition": {"StringEquals": {"sts:ExternalId": "tour-7f3a"}}}], "trust", VENDOR_ROLE, set(), id="vendor trust with ExternalId accepted"),
        pytest.param([{**VENDOR_TRUST, "Principal": {"AWS": "arn:aws:iam::222222222222:role/VendorApp"}}], "trust", VENDOR_ROLE, {"MISSING_EXTERNAL_ID"}, id="vendor role trust without ExternalId flagged"),
        pytest.param([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}], "trust", VENDOR_ROLE, {"CONFUSED_DEPUTY"}, id="lambda trust without source condition"),
        pytest.param([KEY_ADMIN, {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*"}], "key", QUEUE_KEY, {"CONFUSED_DEPUTY"}, id="key policy granting SNS without source"),
        pytest.param([KEY_ADMIN], "key", QUEUE_KEY, set(), id="key policy delegating to own account root"),
    ],
)
def test_resource_policy_probes(statements: list[dict[str, Any]], kind: PolicyKind, resource: str, expected: set[str]) -> None:
    policy = load_policy(doc(*statements), "policy.json", kind)
    assert {f.id for f in analyse_resource_policy(policy, resource, ACCOUNT)} == expected


def test_reference_resource_policies_are_clean(system: dict[str, Any]) -> None:
    for spec in system["resource_policies"]:
        policy = load_policy(spec["document"], spec["resource"], spec["kind"])
        assert analyse_resource_policy(policy, spec["resource"], spec["resource"].split(":")[4]) == [], spec["resource"]
