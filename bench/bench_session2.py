"""Benchmark of the session 2 simulator (issue 7): 100,000 purchases -> 2 hours of 1-minute metrics for
every queue, DLQ, the topic and five functions. Target: under 2 s. Also prints the time to load the
result into moto's CloudWatch (``put_all``), which the lab never needs. Run: ``python bench/bench_session2.py``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stack.simulate.model import Config, simulate  # noqa: E402


def main() -> None:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        store = simulate(Config())
        times.append(time.perf_counter() - start)
    points = sum(1 for _ in store.entries())
    print(f"simulate 100,000 purchases / 120 min: best {min(times):.3f} s of 3 ({len(store.series)} metrics, {points} datapoints)")
    from stack.cloud.metrics import put_all
    from stack.cloud.offline import OfflineCloud
    with OfflineCloud() as cloud:
        start = time.perf_counter()
        written = put_all(cloud.client("cloudwatch"), store.entries())
        print(f"put_all into moto CloudWatch: {written} datapoints in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
