"""Session 3 checks: Lambda test events (3a), fixing the handlers (3b), tests graded by mutation
(3c), and logs-and-metrics case studies (3d).

Exercises 3a-3c share one grading pass per lab folder (:mod:`checks.session3.grading`); each check
below only reads its verdict. A run from the command line computes them in forked processes while
this process grades 3d (:mod:`checks.background`). Words (titles, hints) live in
``catalogue.toml``.
"""

from __future__ import annotations

from checks.check import CheckCode, Evidence, Result, check
from checks.context import CheckContext
from checks.session3 import casestudies as cs
from checks.session3 import events as ev
from checks.session3 import hidden
from checks.session3 import grading
from checks.session3.grading import verdicts
from checks.session3.mutants import MUTANTS

#: The first check of a run computes the verdicts of 3a-3c for all (one sandbox): seconds, not ten.
TIMEOUT = 60.0


def _event_shape(scenario: ev.Scenario) -> CheckCode:
    name = scenario.file.split("/")[-1].removesuffix(".json")

    @check(f"S3.events.{name}.shape", exercise="test-events", points=1, timeout=TIMEOUT)
    def shape(ctx: CheckContext) -> Result:
        verdict = verdicts(ctx).events[scenario.file]
        if verdict.missing is not None:
            return Result.fail(str(verdict.missing))
        return Result.ok() if verdict.shape is None else Result.fail(verdict.shape)

    return shape


def _event_behaviour(scenario: ev.Scenario) -> CheckCode:
    name = scenario.file.split("/")[-1].removesuffix(".json")

    @check(f"S3.events.{name}.behaviour", exercise="test-events", points=1, timeout=TIMEOUT)
    def behaviour(ctx: CheckContext) -> Result:
        verdict = verdicts(ctx).events[scenario.file]
        if verdict.missing is not None:
            return Result.fail(str(verdict.missing))
        return Result.ok() if verdict.behaviour is None else Result.fail(verdict.behaviour)

    return behaviour


def _hidden_check(test: hidden.HiddenTest, points: int) -> CheckCode:
    @check(f"S3.handlers.{test.id}", exercise="fix-handlers", points=points, timeout=TIMEOUT)
    def run(ctx: CheckContext) -> Result:
        result = verdicts(ctx)
        problem = result.hidden.get(test.id, result.handler_problem or "not run")
        return Result.ok() if problem is None else Result.fail(f"{test.function}: {problem}")

    return run


@check("S3.tests.pass-on-reference", exercise="write-tests", points=2, timeout=TIMEOUT)
def pass_on_reference(ctx: CheckContext) -> Result:
    result = verdicts(ctx)
    if result.tests_problem or result.mutation is None:
        return Result.fail(result.tests_problem or "no tests ran")
    report = result.mutation
    failing = {n: o for n, o in report.reference.items() if not o.passed}
    evidence = [Evidence.text("failing on the reference handlers", "\n".join(f"{n}: {o.message}" for n, o in failing.items()))] if failing else []
    message = (f"{len(failing)} of {len(report.reference)} test(s) fail on the reference (correct) handlers, so they cannot "
               f"judge a mutant: first {next(iter(failing))}: {next(iter(failing.values())).message}") if failing else ""
    return Result.parts(len(report.reference) - len(failing), len(report.reference), message, evidence)


@check("S3.tests.mutation-score", exercise="write-tests", points=8, timeout=TIMEOUT)
def mutation_score(ctx: CheckContext) -> Result:
    result = verdicts(ctx)
    if result.tests_problem or result.mutation is None:
        return Result.parts(0, len(MUTANTS), result.tests_problem or "no tests ran")
    report = result.mutation
    survived = report.survived
    classes = sorted({m.bug_class for m in survived})
    message = (f"{len(report.killed)} of {len(MUTANTS)} mutants killed; survivors by bug class: "
               + ", ".join(f"{c} ({sum(m.bug_class == c for m in survived)})" for c in classes)) if survived else ""
    evidence = [Evidence.json("killed (mutant: the test that caught it)", report.killed)] if report.killed else []
    return Result.parts(len(report.killed), len(MUTANTS), message, evidence)


def _case_checks(case: cs.CaseStudy) -> list[CheckCode]:
    """3d: four checks per incident; they read only the committed events and the two answer files."""

    @check(f"S3.cases.{case.id}.pattern", exercise="case-studies", points=2)
    def pattern(ctx: CheckContext) -> Result:
        patterns = ctx.data(cs.PATTERNS_FILE)
        value = patterns.get(case.id) if isinstance(patterns, dict) else None
        problem = cs.grade_pattern(case, value)
        return Result.ok() if problem is None else Result.fail(problem)

    def answer(ctx: CheckContext, field: str) -> object:
        try:
            return cs.case_answers(ctx.data(cs.ANSWERS_FILE), case).get(field)
        except ValueError as exc:
            return exc

    @check(f"S3.cases.{case.id}.root-cause", exercise="case-studies", points=1)
    def root_cause(ctx: CheckContext) -> Result:
        value = answer(ctx, "root_cause")
        if isinstance(value, ValueError):
            return Result.fail(str(value))
        problem = cs.grade_choice(value, "root_cause", cs.ROOT_CAUSES, frozenset({case.root_cause}), case)
        return Result.ok() if problem is None else Result.fail(problem)

    @check(f"S3.cases.{case.id}.affected-orders", exercise="case-studies", points=2)
    def orders(ctx: CheckContext) -> Result:
        value = answer(ctx, "affected_orders")
        if isinstance(value, ValueError):
            return Result.parts(0, len(cs.affected(case.id)), str(value))
        return Result.parts(*cs.grade_orders(value, case))

    @check(f"S3.cases.{case.id}.fix", exercise="case-studies", points=1)
    def fix(ctx: CheckContext) -> Result:
        value = answer(ctx, "fix")
        if isinstance(value, ValueError):
            return Result.fail(str(value))
        problem = cs.grade_choice(value, "fix", cs.FIXES, case.fixes, case)
        return Result.ok() if problem is None else Result.fail(problem)

    return [pattern, root_cause, orders, fix]


CHECKS: list[CheckCode] = [
    *(f(s) for s in ev.SCENARIOS for f in (_event_shape, _event_behaviour)),
    *(_hidden_check(t, 1) for t in hidden.HAPPY),
    *(_hidden_check(t, 2) for t in hidden.BUGS),
    pass_on_reference,
    mutation_score,
    *(c for case in cs.CASES for c in _case_checks(case)),
]

BACKGROUND = {grading.VERDICTS_KEY: grading.in_two_processes}
