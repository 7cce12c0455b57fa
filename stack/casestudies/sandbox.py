"""A lightweight offline account for running handlers one event at a time (no template deploy).

``stack.deploy.deploy`` builds the whole system (about a second): right for pipeline runs, far too
slow to repeat per test case or per mutant. A :class:`Sandbox` is one :class:`OfflineCloud` with only
what the five functions touch: the three tables (seeded with the seats, members and orders the
session-3 scenarios use), the topic TicketPurchaseHandler publishes to, the verified SES sender and
the vendor's payment gateway. Handlers are loaded from any folder with the template's environment
variables and invoked through :class:`~stack.cloud.lambda_runtime.LambdaRuntime`, so a handler's
errors, logs (``START``/``END``/``REPORT``, its JSON lines, ``[ERROR]`` tracebacks) and time limits
are exactly what the deployed system gives. :meth:`Sandbox.reset` brings the tables and the gateway
back to their seeded state between cases (a few milliseconds).

Events and the system's names come from :mod:`stack.casestudies.messages`.
"""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from stack import seed as seed_data
from stack.casestudies.messages import COMMON, FUNCTIONS, HANDLERS, SENDER_EMAIL, TOPIC_NAME, VENDOR, money_json, purchases
from stack.cloud import backends
from stack.cloud.constants import ACCOUNT, REGION
from stack.cloud.journal import InvocationRecord
from stack.cloud.lambda_runtime import FunctionConfig
from stack.cloud.offline import OfflineCloud

TABLES: dict[str, tuple[str, ...]] = {
    "SeatInventory": ("concertId", "seatNumber"),
    "Orders": ("orderId",),
    "FanClubMembers": ("fanClubId",),
}


# -- results --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Invocation:
    """One invocation as a test sees it: the response or error, and the log lines it wrote."""

    function: str
    record: InvocationRecord
    logs: tuple[str, ...]

    @property
    def response(self) -> Any:
        return self.record.response

    @property
    def error_type(self) -> str | None:
        return self.record.error_type

    @property
    def error_message(self) -> str | None:
        return self.record.error_message

    @property
    def ok(self) -> bool:
        return self.record.outcome == "ok"

    @property
    def failed_ids(self) -> list[str]:
        """``batchItemFailures`` ids of a successful invocation (every record when it raised)."""
        response = self.response if isinstance(self.response, dict) else {}
        return [f.get("itemIdentifier") for f in response.get("batchItemFailures") or [] if isinstance(f, dict)]

    @property
    def log_json(self) -> list[dict[str, Any]]:
        """The handler's structured lines (those that parse as JSON objects)."""
        found = []
        for line in self.logs:
            if line.startswith("{"):
                try:
                    value = json.loads(line)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    found.append(value)
        return found

    def messages(self) -> list[str]:
        return [str(line.get("message")) for line in self.log_json]


def stage(folder: Path, destination: Path, replace: Mapping[str, str] | None = None) -> Path:
    """Copy a handler folder's ``*.py`` into ``destination`` (adding the reference ``ticketing_common.py``
    when the folder has none), with ``replace`` {file name: source} applied on top."""
    destination.mkdir(parents=True, exist_ok=True)
    for source in sorted(folder.glob("*.py")):
        shutil.copyfile(source, destination / source.name)
    if not (destination / COMMON).is_file():
        shutil.copyfile(HANDLERS / COMMON, destination / COMMON)
    for name, text in (replace or {}).items():
        (destination / name).write_text(text, encoding="utf-8")
    return destination


class Sandbox:
    """One offline account with the tables, topic, sender and gateway; use as a context manager."""

    def __init__(self) -> None:
        self.cloud = OfflineCloud()
        self._serializer, self._deserializer = TypeSerializer(), TypeDeserializer()
        self._hooks: list[tuple[Any, str, Callable[..., Any]]] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._patches = contextlib.ExitStack()
        self.folders: dict[str, Path] = {}
        self._loaded: dict[tuple[str, Path], tuple[FunctionConfig, Callable[..., Any]]] = {}

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        self.cloud.start()
        self._tmp = tempfile.TemporaryDirectory(prefix="tourlab-s3-")
        try:
            self._patches.enter_context(_shared_clients())
            self.cloud.client("sns").create_topic(Name=TOPIC_NAME)
            self.cloud.client("ses").verify_email_identity(EmailAddress=SENDER_EMAIL)
            self._create_tables()
            self._seed()
            self._add_gateway()
            self._snapshot = {name: copy.deepcopy(backends.table(ACCOUNT, REGION, name).items) for name in TABLES}
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._unhook()
        try:
            self._patches.close()
            self.cloud.close()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    @property
    def tmp(self) -> Path:
        assert self._tmp is not None, "the sandbox is not open"
        return Path(self._tmp.name)

    # -- functions ----------------------------------------------------------------------------
    def use(self, folder: Path, *functions: str, environment: Mapping[str, str] | None = None) -> None:
        """Run ``functions`` (default: all five) from ``folder``; each is loaded fresh on first invoke."""
        for name in functions or tuple(FUNCTIONS):
            module, _, env = FUNCTIONS[name]
            self._keep_loaded(name)
            self.cloud.runtime.add(FunctionConfig(
                name=name, role_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}Role", handler=f"{module}.handler",
                code_dir=folder, environment={**env, **(environment or {})}, timeout_s=30.0 if name != "TicketPurchaseHandler" else 10.0,
                account=ACCOUNT, region=REGION,
            ))
            self.folders[name] = folder

    def restore(self, folder: Path, *functions: str) -> None:
        """Switch ``functions`` back to ``folder``, reusing the handlers loaded from it before (a warm
        start: module state included) instead of loading the code again; as :meth:`use` otherwise."""
        for name in functions or tuple(FUNCTIONS):
            current = self.cloud.runtime.functions.get(name)
            if current is not None and current.code_dir == folder and self.cloud.runtime.loaded_handler(name) is not None:
                continue  # already running from that folder, warm
            kept = self._loaded.get((name, folder))
            if kept is None:
                self.use(folder, name)
                continue
            self._keep_loaded(name)
            config, handler = kept
            self.cloud.runtime.add(config)
            # LambdaRuntime has no public way to install an already loaded handler; this is the one
            # place that reaches into it (lead: a ``LambdaRuntime.add(config, handler=...)`` would do).
            self.cloud.runtime._handlers[name] = handler  # noqa: SLF001
            self.folders[name] = folder

    def _keep_loaded(self, name: str) -> None:
        """Remember the function's current handler (if loaded cleanly) for :meth:`restore`."""
        config = self.cloud.runtime.functions.get(name)
        handler = self.cloud.runtime.loaded_handler(name)
        if config is not None and handler is not None:
            self._loaded[(name, config.code_dir)] = (config, handler)

    def staged(self, folder: Path, label: str, replace: Mapping[str, str] | None = None) -> Path:
        """A private copy of ``folder`` (see :func:`stage`), so that module caches never mix versions."""
        return stage(folder, self.tmp / label, replace)

    def init_error(self, function: str) -> str | None:
        error = self.cloud.runtime.init_error(function)
        return None if error is None else f"{error.error_type}: {error.message}"

    def invoke(self, function: str, event: Any) -> Invocation:
        self.cloud.logs.drain()
        record = self.cloud.runtime.invoke(function, event)
        lines = [e["message"] for events in self.cloud.logs.drain().values() for e in events]
        return Invocation(function, record, tuple(lines))

    def handler_module_globals(self, function: str) -> dict[str, Any]:
        handler = self.cloud.runtime.loaded_handler(function)
        return getattr(handler, "__globals__", {}) if handler is not None else {}

    # -- state --------------------------------------------------------------------------------
    def reset(self) -> None:
        """Tables back to the seed, a fresh gateway idempotency store, no pending hooks, no sent mail."""
        self._unhook()
        for name, items in self._snapshot.items():
            backends.table(ACCOUNT, REGION, name).items = copy.deepcopy(items)
        self._forget_charges()
        self.sent_baseline = self._sent_total()

    def _forget_charges(self) -> None:
        """Empty the gateway's idempotency store (what a fresh deployment of it would have), without
        reloading its code: its handler module keeps the store in ``_answers``."""
        for name in self._gateway_functions:
            handler = self.cloud.runtime.loaded_handler(name)
            answers = getattr(handler, "__globals__", {}).get("_answers") if handler is not None else None
            if isinstance(answers, dict):
                answers.clear()
            elif handler is not None:  # a gateway without the store we know: start it afresh
                self.cloud.runtime.add(self.cloud.runtime.functions[name])

    def _create_tables(self) -> None:
        dynamodb = self.cloud.client("dynamodb")
        for name, keys in TABLES.items():
            dynamodb.create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": k, "KeyType": "HASH" if i == 0 else "RANGE"} for i, k in enumerate(keys)],
                AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
            )

    def _seed(self) -> None:
        wanted = {t["seatNumber"] for p in purchases().values() for t in p["tickets"]} | {f"B{i}" for i in range(1, 11)}
        seats = [s for s in seed_data.load("seats") if s["seatNumber"] in wanted]
        self._seed_items = self._seed_items if hasattr(self, "_seed_items") else {
            "SeatInventory": [self._serialized(s) for s in seats],
            "FanClubMembers": [self._serialized(m) for m in seed_data.load("fan_club_members")],
        }
        requests = {table: [{"PutRequest": {"Item": item}} for item in items] for table, items in self._seed_items.items()}
        self.cloud.client("dynamodb").batch_write_item(RequestItems=requests)  # 24 items: one call (limit 25)
        self.sent_baseline = self._sent_total()

    def _serialized(self, item: Mapping[str, Any]) -> dict[str, Any]:
        value = json.loads(json.dumps(item, default=money_json), parse_float=Decimal)
        return {k: self._serializer.serialize(v) for k, v in value.items()}

    def _add_gateway(self) -> None:
        vendor = json.loads((VENDOR / "account.json").read_text(encoding="utf-8"))
        self._gateway_functions = tuple(vendor["functions"])
        for name, function in vendor["functions"].items():
            self.cloud.runtime.add(FunctionConfig(
                name=name, role_arn=f"arn:aws:iam::{vendor['account']}:role/{function['role']}", handler=function["handler"],
                code_dir=VENDOR, environment=function.get("environment", {}), timeout_s=float(function.get("timeout", 10)),
                account=vendor["account"], region=REGION,
            ))

    def put(self, table: str, item: Mapping[str, Any]) -> None:
        self.cloud.client("dynamodb").put_item(TableName=table, Item=self._serialized(item))

    def get(self, table: str, **key: str) -> dict[str, Any] | None:
        item = self.cloud.client("dynamodb").get_item(
            TableName=table, Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True).get("Item")
        return None if item is None else {k: self._deserializer.deserialize(v) for k, v in item.items()}

    def _sent_total(self) -> int:
        """SES's ``SentLast24Hours``, read from moto (an API call here cost more than most cases)."""
        return backends.ses_sent_count(ACCOUNT, REGION)

    def emails_sent(self) -> int:
        """Emails SES accepted since the last reset."""
        return int(self._sent_total() - self.sent_baseline)

    # -- races --------------------------------------------------------------------------------
    def before_write(self, function: str, table: str, action: Callable[[], None]) -> None:
        """Run ``action`` once, just before ``function``'s next write to ``table`` (a competing writer).

        Hooks every boto3 client the loaded handler module holds (clients, resources, tables), so it
        works whatever the handler's code calls; removed by :meth:`reset`.
        """
        self.init_error(function)
        fired: list[bool] = []

        def hook(params: Mapping[str, Any], **_: Any) -> None:
            names = {params.get("TableName")} | {
                (item.get("Update") or item.get("Put") or item.get("ConditionCheck") or {}).get("TableName")
                for item in params.get("TransactItems", [])
            } | set(params.get("RequestItems", {}))
            if table in names and not fired:
                fired.append(True)
                action()

        for client in _clients_in(self.handler_module_globals(function)):
            for operation in ("PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem"):
                event = f"before-parameter-build.dynamodb.{operation}"
                client.meta.events.register(event, hook)
                self._hooks.append((client, event, hook))

    def fail_next_call(self, function: str, service: str, operation: str, code: str, message: str) -> None:
        """Make ``function``'s next ``service`` ``operation`` call fail once with ``code`` (a transient
        outage: the call after it goes through again).

        Hooks the clients the loaded handler module holds, as :meth:`before_write` does; the hook
        raises the :class:`~botocore.exceptions.ClientError` botocore would, before the request is
        sent. Removed by :meth:`reset`.
        """
        self.init_error(function)
        fired: list[bool] = []

        def hook(**_: Any) -> None:
            if not fired:
                fired.append(True)
                raise ClientError({"Error": {"Code": code, "Message": message}}, operation)

        for client in _clients_in(self.handler_module_globals(function)):
            if client.meta.service_model.service_name == service:
                event = f"before-call.{service}.{operation}"
                client.meta.events.register(event, hook)
                self._hooks.append((client, event, hook))

    def _unhook(self) -> None:
        for client, event, hook in self._hooks:
            client.meta.events.unregister(event, hook)
        self._hooks.clear()


def _clients_in(namespace: Mapping[str, Any]) -> Iterator[Any]:
    seen: set[int] = set()
    for value in list(namespace.values()):
        meta = getattr(value, "meta", None)
        client = getattr(meta, "client", None) or (value if hasattr(meta, "events") else None)
        if client is not None and hasattr(client, "meta") and hasattr(client.meta, "events") and id(client) not in seen:
            seen.add(id(client))
            yield client


_SHAREABLE = frozenset({"region_name"})


@contextmanager
def _shared_clients() -> Iterator[None]:
    """While the sandbox is open, ``boto3.client(service)`` and ``boto3.resource(service)`` called with no
    credentials or config hand out one object per (service, region), however many times the handler
    modules are loaded.

    Grading loads the same handler files dozens of times (one copy per mutant), and building a client
    costs more than running most cases. Sharing is safe here: a client holds no identity (the offline
    cloud reads the caller from :data:`stack.cloud.identity.current`, set per invocation) and the
    sandbox's only hooks on clients (:meth:`Sandbox.before_write`) are removed by every reset. Calls that
    pass credentials (PaymentProcessor's vendor-role client) or a ``Config`` are never shared.
    """
    made: dict[tuple[str, str, tuple[tuple[str, Any], ...]], Any] = {}
    real = {"client": boto3.client, "resource": boto3.resource}

    def shared(kind: str) -> Callable[..., Any]:
        def build(service_name: str, *args: Any, **kwargs: Any) -> Any:
            if args or not set(kwargs) <= _SHAREABLE:
                return real[kind](service_name, *args, **kwargs)
            key = (kind, service_name, tuple(sorted(kwargs.items())))
            if key not in made:
                made[key] = real[kind](service_name, **kwargs)
            return made[key]
        return build

    with mock.patch.object(boto3, "client", shared("client")), mock.patch.object(boto3, "resource", shared("resource")):
        yield


@contextmanager
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box
