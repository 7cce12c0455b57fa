"""Benchmark: ``pytest labs/NAME`` end to end (issues 6 and 8: under 3 s; session 3 with its mutation grading).

The 2-core machine is shared and noisy, so every figure is measured in the same run as its baseline:
the floor (a fresh interpreter running ``import boto3, moto; from moto import mock_aws``), then the
whole grading run of a copy of the starter and of the solution (pytest start-up, the deployment or
sandboxes, the summary and the HTML report), each as learners run it and with ``--in-process``. For each it
prints the wall time and the CPU time of the subprocess (user + system, from ``getrusage``: CPU time
barely moves when a neighbour takes a core, wall time does), their medians and their ratios to the
floor's. Runs are interleaved (floor, starter, solution, floor, ...) so a burst of load hits all three.
Run: ``python bench/bench_session3.py [R]`` (R repetitions, default 5); ``bench_session1.py`` is the
same for session 1.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = "import boto3, moto; from moto import mock_aws"
#: How each lab is graded: as a learner's command runs it (slow work in forked children, see
#: checks/background.py), and all in one process (the baseline that shows what forking saves).
MODES = ("", " --in-process")


def timed(args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one subprocess."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = os.times()  # the children's CPU includes a run's forked children: they are waited for
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def line(label: str, runs: list[tuple[float, float]], base: tuple[float, float] | None) -> str:
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    text = (f"{label:<44} wall median {wall:5.2f} s (min {min(w for w, _ in runs):.2f})   "
            f"CPU median {cpu:5.2f} s (min {min(c for _, c in runs):.2f})")
    if base is not None:
        text += f"   ratio to floor: wall {wall / base[0]:.1f}x, CPU {cpu / base[1]:.1f}x"
    return text


def main(repeat: int = 5, name: str = "session3") -> None:
    """Time ``pytest labs/NAME`` and ``pytest solutions/NAME`` (``bench_extension`` passes its own lab)."""
    with tempfile.TemporaryDirectory() as tmp:
        labs = {}
        for kind in ("labs", "solutions"):
            target = Path(tmp) / kind / name
            shutil.copytree(ROOT / kind / name, target,
                            ignore=shutil.ignore_patterns("reports", ".tourlab-state.json", "__pycache__"))
            labs[kind] = target
        runs: dict[str, list[tuple[float, float]]] = {"floor": []}
        for _ in range(repeat):
            runs["floor"].append(timed([sys.executable, "-c", FLOOR]))
            for kind, lab in labs.items():
                for mode in MODES:
                    runs.setdefault(f"pytest {kind}/{name}{mode}", []).append(
                        timed([sys.executable, "-m", "pytest", str(lab), "-q", "-p", "no:cacheprovider", *mode.split()]))
        assert all((lab / "reports" / "report.html").is_file() for lab in labs.values()), "no HTML report written"
    base = (statistics.median(w for w, _ in runs["floor"]), statistics.median(c for _, c in runs["floor"]))
    print(line("floor (import boto3, moto)", runs.pop("floor"), None))
    for label, times in runs.items():
        print(line(label, times, base))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
