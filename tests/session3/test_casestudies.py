"""Exercise 3d: the incidents' committed data, the grader's ground-truth rules and pattern grading.

Regenerating an incident runs the whole system (about 5 s of CPU each): one test per incident, so
``-k`` can pick one. Everything else reads the committed files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.session3 import casestudies as cs
from stack.casestudies import incidents

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("incident", list(incidents.GENERATORS))
def test_regenerating_gives_the_committed_files_and_the_rules_agree_with_the_world(incident: str) -> None:
    generated = incidents.GENERATORS[incident]()
    committed = {p.relative_to(incidents.DATA).as_posix(): p.read_bytes().decode("utf-8")
                 for p in sorted((incidents.DATA / incident).iterdir())}
    assert incidents.files(generated) == committed, "run `python -m stack.casestudies.incidents` and commit the data"
    assert set(generated.affected_orders) == cs.affected(incident)
    assert len(generated.affected_orders) >= 3


def test_the_lab_folders_hold_the_committed_data() -> None:
    for kind in ("labs", "solutions"):
        copy = ROOT / kind / "session3" / "casestudies"
        assert sorted(p.relative_to(copy) for p in copy.rglob("*") if p.is_file()) == \
            sorted(p.relative_to(incidents.DATA) for p in incidents.DATA.rglob("*") if p.is_file())
        for path in incidents.DATA.rglob("*"):
            if path.is_file():
                assert (copy / path.relative_to(incidents.DATA)).read_bytes() == path.read_bytes(), path


def test_the_events_have_the_real_lambda_shapes() -> None:
    lines = incidents.load_events("failed-payments", "PaymentProcessor")
    assert lines[0].startswith("START RequestId: ") and lines[0].endswith(" Version: $LATEST")
    assert any(line.startswith("END RequestId: ") for line in lines)
    assert any(line.startswith("REPORT RequestId: ") and "\tBilled Duration: " in line and "\tMax Memory Used: " in line for line in lines)
    denied = next(line for line in lines if "AccessDeniedException" in line)
    assert ("User: arn:aws:sts::111111111111:assumed-role/PaymentProcessorRole/PaymentProcessor is not authorized to perform: "
            "dynamodb:UpdateItem on resource: arn:aws:dynamodb:us-east-1:111111111111:table/Orders because") in denied
    timeouts = [e for e in incidents.load_events("fan-club-points", "FanClubAwardProcessor") if "Task timed out after 30.00 seconds" in e]
    assert timeouts and all(e[:4] == "2024" and e.endswith("Task timed out after 30.00 seconds") for e in timeouts)


CORRECT = {
    "failed-payments": ['"is not authorized to perform"', "AccessDeniedException", '{ $.detail = "*AccessDeniedException*" }',
                        '{ $.level = "ERROR" && $.error = "ClientError" }', "UpdateItem"],
    "missing-notifications": ['{ $.error = "MessageRejected" }', "MessageRejected", '"Email address not verified"',
                              'ERROR -JSONDecodeError'],
    "fan-club-points": ['?"fan club points awarded" ?"Task timed out"', '?"points awarded" ?"timed out"'],
}
WRONG = {
    "failed-payments": ['{ $.level = "ERROR" }', "ERROR", '"payment failed"', '"record failed"'],
    "missing-notifications": ["ERROR", '"record failed"', '{ $.level = "ERROR" }'],
    "fan-club-points": ['"Task timed out"', '"fan club points awarded"', '"points awarded" "timed out"', "points"],
}


@pytest.mark.parametrize(("incident", "pattern"), [(i, p) for i, ps in CORRECT.items() for p in ps])
def test_any_correct_pattern_scores(incident: str, pattern: str) -> None:
    assert cs.grade_pattern(cs.BY_ID[incident], pattern) is None


@pytest.mark.parametrize(("incident", "pattern"), [(i, p) for i, ps in WRONG.items() for p in ps])
def test_a_near_miss_is_told_what_it_matched_too_much_or_too_little(incident: str, pattern: str) -> None:
    message = cs.grade_pattern(cs.BY_ID[incident], pattern)
    assert message is not None and "matches" in message and ("not asked for" in message or "not matched" in message)


def test_an_invalid_pattern_is_rejected_like_aws_would() -> None:
    assert "would reject" in (cs.grade_pattern(cs.BY_ID["fan-club-points"], '{ $.message = ') or "")


def test_orders_count_each_right_one_and_cost_each_wrong_one() -> None:
    case = cs.BY_ID["failed-payments"]
    truth = sorted(cs.affected(case.id))
    assert cs.grade_orders(truth, case) == (len(truth), len(truth), "")
    right, total, message = cs.grade_orders([*truth[:3], "ORD710000003"], case)  # the declined card: not this incident
    assert (right, total) == (2, len(truth)) and "not hurt" in message


def test_answers_must_come_from_the_vocabulary_and_explain_the_incident() -> None:
    case = cs.BY_ID["missing-notifications"]
    assert cs.grade_choice("ses-sender-not-verified", "root_cause", cs.ROOT_CAUSES, frozenset({case.root_cause}), case) is None
    assert "not one of the words" in (cs.grade_choice("sender bad", "root_cause", cs.ROOT_CAUSES, frozenset({case.root_cause}), case) or "")
    assert "does not explain" in (cs.grade_choice("iam-permission-removed", "root_cause", cs.ROOT_CAUSES, frozenset({case.root_cause}), case) or "")
