"""``python -m stack deploy LAB --dry-run``: the merged template, as YAML, passes cfn-lint (every session)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from stack import cloudformation, labfolder
from stack import template as tpl
from stack.__main__ import lint, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("session", [1, 2, 3])
def test_dry_run_of_every_solution_is_cfn_lint_clean(session: int, tmp_path: Path) -> None:
    output = tmp_path / "merged.yaml"
    assert main(["deploy", str(ROOT / f"solutions/session{session}"), "--dry-run", "--output", str(output)], out=io.StringIO()) == 0
    text = output.read_text()
    assert lint(text) == []
    merged = tpl.load(output)
    if session == 1:  # the lab's files are in it, naming the deployed account and key
        role = merged["Resources"]["PaymentProcessorRole"]["Properties"]
        assert [p["PolicyName"] for p in role["Policies"]] == ["PaymentProcessorPolicy", "PaymentProcessorPolicy1"]
        assert "111111111111" not in str(merged["Resources"])
    else:  # sessions 2 and 3 do not change the template: the plain template, made portable
        assert merged == cloudformation.portable(tpl.load())


def test_portable_names_the_deployed_account_region_and_key() -> None:
    merged, _ = labfolder.merged_template(ROOT / "solutions/session1")
    out = cloudformation.portable(merged)
    statements = out["Resources"]["SeatInventoryUpdaterRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    resources = [s["Resource"] for s in statements]
    assert {"Fn::GetAtt": ["TourTicketingKey", "Arn"]} in resources
    assert {"Fn::Sub": "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:SeatInventoryQueue"} in resources
    assert cloudformation._rewrite("arn:aws:s3:::b/${aws:username}/111111111111", None, False) == {"Fn::Sub": "arn:aws:s3:::b/${!aws:username}/${AWS::AccountId}"}


def test_a_broken_template_fails_the_lint() -> None:
    assert lint("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Bogus: 1\n")
