"""The filter-pattern engine against the AWS documentation's own examples, one syntax rule per case.

Sources (CloudWatch Logs User Guide, "Filter pattern syntax for metric filters, subscription filters,
filter log events, and Live Tail"):
- UNSTRUCTURED: "Using filter patterns to match terms in unstructured log events" (example events
  ``[ERROR 400] BAD REQUEST`` ... ``[ERROR 420] INVALID ARGUMENTS``) and the regex page
  ("Supported regular expressions (regex) syntax": ``%AUTHORIZED%``);
- JSON: "Using filter patterns to match terms in JSON log events" (the CloudTrail-like event with
  ``eventType``, ``sourceIPAddress``, ``arrayKey``, ``objectList``, ``SomeObject``, ``ThisFlag`` and the
  compound-expression event with ``user``, ``users``, ``actions``, ``coordinates``);
- SPACE: "Using filter patterns to match terms in space-delimited log events" (the Apache access log
  lines of user ``frank``).
Each case names the rule it pins; the expected indexes are the events the documentation says match.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from stack.cloud import log_filters_cli
from stack.cloud.log_filters import FilterPatternError, compile_pattern, split_fields

UNSTRUCTURED = [
    "[ERROR 400] BAD REQUEST",
    "[ERROR 401] UNAUTHORIZED REQUEST",
    "[ERROR 419] MISSING ARGUMENTS",
    "[ERROR 420] INVALID ARGUMENTS",
]
REGEX_EVENTS = ["[ERROR 401] UNAUTHORIZED REQUEST", "[SUCCESS 200] AUTHORIZED REQUEST", "[INFO 100] STARTING"]

CLOUDTRAIL = json.dumps({
    "eventType": "UpdateTrail",
    "sourceIPAddress": "111.111.111.111",
    "arrayKey": ["value", "another value"],
    "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
    "SomeObject": None,
    "cluster.name": "c",
    "ThisFlag": True,
    "bandwidth": 80,
    "latency": 1.5e3,
})
COMPOUND = json.dumps({
    "user": {"id": 1, "email": "John.Stiles@example.com"},
    "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
    "actions": ["GET", "PUT", "DELETE"],
    "coordinates": [[0, 1], [2, 3]],
})
NOT_JSON = "START RequestId: 1 Version: $LATEST"
JSON_EVENTS = [CLOUDTRAIL, COMPOUND, NOT_JSON]

APACHE = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
    '127.0.0.2 - jane [10/Oct/2000:13:51:00 -0700] "GET /index.html HTTP/1.0" 404 0',
]

CASES = [
    # (rule, pattern, events, indexes expected to match)
    ("unstructured: a term matches every event that contains it", "ERROR", UNSTRUCTURED, [0, 1, 2, 3]),
    ("unstructured: terms are case sensitive", "error", UNSTRUCTURED, []),
    ("unstructured: several terms must all appear (AND)", "ERROR ARGUMENTS", UNSTRUCTURED, [2, 3]),
    ("unstructured: ?term makes an OR group", "?ERROR ?ARGUMENTS", UNSTRUCTURED, [0, 1, 2, 3]),
    ("unstructured: ?term OR over terms that appear in different events", "?BAD ?MISSING", UNSTRUCTURED, [0, 2]),
    ("unstructured: a quoted phrase matches exactly", '"INVALID ARGUMENTS"', UNSTRUCTURED, [3]),
    ("unstructured: -term excludes the events that contain it", "ERROR -ARGUMENTS", UNSTRUCTURED, [0, 1]),
    ("unstructured: exclusion of a quoted phrase", 'ERROR -"BAD REQUEST"', UNSTRUCTURED, [1, 2, 3]),
    ('unstructured: " " matches every event', '" "', UNSTRUCTURED, [0, 1, 2, 3]),
    ("unstructured: the empty pattern matches every event", "", UNSTRUCTURED, [0, 1, 2, 3]),
    ("unstructured: a term matches a whole term, not part of a longer word", "AUTHORIZED", REGEX_EVENTS, [1]),
    ("unstructured: numbers are terms too", "419", UNSTRUCTURED, [2]),
    ("regex: %...% matches anywhere, inside words too", "%AUTHORIZED%", REGEX_EVENTS, [0, 1]),
    ("regex: character classes and alternation", "%[Ee]rror|[Ff]ail|INFO%", REGEX_EVENTS, [2]),
    ("regex: quantifiers", r"%4\d{2}%", UNSTRUCTURED, [0, 1, 2, 3]),
    ("regex: combined with a term (AND)", "%4[12][09]% ARGUMENTS", UNSTRUCTURED, [2, 3]),
    ("json: string equality on a field", '{ $.eventType = "UpdateTrail" }', JSON_EVENTS, [0]),
    ("json: unquoted string value", "{ $.eventType = UpdateTrail }", JSON_EVENTS, [0]),
    ("json: != with a * wildcard in the value", "{ $.sourceIPAddress != 123.123.* }", JSON_EVENTS, [0]),
    ("json: = with a * wildcard in the value", '{ $.sourceIPAddress = "111.*" }', JSON_EVENTS, [0]),
    ("json: array index selector", '{ $.arrayKey[0] = "value" }', JSON_EVENTS, [0]),
    ("json: array of objects selector", "{ $.objectList[1].id = 2 }", JSON_EVENTS, [0]),
    ("json: IS NULL", "{ $.SomeObject IS NULL }", JSON_EVENTS, [0]),
    ("json: NOT EXISTS", "{ $.SomeOtherObject NOT EXISTS }", JSON_EVENTS, [0, 1]),
    ("json: IS TRUE", "{ $.ThisFlag IS TRUE }", JSON_EVENTS, [0]),
    ("json: IS FALSE does not match a true flag", "{ $.ThisFlag IS FALSE }", JSON_EVENTS, []),
    ("json: numeric comparison >", "{ $.bandwidth > 75 }", JSON_EVENTS, [0]),
    ("json: numeric comparison <= with exponent notation", "{ $.latency <= 1.5e3 }", JSON_EVENTS, [0]),
    ("json: numeric != ", "{ $.bandwidth != 80 }", JSON_EVENTS, []),
    ("json: regex value", "{ $.eventType = %Update.*% }", JSON_EVENTS, [0]),
    ("json: && joins conditions", '{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', JSON_EVENTS, [1]),
    ("json: || with a false left side", '{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', JSON_EVENTS, []),
    ("json: && binds tighter than ||", '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', JSON_EVENTS, [1]),
    ("json: parentheses override precedence", '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', JSON_EVENTS, []),
    ("json: nested array indexes", "{ $.coordinates[1][0] = 2 }", JSON_EVENTS, [1]),
    ("json: [*] array wildcard matches when any element does", '{ $.users[*].email = "Jane.Doe@example.com" }', JSON_EVENTS, [1]),
    ("json: .* object wildcard", "{ $.user.* = 1 }", JSON_EVENTS, [1]),
    ("json: a missing selector is false, even for !=", '{ $.nothing != "x" }', JSON_EVENTS, []),
    ("json: a number does not equal a string", '{ $.bandwidth = "80" }', JSON_EVENTS, []),
    ("space: one name per field matches events with that many fields", "[ip, user, username, timestamp, request, status_code, bytes]", APACHE, [0, 1, 2, 3]),
    ("space: a field count that differs does not match", "[ip, user, username, timestamp, request, status_code]", APACHE, []),
    ("space: numeric comparison on a field", "[ip, user, username, timestamp, request, status_code, bytes > 5000]", APACHE, [1]),
    ("space: * wildcard in a field value", "[ip, user, username, timestamp, request = *.html*, status_code = 4*, bytes]", APACHE, [3]),
    ("space: ... stands for any number of fields", "[ip, ..., status_code = 500, bytes]", APACHE, [1]),
    ("space: || within a field", "[..., status_code = 404 || status_code = 500, bytes]", APACHE, [1, 3]),
    ("space: && within a field", "[..., status_code >= 200 && status_code < 300, bytes]", APACHE, [0, 2]),
    ("space: != on a field", '[ip != "127.0.0.1", ...]', APACHE, [3]),
    ("space: regex on a field", "[ip, user, username = %^fr%, ...]", APACHE, [0, 1, 2]),
]


@pytest.mark.parametrize(("rule", "pattern", "events", "expected"), CASES, ids=[c[0] for c in CASES])
def test_documented_examples(rule: str, pattern: str, events: list[str], expected: list[int]) -> None:
    assert compile_pattern(pattern).indexes(events) == expected, rule


def test_there_are_at_least_thirty_documented_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("pattern", [
    '{ $.eventType = "UpdateTrail" ',   # json: a pattern opened with { must close
    "{ $.bandwidth > high }",           # json: < > compare numbers only
    "{ eventType = x }",                # json: selectors start with $
    "{ $.x IS MAYBE }",                 # json: IS NULL / TRUE / FALSE only
    '"unterminated',                    # unstructured: quotes must close
    "%unterminated",                    # regex: % must close
    "%(%",                              # regex: must compile
    "[ip, user",                        # space: the pattern must end with ]
    "[ip, bytes > many]",               # space: numeric operators need numbers
    "ERROR -",                          # unstructured: - needs a term
])
def test_invalid_patterns_are_rejected_with_a_position(pattern: str) -> None:
    with pytest.raises(FilterPatternError, match="Invalid filter pattern"):
        compile_pattern(pattern)


def test_space_delimited_fields_keep_brackets_and_quotes_together() -> None:
    assert split_fields(APACHE[0]) == ["127.0.0.1", "-", "frank", "10/Oct/2000:13:25:15 -0700", "GET /apache_pb.gif HTTP/1.0", "200", "1534"]


def test_lambda_report_line_is_space_delimited() -> None:
    report = "REPORT RequestId: 1f\tDuration: 3012.55 ms\tBilled Duration: 3013 ms\tMemory Size: 128 MB\tMax Memory Used: 48 MB"
    assert compile_pattern("[type = REPORT, ...]").matches(report)
    assert compile_pattern("[type = REPORT, rid_label, rid, d_label, duration > 3000, ...]").matches(report)


# -- the CLI -----------------------------------------------------------------------------------------
def test_cli_prints_matching_events_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "events.log"
    log.write_text("\n".join(UNSTRUCTURED) + "\n")
    assert log_filters_cli.main(["ERROR -ARGUMENTS", str(log)]) == 0
    assert capsys.readouterr().out.splitlines() == UNSTRUCTURED[:2]


def test_cli_json_prints_zero_based_indexes_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(JSON_EVENTS) + "\n"))
    assert log_filters_cli.main(["{ $.actions[0] = GET }", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"matches": [1]}


def test_cli_keeps_a_traceback_with_carriage_returns_as_one_event(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "events.log"
    log.write_text("START RequestId: 1\n[ERROR] KeyError: 'phone'\rTraceback (most recent call last):\r  File x\nEND RequestId: 1\n")
    assert log_filters_cli.main(["Traceback", str(log), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"matches": [1]}


def test_cli_rejects_an_invalid_pattern(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "e.log").write_text("x\n")
    assert log_filters_cli.main(["{ $.a > b }", str(tmp_path / "e.log")]) == 2
    assert "InvalidParameterException" in capsys.readouterr().err


def test_tourlab_dispatches_logs_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from checks.cli import main

    (tmp_path / "e.log").write_text("a\nb\n")
    assert main(["logs-filter", "b", str(tmp_path / "e.log")]) == 0
    assert capsys.readouterr().out == "b\n"
