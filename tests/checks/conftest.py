"""Tiny throwaway labs for the grader's self-tests, graded with the fake session 7 (``tests/fake_session.py``).

The fake session reaches the plugin through :class:`checks.sessions.FixedSessions`, an in-process plugin
object passed to ``pytester.runpytest(plugins=[...])``. The ``pytester`` plugin itself is enabled by
the root ``conftest.py`` (a bare ``pytest`` loads this file too late for ``pytest_plugins``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from checks.check import CheckCode, Session, Words
from checks.sessions import FixedSessions
from tests.fake_session import NUMBER, WORDS, encrypted, scoped_resources, version

SESSION = NUMBER
ENFORCEMENT = "IAM identity policies: enforced; SMS: simulated"
CHECKS = [scoped_resources, version, encrypted]

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
