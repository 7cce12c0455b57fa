"""Handlers that end the process, reach the network or never return: the grading run survives each.

Two levels: the offline Lambda runtime itself (milliseconds per case), and a whole ``pytest COPY`` of
session 3 in a subprocess (``os._exit`` must not be able to take the test run with it if the runtime's
guard ever regressed), where one handler of the reference answers is broken per copy.

Writing outside the lab folder and replacing the grader's functions are refused or detected only by
class grading (:mod:`checks.guard`'s audit hook and snapshot; ``tests/instructor``); a learner's own
``pytest labs/session3`` runs their code with their own rights.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from stack.cloud import constants
from stack.cloud.lambda_runtime import FunctionConfig
from stack.cloud.offline import OfflineCloud

BODIES = {
    "sys-exit": ("import sys\ndef handler(event, context):\n    sys.exit(3)\n", "error", "Runtime.ExitError",
                 "exit status 3 (the handler called sys.exit in fn.py, line 3)"),
    "os-exit": ("import os\ndef handler(event, context):\n    os._exit(4)\n", "error", "Runtime.ExitError",
                "exit status 4 (the handler called os._exit in fn.py, line 3)"),
    "os-exit-at-import": ("import os\nos._exit(5)\n", "init-error", "Runtime.ExitError", "exit status 5"),
    "urlopen": ("import urllib.request\ndef handler(event, context):\n"
                "    return urllib.request.urlopen('https://example.com/', timeout=30).read()\n",
                "error", "URLError", "network access is blocked in the offline lab: name lookup of 'example.com'"),
    "raw-socket": ("import socket\ndef handler(event, context):\n    socket.socket().connect(('93.184.216.34', 443))\n",
                   "error", "NetworkBlocked", "connect to ('93.184.216.34', 443) refused"),
    "forever": ("def handler(event, context):\n    while True:\n        pass\n", "timeout", "Sandbox.Timedout",
                "Task timed out"),
}


@pytest.mark.parametrize("case", BODIES)
def test_the_runtime_turns_each_into_a_failed_invocation_with_a_clear_log(case, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(constants, "WALL_CLOCK_LIMIT_S", 0.5)
    body, outcome, error_type, words = BODIES[case]
    (tmp_path / "fn.py").write_text(body)
    with OfflineCloud() as cloud:
        cloud.runtime.add(FunctionConfig("Fn", "arn:aws:iam::111111111111:role/R", "fn.handler", tmp_path))
        record = cloud.invoke("Fn", {})
        logged = "\n".join(e["message"] for events in cloud.logs.events.values() for e in events)
    assert (record.outcome, record.error_type) == (outcome, error_type)
    assert words in (record.error_message or "") + logged


def test_loopback_stays_reachable_for_handlers(tmp_path) -> None:
    """A local test server (moto server, a learner's stub) on 127.0.0.1 is not the network."""
    (tmp_path / "fn.py").write_text(
        "import socket\ndef handler(event, context):\n    server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen(1)\n"
        "    client = socket.socket(); client.connect(server.getsockname()); client.close(); server.close()\n    return 'ok'\n")
    with OfflineCloud() as cloud:
        cloud.runtime.add(FunctionConfig("Fn", "arn:aws:iam::111111111111:role/R", "fn.handler", tmp_path))
        assert cloud.invoke("Fn", {}).response == "ok"


SESSION3_CASES = {  # statement put first in PaymentProcessor's handler -> what its failing checks must say
    "sys-exit": ("import sys; sys.exit(2)", "Runtime exited with error: exit status 2 (the handler called sys.exit in payment_processor.py, line"),
    "os-exit": ("import os; os._exit(3)", "Runtime exited with error: exit status 3 (the handler called os._exit in payment_processor.py, line"),
    "network": ("import urllib.request; urllib.request.urlopen('http://example.com/', timeout=20)",
                "network access is blocked in the offline lab"),
}


def _inject(handler: Path, statement: str) -> None:
    lines = handler.read_text(encoding="utf-8").split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("def handler("))
    lines.insert(at + 1, f"    {statement}")
    handler.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "solutions" / "session3" / "lab.toml").is_file(),
                    reason="session 3 is not installed")
def test_session3_grading_survives_exit_and_network_in_a_handler(tmp_path, corpus) -> None:
    from checks.sessions import installed_session

    try:
        installed_session(3)
    except Exception as exc:  # noqa: BLE001 - session 3 is being finished: cover it once it loads
        pytest.skip(f"session 3 does not load yet: {exc}")
    labs = {}
    for name, (statement, _) in SESSION3_CASES.items():
        lab = corpus.copy_solution(3, tmp_path / name)
        _inject(lab / "handlers" / "payment_processor.py", statement)
        labs[name] = lab
    clean = corpus.copy_solution(3, tmp_path / "clean")
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([sys.executable, "-m", "pytest", str(clean), *map(str, labs.values()), "-q", "-p", "no:cacheprovider",
                          "--junitxml", str(tmp_path / "junit.xml"), "--html", str(tmp_path / "report.html"),
                          "--results-json", str(tmp_path / "results.json")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]  # some checks failed; the run finished
    assert (tmp_path / "report.html").is_file() and json.loads((tmp_path / "results.json").read_text())["tests"]
    cases = list(ET.parse(tmp_path / "junit.xml").iter("testcase"))
    failed_clean = {c.get("name") for c in cases if c.get("classname") == "clean" and c.find("failure") is not None}
    for name, (_, words) in SESSION3_CASES.items():
        mine = [c for c in cases if c.get("classname") == name]
        assert len(mine) == len([c for c in cases if c.get("classname") == "clean"]), name  # the whole grade
        newly = [c for c in mine if c.find("failure") is not None and c.get("name") not in failed_clean]
        assert newly and all(words in (c.find("failure").get("message") or "") for c in newly), (name, words)
        assert all(c.get("name").startswith("S3.handlers.payment") or c.get("name").startswith("S3.") for c in newly)
