"""Nothing reaches real AWS without ``--real-aws``; with it, the account guard runs before anything else."""

from __future__ import annotations

import io
import socket
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from stack import endpoints, realaws
from stack.__main__ import main
from stack.simulate import traffic

ROOT = Path(__file__).resolve().parents[2]
LAB = str(ROOT / "solutions/session1")
REAL_LOOKING = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": "https://cloudformation.us-east-1.amazonaws.com"}


@pytest.fixture
def socket_guard(socket_guard: list[Any], monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The shared loopback-only guard (tests/conftest.py), plus every DNS look-up refused and recorded,
    with real-looking AWS settings in the environment."""

    def no_dns(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "::1", "localhost"):
            socket_guard.append(host)
            raise socket.gaierror(f"socket guard: no DNS for {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    for name, value in REAL_LOOKING.items():
        monkeypatch.setenv(name, value)
    return socket_guard


@pytest.mark.parametrize("argv", [
    ["deploy", LAB],
    ["teardown"],
    ["deploy", LAB, "--endpoint", "https://cloudformation.us-east-1.amazonaws.com"],
    ["teardown", "--endpoint", "https://sqs.us-east-1.amazonaws.com"],
    ["deploy", LAB, "--endpoint", "moto-server", "--real-aws"],
])
def test_without_real_aws_no_request_leaves_loopback(socket_guard: list[Any], argv: list[str]) -> None:
    assert main(argv, out=io.StringIO(), ask=lambda q: pytest.fail("asked for confirmation")) == 2
    assert socket_guard == []


def test_traffic_needs_its_opt_in_before_any_connection(socket_guard: list[Any]) -> None:
    assert traffic.main(["--endpoint", "https://lambda.us-east-1.amazonaws.com", "--limit", "1"], stream=io.StringIO()) == 2
    assert socket_guard == []


def _stubbed_sts(account: str) -> Any:
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(sts)
    stub.add_response("get_caller_identity", {"Account": account, "Arn": f"arn:aws:iam::{account}:user/instructor", "UserId": "AIDA"})
    stub.add_response("get_caller_identity", {"Account": account, "Arn": f"arn:aws:iam::{account}:user/instructor", "UserId": "AIDA"})
    stub.activate()
    return sts


def _only_sts(monkeypatch: pytest.MonkeyPatch, account: str) -> None:
    sts = _stubbed_sts(account)

    def client(self: endpoints.Target, service: str, session: Any = None) -> Any:
        if service != "sts":
            pytest.fail(f"{service} was called before the guard let it")
        return sts

    monkeypatch.setattr(endpoints.Target, "client", client)


def test_real_aws_refuses_an_account_outside_the_allow_list(socket_guard, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _only_sts(monkeypatch, "123456789012")
    monkeypatch.setenv(realaws.ALLOW_ENV, "210987654321")
    assert main(["deploy", LAB, "--real-aws", "--region", "us-east-1", "--yes"], out=io.StringIO()) == 2
    assert "not in the allow-list" in capsys.readouterr().err
    assert socket_guard == []


def test_real_aws_shows_account_plan_and_cost_and_needs_a_yes(socket_guard, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _only_sts(monkeypatch, "123456789012")
    monkeypatch.setenv(realaws.ALLOW_ENV, "123456789012")
    out, questions = io.StringIO(), []
    assert main(["deploy", LAB, "--real-aws", "--region", "eu-west-1"], out=out, ask=lambda q: questions.append(q) or "no") == 2
    text = out.getvalue()
    assert "account 123456789012" in text and "region eu-west-1" in text
    assert "AWS::SQS::Queue" in text and "rough monthly cost" in text and "TourTicketingKey" in text  # retained after teardown
    assert questions and "not confirmed" in capsys.readouterr().err
    assert socket_guard == []


def test_allow_list_file_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "allowed"
    path.write_text("# workshop accounts\n123456789012  # instructor\n\n210987654321\n")
    assert realaws.allowed_accounts(path, env={}) == {"123456789012", "210987654321"}
    assert realaws.allowed_accounts(None, env={realaws.ALLOW_ENV: "1, 2"}) == {"1", "2"}
    with pytest.raises(realaws.RefusedError):
        realaws.check_account("999999999999", frozenset({"123456789012"}))
    realaws.check_account("999999999999", None)  # no list configured: any account
