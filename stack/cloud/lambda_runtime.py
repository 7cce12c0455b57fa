"""Lambda in process: load a handler file, invoke it with a real-shaped context, capture everything.

moto's Lambda needs Docker to run code (``shared/moto-gaps.md``); ours imports the handler module
like the Python runtime does (fresh per deployment, with the function's environment variables set)
and calls ``handler(event, context)`` in a worker thread under a wall-clock limit
(:mod:`stack.cloud.deadline`). What a real function would show is reproduced from the facts in
``shared/aws-facts.md`` (Lambda with SQS): ``START``/``END``/``REPORT`` lines and the handler's own
output in ``/aws/lambda/NAME``, the error payload (``errorMessage``, ``errorType``), ``Task timed out``,
and the AWS/Lambda metrics Invocations, Errors, Duration, ConcurrentExecutions.

Time is virtual: AWS calls advance the clock by a modelled latency, ``time.sleep`` advances it
instead of sleeping, and a handler that outlives its configured timeout is cut at that instant.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import math
import os
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

from stack.cloud import constants, identity, network_guard
from stack.cloud.access import Principal
from stack.cloud.clock import VirtualClock
from stack.cloud.deadline import DeadlineExceeded, call_with_deadline
from stack.cloud.journal import InvocationRecord, Journal
from stack.cloud.metrics import MetricsRecorder


class RuntimeExit(BaseException):
    """Raised in place of ``os._exit(status)`` called by learner code: the grading process lives on.

    On AWS the handler's process ends and the invocation fails with ``Runtime.ExitError``
    ("Runtime exited with error: exit status N"); ``sys.exit`` (``SystemExit``) ends the same way.
    In process, ``os._exit`` would end the whole grading run without a grade or a report, so while
    learner code is imported or invoked :func:`os._exit` raises this instead.
    """

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _refuse_exit(status: int = 0) -> None:
    raise RuntimeExit(status)


@contextlib.contextmanager
def learner_code() -> Iterator[None]:
    """What holds while learner code runs in process: no process exit, no network beyond loopback."""
    with network_guard.guarded(), mock.patch("os._exit", _refuse_exit):
        yield


def _exit_status(error: BaseException | None) -> int | None:
    """The exit status when ``error`` is the learner code ending its process (``sys.exit``/``os._exit``)."""
    if isinstance(error, RuntimeExit):
        return error.status
    if isinstance(error, SystemExit):
        code = error.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return None


class TaskTimedOut(BaseException):
    """Raised inside a handler at the virtual instant its configured timeout expires.

    A ``BaseException``, like the runtime's own kill, so a handler's ``except Exception`` cannot
    swallow it.
    """


@dataclass(frozen=True)
class FunctionConfig:
    """What the template says about one function, plus where its code is."""

    name: str
    role_arn: str
    handler: str  # "module.function"
    code_dir: Path
    environment: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = constants.LAMBDA_DEFAULT_TIMEOUT_S
    memory_mb: int = constants.LAMBDA_DEFAULT_MEMORY_MB
    account: str = "111111111111"
    region: str = "us-east-1"

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.name}"

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def code_file(self) -> Path:
        return self.code_dir / f"{self.module_name.replace('.', '/')}.py"

    def principal(self) -> Principal:
        return Principal.assumed_role(self.role_arn, self.name)


@dataclass(frozen=True)
class InitError:
    """Why a handler could not be loaded, in the Lambda runtime's vocabulary."""

    error_type: str  # Runtime.ImportModuleError, Runtime.UserCodeSyntaxError, Runtime.HandlerNotFound, ...
    message: str
    line: int | None = None


class LambdaContext:
    """The context object the Python runtime passes to a handler (same attribute names)."""

    def __init__(self, config: FunctionConfig, request_id: str, stream: str, deadline: float, clock: VirtualClock) -> None:
        self.function_name = config.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = config.arn
        self.memory_limit_in_mb = str(config.memory_mb)
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{config.name}"
        self.log_stream_name = stream
        self.identity = None
        self.client_context = None
        self._deadline = deadline
        self._clock = clock

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._clock.now()) * 1000))


@dataclass
class LogBuffer:
    """Log events per (group, stream), written to moto's CloudWatch Logs when the cloud flushes."""

    events: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def write(self, group: str, stream: str, at_ms: int, message: str) -> None:
        self.events.setdefault((group, stream), []).append({"timestamp": at_ms, "message": message})

    def drain(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        events, self.events = self.events, {}
        return events


class _LogCapture(logging.Handler):
    """Collects ``logging`` records as the Lambda Python runtime formats them."""

    def __init__(self, sink: Callable[[str], None], request_id: str, clock: VirtualClock) -> None:
        super().__init__(logging.DEBUG)
        self._sink, self._request_id, self._clock = sink, request_id, clock

    def emit(self, record: logging.LogRecord) -> None:
        stamp = self._clock.datetime().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        self._sink(f"[{record.levelname}]\t{stamp}\t{self._request_id}\t{record.getMessage()}")


class _LineWriter(io.TextIOBase):
    """stdout of a handler: each complete line becomes one log event, as in CloudWatch Logs."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        self._sink, self._partial = sink, ""

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._sink(line)
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self._sink(self._partial)
            self._partial = ""


class LambdaRuntime:
    """Holds the functions of one offline cloud and invokes them."""

    def __init__(self, clock: VirtualClock, journal: Journal, metrics: MetricsRecorder, logs: LogBuffer) -> None:
        self.clock, self.journal, self.metrics, self.logs = clock, journal, metrics, logs
        self.functions: dict[str, FunctionConfig] = {}
        self._handlers: dict[str, Callable[..., Any] | InitError] = {}
        self._counter = 0
        self._deadline: float | None = None

    # -- deployment -------------------------------------------------------------------------
    def add(self, config: FunctionConfig) -> None:
        """Register a function; its code is loaded on first invocation (a cold start)."""
        self.functions[config.name] = config
        self._handlers.pop(config.name, None)

    def by_arn_or_name(self, ref: str) -> FunctionConfig | None:
        name = ref.split(":function:")[-1].split(":")[0] if ref.startswith("arn:") else ref
        config = self.functions.get(name)
        if config is None or (ref.startswith("arn:") and not ref.startswith(config.arn)):
            return None
        return config

    def loaded_handler(self, name: str) -> Callable[..., Any] | None:
        """The function's handler if its code is loaded and loads cleanly (for test harnesses)."""
        handler = self._handlers.get(name)
        return None if handler is None or isinstance(handler, InitError) else handler

    def init_error(self, name: str) -> InitError | None:
        """Load the function's code if needed; the reason it cannot be loaded, or None."""
        handler = self._load(self.functions[name])
        return handler if isinstance(handler, InitError) else None

    # -- invocation -------------------------------------------------------------------------
    def spend(self, seconds: float) -> None:
        """Advance virtual time by ``seconds``; inside a handler, cut it where its timeout falls."""
        if self._deadline is not None and self.clock.now() + seconds >= self._deadline:
            self.clock.advance_to(self._deadline)
            raise TaskTimedOut()
        self.clock.advance(seconds)

    def invoke(self, name: str, event: Any, batch_size: int = 0) -> InvocationRecord:
        """Invoke one function synchronously; never raises for anything the handler does."""
        config = self.functions[name]
        self._counter += 1
        request_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{name}/{self._counter}"))
        day = self.clock.datetime().strftime("%Y/%m/%d")
        stream = f"{day}/[$LATEST]{uuid.uuid5(uuid.NAMESPACE_OID, name).hex}"
        group = f"/aws/lambda/{name}"

        def log(message: str) -> None:
            self.logs.write(group, stream, self.clock.now_ms(), message)

        start = self.clock.now()
        cold = name not in self._handlers
        handler = self._load(config)
        log(f"START RequestId: {request_id} Version: $LATEST")
        if isinstance(handler, InitError):
            record = self._finish(config, request_id, start, "init-error", handler.error_type, handler.message, None, batch_size)
            log(json.dumps({"errorMessage": handler.message, "errorType": handler.error_type, "requestId": request_id}))
        else:
            record = self._run(config, handler, event, request_id, stream, start, log, batch_size)
        duration = record.duration_ms
        log(f"END RequestId: {request_id}")
        init = f"\tInit Duration: {constants.HANDLER_BASE_MS * 50:.2f} ms" if cold else ""
        log(
            f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: {math.ceil(duration)} ms"
            f"\tMemory Size: {config.memory_mb} MB\tMax Memory Used: {min(config.memory_mb, 48)} MB{init}"
        )
        self.journal.invocations.append(record)
        at = start
        self.metrics.function(name, "Invocations", 1, at)
        self.metrics.function(name, "Errors", 0 if record.outcome == "ok" else 1, at)
        self.metrics.function(name, "Throttles", 0, at)  # the serial runtime never throttles (the simulator models it)
        self.metrics.function(name, "Duration", duration, at, "Milliseconds")
        self.metrics.function(name, "ConcurrentExecutions", 1, at)
        return record

    def _run(self, config: FunctionConfig, handler: Callable[..., Any], event: Any, request_id: str, stream: str,
             start: float, log: Callable[[str], None], batch_size: int) -> InvocationRecord:
        deadline = start + config.timeout_s
        context = LambdaContext(config, request_id, stream, deadline, self.clock)
        self.clock.advance(constants.HANDLER_BASE_MS / 1000)
        with self._function_scope(config, deadline, log, request_id):
            outcome = call_with_deadline(handler, constants.WALL_CLOCK_LIMIT_S, event, context)
        error = outcome.error
        if outcome.timed_out or isinstance(error, (TaskTimedOut, DeadlineExceeded)):
            self.clock.advance_to(deadline)
            seconds = f"{config.timeout_s:.2f}"
            log(f"{self.clock.datetime().strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z {request_id} Task timed out after {seconds} seconds")
            return self._finish(config, request_id, start, "timeout", "Sandbox.Timedout", f"Task timed out after {seconds} seconds", None, batch_size)
        status = _exit_status(error)
        if status is not None:  # sys.exit / os._exit in the handler: what Lambda reports when its runtime process dies
            how = "os._exit" if isinstance(error, RuntimeExit) else "sys.exit"
            frames = [f for f in traceback.extract_tb(error.__traceback__) if _is_under(f.filename, config.code_dir)]
            where = f" in {Path(frames[-1].filename).name}, line {frames[-1].lineno}" if frames else ""
            message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {status} (the handler called {how}{where})"
            log(message)
            return self._finish(config, request_id, start, "error", "Runtime.ExitError", message, None, batch_size)
        if error is not None:
            error_type = type(error).__name__
            frames = traceback.extract_tb(error.__traceback__)
            user_frames = [f for f in frames if Path(f.filename).resolve().is_relative_to(config.code_dir.resolve())]
            stack = traceback.format_list(user_frames)
            # One event, lines joined by \r, as the Python runtime writes an unhandled exception.
            text = f"[ERROR] {error_type}: {error}\nTraceback (most recent call last):\n" + "".join(stack)
            log(text.rstrip("\n").replace("\n", "\r"))
            return self._finish(config, request_id, start, "error", error_type, str(error), None, batch_size)
        return self._finish(config, request_id, start, "ok", None, None, outcome.value, batch_size)

    def _finish(self, config: FunctionConfig, request_id: str, start: float, outcome: str, error_type: str | None,
                message: str | None, response: Any, batch_size: int) -> InvocationRecord:
        duration_ms = round((self.clock.now() - start) * 1000, 2)
        return InvocationRecord(start, config.name, request_id, duration_ms, outcome, error_type, message, response, batch_size)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def _function_scope(self, config: FunctionConfig, deadline: float, log: Callable[[str], None], request_id: str) -> Iterator[None]:
        """Environment, identity, virtual sleep, captured stdout and logging for one invocation."""
        writer = _LineWriter(log)
        capture = _LogCapture(log, request_id, self.clock)
        root = logging.getLogger()
        root.addHandler(capture)
        outer, self._deadline = self._deadline, deadline  # a nested invoke (lambda:Invoke) has its own
        try:
            with _environment(config), identity.acting_as(config.principal()), learner_code(), \
                    mock.patch("time.sleep", self._virtual_sleep), contextlib.redirect_stdout(writer):
                yield
        finally:
            writer.flush()
            root.removeHandler(capture)
            self._deadline = outer

    def _virtual_sleep(self, seconds: float) -> None:
        self.spend(max(0.0, float(seconds)))

    # -- loading ----------------------------------------------------------------------------
    def _load(self, config: FunctionConfig) -> Callable[..., Any] | InitError:
        if config.name not in self._handlers:
            with _environment(config), identity.acting_as(config.principal()), learner_code():
                outcome = call_with_deadline(load_handler, constants.WALL_CLOCK_LIMIT_S, config)
            if outcome.timed_out:
                self._handlers[config.name] = InitError("Runtime.InitTimeout", f"importing {config.code_file} did not finish in {constants.WALL_CLOCK_LIMIT_S:.0f} s")
            elif (status := _exit_status(outcome.error)) is not None:
                self._handlers[config.name] = InitError("Runtime.ExitError", f"Runtime exited with error: exit status {status} "
                                                        f"(importing {config.code_file} ended the process)")
            elif outcome.error is not None:
                self._handlers[config.name] = InitError("Runtime.ImportModuleError", f"{type(outcome.error).__name__}: {outcome.error}")
            else:
                self._handlers[config.name] = outcome.value  # type: ignore[assignment]
        return self._handlers[config.name]


@contextlib.contextmanager
def _environment(config: FunctionConfig) -> Iterator[None]:
    """The function's environment variables plus the runtime's own (AWS_LAMBDA_FUNCTION_NAME, ...).

    Only the variables set are saved and restored (copying all of ``os.environ`` per invocation
    was a measurable share of the runtime's overhead).
    """
    values = {
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
        "AWS_REGION": config.region,
        "AWS_DEFAULT_REGION": config.region,
        **config.environment,
    }
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def load_handler(config: FunctionConfig) -> Callable[..., Any] | InitError:
    """Import ``config.handler`` from its file as a private module, the way Lambda's runtime would.

    Sibling modules the handler imports are loaded from its own folder and then removed from
    ``sys.modules``, so two deployments (a learner's handlers and the reference ones) never share
    a cached module.
    """
    path = config.code_file
    if not path.is_file():
        return InitError("Runtime.ImportModuleError", f"Unable to import module '{config.module_name}': No module named '{config.module_name}' ({path} not found)")
    try:
        source = path.read_text(encoding="utf-8")
        compile(source, str(path), "exec")
    except SyntaxError as exc:
        return InitError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{config.module_name}': {exc.msg} ({path}, line {exc.lineno})", exc.lineno)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return InitError("Runtime.ImportModuleError", f"Unable to import module '{config.module_name}': {exc} ({path})")
    # A sibling the handler imports (``ticketing_common``) must come from the handler's own folder,
    # even when a module of that name is already loaded from elsewhere (the reference handlers, a
    # test): set those aside for the import and put them back afterwards.
    shadowed = {p.stem: sys.modules.pop(p.stem) for p in config.code_dir.glob("*.py") if p.stem in sys.modules}
    before = set(sys.modules)
    unique = f"_tourlab_fn_{config.name}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(unique, path)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module  # dataclasses and typing look a class's module up by name
    sys.path.insert(0, str(config.code_dir))
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - learner code may raise anything at import
        del sys.modules[unique]
        return InitError("Runtime.ImportModuleError", f"Unable to import module '{config.module_name}': {type(exc).__name__}: {exc}", _user_line(exc, path))
    finally:
        sys.path.remove(str(config.code_dir))
        for name in set(sys.modules) - before - {unique}:
            file = getattr(sys.modules[name], "__file__", None) or ""
            if file and Path(file).resolve().is_relative_to(config.code_dir.resolve()):
                del sys.modules[name]
        sys.modules.update(shadowed)
    function_name = config.handler.rsplit(".", 1)[-1]
    handler = getattr(module, function_name, None)
    if not callable(handler):
        return InitError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{config.module_name}' ({path})")
    return handler


def _is_under(filename: str, folder: Path) -> bool:
    return Path(filename).resolve().is_relative_to(folder.resolve())


def _user_line(exc: BaseException, path: Path) -> int | None:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename) == path:
            return frame.lineno
    return None
