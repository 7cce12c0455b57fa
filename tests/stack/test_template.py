"""Self-tests of ``stack/template.yaml``: it lints clean, and its wiring is what the labs rely on.

cfn-lint checks types and references but not the wiring (a subscribed queue without a queue policy
passes, ``shared/moto-gaps.md``), so the structural rules of the system are asserted here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cfn_flip
import cfnlint.api
import pytest

import stack

STACK_DIR = Path(stack.__file__).resolve().parent
TEMPLATE_PATH = STACK_DIR / "template.yaml"

FUNCTIONS = {
    "TicketPurchaseHandler": "ticket_purchase_handler",
    "SeatInventoryUpdater": "seat_inventory_updater",
    "PaymentProcessor": "payment_processor",
    "FanNotifier": "fan_notifier",
    "FanClubAwardProcessor": "fan_club_award_processor",
}
QUEUE_CONSUMERS = {
    "SeatInventoryQueue": "SeatInventoryUpdater",
    "PaymentProcessingQueue": "PaymentProcessor",
    "NotificationQueue": "FanNotifier",
    "FanClubAwardsQueue": "FanClubAwardProcessor",
}
KEY_ARN = {"Fn::GetAtt": ["TourTicketingKey", "Arn"]}
SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9]+)?\}")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    data, _ = cfn_flip.load(TEMPLATE_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


def of_type(resources: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in resources.items() if res["Type"] == resource_type}


def references(node: Any) -> Iterator[str]:
    """Logical ids a template fragment refers to (``Ref``, ``Fn::GetAtt``, ``${Name}`` in ``Fn::Sub``)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield value[0] if isinstance(value, list) else value.split(".")[0]
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                yield from SUB_REFERENCE.findall(text)
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_cfn_lint_reports_no_errors() -> None:
    matches = cfnlint.api.lint(TEMPLATE_PATH.read_text(encoding="utf-8"), regions=["us-east-1"])
    errors = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_a_lint_error_is_detected() -> None:
    """Guards the test above: the API really lints (an unknown property must be an error)."""
    broken = TEMPLATE_PATH.read_text(encoding="utf-8").replace("VisibilityTimeout: 180", "VisibilityTimeOut: 180", 1)
    assert any(m.rule.id.startswith("E") for m in cfnlint.api.lint(broken, regions=["us-east-1"]))


def test_functions_have_exact_names_handlers_and_runtime(resources: dict[str, Any]) -> None:
    functions = of_type(resources, "AWS::Lambda::Function")
    assert {f["Properties"]["FunctionName"] for f in functions.values()} == set(FUNCTIONS)
    for name, module in FUNCTIONS.items():
        props = resources[name]["Properties"]
        assert props["Handler"] == f"{module}.handler"
        assert props["Runtime"] == "python3.12"
        assert props["Code"] == {"S3Bucket": {"Ref": "ArtifactBucket"}, "S3Key": {"Ref": "HandlersKey"}}
        assert (STACK_DIR / "handlers" / f"{module}.py").is_file()
        assert props["Timeout"] > 0 and props["MemorySize"] >= 128


def test_one_role_per_function(resources: dict[str, Any]) -> None:
    for name in FUNCTIONS:
        assert resources[name]["Properties"]["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
        role = resources[f"{name}Role"]
        assert role["Properties"]["RoleName"] == f"{name}Role"
        trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        lambda_service = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        assert trust == [lambda_service]


def test_each_role_mentions_only_its_own_queue_and_log_group(resources: dict[str, Any]) -> None:
    queues = set(of_type(resources, "AWS::SQS::Queue"))
    own_queue = {function: queue for queue, function in QUEUE_CONSUMERS.items()}
    for name in FUNCTIONS:
        role = resources[f"{name}Role"]
        mentioned = set(references(role["Properties"]["Policies"])) & queues
        assert mentioned == ({own_queue[name]} if name in own_queue else set()), name
        log_resources = [
            s["Resource"] for s in statements(role) if any(a.startswith("logs:") for a in as_list(s["Action"]))
        ]
        assert log_resources == [
            {"Fn::Sub": f"arn:aws:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{name}:*"}
        ]


def test_role_policies_have_no_wildcard_actions_and_one_accepted_wildcard_resource(resources: dict[str, Any]) -> None:
    wildcard_resources = []
    for name in FUNCTIONS:
        for statement in statements(resources[f"{name}Role"]):
            for action in as_list(statement["Action"]):
                assert action != "*" and not action.endswith(":*"), (name, action)
            if statement["Effect"] == "Allow" and "*" in as_list(statement["Resource"]):
                wildcard_resources.append((name, statement["Sid"], statement["Action"]))
    assert wildcard_resources == [("FanNotifier", "SendSms", "sns:Publish")]
    fence = [s for s in statements(resources["FanNotifierRole"]) if s["Effect"] == "Deny"]
    assert fence == [
        {"Sid": "NeverPublishToTopics", "Effect": "Deny", "Action": "sns:Publish", "Resource": "arn:aws:sns:*:*:*"}
    ]


def test_every_queue_has_a_dlq_and_the_customer_managed_key(resources: dict[str, Any]) -> None:
    for queue, function in QUEUE_CONSUMERS.items():
        props = resources[queue]["Properties"]
        dlq = f"{queue}DLQ"
        assert props["QueueName"] == queue
        assert props["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": 5}
        assert props["VisibilityTimeout"] >= 6 * resources[function]["Properties"]["Timeout"]
        for encrypted in (props, resources[dlq]["Properties"]):
            assert encrypted["KmsMasterKeyId"] == KEY_ARN
            assert encrypted["KmsDataKeyReusePeriodSeconds"] == 300
        assert resources[dlq]["Properties"]["QueueName"] == dlq
    assert len(of_type(resources, "AWS::SQS::Queue")) == 2 * len(QUEUE_CONSUMERS)


def test_queue_policies_let_only_the_topic_send(resources: dict[str, Any]) -> None:
    policies = of_type(resources, "AWS::SQS::QueuePolicy")
    covered = {}
    for policy in policies.values():
        (queue_ref,) = policy["Properties"]["Queues"]
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        covered[queue_ref["Ref"]] = statement
        assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
        assert statement["Resource"] == {"Fn::GetAtt": [queue_ref["Ref"], "Arn"]}
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "TourTicketingTopic"}}}
    assert set(covered) == set(QUEUE_CONSUMERS)


def test_four_subscriptions_and_a_filter_policy_on_fan_club_awards_only(resources: dict[str, Any]) -> None:
    subscriptions = of_type(resources, "AWS::SNS::Subscription").values()
    endpoints = {s["Properties"]["Endpoint"]["Fn::GetAtt"][0]: s["Properties"] for s in subscriptions}
    assert len(subscriptions) == 4 and set(endpoints) == set(QUEUE_CONSUMERS)
    for queue, props in endpoints.items():
        assert props["Protocol"] == "sqs" and props["RawMessageDelivery"] is False
        assert props["TopicArn"] == {"Ref": "TourTicketingTopic"}
        if queue == "FanClubAwardsQueue":
            assert props["FilterPolicyScope"] == "MessageBody"
            assert props["FilterPolicy"] == {"tickets": {"isFanClubMember": [True]}}
        else:
            assert "FilterPolicy" not in props and "FilterPolicyScope" not in props


def test_event_source_mappings_report_batch_item_failures(resources: dict[str, Any]) -> None:
    mappings = of_type(resources, "AWS::Lambda::EventSourceMapping").values()
    wired = {m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]: m["Properties"] for m in mappings}
    assert set(wired) == set(QUEUE_CONSUMERS)
    for queue, props in wired.items():
        assert props["FunctionName"] == {"Ref": QUEUE_CONSUMERS[queue]}
        assert props["BatchSize"] == 10
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_topic_is_encrypted_and_only_the_purchase_handler_publishes(resources: dict[str, Any]) -> None:
    assert resources["TourTicketingTopic"]["Properties"]["KmsMasterKeyId"] == KEY_ARN
    statements_by_sid = {
        s["Sid"]: s for s in resources["TourTicketingTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    }
    producer = {"Fn::GetAtt": ["TicketPurchaseHandlerRole", "Arn"]}
    assert statements_by_sid["PurchaseHandlerPublishes"]["Principal"] == {"AWS": producer}
    assert statements_by_sid["OnlyPurchaseHandlerPublishes"]["Condition"] == {
        "ArnNotEquals": {"aws:PrincipalArn": producer}
    }
    assert statements_by_sid["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_key_policy_grants_sns_with_source_arn_and_each_role_only_what_it_needs(resources: dict[str, Any]) -> None:
    key = resources["TourTicketingKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    assert resources["TourTicketingKeyAlias"]["Properties"]["AliasName"] == "alias/tour-ticketing"
    by_sid = {s["Sid"]: s for s in key["KeyPolicy"]["Statement"]}
    sns = by_sid["SnsDeliversToEncryptedQueues"]
    assert sns["Principal"] == {"Service": "sns.amazonaws.com"}
    assert set(sns["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert sns["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::Sub": "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:TourTicketingTopic"
    }
    consumers = by_sid["ConsumersReadEncryptedQueues"]
    assert consumers["Action"] == "kms:Decrypt"
    granted = consumers["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    assert [g["Fn::Sub"].rsplit("/", 1)[1] for g in granted] == [f"{f}Role" for f in QUEUE_CONSUMERS.values()]
    assert set(by_sid["ProducerPublishesToEncryptedTopic"]["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert not any("kms:*" in as_list(s["Action"]) for s in key["KeyPolicy"]["Statement"])


def test_tables_have_the_exact_names_and_keys(resources: dict[str, Any]) -> None:
    tables = {
        t["Properties"]["TableName"]: t["Properties"] for t in of_type(resources, "AWS::DynamoDB::Table").values()
    }
    keys = {name: [(k["AttributeName"], k["KeyType"]) for k in props["KeySchema"]] for name, props in tables.items()}
    assert keys == {
        "SeatInventory": [("concertId", "HASH"), ("seatNumber", "RANGE")],
        "Orders": [("orderId", "HASH")],
        "FanClubMembers": [("fanClubId", "HASH")],
    }
    assert {props["BillingMode"] for props in tables.values()} == {"PAY_PER_REQUEST"}


def test_vendor_access_role_trusts_the_vendor_with_external_id_and_touches_payment_fields_only(
    resources: dict[str, Any],
) -> None:
    props = resources["PaymentVendorAccessRole"]["Properties"]
    (trust,) = props["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Ref": "VendorCallbackRoleArn"}}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "VendorCallbackExternalId"}}}
    for statement in statements(resources["PaymentVendorAccessRole"]):
        assert statement["Resource"] == {"Fn::GetAtt": ["OrdersTable", "Arn"]}
        attributes = statement["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]
        assert "fanContact" not in attributes and "paymentStatus" in attributes
        assert statement["Condition"]["Null"] == {"dynamodb:Attributes": "false"}
    assert {a for s in statements(resources["PaymentVendorAccessRole"]) for a in as_list(s["Action"])} == {
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
    }


def test_log_groups_and_outputs(template: dict[str, Any], resources: dict[str, Any]) -> None:
    groups = {g["Properties"]["LogGroupName"] for g in of_type(resources, "AWS::Logs::LogGroup").values()}
    assert groups == {f"/aws/lambda/{name}" for name in FUNCTIONS}
    outputs = template["Outputs"]
    for queue in QUEUE_CONSUMERS:
        assert outputs[f"{queue}Url"]["Value"] == {"Ref": queue}
        assert outputs[f"{queue}Arn"]["Value"] == {"Fn::GetAtt": [queue, "Arn"]}
    for name in ("TopicArn", "KeyArn", "SeatTableName", "OrdersTableName", "FanClubTableName"):
        assert name in outputs
