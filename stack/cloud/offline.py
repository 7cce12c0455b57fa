"""The offline cloud: moto in process, plus the behaviour moto lacks, behind one object.

An :class:`OfflineCloud` owns, for its lifetime, a fresh moto account (111111111111, us-east-1) with
fake credentials, a virtual clock, the interceptor that authorizes every call, the SNS delivery
gate, the Lambda runtime and the event-source poller. :mod:`stack.deploy` fills it from the template.

Safety (``DEVELOPERS.md``: never touch real AWS without an opt-in): while a cloud is open, the
process environment has fake credentials, no profile, no config or credentials file and no custom
endpoint, so a boto3 client can only reach moto, whatever the user's shell holds.

The same runtime can drive a moto *server* instead of the in-process mock
(:class:`stack.cloud.remote.RemoteCloud`, the grader's ``--aws-endpoint URL``): the hooks below
(:meth:`OfflineCloud._in_process_moto`, :attr:`OfflineCloud.state`, :attr:`OfflineCloud.pinned_keys`,
:meth:`OfflineCloud.subscribe`, :meth:`OfflineCloud.observe_call`) are where the two differ.
"""

from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from unittest import mock

import boto3
import botocore.session
from botocore.loaders import Loader, create_loader
import moto.core.loaders
import moto.core.utils
from moto import mock_aws

from stack.cloud import backends, constants, interceptor, kms
from stack.cloud.access import ALLOW_ALL, AccessRequest, Authorizer, PolicyBook, SourcedPolicy
from stack.cloud.clock import VirtualClock, patched_moto_time
from stack.cloud.constants import ACCOUNT, REGION
from stack.cloud.delivery import DeliveryGate
from stack.cloud.event_source import EventSourceMapping, Poller
from stack.cloud.identity import CredentialBook
from stack.cloud.journal import CallRecord, InvocationRecord, Journal
from stack.cloud.lambda_runtime import LambdaRuntime, LogBuffer
from stack.cloud.metrics import MetricsRecorder, put_all
from stack.cloud.pinned_keys import MotoPinnedKeys, PinnedKeys
from stack.cloud.state import CloudState


#: Variables that could point boto3 at real AWS or a real profile; removed while a cloud is open.
_UNSAFE_ENV = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
    "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@functools.cache
def _models() -> Loader:
    """One botocore data loader per process: service models parsed once, not once per cloud."""
    return create_loader()


@functools.cache
def _moto_models() -> moto.core.loaders.Loader:
    """One loader for moto's own copies of the models (botocore's plus moto's extras), per process.

    moto makes a fresh loader for every model it parses, and each fresh loader first lists the
    services by scanning all of botocore's data folders (thousands of ``stat`` calls): measured at
    about a fifth of a session 1 deploy. A shared loader scans once. Installed by :class:`OfflineCloud`.
    """
    return moto.core.loaders.create_loader()


#: The services the offline system calls (their models are worth parsing ahead, see preload_models).
SERVICES = ("sqs", "sns", "dynamodb", "kms", "iam", "logs", "cloudwatch", "sts", "ses", "lambda")


def preload_models() -> None:
    """Parse the service models and endpoint rules of :data:`SERVICES` into the shared loader now.

    For a process that forks graders (:func:`checks.guard.warm_main`): every child then starts with
    them parsed instead of parsing them again (tens of milliseconds per service).
    """
    loader = _models()
    loader.load_data("endpoints")
    loader.load_data("partitions")
    for service in SERVICES:
        for kind in ("service-2", "endpoint-rule-set-1"):
            loader.load_service_model(service, kind)


def _session() -> botocore.session.Session:
    """A fresh botocore session (so it carries the interceptor's hooks) sharing the parsed models."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _models())
    return session


def offline_environment(account: str = ACCOUNT, region: str = REGION) -> dict[str, str]:
    """The environment of an offline run: fake keys, no profile/config/credentials file."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "MOTO_ACCOUNT_ID": account,
    }


@dataclass(frozen=True)
class RunSummary:
    """What :meth:`OfflineCloud.run_until_idle` did."""

    polls: int
    invocations: int
    virtual_seconds: float
    idle: bool  # nothing left that can move (see ``stalled`` for queues whose consumer cannot receive)
    stalled: tuple[str, ...] = ()  # functions whose receives are denied, with messages waiting


class OfflineCloud:
    """A running offline AWS account. Use as a context manager; one per process at a time."""

    #: Where every client of this cloud sends its calls (None: moto's mock in this process).
    endpoint_url: str | None = None

    def __init__(self, account: str = ACCOUNT, region: str = REGION, clock: VirtualClock | None = None) -> None:
        self.account, self.region = account, region
        self.clock = clock or VirtualClock()
        self.journal = Journal()
        self.metrics = MetricsRecorder()
        self.logs = LogBuffer()
        self.kms_meter = kms.KmsMeter()
        self.credentials = CredentialBook()
        self.policies = PolicyBook()
        self.authorizer: Authorizer = ALLOW_ALL
        self.runtime = LambdaRuntime(self.clock, self.journal, self.metrics, self.logs)
        self.state: CloudState = backends.InProcess(account, region)
        self.pinned_keys: PinnedKeys = MotoPinnedKeys()
        self.mappings: list[EventSourceMapping] = []
        self.poller = Poller(self.runtime, lambda: self.client("sqs", operator=False), region, lambda: self.state)
        self.gate = DeliveryGate(lambda: self.authorizer, self.resolve_key, lambda: self.state, self.clock, self.journal, self.metrics, self.kms_meter)
        self._clients: dict[tuple[str, bool], Any] = {}
        self._stack = contextlib.ExitStack()
        self._sampled_minute = -1
        self._log_access: dict[tuple[str, str], bool] = {}

    # -- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> OfflineCloud:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> OfflineCloud:
        interceptor.install()
        interceptor.activate(self)
        self._stack.enter_context(mock.patch.dict(os.environ, offline_environment(self.account, self.region)))
        for name in _UNSAFE_ENV:
            os.environ.pop(name, None)
        for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
            os.environ.pop(name)
        if self.endpoint_url:  # handlers make their own clients: they reach the same endpoint, never via a proxy
            os.environ.update({"AWS_ENDPOINT_URL": self.endpoint_url, "NO_PROXY": "*", "no_proxy": "*"})
        moto.core.utils.create_loader = _moto_models  # see _moto_models
        for context in self._in_process_moto():
            self._stack.enter_context(context)
        boto3.setup_default_session(botocore_session=_session(), region_name=self.region)
        return self

    def _in_process_moto(self) -> tuple[contextlib.AbstractContextManager[Any], ...]:
        """moto answering in this process: its mock, its clock made virtual, SNS delivery gated."""
        return mock_aws(), patched_moto_time(self.clock), self.gate.installed()

    def close(self) -> None:
        try:
            self._stack.close()
        finally:
            self._clients.clear()
            interceptor.activate(None)

    # -- operator access --------------------------------------------------------------------
    def client(self, service: str, operator: bool = True) -> Any:
        """A client of this cloud (cached).

        ``operator=True``: the account's operator (deploy, grader), never subject to the learner's
        policies. ``operator=False``: a client whose calls are made as whoever
        :data:`stack.cloud.identity.current` says (the Lambda service acting with a function's role).
        """
        key = (service, operator)
        if key not in self._clients:
            credentials = {"aws_access_key_id": interceptor.OPERATOR_KEY, "aws_secret_access_key": "offline"} if operator else {}
            endpoint = {"endpoint_url": self.endpoint_url} if self.endpoint_url else {}
            self._clients[key] = boto3.client(service, region_name=self.region, **credentials, **endpoint)
        return self._clients[key]

    def subscribe(self, topic_arn: str, protocol: str, endpoint: str, attributes: dict[str, str]) -> str:
        """``sns:Subscribe`` as the operator; the subscription's ARN."""
        return str(self.client("sns").subscribe(TopicArn=topic_arn, Protocol=protocol, Endpoint=endpoint, Attributes=attributes,
                                                ReturnSubscriptionArn=True)["SubscriptionArn"])

    def observe_call(self, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        """A call succeeded (the interceptor's last word on it). In process, moto did inside the call
        everything that follows from it (fan-out, visibility), so there is nothing left to do."""

    def set_authorizer(self, authorizer: Authorizer) -> None:
        self.authorizer = authorizer

    # -- KMS ----------------------------------------------------------------------------------
    def resolve_key(self, ref: str) -> kms.KeyInfo | str:
        """A queue's or topic's ``KmsMasterKeyId`` -> the key, or why no key answers to it."""
        alias = ref.split(":alias/")[-1] if ":alias/" in ref else None
        alias = f"alias/{alias}" if alias else (ref if ref.startswith("alias/") else None)
        if alias in kms.MANAGED_ALIASES:
            arn = kms.managed_key_arn(alias, self.account, self.region)
            return kms.KeyInfo(arn, self.policies.key_policy(arn), managed=True)
        found = self.state.kms_key(ref)
        if found is None:
            return f"KMS.NotFoundException: no key answers to {ref!r}"
        arn, enabled = found
        return kms.KeyInfo(arn, self.policies.key_policy(arn), enabled=enabled)

    def key_arn(self, ref: str) -> str:
        key = self.resolve_key(ref)
        return ref if isinstance(key, str) else key.arn

    def add_managed_keys(self) -> None:
        """AWS creates ``alias/aws/sqs`` and ``alias/aws/sns`` per account; moto does not."""
        for alias in kms.MANAGED_ALIASES:
            arn = kms.managed_key_arn(alias, self.account, self.region)
            self.policies.keys[arn] = SourcedPolicy(kms.managed_key_policy(alias, self.account, self.region), f"AWS managed key {alias}")

    # -- running ------------------------------------------------------------------------------
    def invoke(self, function: str, event: Any) -> InvocationRecord:
        return self.runtime.invoke(function, event)

    def run_until_idle(self, max_virtual_seconds: float = 3600.0) -> RunSummary:
        """Poll every event source until no message is visible, in flight or delayed (or time is up).

        When only hidden messages remain, the clock jumps to the next moment one becomes visible:
        a 30 s visibility timeout costs no wall time.
        """
        start = self.clock.now()
        polls = invocations = 0
        idle = False
        while self.clock.now() - start < max_virtual_seconds:
            self._sample_gauges()
            worked = False
            for mapping in self.mappings:
                before = len(self.journal.invocations)
                received = self.poller.poll(mapping)
                polls += 1
                invocations += len(self.journal.invocations) - before
                worked = worked or received > 0
            if worked:
                continue
            # A consumer whose receives are denied would retry forever on AWS; nothing it waits for
            # can change by waiting, so it does not keep the run going.
            movable = [m for m in self.mappings if m.enabled and not m.receive_denied]
            waits = [t for m in movable if (t := self.state.next_visible_ms(m.queue_arn, self.clock.now_ms())) is not None]
            if not waits:
                idle = True
                break
            self.clock.advance_to(max(min(waits) / 1000, self.clock.now() + constants.POLLER_IDLE_S))
        self._sample_gauges()
        stalled = tuple(m.function for m in self.mappings if m.receive_denied)
        return RunSummary(polls, invocations, self.clock.now() - start, idle, stalled)

    def _sample_gauges(self) -> None:
        """Once per virtual minute, the SQS gauges of every queue (what CloudWatch samples)."""
        minute = int(self.clock.now() // 60)
        if minute == self._sampled_minute:
            return
        self._sampled_minute = minute
        for arn in self.state.queue_arns():
            name = arn.rsplit(":", 1)[-1]
            gauges = self.state.queue_gauges(arn, self.clock.now_ms())
            now = self.clock.now()
            self.metrics.queue(name, "ApproximateNumberOfMessagesVisible", gauges.visible, now)
            self.metrics.queue(name, "ApproximateNumberOfMessagesNotVisible", gauges.not_visible, now)
            self.metrics.queue(name, "ApproximateNumberOfMessagesDelayed", gauges.delayed, now)
            if gauges.oldest_age_s is not None:
                self.metrics.queue(name, "ApproximateAgeOfOldestMessage", gauges.oldest_age_s, now, "Seconds")

    def _may_write_logs(self, group: str, stream: str) -> bool:
        """Lambda writes a function's logs with its execution role: no permission, no logs (as on AWS).

        Decided once per log stream (and journaled once), whether by :meth:`check_log_delivery` or
        by :meth:`flush`.
        """
        if (group, stream) in self._log_access:
            return self._log_access[(group, stream)]
        allowed = True
        config = self.runtime.functions.get(group.removeprefix("/aws/lambda/"))
        if config is not None:
            principal = config.principal()
            resource = f"arn:aws:logs:{self.region}:{config.account}:log-group:{group}:log-stream:{stream}"
            for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
                request = AccessRequest(principal, action, resource, {"aws:SecureTransport": True, "aws:PrincipalArn": config.role_arn})
                decision = self.authorizer.authorize(request)
                self.journal.calls.append(CallRecord(self.clock.now(), config.name, request, decision))
                if not decision.allowed:
                    allowed = False
                    break
        self._log_access[(group, stream)] = allowed
        return allowed

    def check_log_delivery(self) -> None:
        """Decide (and journal) whether each buffered log stream may be written, without writing.

        What a grader needs to see a denied logs call, at a fraction of :meth:`flush`'s cost.
        """
        for group, stream in list(self.logs.events):
            self._may_write_logs(group, stream)

    def flush(self) -> None:
        """Write buffered Lambda logs and service metrics into moto (CloudWatch Logs, CloudWatch)."""
        logs = self.client("logs")
        existing = {g["logGroupName"] for g in logs.describe_log_groups().get("logGroups", [])}
        for (group, stream), events in self.logs.drain().items():
            if not self._may_write_logs(group, stream):
                continue
            if group not in existing:
                logs.create_log_group(logGroupName=group)
                existing.add(group)
            try:
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            except logs.exceptions.ResourceAlreadyExistsException:
                pass
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        put_all(self.client("cloudwatch"), self.metrics.drain())
