"""Policy loading and validation findings (IAM Access Analyzer style) and the finding catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stack.cloud.iam.arn import arn_matches, parse_arn, principal_from_arn
from stack.cloud.iam.findings import Finding, catalogue
from stack.cloud.iam.parse import PolicyKind, PolicySyntaxError, load_policy, read_policy

OK = {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "arn:aws:sqs:us-east-1:111111111111:q"}


def ids(document: Any, kind: PolicyKind = "identity") -> set[str]:
    return {f.id for f in load_policy(document, "p.json", kind).findings}


@pytest.mark.parametrize(
    ("document", "kind", "expected"),
    [
        pytest.param({"Statement": [OK]}, "identity", "MISSING_VERSION", id="no Version"),
        pytest.param({"Version": "2012-10-18", "Statement": [OK]}, "identity", "UNKNOWN_VERSION", id="bad Version"),
        pytest.param({"Version": "2012-10-17", "Statement": [OK], "Extra": 1}, "identity", "UNKNOWN_TOP_LEVEL_KEY", id="unknown top-level key"),
        pytest.param({"Version": "2012-10-17"}, "identity", "MISSING_STATEMENT", id="no Statement"),
        pytest.param({"Version": "2012-10-17", "Statement": ["x"]}, "identity", "MALFORMED_STATEMENT", id="statement not an object"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Effect": "allow"}]}, "identity", "UNKNOWN_EFFECT", id="Effect is case-sensitive"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Action": {"a": 1}}]}, "identity", "ACTION_NOT_STRING_OR_LIST", id="Action is an object"),
        pytest.param({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}, "identity", "MISSING_ACTION", id="no Action"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "NotAction": "s3:*"}]}, "identity", "BOTH_ELEMENT_AND_NOT", id="Action and NotAction"),
        pytest.param({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage"}]}, "identity", "MISSING_RESOURCE", id="identity statement without Resource"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Principal": "*"}]}, "identity", "PRINCIPAL_IN_IDENTITY_POLICY", id="Principal in identity policy"),
        pytest.param({"Version": "2012-10-17", "Statement": [OK]}, "resource", "MISSING_PRINCIPAL", id="queue policy without Principal"),
        pytest.param({"Version": "2012-10-17", "Statement": [OK]}, "key", "MISSING_PRINCIPAL", id="key policy without Principal"),
        pytest.param({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}, "trust", "MISSING_PRINCIPAL", id="trust policy without Principal"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Principal": {"User": "x"}}]}, "resource", "MALFORMED_PRINCIPAL", id="unknown principal type"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Principal": {"AWS": "arn:aws:sqs:us-east-1:111111111111:q"}}]}, "resource", "MALFORMED_PRINCIPAL", id="AWS principal not an IAM ARN"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Action": "sqs:ReceiveMesage"}]}, "identity", "UNKNOWN_ACTION", id="typo in action"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Action": "sqs:Frobnicate*"}]}, "identity", "UNKNOWN_ACTION", id="wildcard matching no action"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Action": "sqz:ReceiveMessage"}]}, "identity", "UNKNOWN_PREFIX", id="unknown service prefix"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Resource": "arn:aws:sqs:us-east-1:1111:q"}]}, "identity", "MALFORMED_ARN", id="account not 12 digits"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Resource": "SeatInventoryQueue"}]}, "identity", "MALFORMED_ARN", id="name instead of ARN"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Condition": "x"}]}, "identity", "MALFORMED_CONDITION", id="Condition not an object"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Condition": {"DateLessThan": {"aws:SourceAccount": "x"}}}]}, "identity", "UNSUPPORTED_CONDITION_OPERATOR", id="unsupported operator reported"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Condition": {"StringEquals": {"aws:userid": "x"}}}]}, "identity", "UNSUPPORTED_CONDITION_KEY", id="unsupported key reported"),
        pytest.param({"Version": "2012-10-17", "Statement": [{**OK, "Condition": {"NullIfExists": {"sts:ExternalId": "true"}}}]}, "identity", "UNSUPPORTED_CONDITION_OPERATOR", id="Null takes no IfExists"),
    ],
)
def test_validation_finding(document: Any, kind: PolicyKind, expected: str) -> None:
    assert expected in ids(document, kind)


def test_valid_policy_has_no_findings_and_normalises_strings() -> None:
    policy = load_policy({"Version": "2012-10-17", "Statement": OK}, "p.json", "identity")
    assert policy.findings == ()
    assert policy.statements[0].actions == ("sqs:ReceiveMessage",)
    assert policy.statements[0].resources == ("arn:aws:sqs:us-east-1:111111111111:q",)


def test_unknown_action_suggests_the_closest() -> None:
    (finding,) = load_policy({"Version": "2012-10-17", "Statement": [{**OK, "Action": "dynamodb:UpdateItems"}]}, "p.json", "identity").findings
    assert "did you mean 'dynamodb:UpdateItem'?" in finding.detail


def test_newer_action_missing_from_policyuniverse_is_known() -> None:
    """moto-gaps: policyuniverse lacks dynamodb:GetResourcePolicy; the extra list knows it."""
    assert ids({"Version": "2012-10-17", "Statement": [{**OK, "Action": "dynamodb:GetResourcePolicy"}]}) == set()


def test_structural_error_drops_the_statement_but_unsupported_condition_keeps_it() -> None:
    document = {"Version": "2012-10-17", "Statement": [
        {**OK, "Effect": "Permit"},
        {**OK, "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01"}}},
    ]}
    policy = load_policy(document, "p.json", "identity")
    assert [s.index for s in policy.statements] == [1]


def test_findings_carry_origin_statement_and_sid() -> None:
    document = {"Version": "2012-10-17", "Statement": [OK, {**OK, "Sid": "Bad", "Action": "sqs:Nope"}]}
    (finding,) = load_policy(document, "roles/x.json", "identity").findings
    assert (finding.locations[0].origin, finding.locations[0].statement, finding.locations[0].sid) == ("roles/x.json", 1, "Bad")
    assert str(finding).endswith("(roles/x.json statement #1 'Bad')")


def test_json_syntax_error_has_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}\n')
    with pytest.raises(PolicySyntaxError) as error:
        read_policy(path, "identity")
    assert (error.value.line, str(error.value).startswith(f"{path}:4:")) == (4, True)


def test_policy_text_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [OK]}))
    assert read_policy(path, "identity").origin == str(path)


def test_unknown_finding_id_is_an_error() -> None:
    """style.md item 2: ids in code, words in data; an unknown id fails at creation."""
    with pytest.raises(KeyError):
        Finding("NOT_A_FINDING", "x")


def test_catalogue_entries_are_complete() -> None:
    assert all(e.title and e.description and e.severity in {"ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"} for e in catalogue().values())


@pytest.mark.parametrize(
    ("pattern", "arn", "expected"),
    [
        pytest.param("*", "arn:aws:sqs:us-east-1:111111111111:q", True, id="* matches every ARN"),
        pytest.param("arn:aws:sqs:*:111111111111:q", "arn:aws:sqs:us-east-1:111111111111:q", True, id="* in region segment"),
        pytest.param("arn:aws:sqs:*:111111111111:q", "arn:aws:sqs:us-east-1:extra:111111111111:q", False, id="* in a segment stops at colons"),
        pytest.param("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", True, id="* crosses slashes"),
        pytest.param("arn:aws:s3:::bucket+1", "arn:aws:s3:::bucket+1", True, id="regex characters are literal"),
        pytest.param("arn:aws:s3:::bucket+1", "arn:aws:s3:::buckettt1", False, id="+ is not a regex quantifier"),
        pytest.param("arn:aws:sqs:us-east-1:111111111111:Q", "arn:aws:sqs:us-east-1:111111111111:q", False, id="case-sensitive"),
    ],
)
def test_arn_matching(pattern: str, arn: str, expected: bool) -> None:
    """aws-facts: ARN matching rules."""
    assert arn_matches(pattern, arn) is expected


@pytest.mark.parametrize(
    ("text", "kind", "role_arn"),
    [
        pytest.param("arn:aws:sts::111111111111:assumed-role/R/s", "assumed-role", "arn:aws:iam::111111111111:role/R", id="session belongs to its role"),
        pytest.param("arn:aws:iam::111111111111:role/R", "role", "arn:aws:iam::111111111111:role/R", id="role"),
        pytest.param("111111111111", "root", None, id="bare account id is the root"),
        pytest.param("arn:aws:iam::111111111111:root", "root", None, id="root ARN"),
    ],
)
def test_principal_from_arn(text: str, kind: str, role_arn: str | None) -> None:
    principal = principal_from_arn(text)
    assert (principal.kind, principal.role_arn, principal.account) == (kind, role_arn, "111111111111")


@pytest.mark.parametrize("text", ["arn:aws:sqs", "not-an-arn", "arn:aws:sqs:us-east-1:12:q"])
def test_parse_arn_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError, match="malformed ARN"):
        parse_arn(text)
