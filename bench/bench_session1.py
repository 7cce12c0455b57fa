"""Benchmark: ``pytest labs/session1`` end to end (summary printed, HTML report written), issue 6.

Prints, for R repetitions in fresh interpreters of the same Python: the floor (``import boto3, moto``),
the whole grading run of a copy of the starter and of the solution (wall time of the subprocess, which
includes pytest start-up, the one deployment and the HTML report), and each median's ratio to the
floor. The acceptance target is under 3 s on the 2-core machine; ratios travel across machines better
than seconds. Run: ``python bench/bench_session1.py [R]``.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = "import boto3, moto; from moto import mock_aws"


def timed(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - started


def main(repeat: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        labs = {}
        for kind in ("labs", "solutions"):
            target = Path(tmp) / kind / "session1"
            shutil.copytree(ROOT / kind / "session1", target, ignore=shutil.ignore_patterns("reports", ".tourlab-state.json"))
            labs[kind] = target
        floor = [timed([sys.executable, "-c", FLOOR], ROOT) for _ in range(repeat)]
        runs = {kind: [timed([sys.executable, "-m", "pytest", str(lab), "-q", "-p", "no:cacheprovider"], ROOT) for _ in range(repeat)]
                for kind, lab in labs.items()}
        assert all((lab / "reports" / "report.html").is_file() for lab in labs.values()), "no HTML report written"
    base = statistics.median(floor)
    print(f"floor (import boto3, moto)      median {base:.2f} s   runs {', '.join(f'{t:.2f}' for t in floor)}")
    for kind, times in runs.items():
        median = statistics.median(times)
        print(f"pytest {kind}/session1{' ' * (14 - len(kind))}median {median:.2f} s   runs {', '.join(f'{t:.2f}' for t in times)}   "
              f"ratio to floor {median / base:.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
