"""``tourlab watch``: re-grade a lab folder each time the learner saves a file in it (rustlings-style).

File events come from ``watchdog`` (inotify/FSEvents/ReadDirectoryChangesW), not a polling loop of our
own. Each re-grade is a fresh ``python -m pytest`` process, so edited handlers are imported anew.
What grading itself writes (reports, the state file, caches) is ignored, or the watch would loop.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from checks.lab import REPORTS_DIR, STATE_FILE, LabFileError, require_lab
from checks.learner import lab_argument

IGNORED_DIRS = frozenset({REPORTS_DIR, "__pycache__", ".pytest_cache", ".git", ".mypy_cache"})
#: Seconds to wait after a change so that an editor's save (write, rename, chmod) triggers one run.
SETTLE_SECONDS = 0.3


def relevant(lab: Path, path: str) -> bool:
    """Is a change to ``path`` a learner's edit (not our own output, a cache or an editor's temp file)?"""
    try:
        parts = Path(path).resolve().relative_to(lab.resolve()).parts
    except ValueError:
        return False
    if not parts or any(p in IGNORED_DIRS for p in parts[:-1]):
        return False
    name = parts[-1]
    return name != STATE_FILE and not name.startswith((".", "#")) and not name.endswith(("~", ".swp", ".tmp"))


class _Changes(FileSystemEventHandler):
    def __init__(self, lab: Path, changed: threading.Event) -> None:
        self._lab, self._changed = lab, changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in ("created", "modified", "moved", "deleted"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(p and relevant(self._lab, str(p)) for p in paths):
            self._changed.set()


def watch(lab: Path, regrade: Callable[[], object], stop: threading.Event) -> None:
    """Grade once, then again after every relevant change, until ``stop`` is set."""
    changed = threading.Event()
    observer = Observer()
    observer.schedule(_Changes(lab, changed), str(lab), recursive=True)
    observer.start()
    try:
        regrade()
        while not stop.is_set():
            if changed.wait(0.1):
                stop.wait(SETTLE_SECONDS)
                changed.clear()
                if not stop.is_set():
                    regrade()
    finally:
        observer.stop()
        observer.join()


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="tourlab watch", description="Re-grade the lab folder on every save.")
    lab_argument(parser)
    args, pytest_args = parser.parse_known_args(argv)
    try:
        lab = require_lab(args.lab)
    except LabFileError as exc:
        print(f"tourlab watch: {exc}")
        return 1

    def regrade() -> None:
        subprocess.run([sys.executable, "-m", "pytest", str(lab), *pytest_args], check=False)
        print(f"\nWatching {lab} for changes (Ctrl-C to stop)...", flush=True)

    try:
        watch(lab, regrade, threading.Event())
    except KeyboardInterrupt:
        print()
    return 0
