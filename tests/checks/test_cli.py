"""The tourlab console script: dispatch table, hint, reset, watch."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from checks import cli
from checks.learner import hint, reset
from checks.lab import LabFileError
from checks.watch import relevant, watch


def test_usage_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS)


def test_unknown_command_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_a_command_whose_module_is_not_installed_fails_alone_and_clearly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(cli.COMMANDS, "explain-access", cli.Command("stack.cloud.iam.not_there:main", "x"))
    assert cli.main(["explain-access", "--help"]) == 2
    assert "not available in this installation (module stack.cloud.iam.not_there is not installed)" in capsys.readouterr().err


def test_hint_shows_the_next_unfinished_exercise(make_lab, grade, tiny_session) -> None:
    lab = make_lab({"kms/queue.yaml": "encrypted: false\n"})
    grade(lab)  # writes the state file: iam done, kms not
    text = hint(lab, None, lambda n: tiny_session())
    assert text.splitlines()[:3] == [
        "Exercise kms: Encryption (4 points)",
        "  [ ] S7.kms.encrypted: Queue is encrypted",
        "      Hint: What does SSE-KMS need on the queue?",
    ]
    assert "Last run: 5/9 points" in text
    assert "[x] S7.iam.version" in hint(lab, "iam", lambda n: tiny_session())


def test_reset_restores_one_exercise_after_confirmation(make_lab) -> None:
    lab, starter = make_lab(name="mine"), make_lab(name="starter")
    (starter / "kms/queue.yaml").write_text("# starter: you edit this file\nencrypted: false\n")
    (lab / "iam/policy.json").write_text("{}")
    assert reset(lab, "kms", starter, confirm=lambda question: False) == []
    assert (lab / "kms/queue.yaml").read_text().endswith("encrypted: true\n")
    asked: list[str] = []
    assert reset(lab, "kms", starter, confirm=lambda q: asked.append(q) or True) == ["kms/queue.yaml"]
    assert "Overwrite 1 file(s) of exercise kms" in asked[0]
    assert (lab / "kms/queue.yaml").read_text() == (starter / "kms/queue.yaml").read_text()
    assert (lab / "iam/policy.json").read_text() == "{}", "other exercises are untouched"
    with pytest.raises(LabFileError, match="starter folder itself"):
        reset(lab, "kms", lab, confirm=lambda q: True)


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("iam/policy.json", True),
        ("handlers/payment.py", True),
        ("reports/report.html", False),
        (".tourlab-state.json", False),
        ("handlers/__pycache__/payment.cpython-311.pyc", False),
        (".pytest_cache/v/cache/lastfailed", False),
        ("iam/.policy.json.swp", False),
    ],
)
def test_watch_ignores_what_grading_itself_writes(tmp_path: Path, relpath: str, expected: bool) -> None:
    assert relevant(tmp_path, str(tmp_path / relpath)) is expected


def test_watch_regrades_when_a_file_is_saved(make_lab) -> None:
    lab = make_lab()
    runs: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(lab, lambda: runs.append(time.monotonic()), stop))
    thread.start()
    try:
        _wait_for(lambda: len(runs) == 1)
        (lab / "reports").mkdir()
        (lab / "reports" / "report.html").write_text("ignored")
        time.sleep(0.5)
        assert len(runs) == 1
        (lab / "kms/queue.yaml").write_text("encrypted: false\n")
        _wait_for(lambda: len(runs) == 2)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def _wait_for(condition, timeout: float = 5.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)
