"""Template (+ a lab folder's overrides) -> a running ticketing system in an offline cloud.

One call, :func:`deploy`, builds the whole system in a fresh moto account from ``template.yaml``.
moto's own CloudFormation would be simpler but is both slow (about 2.6 s for a small stack) and
unfaithful: it silently skips ``AWS::SQS::QueuePolicy``, ``AWS::SNS::Subscription`` and
``AWS::CloudWatch::Alarm`` and mangles a ``KeyPolicy`` given as a mapping (``shared/moto-gaps.md``).
So each resource type has a creator here that calls the service API (what CloudFormation itself
does), in dependency order, and records what moto does not enforce (policies) in the cloud's
:class:`~stack.cloud.offline.PolicyBook`. Lambda functions and event source mappings live in our
runtime, not in moto's Lambda (which cannot run code without Docker).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from stack import template as tpl
from stack.cloud.access import SourcedPolicy
from stack.cloud.event_source import EventSourceMapping
from stack.cloud.iam.enforce import PolicyAuthorizer
from stack.cloud.lambda_runtime import FunctionConfig
from stack.cloud.offline import OfflineCloud
from stack.overrides import Overrides, apply_overrides
from stack import seed as seed_data

HANDLERS = Path(__file__).with_name("handlers")
#: Which seed file fills which table (``stack/seed``).
SEED_TABLES = {"SeatInventory": "seats", "FanClubMembers": "fan_club_members"}
VENDOR = Path(__file__).with_name("vendor")


@dataclass
class Deployment:
    """A deployed system: the cloud it runs in and the physical names of its resources."""

    cloud: OfflineCloud
    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def arn(self, logical_id: str) -> str:
        return self.attributes[logical_id]["Arn"]


Creator = Callable[[Deployment, str, dict[str, Any]], tuple[Any, dict[str, Any]]]


def deploy(overrides: Overrides | None = None, *, seed: bool = True, enforce: bool = True, parameters: Mapping[str, str] | None = None,
           cloud: OfflineCloud | None = None, template_path: Path = tpl.TEMPLATE) -> Deployment:
    """Build the ticketing system (with ``overrides`` from a lab folder) in a new offline cloud.

    With ``enforce`` (the default) every call and delivery is decided by the policy engine over the
    deployed identity, resource, key and trust policies; without it everything is allowed (the
    runtime's behaviour is then only moto's plus ours). The returned deployment's cloud is started;
    close it when done.
    """
    overrides = overrides or Overrides()
    template, origins = apply_overrides(tpl.load(template_path), overrides)
    cloud = cloud or OfflineCloud()
    cloud.start()
    try:
        deployment = Deployment(cloud, origins=origins)
        cloud.add_managed_keys()
        resolver = tpl.Resolver(template, parameters or {}, cloud.account, cloud.region)
        resources = template.get("Resources", {})
        for logical_id in tpl.creation_order(template):
            resource = resources[logical_id]
            if "Condition" in resource and not resolver.condition(resource["Condition"]):
                continue
            creator = CREATORS.get(resource["Type"])
            if creator is None:
                deployment.notes.append(f"{logical_id}: {resource['Type']} is not modelled offline; skipped")
                continue
            properties = resolver.resolve(resource.get("Properties", {}))
            deployment.metadata[logical_id] = resource.get("Metadata", {})
            ref, attributes = creator(deployment, logical_id, properties)
            resolver.created(logical_id, ref, attributes)
            deployment.refs[logical_id] = ref
            deployment.attributes[logical_id] = attributes
        _deploy_vendor(deployment)
        if enforce:
            cloud.set_authorizer(PolicyAuthorizer(cloud.policies))
        if seed:
            _seed(deployment)
    except BaseException:
        cloud.close()
        raise
    return deployment


# -- resource creators (one per type) ------------------------------------------------------------
def _origin(d: Deployment, key: str) -> str:
    return d.origins.get(key, f"stack/template.yaml#{key}")


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _kms_key(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    kms = d.cloud.client("kms")
    policy = p.get("KeyPolicy")
    args: dict[str, Any] = {"Description": p.get("Description", ""), "KeyUsage": p.get("KeyUsage", "ENCRYPT_DECRYPT")}
    if policy is not None:
        args["Policy"] = _json(policy)  # moto stores a mapping as a dict and then breaks describe_key
    # AWS picks key ids and the API cannot be told one. A fixed id (from the template's Metadata)
    # makes the key ARN something a lab file can name, and runs repeatable (stack/cloud/pinned_keys.py).
    meta = d.cloud.pinned_keys.create(kms, args, d.metadata.get(logical_id, {}).get("OfflineKeyId"))
    if p.get("EnableKeyRotation"):
        kms.enable_key_rotation(KeyId=d.cloud.pinned_keys.on_server(meta["KeyId"]))
    if p.get("Enabled") is False:
        kms.disable_key(KeyId=d.cloud.pinned_keys.on_server(meta["KeyId"]))
    if policy is not None:
        d.cloud.policies.keys[meta["Arn"]] = SourcedPolicy(json.loads(_json(policy)), _origin(d, f"{logical_id}/KeyPolicy"))
    return meta["KeyId"], {"Arn": meta["Arn"], "KeyId": meta["KeyId"]}


def _kms_alias(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    d.cloud.client("kms").create_alias(AliasName=p["AliasName"], TargetKeyId=d.cloud.pinned_keys.on_server(p["TargetKeyId"]))
    return p["AliasName"], {}


_TOPIC_ATTRIBUTES = ("KmsMasterKeyId", "DisplayName", "FifoTopic", "ContentBasedDeduplication", "SignatureVersion", "TracingConfig")


def _topic(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    attributes = {k: str(p[k]) for k in _TOPIC_ATTRIBUTES if k in p}
    arn = d.cloud.client("sns").create_topic(Name=p.get("TopicName", logical_id), Attributes=attributes)["TopicArn"]
    return arn, {"TopicArn": arn, "TopicName": arn.split(":")[-1]}


def _topic_policy(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    topics = p.get("Topics") or [p["TopicArn"]]
    for arn in topics:
        d.cloud.client("sns").set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=_json(p["PolicyDocument"]))
        d.cloud.policies.resources[arn] = SourcedPolicy(p["PolicyDocument"], _origin(d, f"{logical_id}/PolicyDocument"))
    return logical_id, {}


_QUEUE_ATTRIBUTES = ("DelaySeconds", "KmsDataKeyReusePeriodSeconds", "KmsMasterKeyId", "MaximumMessageSize", "MessageRetentionPeriod",
                     "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "RedriveAllowPolicy", "SqsManagedSseEnabled", "VisibilityTimeout",
                     "FifoQueue", "ContentBasedDeduplication")


def _queue(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    attributes = {k: _json(p[k]) if isinstance(p[k], dict) else str(p[k]).lower() if isinstance(p[k], bool) else str(p[k])
                  for k in _QUEUE_ATTRIBUTES if k in p}
    sqs = d.cloud.client("sqs")
    url = sqs.create_queue(QueueName=p.get("QueueName", logical_id), Attributes=attributes)["QueueUrl"]
    name = url.rsplit("/", 1)[-1]
    arn = f"arn:aws:sqs:{d.cloud.region}:{d.cloud.account}:{name}"
    return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}


def _queue_policy(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    sqs = d.cloud.client("sqs")
    for url in p["Queues"]:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": _json(p["PolicyDocument"])})
        arn = f"arn:aws:sqs:{d.cloud.region}:{url.rstrip('/').split('/')[-2]}:{url.rsplit('/', 1)[-1]}"
        d.cloud.policies.resources[arn] = SourcedPolicy(p["PolicyDocument"], _origin(d, f"{logical_id}/PolicyDocument"))
    return logical_id, {}


_SUBSCRIPTION_ATTRIBUTES = ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy", "DeliveryPolicy")


def subscription_attributes(p: Mapping[str, Any]) -> dict[str, str]:
    """A resolved ``AWS::SNS::Subscription``'s properties -> ``sns:Subscribe`` attributes (also used by
    :mod:`stack.moto_gaps`, which subscribes what moto's CloudFormation skips)."""
    return {k: _json(p[k]) if isinstance(p[k], (dict, list)) else str(p[k]).lower() if isinstance(p[k], bool) else str(p[k])
            for k in _SUBSCRIPTION_ATTRIBUTES if k in p}


def _subscription(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    arn = d.cloud.subscribe(p["TopicArn"], p["Protocol"], p["Endpoint"], subscription_attributes(p))
    return arn, {"Arn": arn}


def _table(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    args = {k: p[k] for k in ("TableName", "KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes") if k in p}
    args["BillingMode"] = p.get("BillingMode", "PAY_PER_REQUEST")
    if args["BillingMode"] == "PROVISIONED":
        args["ProvisionedThroughput"] = p["ProvisionedThroughput"]
    description = d.cloud.client("dynamodb").create_table(**args)["TableDescription"]
    return description["TableName"], {"Arn": description["TableArn"]}


def _role(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    iam = d.cloud.client("iam")
    name = p.get("RoleName", logical_id)
    role = iam.create_role(RoleName=name, Path=p.get("Path", "/"), AssumeRolePolicyDocument=_json(p["AssumeRolePolicyDocument"]))["Role"]
    arn = role["Arn"]
    d.cloud.policies.trusts[arn] = SourcedPolicy(p["AssumeRolePolicyDocument"], _origin(d, f"{logical_id}/AssumeRolePolicyDocument"))
    attached: list[SourcedPolicy] = []
    for index, policy in enumerate(p.get("Policies", [])):
        iam.put_role_policy(RoleName=name, PolicyName=policy.get("PolicyName", f"policy{index}"), PolicyDocument=_json(policy["PolicyDocument"]))
        attached.append(SourcedPolicy(policy["PolicyDocument"], _origin(d, f"{logical_id}/Policies/{index}")))
    for managed in p.get("ManagedPolicyArns", []):
        iam.attach_role_policy(RoleName=name, PolicyArn=managed)
        version = iam.get_policy(PolicyArn=managed)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=managed, VersionId=version)["PolicyVersion"]["Document"]
        attached.append(SourcedPolicy(json.loads(_json(document)), managed))
    d.cloud.policies.identities[arn] = attached
    return name, {"Arn": arn, "RoleId": role["RoleId"]}


def _function(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    name = p.get("FunctionName", logical_id)
    code_dir = Path(d.origins.get(f"{logical_id}/Code", HANDLERS))
    d.cloud.runtime.add(FunctionConfig(
        name=name, role_arn=p["Role"], handler=p["Handler"], code_dir=code_dir,
        environment={k: str(v) for k, v in p.get("Environment", {}).get("Variables", {}).items()},
        timeout_s=float(p.get("Timeout", 3)), memory_mb=int(p.get("MemorySize", 128)),
        account=d.cloud.account, region=d.cloud.region,
    ))
    arn = f"arn:aws:lambda:{d.cloud.region}:{d.cloud.account}:function:{name}"
    return name, {"Arn": arn}


def _event_source(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    queue_arn = p["EventSourceArn"]
    function = str(p["FunctionName"]).split(":function:")[-1]
    region, account, name = queue_arn.split(":")[3:6]
    mapping = EventSourceMapping(
        uuid=f"{logical_id}-offline", queue_arn=queue_arn, queue_url=f"https://sqs.{region}.amazonaws.com/{account}/{name}",
        function=function, batch_size=int(p.get("BatchSize", 10)),
        report_batch_item_failures="ReportBatchItemFailures" in p.get("FunctionResponseTypes", []),
        enabled=p.get("Enabled", True) is not False,
    )
    d.cloud.mappings.append(mapping)
    return mapping.uuid, {}


def _log_group(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    logs = d.cloud.client("logs")
    name = p.get("LogGroupName", logical_id)
    logs.create_log_group(logGroupName=name)
    if "RetentionInDays" in p:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(p["RetentionInDays"]))
    return name, {"Arn": f"arn:aws:logs:{d.cloud.region}:{d.cloud.account}:log-group:{name}:*"}


def alarm_arguments(logical_id: str, p: Mapping[str, Any]) -> dict[str, Any]:
    """A resolved ``AWS::CloudWatch::Alarm``'s properties -> ``put_metric_alarm`` arguments."""
    return {**{k: v for k, v in p.items() if k != "AlarmName"}, "AlarmName": p.get("AlarmName", logical_id)}


def _alarm(d: Deployment, logical_id: str, p: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    d.cloud.client("cloudwatch").put_metric_alarm(**alarm_arguments(logical_id, p))
    return p.get("AlarmName", logical_id), {"Arn": f"arn:aws:cloudwatch:{d.cloud.region}:{d.cloud.account}:alarm:{p.get('AlarmName', logical_id)}"}


CREATORS: dict[str, Creator] = {
    "AWS::KMS::Key": _kms_key,
    "AWS::KMS::Alias": _kms_alias,
    "AWS::SNS::Topic": _topic,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::SNS::Subscription": _subscription,
    "AWS::SQS::Queue": _queue,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::DynamoDB::Table": _table,
    "AWS::IAM::Role": _role,
    "AWS::Lambda::Function": _function,
    "AWS::Lambda::EventSourceMapping": _event_source,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::CloudWatch::Alarm": _alarm,
}


# -- outside the template --------------------------------------------------------------------------
def _deploy_vendor(d: Deployment) -> None:
    """The payment vendor's account (222222222222) as far as we can see it: its roles and gateway."""
    vendor = json.loads((VENDOR / "account.json").read_text(encoding="utf-8"))
    account, region = vendor["account"], d.cloud.region
    for name, role in vendor["roles"].items():
        arn = f"arn:aws:iam::{account}:role/{name}"
        d.cloud.policies.trusts[arn] = SourcedPolicy(role["trust"], f"stack/vendor/account.json#{name}")
        d.cloud.policies.identities[arn] = [SourcedPolicy(doc, f"stack/vendor/account.json#{name}") for doc in role["policies"]]
    for name, function in vendor["functions"].items():
        d.cloud.runtime.add(FunctionConfig(
            name=name, role_arn=f"arn:aws:iam::{account}:role/{function['role']}", handler=function["handler"],
            code_dir=VENDOR, environment=function.get("environment", {}), timeout_s=float(function.get("timeout", 10)),
            account=account, region=region,
        ))


def _seed(d: Deployment) -> None:
    """Concert seats and fan club members, written as the operator; the sender identity verified."""
    seed_tables(d.cloud.client("dynamodb"))
    for function in d.cloud.runtime.functions.values():
        sender = function.environment.get("SENDER_EMAIL")
        if sender:
            d.cloud.client("ses").verify_email_identity(EmailAddress=sender)


def seed_tables(dynamodb: Any) -> None:
    """Write the seed seats and fan club members with ``dynamodb`` (any endpoint's client)."""
    serializer = TypeSerializer()
    for table, name in SEED_TABLES.items():
        items = [{k: serializer.serialize(v) for k, v in item.items()} for item in seed_data.load(name)]
        for start in range(0, len(items), 25):
            dynamodb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]})
