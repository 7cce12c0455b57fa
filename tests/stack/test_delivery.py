"""SNS -> SQS delivery shapes: the JSON envelope, raw delivery, filter policies in both scopes."""

from __future__ import annotations

import json

import pytest

from stack.overrides import Overrides

ECHO = """
def handler(event, context):
    return {"batchItemFailures": [], "records": event["Records"]}
"""


def _records(cloud):
    return [r for i in cloud.journal.invocations if i.function == "FanClubAwardProcessor" for r in i.response["records"]]


def test_default_delivery_wraps_the_message_in_the_sns_envelope(system, purchases, handler_dir):
    cloud = system(Overrides(handlers={"FanClubAwardProcessor": handler_dir("fan_club_award_processor", ECHO)})).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle()
    (record,) = _records(cloud)
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(":FanClubAwardsQueue")
    assert set(record["attributes"]) == {"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"}
    envelope = json.loads(record["body"])
    assert envelope["Type"] == "Notification" and envelope["TopicArn"].endswith(":TourTicketingTopic")
    assert {"MessageId", "Message", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"} <= set(envelope)
    assert envelope["MessageAttributes"]["hasFanClubTicket"] == {"Type": "String", "Value": "true"}
    assert json.loads(envelope["Message"])["orderId"] == "ORD987654321"


def test_raw_delivery_with_an_attribute_scope_filter(system, purchases, handler_dir):
    overrides = Overrides(
        handlers={"FanClubAwardProcessor": handler_dir("fan_club_award_processor", ECHO)},
        subscription_attributes={"FanClubAwardsQueue": {
            "RawMessageDelivery": True, "FilterPolicyScope": "MessageAttributes",
            "FilterPolicy": {"hasFanClubTicket": ["true"]},
        }},
    )
    cloud = system(overrides).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.invoke("TicketPurchaseHandler", purchases["no_fan_club"])
    cloud.run_until_idle()
    (record,) = _records(cloud)
    assert json.loads(record["body"])["orderId"] == "ORD987654321"  # the message itself, no envelope
    assert record["messageAttributes"]["hasFanClubTicket"]["stringValue"] == "true"
    assert record["messageAttributes"]["hasFanClubTicket"]["dataType"] == "String"


@pytest.mark.parametrize(
    ("scope", "policy", "delivered"),
    [
        pytest.param("MessageBody", {"tickets": {"isFanClubMember": [True]}}, True, id="body-scope-array-any-element-matches"),
        pytest.param("MessageBody", {"tickets": {"isFanClubMember": ["true"]}}, False, id="body-scope-boolean-is-not-the-string-true"),
        pytest.param("MessageAttributes", {"hasFanClubTicket": ["true"]}, True, id="attribute-scope-string-true"),
        pytest.param("MessageAttributes", {"hasFanClubTicket": [True]}, False, id="attribute-scope-string-is-not-boolean-true"),
    ],
)
def test_filter_policy_scopes_follow_aws_matching(system, purchases, handler_dir, scope, policy, delivered):
    """aws-facts, SNS: in body scope an array matches if any element does; a String "true" is not true."""
    overrides = Overrides(
        handlers={"FanClubAwardProcessor": handler_dir("fan_club_award_processor", ECHO)},
        subscription_attributes={"FanClubAwardsQueue": {"FilterPolicyScope": scope, "FilterPolicy": policy}},
    )
    cloud = system(overrides).cloud
    cloud.invoke("TicketPurchaseHandler", purchases["sample"])
    cloud.run_until_idle()
    assert bool(_records(cloud)) is delivered
