"""PolicyAuthorizer: the runtime hook picks the policies AWS would consult and caches parses."""

from __future__ import annotations

import pytest

from stack.cloud.access import AccessRequest, Authorizer, PolicyBook, Principal, SourcedPolicy
from stack.cloud.iam import enforce
from stack.cloud.iam.enforce import PolicyAuthorizer
from tests.policy_documents import doc

ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SeatInventoryUpdaterRole"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:SeatInventoryQueue"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:TourTicketingTopic"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/22222222-2222-2222-2222-222222222222"
VENDOR_ROLE = "arn:aws:iam::222222222222:role/PaymentVendorRole"
SESSION = Principal.assumed_role(ROLE, "SeatInventoryUpdater")


def store() -> PolicyBook:
    return PolicyBook(
        identities={ROLE: [SourcedPolicy(doc({"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "kms:Decrypt"], "Resource": [QUEUE, KEY]}), "roles/seat.json")]},
        resources={QUEUE: SourcedPolicy(doc({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": QUEUE, "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}}}), "queues/seat.json")},
        keys={KEY: SourcedPolicy(doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}), "keys/queue.json")},
        trusts={VENDOR_ROLE: SourcedPolicy(doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sts:AssumeRole"}), "vendor/trust.json")},
    )


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(AccessRequest(SESSION, "sqs:ReceiveMessage", QUEUE), "Allow", id="session uses its role's identity policies"),
        pytest.param(AccessRequest(SESSION, "sqs:DeleteMessage", QUEUE), "ImplicitDeny", id="action not granted is denied"),
        pytest.param(AccessRequest(SESSION, "kms:Decrypt", KEY), "Allow", id="KMS consults the key policy (delegates to root)"),
        pytest.param(AccessRequest(SESSION, "kms:Decrypt", KEY.replace("2222", "3333")), "ImplicitDeny", id="KMS key without a key policy denies"),
        pytest.param(AccessRequest(Principal.service("sns.amazonaws.com"), "sqs:SendMessage", QUEUE, {"aws:SourceArn": TOPIC}), "Allow", id="SNS delivery checked against the queue policy"),
        pytest.param(AccessRequest(Principal.service("sns.amazonaws.com"), "kms:GenerateDataKey", KEY, {"aws:SourceArn": TOPIC}), "ImplicitDeny", id="SNS delivery checked against the key policy"),
        pytest.param(AccessRequest(SESSION, "sts:AssumeRole", VENDOR_ROLE), "ImplicitDeny", id="cross-account assume needs trust and identity"),
    ],
)
def test_authorizer_consults_the_right_policies(request_: AccessRequest, expected: str) -> None:
    authorizer: Authorizer = PolicyAuthorizer(store())
    assert authorizer.authorize(request_).decision == expected


def test_denial_carries_the_aws_clause_and_origin() -> None:
    authorizer = PolicyAuthorizer(store())
    decision = authorizer.authorize(AccessRequest(SESSION, "sqs:ReceiveMessage", QUEUE))
    assert (decision.policy, decision.statement) == ("roles/seat.json", 0)
    denied = authorizer.authorize(AccessRequest(SESSION, "dynamodb:UpdateItem", "arn:aws:dynamodb:us-east-1:111111111111:table/SeatInventory"))
    assert denied.because == "because no identity-based policy allows the dynamodb:UpdateItem action"


def test_policies_are_parsed_once_and_reparsed_after_a_change(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = enforce.load_policy
    monkeypatch.setattr(enforce, "load_policy", lambda doc_, origin, kind: parsed.append(origin) or real(doc_, origin, kind))
    policies = store()
    authorizer = PolicyAuthorizer(policies)
    request = AccessRequest(SESSION, "sqs:ReceiveMessage", QUEUE)
    authorizer.authorize(request)
    authorizer.authorize(request)
    assert parsed == ["roles/seat.json", "queues/seat.json"]
    policies.identities[ROLE][0].document["Statement"][0]["Effect"] = "Deny"  # edited in place
    assert authorizer.authorize(request).decision == "ExplicitDeny"
    assert parsed.count("roles/seat.json") == 2
