"""Virtual time: visibility timeouts, handler durations and metric minutes advance without sleeping.

moto reads the wall clock (``moto.core.utils.utcnow``, re-imported by several service modules), so
:func:`patched_moto_time` points all of them at one :class:`VirtualClock` for the life of an offline
cloud. Handlers' ``time.sleep`` is virtualised by :mod:`stack.cloud.lambda_runtime`, AWS calls cost a
modelled latency (:mod:`stack.cloud.constants`): the same run gives the same timestamps every time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
from collections.abc import Iterator
from unittest import mock

#: The virtual epoch of a fresh cloud: the sample purchase's timestamp (``shared/design.md``).
DEFAULT_START = dt.datetime(2024, 5, 1, 14, 30, tzinfo=dt.timezone.utc)

#: moto modules that bind ``utcnow`` by name; ``moto.core.utils.unix_time`` reads the module global.
_MOTO_UTCNOW_MODULES = (
    "moto.core.utils",
    "moto.cloudwatch.models",
    "moto.logs.models",
    "moto.kms.models",
    "moto.dynamodb.models.table",
    "moto.sns.models",
    "moto.sts.models",
)


class VirtualClock:
    """Seconds since the Unix epoch, moved only by :meth:`advance` and :meth:`advance_to`."""

    def __init__(self, start: dt.datetime = DEFAULT_START) -> None:
        self._now = start.timestamp()

    def now(self) -> float:
        return self._now

    def now_ms(self) -> int:
        return int(round(self._now * 1000))

    def datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._now, dt.timezone.utc)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"time does not run backwards ({seconds} s)")
        self._now += seconds

    def advance_to(self, timestamp: float) -> None:
        """Move forward to ``timestamp``; a time in the past is a no-op (the clock never rewinds)."""
        self._now = max(self._now, timestamp)

    def naive_utc(self) -> dt.datetime:
        """What ``moto.core.utils.utcnow`` returns: a naive UTC datetime."""
        return self.datetime().replace(tzinfo=None)


@contextlib.contextmanager
def patched_moto_time(clock: VirtualClock) -> Iterator[None]:
    """Make every moto timestamp (message visibility, metric and log times, STS expiry) virtual."""
    with contextlib.ExitStack() as stack:
        for name in _MOTO_UTCNOW_MODULES:
            module = importlib.import_module(name)
            stack.enter_context(mock.patch.object(module, "utcnow", clock.naive_utc))
        yield
