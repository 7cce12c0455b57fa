"""Every boto3 call made in process passes here: identity, access decision, implied KMS, latency.

botocore emits ``before-parameter-build`` (with the API parameters) and ``before-call`` (which may
answer instead of sending) for every call of every client (``shared/moto-gaps.md``, "Hooking every
AWS call"). Handlers registered in ``botocore.handlers.BUILTIN_HANDLERS`` reach every session created
afterwards, as moto's own stubber does, so the offline cloud starts a fresh default boto3 session.

For a call made by a function (``identity.current``) or with credentials ``sts:AssumeRole`` issued:

1. each IAM request of the call (:mod:`stack.cloud.requests`) and the KMS requests the service makes
   for it (:mod:`stack.cloud.kms`) go to the cloud's :class:`~stack.cloud.access.Authorizer`; a denial
   returns the service's real error (:mod:`stack.cloud.errors`) and is journaled;
2. the virtual clock advances by the call's modelled latency (and a handler past its timeout is cut);
3. ``lambda:Invoke`` of a function the runtime knows runs it in process.

Calls with no principal are the operator's (deploy, grader): allowed, not journaled. Calls made with
:data:`SERVICE_KEY` are a service's own work that the runtime does itself against a moto server (SNS
putting a delivery on a queue, :mod:`stack.cloud.fanout`): neither decided nor metered here, the
delivery gate did both. After every successful call the cloud may act on it
(:meth:`~stack.cloud.offline.OfflineCloud.observe_call`): over HTTP, what moto does inside a call in
process (fan-out after ``Publish``, visibility of received messages) happens there.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from botocore import handlers
from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody

from stack.cloud import constants, identity, kms
from stack.cloud.access import AccessRequest, Principal
from stack.cloud.errors import ServiceError, access_denied
from stack.cloud.journal import CallRecord
from stack.cloud.requests import iam_prefix, queue_arn_from_url, requests_for

if TYPE_CHECKING:
    from stack.cloud.offline import OfflineCloud

_PARAMS_KEY = "tourlab_api_params"
_SERVICE_CALL = "tourlab_service_call"
#: The access key of the operator's clients (deploy, grader, the runtime's own bookkeeping): their
#: calls are never attributed to the function that happens to be running.
OPERATOR_KEY = "AKIAOFFLINEOPERATOR0"
#: The access key of a service's own calls (SNS delivering to a queue on a moto server).
SERVICE_KEY = "AKIAOFFLINESERVICE00"
_active: OfflineCloud | None = None


def activate(cloud: OfflineCloud | None) -> None:
    """Make ``cloud`` the one the hooks serve (one offline cloud per process at a time)."""
    global _active
    if cloud is not None and _active is not None and _active is not cloud:
        raise RuntimeError("another offline cloud is already running in this process; close it first")
    _active = cloud


def _remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[_PARAMS_KEY] = dict(params)


def _before_call(model: Any, params: dict[str, Any], request_signer: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    cloud = _active
    if cloud is None:
        return None
    access_key = getattr(getattr(request_signer, "_credentials", None), "access_key", None)
    if access_key == SERVICE_KEY:
        context[_SERVICE_CALL] = True
    if access_key in (OPERATOR_KEY, SERVICE_KEY):
        return None
    principal = cloud.credentials.lookup(access_key) or identity.current.get()
    if principal is None:
        return None
    endpoint = model.service_model.endpoint_prefix
    service = iam_prefix(endpoint)
    api_params = context.get(_PARAMS_KEY, {})
    region = request_signer._region_name if hasattr(request_signer, "_region_name") else cloud.region
    error = _authorize(cloud, principal, endpoint, model.name, api_params, region)
    cloud.runtime.spend(constants.CALL_LATENCY_MS.get(service, constants.DEFAULT_CALL_LATENCY_MS) / 1000)
    if error is not None:
        return _response(error.status, error.parsed())
    if service == "lambda" and model.name == "Invoke":
        return _invoke_in_process(cloud, api_params)
    context["tourlab_principal"] = principal
    return None


def _authorize(cloud: OfflineCloud, principal: Principal, endpoint: str, operation: str, params: dict[str, Any], region: str) -> ServiceError | None:
    service = iam_prefix(endpoint)
    requests = requests_for(endpoint, operation, params, principal, region, cloud.key_arn)
    implied = [r for request in requests for r in _implied_kms(cloud, request, region)]
    for request in [*requests, *implied]:
        decision = cloud.authorizer.authorize(request)
        cloud.journal.calls.append(CallRecord(cloud.clock.now(), _function_of(cloud, principal), request, decision))
        if not decision.allowed:
            return access_denied(service, request, decision)
    return None


def _function_of(cloud: OfflineCloud, principal: Principal) -> str | None:
    """The function whose role (or session) makes the call; vendor sessions map to no function."""
    for config in cloud.runtime.functions.values():
        if config.role_arn == principal.role_arn and principal.arn.endswith(f"/{config.name}"):
            return config.name
    return None


def _implied_kms(cloud: OfflineCloud, request: AccessRequest, region: str) -> list[AccessRequest]:
    """KMS requests SQS/SNS make for this request on an SSE-KMS queue or topic (aws-facts, Encryption)."""
    action = request.action
    if action == "sqs:SendMessage" or (action == "sqs:ReceiveMessage" and _has_receivable(cloud, request.resource)):
        encryption = cloud.state.queue_encryption(request.resource)
        if not encryption.key_ref:
            return []
        key = cloud.resolve_key(encryption.key_ref)
        if isinstance(key, str):
            return []
        use: kms.Use = "produce" if action == "sqs:SendMessage" else "consume"
        cloud.kms_meter.use(request.principal, request.resource, key.arn, use, cloud.clock.now(), encryption.reuse_seconds)
        return kms.implied_requests(request.principal, use, key.arn, "sqs", region)
    if action == "sns:Publish" and request.resource.startswith("arn:aws:sns:"):
        key_ref = cloud.state.topic_key_ref(request.resource)
        key = cloud.resolve_key(key_ref) if key_ref else None
        if key is None or isinstance(key, str):
            return []
        cloud.kms_meter.use(request.principal, request.resource, key.arn, "produce", cloud.clock.now(), kms.DEFAULT_REUSE_SECONDS)
        return kms.implied_requests(request.principal, "produce", key.arn, "sns", region)
    return []


def _has_receivable(cloud: OfflineCloud, queue_arn: str) -> bool:
    """SQS decrypts only when it returns messages: an empty receive needs no key."""
    return cloud.state.queue_gauges(queue_arn, cloud.clock.now_ms()).visible > 0


def _invoke_in_process(cloud: OfflineCloud, params: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]] | None:
    config = cloud.runtime.by_arn_or_name(params.get("FunctionName", ""))
    if config is None:
        return None
    payload = params.get("Payload") or b"{}"
    try:
        event = json.loads(payload.read() if hasattr(payload, "read") else payload)
    except ValueError:
        return _response(400, ServiceError("InvalidRequestContentException", "Could not parse request body into json", 400).parsed())
    record = cloud.runtime.invoke(config.name, event)
    parsed: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST", "ResponseMetadata": {"HTTPStatusCode": 200}}
    if record.outcome == "ok":
        body = json.dumps(record.response, default=str).encode()
    else:
        parsed["FunctionError"] = "Unhandled"
        body = json.dumps({"errorMessage": record.error_message, "errorType": record.error_type}).encode()
    parsed["Payload"] = StreamingBody(io.BytesIO(body), len(body))
    return _response(200, parsed)


def _after_call(http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    """Bookkeeping once a call succeeded: issued credentials, SQS and SNS API metrics."""
    cloud = _active
    if cloud is None or getattr(http_response, "status_code", 500) >= 300 or context.get(_SERVICE_CALL):
        return
    service, operation = iam_prefix(model.service_model.endpoint_prefix), model.name
    params = context.get(_PARAMS_KEY, {})
    now = cloud.clock.now()
    if service == "sts" and operation == "AssumeRole" and "Credentials" in parsed:
        session = Principal.assumed_role(params["RoleArn"], params.get("RoleSessionName", "session"))
        cloud.credentials.issue(parsed["Credentials"]["AccessKeyId"], session)
    elif service == "sqs" and "QueueUrl" in params:
        name = queue_arn_from_url(params["QueueUrl"], cloud.region).split(":")[-1]
        if operation in ("SendMessage", "SendMessageBatch"):
            count = len(params.get("Entries", [])) if operation == "SendMessageBatch" else 1
            cloud.metrics.queue(name, "NumberOfMessagesSent", count, now)
        elif operation == "ReceiveMessage":
            got = len(parsed.get("Messages", []))
            cloud.metrics.queue(name, "NumberOfMessagesReceived" if got else "NumberOfEmptyReceives", got or 1, now)
        elif operation in ("DeleteMessage", "DeleteMessageBatch"):
            count = len(parsed.get("Successful", [])) if operation == "DeleteMessageBatch" else 1
            cloud.metrics.queue(name, "NumberOfMessagesDeleted", count, now)
    elif service == "sns" and operation == "Publish" and params.get("TopicArn"):
        topic = params["TopicArn"].split(":")[-1]
        cloud.metrics.topic(topic, "NumberOfMessagesPublished", 1, now)
        cloud.metrics.topic(topic, "PublishSize", len(str(params.get("Message", "")).encode()), now, "Bytes")
    cloud.observe_call(service, operation, params, parsed)


def _response(status: int, parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("https://offline.invalid", status, {}, None), parsed


_HOOKS = (
    ("before-parameter-build", _remember_params),
    ("before-call", _before_call),
    ("after-call", _after_call),
)


def install() -> None:
    """Add the hooks to botocore's built-in handlers (idempotent); sessions created later get them."""
    for hook in _HOOKS:
        if hook not in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.append(hook)
