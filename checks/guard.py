"""The child side of class grading: one submission graded in this process, its results signed.

Started by :mod:`checks.isolation` as ``python -I -m checks.guard`` in a fresh copy of the submission
(``-I``: no ``PYTHONPATH``, no user site, no current directory on ``sys.path``, so neither a
``sitecustomize.py`` nor a ``checks/`` package of the submission can be imported). The parent sends a
JSON spec on stdin: the pytest arguments, a one-time HMAC key and the path of the results channel.
Both are held only in closures here, and the channel is opened before any learner code exists.

Learner code (handlers the offline runtime imports) runs in this process, so three layers stand
between it and its grade:

1. **an audit hook** (:pep:`578`, cannot be removed once added) that, while a frame of a learner file is
   on the current thread's stack, refuses: opening anything under the grader's private folder, writing
   outside the lab copy and the scratch folder, starting processes, ``ctypes``, ``gc`` object walks,
   frame grabbing (``sys._getframe`` from learner code or via ``inspect``/``traceback``,
   ``tb_frame``/``gi_frame``), ``sys._current_frames``, trace/profile/audit hooks, and compiling or
   building code objects under a borrowed file name (which would hide learner frames);
2. **a snapshot** of every function and class of ``checks.*`` and ``stack.*`` (and each function's
   code), compared after every check: a replacement marks that check and all later ones as tampered;
3. **signed lines**: each record goes to the channel as ``HMAC TAB JSON``; the parent drops lines that
   do not verify, caps scores at the instructor's points and recomputes every total.

The limit, stated plainly: code that runs inside the grading process can in principle still reach
the grader's objects by routes not listed above; the parent's checks bound what a forgery can claim
(no more than the instructor's points per check it names), but only a separate process (or container)
for learner handlers would make forgery impossible.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import importlib
import json
import os
import sys
import threading
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

import pytest

#: Module name prefixes whose functions and classes learner code must not replace.
WATCHED = ("checks", "stack")

_PROCESS_EVENTS = frozenset({
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "os.kill", "os.killpg", "pty.spawn", "os.startfile",
})
_INTROSPECTION_EVENTS = frozenset({
    "sys._current_frames", "sys._current_exceptions", "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "sys.settrace", "sys.setprofile", "sys.addaudithook", "sys.setrecursionlimit", "cpython._PySys_ClearAuditHooks",
})
_PATH_EVENTS = {  # event -> positions of path arguments that are written
    "os.rename": (0, 1), "os.replace": (0, 1), "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,),
    "os.symlink": (0, 1), "os.link": (0, 1), "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,),
    "os.utime": (0,), "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.move": (0, 1),
}
_FRAME_ATTRS = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"})
_FRAME_HELPERS = frozenset({"inspect", "traceback"})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def sign(key: bytes, payload: dict[str, Any]) -> str:
    """One channel line: ``hex-mac TAB canonical-json``."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest() + "\t" + body


def verify(key: bytes, line: str) -> dict[str, Any] | None:
    """The payload of a line signed with ``key``, or ``None`` (forged, truncated or garbage)."""
    mac, _, body = line.rstrip("\n").partition("\t")
    good = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac, good):
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


# --- layer 1: the audit hook -----------------------------------------------------------------------


class Denied(PermissionError):
    """What learner code gets for a refused operation (a ``PermissionError``, like AWS Lambda's sandbox)."""


class HookRefused(RuntimeError):
    """Refuses ``sys.addaudithook``: CPython then silently does not add the learner's hook."""


def audit_hook(lab: Path, writable: Iterable[Path], private: Iterable[Path]) -> Callable[[str, tuple[Any, ...]], None]:
    """The hook: refuses the events above while learner code (a file under ``lab``) is on the stack."""
    lab_prefix = str(lab.resolve()) + os.sep
    write_roots = tuple(str(Path(p).resolve()) + os.sep for p in writable)
    private_roots = tuple(str(Path(p).resolve()) + os.sep for p in private)
    getframe, realpath, fspath = sys._getframe, os.path.realpath, os.fspath
    interesting = _PROCESS_EVENTS | _INTROSPECTION_EVENTS | set(_PATH_EVENTS) | {
        "open", "sys._getframe", "object.__getattr__", "compile", "code.__new__", "exec",
    }

    def learner(filename: str) -> bool:
        return filename.startswith(lab_prefix)

    def learner_on_stack(frame: Any) -> bool:
        while frame is not None:
            if learner(frame.f_code.co_filename):
                return True
            frame = frame.f_back
        return False

    def under(path: Any, roots: tuple[str, ...]) -> bool:
        try:
            full = realpath(os.fsdecode(fspath(path))) + os.sep
        except (TypeError, ValueError):
            return False
        return full.startswith(roots)

    def refuse(event: str, args: tuple[Any, ...]) -> None:
        raise Denied(f"not allowed while grading: {event} {args[:2]!r}")

    busy: set[int] = set()  # threads inside the hook: its own sys._getframe raises an event too
    get_ident = threading.get_ident

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event not in interesting and not event.startswith("ctypes."):
            return
        if event == "object.__getattr__" and (len(args) < 2 or args[1] not in _FRAME_ATTRS):
            return  # reading __code__ and friends is harmless; only frame access matters
        thread = get_ident()
        if thread in busy:
            return
        busy.add(thread)
        try:
            caller = getframe(1)  # the code that raised the event (builtins have no frame)
            if learner_on_stack(caller):
                judge(event, args, caller)
        finally:
            busy.discard(thread)

    def judge(event: str, args: tuple[Any, ...], caller: Any) -> None:
        direct = learner(caller.f_code.co_filename)
        if event == "open":
            path, mode, flags = (list(args) + [None, None])[:3]
            if isinstance(path, int):
                if path > 2:
                    refuse(event, args)
                return
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & _WRITE_FLAGS)
            if under(path, private_roots) or (writes and not under(path, write_roots)):
                refuse(event, args)
        elif event in _PATH_EVENTS:
            for index in _PATH_EVENTS[event]:
                if index < len(args) and (under(args[index], private_roots) or not under(args[index], write_roots)):
                    refuse(event, args)
        elif event == "sys.addaudithook":
            raise HookRefused("learner code may not add audit hooks while grading")
        elif event in _PROCESS_EVENTS or event in _INTROSPECTION_EVENTS or event.startswith("ctypes."):
            refuse(event, args)
        elif event == "sys._getframe":
            if direct or caller.f_globals.get("__name__") in _FRAME_HELPERS:
                refuse(event, args)
        elif event == "object.__getattr__":
            if direct and len(args) > 1 and args[1] in _FRAME_ATTRS:
                refuse(event, args)
        elif event == "compile":
            if direct and not learner(str(args[1]) if len(args) > 1 else ""):
                refuse(event, ("compile", args[1] if len(args) > 1 else None))
        elif event in ("code.__new__", "exec"):
            code = args[0] if args else None
            filename = getattr(code, "co_filename", None) if event == "exec" else (args[1] if len(args) > 1 else None)
            if direct and not learner(str(filename)):
                refuse(event, ("code", filename))

    return hook


# --- layer 2: the snapshot of the grader's code ----------------------------------------------------


def _watched(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in WATCHED)


def _fingerprint(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, FunctionType):
        return (id(value), id(value.__code__), id(value.__defaults__), id(value.__kwdefaults__))
    if isinstance(value, (classmethod, staticmethod)):
        return _fingerprint(value.__func__)
    if isinstance(value, property):
        return tuple(id(f) for f in (value.fget, value.fset, value.fdel))
    if isinstance(value, type):
        return (id(value),)
    return None


def snapshot(modules: dict[str, ModuleType]) -> dict[str, tuple[int, ...]]:
    """``module.name`` / ``module.Class.name`` -> identity of the function or class found there."""
    found: dict[str, tuple[int, ...]] = {}
    for mod_name, module in list(modules.items()):
        if not _watched(mod_name) or not isinstance(module, ModuleType):
            continue
        for name, value in list(vars(module).items()):
            mark = _fingerprint(value)
            if mark is None:
                continue
            found[f"{mod_name}.{name}"] = mark
            if isinstance(value, type) and value.__module__ == mod_name:
                for attr, member in list(vars(value).items()):
                    member_mark = _fingerprint(member)
                    if member_mark is not None:
                        found[f"{mod_name}.{name}.{attr}"] = member_mark
    return found


def changes(before: dict[str, tuple[int, ...]], after: dict[str, tuple[int, ...]]) -> list[str]:
    """What was replaced or removed (new names are imports, not tampering)."""
    return sorted(name for name, mark in before.items() if after.get(name) != mark)


# --- the pytest plugin object and the child's main --------------------------------------------------


class Guard:
    """Registered in the child only (``pytest.main(plugins=[guard])``): signs and streams the records."""

    def __init__(self, write_line: Callable[[dict[str, Any]], None], notes: list[str]) -> None:
        self._write = write_line
        self._notes = notes
        self._baseline: dict[str, tuple[int, ...]] | None = None
        self._tampered: list[str] = []

    def pytest_collection_finish(self, session: Any) -> None:
        from checks.items import CheckItem

        plan = [
            {"check_id": i.planned.check.id, "exercise": i.planned.exercise.id, "number": i.planned.number,
             "points": i.planned.check.code.points}
            for i in session.items if isinstance(i, CheckItem)
        ]
        problems = [str(getattr(i, "problem", "")) for i in session.items if not isinstance(i, CheckItem)]
        self._write({"kind": "plan", "checks": plan, "problems": problems})
        self._baseline = snapshot(dict(sys.modules))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Generator[None, Any, Any]:
        report = yield
        if call.when != "call":
            return report
        from checks.items import RECORD_KEY

        if self._baseline is not None and not self._tampered:
            self._tampered = changes(self._baseline, snapshot(dict(sys.modules)))
        record = item.stash.get(RECORD_KEY, None)
        if record is not None:
            self._write({"kind": "record", "record": record.to_json(), "tampered": self._tampered[:5]})
        return report

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str], session: Any) -> None:
        from html import escape

        if self._notes:
            prefix.append('<section class="tourlab"><h3>Class grading</h3><ul>'
                          + "".join(f"<li>{escape(n)}</li>" for n in self._notes) + "</ul></section>")


def child_main() -> int:
    """Read the spec on stdin, then grade (a child started for one submission)."""
    return _grade(json.loads(sys.stdin.readline()))


def _grade(spec: dict[str, Any]) -> int:
    """Lock the process down, run pytest, leave without waiting for learner threads."""
    key = bytes.fromhex(spec["key"])
    channel = open(spec["channel"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - kept open to the end

    def write_line(payload: dict[str, Any]) -> None:
        channel.write(sign(key, payload) + "\n")
        channel.flush()

    for path in reversed(spec.get("pythonpath", [])):
        if path not in sys.path:
            sys.path.insert(0, path)
    import checks.items  # noqa: F401 - the guard's imports happen before any learner code
    import checks.plugin  # noqa: F401

    lab = Path(spec["lab"])
    sys.addaudithook(audit_hook(lab, [Path(p) for p in spec["writable"]], [Path(p) for p in spec["private"]]))
    guard = Guard(write_line, list(spec.get("notes", [])))
    try:
        code = int(pytest.main(spec["args"], plugins=[guard]))
    except BaseException as exc:  # noqa: BLE001 - report, then leave
        write_line({"kind": "crash", "error": f"{type(exc).__name__}: {exc}"})
        code = 3
    write_line({"kind": "done", "exit": code})
    channel.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # a learner's non-daemon thread must not keep the process alive


def warm_main() -> int:
    """A warm parent for class grading: import the grader once, fork one child per submission.

    Starting ``python -I`` and importing pytest, the plugin, the session's checks, boto3 and moto
    cost a second or more per submission; a fork of this process starts with all of it loaded, and
    is still a separate process per submission (what a learner's code does to it dies with it; the
    audit hook is added in the child, after the fork, exactly as in :func:`child_main`).
    Protocol (JSON lines): first line ``{"modules": [...], "pythonpath": [...]}`` to preload; then one
    request per submission ``{"spec", "cwd", "env", "stdout", "stderr"}``; this process answers
    ``{"pid": N}`` when the child is started and ``{"pid": N, "exit": code}`` when it has ended.
    """
    preload = json.loads(sys.stdin.readline())
    for path in reversed(preload.get("pythonpath", [])):
        sys.path.insert(0, path)
    for name in preload.get("modules", []):
        with contextlib.suppress(ImportError):  # preloading only saves time; a child imports what it needs
            importlib.import_module(name)
    if "stack.cloud.offline" in sys.modules:
        sys.modules["stack.cloud.offline"].preload_models()
    gc.freeze()  # what is loaded now is shared with every child: keep the collector (and copy-on-write) off it
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: its own session, files, environment; never returns
            try:
                os.setsid()
                _reopen(0, os.devnull, os.O_RDONLY)
                _reopen(1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                _reopen(2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.chdir(request["cwd"])
                os.environ.clear()
                os.environ.update(request["env"])
                _grade(request["spec"])
            finally:
                os._exit(3)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"pid": pid, "exit": os.waitstatus_to_exitcode(status)}), flush=True)
    return 0


def _reopen(fd: int, path: str, flags: int) -> None:
    target = os.open(path, flags, 0o600)
    os.dup2(target, fd)
    os.close(target)


if __name__ == "__main__":
    warm_main() if sys.argv[1:] == ["--warm"] else child_main()
