"""The merged template through CloudFormation: make it portable, create or update, wait, delete.

:func:`portable` rewrites what only makes sense in the labs' fixed account: the lab files name the
workshop account (111111111111) and the offline key's pinned ARN; a deployed stack names its own
account (``${AWS::AccountId}``, ``${AWS::Region}``) and its own key (``!GetAtt TourTicketingKey.Arn``).
Only literal strings of ``Resources`` change; parameters (the vendor's account) are left as they are.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stack import template as tpl

LAB_ACCOUNT = "111111111111"
LAB_REGION = "us-east-1"
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
MAX_BODY_BYTES = 51_200  # CloudFormation's TemplateBody limit; larger templates go through S3
WAIT_TIMEOUT_S = 1800.0


class StackError(RuntimeError):
    """A stack operation that failed; carries CloudFormation's failure events."""


def _key_arn(template: Mapping[str, Any]) -> tuple[str, str] | None:
    """(logical id, pinned offline ARN) of the template's customer managed key, if it pins one."""
    for logical_id, resource in template.get("Resources", {}).items():
        key_id = resource.get("Metadata", {}).get("OfflineKeyId") if resource.get("Type") == "AWS::KMS::Key" else None
        if key_id:
            return logical_id, f"arn:aws:kms:{LAB_REGION}:{LAB_ACCOUNT}:key/{key_id}"
    return None


def _rewrite(value: Any, key: tuple[str, str] | None, inside_key: bool) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
            return value  # an intrinsic already: its strings are CloudFormation's business
        return {k: _rewrite(v, key, inside_key) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, key, inside_key) for v in value]
    if not isinstance(value, str):
        return value
    if key and not inside_key and value == key[1]:
        return {"Fn::GetAtt": [key[0], "Arn"]}
    if LAB_ACCOUNT not in value:
        return value
    text = value.replace("${", "${!")  # policy variables such as ${aws:username} stay literal
    text = text.replace(f":{LAB_REGION}:{LAB_ACCOUNT}:", ":${AWS::Region}:${AWS::AccountId}:").replace(LAB_ACCOUNT, "${AWS::AccountId}")
    return {"Fn::Sub": text}


def portable(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` that names the account, region and key it is deployed in."""
    merged = tpl.deep_copy(template)
    key = _key_arn(merged)
    for logical_id, resource in merged.get("Resources", {}).items():
        if "Properties" in resource:
            resource["Properties"] = _rewrite(resource["Properties"], key, inside_key=key is not None and logical_id == key[0])
    return merged


def body(template: Mapping[str, Any]) -> str:
    return json.dumps(template, separators=(",", ":"), default=str)


@dataclass
class StackResult:
    name: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)
    resources: dict[str, tuple[str, str]] = field(default_factory=dict)  # logical id -> (type, physical id)


def _exists(cfn: Any, name: str) -> bool:
    try:
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except cfn.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return status != "DELETE_COMPLETE"


def _wait(cfn: Any, name: str, timeout_s: float = WAIT_TIMEOUT_S) -> str:
    deadline = time.monotonic() + timeout_s
    delay = 0.2
    while True:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        status = stack["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            return status
        if time.monotonic() > deadline:
            raise StackError(f"stack {name} still {status} after {timeout_s:.0f} s")
        time.sleep(delay)
        delay = min(delay * 1.5, 10.0)


def _failures(cfn: Any, name: str) -> list[str]:
    try:
        events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    except Exception:  # noqa: BLE001 - best effort: the status already says it failed
        return []
    return [f"{e['LogicalResourceId']} ({e['ResourceType']}): {e.get('ResourceStatusReason', '')}"
            for e in events if e.get("ResourceStatus", "").endswith("_FAILED")]


def deploy(cfn: Any, name: str, template: Mapping[str, Any], parameters: Mapping[str, str], tags: Mapping[str, str],
           s3: Any = None, bucket: str | None = None) -> StackResult:
    """Create the stack, or update it when it exists; wait; raise :class:`StackError` on failure."""
    text = body(template)
    source: dict[str, Any] = {"TemplateBody": text}
    if len(text.encode()) > MAX_BODY_BYTES:
        if s3 is None or bucket is None:
            raise StackError(f"the template is {len(text)} bytes, over CloudFormation's {MAX_BODY_BYTES}: needs the artifact bucket")
        key = f"templates/{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"
        s3.put_object(Bucket=bucket, Key=key, Body=text.encode())
        source = {"TemplateURL": f"https://{bucket}.s3.amazonaws.com/{key}"}
    args = {"StackName": name, **source, "Capabilities": CAPABILITIES,
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    if _exists(cfn, name):
        try:
            cfn.update_stack(**args)
        except cfn.exceptions.ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise
    else:
        cfn.create_stack(**args, OnFailure="ROLLBACK")
    status = _wait(cfn, name)
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        raise StackError(f"stack {name}: {status}\n  " + "\n  ".join(_failures(cfn, name)))
    return describe(cfn, name)


def describe(cfn: Any, name: str) -> StackResult:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    result = StackResult(name, stack["StackStatus"], {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])})
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
        for r in page["StackResourceSummaries"]:
            result.resources[r["LogicalResourceId"]] = (r["ResourceType"], r.get("PhysicalResourceId", ""))
    return result


def delete(cfn: Any, name: str) -> str:
    """Delete the stack and wait; returns the final status (``DELETE_COMPLETE`` or gone)."""
    if not _exists(cfn, name):
        return "DOES_NOT_EXIST"
    cfn.delete_stack(StackName=name)
    try:
        status = _wait(cfn, name)
    except cfn.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return "DELETE_COMPLETE"
        raise
    if status != "DELETE_COMPLETE":
        raise StackError(f"stack {name}: {status}\n  " + "\n  ".join(_failures(cfn, name)))
    return status
