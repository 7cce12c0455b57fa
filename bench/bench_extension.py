"""Benchmark: ``pytest labs/extension`` end to end (issue 11: well under 3 s).

The method of :mod:`bench.bench_session3` (a floor measured in the same run, interleaved runs of a copy
of the starter and of the solution, wall and CPU medians and their ratios to the floor) on the
extension lab. Run: ``python bench/bench_extension.py [R]`` (R repetitions, default 5).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bench_session3 import main  # noqa: E402 - after the repository root is importable

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, name="extension")
