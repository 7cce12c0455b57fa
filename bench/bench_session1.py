"""Benchmark: ``pytest labs/session1`` end to end (summary printed, HTML report written), issue 6.

The same measurement as ``bench_session3.py`` (floor, starter and solution as learners run them and
``--in-process``, wall and CPU, interleaved, ratios to the floor), for session 1: pytest start-up, the
static policy checks, the one deployment with two purchases, the report.
Run: ``python bench/bench_session1.py [R]``.
"""

from __future__ import annotations

import sys

from bench import bench_session3

if __name__ == "__main__":
    bench_session3.main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, "session1")
