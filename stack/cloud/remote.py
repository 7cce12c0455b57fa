"""The offline runtime over HTTP: the same cloud, with a moto server instead of moto in process.

The grader's ``--aws-endpoint URL`` (and ``pipeline.run(..., endpoint=URL)``) runs the session 1
pipeline on a :class:`RemoteCloud`: every AWS call leaves this process as a real HTTP request to the
server, which proves the labs do not depend on in-process tricks. What the runtime adds to moto is
unchanged, because it is client-side: identities, policy decisions and implied KMS requests
(:mod:`stack.cloud.interceptor`), Lambda and the SQS poller, virtual time. Where moto in process is
read or patched, the server is asked or driven through the API instead:

- no ``mock_aws``; every client (the operator's, each function's through ``AWS_ENDPOINT_URL``, the
  poller's) goes to the endpoint with fake credentials;
- reads of moto's objects become API calls (:mod:`stack.cloud.server_state`);
- SNS -> SQS: the queues are not subscribed on the server, :mod:`stack.cloud.fanout` delivers each
  accepted ``Publish`` through the delivery gate;
- the pinned KMS key id is mapped, not imposed (:mod:`stack.cloud.pinned_keys`);
- visibility timeouts pass in virtual time (:mod:`stack.cloud.receipts`).

Safety: the endpoint must be loopback (learner code may reach loopback only,
:mod:`stack.cloud.network_guard`) and never an AWS hostname (:class:`stack.endpoints.Target`), and must
answer as a moto server: the account is **reset** (``POST /moto-api/reset``) before the system is
deployed, so a run starts from nothing, as in process. Use a moto server started for this.
"""

from __future__ import annotations

import urllib.request
from typing import Any

import boto3

from stack.cloud import interceptor
from stack.cloud.clock import VirtualClock
from stack.cloud.constants import ACCOUNT, REGION
from stack.cloud.fanout import FanOut
from stack.cloud.offline import OfflineCloud
from stack.cloud.pinned_keys import MappedPinnedKeys
from stack.cloud.receipts import ReceiptLedger
from stack.cloud.requests import queue_arn_from_url
from stack.cloud.server_state import ServerState
from stack.endpoints import EndpointError, Target, is_aws_host, is_loopback, is_moto, open_direct


def checked_endpoint(url: str) -> str:
    """``url`` if the grader may run against it (a moto server on an http(s) loopback URL), else why not."""
    if is_aws_host(url):
        raise EndpointError(f"{url} is an AWS endpoint: the grader never runs against real AWS")
    target = Target(url.rstrip("/"))  # refuses a non-http(s) URL (and any AWS hostname), before any contact
    endpoint = str(target.endpoint_url)
    if not is_loopback(endpoint):
        raise EndpointError(f"{url}: the grader's endpoint must be on loopback (127.0.0.1 or localhost): "
                            "learner code may reach loopback only")
    if not is_moto(endpoint):
        raise EndpointError(f"{url} does not answer as a moto server (GET /moto-api/config): "
                            "the grader resets the account it runs on, so only a moto server will do")
    return endpoint


class RemoteCloud(OfflineCloud):
    """An :class:`OfflineCloud` whose AWS is the moto server at ``endpoint_url``."""

    def __init__(self, endpoint_url: str, account: str = ACCOUNT, region: str = REGION, clock: VirtualClock | None = None) -> None:
        super().__init__(account, region, clock)
        self.endpoint_url = checked_endpoint(endpoint_url)
        self.receipts = ReceiptLedger()
        self.pinned_keys = MappedPinnedKeys()
        self.state = ServerState(self.client, self.endpoint_url, region, self.pinned_keys, self.receipts)
        self.fanout = FanOut(self.gate, lambda: self._service_client("sqs"), self.state.queue_url, self.clock)

    def start(self) -> RemoteCloud:
        super().start()
        try:
            self._reset_server()
        except BaseException:
            self.close()  # nothing half started: the interceptor and the environment are released
            raise
        return self

    def _reset_server(self) -> None:
        """Empty the server's accounts, and check it serves the labs' account."""
        with open_direct(urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST"), timeout=10):
            pass
        account = self.client("sts").get_caller_identity()["Account"]
        if account != self.account:
            raise EndpointError(f"{self.endpoint_url} serves account {account}; the labs' files name {self.account}: "
                                f"start the server with MOTO_ACCOUNT_ID={self.account}")

    def _in_process_moto(self) -> tuple[()]:
        return ()  # the server is moto

    def _service_client(self, service: str) -> Any:
        """A client for what a service does itself (SNS delivering): neither decided nor metered again."""
        key = (service, "service")
        if key not in self._clients:
            self._clients[key] = boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url,
                                              aws_access_key_id=interceptor.SERVICE_KEY, aws_secret_access_key="offline")
        return self._clients[key]

    def subscribe(self, topic_arn: str, protocol: str, endpoint: str, attributes: dict[str, str]) -> str:
        """SQS subscriptions stay here (the server would deliver past the gate); others go to the server."""
        if protocol == "sqs":
            return self.fanout.subscribe(topic_arn, endpoint, attributes)
        return super().subscribe(topic_arn, protocol, endpoint, attributes)

    def observe_call(self, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        """What moto does inside these calls in process: fan-out after ``Publish(Batch)``, and the
        virtual visibility of what ``ReceiveMessage`` hid and ``DeleteMessage`` removed."""
        if service == "sns" and operation == "Publish":
            self.fanout.published(params, parsed["MessageId"])
        elif service == "sns" and operation == "PublishBatch":
            accepted = {entry["Id"]: entry["MessageId"] for entry in parsed.get("Successful", [])}
            for entry in params.get("PublishBatchRequestEntries", []):
                if entry["Id"] in accepted:
                    self.fanout.published({**entry, "TopicArn": params["TopicArn"]}, accepted[entry["Id"]])
        elif service == "sqs" and operation == "ReceiveMessage" and parsed.get("Messages"):
            queue_arn = queue_arn_from_url(params["QueueUrl"], self.region)
            timeout = params.get("VisibilityTimeout")
            seconds = float(timeout) if timeout is not None else self.state.visibility_timeout(queue_arn)
            self.receipts.received(queue_arn, parsed["Messages"], self.clock.now_ms() + seconds * 1000)
        elif service == "sqs" and operation == "DeleteMessage":
            self.receipts.deleted(queue_arn_from_url(params["QueueUrl"], self.region), [params["ReceiptHandle"]])
        elif service == "sqs" and operation == "DeleteMessageBatch":
            done = {entry["Id"] for entry in parsed.get("Successful", [])}
            handles = [entry["ReceiptHandle"] for entry in params.get("Entries", []) if entry["Id"] in done]
            self.receipts.deleted(queue_arn_from_url(params["QueueUrl"], self.region), handles)
