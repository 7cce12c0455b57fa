"""``tourlab hint`` and ``tourlab reset``: a hint one command away, and a way back to the start.

The pure functions take the lab folder and a session resolver (tests pass their own); the ``*_main``
functions parse arguments and use the installed sessions.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from checks.lab import Exercise, LabFileError, Manifest, installed_lab, read_manifest, require_lab
from checks.report.terminal import points
from checks.sessions import SessionResolver, UnknownSession, installed_session
from checks.state import LabState, read_state


def next_exercise(manifest: Manifest, state: LabState | None, resolve: SessionResolver) -> Exercise:
    """The first exercise with a check not yet passed at the last run (the first one if never run)."""
    session = resolve(manifest.session)
    for exercise in manifest.exercises:
        ids = [c.id for c in session.for_exercise(exercise.id)]
        if state is None or not all(state.checks.get(i) and state.checks[i].passed for i in ids):
            return exercise
    return manifest.exercises[-1]


def hint(lab: Path, exercise_id: str | None, resolve: SessionResolver) -> str:
    """The hints of one exercise, unfinished checks first, marked with their state at the last run."""
    manifest, state = read_manifest(lab), read_state(lab)
    exercise = manifest.exercise(exercise_id) if exercise_id else next_exercise(manifest, state, resolve)
    checks = resolve(manifest.session).for_exercise(exercise.id)
    done = {cid for cid, c in (state.checks.items() if state else ()) if c.passed}
    lines = [f"Exercise {exercise.id}: {exercise.title} ({exercise.points} points)"]
    for check in sorted(checks, key=lambda c: c.id in done):
        lines.append(f"  [{'x' if check.id in done else ' '}] {check.id}: {check.words.title}")
        lines.append(f"      Hint: {check.words.hint}")
        if check.words.docs:
            lines.append(f"      Docs: {check.words.docs}")
    if state:
        lines.append(f"Last run: {points(*state.total)} points ({state.updated})")
    return "\n".join(lines)


def reset(lab: Path, exercise_id: str, starter: Path, confirm: Callable[[str], bool]) -> list[str]:
    """Copy the exercise's files from ``starter`` over the learner's, if ``confirm`` agrees.

    Returns the restored files (empty when the learner declined).
    """
    exercise = read_manifest(lab).exercise(exercise_id)
    if starter.resolve() == lab.resolve():
        raise LabFileError(str(lab), "this is the starter folder itself; nothing to reset")
    missing = [f for f in exercise.files if not (starter / f).is_file()]
    if missing:
        raise LabFileError(str(starter), f"the starter has no {', '.join(missing)}")
    if not exercise.files or not confirm(
        f"Overwrite {len(exercise.files)} file(s) of exercise {exercise.id} in {lab} with the starter "
        f"({', '.join(exercise.files)})? Your changes to them are lost. [y/N] "
    ):
        return []
    for relpath in exercise.files:
        (lab / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(starter / relpath, lab / relpath)
    return list(exercise.files)


def lab_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--lab`` option every learner command shares."""
    parser.add_argument("--lab", type=Path, default=Path.cwd(), help="lab folder (default: the one you are in)")


def hint_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="tourlab hint", description="Show the hints of an exercise.")
    parser.add_argument("exercise", nargs="?", help="exercise id from lab.toml (default: the next to do)")
    lab_argument(parser)
    args = parser.parse_args(argv)
    try:
        print(hint(require_lab(args.lab), args.exercise, installed_session))
    except (LabFileError, UnknownSession, KeyError) as exc:
        print(f"tourlab hint: {exc}")
        return 1
    return 0


def reset_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="tourlab reset", description="Restore one exercise's starter files.")
    parser.add_argument("exercise", help="exercise id from lab.toml")
    lab_argument(parser)
    parser.add_argument("--from", dest="starter", type=Path, help="starter folder (default: the installed labs/)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    args = parser.parse_args(argv)
    try:
        lab = require_lab(args.lab)
        starter = args.starter or installed_lab("labs", read_manifest(lab).session)
        restored = reset(lab, args.exercise, starter, lambda q: args.yes or input(q).strip().lower() in ("y", "yes"))
    except (LabFileError, KeyError) as exc:
        print(f"tourlab reset: {exc}")
        return 1
    print("\n".join(f"restored {f}" for f in restored) if restored else "nothing changed")
    return 0
