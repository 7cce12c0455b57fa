"""A session's slow, self-contained work, started in a forked process as soon as pytest has read its arguments.

Session 1's end-to-end run (deploy the learner's system, send two purchases, drain the pipeline) and
session 3's sandbox verdicts are each one computation that several checks read through
:meth:`checks.context.CheckContext.memo`. Run in the grading process, they wait until pytest has
imported everything and run the quick static checks first. Forked from the plugin's earliest hook
(``pytest_load_initial_conftests``; at collection when the plugin came from a ``conftest.py``), they
use the second core while this process finishes starting up, runs the static checks and writes the
report: measured on the 2-core machine, session 1 grades in 1.6 s instead of 2.0 s, session 3 in 2.6 s
instead of 3.3 s (``bench/bench_session1.py``, ``bench/bench_session3.py``, with ``--in-process`` as the
baseline).

The child sends back its result as plain data through a pipe; anything unexpected (a failure, a
crash, a result it cannot send) makes the parent compute the value itself, exactly as it would have
without a child, so a learner's mistake still surfaces in the check that reads it, with the same
message. Only a run that owns its process forks (``pytest labs/session1`` from a shell, see
:func:`checks.quick_exit.started_from_command_line`): class grading keeps learner code in its guarded
process, and ``pytest.main()`` callers (``tourlab watch``, the self-tests) may have threads.
"""

from __future__ import annotations

import dataclasses
import enum
import gc
import io
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

#: Classes a child's result may hold besides our own dataclasses, enums and exceptions.
_PLAIN = {
    ("builtins", name) for name in ("dict", "list", "tuple", "set", "frozenset", "int", "float", "str", "bytes", "bool", "complex")
} | {("decimal", "Decimal"), ("collections", "OrderedDict"), ("datetime", "datetime"), ("datetime", "date"),
     ("datetime", "timedelta"), ("datetime", "timezone")}
#: Packages whose dataclasses, enums and exceptions a result may hold.
_OURS = ("checks.", "stack.")


class Unavailable(Exception):
    """The child did not deliver a value: compute it in this process instead."""


def can_fork() -> bool:
    """Fork only where it is safe and cheap: Linux, and no other thread that could hold a lock."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


class Job:
    """One computation running in a forked child; :meth:`result` reads its value once."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid, self._fd = pid, fd
        self._lock = threading.Lock()

    @classmethod
    def start(cls, compute: Callable[[], Any]) -> Job:
        """Fork a child that runs ``compute()`` and writes back its pickled value."""
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            try:
                os.close(read_fd)
                _silence()
                _collect_less()
                _child(compute, write_fd)
            finally:
                os._exit(0)
        os.close(write_fd)
        return cls(pid, read_fd)

    def result(self) -> Any:
        """Wait for the child's value; :class:`Unavailable` when it has none to give."""
        with self._lock:
            fd, self._fd = self._fd, -1  # the reader owns the pipe; a cancel only kills the child
        if fd < 0:
            raise Unavailable("already read or cancelled")
        with os.fdopen(fd, "rb") as pipe:
            data = pipe.read()
        with self._lock:
            self._reap()
        try:
            kind, value = _Unpickler(io.BytesIO(data)).load()
        except Exception as exc:  # noqa: BLE001 - a truncated or foreign payload is just "no value"
            raise Unavailable(f"unreadable result: {exc}") from None
        if kind != "ok":
            raise Unavailable("the computation failed in the child")
        return value

    def cancel(self) -> None:
        """Stop the child if it is still running (the run ended, or a check gave up waiting)."""
        with self._lock:
            if self._pid:
                os.kill(self._pid, signal.SIGKILL)  # not reaped yet, so the pid is still this child's
                self._reap()
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def _reap(self) -> None:
        if self._pid:
            try:
                os.waitpid(self._pid, 0)
            except ChildProcessError:
                pass
            self._pid = 0


def _silence() -> None:
    """The child writes nothing to the terminal or pytest's capture files: its output is its value."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def _collect_less() -> None:
    """The child lives a few seconds and allocates a lot (imports, then the offline cloud): collected
    as often as a long-lived process, it spends about a quarter of its time in the garbage collector
    (measured on session 1: 2.4 -> 1.9 CPU seconds). What it inherited outlives it, so it is frozen
    out of the collector's sight, and young collections run less often; cyclic garbage (a learner's
    handler making it in a loop, say) is still collected, so memory stays bounded."""
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def _child(compute: Callable[[], Any], write_fd: int) -> None:
    try:
        payload = pickle.dumps(("ok", compute()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:  # noqa: BLE001 - the parent recomputes and reports it properly
        payload = pickle.dumps(("failed", None))
    with os.fdopen(write_fd, "wb") as pipe:
        pipe.write(payload)


class _Unpickler(pickle.Unpickler):
    """Loads plain data and our own value types only: a payload can never name a function to call."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _PLAIN:
            return super().find_class(module, name)
        if module.startswith(_OURS):
            found = super().find_class(module, name)
            if isinstance(found, type) and (dataclasses.is_dataclass(found) or issubclass(found, (enum.Enum, Exception))):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not a value type")
