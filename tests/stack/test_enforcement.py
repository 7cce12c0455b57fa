"""Enforcement on the offline cloud: denied calls, failed deliveries and KMS, as AWS shows them."""

from __future__ import annotations

import copy
from typing import Any

from stack import template
from stack.cloud.access import SourcedPolicy
from stack.overrides import Overrides


def _role_policy(role: str) -> dict[str, Any]:
    """The reference inline policy of ``role`` (intrinsics unresolved: deploy resolves them)."""
    return copy.deepcopy(template.load()["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"])


def _without(role: str, action: str) -> SourcedPolicy:
    document = _role_policy(role)
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        statement["Action"] = [a for a in actions if a != action] or ["sqs:GetQueueUrl"]
    return SourcedPolicy(document, f"test: {role} without {action}")


def _invocations(cloud: Any, function: str) -> list[Any]:
    return [i for i in cloud.journal.invocations if i.function == function]


def test_managed_key_on_a_subscribed_queue_fails_delivery(system, purchases):
    overrides = Overrides(queue_attributes={"NotificationQueue": {"KmsMasterKeyId": "alias/aws/sqs"}})
    cloud = system(overrides).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle()
    failed = [d for d in cloud.journal.deliveries if d.outcome == "failed"]
    assert [d.endpoint.rsplit(":", 1)[-1] for d in failed] == ["NotificationQueue"]
    assert "AWS managed key" in failed[0].reason and "KMS.AccessDeniedException" in failed[0].reason
    assert cloud.metrics.total("AWS/SNS", "NumberOfNotificationsFailed", "TourTicketingTopic") >= 1
    assert cloud.metrics.total("AWS/SQS", "NumberOfMessagesSent", "NotificationQueue") == 0
    assert not _invocations(cloud, "FanNotifier")
    assert _invocations(cloud, "PaymentProcessor")  # the siblings still get theirs


def test_queue_without_policy_gets_nothing_from_the_topic(system, purchases):
    cloud = system(Overrides(queue_policies={"SeatInventoryQueue": None})).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle()
    failed = [d for d in cloud.journal.deliveries if d.outcome == "failed"]
    assert len(failed) == 1 and "queue policy" in failed[0].reason
    assert failed[0].decision is not None and failed[0].decision.decision == "ImplicitDeny"


def test_denied_table_write_raises_access_denied_with_aws_wording(system, purchases):
    overrides = Overrides(role_policies={"PaymentProcessor": [_without("PaymentProcessorRole", "dynamodb:UpdateItem")]})
    cloud = system(overrides).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle(max_virtual_seconds=60)
    denied = [c for c in cloud.journal.denials() if c.function == "PaymentProcessor"]
    assert denied and denied[0].request.action == "dynamodb:UpdateItem"
    assert denied[0].request.principal.arn == "arn:aws:sts::111111111111:assumed-role/PaymentProcessorRole/PaymentProcessor"
    assert "because no identity-based policy allows the dynamodb:UpdateItem action" in denied[0].decision.because
    cloud.flush()
    events = cloud.client("logs").filter_log_events(logGroupName="/aws/lambda/PaymentProcessor")["events"]
    text = "\n".join(e["message"] for e in events)
    assert "AccessDeniedException" in text
    assert "is not authorized to perform: dynamodb:UpdateItem on resource: arn:aws:dynamodb:us-east-1:111111111111:table/Orders" in text


def test_missing_delete_permission_means_redelivery(system, purchases):
    overrides = Overrides(role_policies={"SeatInventoryUpdater": [_without("SeatInventoryUpdaterRole", "sqs:DeleteMessage")]})
    cloud = system(overrides).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle()
    calls = _invocations(cloud, "SeatInventoryUpdater")
    assert len(calls) > 1 and all(c.outcome == "ok" for c in calls)
    mapping = next(m for m in cloud.mappings if m.function == "SeatInventoryUpdater")
    assert "could not delete" in mapping.last_error and "AccessDenied" in mapping.last_error


def test_consumer_without_kms_decrypt_cannot_receive(system, purchases):
    overrides = Overrides(role_policies={"FanClubAwardProcessor": [_without("FanClubAwardProcessorRole", "kms:Decrypt")]})
    cloud = system(overrides).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle(max_virtual_seconds=30)
    assert not _invocations(cloud, "FanClubAwardProcessor")
    mapping = next(m for m in cloud.mappings if m.function == "FanClubAwardProcessor")
    assert "KMS.AccessDeniedException" in mapping.last_error and "kms:Decrypt" in mapping.last_error


def test_same_account_topic_policy_naming_the_role_is_enough(system, purchases):
    """aws-facts: a same-account resource policy that names a role grants on its own."""
    overrides = Overrides(role_policies={"TicketPurchaseHandler": [_without("TicketPurchaseHandlerRole", "sns:Publish")]})
    cloud = system(overrides).cloud
    assert cloud.invoke("TicketPurchaseHandler", purchases["sample"]).response["statusCode"] == 202
    assert not cloud.journal.denials()


def test_producer_denied_publish_gets_authorization_error(system, purchases):
    overrides = Overrides(role_policies={"TicketPurchaseHandler": [_without("TicketPurchaseHandlerRole", "sns:Publish")]},
                          topic_policy=None)
    cloud = system(overrides).cloud
    record = cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    denied = [c for c in cloud.journal.denials() if c.function == "TicketPurchaseHandler"]
    assert denied and denied[0].request.action == "sns:Publish"
    assert record.outcome == "error" or record.response.get("statusCode", 200) >= 500
    assert cloud.metrics.total("AWS/SNS", "NumberOfMessagesPublished", "TourTicketingTopic") == 0


def test_data_key_reuse_period_drives_kms_request_count(system, purchases):
    counts = {}
    for reuse in (60, 3600):
        overrides = Overrides(queue_attributes={q: {"KmsDataKeyReusePeriodSeconds": reuse} for q in
                                                ("SeatInventoryQueue", "PaymentProcessingQueue", "NotificationQueue", "FanClubAwardsQueue")})
        deployment = system(overrides)
        cloud = deployment.cloud
        for minute in range(10):
            purchase = dict(purchases["sample"], orderId=f"ORD00000{minute:04d}")
            purchase["tickets"] = [dict(purchase["tickets"][0], seatNumber=f"B{minute + 1}")]
            purchase["totalAmount"] = 250.0
            cloud.invoke("TicketPurchaseHandler", purchase)
            cloud.run_until_idle()
            cloud.clock.advance(60)
        counts[reuse] = cloud.kms_meter.total(deployment.arn("TourTicketingKey"))
        cloud.close()
    assert counts[60] > counts[3600] > 0
