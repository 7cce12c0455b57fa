"""The offline cloud never reaches a real AWS endpoint, whatever credentials the shell holds."""

from __future__ import annotations

import os

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
