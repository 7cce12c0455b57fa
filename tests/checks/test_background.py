"""Background work in forked children (checks/background.py) and the quick exit (checks/quick_exit.py).

Unit tests drive :class:`checks.background.Job` and :meth:`CheckContext.memo` directly; the
end-to-end tests grade real labs as a learner does (``python -m pytest LAB`` in a child process),
prove the forked path was taken (a probe plugin records each fork), and compare the grade with the
in-process grade the session tests pin.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from checks import background, quick_exit
from checks.context import CheckContext
from checks.lab import Exercise, LabFileError, Manifest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="background work forks on Linux only")


def Answer(pid: int, values: tuple[str, ...]) -> Exercise:  # noqa: N802 - reads as the value type it makes
    """One of the grader's own value types (only those, and plain data, come back from a child)."""
    return Exercise(id=str(pid), title="answer", points=len(values), files=values)


class _Forged:
    """A payload that would run a command when unpickled by an ordinary unpickler."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("true",))


def _context(tmp_path: Path) -> CheckContext:
    return CheckContext(tmp_path, Manifest(session=7, title="t", exercises=()))


def test_a_child_computes_the_value_in_another_process() -> None:
    job = background.Job.start(lambda: Answer(os.getpid(), ("a", "b")))
    answer = job.result()
    assert answer == Answer(int(answer.id), ("a", "b"))
    assert int(answer.id) != os.getpid()


@pytest.mark.parametrize("compute", [
    pytest.param(lambda: 1 / 0, id="raises"),
    pytest.param(lambda: os._exit(3), id="dies"),
    pytest.param(lambda: threading.Lock(), id="cannot-be-sent"),
    pytest.param(lambda: _Forged(), id="names-a-function"),
])
def test_no_value_is_unavailable(compute: Any) -> None:
    with pytest.raises(background.Unavailable):
        background.Job.start(compute).result()


def test_a_value_is_read_once() -> None:
    job = background.Job.start(lambda: 42)
    assert job.result() == 42
    with pytest.raises(background.Unavailable):
        job.result()


def test_cancel_stops_a_child_that_hangs() -> None:
    job = background.Job.start(lambda: time.sleep(60))
    started = time.monotonic()
    job.cancel()
    assert time.monotonic() - started < 5
    with pytest.raises(background.Unavailable):
        job.result()


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not background.can_fork()
    finally:
        stop.set()
        thread.join()


def test_memo_takes_the_childs_value(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    ctx.start_background({"answer": lambda c: Answer(os.getpid(), ())})
    assert int(ctx.memo("answer", lambda c: Answer(os.getpid(), ())).id) != os.getpid()


def test_memo_computes_here_when_the_child_fails(tmp_path: Path) -> None:
    """The learner's error then surfaces in this process, with its own message, and is remembered."""
    calls: list[str] = []

    def compute(ctx: CheckContext) -> None:
        calls.append("here" if ctx is context else "child")
        raise LabFileError("iam/policy.json", "not valid JSON", 3)

    context = _context(tmp_path)
    context.start_background({"run": compute})
    for _ in range(2):
        with pytest.raises(LabFileError, match=r"iam/policy.json:3: not valid JSON"):
            context.memo("run", compute)
    assert calls == ["here"]  # the child's attempt happened in its own copy of the list


def test_cancel_background_stops_unread_children(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    ctx.start_background({"slow": lambda c: time.sleep(60)})
    started = time.monotonic()
    ctx.cancel_background()
    assert time.monotonic() - started < 5
    assert ctx.memo("slow", lambda c: "computed here") == "computed here"


def test_an_in_process_run_never_counts_as_the_command_line() -> None:
    """Called from this test, pytest's main function is the outer run's; its arguments are not these."""
    assert not quick_exit.started_from_command_line(("--not-the-real-arguments",))


# --- whole runs, as a learner starts them ------------------------------------------------------


def _grade(kind: str, session: int, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], list[str]]:
    lab = Path(shutil.copytree(ROOT / kind / f"session{session}", tmp_path / "lab",
                               ignore=shutil.ignore_patterns("reports", ".tourlab-state.json", "__pycache__")))
    probe = tmp_path / "forks.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TOURLAB_FORK_LOG": str(probe)}
    run = subprocess.run([sys.executable, "-m", "pytest", str(lab), "-p", "no:cacheprovider", "-p", "tests.checks.fork_probe",
                          "--results-json", str(tmp_path / "results.json")], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    results = json.loads((tmp_path / "results.json").read_text())
    return run, results, probe.read_text().splitlines() if probe.exists() else []


def _failing(results: dict[str, Any]) -> set[str]:
    return {t["name"].split(":", 1)[0] for t in results["tests"] if t["score"] < t["max_score"]}


@pytest.mark.parametrize("session", [1, 3])
def test_a_forked_run_grades_the_starter_like_an_in_process_run(session: int, tmp_path: Path) -> None:
    pinned = __import__(f"tests.session{session}.test_session{session}", fromlist=["STARTER_FAILING"]).STARTER_FAILING
    run, results, forks = _grade("labs", session, tmp_path)
    assert forks, "the run did not fork its background work"
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    assert _failing(results) == set(pinned)
    assert "tourlab progress" in run.stdout and (tmp_path / "lab" / "reports" / "report.html").is_file()


@pytest.mark.parametrize("session", [1, 3])
def test_a_forked_run_gives_the_solution_full_marks(session: int, tmp_path: Path) -> None:
    run, results, forks = _grade("solutions", session, tmp_path)
    assert forks, "the run did not fork its background work"
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert results["score"] == results["max_score"] > 0
