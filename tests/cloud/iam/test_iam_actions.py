"""The shipped action snapshot (stack/cloud/iam/actions.json) is policyuniverse's data, exactly."""

from __future__ import annotations

import json

from stack.cloud.iam import actions


def test_the_snapshot_is_what_the_installed_policyuniverse_says() -> None:
    """If this fails after a policyuniverse upgrade: ``python -m stack.cloud.iam.actions`` rewrites it."""
    assert json.loads(actions.SNAPSHOT.read_text(encoding="utf-8")) == actions.from_policyuniverse()


def test_the_catalogue_keeps_aws_spelling_and_access_levels() -> None:
    assert actions.spelling("sqs:deletemessage") == "sqs:DeleteMessage"
    assert actions.access_level("kms:Decrypt") == "Write"  # AWS's classification, not "Read"
    assert actions.access_level("dynamodb:GetResourcePolicy") == "Read"  # an EXTRA_ACTIONS entry
    assert actions.access_level("sqs:NoSuchAction") == "Unknown"
