"""After CloudFormation on a moto server: create what moto's CloudFormation silently skips, and prove it.

moto 5.2 reports ``CREATE_COMPLETE`` while it skips ``AWS::SQS::QueuePolicy``, ``AWS::SNS::Subscription``
(so nothing would be delivered) and ``AWS::CloudWatch::Alarm``, and stores a mapping ``KeyPolicy`` as a
dict after which ``describe_key`` fails (``shared/moto-gaps.md``). :func:`repair` makes those through
the API from the same merged template, resolved against the stack's physical ids; :func:`verify`
reads each back. It also disables the event source mappings: moto would try to run the consumers in
Docker on every delivered message (they are run by our runtime instead, or not at all).

Only for a moto server: LocalStack and AWS create all of these themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from stack import template as tpl
from stack.cloudformation import StackResult
from stack.deploy import alarm_arguments, subscription_attributes

SKIPPED = ("AWS::SQS::QueuePolicy", "AWS::SNS::Subscription", "AWS::CloudWatch::Alarm")


@dataclass
class Repairs:
    """What :func:`repair` did, by logical id (and what :func:`verify` found missing)."""

    done: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


class _Attributes(Mapping[str, Any]):
    """``Fn::GetAtt`` values of a deployed resource, read from the endpoint when first asked for."""

    def __init__(self, target: Any, kind: str, physical: str, account: str, region: str) -> None:
        self.target, self.kind, self.physical, self.account, self.region = target, kind, physical, account, region
        self._cache: dict[str, Any] | None = None

    def _values(self) -> dict[str, Any]:
        if self._cache is None:
            p, a, r = self.physical, self.account, self.region
            if self.kind == "AWS::SQS::Queue":
                arn = self.target.client("sqs").get_queue_attributes(QueueUrl=p, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                self._cache = {"Arn": arn, "QueueName": p.rsplit("/", 1)[-1], "QueueUrl": p}
            elif self.kind == "AWS::SNS::Topic":
                self._cache = {"TopicArn": p, "TopicName": p.rsplit(":", 1)[-1]}
            elif self.kind == "AWS::KMS::Key":
                self._cache = {"Arn": f"arn:aws:kms:{r}:{a}:key/{p}", "KeyId": p}
            elif self.kind == "AWS::IAM::Role":
                role = self.target.client("iam").get_role(RoleName=p)["Role"]
                self._cache = {"Arn": role["Arn"], "RoleId": role["RoleId"]}
            elif self.kind == "AWS::DynamoDB::Table":
                self._cache = {"Arn": self.target.client("dynamodb").describe_table(TableName=p)["Table"]["TableArn"]}
            elif self.kind == "AWS::Lambda::Function":
                self._cache = {"Arn": f"arn:aws:lambda:{r}:{a}:function:{p}"}
            else:
                self._cache = {}
        return self._cache

    def __getitem__(self, key: str) -> Any:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


def resolver(target: Any, template: Mapping[str, Any], stack: StackResult, parameters: Mapping[str, str]) -> tpl.Resolver:
    """A resolver of the template's intrinsics over the deployed stack's physical resources."""
    account = target.client("sts").get_caller_identity()["Account"]
    resolve = tpl.Resolver(template, parameters, account, target.region, stack.name)
    for logical_id, (kind, physical) in stack.resources.items():
        resolve.values[logical_id] = physical
        resolve.attributes[logical_id] = _Attributes(target, kind, physical, account, target.region)  # type: ignore[assignment]
    return resolve


def repair(target: Any, template: Mapping[str, Any], stack: StackResult, parameters: Mapping[str, str]) -> Repairs:
    """Create the skipped resources and fix the key policy (idempotent: safe to run again)."""
    resolve = resolver(target, template, stack, parameters)
    repairs = Repairs()
    resources = template.get("Resources", {})
    for logical_id in tpl.creation_order(template):
        resource = resources[logical_id]
        kind = resource["Type"]
        if kind not in (*SKIPPED, "AWS::KMS::Key"):
            continue
        if "Condition" in resource and not resolve.condition(resource["Condition"]):
            continue
        p = resolve.resolve(resource.get("Properties", {}))
        if kind == "AWS::SQS::QueuePolicy":
            for url in p["Queues"]:
                target.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(p["PolicyDocument"])})
            repairs.done[logical_id] = f"queue policy set on {len(p['Queues'])} queue(s)"
        elif kind == "AWS::SNS::Subscription":
            sns = target.client("sns")
            arn = sns.subscribe(TopicArn=p["TopicArn"], Protocol=p["Protocol"], Endpoint=p["Endpoint"],
                                Attributes=subscription_attributes(p), ReturnSubscriptionArn=True)["SubscriptionArn"]
            repairs.done[logical_id] = f"subscribed {p['Endpoint']} ({arn})"
        elif kind == "AWS::CloudWatch::Alarm":
            target.client("cloudwatch").put_metric_alarm(**alarm_arguments(logical_id, p))
            repairs.done[logical_id] = "alarm created"
        elif kind == "AWS::KMS::Key" and "KeyPolicy" in p and logical_id in stack.resources:
            target.client("kms").put_key_policy(KeyId=stack.resources[logical_id][1], PolicyName="default", Policy=json.dumps(p["KeyPolicy"]))
            repairs.done[logical_id] = "key policy stored as JSON"
    lam = target.client("lambda")
    for logical_id, (kind, physical) in stack.resources.items():
        if kind == "AWS::Lambda::EventSourceMapping":
            lam.update_event_source_mapping(UUID=physical, Enabled=False)
            repairs.done[logical_id] = "disabled (moto cannot run the function's code)"
    return repairs


def verify(target: Any, template: Mapping[str, Any], stack: StackResult, parameters: Mapping[str, str]) -> list[str]:
    """What the template declares and the endpoint does not have (empty: everything is there)."""
    resolve = resolver(target, template, stack, parameters)
    missing: list[str] = []
    resources = template.get("Resources", {})
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        if kind not in (*SKIPPED, "AWS::KMS::Key"):
            continue
        p = resolve.resolve(resource.get("Properties", {}))
        if kind == "AWS::SQS::QueuePolicy":
            for url in p["Queues"]:
                got = target.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
                if not got or json.loads(got) != json.loads(json.dumps(p["PolicyDocument"])):
                    missing.append(f"{logical_id}: {url} has no (or another) queue policy")
        elif kind == "AWS::SNS::Subscription":
            subs = target.client("sns").list_subscriptions_by_topic(TopicArn=p["TopicArn"])["Subscriptions"]
            if not any(s["Endpoint"] == p["Endpoint"] and s["Protocol"] == p["Protocol"] for s in subs):
                missing.append(f"{logical_id}: {p['Endpoint']} is not subscribed to {p['TopicArn']}")
        elif kind == "AWS::CloudWatch::Alarm":
            name = alarm_arguments(logical_id, p)["AlarmName"]
            if not target.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]:
                missing.append(f"{logical_id}: alarm {name} does not exist")
        elif kind == "AWS::KMS::Key" and "KeyPolicy" in p and logical_id in stack.resources:
            got = target.client("kms").get_key_policy(KeyId=stack.resources[logical_id][1], PolicyName="default")["Policy"]
            if not isinstance(got, str) or json.loads(got) != json.loads(json.dumps(p["KeyPolicy"])):
                missing.append(f"{logical_id}: the key policy is not the template's")
    return missing
