"""The reason of an implicit deny by a key or trust policy whose statement names the caller but whose
Condition does not hold (``explain-access``, and every message built on the engine's reason).

AWS: a statement whose condition does not match does not apply ("IAM JSON policy elements: Condition",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html); a KMS key
policy is the root of trust for its key, so without an applicable statement the call is refused
("Key policies in AWS KMS", https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html). The
request is refused either way; the reason must point at the statement and its condition, not claim that
the key policy does not name the caller.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stack.cloud.access import AccessRequest, Principal
from stack.cloud.iam.evaluate import CONDITION_UNMET, NOT_NAMED, PolicySet, evaluate
from stack.cloud.iam.explain import main
from stack.cloud.iam.parse import load_policy

ACCOUNT, VENDOR = "111111111111", "222222222222"
PP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/PaymentProcessorRole"
PP = Principal.assumed_role(PP_ROLE, "PaymentProcessor")
PP_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/PaymentProcessorRole/PaymentProcessor"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
GATEWAY = f"arn:aws:iam::{VENDOR}:role/PaymentGatewayInvokeRole"
ALLOW_KMS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}
TOKENS = {"Sid": "PaymentProcessorProtectsCardTokens", "Effect": "Allow", "Principal": {"AWS": PP_ROLE},
          "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
          "Condition": {"StringEquals": {"kms:EncryptionContext:purpose": "payment-token"},
                        "Null": {"kms:EncryptionContext:orderId": "false"}}}


def key_policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def decide(policy: dict[str, Any], context: dict[str, Any], action: str = "kms:Decrypt", identity: dict[str, Any] | None = ALLOW_KMS):
    policies = PolicySet([load_policy(identity, "identity.json", "identity")] if identity else [], load_policy(policy, "key-policy.json", "key"))
    return evaluate(AccessRequest(PP, action, KEY, context), policies)


def test_missing_encryption_context_names_the_statement_and_the_failing_condition() -> None:
    decision = decide(key_policy(TOKENS), {})
    assert decision.decision == "ImplicitDeny"
    assert NOT_NAMED not in decision.reason
    assert CONDITION_UNMET in decision.reason
    assert "'PaymentProcessorProtectsCardTokens' (#0) in key policy key-policy.json names the caller" in decision.reason
    assert "StringEquals kms:EncryptionContext:purpose = payment-token (the request has no kms:EncryptionContext:purpose)" in decision.reason
    assert decision.because == "because no resource-based policy allows the kms:Decrypt action"


def test_wrong_value_shows_what_the_request_carried() -> None:
    context = {"kms:EncryptionContext:purpose": "marketing", "kms:EncryptionContext:orderId": "ORD1"}
    decision = decide(key_policy(TOKENS), context)
    assert decision.decision == "ImplicitDeny"
    assert "the request has kms:EncryptionContext:purpose = marketing" in decision.reason


def test_second_clause_is_the_one_named_when_the_first_holds() -> None:
    decision = decide(key_policy(TOKENS), {"kms:EncryptionContext:purpose": "payment-token"})
    assert "Null kms:EncryptionContext:orderId = false (the request has no kms:EncryptionContext:orderId)" in decision.reason


def test_condition_met_still_allows() -> None:
    context = {"kms:EncryptionContext:purpose": "payment-token", "kms:EncryptionContext:orderId": "ORD1"}
    assert decide(key_policy(TOKENS), context, identity=None).allowed


def test_a_statement_for_another_action_or_caller_is_not_blamed() -> None:
    """Only a statement matching action, resource and caller is a near miss; otherwise the old reason stands."""
    other = {**TOKENS, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/FanNotifierRole"}}
    assert NOT_NAMED in decide(key_policy(other), {}).reason
    assert NOT_NAMED in decide(key_policy(TOKENS), {}, action="kms:ScheduleKeyDeletion").reason


def test_delegation_with_an_unmet_condition_says_so() -> None:
    root = {"Sid": "ViaSqsOnly", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}}
    decision = decide(key_policy(root), {})
    assert decision.decision == "ImplicitDeny"
    assert "'ViaSqsOnly' (#0) in key policy key-policy.json delegates to the caller's account, " + CONDITION_UNMET in decision.reason
    assert "(the request has no kms:ViaService)" in decision.reason


def test_trust_policy_without_external_id() -> None:
    """A cross-account AssumeRole refused only for a missing sts:ExternalId (the confused-deputy guard)."""
    trust = load_policy({"Version": "2012-10-17", "Statement": [{"Sid": "TicketingAccount", "Effect": "Allow", "Principal": {"AWS": PP_ROLE},
                                                                 "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "tour-7f3a"}}}]},
                        "trust.json", "trust")
    identity = load_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": GATEWAY}]}, "id.json", "identity")
    decision = evaluate(AccessRequest(PP, "sts:AssumeRole", GATEWAY, {}), PolicySet([identity], trust))
    assert decision.decision == "ImplicitDeny"
    assert "'TicketingAccount' (#0) in trust policy trust.json names the caller, " + CONDITION_UNMET in decision.reason
    assert "StringEquals sts:ExternalId = tour-7f3a (the request has no sts:ExternalId)" in decision.reason


def test_explain_access_reports_the_unmet_condition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps({"request": {"principal": PP_SESSION, "action": "kms:Decrypt", "resource": KEY},
                                "identity_policies": [ALLOW_KMS], "key_policy": key_policy(TOKENS)}))
    assert main([str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decision"] == "ImplicitDeny"
    assert "'PaymentProcessorProtectsCardTokens'" in out["reason"] and CONDITION_UNMET in out["reason"]
    assert "kms:EncryptionContext:purpose" in out["reason"] and NOT_NAMED not in out["reason"]


@pytest.mark.parametrize("key", ["kms:GranteePrincipal", "kms:GrantOperations", "kms:RetiringPrincipal", "kms:GrantConstraintType"])
def test_create_grant_condition_keys_are_evaluated(key: str) -> None:
    """The kms:CreateGrant condition keys (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grantee-principal)
    are evaluated, not failed closed: a grant a role may only make to itself is allowed for itself."""
    grants = {"Sid": "OwnGrants", "Effect": "Allow", "Principal": {"AWS": PP_ROLE}, "Action": "kms:CreateGrant", "Resource": "*",
              "Condition": {"StringEquals": {key: "x"}}}
    assert decide(key_policy(grants), {key: "x"}, action="kms:CreateGrant", identity=None).allowed
    refused = decide(key_policy(grants), {key: "y"}, action="kms:CreateGrant", identity=None)
    assert not refused.allowed and f"(the request has {key} = y)" in refused.reason
