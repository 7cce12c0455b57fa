"""From a boto3 call to the IAM authorization requests AWS would evaluate for it.

Each AWS API call is authorized as one or more ``(action, resource, context)`` triples: a DynamoDB
``BatchGetItem`` over two tables is two ``dynamodb:BatchGetItem`` requests, a ``TransactWriteItems``
is one request per item with the item's own action, ``DeleteMessageBatch`` is ``sqs:DeleteMessage``
and ``sns:Publish`` to a phone number has no resource (``"*"``; ``shared/aws-facts.md``, least
privilege, FanNotifier). Implicit KMS use by SQS and SNS is not here: see :mod:`stack.cloud.kms`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from stack.cloud.access import AccessRequest, Principal

#: IAM service prefixes that differ from the botocore endpoint prefix.
_IAM_PREFIX = {"email": "ses", "monitoring": "cloudwatch"}

#: Operations whose IAM action is another operation's name.
_ACTION_ALIASES = {
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeAsync"): "InvokeFunction",
    ("sns", "PublishBatch"): "Publish",
    ("ses", "SendRawEmail"): "SendRawEmail",
}

_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
_EXPRESSION_NAME = re.compile(r"#?[A-Za-z_][A-Za-z0-9_]*")
_UPDATE_CLAUSE = re.compile(r"\b(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)


def iam_prefix(endpoint_prefix: str) -> str:
    return _IAM_PREFIX.get(endpoint_prefix, endpoint_prefix)


def queue_arn_from_url(url: str, region: str) -> str:
    """``https://sqs.us-east-1.amazonaws.com/111111111111/Name`` -> the queue's ARN."""
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{region}:{account}:{name}"


def requests_for(
    endpoint_prefix: str,
    operation: str,
    params: Mapping[str, Any],
    principal: Principal,
    region: str,
    resolve_key: Callable[[str], str],
) -> list[AccessRequest]:
    """The authorization requests for one API call.

    ``resolve_key`` turns a KMS ``KeyId`` (alias, alias ARN, key id or key ARN) into the key ARN.
    """
    service = iam_prefix(endpoint_prefix)
    action = f"{service}:{_ACTION_ALIASES.get((service, operation), operation)}"
    account = principal.account or ""
    base = _base_context(principal, region)

    def one(resource: str, act: str = action, **extra: Any) -> AccessRequest:
        return AccessRequest(principal, act, resource, {**base, **extra})

    if service == "sqs":
        url = params.get("QueueUrl")
        if url:
            return [one(queue_arn_from_url(url, region))]
        if operation == "GetQueueUrl":
            owner = params.get("QueueOwnerAWSAccountId") or account
            return [one(f"arn:aws:sqs:{region}:{owner}:{params['QueueName']}")]
        return [one(f"arn:aws:sqs:{region}:{account}:{params.get('QueueName', '*')}")]
    if service == "sns":
        if params.get("PhoneNumber"):
            return [one("*")]
        arn = params.get("TopicArn") or params.get("TargetArn") or params.get("SubscriptionArn")
        return [one(arn or f"arn:aws:sns:{region}:{account}:*")]
    if service == "dynamodb":
        return _dynamodb_requests(operation, params, one, region, account)
    if service == "kms":
        key = params.get("KeyId")
        return [one(resolve_key(key) if key else "*", **{"kms:CallerAccount": account})]
    if service == "sts":
        extra = {"sts:ExternalId": params["ExternalId"]} if "ExternalId" in params else {}
        return [one(params.get("RoleArn", "*"), **extra)]
    if service == "lambda":
        name = params.get("FunctionName", "*")
        arn = name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{name}"
        return [one(arn)]
    if service == "ses":
        source = params.get("Source", "")
        address = source.split("<")[-1].rstrip(">").strip()
        return [one(f"arn:aws:ses:{region}:{account}:identity/{address}", **{"ses:FromAddress": address})]
    if service == "logs":
        group = params.get("logGroupName", "*")
        stream = params.get("logStreamName")
        resource = f"arn:aws:logs:{region}:{account}:log-group:{group}"
        return [one(f"{resource}:log-stream:{stream}" if stream else resource)]
    if service == "cloudwatch" and "Namespace" in params:
        return [one("*", **{"cloudwatch:namespace": params["Namespace"]})]
    return [one("*")]


def _base_context(principal: Principal, region: str) -> dict[str, Any]:
    """Global condition keys present in every request a boto3 client makes (HTTPS, signed)."""
    context: dict[str, Any] = {"aws:SecureTransport": True, "aws:RequestedRegion": region}
    if principal.role_arn:
        context["aws:PrincipalArn"] = principal.role_arn
    if principal.account:
        context["aws:PrincipalAccount"] = principal.account
    return context


def _table_arn(region: str, account: str, table: str) -> str:
    return table if table.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{table}"


def _dynamodb_requests(
    operation: str,
    params: Mapping[str, Any],
    one: Callable[..., AccessRequest],
    region: str,
    account: str,
) -> list[AccessRequest]:
    """Table-level requests; ``dynamodb:Attributes`` lists the key and written attribute names."""
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [one(_table_arn(region, account, table)) for table in params.get("RequestItems", {})]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        requests = []
        for item in params.get("TransactItems", []):
            (kind, body), = item.items()
            requests.append(
                one(_table_arn(region, account, body["TableName"]), f"dynamodb:{_TRANSACT_ACTIONS[kind]}", **_attributes(body, _TRANSACT_ACTIONS[kind]))
            )
        return requests
    table = params.get("TableName")
    if not table:
        return [one("*")]
    resource = _table_arn(region, account, table)
    if params.get("IndexName"):
        resource = f"{resource}/index/{params['IndexName']}"
    return [one(resource, **_attributes(params, operation))]


_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})


def _attributes(params: Mapping[str, Any], operation: str) -> dict[str, Any]:
    """Fine-grained access keys of a DynamoDB request (AWS DynamoDB developer guide, "Using IAM policy
    conditions for fine-grained access control").

    ``dynamodb:Attributes``: for a write, the key attributes plus those the item or update writes; for
    a read, the attributes of its ``ProjectionExpression`` (none: the whole item is read).
    ``dynamodb:Select``: a read without a projection reads ``ALL_ATTRIBUTES``, with one
    ``SPECIFIC_ATTRIBUTES``. ``dynamodb:ReturnValues`` when the request asks for old or new values.
    """
    aliases = params.get("ExpressionAttributeNames", {})
    context: dict[str, Any] = {}
    if operation in _READS:
        projection = params.get("ProjectionExpression")
        if projection:
            tops = (re.split(r"[.\[]", path.strip(), maxsplit=1)[0] for path in projection.split(","))
            context["dynamodb:Attributes"] = sorted({aliases.get(top, top) for top in tops})
        context["dynamodb:Select"] = params.get("Select") or ("SPECIFIC_ATTRIBUTES" if projection else "ALL_ATTRIBUTES")
        return context
    names = set(params.get("Key", {})) | set(params.get("Item", {}))
    update = params.get("UpdateExpression")
    if update:
        for clause in _UPDATE_CLAUSE.split(update)[2::2]:
            for assignment in clause.split(","):
                token = _EXPRESSION_NAME.search(assignment)
                if token:
                    names.add(aliases.get(token.group(0), token.group(0)))
    if names:
        context["dynamodb:Attributes"] = sorted(names)
    if params.get("ReturnValues"):
        context["dynamodb:ReturnValues"] = params["ReturnValues"]
    return context
