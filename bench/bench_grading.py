"""Class grading speed: N generated submissions of one session, graded like ``python -m checks.grade``.

    python bench/bench_grading.py [--count 100] [--jobs N] [--real]

By default the submissions are of the self-tests' fake session 7 (no moto in the child, so the figure
is the grading machinery: process start, isolation, pytest, reports). ``--real`` grades copies of
``labs/session1`` and ``solutions/session1`` instead, when they are installed.
Target: 100 submissions in under 180 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks.grade import find_submissions, grade_class  # noqa: E402
from checks.isolation import Instructor  # noqa: E402
from checks.lab import installed_lab  # noqa: E402


def fake_class(folder: Path, count: int) -> Instructor:
    from tests.instructor.conftest import KINDS, make_submission
    from tests.instructor.fake_session_plugin import STARTER, write_lab

    kinds = [k for k in KINDS if k not in {"hanging", "writing"}]
    for n in range(count):
        make_submission(folder / "subs" / f"learner-{n:03d}", kinds[n % len(kinds)])
    starter = write_lab(folder / "starter", STARTER)
    return Instructor.for_session(7, starter, time_limit=60, plugins=("tests.instructor.fake_session_plugin",),
                                  pythonpath=(str(ROOT),))


def real_class(folder: Path, count: int) -> Instructor:
    starter, solution = installed_lab("labs", 1), installed_lab("solutions", 1)
    for n in range(count):
        shutil.copytree(solution if n % 2 else starter, folder / "subs" / f"learner-{n:03d}")
    return Instructor.for_session(1, starter, time_limit=300)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--real", action="store_true", help="grade copies of labs/session1 and solutions/session1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        instructor = (real_class if args.real else fake_class)(folder, args.count)
        submissions = find_submissions(folder / "subs")
        started = time.monotonic()
        graded = grade_class(submissions, instructor, folder / "out", args.jobs)
        seconds = time.monotonic() - started
    jobs = args.jobs or os.cpu_count()
    statuses = Counter(g.status for g in graded)
    print(f"session {instructor.session}: {len(graded)} submissions, {jobs} jobs on {os.cpu_count()} cores: "
          f"{seconds:.1f} s total, {seconds / len(graded):.2f} s per submission "
          f"({seconds * 100 / len(graded):.0f} s per 100; target < 180 s on 2 cores); status {dict(statuses)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
