"""Run learner code with a wall-clock limit, so a handler that hangs can never hang a grading run.

Python cannot kill a thread, but it can raise an exception inside one between two bytecodes
(``PyThreadState_SetAsyncExc``). A pure-Python loop is cut within milliseconds; a call blocked in C
(a socket read, ``time.sleep`` when not virtualised) is cut when it returns. If the code catches the
injected exception and keeps going, the thread is abandoned (it is a daemon) and the caller still gets
its answer on time: the run goes on.
"""

from __future__ import annotations

import contextvars
import ctypes
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class DeadlineExceeded(BaseException):
    """Injected into code that ran past its wall-clock limit.

    A ``BaseException`` so that a handler's ``except Exception`` does not swallow it.
    """


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a call under a deadline produced: a value, an exception, or a timeout."""

    value: T | None = None
    error: BaseException | None = None
    timed_out: bool = False
    abandoned: bool = False  # the code ignored the timeout and still runs in a daemon thread


def call_with_deadline(fn: Callable[..., T], seconds: float, *args: Any, **kwargs: Any) -> Outcome[T]:
    """Call ``fn(*args, **kwargs)`` in a worker thread that carries the caller's context variables.

    Returns an :class:`Outcome`; never raises for anything ``fn`` does (``SystemExit`` and
    ``KeyboardInterrupt`` from ``fn`` included: they become ``Outcome.error``).
    """
    ctx = contextvars.copy_context()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = ctx.run(fn, *args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - learner code may raise anything
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"deadline:{getattr(fn, '__name__', 'call')}", daemon=True)
    worker.start()
    worker.join(seconds)
    if not worker.is_alive():
        error = box.get("error")
        if isinstance(error, DeadlineExceeded):
            return Outcome(timed_out=True)
        return Outcome(value=box.get("value"), error=error)
    _inject(worker, DeadlineExceeded)
    worker.join(0.5)
    return Outcome(timed_out=True, abandoned=worker.is_alive())


def _inject(thread: threading.Thread, exc_type: type[BaseException]) -> None:
    """Ask the interpreter to raise ``exc_type`` in ``thread`` at its next bytecode."""
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(exc_type))
