"""Grade one submission in its own process, with the instructor's checks and files only.

The parent side of class grading (the child side is :mod:`checks.guard`):

1. :func:`prepare` builds a fresh workspace: the instructor's lab folder for the session (its
   ``lab.toml`` is *the* manifest), with only the files the learner may edit copied over from the
   submission (the exercises' ``files`` plus handler modules). Everything else (``conftest.py``,
   ``sitecustomize.py``, a ``checks/`` package, ``pytest.ini``, ``pyproject.toml``, an edited
   ``lab.toml``) stays behind and is listed in the report as ignored.
2. :func:`run_child` starts ``python -I -m checks.guard`` in that copy with a clean environment,
   ``-p no:cacheprovider --noconftest -c <instructor ini> --rootdir <copy>``, and a wall-clock limit
   for the whole process (its process group is killed when it runs over).
3. :func:`collect` reads back only lines signed with the one-time key, checks them against the plan
   the child announced before any learner code ran, caps each check at its points, gives 0 with a
   reason to every check that did not run, zeroes checks graded after tampering was seen, and
   recomputes every total. What the parent writes is built from this, never copied from the child.

Instructor-only knobs (:class:`Instructor`: extra ``-p`` plugins and their ``sys.path``, used by
self-tests to load a fake session) exist only in this API and the grading command line.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from checks.guard import verify
from checks.lab import MANIFEST, REPORTS_DIR, STATE_FILE, LabFileError, Manifest, SessionId, installed_lab, read_manifest
from checks.record import CheckRecord
from checks.sessions import package_name

#: Learner code the offline runtime imports, allowed in every lab besides the exercises' files.
HANDLER_PATTERNS = ("handlers/*.py", "handlers/**/*.py")
#: Files that never come from a submission and are never worth listing as ignored.
_NOISE = ("__pycache__", ".git", "__MACOSX", ".DS_Store", REPORTS_DIR, STATE_FILE, ".pytest_cache", ".ipynb_checkpoints")
#: Ignored files that deserve a name in the report (they could have changed how grading runs).
_NOTABLE = ("conftest.py", "sitecustomize.py", "usercustomize.py", "pytest.ini", "pyproject.toml", "setup.cfg",
            "tox.ini", "checks", "stack", "_pytest", "pytest", ".pth")
MAX_FILE_BYTES = 2_000_000
MAX_ZIP_BYTES = 50_000_000
_INI = "[pytest]\naddopts =\npython_files = __tourlab_collects_no_test_files__\nfilterwarnings =\n    ignore::DeprecationWarning\n"


@dataclass(frozen=True)
class Instructor:
    """How a session is graded; built by the instructor's command, never from a submission."""

    session: SessionId
    starter: Path  # the instructor's lab folder for the session (lab.toml and read-only files)
    time_limit: float = 300.0  # seconds for one submission's whole process
    plugins: tuple[str, ...] = ()  # extra pytest plugin modules (self-tests: a fake session)
    pythonpath: tuple[str, ...] = ()  # where those modules are importable
    handler_patterns: tuple[str, ...] = HANDLER_PATTERNS
    python: str = sys.executable

    @classmethod
    def for_session(cls, session: SessionId, starter: Path | None = None, **kwargs: Any) -> Instructor:
        lab = (starter or installed_lab("labs", session)).resolve()
        manifest = read_manifest(lab)
        if manifest.session != session:
            raise LabFileError(str(lab / MANIFEST), f"is the lab of session {manifest.session}, not {session}")
        return cls(session, lab, **kwargs)

    @property
    def manifest(self) -> Manifest:
        return read_manifest(self.starter)

    def allowed(self, relpath: str) -> bool:
        patterns = [f for e in self.manifest.exercises for f in e.files] + list(self.handler_patterns)
        return any(relpath == p or fnmatch.fnmatchcase(relpath, p) for p in patterns)


@dataclass(frozen=True)
class Workspace:
    root: Path  # private to the grader: the lab copy, scratch, channel, ini
    lab: Path
    ignored: tuple[str, ...]
    notes: tuple[str, ...]  # what the report says about the submission itself (ignored files, zip problems)


@dataclass(frozen=True)
class Graded:
    """One learner's grade as the parent established it."""

    learner: str
    records: tuple[CheckRecord, ...]
    status: str  # ok | timeout | crashed | tampered | invalid
    reason: str  # one line for the gradebook and the class report ("" when ok)
    notes: tuple[str, ...]
    seconds: float
    child_report: Path | None = None  # the child's pytest-html report, if it is trustworthy

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.records), 2)

    @property
    def max_score(self) -> int:
        return sum(r.max_score for r in self.records)


# --- 1. the workspace --------------------------------------------------------------------------------


def _skip(parts: Sequence[str]) -> bool:
    return any(p in _NOISE or p.endswith(".pyc") for p in parts)


def unpack(submission: Path, into: Path) -> Path:
    """A folder submission as is; a zip extracted safely (no absolute paths, no '..', size-capped)."""
    if submission.is_dir():
        return _lab_root(submission)
    with zipfile.ZipFile(submission) as archive:
        total = 0
        for info in archive.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir() or name.is_absolute() or ".." in name.parts or _skip(name.parts):
                continue
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise LabFileError(submission.name, f"the zip holds more than {MAX_ZIP_BYTES // 1_000_000} MB")
            target = into.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
    return _lab_root(into)


def _lab_root(folder: Path) -> Path:
    """Where the lab starts: the folder holding lab.toml, or the only sub-folder of a wrapper folder."""
    manifests = sorted(folder.rglob(MANIFEST), key=lambda p: len(p.parts))
    if manifests and not _skip(manifests[0].relative_to(folder).parts):
        return manifests[0].parent
    entries = [e for e in folder.iterdir() if not _skip([e.name])]
    if len(entries) == 1 and entries[0].is_dir():
        return _lab_root(entries[0])
    return folder


def prepare(submission: Path, instructor: Instructor, root: Path) -> Workspace:
    """The instructor's lab with the learner's editable files on top; everything else ignored."""
    root.mkdir(parents=True, exist_ok=True)
    lab, notes = root / "lab", []
    shutil.copytree(instructor.starter, lab, ignore=shutil.ignore_patterns(*_NOISE), symlinks=False)
    try:
        source = unpack(submission, root / "unpacked")
    except (zipfile.BadZipFile, LabFileError, OSError) as exc:
        return Workspace(root, lab, (), (f"the submission could not be read ({exc}); graded the starter files",))
    ignored: list[str] = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if _skip(rel.parts) or path.is_dir() and not path.is_symlink():
            continue
        relpath = rel.as_posix()
        if relpath == MANIFEST:
            note = _manifest_note(path, instructor)
            if note:
                ignored.append(note)
        elif path.is_symlink() or not instructor.allowed(relpath):
            if not _same_as_starter(path, instructor.starter / rel):
                ignored.append(relpath)
        elif path.stat().st_size > MAX_FILE_BYTES:
            ignored.append(f"{relpath} (larger than {MAX_FILE_BYTES // 1_000_000} MB)")
        else:
            (lab / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, lab / rel)
    if ignored:
        notes.append("ignored: " + _ignored_summary(ignored))
    return Workspace(root, lab, tuple(ignored), tuple(notes))


def _same_as_starter(path: Path, starter_file: Path) -> bool:
    """An untouched read-only file is not worth reporting as ignored."""
    try:
        return starter_file.is_file() and path.stat().st_size == starter_file.stat().st_size \
            and path.read_bytes() == starter_file.read_bytes()
    except OSError:
        return False


def _manifest_note(path: Path, instructor: Instructor) -> str | None:
    text = path.read_bytes()
    if text == (instructor.starter / MANIFEST).read_bytes():
        return None
    try:
        session = tomllib.loads(text.decode("utf-8")).get("session")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "lab.toml (unreadable; the instructor's is used)"
    if session != instructor.session:
        return f"lab.toml (session {session} -> {instructor.session})"
    return "lab.toml (edited; the instructor's is used)"


def _ignored_summary(ignored: Sequence[str], limit: int = 8) -> str:
    notable = [i for i in ignored if any(PurePosixPath(i.split(" ")[0]).name.endswith(n) or i.split("/")[0] == n
                                         or i.startswith(MANIFEST) for n in _NOTABLE)]
    rest = [i for i in ignored if i not in notable]
    shown = (notable + rest)[:limit]
    more = len(ignored) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


# --- 2. the child process ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRun:
    lines: tuple[dict[str, Any], ...]  # verified payloads, in order
    forged: int  # lines that did not verify
    timed_out: bool
    exit_code: int | None
    stderr_tail: str
    seconds: float


def child_command(instructor: Instructor) -> list[str]:
    return [instructor.python, "-I", "-m", "checks.guard"]


def child_env(scratch: Path) -> dict[str, str]:
    """A clean environment: nothing from the instructor's shell steers Python, pytest or AWS clients."""
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT") if k in os.environ}
    return {**keep, "HOME": str(scratch), "TMPDIR": str(scratch), "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "NO_COLOR": "1"}


#: What a warm parent imports once (the session's checks module is added per session).
_PRELOAD = ("checks.items", "checks.plugin", "pytest_html.plugin", "stack.deploy",
            "moto.sqs.responses", "moto.sns.responses", "moto.dynamodb.responses", "moto.kms.responses",
            "moto.iam.responses", "moto.logs.responses", "moto.cloudwatch.responses", "moto.sts.responses",
            "moto.ses.responses")


class WarmParent:
    """A warm grader process (:func:`checks.guard.warm_main`) that forks one child per submission.

    One per worker thread of a class grading run: it is started once, with the same interpreter
    flags and clean environment as a cold child, and saves every submission the start-up and the
    imports. Any trouble with it and :func:`run_child` falls back to a cold child.
    """

    def __init__(self, instructor: Instructor, scratch: Path) -> None:
        scratch.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([instructor.python, "-I", "-m", "checks.guard", "--warm"], cwd=scratch,
                                        env=child_env(scratch), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        self._buffer = b""
        modules = [*_PRELOAD, package_name(instructor.session), *instructor.plugins]
        self.send({"modules": modules, "pythonpath": list(instructor.pythonpath)})

    def send(self, payload: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(payload) + "\n").encode())
        self.process.stdin.flush()

    def read(self, timeout: float) -> dict[str, Any]:
        """The next JSON line from the warm parent; TimeoutError if none comes in ``timeout`` seconds."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("no answer from the warm grader")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError("the warm grader has gone")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        _kill_group(self.process)


class WarmPool:
    """Warm parents by worker thread, for the length of a ``with`` block (a class grading run)."""

    def __init__(self, instructor: Instructor) -> None:
        self.instructor = instructor
        self._local = threading.local()
        self._all: list[WarmParent] = []
        self._lock = threading.Lock()
        self._scratch = Path(tempfile.mkdtemp(prefix="tourlab-warm-")).resolve()

    def parent(self) -> WarmParent:
        warm = getattr(self._local, "warm", None)
        if warm is None or warm.process.poll() is not None:
            warm = WarmParent(self.instructor, self._scratch / str(threading.get_ident()))
            self._local.warm = warm
            with self._lock:
                self._all.append(warm)
        return warm

    def discard(self) -> None:
        warm = getattr(self._local, "warm", None)
        if warm is not None:
            warm.close()
            self._local.warm = None

    def __enter__(self) -> WarmPool:
        return self

    def __exit__(self, *exc: object) -> None:
        for warm in self._all:
            warm.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def run_child(workspace: Workspace, instructor: Instructor, html: Path | None, warm: WarmPool | None = None) -> ChildRun:
    private, scratch = workspace.root / "private", workspace.root / "scratch"
    private.mkdir(exist_ok=True)
    scratch.mkdir(exist_ok=True)
    (private / "pytest.ini").write_text(_INI)
    channel = private / "channel.jsonl"
    channel.touch()
    key = secrets.token_bytes(32)
    args = [str(workspace.lab), "-p", "checks.plugin", "-p", "no:cacheprovider", "--noconftest",
            "-c", str(private / "pytest.ini"), "--rootdir", str(workspace.lab), "-q", "--learner-view",
            *(a for p in instructor.plugins for a in ("-p", p))]
    if html is not None:
        args += ["--html", str(html)]
    spec = {"key": key.hex(), "channel": str(channel), "lab": str(workspace.lab), "args": args,
            "writable": [str(workspace.lab), str(scratch)], "private": [str(private)],
            "pythonpath": list(instructor.pythonpath), "notes": list(workspace.notes)}
    started = time.monotonic()
    outcome = _run_warm(warm, spec, workspace, scratch, private, instructor) if warm is not None else None
    if outcome is None:
        outcome = _run_cold(spec, workspace, scratch, private, instructor)
    timed_out, returncode = outcome
    lines, forged = [], 0
    for line in channel.read_text(encoding="utf-8", errors="replace").splitlines():
        payload = verify(key, line)
        if payload is None:
            forged += 1
        else:
            lines.append(payload)
    tail = (private / "stderr.txt").read_text(errors="replace")[-2000:] if (private / "stderr.txt").exists() else ""
    return ChildRun(tuple(lines), forged, timed_out, returncode, tail, time.monotonic() - started)


def _run_cold(spec: dict[str, Any], workspace: Workspace, scratch: Path, private: Path, instructor: Instructor) -> tuple[bool, int | None]:
    """A fresh ``python -I -m checks.guard`` for this submission; (timed out?, exit code)."""
    with (private / "stdout.txt").open("wb") as out, (private / "stderr.txt").open("wb") as err:
        child = subprocess.Popen(child_command(instructor), cwd=workspace.lab, env=child_env(scratch),
                                 stdin=subprocess.PIPE, stdout=out, stderr=err, start_new_session=True)
        assert child.stdin is not None
        try:
            child.stdin.write((json.dumps(spec) + "\n").encode())
            child.stdin.close()
        except BrokenPipeError:
            pass
        timed_out = False
        try:
            child.wait(instructor.time_limit)
        except subprocess.TimeoutExpired:
            timed_out = True
        _kill_group(child)
    return timed_out, None if timed_out else child.returncode


def _run_warm(warm: WarmPool, spec: dict[str, Any], workspace: Workspace, scratch: Path, private: Path,
              instructor: Instructor) -> tuple[bool, int | None] | None:
    """The same child forked from a warm parent; None when the warm parent failed (go cold)."""
    parent = warm.parent()
    try:
        parent.send({"spec": spec, "cwd": str(workspace.lab), "env": child_env(scratch),
                     "stdout": str(private / "stdout.txt"), "stderr": str(private / "stderr.txt")})
        pid = parent.read(timeout=60)["pid"]
    except (OSError, EOFError, TimeoutError, ValueError, KeyError):
        warm.discard()
        return None
    try:
        return False, parent.read(timeout=instructor.time_limit)["exit"]
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        try:
            parent.read(timeout=30)
        except (OSError, EOFError, TimeoutError, ValueError):
            warm.discard()
        return True, None
    except (OSError, EOFError, ValueError, KeyError):
        warm.discard()
        return False, None


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    """End the child and anything it left behind (its own session, so only its processes)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    child.wait()


# --- 3. what the parent believes ---------------------------------------------------------------------


def collect(learner: str, run: ChildRun, instructor: Instructor, notes: Sequence[str]) -> Graded:
    """Records as the parent establishes them: planned checks only, capped, 0 with a reason when missing."""
    manifest = instructor.manifest
    exercises = {e.id: (i, e) for i, e in enumerate(manifest.exercises)}
    plan = next((p for p in run.lines if p.get("kind") == "plan"), None)
    notes = list(notes)
    if run.forged:
        notes.append(f"ignored: {run.forged} result line(s) not written by the grader")
    tampered_at: str | None = None
    received: dict[str, CheckRecord] = {}
    for payload in run.lines:
        if payload.get("kind") != "record":
            continue
        try:
            record = CheckRecord.from_json(payload["record"])
        except (KeyError, TypeError, ValueError):
            notes.append("ignored: a malformed result record")
            continue
        if payload.get("tampered") and tampered_at is None:
            tampered_at = record.check_id
            notes.append(f"tampering: the submission's code replaced {', '.join(payload['tampered'])} "
                         f"(seen after check {record.check_id}); that check and all later ones score 0")
        if tampered_at is not None:
            record = replace(record, score=0.0, passed=False, evidence=(),
                             message="not graded: the submission's code modified the grader during this run")
        received.setdefault(record.check_id, record)
    crash = next((p.get("error") for p in run.lines if p.get("kind") == "crash"), None)
    done = any(p.get("kind") == "done" for p in run.lines)
    if run.timed_out:
        status, reason = "timeout", f"grading stopped after {instructor.time_limit:g} s (a hanging handler or check?)"
    elif crash or not done or plan is None:
        status, reason = "crashed", f"the grading process ended early ({crash or _last_line(run.stderr_tail) or f'exit code {run.exit_code}'})"
    elif tampered_at is not None:
        status, reason = "tampered", "the submission modified the grader; later checks score 0"
    else:
        status, reason = "ok", ""
    if plan is not None and plan.get("problems"):
        status, reason = "invalid", "; ".join(plan["problems"])[:500]
    records: list[CheckRecord] = []
    planned = plan.get("checks", []) if plan else []
    for entry in planned:
        if entry.get("exercise") not in exercises:
            continue
        index, exercise = exercises[entry["exercise"]]
        got = received.get(entry["check_id"])
        points = int(entry["points"])
        if got is None:
            why = reason or "the check did not report a result"
            records.append(_placeholder(learner, manifest, index, exercise, entry["check_id"], entry["number"], points,
                                        f"not graded: {why}"))
            continue
        score = min(max(float(got.score), 0.0), float(points))
        records.append(replace(got, lab=learner, lab_title=manifest.title, session=instructor.session,
                               exercise=exercise.id, exercise_title=exercise.title, exercise_index=index,
                               number=entry["number"], max_score=points, score=round(score, 2),
                               passed=bool(got.passed) and score >= points))
    graded_exercises = {r.exercise for r in records}
    for index, exercise in enumerate(manifest.exercises):  # nothing planned: the exercise still counts
        if exercise.id not in graded_exercises and exercise.points:
            records.append(_placeholder(learner, manifest, index, exercise, f"{exercise.id}.not-graded", f"{index + 1}.0",
                                        exercise.points, f"not graded: {reason or 'no checks ran for this exercise'}"))
    return Graded(learner, tuple(records), status, reason, tuple(notes), run.seconds)


def _placeholder(learner: str, manifest: Manifest, index: int, exercise: Any, check_id: str, number: str,
                 points: int, message: str) -> CheckRecord:
    return CheckRecord(lab=learner, lab_title=manifest.title, session=manifest.session, exercise=exercise.id,
                       exercise_title=exercise.title, exercise_index=index, number=number, check_id=check_id,
                       title="Not graded", hint="Ask your instructor: the grader could not run this check.", docs=None,
                       visibility="visible", score=0.0, max_score=points, passed=False, message=message)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def grade_one(submission: Path, learner: str, instructor: Instructor, html: Path | None = None,
              workdir: Path | None = None, warm: WarmPool | None = None) -> Graded:
    """Prepare, run, collect: the whole life of one submission. Never raises for a submission's content."""
    root = Path(tempfile.mkdtemp(prefix="tourlab-grade-", dir=workdir)).resolve()
    try:
        workspace = prepare(submission, instructor, root)
        run = run_child(workspace, instructor, html, warm)
        graded = collect(learner, run, instructor, workspace.notes)
        trustworthy = graded.status == "ok" and not run.forged and html is not None and html.is_file()
        return replace(graded, child_report=html if trustworthy else None)
    finally:
        shutil.rmtree(root, ignore_errors=True)
