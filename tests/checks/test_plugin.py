"""Whole-run behaviour of the grader on tiny throwaway labs (pytester, in-process)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from checks.check import Result, check
from checks.context import CheckContext


WILDCARD_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"},
    {"Sid": "Write", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "arn:aws:dynamodb:us-east-1:1:table/T"},
]})


def test_a_correct_lab_scores_full_marks_and_says_so(make_lab, grade) -> None:
    lab = make_lab()
    result = grade(lab)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([
        "*tourlab progress*",
        "Tiny lab (session 7) *",
        "  IAM roles   [[]####################[]]  5/5",
        "  Encryption  [[]####################[]]  4/4",
        "  Total       [[]####################[]]  9/9 (100%)",
        "All checks pass. Well done!",
        f"Report: {lab / 'reports' / 'report.html'}",
    ])


def test_partial_credit_and_the_next_hint(make_lab, grade) -> None:
    lab = make_lab({"iam/policy.json": WILDCARD_POLICY})
    result = grade(lab)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "  IAM roles   [[]##############------[]]  3.5/5",
        "  Total       [[]#################---[]]  7.5/9 (83%)",
        "Next: S7.iam.scoped-resources: Policy names its resources (1.5/3 points)",
        '  iam/policy.json: 1 statement(s) allow Resource "*"',
        "  Hint: Which ARNs does the function touch?",
        "  Docs: https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
    ])


def test_a_lab_run_prints_the_summary_not_a_section_per_failure(make_lab, grade) -> None:
    """The report has every check; the terminal has the progress, the next failure and the report path."""
    text = grade(make_lab({"iam/policy.json": WILDCARD_POLICY})).stdout.str()
    assert "FAILURES" not in text and "short test summary info" not in text
    assert text.count('iam/policy.json: 1 statement(s) allow Resource "*"') == 1  # in the Next block only
    assert "Report: " in text


def test_failure_text_is_for_the_student_not_a_traceback(make_lab, grade) -> None:
    """Asked for (``--tb``), pytest's section per failed check is the learner's text too."""
    result = grade(make_lab({"iam/policy.json": WILDCARD_POLICY}), "--tb=short")
    result.stdout.fnmatch_lines([
        "S7.iam.scoped-resources: Policy names its resources (1.5/3 points)",
        '  iam/policy.json: 1 statement(s) allow Resource "*"',
        "  Hint: Which ARNs does the function touch?",
    ])
    assert "Traceback" not in result.stdout.str()
    assert "checks/" not in result.stdout.str()


def test_header_says_what_is_enforced_and_what_is_simulated(make_lab, grade) -> None:
    grade(make_lab()).stdout.fnmatch_lines(["tourlab: Tiny lab (session 7) *", "tourlab: IAM identity policies: enforced; SMS: simulated"])


def test_results_json_has_gradescope_shape_and_sums(make_lab, grade, tmp_path) -> None:
    out = tmp_path / "out" / "results.json"
    grade(make_lab({"iam/policy.json": WILDCARD_POLICY}), "--results-json", str(out))
    data = json.loads(out.read_text())
    assert {"score", "max_score", "output", "execution_time", "visibility", "stdout_visibility", "tests"} <= set(data)
    assert (data["score"], data["max_score"]) == (7.5, 9)
    assert sum(t["score"] for t in data["tests"]) == data["score"]
    assert sum(t["max_score"] for t in data["tests"]) == data["max_score"]
    for test in data["tests"]:
        assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert isinstance(test["score"], int | float) and isinstance(test["max_score"], int | float)
    by_number = {t["number"]: t for t in data["tests"]}
    assert by_number["1.1"]["status"] == "failed" and by_number["1.1"]["score"] == 1.5
    assert "Hint: Which ARNs does the function touch?" in by_number["1.1"]["output"]
    assert by_number["2.1"]["visibility"] == "after_due_date"
    assert "Total" in data["output"]


def test_junit_xml_has_one_testcase_per_check_with_points(make_lab, grade, tmp_path) -> None:
    xml = tmp_path / "junit.xml"
    grade(make_lab({"iam/policy.json": WILDCARD_POLICY}), f"--junitxml={xml}")
    suite = ET.parse(xml).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"S7.iam.scoped-resources", "S7.iam.version", "S7.kms.encrypted"}
    props = {p.get("name"): p.get("value") for p in cases["S7.iam.scoped-resources"].iter("property")}
    assert props == {"check": "S7.iam.scoped-resources", "score": "1.5", "max_score": "3"}
    failure = cases["S7.iam.scoped-resources"].find("failure")
    assert failure is not None and "Which ARNs" in (failure.text or "")


@pytest.mark.parametrize(
    ("relpath", "text", "expected"),
    [
        ("iam/policy.json", '{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}', "iam/policy.json:3:17: invalid JSON: *"),
        ("kms/queue.yaml", "encrypted: true\nkey: [unclosed\n", "kms/queue.yaml:3:1: invalid YAML: *"),
    ],
)
def test_malformed_file_fails_its_checks_with_file_and_line_and_others_still_score(
    make_lab, grade, tmp_path, relpath, text, expected
) -> None:
    out = tmp_path / "results.json"
    result = grade(make_lab({relpath: text}), "--results-json", str(out))
    result.stdout.fnmatch_lines([f"  {expected}"])
    assert "Traceback" not in result.stdout.str()
    data = json.loads(out.read_text())
    broken = {t["name"].split(":")[0] for t in data["tests"] if t["status"] == "failed"}
    assert broken == ({"S7.iam.scoped-resources", "S7.iam.version"} if relpath.endswith(".json") else {"S7.kms.encrypted"})
    assert data["score"] == (4 if relpath.endswith(".json") else 5)


def test_a_check_that_loops_forever_is_cut_and_reported(make_lab, grade) -> None:
    @check("S7.kms.encrypted", exercise="kms", points=4, timeout=0.3)
    def hangs(ctx: CheckContext) -> Result:
        while True:  # a learner handler that never returns
            pass

    result = grade(make_lab(), replace=(hangs,))
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([  # the summary, then the next failure's message
        "  Total       [[]###########---------[]]  5/9 (56%)",
        "  stopped after 0.3 s: the check did not finish in time. Does a handler loop forever*",
    ])


def test_a_bug_in_a_check_is_labelled_as_ours_without_a_traceback_in_the_terminal(make_lab, grade) -> None:
    @check("S7.iam.version", exercise="iam", points=2)
    def broken(ctx: CheckContext) -> Result:
        return {}["missing"]

    result = grade(make_lab(), replace=(broken,))
    result.stdout.fnmatch_lines(["  internal error in check S7.iam.version (KeyError: 'missing'). This is a problem with the lab*"])
    assert "Traceback" not in result.stdout.str()


def test_html_report_by_default_with_static_score_and_hints(make_lab, grade) -> None:
    lab = make_lab({"iam/policy.json": WILDCARD_POLICY})
    grade(lab)
    page = (lab / "reports" / "report.html").read_text()
    static = re.search(r'<section class="tourlab".*?</section>', page, re.S)
    assert static is not None, "the score table must be plain HTML, not only the JavaScript table's data"
    section = static.group(0)
    assert "Tiny lab: Score 7.5/9 (83%)" in section
    assert "Which ARNs does the function touch?" in section  # the failed check's hint
    assert "Which Version string do AWS examples use?" not in section  # a passed check: nothing to fix
    columns = re.findall(r"<th>(\w+)</th>", section)
    assert columns == ["Exercise", "Check", "Points", "Result", "Hint"]
    failed_first = section.index("S7.iam.scoped-resources") < section.index("S7.iam.version")
    assert failed_first
    assert '<details><summary>Details</summary>' in section and "&quot;Resource&quot;: &quot;*&quot;" in section
    assert '<link rel="stylesheet"' not in page, "self-contained: no external stylesheet"


def test_html_path_can_be_overridden(make_lab, grade, tmp_path) -> None:
    lab = make_lab()
    target = tmp_path / "elsewhere.html"
    grade(lab, f"--html={target}").stdout.fnmatch_lines([f"Report: {target}"])
    assert target.is_file() and not (lab / "reports").exists()


def test_standard_selection_options_keep_working(make_lab, grade) -> None:
    lab = make_lab({"iam/policy.json": WILDCARD_POLICY})
    grade(lab, "-k", "kms").assert_outcomes(passed=1, deselected=2)
    grade(lab, "-x").assert_outcomes(passed=0, failed=1)
    grade(lab, "--lf").assert_outcomes(failed=1, deselected=2)


def test_progress_is_remembered_in_a_state_file(make_lab, grade) -> None:
    lab = make_lab({"iam/policy.json": WILDCARD_POLICY})
    grade(lab)
    state = json.loads((lab / ".tourlab-state.json").read_text())
    assert state["checks"]["S7.iam.scoped-resources"] == {"score": 1.5, "max_score": 3, "passed": False}
    (lab / "iam/policy.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": []}))
    grade(lab).stdout.fnmatch_lines(["  Total * (last run 7.5/9)"])


def test_lab_toml_must_agree_with_the_session(make_lab, grade) -> None:
    lab = make_lab()
    (lab / "lab.toml").write_text((lab / "lab.toml").read_text().replace("points = 4", "points = 40"))
    result = grade(lab)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*exercise 'kms': lab.toml says 40 points, its checks add up to 4*"])


def test_a_lab_cannot_name_code_to_grade_with(make_lab, pytester) -> None:
    """No FixedSessions here: a real run resolves session 7 from the installed checks package only."""
    lab = make_lab({"evil.py": "CHECKS = []\n"})
    (lab / "lab.toml").write_text('checks = "evil:CHECKS"\n' + (lab / "lab.toml").read_text())
    result = pytester.runpytest(str(lab))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*this installation has no checks for session 7 (no package checks.session7)*"])
