"""The Gradescope bundle: built, unpacked into a fake /autograder, run as Gradescope would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

from checks.gradescope import CONFIG, ROOT_ENV, build
from tests.instructor.conftest import CONFTEST, PLUGIN, ROOT, make_submission


def test_run_autograder_grades_the_submission_into_results_json(starter, tmp_path) -> None:
    bundle = build(tmp_path / "autograder.zip", 7, starter=starter, time_limit=30, plugins=[PLUGIN], pythonpath=[str(ROOT)])
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        assert {"setup.sh", "run_autograder", f"source/{CONFIG}", "source/pyproject.toml",
                "source/checks/guard.py", "source/tourlab_starter/lab.toml"} <= names
        assert not any("__pycache__" in n or n.startswith("source/tests/") for n in names)
        assert (z.getinfo("run_autograder").external_attr >> 16) & 0o111
        z.extractall(root)
    submission = make_submission(root / "submission", "unencrypted")
    (submission / "conftest.py").write_text(CONFTEST)
    env = {**os.environ, ROOT_ENV: str(root), "TOURLAB_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    assert (data["score"], data["max_score"]) == (7, 11)
    assert data["score"] == sum(t["score"] for t in data["tests"])
    for test in data["tests"]:
        assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(test)
    kms = next(t for t in data["tests"] if t["number"] == "3.1")
    assert (kms["visibility"], kms["status"]) == ("after_due_date", "failed")  # Gradescope hides it
    assert "SSE-KMS" not in data["output"] and "Hidden check 3.1" in data["output"]
    assert "ignored: conftest.py" in data["output"]


def test_run_autograder_always_leaves_a_results_file(tmp_path) -> None:
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "source" / CONFIG).write_text(json.dumps({"session": 99}))
    env = {**os.environ, ROOT_ENV: str(root)}
    subprocess.run([sys.executable, "-m", "checks.gradescope", "run"], env=env, cwd=ROOT, check=True, timeout=60,
                   capture_output=True)
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and "could not grade" in data["output"]
