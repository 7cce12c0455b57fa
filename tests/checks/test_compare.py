"""tourlab compare: differences in meaning, not in text."""

from __future__ import annotations

import json
from pathlib import Path

from checks.compare import compare, diff

SOLUTION = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "arn:t/Orders"},
    {"Sid": "Queue", "Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": ["arn:q"],
     "Condition": {"StringEquals": {"aws:SourceAccount": "111"}}},
]}


def test_same_meaning_despite_order_case_and_string_vs_list() -> None:
    mine = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Queue", "Effect": "Allow", "Action": ["SQS:ReceiveMessage"], "Resource": "arn:q",
         "Condition": {"StringEquals": {"aws:SourceAccount": ["111"]}}},
        {"Sid": "Read", "Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:GetItem"], "Resource": ["arn:t/Orders"]},
    ]}
    assert diff(mine, SOLUTION) == []


def test_reports_which_actions_resources_and_conditions_differ() -> None:
    mine = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Scan"], "Resource": "*"},
        {"Sid": "Queue", "Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "arn:q"},
    ]}
    assert diff(mine, SOLUTION, "policy.json") == [
        "policy.json: statement 'Queue': conditions only in the solution: StringEquals aws:SourceAccount = 111",
        "policy.json: statement 'Read': actions only in yours: dynamodb:scan",
        "policy.json: statement 'Read': actions only in the solution: dynamodb:query",
        "policy.json: statement 'Read': resources only in yours: *",
        "policy.json: statement 'Read': resources only in the solution: arn:t/Orders",
    ]


def test_settings_and_policies_inside_strings_are_compared_by_meaning() -> None:
    mine = {"Queue": {"KmsMasterKeyId": "alias/aws/sqs", "Tags": ["b", "a"], "Policy": json.dumps(SOLUTION)}}
    solution = {"Queue": {"KmsMasterKeyId": "alias/tour", "Tags": ["a", "b"], "Policy": json.dumps(SOLUTION),
                          "RedrivePolicy": {"maxReceiveCount": 5}}}
    assert diff(mine, solution) == [
        'Queue.KmsMasterKeyId: yours is "alias/aws/sqs", the solution has "alias/tour"',
        "Queue.RedrivePolicy: missing, the solution sets {\"maxReceiveCount\": 5}",
    ]


def test_compare_walks_the_exercise_files(make_lab, tmp_path: Path) -> None:
    lab, solution = make_lab(name="mine"), make_lab(name="solution")
    (lab / "kms/queue.yaml").write_text("encrypted: false\n")
    assert compare(lab, solution, []) == [
        "Exercise iam: IAM roles",
        "  same meaning as the solution",
        "Exercise kms: Encryption",
        "  kms/queue.yaml.encrypted: yours is false, the solution has true",
    ]
