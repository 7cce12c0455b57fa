"""Run the learner's system end to end, once per grading run, and keep a plain summary of it.

The sample purchase (fan club tickets) and a purchase without fan club tickets go through the whole
pipeline on the offline cloud with enforcement on. The deployment is closed before any check reads
the result: checks see only :class:`PipelineRun`, plain data.

The customer managed key has the id the lab's files name (:data:`checks.session1.system.KEY_ID`):
the template pins it for the offline deploy (``Metadata: OfflineKeyId``).

With ``endpoint`` (the grader's ``--aws-endpoint URL``) the same run goes to a moto server over HTTP
(:class:`stack.cloud.remote.RemoteCloud`) instead of moto in process; the summary must come out the
same (``tests/deploy/test_grader_over_http.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from checks.session1 import system as s
from stack import seed as seed_data

if TYPE_CHECKING:  # imported where used: a grading process whose run is forked never loads boto3 or moto
    from stack.cloud.journal import CallRecord
    from stack.deploy import Deployment
    from stack.overrides import Overrides

#: The purchases the end-to-end check sends, by their name in stack/seed/purchases.json.
PURCHASES = ("sample", "no_fan_club")
#: Virtual seconds the pipeline may run: five receives of a 180 s visibility timeout, then the DLQ.
MAX_VIRTUAL_SECONDS = 1500.0


@dataclass(frozen=True)
class Denial:
    function: str | None
    principal: str
    action: str
    resource: str
    reason: str
    policy: str | None
    statement: int | None
    sid: str | None


@dataclass(frozen=True)
class FailedDelivery:
    queue: str
    outcome: str
    reason: str
    policy: str | None
    statement: int | None
    sid: str | None


@dataclass(frozen=True)
class NeededCall:
    """A call a function made successfully in the run: what its role must allow."""

    function: str
    action: str
    resource: str
    context: Mapping[str, Any]


@dataclass
class PipelineRun:
    """What happened, as plain data (the cloud is closed by the time anyone reads this)."""

    accepted: dict[str, str] = field(default_factory=dict)  # purchase -> "ok" or why not
    seats_sold: dict[str, bool] = field(default_factory=dict)  # "CONCERT001/B15" -> SOLD?
    payments: dict[str, str | None] = field(default_factory=dict)  # orderId -> paymentStatus
    notifications: dict[str, str | None] = field(default_factory=dict)  # orderId -> notification status
    fan_club_points: tuple[int, int] = (0, 0)  # FCID1001 before, after
    denials: list[Denial] = field(default_factory=list)
    failed_deliveries: list[FailedDelivery] = field(default_factory=list)
    dead_letters: dict[str, int] = field(default_factory=dict)  # DLQ name -> messages
    stuck: dict[str, int] = field(default_factory=dict)  # queue -> messages left (visible or in flight)
    poller_errors: list[str] = field(default_factory=list)
    invocation_errors: list[str] = field(default_factory=list)
    needed: list[NeededCall] = field(default_factory=list)
    kms_requests: int = 0
    seconds: float = 0.0


def run(overrides: Overrides, purchases: Sequence[str] = PURCHASES, endpoint: str | None = None) -> PipelineRun:
    """Deploy ``overrides`` with enforcement, send ``purchases``, drain the pipeline, summarise, close.

    ``endpoint``: the URL of a moto server to run on instead of moto in process (it is reset first).
    """
    from stack.deploy import deploy

    started = time.perf_counter()
    catalogue = seed_data.load("purchases")
    if endpoint:
        from stack.cloud.remote import RemoteCloud

        deployment = deploy(overrides, enforce=True, cloud=RemoteCloud(endpoint))
    else:
        deployment = deploy(overrides, enforce=True)
    cloud = deployment.cloud
    try:
        result = PipelineRun()
        before = _points(cloud)
        for name in purchases:
            record = cloud.invoke("TicketPurchaseHandler", catalogue[name])
            status = (record.response or {}).get("statusCode") if isinstance(record.response, dict) else None
            result.accepted[name] = "ok" if record.outcome == "ok" and status == 202 else (
                f"{record.outcome}: {record.error_type or ''} {record.error_message or ''}".strip()
                if record.outcome != "ok" else f"returned status {status}: {json.dumps(record.response)[:200]}")
        _drain(deployment, result)
        for name in purchases:
            purchase = catalogue[name]
            for ticket in purchase["tickets"]:
                seat = _item(cloud, "SeatInventory", concertId=purchase["concertId"], seatNumber=ticket["seatNumber"])
                result.seats_sold[f"{purchase['concertId']}/{ticket['seatNumber']}"] = seat.get("status") == "SOLD"
            order = _item(cloud, "Orders", orderId=purchase["orderId"])
            result.payments[purchase["orderId"]] = order.get("paymentStatus")
            result.notifications[purchase["orderId"]] = (order.get("notification") or {}).get("status")
        result.fan_club_points = (before, _points(cloud))
        cloud.check_log_delivery()  # Lambda writes logs with the functions' roles: a denied logs call is journaled here
        _collect(deployment, result)
        result.kms_requests = cloud.kms_meter.total()
    finally:
        cloud.close()
    result.seconds = time.perf_counter() - started
    return result


def _drain(deployment: Deployment, result: PipelineRun) -> None:
    """Run until nothing can move (a consumer whose receives are denied stalls, it does not spin)."""
    cloud = deployment.cloud
    cloud.run_until_idle(max_virtual_seconds=MAX_VIRTUAL_SECONDS)
    for mapping in cloud.mappings:
        result.poller_errors.extend(mapping.errors)


def _item(cloud: Any, table: str, **key: str) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    raw = cloud.client("dynamodb").get_item(TableName=table, Key={k: {"S": v} for k, v in key.items()}).get("Item", {})
    deserialize = TypeDeserializer().deserialize
    return {k: deserialize(v) for k, v in raw.items()}


def _points(cloud: Any) -> int:
    value = _item(cloud, "FanClubMembers", fanClubId="FCID1001").get("points", 0)
    return int(value) if isinstance(value, (int, Decimal)) else 0


def _normal_resource(call: CallRecord) -> str:
    resource = call.request.resource
    if call.function and ":log-group:" in resource and ":log-stream:" in resource:
        return s.log_stream_arn(call.function)
    return resource


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def _collect(deployment: Deployment, result: PipelineRun) -> None:
    cloud = deployment.cloud
    journal = cloud.journal
    for call in journal.denials():
        d = call.decision
        result.denials.append(Denial(call.function, call.request.principal.arn, call.request.action, call.request.resource,
                                     d.reason, d.policy, d.statement, d.sid))
    for delivery in journal.deliveries:
        if delivery.outcome in ("failed", "redriven"):
            d = delivery.decision
            result.failed_deliveries.append(FailedDelivery(delivery.endpoint.rsplit(":", 1)[-1], delivery.outcome, delivery.reason,
                                                           d.policy if d else None, d.statement if d else None, d.sid if d else None))
    for invocation in journal.invocations:
        if invocation.outcome != "ok":
            result.invocation_errors.append(f"{invocation.function}: {invocation.outcome}: {invocation.error_type or ''} {invocation.error_message or ''}".strip())
    sqs = cloud.client("sqs")
    for queue in s.QUEUES:
        for name, target in ((queue, result.stuck), (f"{queue}DLQ", result.dead_letters)):
            url = deployment.attributes[name]["QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            count = int(attributes.get("ApproximateNumberOfMessages", 0)) + int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
            if count:
                target[name] = count
    seen: set[tuple[str, str, str, str]] = set()
    for call in journal.calls:
        if call.function in s.FUNCTIONS and call.decision.allowed:
            context = {k: _plain(v) for k, v in sorted(call.request.context.items())}
            resource = _normal_resource(call)
            key = (call.function, call.request.action, resource, json.dumps(context, sort_keys=True))
            if key not in seen:
                seen.add(key)
                result.needed.append(NeededCall(call.function, call.request.action, resource, context))
