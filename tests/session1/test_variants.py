"""Alternate-correct answers score 100 % and single mistakes lose points in the check you would expect.

Variants are the reference solution with one file (or one setting) changed; the 1a-1e checks run
directly on them (no deployment), so a hundred variants cost well under a second each.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import policy_documents
from tests.policy_documents import doc
from tests.session1.conftest import failing, grade, solution_json

A, R = "111111111111", "us-east-1"
KEY = f"arn:aws:kms:{R}:{A}:key/7d3e1b2a-5c4f-4e6a-9b8d-2f1c0a9e8b7d"
TOPIC = f"arn:aws:sns:{R}:{A}:TourTicketingTopic"
TPH_ROLE = f"arn:aws:iam::{A}:role/TicketPurchaseHandlerRole"


def q(name: str) -> str:
    return f"arn:aws:sqs:{R}:{A}:{name}"


def edited(relpath: str, change) -> dict[str, Any]:
    """The solution's JSON file at ``relpath`` after ``change(document)`` (which edits it in place)."""
    return policy_documents.edited(solution_json(relpath), change)


def sid(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in document["Statement"] if s.get("Sid") == name)


def drop(name: str):
    return lambda d: d.__setitem__("Statement", [s for s in d["Statement"] if s.get("Sid") != name])


def fence(name: str, operator: str = "ArnNotEquals", topic: str = TOPIC, principal: Any = "*") -> dict[str, Any]:
    """The Deny that keeps everyone but SNS acting for ``topic`` from sending to queue ``name``."""
    return {"Effect": "Deny", "Principal": principal, "Action": "sqs:SendMessage", "Resource": q(name),
            "Condition": {operator: {"aws:SourceArn": topic}}}


def sns_allow(name: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": q(name)}
    return statement | ({"Condition": condition} if condition else {})


SETTINGS = (
    "topic:\n  KmsMasterKeyId: {topic}\nqueues:\n"
    + "".join(f"  {n}:\n    KmsMasterKeyId: {{{n}}}\n    KmsDataKeyReusePeriodSeconds: {{reuse}}\n"
              for n in ("SeatInventoryQueue", "PaymentProcessingQueue", "NotificationQueue", "FanClubAwardsQueue"))
)


def settings(**changes: Any) -> str:
    values = {"topic": "alias/tour-ticketing", "SeatInventoryQueue": "alias/tour-ticketing", "PaymentProcessingQueue": "alias/tour-ticketing",
              "NotificationQueue": "alias/tour-ticketing", "FanClubAwardsQueue": "alias/tour-ticketing", "reuse": 300, **changes}
    return "# edited\n" + SETTINGS.format(**values)


def answers(reuse: int = 300, at60: int = 744, mine: int = 168, trade: str = "b") -> str:
    return (f"reuse_period_seconds: {reuse}\nkms_requests_at_60_seconds: {at60}\n"
            f"kms_requests_at_your_period: {mine}\ntrade_off: {trade}\n")


def split_kms(d: dict[str, Any]) -> None:
    sid(d, "EncryptForTopic")["Action"] = "kms:GenerateDataKey*"
    d["Statement"].append({"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY]})


def fence_with_not_resource(d: dict[str, Any]) -> None:
    d["Statement"] = [s for s in d["Statement"] if s.get("Sid") not in ("SendSms", "NeverPublishToTopics")]
    d["Statement"].append({"Sid": "SmsOnly", "Effect": "Allow", "Action": "sns:Publish", "NotResource": "arn:aws:sns:*:*:*"})


def reorder_and_unsid(d: dict[str, Any]) -> None:
    d["Statement"] = [{k: v for k, v in s.items() if k != "Sid"} for s in reversed(d["Statement"])]


def merge_consumer(d: dict[str, Any]) -> None:
    consume, decrypt = sid(d, "ConsumeOwnQueue"), sid(d, "DecryptQueueMessages")
    consume["Action"] = [a for a in consume["Action"] if a != "sqs:ChangeMessageVisibility"]
    d["Statement"].remove(decrypt)
    consume["Sid"] = "QueueAndKey"
    d["Statement"].append({"Sid": "Key", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY})


def topic_denies_only(d: dict[str, Any]) -> None:
    d["Statement"] = [s for s in d["Statement"] if s["Effect"] == "Deny"]
    d["Statement"][0]["Principal"] = {"AWS": "*"}
    d["Statement"][0]["Condition"] = {"StringNotEquals": {"aws:PrincipalArn": [TPH_ROLE]}}


def key_policy_names_roles(d: dict[str, Any]) -> None:
    sid(d, "ProducerPublishesToEncryptedTopic").update(Principal={"AWS": TPH_ROLE})
    sid(d, "ProducerPublishesToEncryptedTopic").pop("Condition")
    consumers = sid(d, "ConsumersReadEncryptedQueues")
    consumers["Principal"] = {"AWS": consumers.pop("Condition")["ArnEquals"]["aws:PrincipalArn"]}


def select_instead_of_null(d: dict[str, Any]) -> None:
    for statement in d["Statement"]:
        statement["Condition"].pop("Null")
    read = sid(d, "ReadOrderPaymentFields")["Condition"]
    read["StringEquals"] = read.pop("StringEqualsIfExists")


def without_null(d: dict[str, Any]) -> None:
    for statement in d["Statement"]:
        statement["Condition"].pop("Null")


def sns_by_account_only(d: dict[str, Any]) -> None:
    sid(d, "SnsDeliversToEncryptedQueues")["Condition"] = {"StringEquals": {"aws:SourceAccount": A}}


def attributes_without_key(d: dict[str, Any]) -> None:
    sid(d, "UpdatePaymentStatusOnly")["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"].remove("orderId")


DEFAULT_KEY_POLICY = doc(
    {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "kms:*", "Resource": "*"},
    {"Sid": "AllowSns", "Effect": "Allow", "Principal": {"Service": ["sns.amazonaws.com"]}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
     "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": TOPIC}}},
)

ALTERNATES: dict[str, dict[str, Any]] = {
    "tph: kms split into two statements, list vs string": {
        "iam/ticket-purchase-handler.json": edited("iam/ticket-purchase-handler.json", split_kms)},
    "tph: statements reordered, no Sids": {
        "iam/ticket-purchase-handler.json": edited("iam/ticket-purchase-handler.json", reorder_and_unsid)},
    "seat updater: queue and key merged differently, no ChangeMessageVisibility": {
        "iam/seat-inventory-updater.json": edited("iam/seat-inventory-updater.json", merge_consumer)},
    "payment processor: without the optional ChangeMessageVisibility": {
        "iam/payment-processor.json": edited("iam/payment-processor.json",
                                             lambda d: sid(d, "ConsumeOwnQueue").__setitem__("Action", ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]))},
    "fan notifier: SMS fenced with NotResource instead of a Deny": {
        "iam/fan-notifier.json": edited("iam/fan-notifier.json", fence_with_not_resource)},
    "fan club: logs:CreateLogGroup too (accepted)": {
        "iam/fan-club-award-processor.json": edited("iam/fan-club-award-processor.json",
                                                    lambda d: sid(d, "WriteOwnLogs")["Action"].append("logs:CreateLogGroup"))},
    "queue: Principal * with aws:SourceArn instead of the service principal": {
        "resource-policies/seat-inventory-queue.json": doc({"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
                                                            "Resource": q("SeatInventoryQueue"), "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}}},
                                                           fence("SeatInventoryQueue"))},
    "queue: ArnLike instead of ArnEquals, list values, fence first with ArnNotLike": {
        "resource-policies/notification-queue.json": doc(fence("NotificationQueue", "ArnNotLike", principal={"AWS": "*"}),
                                                         {"Sid": "Other", "Effect": "Allow", "Principal": {"Service": ["sns.amazonaws.com"]},
                                                          "Action": ["sqs:SendMessage"], "Resource": [q("NotificationQueue")],
                                                          "Condition": {"ArnLike": {"aws:SourceArn": [TOPIC]}}})},
    "queue: Allow without a condition, the Deny fence does the topic check": {
        "resource-policies/payment-processing-queue.json": doc(sns_allow("PaymentProcessingQueue"), fence("PaymentProcessingQueue", "StringNotEquals"))},
    "topic: only the two Denies (identity policy grants the producer)": {
        "resource-policies/topic.json": edited("resource-policies/topic.json", topic_denies_only)},
    "trust: principal as a list, ExternalId as a one-value list": {
        "cross-account/vendor-access-trust.json": doc({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::222222222222:role/PaymentVendorCallbackRole"]},
                                                       "Action": ["sts:AssumeRole"], "Condition": {"StringEquals": {"sts:ExternalId": ["payment-vendor-callback-7f3a9c"]}}})},
    "vendor permissions: Select required outright instead of the Null guard": {
        "cross-account/vendor-access-permissions.json": edited("cross-account/vendor-access-permissions.json", select_instead_of_null)},
    "vendor permissions: update only, no read at all": {
        "cross-account/vendor-access-permissions.json": edited("cross-account/vendor-access-permissions.json", drop("ReadOrderPaymentFields"))},
    "gateway: Resource as a list": {
        "cross-account/payment-processor-gateway.json": doc({"Effect": "Allow", "Action": ["sts:AssumeRole"],
                                                             "Resource": ["arn:aws:iam::222222222222:role/PaymentGatewayInvokeRole"]})},
    "key policy: AWS default (root kms:*) plus an SNS statement with ArnLike": {"encryption/key-policy.json": DEFAULT_KEY_POLICY},
    "key policy: SNS fenced by aws:SourceArn and aws:SourceAccount": {
        "encryption/key-policy.json": edited("encryption/key-policy.json", lambda d: sid(d, "SnsDeliversToEncryptedQueues")["Condition"].__setitem__(
            "StringEquals", {"aws:SourceAccount": A}))},
    "key policy: role ARNs as principals instead of root + aws:PrincipalArn": {
        "encryption/key-policy.json": edited("encryption/key-policy.json", key_policy_names_roles)},
    "settings: key ARN, key id and alias ARN instead of the alias": {
        "encryption/settings.yaml": settings(topic=KEY, SeatInventoryQueue="7d3e1b2a-5c4f-4e6a-9b8d-2f1c0a9e8b7d",
                                             NotificationQueue=f"arn:aws:kms:{R}:{A}:alias/tour-ticketing")},
    "answers: 600 s, estimates within tolerance, upper-case letter": {
        "answers.yaml": answers(600, 700, 100, "B"), "encryption/settings.yaml": settings(reuse=600)},
}


@pytest.mark.parametrize("name", ALTERNATES)
def test_alternate_correct_answer_scores_full_marks(variant, name):
    results = grade(variant(ALTERNATES[name]))
    assert failing(results) == [], {cid: results[cid].message for cid in failing(results)}


def _no_condition(d: dict[str, Any]) -> None:
    d["Statement"][0].pop("Condition")


MISTAKES: dict[str, tuple[dict[str, Any], str]] = {
    "tph without kms:GenerateDataKey": (
        {"iam/ticket-purchase-handler.json": edited("iam/ticket-purchase-handler.json", lambda d: sid(d, "EncryptForTopic").__setitem__("Action", "kms:Decrypt"))},
        "S1.iam.ticket-purchase-handler.needed"),
    "tph publishes on *": (
        {"iam/ticket-purchase-handler.json": edited("iam/ticket-purchase-handler.json", lambda d: sid(d, "PublishPurchases").__setitem__("Resource", "*"))},
        "S1.iam.ticket-purchase-handler.least-privilege"),
    "seat updater without sqs:DeleteMessage": (
        {"iam/seat-inventory-updater.json": edited("iam/seat-inventory-updater.json",
                                                   lambda d: sid(d, "ConsumeOwnQueue")["Action"].remove("sqs:DeleteMessage"))},
        "S1.iam.seat-inventory-updater.needed"),
    "seat updater on every queue": (
        {"iam/seat-inventory-updater.json": edited("iam/seat-inventory-updater.json",
                                                   lambda d: sid(d, "ConsumeOwnQueue").__setitem__("Resource", f"arn:aws:sqs:{R}:{A}:*"))},
        "S1.iam.seat-inventory-updater.least-privilege"),
    "payment processor dynamodb:*": (
        {"iam/payment-processor.json": edited("iam/payment-processor.json", lambda d: sid(d, "RecordPayments").__setitem__("Action", "dynamodb:*"))},
        "S1.iam.payment-processor.least-privilege"),
    "payment processor without GetItem": (
        {"iam/payment-processor.json": edited("iam/payment-processor.json", lambda d: sid(d, "RecordPayments").__setitem__("Action", "dynamodb:UpdateItem"))},
        "S1.iam.payment-processor.needed"),
    "fan notifier SMS without the Deny fence": (
        {"iam/fan-notifier.json": edited("iam/fan-notifier.json", drop("NeverPublishToTopics"))}, "S1.iam.fan-notifier.least-privilege"),
    "fan notifier without SES": (
        {"iam/fan-notifier.json": edited("iam/fan-notifier.json", drop("SendEmailFromSender"))}, "S1.iam.fan-notifier.needed"),
    "fan club kms:Decrypt on *": (
        {"iam/fan-club-award-processor.json": edited("iam/fan-club-award-processor.json", lambda d: sid(d, "DecryptQueueMessages").__setitem__("Resource", "*"))},
        "S1.iam.fan-club-award-processor.least-privilege"),
    "fan club logs on *": (
        {"iam/fan-club-award-processor.json": edited("iam/fan-club-award-processor.json", lambda d: sid(d, "WriteOwnLogs").__setitem__("Resource", "*"))},
        "S1.iam.fan-club-award-processor.least-privilege"),
    "topic: only an Allow for the producer": (
        {"resource-policies/topic.json": edited("resource-policies/topic.json", drop("OnlyPurchaseHandlerPublishes"))}, "S1.topic.only-producer"),
    "topic: no TLS rule": (
        {"resource-policies/topic.json": edited("resource-policies/topic.json", drop("DenyInsecureTransport"))}, "S1.topic.tls-only"),
    "topic: Deny exempts the wrong role": (
        {"resource-policies/topic.json": edited("resource-policies/topic.json", lambda d: sid(d, "OnlyPurchaseHandlerPublishes")["Condition"]["ArnNotEquals"]
                                                .__setitem__("aws:PrincipalArn", f"arn:aws:iam::{A}:role/FanNotifierRole"))},
        "S1.topic.only-producer"),
    "queue without a condition and without a fence": (
        {"resource-policies/payment-processing-queue.json": doc(sns_allow("PaymentProcessingQueue"))}, "S1.queues.only-topic"),
    "queue: Allow for the topic only, no Deny fence (same-account roles can still send)": (
        {"resource-policies/seat-inventory-queue.json": doc(sns_allow("SeatInventoryQueue", {"ArnEquals": {"aws:SourceArn": TOPIC}}))},
        "S1.queues.only-topic"),
    "queue: any topic of my account (Allow without fence)": (
        {"resource-policies/notification-queue.json": doc(sns_allow("NotificationQueue", {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:{R}:{A}:*"}}))},
        "S1.queues.only-topic"),
    "queue: any topic of my account (Allow and fence)": (
        {"resource-policies/notification-queue.json": doc(sns_allow("NotificationQueue", {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:{R}:{A}:*"}}),
                                                          fence("NotificationQueue", "ArnNotLike", f"arn:aws:sns:{R}:{A}:*"))},
        "S1.queues.only-topic"),
    "queue: fence without a condition also keeps the topic out": (
        {"resource-policies/fan-club-awards-queue.json": doc(sns_allow("FanClubAwardsQueue", {"ArnEquals": {"aws:SourceArn": TOPIC}}),
                                                             {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": q("FanClubAwardsQueue")})},
        "S1.queues.topic-delivers"),
    "queue policy names another queue (copy and paste)": (
        {"resource-policies/fan-club-awards-queue.json": solution_json("resource-policies/notification-queue.json")}, "S1.queues.topic-delivers"),
    "queue with no policy": ({"resource-policies/seat-inventory-queue.json": doc()}, "S1.queues.topic-delivers"),
    "queue: any topic of any account (Allow and fence)": (
        {"resource-policies/notification-queue.json": doc(sns_allow("NotificationQueue", {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}),
                                                          fence("NotificationQueue", "ArnNotLike", "arn:aws:sns:*:*:*"))},
        "S1.queues.only-topic"),
    "trust without ExternalId": (
        {"cross-account/vendor-access-trust.json": edited("cross-account/vendor-access-trust.json", _no_condition)}, "S1.xacct.external-id"),
    "trust: ExternalId matched by prefix (StringLike payment-vendor-*)": (
        {"cross-account/vendor-access-trust.json": edited("cross-account/vendor-access-trust.json",
                                                          lambda d: d["Statement"][0].__setitem__("Condition", {"StringLike": {"sts:ExternalId": "payment-vendor-*"}}))},
        "S1.xacct.external-id"),
    "trust names the vendor's whole account": (
        {"cross-account/vendor-access-trust.json": edited("cross-account/vendor-access-trust.json",
                                                          lambda d: d["Statement"][0].__setitem__("Principal", {"AWS": "222222222222"}))},
        "S1.xacct.only-vendor"),
    "trust with the gateway's ExternalId": (
        {"cross-account/vendor-access-trust.json": edited("cross-account/vendor-access-trust.json",
                                                          lambda d: d["Statement"][0]["Condition"]["StringEquals"].__setitem__("sts:ExternalId", "world-tour-ticketing-111111111111"))},
        "S1.xacct.vendor-can-assume"),
    "vendor may read and write whole orders": (
        {"cross-account/vendor-access-permissions.json": doc({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                                                              "Resource": f"arn:aws:dynamodb:{R}:{A}:table/Orders"})},
        "S1.xacct.payment-status-only"),
    "vendor read without the Select guard": (
        {"cross-account/vendor-access-permissions.json": edited("cross-account/vendor-access-permissions.json",
                                                                lambda d: sid(d, "ReadOrderPaymentFields")["Condition"].pop("StringEqualsIfExists"))},
        "S1.xacct.payment-status-only"),
    "vendor permissions without the Null guard": (
        {"cross-account/vendor-access-permissions.json": edited("cross-account/vendor-access-permissions.json", without_null)},
        "S1.xacct.payment-status-only"),
    "vendor update attributes without the table's key": (
        {"cross-account/vendor-access-permissions.json": edited("cross-account/vendor-access-permissions.json", attributes_without_key)},
        "S1.xacct.payment-status-only"),
    "gateway assume on *": (
        {"cross-account/payment-processor-gateway.json": edited("cross-account/payment-processor-gateway.json", lambda d: d["Statement"][0].__setitem__("Resource", "*"))},
        "S1.xacct.gateway-role-only"),
    "gateway role in the wrong account": (
        {"cross-account/payment-processor-gateway.json": edited("cross-account/payment-processor-gateway.json",
                                                                lambda d: d["Statement"][0].__setitem__("Resource", f"arn:aws:iam::{A}:role/PaymentGatewayInvokeRole"))},
        "S1.xacct.gateway-role-only"),
    "key policy without sns.amazonaws.com": (
        {"encryption/key-policy.json": edited("encryption/key-policy.json", drop("SnsDeliversToEncryptedQueues"))}, "S1.kms.sns-can-use-key"),
    "key policy lets SNS in for any topic": (
        {"encryption/key-policy.json": edited("encryption/key-policy.json", lambda d: sid(d, "SnsDeliversToEncryptedQueues").pop("Condition"))},
        "S1.kms.key-policy-fenced"),
    "key policy: SNS fenced by aws:SourceAccount only": (
        {"encryption/key-policy.json": edited("encryption/key-policy.json", sns_by_account_only)}, "S1.kms.key-policy-fenced"),
    "key policy without the administrators": (
        {"encryption/key-policy.json": edited("encryption/key-policy.json", drop("AccountAdministersKey"))}, "S1.kms.no-lockout"),
    "key policy without the consumers": (
        {"encryption/key-policy.json": edited("encryption/key-policy.json", drop("ConsumersReadEncryptedQueues"))}, "S1.kms.functions-can-use-key"),
    "NotificationQueue on alias/aws/sqs": ({"encryption/settings.yaml": settings(NotificationQueue="alias/aws/sqs")}, "S1.kms.sns-can-use-key"),
    "topic not encrypted": ({"encryption/settings.yaml": settings(topic="")}, "S1.kms.customer-managed-key"),
    "reuse period too short for the budget": ({"answers.yaml": answers(60, 744, 744), "encryption/settings.yaml": settings(reuse=60)}, "S1.cost.reuse-period"),
    "reuse period breaks the security rule": ({"answers.yaml": answers(900, 744, 72), "encryption/settings.yaml": settings(reuse=900)}, "S1.cost.reuse-period"),
    "reuse period from the exact budget formula (192 s: 19 periods start in the hour)": (
        {"answers.yaml": answers(192, 744, 252), "encryption/settings.yaml": settings(reuse=192)}, "S1.cost.reuse-period"),
    "fan club logs on the log group without the streams": (
        {"iam/fan-club-award-processor.json": edited("iam/fan-club-award-processor.json", lambda d: sid(d, "WriteOwnLogs").__setitem__(
            "Resource", f"arn:aws:logs:{R}:{A}:log-group:/aws/lambda/FanClubAwardProcessor"))},
        "S1.iam.fan-club-award-processor.needed"),
    "estimate forgets the principals and the topic": ({"answers.yaml": answers(at60=240)}, "S1.cost.estimates"),
    "wrong trade-off": ({"answers.yaml": answers(trade="a")}, "S1.cost.trade-off"),
    "chosen period not applied to the queues": ({"answers.yaml": answers(600, 744, 96), "encryption/settings.yaml": settings(reuse=300)}, "S1.cost.applied"),
}


#: What the failure message of a mistake must say (the probe that caught it, the request, the pointer).
SAYS: dict[str, list[str]] = {
    "queue: Allow for the topic only, no Deny fence (same-account roles can still send)": ["MarketingAppRole", "no Deny"],
    "queue: any topic of my account (Allow and fence)": [f"arn:aws:sns:{R}:{A}:OtherTopic"],
    "queue: any topic of my account (Allow without fence)": ["NotificationQueue"],
    "trust: ExternalId matched by prefix (StringLike payment-vendor-*)": ["only looks like the agreed one"],
    "key policy: SNS fenced by aws:SourceAccount only": [f"arn:aws:sns:{R}:{A}:OtherTopic", "another topic of your own account"],
    "vendor permissions without the Null guard": ["names no attributes", "no dynamodb:Attributes"],
    "vendor update attributes without the table's key": [
        "cannot record a payment result", "dynamodb:UpdateItem on arn:aws:dynamodb:us-east-1:111111111111:table/Orders",
        "dynamodb:Attributes [gatewayTransactionId, orderId, paymentStatus]", "dynamodb:ReturnValues NONE"],
    "reuse period from the exact budget formula (192 s: 19 periods start in the hour)": ["252 KMS requests"],
    "fan club logs on the log group without the streams": ["logs:CreateLogStream", "log *streams*", "`:*`"],
    "seat updater without sqs:DeleteMessage": ["sqs:DeleteMessage", "visibility timeout"],
    "tph without kms:GenerateDataKey": ["kms:GenerateDataKey", "two KMS actions"],
    "payment processor without GetItem": ["dynamodb:GetItem", "which table action"],
}


@pytest.mark.parametrize("name", MISTAKES)
def test_single_mistake_loses_points_in_the_expected_check(variant, name):
    files, expected = MISTAKES[name]
    results = grade(variant(files))
    assert expected in failing(results), {cid: r.message for cid, r in results.items() if not r.complete}
    assert results[expected].message, "a failing check must say what is wrong"
    for words in SAYS.get(name, []):
        assert words in results[expected].message, results[expected].message


def test_every_expected_message_belongs_to_a_mistake():
    assert set(SAYS) <= set(MISTAKES)


def test_enough_variants():
    assert len(ALTERNATES) >= 12 and len(MISTAKES) >= 20


def test_malformed_file_fails_only_the_checks_that_read_it(variant):
    results = grade(variant({"resource-policies/topic.json": '{"Version": "2012-10-17",\n  "Statement": [\n'}))
    assert failing(results) == ["S1.topic.only-producer", "S1.topic.tls-only"]
    assert "resource-policies/topic.json:3" in results["S1.topic.only-producer"].message
