"""Whole lab runs in child processes: never a real AWS endpoint, and the same grade every time.

Each child is ``python -m pytest COPY -p tests.hardening.socket_guard`` with real-looking credentials,
a profile and custom endpoints in its environment; the guard refuses and records any connection or
name lookup that is not loopback. Determinism: the same folder graded 10 times under different
``PYTHONHASHSEED``, time zones, locales and start times gives identical results.json (timing aside).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_LOOKING = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE", "AWS_PROFILE": "production", "AWS_DEFAULT_PROFILE": "production",
    "AWS_ENDPOINT_URL": "https://sqs.us-east-1.amazonaws.com", "AWS_ENDPOINT_URL_SQS": "https://sqs.us-east-1.amazonaws.com",
}
VARIANTS = [  # (PYTHONHASHSEED, TZ, LANG)
    ("0", "UTC", "C.UTF-8"), ("1", "Pacific/Auckland", "C.UTF-8"), ("2", "America/Los_Angeles", "C"),
    ("3", "Asia/Kolkata", "C.UTF-8"), ("4", "Europe/Berlin", "C"), ("5", "Etc/GMT+12", "C.UTF-8"),
    ("6", "Australia/Lord_Howe", "C"), ("7", "America/St_Johns", "C.UTF-8"), ("8", "Asia/Kathmandu", "C"),
    ("random", "Pacific/Kiritimati", "C.UTF-8"),
]


def _lab(kind: str, session: int, target: Path) -> Path:
    return Path(shutil.copytree(ROOT / kind / f"session{session}", target,
                                ignore=shutil.ignore_patterns("reports", ".tourlab-state.json", "__pycache__")))


def _grade(lab: Path, out: Path, seed: str = "0", tz: str = "UTC", lang: str = "C.UTF-8") -> tuple[dict[str, Any], list[str]]:
    out.mkdir(parents=True, exist_ok=True)
    log = out / "sockets.jsonl"
    env = {**REAL_LOOKING, "PATH": "/usr/bin:/bin", "HOME": str(out), "TMPDIR": str(out), "PYTHONPATH": str(ROOT),
           "PYTHONHASHSEED": seed, "TZ": tz, "LANG": lang, "LC_ALL": lang, "TOURLAB_SOCKET_LOG": str(log),
           "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([sys.executable, "-m", "pytest", str(lab), "-q", "-p", "no:cacheprovider", "-p", "tests.hardening.socket_guard",
                          "--results-json", str(out / "results.json")], cwd=out, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    attempts = log.read_text().splitlines() if log.exists() else []
    return results, attempts


def _without_timing(results: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in results.items() if k != "execution_time"}


@pytest.mark.parametrize("session", [1, 3])
def test_no_real_aws_with_real_looking_credentials(session, tmp_path) -> None:
    if not (ROOT / "labs" / f"session{session}" / "lab.toml").is_file():
        pytest.skip(f"session {session} is not installed")
    results, attempts = _grade(_lab("labs", session, tmp_path / "lab"), tmp_path / "out")
    assert attempts == []
    assert results["tests"] and results["max_score"] > 0
    assert all("internal error" not in t["output"] for t in results["tests"]), [t["name"] for t in results["tests"] if "internal error" in t["output"]]


def test_session2_grades_identically_ten_times_and_offline(tmp_path) -> None:
    """The starter (failing checks carry the most text) of the fastest session, two children at a time."""
    lab = _lab("labs", 2, tmp_path / "lab")
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda n: _grade(lab, tmp_path / f"run{n}", *VARIANTS[n]), range(len(VARIANTS))))
    assert [a for _, a in runs] == [[]] * len(VARIANTS)
    first = _without_timing(runs[0][0])
    for n, (results, _) in enumerate(runs[1:], 1):
        assert _without_timing(results) == first, f"run {n} {VARIANTS[n]} differs"
