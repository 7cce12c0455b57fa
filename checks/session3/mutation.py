"""Exercise 3c: run the learner's tests on the reference handlers, then on every mutant.

The tests are collected and run here, in process, without a nested pytest run (which would cost a
second of start-up per mutant): a test is a module-level ``test_*`` function whose parameters are
the fixtures ``lambdas``, ``events``, ``tables`` (``checks.session3.fixtures``), ``monkeypatch`` or
``tmp_path``; ``@pytest.mark.parametrize`` is honoured. A test passes when it returns, fails when it
raises (an assertion or anything else) and is skipped by ``pytest.skip``.

Scoring, as the issue asks: a mutant is killed when at least one test that passes on the reference
handlers fails on it. Tests that fail on the reference are reported and ignored (they would "kill"
everything). A test that asserts nothing never fails, so it kills nothing. Only tests that invoked a
function a mutant changes are run against that mutant, and each mutant stops at its first kill.
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import re
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from checks.session3.fixtures import Events, Lambdas, Tables
from checks.session3.mutants import MUTANTS, Mutant
from stack.casestudies.messages import HANDLERS

if TYPE_CHECKING:  # the sandbox loads moto: only the forked children that run handlers import it
    from stack.casestudies.sandbox import Sandbox

FIXTURES = ("lambdas", "events", "tables", "monkeypatch", "tmp_path")


class CollectError(Exception):
    """The test file cannot be imported or asks for something the grader does not provide."""


@dataclass(frozen=True)
class TestCase:
    name: str
    function: Callable[..., Any]
    arguments: dict[str, Any]
    fixtures: tuple[str, ...]
    words: frozenset[str] = frozenset()  # of its source and arguments: only to order the runs


@dataclass
class Outcome:
    passed: bool
    skipped: bool = False
    message: str = ""
    invoked: frozenset[str] = frozenset()


@dataclass
class MutationReport:
    tests: list[str] = field(default_factory=list)
    reference: dict[str, Outcome] = field(default_factory=dict)
    killed: dict[str, str] = field(default_factory=dict)  # mutant id -> test that killed it
    survived: list[Mutant] = field(default_factory=list)

    @property
    def passing(self) -> list[str]:
        return [name for name, outcome in self.reference.items() if outcome.passed and not outcome.skipped]


def collect(path: Path) -> list[TestCase]:
    """Import the learner's test module from ``path`` and list its test cases."""
    name = f"_tourlab_tests_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CollectError(f"{path.name}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - learner code
        line = next((f.lineno for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename == str(path)), None)
        where = f"{path.name}:{line}" if line else path.name
        raise CollectError(f"{where}: importing the tests failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.modules.pop(name, None)
    cases: list[TestCase] = []
    for attribute, function in vars(module).items():
        if not attribute.startswith("test") or not inspect.isfunction(function) or function.__module__ != name:
            continue
        parameters = tuple(inspect.signature(function).parameters)
        expansions = _parametrize(function)
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            source = attribute
        for suffix, arguments in expansions:
            unknown = [p for p in parameters if p not in FIXTURES and p not in arguments]
            if unknown:
                raise CollectError(f"{path.name}: {attribute} asks for {', '.join(unknown)}; the fixtures are {', '.join(FIXTURES)}")
            cases.append(TestCase(attribute + suffix, function, arguments, tuple(p for p in parameters if p not in arguments),
                                  words(f"{source} {arguments!r}")))
    return cases


def _parametrize(function: Callable[..., Any]) -> list[tuple[str, dict[str, Any]]]:
    """Expand ``@pytest.mark.parametrize`` marks (stacked marks multiply) into (id suffix, arguments)."""
    marks = [m for m in getattr(function, "pytestmark", []) if m.name == "parametrize"]
    if not marks:
        return [("", {})]
    axes = []
    for mark in marks:
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        rows = []
        for index, value in enumerate(values):
            value = value.values if hasattr(value, "values") and hasattr(value, "marks") else value
            row = dict(zip(names, value if len(names) > 1 else [value]))
            rows.append((str(index), row))
        axes.append(rows)
    expanded = []
    for combination in itertools.product(*axes):
        ids = "-".join(part for part, _ in combination)
        arguments = {k: v for _, row in combination for k, v in row.items()}
        expanded.append((f"[{ids}]", arguments))
    return expanded


def run_case(case: TestCase, sandbox: Sandbox, tmp: Path) -> Outcome:
    sandbox.reset()
    lambdas = Lambdas(sandbox)
    monkeypatch = pytest.MonkeyPatch()
    provided = {"lambdas": lambdas, "events": Events(), "tables": Tables(sandbox), "monkeypatch": monkeypatch,
                "tmp_path": tmp}
    try:
        case.function(**case.arguments, **{name: provided[name] for name in case.fixtures})
    except pytest.skip.Exception as exc:
        return Outcome(True, True, str(exc), frozenset(lambdas.invoked))
    except BaseException as exc:  # noqa: BLE001 - any failure of a learner test, pytest.fail included
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return Outcome(False, False, _failure(exc), frozenset(lambdas.invoked))
    finally:
        monkeypatch.undo()
    return Outcome(True, False, "", frozenset(lambdas.invoked))


def _failure(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "test" in Path(f.filename).name and "checks" not in f.filename]
    where = f" (line {frames[-1].lineno})" if frames else ""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}{where}" + (f": {text}" if text else "")


def mutate(sandbox: Sandbox, mutant: Mutant) -> Path:
    return sandbox.staged(HANDLERS, f"mutant-{mutant.id}-{uuid.uuid4().hex[:8]}", {mutant.file: mutant.source()})


def evaluate(cases: list[TestCase], sandbox: Sandbox, mutants: tuple[Mutant, ...] = MUTANTS, reference: Path | None = None) -> MutationReport:
    """Reference run, then each mutant until a passing test fails on it. ``reference``: a staged copy
    of the reference handlers already in use (loaded handlers are kept); staged here when absent."""
    report = MutationReport(tests=[c.name for c in cases])
    tmp = sandbox.tmp / f"tmp_path-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    reference = reference or sandbox.staged(HANDLERS, f"mutation-reference-{uuid.uuid4().hex[:8]}")
    sandbox.restore(reference)
    for case in cases:
        report.reference[case.name] = run_case(case, sandbox, tmp)
    useful = [c for c in cases if report.reference[c.name].passed and not report.reference[c.name].skipped]
    killers: dict[str, list[str]] = {}  # bug class -> tests that killed one of its mutants, latest first
    for mutant in mutants:
        relevant = [c for c in useful if report.reference[c.name].invoked & set(mutant.functions)]
        if not relevant:
            report.survived.append(mutant)
            continue
        sandbox.use(mutate(sandbox, mutant), *mutant.functions)
        killer = next((c.name for c in _likely_killers_first(relevant, mutant, killers) if not run_case(c, sandbox, tmp).passed), None)
        if killer:
            report.killed[mutant.id] = killer
            seen = killers.setdefault(mutant.bug_class, [])
            seen[:] = [killer, *(k for k in seen if k != killer)]
        else:
            report.survived.append(mutant)
        sandbox.restore(reference, *mutant.functions)
    return report


_WORDS = re.compile(r"[a-z]+|[A-Z][a-z]+|[0-9]+")
_COMMON = frozenset({"the", "a", "an", "of", "to", "is", "in", "on", "for", "and", "or", "not", "if", "else", "with", "def",
                     "test", "self", "none", "true", "false", "return", "assert", "result", "event", "events", "lambdas",
                     "tables", "invoke", "function", "get", "sqs", "id"})


def words(text: str) -> frozenset[str]:
    """Lower-case words of code or prose (``isFanClubMember`` -> is, fan, club, member), minus filler."""
    return frozenset(w.lower() for w in _WORDS.findall(text)) - _COMMON


def _likely_killers_first(relevant: list[TestCase], mutant: Mutant, killers: dict[str, list[str]]) -> list[TestCase]:
    """The order to try tests on a mutant (it stops at the first kill, so a good first guess saves most
    runs; the verdict does not depend on the order): the tests whose source shares the most words with
    the mutant (its id, bug class and the code it changes: a test about "phone" for
    ``crash-on-missing-phone``); among equals, those that killed a mutant of the same bug class
    (latest first); then file order."""
    same = killers.get(mutant.bug_class, [])
    clue = words(f"{mutant.id} {mutant.bug_class} {mutant.old}")

    def rank(case: TestCase) -> tuple[int, int]:
        return (-len(clue & case.words), same.index(case.name) if case.name in same else len(same))

    return sorted(relevant, key=rank)  # stable: file order within a rank


def iter_test_files(folder: Path) -> Iterator[Path]:
    yield from sorted(folder.glob("test_*.py"))
