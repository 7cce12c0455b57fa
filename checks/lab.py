"""Lab folders: the ``lab.toml`` manifest, and reading a learner's files with file:line errors.

A folder is a lab when it holds ``lab.toml``::

    session = 1                                  # a session number, or a named session: "extension"
    title = "Permissions and encryption"

    [[exercises]]
    id = "iam-roles"
    title = "One least-privilege role per Lambda"
    points = 10                                  # must equal the sum of the session's checks for it
    files = ["iam/payment-processor.json"]       # what the learner edits; `tourlab reset` restores these

The manifest holds no code and names no module: it cannot redirect grading.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

MANIFEST = "lab.toml"
STATE_FILE = ".tourlab-state.json"
REPORTS_DIR = "reports"
#: Largest learner file the grader reads. Lab files are a few KB; class grading caps submissions at 2 MB.
MAX_FILE_BYTES = 1_000_000
#: The labs that are not one of the numbered hours (``session = "extension"`` loads ``checks.extension``).
NAMED_SESSIONS = ("extension",)

#: A session as lab.toml names it: a positive number, or one of :data:`NAMED_SESSIONS`.
SessionId = int | str


class LabFileError(Exception):
    """A learner's file is missing or cannot be parsed; the message is for the learner, as is."""

    def __init__(self, path: str, problem: str, line: int | None = None, column: int | None = None) -> None:
        self.path, self.problem, self.line, self.column = path, problem, line, column
        where = path if line is None else f"{path}:{line}" + ("" if column is None else f":{column}")
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    points: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    session: SessionId
    title: str
    exercises: tuple[Exercise, ...]

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        known = ", ".join(e.id for e in self.exercises)
        raise KeyError(f"no exercise {exercise_id!r} in this lab (exercises: {known})")


def read_manifest(lab: Path) -> Manifest:
    """Parse and validate ``lab/lab.toml``; every problem is a :class:`LabFileError`."""
    data = parse(lab, MANIFEST)
    session, title, exercises = data.get("session"), data.get("title"), data.get("exercises")
    if not is_session_id(session):
        named = " or ".join(f'"{n}"' for n in NAMED_SESSIONS)
        raise LabFileError(MANIFEST, f"`session` must be a positive whole number or {named}")
    if not isinstance(title, str) or not title.strip():
        raise LabFileError(MANIFEST, "`title` must be a non-empty string")
    if not isinstance(exercises, list) or not exercises:
        raise LabFileError(MANIFEST, "needs at least one [[exercises]] table")
    parsed = tuple(_exercise(i, e) for i, e in enumerate(exercises, 1))
    ids = [e.id for e in parsed]
    if len(set(ids)) != len(ids):
        raise LabFileError(MANIFEST, f"exercise ids must be unique, got {ids}")
    return Manifest(session, title.strip(), parsed)


def is_session_id(value: Any) -> bool:
    """A positive whole number, or a named session; a closed list, so lab.toml can never name a module."""
    if isinstance(value, str):
        return value in NAMED_SESSIONS
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def parse_session(text: str) -> SessionId:
    """A session from the command line (``--session 1``, ``--session extension``), for argparse."""
    value: SessionId = int(text) if text.isdigit() else text
    if not is_session_id(value):
        raise ValueError(f"not a session: {text!r}")
    return value


def _exercise(index: int, entry: Any) -> Exercise:
    where = f"[[exercises]] #{index}"
    if not isinstance(entry, dict):
        raise LabFileError(MANIFEST, f"{where} must be a table")
    ex_id, title, points, files = entry.get("id"), entry.get("title"), entry.get("points"), entry.get("files", [])
    if not isinstance(ex_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", ex_id):
        raise LabFileError(MANIFEST, f"{where}: `id` must be lower-case letters, digits, '-' or '.'")
    if not isinstance(title, str) or not title.strip():
        raise LabFileError(MANIFEST, f"{where} ({ex_id}): `title` must be a non-empty string")
    if not isinstance(points, int) or isinstance(points, bool) or points < 0:
        raise LabFileError(MANIFEST, f"{where} ({ex_id}): `points` must be a whole number >= 0")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise LabFileError(MANIFEST, f"{where} ({ex_id}): `files` must be a list of paths")
    return Exercise(ex_id, title.strip(), points, tuple(safe_relative(MANIFEST, f) for f in files))


def safe_relative(origin: str, relpath: str) -> str:
    """A lab-relative POSIX path that cannot climb out of the lab folder."""
    pure = PurePosixPath(relpath)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise LabFileError(origin, f"path {relpath!r} must be relative to the lab folder, without '..'")
    return pure.as_posix()


# --- reading learner files ------------------------------------------------------------------------


def parse(lab: Path, relpath: str) -> Any:
    """Read and parse ``lab/relpath`` by its suffix (.json, .yaml/.yml, .toml)."""
    text = read_text(lab, relpath)
    suffix = PurePosixPath(relpath).suffix.lower()
    parser = _PARSERS.get(suffix)
    if parser is None:
        raise LabFileError(relpath, f"cannot parse {suffix or 'files without a suffix'} (JSON, YAML or TOML expected)")
    return parser(relpath, text)


def read_text(lab: Path, relpath: str) -> str:
    """The text of ``lab/relpath``; every way it can be unreadable is a :class:`LabFileError` that says why.

    Refused, each with its own message: a symlink (or a path through one) that leads out of the lab
    folder (grading reads the learner's lab, nothing else on the machine), anything that is not a
    regular file, a file over :data:`MAX_FILE_BYTES` (checked before reading: a 10 MB paste must not
    cost seconds of parsing), binary content, and bytes that are not UTF-8 (with the line and column
    of the first bad byte). A UTF-8 byte-order mark, as some Windows editors write, is accepted.
    """
    path = lab / safe_relative(relpath, relpath)
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(lab.resolve()):
            raise LabFileError(relpath, f"is a link to {real}, outside the lab folder; the grader reads only files "
                                        "inside it (put the file itself here instead of a link)")
        if not real.is_file():
            raise LabFileError(relpath, "is not a regular file (a folder?)")
        size = real.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LabFileError(relpath, f"is {size / 1_000_000:.1f} MB; lab files are at most {MAX_FILE_BYTES // 1000} KB "
                                        "(was something pasted or saved into it by mistake? `tourlab reset` restores it)")
        data = real.read_bytes()
    except FileNotFoundError:
        raise LabFileError(relpath, "file not found (was it renamed or deleted? `tourlab reset` restores it)") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11, 3.12)
        raise LabFileError(relpath, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if b"\x00" in data:
        line, column = _position(data, data.index(b"\x00"))
        raise LabFileError(relpath, "is a binary file, not text (saved from another program? `tourlab reset` restores it)",
                           line, column)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise LabFileError(relpath, f"not UTF-8 text: byte 0x{data[exc.start]:02x} ({exc.reason}); save the file as "
                                    "UTF-8 (most editors: File > Save with Encoding)", line, column) from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, as far as they decode) of byte ``offset``."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def _json(relpath: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LabFileError(relpath, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None


def _yaml(relpath: str, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise LabFileError(relpath, f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as exc:
        raise LabFileError(relpath, f"invalid YAML: {exc}") from None


_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _toml(relpath: str, text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_WHERE.search(message)
        if where is None:
            raise LabFileError(relpath, f"invalid TOML: {message}") from None
        line, column = int(where.group(1)), int(where.group(2))
        raise LabFileError(relpath, f"invalid TOML: {message[: where.start()]}", line, column) from None


_PARSERS = {".json": _json, ".yaml": _yaml, ".yml": _yaml, ".toml": _toml}


# --- finding lab folders -------------------------------------------------------------------------


def find_lab(start: Path) -> Path | None:
    """The lab folder holding ``start`` (itself or its nearest ancestor with a ``lab.toml``)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / MANIFEST).is_file():
            return folder
    return None


def require_lab(start: Path) -> Path:
    """Like :func:`find_lab`, for commands that cannot work outside a lab folder."""
    lab = find_lab(start)
    if lab is None:
        raise LabFileError(str(start), "not inside a lab folder (no lab.toml here or above)")
    return lab


def labs_in_args(args: Sequence[str], invocation_dir: Path) -> tuple[Path, ...]:
    """The lab folders a pytest command line grades: an argument inside a lab, or labs just below it."""
    found: list[Path] = []
    for arg in args:
        path = invocation_dir / arg.split("::", 1)[0]
        if not path.exists():
            continue
        owner = find_lab(path)
        candidates: Iterable[Path] = [owner] if owner else sorted(p.parent.resolve() for p in path.glob(f"*/{MANIFEST}"))
        for lab in candidates:
            if lab not in found:
                found.append(lab)
    return tuple(found)


def installed_lab(kind: str, session: SessionId) -> Path:
    """The starter (``kind="labs"``) or reference (``"solutions"``) folder of a session, as installed.

    Found by the session number in each folder's ``lab.toml``, not by folder name.
    """
    root = Path(__file__).resolve().parents[1] / kind
    for manifest in sorted(root.glob(f"*/{MANIFEST}")):
        try:
            if read_manifest(manifest.parent).session == session:
                return manifest.parent
        except LabFileError:
            continue
    raise LabFileError(str(root), f"no installed {kind} folder for session {session}")
