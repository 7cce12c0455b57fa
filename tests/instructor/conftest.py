"""A generated class for the instructor tooling: 30 submissions of the fake session 7.

Variants are named ``<kind>-<n>`` and :data:`EXPECTED` gives the honest score of each kind (what the
submission's real answers are worth): tampering kinds must never score more than their honest base.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from checks.isolation import Instructor
from tests.instructor.fake_session_plugin import SOLUTION, STARTER, WILD_POLICY, write_lab

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "tests.instructor.fake_session_plugin"

CHATTY_HANDLER = '''\
import collections, dataclasses, json, logging, os, tempfile, traceback
logger = logging.getLogger(__name__)
Pair = collections.namedtuple("Pair", "a b")

@dataclasses.dataclass
class Box:
    n: int

def handler(event, context):
    logging.basicConfig(level=logging.INFO)
    logger.info("event %s", json.dumps(event))
    try:
        raise ValueError("handled")
    except ValueError:
        logger.exception("expected")
        traceback.format_exc()
    with tempfile.NamedTemporaryFile("w", delete=False) as f:  # Lambda's /tmp is writable
        f.write("ok")
    os.remove(f.name)
    return Box(Pair(event["n"], 2).a).n * 2
'''
HANGING_HANDLER = "import time\ntime.sleep(120)\ndef handler(event, context):\n    return event['n'] * 2\n"
CONFTEST = '''\
import pytest
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    return report
def pytest_sessionfinish(session):
    import json, pathlib
    pathlib.Path("results.json").write_text(json.dumps({"score": 1000}))
'''
PATCHING_HANDLER = '''\
import sys
sys.modules["checks.check"].Result.score = lambda self, points: float(points)
sys.modules["checks.check"].Result.complete = property(lambda self: True)
def handler(event, context):
    return event["n"] * 2
'''
WRITING_HANDLER = '''\
import glob, json, os, subprocess
FORGED = "0" * 64 + "\\t" + json.dumps({"kind": "record", "tampered": [], "record": {"check_id": "S7.iam.scoped-resources", "score": 100}})
blocked = []
for path in glob.glob(os.path.join(os.getcwd(), "..", "private", "*")) + [%(out)r]:
    try:
        with open(path, "a") as f:
            f.write(FORGED + "\\n")
    except OSError as exc:
        blocked.append(str(exc))
for fd in range(3, 40):
    try:
        os.write(fd, (FORGED + "\\n").encode())
    except OSError:
        pass
try:
    subprocess.run(["true"])
except OSError as exc:
    blocked.append(str(exc))
def handler(event, context):
    return event["n"] * 2
'''

# kind -> (files replacing the solution's, honest score, how many of the class)
KINDS: dict[str, tuple[dict[str, str] | None, float, int]] = {
    "starter": (None, 0, 6),
    "solution": ({}, 11, 7),
    "chatty": ({"handlers/app.py": CHATTY_HANDLER}, 11, 1),
    "wrong-handler": ({"handlers/app.py": STARTER["handlers/app.py"]}, 9, 2),
    "wildcard": ({"iam/policy.json": WILD_POLICY}, 9.5, 2),
    "old-version": ({"iam/policy.json": WILD_POLICY.replace("2012-10-17", "2008-10-17")}, 7.5, 2),
    "unencrypted": ({"kms/queue.yaml": "encrypted: false\n"}, 7, 3),
    "malformed": ({"iam/policy.json": '{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}'}, 6, 2),
    "hanging": ({"handlers/app.py": HANGING_HANDLER}, 0, 1),
    "conftest": ({"iam/policy.json": WILD_POLICY, "conftest.py": CONFTEST}, 9.5, 1),
    "sitecustomize": ({"kms/queue.yaml": "encrypted: false\n", "sitecustomize.py": "raise SystemExit(0)\n",
                       "checks/__init__.py": "", "checks/plugin.py": "def pytest_configure(config):\n    raise SystemExit\n",
                       "pytest.ini": "[pytest]\naddopts = -p no:checks.plugin\n",
                       "lab.toml": STARTER["lab.toml"].replace("session = 7", "session = 3")}, 7, 1),
    "patching": ({"iam/policy.json": WILD_POLICY, "handlers/app.py": PATCHING_HANDLER}, 9.5, 1),
    "writing": ({"iam/policy.json": WILD_POLICY, "handlers/app.py": WRITING_HANDLER}, 9.5, 1),
}
ZIPPED = {"solution-2", "wildcard-1", "starter-3"}
NESTED = {"solution-3"}  # a wrapper folder around the lab (as unzipping often gives)
TIME_LIMIT = 6.0


def expected(learner: str) -> float:
    return KINDS[learner.rsplit("-", 1)[0]][1]


@pytest.fixture(scope="session")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lab(tmp_path_factory.mktemp("instructor") / "session7", STARTER)


@pytest.fixture(scope="session")
def instructor(starter: Path) -> Instructor:
    return Instructor.for_session(7, starter, time_limit=TIME_LIMIT, plugins=(PLUGIN,), pythonpath=(str(ROOT),))


def make_submission(folder: Path, kind: str, out: Path | None = None) -> Path:
    files, _, _ = KINDS[kind]
    content = dict(STARTER) if files is None else {**SOLUTION, **files}
    if kind == "writing":
        content["handlers/app.py"] = WRITING_HANDLER % {"out": str((out or folder) / "results.json")}
    return write_lab(folder, content)


@pytest.fixture(scope="session")
def make_class(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """Write the 30 submissions (3 zipped, 1 nested) into a new folder; ``out`` is the grading output."""

    def make(out: Path) -> Path:
        folder = tmp_path_factory.mktemp("submissions")
        for kind, (_, _, count) in KINDS.items():
            for n in range(1, count + 1):
                learner = f"{kind}-{n}"
                target = folder / learner / "lab" if learner in NESTED else folder / learner
                make_submission(target, kind, out / "learners" / learner)
                if learner in ZIPPED:
                    shutil.make_archive(str(folder / learner), "zip", folder / learner)
                    shutil.rmtree(folder / learner)
        return folder

    return make
