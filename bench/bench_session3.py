"""Benchmark: ``pytest labs/session3`` end to end (issue 8: under 3 s, mutation grading included).

The 2-core machine is shared and noisy, so every figure is measured in the same run as its baseline:
the floor (a fresh interpreter running ``import boto3, moto; from moto import mock_aws``), then the
whole grading run of a copy of the starter and of the solution (pytest start-up, the one sandbox, the
three exercises that run handlers, the case studies, the summary and the HTML report). For each it
prints the wall time and the CPU time of the subprocess (user + system, from ``getrusage``: CPU time
barely moves when a neighbour takes a core, wall time does), their medians and their ratios to the
floor's. Runs are interleaved (floor, starter, solution, floor, ...) so a burst of load hits all three.
Run: ``python bench/bench_session3.py [R]`` (R repetitions, default 5).
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


def timed(args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one subprocess."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def line(label: str, runs: list[tuple[float, float]], base: tuple[float, float] | None) -> str:
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    text = (f"{label:<28} wall median {wall:5.2f} s (min {min(w for w, _ in runs):.2f})   "
            f"CPU median {cpu:5.2f} s (min {min(c for _, c in runs):.2f})")
    if base is not None:
        text += f"   ratio to floor: wall {wall / base[0]:.1f}x, CPU {cpu / base[1]:.1f}x"
    return text


def main(repeat: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        labs = {}
        for kind in ("labs", "solutions"):
            target = Path(tmp) / kind / "session3"
            shutil.copytree(ROOT / kind / "session3", target,
                            ignore=shutil.ignore_patterns("reports", ".tourlab-state.json", "__pycache__"))
            labs[kind] = target
        runs: dict[str, list[tuple[float, float]]] = {"floor": [], "labs": [], "solutions": []}
        for _ in range(repeat):
            runs["floor"].append(timed([sys.executable, "-c", FLOOR]))
            for kind, lab in labs.items():
                runs[kind].append(timed([sys.executable, "-m", "pytest", str(lab), "-q", "-p", "no:cacheprovider"]))
        assert all((lab / "reports" / "report.html").is_file() for lab in labs.values()), "no HTML report written"
    base = (statistics.median(w for w, _ in runs["floor"]), statistics.median(c for _, c in runs["floor"]))
    print(line("floor (import boto3, moto)", runs["floor"], None))
    print(line("pytest labs/session3", runs["labs"], base))
    print(line("pytest solutions/session3", runs["solutions"], base))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
