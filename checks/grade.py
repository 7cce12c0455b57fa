"""Grade a class: ``python -m checks.grade SUBMISSIONS_DIR --session N --out OUT_DIR``.

Each sub-folder (or ``.zip``) of ``SUBMISSIONS_DIR`` is one learner's copy of the session's lab
folder. Each is graded in its own process with a time limit and the instructor's checks only
(:mod:`checks.isolation`), in parallel over the cores, with a progress bar on stderr. Output::

    OUT_DIR/index.html                      class summary: distribution, most-failed checks, learners
    OUT_DIR/gradebook.csv                   learner, total, max, one column per exercise, status, ...
    OUT_DIR/learners/NAME/report.html       what the learner gets back (hidden checks masked)
    OUT_DIR/learners/NAME/results.json      Gradescope shape; the gradebook row is its sum

A submission that hangs, crashes or tampers gets 0 for what could not be graded and a reason; the
batch goes on.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, TextIO

from checks.isolation import Graded, Instructor, WarmPool, grade_one
from checks.lab import LabFileError, parse_session
from checks.report import html as html_report
from checks.report.class_report import LearnerRow, render
from checks.report.results_json import results
from checks.report.scorecard import Scorecard
from checks.visibility import learner_view

LEARNERS_DIR = "learners"


@dataclass(frozen=True)
class Submission:
    learner: str
    path: Path


def find_submissions(folder: Path) -> list[Submission]:
    """Sub-folders and zips, by name; a learner name is made safe for a path and kept unique."""
    found: list[Submission] = []
    taken: set[str] = set()
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not (path.is_dir() or path.suffix.lower() == ".zip"):
            continue
        base = re.sub(r"[^A-Za-z0-9._@-]+", "_", path.stem if path.is_file() else path.name).strip("._") or "learner"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name)
        found.append(Submission(name, path))
    return found


def learner_results(graded: Graded) -> dict[str, Any]:
    """results.json: tests as graded (each with its visibility), summary text as the learner sees it."""
    data = results(Scorecard.from_records(graded.records), graded.seconds)
    shown = results(Scorecard.from_records(learner_view(r) for r in graded.records), graded.seconds)
    extra = [f"status: {graded.status} ({graded.reason})"] if graded.reason else []
    data["output"] = "\n".join([shown["output"], *extra, *graded.notes])
    data["extra_data"] = {"learner": graded.learner, "status": graded.status, "reason": graded.reason,
                          "notes": list(graded.notes), "seconds": round(graded.seconds, 2)}
    return data


def fallback_report(graded: Graded) -> str:
    """The learner's report when the child's own is missing or cannot be trusted: static HTML."""
    card = Scorecard.from_records(learner_view(r) for r in graded.records)
    notes = ([f"{graded.status}: {graded.reason}"] if graded.reason else []) + list(graded.notes)
    items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Grade report</title></head><body>"
            f"<h1>World Tour Ticketing Labs: grade report</h1><ul class=\"notes\">{items}</ul>"
            f"{html_report.score_header(card)}</body></html>\n")


def write_learner(graded: Graded, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(learner_results(graded), indent=2) + "\n", encoding="utf-8")
    if graded.child_report is None:
        (folder / "report.html").write_text(fallback_report(graded), encoding="utf-8")


def write_gradebook(path: Path, graded: Sequence[Graded], exercises: Sequence[str]) -> None:
    """nbgrader/otter-like: one row per learner, total and max, one column per exercise."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["learner", "total", "max", *exercises, "status", "seconds", "notes"])
        for g in sorted(graded, key=lambda g: g.learner):
            per = {e: round(sum(r.score for r in g.records if r.exercise == e), 2) for e in exercises}
            notes = "; ".join(([g.reason] if g.reason else []) + list(g.notes))
            writer.writerow([g.learner, f"{g.score:g}", g.max_score, *(f"{per[e]:g}" for e in exercises), g.status,
                             f"{g.seconds:.2f}", notes])


class Progress:
    """``[#######-------------] 12/30  name``: redrawn in place on a terminal, a line per 10 % otherwise."""

    def __init__(self, total: int, stream: TextIO = sys.stderr) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.tty = stream.isatty()
        self.started = time.monotonic()

    def step(self, label: str) -> None:
        self.done += 1
        filled = round(30 * self.done / self.total) if self.total else 30
        line = f"[{'#' * filled}{'-' * (30 - filled)}] {self.done}/{self.total}  {time.monotonic() - self.started:5.1f} s  {label}"
        if self.tty:
            self.stream.write("\r" + line[:100].ljust(100))
            if self.done == self.total:
                self.stream.write("\n")
        elif self.done == self.total or self.done * 10 // self.total != (self.done - 1) * 10 // self.total:
            self.stream.write(line + "\n")
        self.stream.flush()


def grade_class(submissions: Sequence[Submission], instructor: Instructor, out: Path, jobs: int | None = None,
                progress: Callable[[str], None] | None = None) -> list[Graded]:
    """Grade every submission (``jobs`` at a time) and write every output file; returns the grades."""
    started = time.monotonic()
    learners = out / LEARNERS_DIR
    learners.mkdir(parents=True, exist_ok=True)
    jobs = jobs or os.cpu_count() or 1
    graded: list[Graded] = []
    with WarmPool(instructor) as warm, ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_one, s.path, s.learner, instructor, learners / s.learner / "report.html", warm=warm): s
                   for s in submissions}
        for future in as_completed(futures):
            submission = futures[future]
            g = future.result()
            write_learner(g, learners / submission.learner)
            graded.append(g)
            if progress:
                progress(f"{submission.learner}: {g.score:g}/{g.max_score} {'' if g.status == 'ok' else g.status}")
    manifest = instructor.manifest
    write_gradebook(out / "gradebook.csv", graded, [e.id for e in manifest.exercises])
    rows = [LearnerRow(g.learner, g.score, g.max_score, g.status, g.reason, g.notes, g.records,
                       f"{LEARNERS_DIR}/{g.learner}/report.html", f"{LEARNERS_DIR}/{g.learner}/results.json")
            for g in graded]
    (out / "index.html").write_text(render(manifest.title, instructor.session, rows, time.monotonic() - started),
                                    encoding="utf-8")
    return graded


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m checks.grade", description="Grade a class of lab submissions.")
    p.add_argument("submissions", type=Path, help="folder with one sub-folder or .zip per learner")
    p.add_argument("--session", type=parse_session, required=True,
                   help="the session the submissions are graded as: a number, or extension")
    p.add_argument("--out", type=Path, required=True, help="output folder (created)")
    p.add_argument("--starter", type=Path, help="the instructor's lab folder (default: the installed labs/ one)")
    p.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: the cores)")
    p.add_argument("--time-limit", type=float, default=300.0, help="seconds per submission (default: 300)")
    p.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                   help="extra pytest plugin for the graders (instructor's; e.g. a test session)")
    p.add_argument("--pythonpath", action="append", default=[], metavar="DIR", help="where --plugin modules live")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        instructor = Instructor.for_session(args.session, args.starter, time_limit=args.time_limit,
                                            plugins=tuple(args.plugin),
                                            pythonpath=tuple(str(Path(p).resolve()) for p in args.pythonpath))
    except LabFileError as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    if not args.submissions.is_dir():
        print(f"grade: {args.submissions} is not a folder", file=sys.stderr)
        return 2
    submissions = find_submissions(args.submissions)
    bar = Progress(len(submissions))
    started = time.monotonic()
    graded = grade_class(submissions, instructor, args.out, args.jobs, bar.step)
    seconds = time.monotonic() - started
    problems = [g for g in graded if g.status != "ok"]
    print(f"graded {len(graded)} submissions in {seconds:.1f} s ({seconds / max(len(graded), 1):.2f} s each); "
          f"{len(problems)} with problems")
    for g in sorted(problems, key=lambda g: g.learner):
        print(f"  {g.learner}: {g.status}: {g.reason}")
    print(f"gradebook: {args.out / 'gradebook.csv'}\nsummary:   {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
