"""All benchmarks in one table: ``python -m bench [--quick]`` (from the repository root).

Rows, measured in this run on this machine:

- the floor: ``import boto3, moto`` in a fresh interpreter (wall and CPU);
- per session (and the extension): ``pytest solutions/sessionN`` on a private copy (summary, HTML report), wall and CPU,
  each as a ratio to the floor (target <= 10x);
- class grading: N generated submissions of session 1 (half starter, half solution) graded like
  ``python -m checks.grade`` on all cores (target: 100 in <= 180 s on 2 cores; ``--quick``: 10);
- the session 2 simulator: purchases simulated per second (100,000 purchases, 2 hours of metrics);
- the policy analysis of the whole system (least privilege of every role and resource policy).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FLOOR = "import boto3, moto; from moto import mock_aws"


def child(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system of the child) seconds of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_pair(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 repetition, 10 submissions")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--count", type=int, default=None, help="submissions for class grading (default 100)")
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)
    count = args.count or (10 if args.quick else 100)
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        floor = median_pair([child([sys.executable, "-c", FLOOR], ROOT) for _ in range(repeat)])
        rows.append(("import boto3, moto (floor)", f"{floor[0]:.2f} s", f"{floor[1]:.2f} s", "1.0x / 1.0x"))
        for session in (1, 2, 3, "extension"):
            source = ROOT / "solutions" / (f"session{session}" if isinstance(session, int) else session)
            if not (source / "lab.toml").is_file():
                continue
            lab = Path(shutil.copytree(source, Path(tmp) / f"s{session}", ignore=shutil.ignore_patterns("reports", ".tourlab-state.json")))
            wall, cpu = median_pair([child([sys.executable, "-m", "pytest", str(lab), "-q", "-p", "no:cacheprovider"], ROOT)
                                     for _ in range(repeat)])
            verdict = "ok" if wall / floor[0] <= 10 else "OVER 10x"
            rows.append((f"grade session {session}", f"{wall:.2f} s", f"{cpu:.2f} s",
                         f"{wall / floor[0]:.1f}x / {cpu / floor[1]:.1f}x {verdict}"))

        from bench.bench_grading import real_class
        from checks.grade import find_submissions, grade_class

        folder = Path(tmp) / "class"
        instructor = real_class(folder, count)
        started = time.perf_counter()
        graded = grade_class(find_submissions(folder / "subs"), instructor, folder / "out")
        seconds = time.perf_counter() - started
        per100 = seconds * 100 / len(graded)
        rows.append((f"class grading, {len(graded)} x session 1, {os.cpu_count()} cores", f"{seconds:.1f} s",
                     f"{seconds / len(graded):.2f} s each", f"{per100:.0f} s per 100 {'ok' if per100 <= 180 else 'OVER 180 s'}"))

    from stack.simulate.model import Config, simulate

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        simulate(Config())
        times.append(time.perf_counter() - started)
    best = min(times)
    rows.append(("session 2 simulator, 100,000 purchases", f"{best:.2f} s", "", f"{100_000 / best:,.0f} purchases/s"))

    from bench.bench_policy import SYSTEM, analyse, timed
    import yaml

    system = yaml.safe_load(SYSTEM.read_text(encoding="utf-8"))
    cold, findings = timed(analyse, system)
    warm = min(timed(analyse, system)[0] for _ in range(repeat))
    rows.append(("policy analysis, whole system", f"{cold * 1000:.0f} ms cold", f"{warm * 1000:.0f} ms warm", f"{findings} findings"))

    widths = [max(len(r[i]) for r in rows + [("what", "wall", "cpu", "ratio / result")]) for i in range(4)]
    header = ("what", "wall", "cpu", "ratio to floor (wall / cpu) or result")
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
