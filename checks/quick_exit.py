"""End a lab grading run without tearing the interpreter down.

A grading run holds boto3, moto, their service models and the offline cloud: hundreds of thousands
of objects that CPython frees one by one, module by module, when the process ends. That finalisation
comes after pytest has printed the summary, written every report and restored its output capture,
so nobody waits for anything useful: measured on the 2-core machine, session 1, it is 0.7 s of a
3.5-second run (a fifth of the feedback time).

So a lab run started from pytest's command line (``pytest labs/session1``, ``python -m pytest ...``)
ends with :func:`os._exit` from the first ``atexit`` handler, with pytest's exit code, once standard
streams and logging are flushed. Anything else returns normally: ``pytest.main()`` called by another
program (``tourlab watch``, class grading, the self-tests) must get control back, and a run under
coverage must let coverage save its data.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from pathlib import Path
from types import FrameType

import _pytest.config

#: pytest's command-line entry points (``_console_main`` since pytest 9.1, ``console_main`` before)
#: and the functions they call (``_main`` since 9.1, which ``pytest.main`` also calls; ``main`` before).
_ENTRY_POINTS = frozenset({"_console_main", "console_main"})
_MAINS = frozenset({"_main", "main"})
_PYTEST_CONFIG = Path(_pytest.config.__file__).resolve()


def started_from_command_line(args: tuple[str, ...]) -> bool:
    """True when this pytest run is the process's own: pytest's command-line entry point called its
    main function with the process's arguments (``pytest.main()`` from other code is never that)."""
    if tuple(sys.argv[1:]) != tuple(args):
        return False
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name in _MAINS and Path(code.co_filename).resolve() == _PYTEST_CONFIG:
            caller = frame.f_back
            return caller is not None and caller.f_code.co_name in _ENTRY_POINTS
        frame = frame.f_back
    return False


def arm(exit_code: int) -> None:
    """Make the process end with ``exit_code`` as soon as the interpreter starts shutting down.

    Registered last, the handler runs first among ``atexit`` handlers; pytest has returned and the
    non-daemon threads have been joined by then."""
    if "coverage" in sys.modules:
        return  # coverage saves its data from an atexit handler registered before this one
    atexit.register(_exit_now, int(exit_code))


def _exit_now(exit_code: int) -> None:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass  # a closed or replaced stream: nothing left to flush
    os._exit(exit_code)
