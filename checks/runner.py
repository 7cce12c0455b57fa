"""Run one check against a lab folder under a time limit and turn whatever happens into a record.

Every exit is labelled: a result, a learner file that cannot be read, a time-out, or a bug in the
check itself. None of them raises: grading goes on.
"""

from __future__ import annotations

import traceback

from checks.check import Check, Evidence, Result
from checks.context import CheckContext
from checks.lab import Exercise, LabFileError
from checks.record import CheckRecord
from stack.cloud.deadline import call_with_deadline


def run_check(check: Check, ctx: CheckContext, exercise: Exercise, exercise_index: int, number: str) -> CheckRecord:
    """Grade ``check`` on ``ctx.lab``; the record says why it scored what it scored."""
    outcome = call_with_deadline(check.code.run, check.code.timeout, ctx)
    if outcome.timed_out:
        still = " It is still running in the background; its result is ignored." if outcome.abandoned else ""
        result = Result.fail(
            f"stopped after {check.code.timeout:g} s: the check did not finish in time. "
            f"Does a handler loop forever, or wait for something that never comes?{still}"
        )
    elif isinstance(outcome.error, LabFileError):
        result = Result.fail(str(outcome.error))
    elif outcome.error is not None:
        result = _internal_error(check, outcome.error)
    elif isinstance(outcome.value, Result):
        result = outcome.value
    else:
        result = _internal_error(check, TypeError(f"returned {type(outcome.value).__name__}, not a Result"))
    return CheckRecord(
        lab=str(ctx.lab),
        lab_title=ctx.manifest.title,
        session=ctx.manifest.session,
        exercise=exercise.id,
        exercise_title=exercise.title,
        exercise_index=exercise_index,
        number=number,
        check_id=check.id,
        title=check.words.title,
        hint=check.words.hint,
        docs=check.words.docs,
        visibility=check.code.visibility,
        score=result.score(check.code.points),
        max_score=check.code.points,
        passed=result.complete,
        message=result.message or _parts_message(result),
        evidence=result.evidence,
    )


def _parts_message(result: Result) -> str:
    return "" if result.complete else f"{result.passed} of {result.total} parts right"


def _internal_error(check: Check, error: BaseException) -> Result:
    """A bug in our check code, not in the learner's work: say so, keep the traceback as evidence."""
    trace = "".join(traceback.format_exception(error))
    return Result.fail(
        f"internal error in check {check.id} ({type(error).__name__}: {error}). "
        "This is a problem with the lab, not your work: please tell your instructor.",
        [Evidence.text("traceback (for the instructor)", trace)],
    )
