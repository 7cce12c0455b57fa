"""Tamper resistance, piece by piece: what a submission's files and in-process code cannot do."""

from __future__ import annotations

from checks.guard import changes, sign, snapshot, verify
from checks.isolation import Instructor, grade_one, prepare
from tests.instructor.conftest import PLUGIN, ROOT, make_submission
from tests.instructor.fake_session_plugin import MAX_SCORE, STARTER, write_lab

PROBE_HANDLER = '''\
import ctypes, gc, glob, inspect, os, subprocess, sys, traceback
ATTEMPTS = {
    "open the grader's private files": lambda: open(glob.glob(os.path.join(os.getcwd(), "..", "private", "*"))[0]),
    "write outside the lab": lambda: open(%(outside)r, "w"),
    "rename into the output": lambda: os.rename("lab.toml", %(outside)r),
    "start a process": lambda: subprocess.run(["true"]),
    "os.system": lambda: os.system("true"),
    "walk objects": lambda: gc.get_objects(),
    "grab a frame": lambda: sys._getframe(),
    "grab frames via inspect": lambda: inspect.stack(),
    "grab frames via traceback": lambda: list(traceback.walk_stack(None)),
    "other threads' frames": lambda: sys._current_frames(),
    "compile under a borrowed name": lambda: compile("x = 1", "/usr/lib/python3/os.py", "exec"),
    "forge a code object": lambda: (lambda: 0).__code__.replace(co_filename="/x.py"),
    "ctypes": lambda: ctypes.string_at(id(1), 8),
    "trace other code": lambda: sys.settrace(None),
}
HOOKED = []
sys.addaudithook(lambda event, args: HOOKED.append(event))  # silently not added
open(__file__).close()
succeeded = []
for name, attempt in ATTEMPTS.items():
    try:
        attempt()
        succeeded.append(name)
    except (PermissionError, IndexError):
        pass
if HOOKED:
    succeeded.append("add an audit hook")
def handler(event, context):
    return event["n"] * 2 if not succeeded else succeeded
'''


def test_every_in_process_escape_the_guard_knows_is_refused(instructor, tmp_path) -> None:
    lab = make_submission(tmp_path / "probe", "solution")
    (lab / "handlers/app.py").write_text(PROBE_HANDLER % {"outside": str(tmp_path / "escaped.txt")})
    graded = grade_one(lab, "probe", instructor)
    handler = next(r for r in graded.records if r.check_id == "S7.handler.doubles")
    assert handler.passed, handler.message  # the message lists what got through
    assert graded.score == MAX_SCORE and graded.status == "ok"
    assert not (tmp_path / "escaped.txt").exists()


def test_noconftest_keeps_even_a_conftest_in_the_graded_folder_out(tmp_path) -> None:
    starter = write_lab(tmp_path / "starter", {**STARTER, "conftest.py": "raise SystemExit('conftest was loaded')\n"})
    instructor = Instructor.for_session(7, starter, time_limit=30, plugins=(PLUGIN,), pythonpath=(str(ROOT),))
    graded = grade_one(make_submission(tmp_path / "sub", "solution"), "sub", instructor)
    assert (graded.status, graded.score) == ("ok", MAX_SCORE)


def test_only_the_exercise_files_and_handlers_reach_the_graded_copy(instructor, tmp_path) -> None:
    sub = make_submission(tmp_path / "sub", "solution")
    for extra in ("conftest.py", "checks/__init__.py", "handlers/util.py", "notes.txt"):
        (sub / extra).parent.mkdir(parents=True, exist_ok=True)
        (sub / extra).write_text("# extra\n")
    (sub / "lab.toml").write_text(STARTER["lab.toml"].replace("session = 7", "session = 3"))
    workspace = prepare(sub, instructor, tmp_path / "work")
    copied = sorted(p.relative_to(workspace.lab).as_posix() for p in workspace.lab.rglob("*") if p.is_file())
    assert copied == ["README.md", "handlers/app.py", "handlers/util.py", "iam/policy.json", "kms/queue.yaml", "lab.toml"]
    assert (workspace.lab / "lab.toml").read_text() == STARTER["lab.toml"]
    assert workspace.notes == ("ignored: checks/__init__.py, conftest.py, lab.toml (session 3 -> 7), notes.txt",)


def test_signed_lines_verify_and_forgeries_do_not() -> None:
    key = b"k" * 32
    line = sign(key, {"kind": "record", "score": 1})
    assert verify(key, line) == {"kind": "record", "score": 1}
    assert verify(b"x" * 32, line) is None
    assert verify(key, line.replace('"score":1', '"score":9')) is None
    assert verify(key, "garbage") is None


def test_snapshot_sees_a_replaced_function_or_method_but_not_a_new_import() -> None:
    import checks.check as module

    before = snapshot({"checks.check": module})
    original = module.Result.score
    try:
        module.Result.score = lambda self, points: points  # type: ignore[method-assign]
        assert changes(before, snapshot({"checks.check": module})) == ["checks.check.Result.score"]
    finally:
        module.Result.score = original  # type: ignore[method-assign]
    module.new_name = len  # type: ignore[attr-defined]
    try:
        assert changes(before, snapshot({"checks.check": module})) == []
    finally:
        del module.new_name  # type: ignore[attr-defined]
