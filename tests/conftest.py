"""Fixtures shared by every self-test folder.

The grader imports the offline cloud lazily (a grading process whose slow work is forked never loads
moto). Self-tests that grade in process with ``pytester`` restore ``sys.modules`` afterwards, which
would drop the modules a grading run imported and leave later tests with two generations of moto
(one holding the queues, the other asked about them). Importing them here, once, keeps one.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

import stack.casestudies.sandbox  # noqa: F401 - see the module docstring
import stack.deploy  # noqa: F401 - see the module docstring


@pytest.fixture
def socket_guard(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record (and refuse) every connection attempt that is not to loopback."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            attempts.append(address)
            raise ConnectionRefusedError(f"socket guard: no network in offline runs ({address})")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: guarded(socket.socket(), address))
    return attempts
