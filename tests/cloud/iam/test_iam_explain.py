"""``explain-access REQUEST.json [--json]`` (issue 5, Explain)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stack.cloud.iam.explain import main

ACCOUNT = "111111111111"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/SeatInventoryUpdaterRole/SeatInventoryUpdater"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/SeatInventory"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/22222222-2222-2222-2222-222222222222"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:SeatInventoryQueue"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:TourTicketingTopic"


def write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "request.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=1))
    return path


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ALLOW_UPDATE = policy({"Sid": "Seats", "Effect": "Allow", "Action": "dynamodb:UpdateItem", "Resource": TABLE})


@pytest.mark.parametrize(
    ("content", "decision", "reason_part"),
    [
        pytest.param({"request": {"principal": SESSION, "action": "dynamodb:UpdateItem", "resource": TABLE}, "identity_policies": [ALLOW_UPDATE]},
                     "Allow", "statement 'Seats' (#0)", id="allowed by an identity statement"),
        pytest.param({"request": {"principal": SESSION, "action": "dynamodb:UpdateItem", "resource": TABLE}, "identity_policies": []},
                     "ImplicitDeny", "implicit deny", id="no statement matched"),
        pytest.param({"request": {"principal": SESSION, "action": "kms:Decrypt", "resource": KEY}, "identity_policies": [policy({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})],
                      "key_policy": policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/Other"}, "Action": "kms:*", "Resource": "*"})},
                     "ImplicitDeny", "neither names the caller nor delegates", id="key policy is the root of trust"),
        pytest.param({"request": {"principal": {"service": "sns.amazonaws.com"}, "action": "sqs:SendMessage", "resource": QUEUE, "context": {"aws:SourceArn": TOPIC}},
                      "resource_policy": policy({"Sid": "FromTopic", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": QUEUE, "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}}}),
                      "key_policy": None, "trust_policy": None},
                     "Allow", "'FromTopic'", id="service principal and context"),
        pytest.param({"request": {"principal": SESSION, "principal_account": ACCOUNT, "action": "dynamodb:UpdateItem", "resource": TABLE},
                      "identity_policies": [ALLOW_UPDATE, policy({"Sid": "Freeze", "Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"})]},
                     "ExplicitDeny", "explicit deny by statement 'Freeze'", id="explicit deny in another policy"),
    ],
)
def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: dict[str, Any], decision: str, reason_part: str) -> None:
    assert main([str(write(tmp_path, content)), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"decision", "reason"}
    assert out["decision"] == decision and reason_part in out["reason"]


def test_text_output_names_statement_and_aws_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = {"request": {"principal": SESSION, "action": "dynamodb:UpdateItem", "resource": TABLE},
               "identity_policies": [ALLOW_UPDATE, policy({"Sid": "Freeze", "Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"})]}
    path = write(tmp_path, content)
    assert main([str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "ExplicitDeny"
    assert f"  decided by: {path}:identity_policies[1] statement #0 (Sid 'Freeze')" in lines
    assert any("is not authorized to perform: dynamodb:UpdateItem" in line and "with an explicit deny in an identity-based policy" in line for line in lines)


def test_text_output_lists_policy_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = {"request": {"principal": SESSION, "action": "dynamodb:UpdateItem", "resource": TABLE},
               "identity_policies": [policy({"Effect": "Allow", "Action": "dynamodb:UpdateItems", "Resource": TABLE})]}
    assert main([str(write(tmp_path, content))]) == 0
    assert "UNKNOWN_ACTION" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param('{\n "request": {\n  "action": 1,}\n}', ":3:", id="JSON syntax error has file and line"),
        pytest.param({"nothing": 1}, 'needs a "request" object', id="no request"),
        pytest.param({"request": {"principal": SESSION, "resource": TABLE}}, "request.action must be a string", id="missing action"),
        pytest.param({"request": {"principal": "Bob", "action": "sqs:SendMessage", "resource": QUEUE}}, "request.principal", id="principal not an ARN"),
        pytest.param({"request": {"principal": SESSION, "principal_account": "222222222222", "action": "sqs:SendMessage", "resource": QUEUE}}, "principal_account", id="principal_account mismatch"),
        pytest.param({"request": {"principal": SESSION, "action": "sqs:SendMessage", "resource": QUEUE}, "identity_policies": ["x"]}, "identity_policies", id="policy not an object"),
        pytest.param({"request": {"principal": SESSION, "action": "dynamodb:UpdateItem", "resource": TABLE},
                      "identity_policies": [ALLOW_UPDATE], "resource_polcy": policy({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"})},
                     "unknown key 'resource_polcy'", id="misspelt top-level key"),
        pytest.param({"request": {"principal": SESSION, "action": "dynamodb:UpdateItem", "resource": TABLE, "contxt": {"aws:SecureTransport": False}},
                      "identity_policies": [ALLOW_UPDATE]},
                     "unknown key request.'contxt'", id="misspelt request key"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, message: str) -> None:
    path = write(tmp_path, content)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"explain-access: {path}:") and message in err


def test_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_runs_as_module(tmp_path: Path) -> None:
    path = write(tmp_path, {"request": {"principal": SESSION, "action": "dynamodb:UpdateItem", "resource": TABLE}, "identity_policies": [ALLOW_UPDATE]})
    run = subprocess.run([sys.executable, "-m", "stack.cloud.iam.explain", str(path), "--json"], capture_output=True, text=True, check=False)
    assert (run.returncode, json.loads(run.stdout)["decision"]) == (0, "Allow")


def test_help_documents_the_request_format_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for words in ('"request"', '"principal"', '"context"', '"identity_policies"', '"resource_policy"', '"key_policy"', '"trust_policy"',
                  "Any other key is an error", "Example:"):
        assert words in out, words


def test_help_example_is_a_valid_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from stack.cloud.iam.explain import FORMAT

    example = FORMAT.split("Example:\n", 1)[1]
    assert main([str(write(tmp_path, example)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["decision"] == "Allow"
