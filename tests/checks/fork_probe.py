"""A pytest plugin for child runs: record each background fork (``-p tests.checks.fork_probe``).

One line per :meth:`checks.background.Job.start` call is appended to the file named by
``TOURLAB_FORK_LOG``, so a test can tell a forked run from one that quietly computed in process.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from checks import background

_LOG = os.environ.get("TOURLAB_FORK_LOG", os.devnull)
_start = background.Job.start.__func__  # type: ignore[attr-defined]


def _recorded(cls: type[background.Job], compute: Callable[[], Any]) -> background.Job:
    job = _start(cls, compute)
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write("fork\n")
    return job


background.Job.start = classmethod(_recorded)  # type: ignore[method-assign, assignment]
