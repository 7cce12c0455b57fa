"""Tiny throwaway labs for the grader's self-tests: a fake session 7 defined right here, never a real one.

The fake session reaches the plugin through :class:`checks.sessions.FixedSessions`, an in-process plugin
object passed to ``pytester.runpytest(plugins=[...])``. The ``pytester`` plugin itself is enabled by
the root ``conftest.py`` (a bare ``pytest`` loads this file too late for ``pytest_plugins``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from checks.check import CheckCode, Evidence, Result, Session, Words, check
from checks.context import CheckContext
from checks.sessions import FixedSessions

SESSION = 7
ENFORCEMENT = "IAM identity policies: enforced; SMS: simulated"


@check("S7.iam.scoped-resources", exercise="iam", points=3)
def scoped_resources(ctx: CheckContext) -> Result:
    """Partial credit: one part per statement whose Resource is not a wildcard."""
    statements = ctx.data("iam/policy.json")["Statement"]
    wild = [s for s in statements if s.get("Resource") == "*"]
    evidence = [Evidence.json(f"statement {s.get('Sid', '?')}", s) for s in wild]
    message = f"iam/policy.json: {len(wild)} statement(s) allow Resource \"*\"" if wild else ""
    return Result.parts(len(statements) - len(wild), len(statements), message, evidence)


@check("S7.iam.version", exercise="iam", points=2)
def version(ctx: CheckContext) -> Result:
    if ctx.data("iam/policy.json").get("Version") == "2012-10-17":
        return Result.ok()
    return Result.fail("iam/policy.json: Version is not 2012-10-17")


@check("S7.kms.encrypted", exercise="kms", points=4, visibility="after_due_date")
def encrypted(ctx: CheckContext) -> Result:
    if ctx.data("kms/queue.yaml").get("encrypted") is True:
        return Result.ok()
    return Result.fail("kms/queue.yaml: the queue is not encrypted", [Evidence.text("setting", "encrypted: false")])


CHECKS = [scoped_resources, version, encrypted]

WORDS = {
    "S7.iam.scoped-resources": Words("Policy names its resources", "Which ARNs does the function touch?",
                                     "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"),
    "S7.iam.version": Words("Policy has the current language version", "Which Version string do AWS examples use?"),
    "S7.kms.encrypted": Words("Queue is encrypted", "What does SSE-KMS need on the queue?"),
}

MANIFEST = """\
session = 7
title = "Tiny lab"

[[exercises]]
id = "iam"
title = "IAM roles"
points = 5
files = ["iam/policy.json"]

[[exercises]]
id = "kms"
title = "Encryption"
points = 4
files = ["kms/queue.yaml"]
"""

GOOD_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:1:table/T"},
    {"Sid": "Write", "Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:us-east-1:1:table/T"},
]}


def session_of(*codes: CheckCode, words: Mapping[str, Words] = WORDS) -> Session:
    return Session.build(SESSION, ENFORCEMENT, codes, {c.id: words[c.id] for c in codes})


@pytest.fixture
def make_lab(tmp_path: Path) -> Callable[..., Path]:
    """Write a lab folder: the tiny manifest and a correct answer, with ``files`` replacing some of it."""

    def make(files: Mapping[str, str] | None = None, name: str = "lab") -> Path:
        lab = tmp_path / name
        everything = {
            "lab.toml": MANIFEST,
            "iam/policy.json": json.dumps(GOOD_POLICY, indent=2),
            "kms/queue.yaml": "# learner edits this file\nencrypted: true\n",
            **(files or {}),
        }
        for relpath, text in everything.items():
            (lab / relpath).parent.mkdir(parents=True, exist_ok=True)
            (lab / relpath).write_text(text)
        return lab

    return make


@pytest.fixture
def grade(pytester: pytest.Pytester) -> Callable[..., pytest.RunResult]:
    """Grade a lab folder in-process with the tiny session; ``replace`` swaps checks of the same id."""

    def run(lab: Path, *args: str, replace: tuple[CheckCode, ...] = ()) -> pytest.RunResult:
        swapped = {c.id: c for c in replace}
        session = session_of(*(swapped.get(c.id, c) for c in CHECKS))
        return pytester.runpytest(str(lab), *args, plugins=[FixedSessions({SESSION: session})])

    return run


@pytest.fixture
def tiny_session() -> Callable[..., Session]:
    """Build a session 7 from check code (default: the tiny lab's three checks) for unit tests."""

    def build(*codes: CheckCode, words: Mapping[str, Words] | None = None) -> Session:
        return session_of(*(codes or CHECKS), words={**WORDS, **(words or {})})

    return build
