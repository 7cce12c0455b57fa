"""A lab folder's replacements for parts of the template, applied before deploy.

The learner edits plain files (a role's policy, a queue's attributes, a key policy, a handler); the
grader reads them into an :class:`Overrides` and :func:`apply_overrides` writes them into a copy of
the template, so the offline deploy and a real CloudFormation deploy see the same merged system.
Resources are named the way the labs name them (``PaymentProcessor``, ``SeatInventoryQueue``), not
by logical id; each replaced policy remembers the file it came from, so a denial can point at it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stack.cloud.access import SourcedPolicy
from stack.template import deep_copy

REMOVE = None  # a queue or topic policy override of None removes the policy


@dataclass(frozen=True)
class Overrides:
    """What a lab folder replaces. Every mapping is keyed by the resource's name in the system."""

    role_policies: Mapping[str, Sequence[SourcedPolicy]] = field(default_factory=dict)  # by function (or role) name
    trust_policies: Mapping[str, SourcedPolicy] = field(default_factory=dict)  # by role name
    queue_attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # by queue name
    queue_policies: Mapping[str, SourcedPolicy | None] = field(default_factory=dict)  # by queue name
    topic_attributes: Mapping[str, Any] = field(default_factory=dict)
    topic_policy: SourcedPolicy | None | bool = False  # False: keep the template's; None: remove
    key_policy: SourcedPolicy | None = None
    subscription_attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # by queue name
    handlers: Mapping[str, Path] = field(default_factory=dict)  # by function name: folder holding its module


class OverrideError(ValueError):
    """An override names a resource the template does not have."""


def _by_type(resources: Mapping[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in resources.items() if r["Type"] == kind}


def _target(value: Any) -> str | None:
    """The logical id a ``Ref`` or ``GetAtt`` points at."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return target[0] if isinstance(target, list) else str(target).split(".")[0]
    return None


def _named(resources: Mapping[str, Any], kind: str, name_property: str, name: str) -> str:
    for logical_id, resource in _by_type(resources, kind).items():
        if resource.get("Properties", {}).get(name_property, logical_id) == name:
            return logical_id
    raise OverrideError(f"the system has no {kind} named {name!r}")


def _role_of(resources: Mapping[str, Any], name: str) -> str:
    """A function name -> its role's logical id; a role name -> that role."""
    try:
        function = _named(resources, "AWS::Lambda::Function", "FunctionName", name)
    except OverrideError:
        return _named(resources, "AWS::IAM::Role", "RoleName", name)
    role = _target(resources[function]["Properties"]["Role"])
    if role is None:
        raise OverrideError(f"function {name} does not name its role with !GetAtt")
    return role


def _merge(properties: dict[str, Any], changes: Mapping[str, Any]) -> None:
    """Set each changed property; a value of None removes the property (the AWS default applies)."""
    for key, value in changes.items():
        if value is None:
            properties.pop(key, None)
        else:
            properties[key] = value


def apply_overrides(template: Mapping[str, Any], overrides: Overrides) -> tuple[dict[str, Any], dict[str, str]]:
    """A merged copy of ``template`` and the origin (file) of every replaced part, by part key.

    Part keys are ``LogicalId/Policies/N``, ``LogicalId/AssumeRolePolicyDocument``,
    ``LogicalId/PolicyDocument``, ``LogicalId/KeyPolicy`` and ``LogicalId/Code``.
    """
    merged = deep_copy(template)
    resources = merged["Resources"]
    origins: dict[str, str] = {}

    for name, policies in overrides.role_policies.items():
        role = _role_of(resources, name)
        props = resources[role]["Properties"]
        props["Policies"] = [{"PolicyName": f"{name}Policy{i or ''}", "PolicyDocument": dict(p.document)} for i, p in enumerate(policies)]
        props.pop("ManagedPolicyArns", None)
        origins |= {f"{role}/Policies/{i}": p.origin for i, p in enumerate(policies)}

    for name, policy in overrides.trust_policies.items():
        role = _named(resources, "AWS::IAM::Role", "RoleName", name)
        resources[role]["Properties"]["AssumeRolePolicyDocument"] = dict(policy.document)
        origins[f"{role}/AssumeRolePolicyDocument"] = policy.origin

    for name, attributes in overrides.queue_attributes.items():
        queue = _named(resources, "AWS::SQS::Queue", "QueueName", name)
        _merge(resources[queue]["Properties"], attributes)

    for name, policy in overrides.queue_policies.items():
        queue = _named(resources, "AWS::SQS::Queue", "QueueName", name)
        holders = [lid for lid, r in _by_type(resources, "AWS::SQS::QueuePolicy").items()
                   if any(_target(q) == queue for q in r["Properties"].get("Queues", []))]
        for lid in holders:
            del resources[lid]
        if policy is not None:
            lid = f"{queue}Policy"
            resources[lid] = {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [{"Ref": queue}], "PolicyDocument": dict(policy.document)}}
            origins[f"{lid}/PolicyDocument"] = policy.origin

    topics = _by_type(resources, "AWS::SNS::Topic")
    if overrides.topic_attributes or overrides.topic_policy is not False:
        if len(topics) != 1:
            raise OverrideError("topic overrides need exactly one topic in the template")
        (topic,) = topics
        _merge(resources[topic]["Properties"], overrides.topic_attributes)
        if overrides.topic_policy is not False:
            for lid, r in list(_by_type(resources, "AWS::SNS::TopicPolicy").items()):
                if any(_target(t) == topic for t in r["Properties"].get("Topics", [])):
                    del resources[lid]
            if isinstance(overrides.topic_policy, SourcedPolicy):
                resources[f"{topic}Policy"] = {"Type": "AWS::SNS::TopicPolicy",
                                               "Properties": {"Topics": [{"Ref": topic}], "PolicyDocument": dict(overrides.topic_policy.document)}}
                origins[f"{topic}Policy/PolicyDocument"] = overrides.topic_policy.origin

    if overrides.key_policy is not None:
        keys = _by_type(resources, "AWS::KMS::Key")
        if len(keys) != 1:
            raise OverrideError("a key policy override needs exactly one KMS key in the template")
        (key,) = keys
        resources[key]["Properties"]["KeyPolicy"] = dict(overrides.key_policy.document)
        origins[f"{key}/KeyPolicy"] = overrides.key_policy.origin

    for name, attributes in overrides.subscription_attributes.items():
        queue = _named(resources, "AWS::SQS::Queue", "QueueName", name)
        subs = [lid for lid, r in _by_type(resources, "AWS::SNS::Subscription").items() if _target(r["Properties"].get("Endpoint")) == queue]
        if not subs:
            raise OverrideError(f"no subscription delivers to {name}")
        for lid in subs:
            _merge(resources[lid]["Properties"], attributes)

    for name, folder in overrides.handlers.items():
        function = _named(resources, "AWS::Lambda::Function", "FunctionName", name)
        origins[f"{function}/Code"] = str(folder)
    return merged, origins
