"""The fake session 7 (``tests/fake_session.py``) plus a handler exercise, for the instructor tooling's
self-tests, and the lab folders that go with it.

Loaded in a grading child process with ``-p tests.instructor.fake_session_plugin`` (an
:class:`checks.isolation.Instructor` knob, never something a submission can ask for). It needs no
``stack``/moto import, so a child starts in a fraction of a second. The session has a handler exercise
(learner code imported in process, like the real labs' Lambda handlers) so that hanging and tampering
handlers can be tried.

Exercises, in order: ``handler`` (2 points), ``iam`` (3 + 2), ``kms`` (4, visible after the due date).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from checks.check import Result, Session, Words, check
from checks.context import CheckContext
from checks.sessions import RESOLVER_KEY, UnknownSession
from tests import fake_session
from tests.fake_session import NUMBER


@check("S7.handler.doubles", exercise="handler", points=2, timeout=20)
def handler_doubles(ctx: CheckContext) -> Result:
    """Import the learner's handler from the lab folder and call it once (like the Lambda runtime)."""
    path = ctx.lab / "handlers" / "app.py"
    spec = importlib.util.spec_from_file_location("tourlab_fake_app", path)
    if spec is None or spec.loader is None or not path.is_file():
        return Result.fail("handlers/app.py: file not found")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        answer = module.handler({"n": 21}, None)
    except Exception as exc:  # noqa: BLE001 - the learner's error is the message
        return Result.fail(f"handlers/app.py: {type(exc).__name__}: {exc}")
    return Result.ok() if answer == 42 else Result.fail(f"handlers/app.py: handler returned {answer!r}, expected 42")


WORDS = {**fake_session.WORDS,
         "S7.handler.doubles": Words("Handler doubles its input", "What does the event carry, and what must come back?")}
SESSION = Session.build(NUMBER, "IAM identity policies: enforced (fake session)",
                        [handler_doubles, fake_session.scoped_resources, fake_session.version, fake_session.encrypted], WORDS)
MAX_SCORE = 11


def resolve(number: int) -> Session:
    if number != NUMBER:
        raise UnknownSession(f"the fake plugin has no session {number}")
    return SESSION


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[RESOLVER_KEY] = resolve


# --- lab folders --------------------------------------------------------------------------------------

MANIFEST = """\
session = 7
title = "Tiny lab"

[[exercises]]
id = "handler"
title = "Handler"
points = 2
files = ["handlers/app.py"]

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

ARN = "arn:aws:dynamodb:us-east-1:111111111111:table/Orders"
GOOD_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": ARN},
    {"Sid": "Write", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": ARN},
]}, indent=2)
WILD_POLICY = GOOD_POLICY.replace(f'"{ARN}"', '"*"', 1)

STARTER: dict[str, str] = {
    "lab.toml": MANIFEST,
    "README.md": "# Tiny lab (read only)\n",
    "handlers/app.py": "# You edit this file.\ndef handler(event, context):\n    return event['n']\n",
    "iam/policy.json": json.dumps({"Version": "2008-10-17", "Statement": [
        {"Sid": "All", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}, indent=2),
    "kms/queue.yaml": "# You edit this file.\nencrypted: false\n",
}
SOLUTION: dict[str, str] = {
    **STARTER,
    "handlers/app.py": "# You edit this file.\ndef handler(event, context):\n    return event['n'] * 2\n",
    "iam/policy.json": GOOD_POLICY,
    "kms/queue.yaml": "# You edit this file.\nencrypted: true\n",
}


def write_lab(folder: Path, files: Mapping[str, str]) -> Path:
    for relpath, text in files.items():
        (folder / relpath).parent.mkdir(parents=True, exist_ok=True)
        (folder / relpath).write_text(text)
    return folder
