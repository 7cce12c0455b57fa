"""One pass over a lab folder for exercises 3a-3c, shared by all their checks.

Opening a sandbox costs about half a second, so the first check that needs a verdict computes all
of them (events, hidden tests, mutation) and caches them under a fingerprint of the lab files they
read; the other checks of the run (and a re-run with unchanged files, in ``tourlab watch``) only read
the cache. In process that is one sandbox; as a run's background work, two forked processes share
one (:func:`in_two_processes`). A check selected alone with ``-k`` still gets a correct verdict.
"""

from __future__ import annotations

import gc
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks import background
from checks.lab import LabFileError
from checks.session3 import events as ev
from checks.session3 import hidden, mutation
from checks.session3.fixtures import Events, Lambdas, Tables
from stack.casestudies.messages import HANDLERS

if TYPE_CHECKING:  # the sandbox loads moto: imported where one is opened, in the process that grades
    from stack.casestudies.sandbox import Sandbox

HANDLER_FILES = ("seat_inventory_updater.py", "payment_processor.py", "fan_notifier.py", "fan_club_award_processor.py")
TESTS_FILE = "tests/test_handlers.py"


@dataclass
class EventVerdict:
    shape: str | None = None      # None: right shape; else the first wrong field
    behaviour: str | None = None  # None: the scenario's branch; else what happened
    missing: LabFileError | None = None


@dataclass
class Verdicts:
    events: dict[str, EventVerdict] = field(default_factory=dict)
    hidden: dict[str, str | None] = field(default_factory=dict)  # test id -> failure message or None
    handler_problem: str | None = None
    mutation: mutation.MutationReport | None = None
    tests_problem: str | None = None


_cache: dict[tuple[str, str], Verdicts] = {}
_lock = threading.Lock()


def _fingerprint(lab: Path) -> str:
    digest = hashlib.sha256()
    for relpath in [s.file for s in ev.SCENARIOS] + [f"handlers/{f}" for f in HANDLER_FILES] + ["handlers/ticketing_common.py", TESTS_FILE]:
        path = lab / relpath
        digest.update(relpath.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"<missing>") + b"\0")
    return digest.hexdigest()


#: The verdicts as a memo key: a run from the command line computes them in a forked child (see
#: BACKGROUND in :mod:`checks.session3`), which grades 3a-3b while a child of its own grades 3c.
VERDICTS_KEY = "session3:verdicts"


def verdicts(ctx: Any) -> Verdicts:
    """The cached verdicts for ``ctx.lab`` (computed on first use)."""
    memo = getattr(ctx, "memo", None)  # one fingerprint per run (30 checks ask), a fresh one per run
    key = (str(ctx.lab), memo("s3-fingerprint", lambda c: _fingerprint(c.lab)) if memo else _fingerprint(ctx.lab))
    with _lock:
        if key not in _cache:
            _cache.clear()
            _cache[key] = memo(VERDICTS_KEY, _compute) if memo else _compute(ctx)
        return _cache[key]


def in_two_processes(ctx: Any) -> Verdicts:
    """The verdicts from two processes at once (background work: this process is a forked child).

    The sandbox is opened and the reference handlers loaded first, once; then a child of this
    process, which starts with its own copy of all of it, grades 3c (the mutants: the longest part)
    while this one grades 3a and 3b. Were that child's result lost, 3c is graded here afterwards:
    the verdicts never depend on forking.
    """
    with _reference_sandbox() as (sandbox, reference):
        tests = background.Job.start(lambda: _tests(ctx, sandbox, reference, Verdicts()))
        result = _events_and_handlers(ctx, sandbox, Verdicts())
        try:
            graded = tests.result()
        except background.Unavailable:
            graded = _tests(ctx, sandbox, reference, Verdicts())
    result.mutation, result.tests_problem = graded.mutation, graded.tests_problem
    return result


def _compute(ctx: Any) -> Verdicts:
    """All verdicts in one process (in process: class grading, ``tourlab watch``, the self-tests)."""
    with _reference_sandbox() as (sandbox, reference):
        return _tests(ctx, sandbox, reference, _events_and_handlers(ctx, sandbox, Verdicts()))


@contextmanager
def _reference_sandbox() -> Iterator[tuple[Sandbox, Path]]:
    """An open sandbox running the reference handlers, and their staged folder."""
    from stack.casestudies.sandbox import Sandbox

    _freeze()
    with Sandbox() as sandbox:
        reference = sandbox.staged(HANDLERS, "reference")
        sandbox.use(reference)
        yield sandbox, reference


def _events_and_handlers(ctx: Any, sandbox: Sandbox, result: Verdicts) -> Verdicts:
    """3a and 3b: the learner's events on the reference handlers, the hidden tests on theirs."""
    for scenario in ev.SCENARIOS:
        result.events[scenario.file] = _event(ctx, sandbox, scenario)
    _hidden(ctx, sandbox, result)
    return result


def _tests(ctx: Any, sandbox: Sandbox, reference: Path, result: Verdicts) -> Verdicts:
    """3c: the learner's tests on the reference handlers, then on each mutant."""
    _mutation(ctx, sandbox, result, reference)
    return result


def _freeze() -> None:
    # Everything alive now (imported modules, parsed service models) lives as long as the process:
    # moving it out of the collector's sight makes each full collection (the interpreter's own during
    # grading, and pytest's at the end of the run) scan only what grading creates. Measured: about
    # half a second of a 3-second run on the 2-core machine.
    gc.freeze()


def _event(ctx: Any, sandbox: Sandbox, scenario: ev.Scenario) -> EventVerdict:
    try:
        event = ctx.data(scenario.file)
    except LabFileError as exc:
        return EventVerdict(missing=exc)
    try:
        found = ev.check_shape(scenario, event)
    except ev.ShapeError as exc:
        return EventVerdict(shape=f"{scenario.file}: {exc}", behaviour="not run: fix the shape first")
    sandbox.reset()
    problem = ev.behaviour(sandbox, scenario, event, found)
    return EventVerdict(behaviour=None if problem is None else f"{scenario.file} ({scenario.what}): {problem}")


def _hidden(ctx: Any, sandbox: Sandbox, result: Verdicts) -> None:
    folder = ctx.lab / "handlers"
    missing = [f for f in HANDLER_FILES if not (folder / f).is_file()]
    if missing:
        result.handler_problem = f"handlers/{missing[0]}: not found (restore it with `tourlab reset fix-handlers`)"
        return
    staged = sandbox.staged(folder, "learner")
    sandbox.use(staged, "SeatInventoryUpdater", "PaymentProcessor", "FanNotifier", "FanClubAwardProcessor")
    for name in ("SeatInventoryUpdater", "PaymentProcessor", "FanNotifier", "FanClubAwardProcessor"):
        problem = sandbox.init_error(name)
        if problem:
            result.handler_problem = f"{name} cannot start: {problem}"
    for test in hidden.ALL:
        sandbox.reset()
        if (problem := sandbox.init_error(test.function)) is not None:
            result.hidden[test.id] = f"{test.function} cannot start: {problem}"
            continue
        try:
            test.run(Lambdas(sandbox), Events(), Tables(sandbox))
            result.hidden[test.id] = None
        except AssertionError as exc:
            result.hidden[test.id] = str(exc)
        except Exception as exc:  # noqa: BLE001 - a crash of the learner's handler surfaced through the test
            result.hidden[test.id] = f"{type(exc).__name__}: {exc}"


def _mutation(ctx: Any, sandbox: Sandbox, result: Verdicts, reference: Path) -> None:
    path = ctx.lab / TESTS_FILE
    if not path.is_file():
        result.tests_problem = f"{TESTS_FILE}: not found"
        return
    try:
        cases = mutation.collect(path)
    except mutation.CollectError as exc:
        result.tests_problem = f"tests/{exc}"
        return
    if not cases:
        result.tests_problem = f"{TESTS_FILE}: no test functions (their names start with test_)"
        return
    result.mutation = mutation.evaluate(cases, sandbox, reference=reference)
