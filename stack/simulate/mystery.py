"""Exercise 2c's data for learners: whose mystery on-sale, its metrics in the offline CloudWatch, its CSV.

- The mystery seed lives in the lab folder's ``seed.toml`` (``seed = 1234``, written by
  ``tourlab seed --learner ID LAB_DIR``); without that file the lab's default seed applies, the one
  ``solutions/session2`` answers. The grader reads the same file (``checks/session2/data.py``) and
  regenerates the ground truth from it, so an answer copied from a neighbour with another seed fails.
- :func:`load_into` writes a run into a CloudWatch client (the offline cloud's), where boto3's
  ``get_metric_data`` / ``get_metric_statistics`` read it; ``investigate.py`` in the lab folder shows how.
- :func:`write_csv` exports a run for learners who prefer a spreadsheet (``tourlab export-csv``).

The ground truth itself (:func:`stack.simulate.scenarios.mysteries`) is never printed by these tools.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stack.cloud.metrics import put_all
from stack.simulate import scenarios
from stack.simulate.store import MetricStore

SEED_FILE = "seed.toml"


class SeedError(ValueError):
    """``seed.toml`` exists but does not hold a whole-number ``seed``."""


def read_seed(lab: Path) -> int:
    """The mystery seed of a lab folder: ``seed.toml``'s ``seed``, or the lab's default seed."""
    path = Path(lab) / SEED_FILE
    if not path.is_file():
        return scenarios.DEFAULT_SEED
    try:
        seed = tomllib.loads(path.read_text(encoding="utf-8")).get("seed")
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(f"{path}: invalid TOML: {exc}") from None
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise SeedError(f"{path}: `seed` must be a whole number (ask your instructor for yours)")
    return seed


def write_seed(lab: Path, seed: int, learner: str | None = None) -> Path:
    """Record ``seed`` (for ``learner``, if given) in ``LAB/seed.toml``; returns the file."""
    path = Path(lab) / SEED_FILE
    path.write_text(seed_text(seed, learner), encoding="utf-8")
    return path


def seed_text(seed: int, learner: str | None = None) -> str:
    """The content of ``seed.toml`` (``learner`` is recorded so the grader can tell a changed seed)."""
    who = f"learner = {json.dumps(learner)}\n" if learner else ""
    return ("# Exercise 2c: the seed of YOUR mystery on-sale. The grader regenerates the incidents from it:\n"
            "# keep it as your instructor wrote it (`tourlab reset 2c` restores the lab's default seed).\n"
            f"seed = {seed}\n{who}")


def mystery_run(seed: int) -> MetricStore:
    """The metric data of the mystery on-sale of ``seed`` (incidents included, truth not exposed)."""
    return scenarios.run(scenarios.mysteries(seed), seed)


def baseline_run() -> MetricStore:
    """A healthy on-sale of the same size (last week's, no incident): what normal looks like."""
    return scenarios.healthy()


def load_into(cloudwatch: Any, store: MetricStore) -> int:
    """Write every datapoint of ``store`` into ``cloudwatch`` (a boto3 client); returns the count."""
    return put_all(cloudwatch, store.entries())


def write_csv(store: MetricStore, path: Path) -> int:
    """Export ``store`` as CSV (``timestamp, namespace, metric, dimension, sum, samplecount, minimum,
    maximum``, one row per metric and minute with data); returns the rows written."""
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        for rows, row in enumerate(store.csv_rows()):
            writer.writerow(row)
    return rows


def _lab_dir(value: str) -> Path:
    lab = Path(value)
    if not (lab / "lab.toml").is_file():
        raise argparse.ArgumentTypeError(f"{value} is not a lab folder (no lab.toml in it)")
    return lab


def seed_main(argv: Sequence[str]) -> int:
    """``tourlab seed (--learner ID | --seed N) [LAB_DIR]``: write a learner's mystery seed into their lab folder."""
    parser = argparse.ArgumentParser(prog="tourlab seed", description=seed_main.__doc__.split(": ", 1)[1])
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--learner", help="derive the seed from this learner id (stable: the same id, the same seed)")
    who.add_argument("--seed", type=int, help="use this seed")
    parser.add_argument("lab", nargs="?", default=".", type=_lab_dir, help="the learner's lab folder (default: .)")
    args = parser.parse_args(list(argv))
    seed = scenarios.learner_seed(args.learner) if args.learner is not None else args.seed
    path = write_seed(args.lab, seed, args.learner)
    print(f"wrote {path}: seed = {seed}" + (f" (learner {args.learner})" if args.learner else ""))
    return 0


def export_main(argv: Sequence[str]) -> int:
    """``tourlab export-csv [LAB_DIR] [-o FILE] [--baseline]``: the mystery on-sale's metrics as CSV."""
    parser = argparse.ArgumentParser(prog="tourlab export-csv", description=export_main.__doc__.split(": ", 1)[1])
    parser.add_argument("lab", nargs="?", default=".", type=_lab_dir, help="your lab folder (default: .)")
    parser.add_argument("-o", "--output", type=Path, help="CSV file to write (default: LAB/mystery.csv or LAB/baseline.csv)")
    parser.add_argument("--baseline", action="store_true", help="export the healthy on-sale instead (no incident)")
    args = parser.parse_args(list(argv))
    try:
        seed = read_seed(args.lab)
    except SeedError as exc:
        print(f"tourlab export-csv: {exc}", file=sys.stderr)
        return 2
    store = baseline_run() if args.baseline else mystery_run(seed)
    output = args.output or args.lab / ("baseline.csv" if args.baseline else "mystery.csv")
    rows = write_csv(store, output)
    what = "healthy baseline on-sale" if args.baseline else f"mystery on-sale (seed {seed})"
    print(f"wrote {output}: {rows} rows, the {what}, minutes 0-{store.minutes - 1} from {store.start.isoformat()}")
    return 0
