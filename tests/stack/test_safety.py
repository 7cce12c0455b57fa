"""The offline cloud never reaches a real AWS endpoint, whatever credentials the shell holds."""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest

from stack.cloud.offline import offline_environment

REAL_LOOKING = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE",
    "AWS_PROFILE": "production",
    "AWS_ENDPOINT_URL": "https://sqs.us-east-1.amazonaws.com",
    "AWS_ENDPOINT_URL_SQS": "https://sqs.us-east-1.amazonaws.com",
}


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


def test_no_real_endpoint_is_contacted_with_real_credentials_in_the_shell(monkeypatch, socket_guard, system, purchases):
    for name, value in REAL_LOOKING.items():
        monkeypatch.setenv(name, value)
    deployment = system()
    cloud = deployment.cloud
    assert os.environ["AWS_ACCESS_KEY_ID"] != REAL_LOOKING["AWS_ACCESS_KEY_ID"] and "AWS_PROFILE" not in os.environ
    assert "AWS_ENDPOINT_URL_SQS" not in os.environ and "AWS_SESSION_TOKEN" not in os.environ
    assert cloud.invoke("TicketPurchaseHandler", purchases["sample"]).response["statusCode"] == 202
    cloud.run_until_idle()
    cloud.flush()
    assert all(i.outcome == "ok" for i in cloud.journal.invocations)
    assert socket_guard == []
    cloud.close()
    assert os.environ["AWS_ACCESS_KEY_ID"] == REAL_LOOKING["AWS_ACCESS_KEY_ID"]  # the shell is restored


def test_offline_environment_names_no_profile_or_credentials_file():
    env = offline_environment()
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull and env["AWS_CONFIG_FILE"] == os.devnull
    assert env["MOTO_ACCOUNT_ID"] == "111111111111"
