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
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from checks.session3.fixtures import Events, Lambdas, Tables
from checks.session3.mutants import MUTANTS, Mutant
from stack.casestudies.sandbox import HANDLERS, Sandbox

FIXTURES = ("lambdas", "events", "tables", "monkeypatch", "tmp_path")


class CollectError(Exception):
    """The test file cannot be imported or asks for something the grader does not provide."""


@dataclass(frozen=True)
class TestCase:
    name: str
    function: Callable[..., Any]
    arguments: dict[str, Any]
    fixtures: tuple[str, ...]


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
        for suffix, arguments in expansions:
            unknown = [p for p in parameters if p not in FIXTURES and p not in arguments]
            if unknown:
                raise CollectError(f"{path.name}: {attribute} asks for {', '.join(unknown)}; the fixtures are {', '.join(FIXTURES)}")
            cases.append(TestCase(attribute + suffix, function, arguments, tuple(p for p in parameters if p not in arguments)))
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
    return sandbox.staged(HANDLERS, f"mutant-{mutant.id}", {mutant.file: mutant.source()})


def evaluate(cases: list[TestCase], sandbox: Sandbox, mutants: tuple[Mutant, ...] = MUTANTS) -> MutationReport:
    """Reference run, then each mutant until a passing test fails on it."""
    report = MutationReport(tests=[c.name for c in cases])
    tmp = sandbox.tmp / "tmp_path"
    tmp.mkdir(exist_ok=True)
    reference = sandbox.staged(HANDLERS, "reference")
    sandbox.use(reference)
    for case in cases:
        report.reference[case.name] = run_case(case, sandbox, tmp)
    useful = [c for c in cases if report.reference[c.name].passed and not report.reference[c.name].skipped]
    for mutant in mutants:
        relevant = [c for c in useful if report.reference[c.name].invoked & set(mutant.functions)]
        if not relevant:
            report.survived.append(mutant)
            continue
        sandbox.use(mutate(sandbox, mutant), *mutant.functions)
        killer = next((c.name for c in relevant if not run_case(c, sandbox, tmp).passed), None)
        if killer:
            report.killed[mutant.id] = killer
        else:
            report.survived.append(mutant)
        sandbox.use(reference, *mutant.functions)
    return report


def iter_test_files(folder: Path) -> Iterator[Path]:
    yield from sorted(folder.glob("test_*.py"))
