"""Gradescope: build ``autograder.zip`` and, inside Gradescope, grade ``/autograder/submission``.

``python -m checks.gradescope build --session 1 --out autograder.zip`` bundles:

- ``setup.sh``: installs the project from the bundled source into ``/autograder/venv`` (pinned by
  ``constraints.txt`` when present);
- ``run_autograder``: ``python -m checks.gradescope run``, which grades the submission exactly like
  class grading (own process, instructor's checks and lab.toml only, time limit; :mod:`checks.isolation`)
  and writes ``/autograder/results/results.json`` (tests keep their ``visibility``; the summary text
  never shows hidden checks' details);
- ``source/``: this project (``checks``, ``stack``, ``labs``, ``solutions``, packaging files) and
  ``source/tourlab-autograder.json`` (session, time limit, and optional instructor plugins).

``TOURLAB_AUTOGRADER_ROOT`` replaces ``/autograder`` (self-tests use a temporary folder) and
``TOURLAB_PYTHON`` the venv's interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checks.grade import learner_results
from checks.isolation import Instructor, grade_one
from checks.lab import SessionId, parse_session

ROOT_ENV = "TOURLAB_AUTOGRADER_ROOT"
CONFIG = "tourlab-autograder.json"
STARTER_DIR = "tourlab_starter"
PROJECT = Path(__file__).resolve().parents[1]
#: What of the project goes into the bundle (tests, benches and docs stay home).
SOURCE_ITEMS = ("pyproject.toml", "constraints.txt", "README.md", "conftest.py", "checks", "stack", "labs", "solutions")
_SKIP = ("__pycache__", "*.pyc", "reports", ".tourlab-state.json", ".pytest_cache", "*.egg-info")

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built.
set -euo pipefail
cd /autograder/source
if ! command -v python3 >/dev/null || ! python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    apt-get update && apt-get install -y python3.11 python3.11-venv && ln -sf "$(command -v python3.11)" /usr/local/bin/python3
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
if [ -f constraints.txt ]; then
    /autograder/venv/bin/pip install -c constraints.txt -e .
else
    /autograder/venv/bin/pip install -e .
fi
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission; results go to $ROOT/results/results.json.
ROOT="${TOURLAB_AUTOGRADER_ROOT:-/autograder}"
PY="${TOURLAB_PYTHON:-/autograder/venv/bin/python}"
cd "$ROOT/source" && exec "$PY" -m checks.gradescope run
"""


def build(out: Path, session: SessionId, *, starter: Path | None = None, time_limit: float = 600.0,
          plugins: Sequence[str] = (), pythonpath: Sequence[str] = (), source: Path = PROJECT) -> Path:
    """Write ``autograder.zip``; ``starter`` (default: the installed lab of ``session``) is bundled if given."""
    config: dict[str, Any] = {"session": session, "time_limit": time_limit, "plugins": list(plugins),
                              "pythonpath": list(pythonpath), "starter": STARTER_DIR if starter else None}
    Instructor.for_session(session, starter)  # fail now, not in Gradescope, if the session has no lab
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        _add_text(bundle, "setup.sh", SETUP_SH)
        _add_text(bundle, "run_autograder", RUN_AUTOGRADER)
        _add_text(bundle, f"source/{CONFIG}", json.dumps(config, indent=2) + "\n", mode=0o644)
        for name in SOURCE_ITEMS:
            _add_tree(bundle, source / name, f"source/{name}")
        if starter:
            _add_tree(bundle, starter, f"source/{STARTER_DIR}")
    return out


def _add_text(bundle: zipfile.ZipFile, name: str, text: str, mode: int = 0o755) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, text)


def _add_tree(bundle: zipfile.ZipFile, path: Path, arcname: str) -> None:
    if path.is_file():
        bundle.write(path, arcname)
        return
    if not path.is_dir():
        return
    ignore = shutil.ignore_patterns(*_SKIP)
    for folder, dirs, files in os.walk(path):
        skipped = ignore(folder, dirs + files)
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        for name in sorted(f for f in files if f not in skipped):
            full = Path(folder, name)
            bundle.write(full, f"{arcname}/{full.relative_to(path).as_posix()}")


def autograder_root() -> Path:
    return Path(os.environ.get(ROOT_ENV, "/autograder"))


def run(root: Path | None = None) -> dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json``; never leaves without a results file."""
    root = root or autograder_root()
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        config = json.loads((root / "source" / CONFIG).read_text())
        starter = root / "source" / config["starter"] if config.get("starter") else None
        instructor = Instructor.for_session(
            parse_session(str(config["session"])), starter, time_limit=float(config.get("time_limit", 600)),
            plugins=tuple(config.get("plugins", ())), pythonpath=tuple(config.get("pythonpath", ())))
        graded = grade_one(root / "submission", "submission", instructor, html=None)
        data = learner_results(graded)
    except Exception as exc:  # noqa: BLE001 - Gradescope must get a results file, with the reason
        data = {"score": 0, "execution_time": round(time.monotonic() - started), "output_format": "text",
                "output": f"The autograder could not grade this submission ({type(exc).__name__}: {exc}). "
                          "Please tell your instructor.", "visibility": "visible", "tests": []}
    (results_dir / "results.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.gradescope", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="write autograder.zip for one session")
    b.add_argument("--session", type=parse_session, required=True, help="a session number, or extension")
    b.add_argument("--out", type=Path, default=Path("autograder.zip"))
    b.add_argument("--starter", type=Path, help="bundle this lab folder as the instructor's (default: installed labs/)")
    b.add_argument("--time-limit", type=float, default=600.0, help="seconds per submission (default: 600)")
    b.add_argument("--plugin", action="append", default=[], help="extra pytest plugin module for the grader")
    b.add_argument("--pythonpath", action="append", default=[], help="where --plugin modules live (inside the image)")
    commands.add_parser("run", help="grade $TOURLAB_AUTOGRADER_ROOT/submission (Gradescope's run_autograder)")
    args = parser.parse_args(argv)
    if args.command == "build":
        path = build(args.out, args.session, starter=args.starter, time_limit=args.time_limit,
                     plugins=args.plugin, pythonpath=args.pythonpath)
        print(f"wrote {path} (session {args.session}); upload it as the Gradescope autograder")
        return 0
    data = run()
    print(f"score {data['score']}/{sum(t.get('max_score', 0) for t in data.get('tests', []))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
