"""Exercise 3b: plausible wrong fixes of the starter's bugs lose points in the check that names them.

Each variant is the solution's handlers with one wrong fix in place of the right one (what a learner
might write, and what a blind trial did write). The hidden behaviour tests run on it through the
grader's own code path (:func:`checks.session3.grading._hidden`), in one sandbox shared by the module;
the check ``S3.handlers.<id>`` fails exactly when its hidden test does. A variant must fail its named
check and no other: it is a fix of that one bug, right everywhere else.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from checks.session3 import grading
from stack.casestudies.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "session3"
PP, SIU, FN = "payment_processor.py", "seat_inventory_updater.py", "fan_notifier.py"

#: The seat updater's transaction, replaced by one conditional update_item per seat (``{order}``:
#: the seats in request order, or reversed).
_PER_SEAT = '''    for seat_number in {order}:
        update = _seat_update(purchase, seat_number)["Update"]
        update.pop("ReturnValuesOnConditionCheckFailure")
        try:
            _dynamodb.update_item(**update)
        except _dynamodb.exceptions.ConditionalCheckFailedException:
            log("ERROR", "seat conflict: order not booked, not retried", order_id, concertId=purchase["concertId"],
                conflicts=[{{"seatNumber": seat_number, "problem": "sold to another order"}}])
            return
    log("INFO", "seats booked"'''
_TRANSACTION_START = "    try:\n        _dynamodb.transact_write_items("
_TRANSACTION_END = '        return\n    log("INFO", "seats booked"'


@dataclass(frozen=True)
class WrongFix:
    id: str
    check: str  # the hidden test (check S3.handlers.<check>) that must fail
    file: str
    old: str
    new: str

    def source(self) -> str:
        text = (SOLUTION / "handlers" / self.file).read_text(encoding="utf-8")
        if self.old == _TRANSACTION_START:  # a span, not one line: from the transaction to the success log
            start, end = text.index(_TRANSACTION_START), text.index(_TRANSACTION_END) + len(_TRANSACTION_END)
            return text[:start] + self.new + text[end:]
        assert text.count(self.old) == 1, f"{self.id}: the text to replace occurs {text.count(self.old)} times in {self.file}"
        return text.replace(self.old, self.new)


WRONG_FIXES = (
    # float maths, made storable by going through str: 19.95 at 10 % off gives 17.95 (17.955 is 17.95499... as a float)
    WrongFix("discount-float-through-str", "payment-decimal-discount", PP,
             "total = (original - exact_discount).quantize(CENT, rounding=ROUND_HALF_UP)",
             "total = Decimal(str(round(float(original) - float(exact_discount), 2)))"),
    # Decimal, but quantize's default rounding (half even): 19.85 at 10 % off gives 17.86
    WrongFix("discount-half-even", "payment-decimal-discount", PP,
             "total = (original - exact_discount).quantize(CENT, rounding=ROUND_HALF_UP)",
             "total = (original - exact_discount).quantize(CENT)"),
    # the send error goes back to SQS, but the claim stays: the retry sees "Sending" and skips the fan
    WrongFix("send-error-reraised-claim-kept", "notifier-send-errors", FN,
             "        _release(order_id)\n        raise", "        raise"),
    # one conditional write per seat: a race on one seat leaves the other sold to an order that was not booked
    WrongFix("seats-per-seat-conditional-writes", "seats-no-overbooking", SIU, _TRANSACTION_START,
             _PER_SEAT.format(order="seat_numbers")),
    WrongFix("seats-per-seat-conditional-writes-reversed", "seats-no-overbooking", SIU, _TRANSACTION_START,
             _PER_SEAT.format(order="reversed(seat_numbers)")),
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        box.use(box.staged(grading.HANDLERS, "reference"))
        yield box


def _failing_hidden(sandbox: Sandbox, lab: Path) -> dict[str, str]:
    result = grading.Verdicts()
    grading._hidden(SimpleNamespace(lab=lab), sandbox, result)  # noqa: SLF001 - the grader's own 3b pass
    assert result.handler_problem is None, result.handler_problem
    return {test_id: message for test_id, message in result.hidden.items() if message is not None}


def _lab(tmp_path: Path, fix: WrongFix | None) -> Path:
    lab = tmp_path / "lab"
    shutil.copytree(SOLUTION / "handlers", lab / "handlers", ignore=shutil.ignore_patterns("__pycache__"))
    if fix is not None:
        (lab / "handlers" / fix.file).write_text(fix.source(), encoding="utf-8")
    return lab


@pytest.mark.parametrize("fix", WRONG_FIXES, ids=[f.id for f in WRONG_FIXES])
def test_wrong_fix_loses_points_in_its_named_check_only(sandbox: Sandbox, tmp_path: Path, fix: WrongFix) -> None:
    failing = _failing_hidden(sandbox, _lab(tmp_path, fix))
    assert set(failing) == {fix.check}, failing


def test_the_solution_handlers_pass_every_hidden_test_in_the_same_harness(sandbox: Sandbox, tmp_path: Path) -> None:
    assert _failing_hidden(sandbox, _lab(tmp_path, None)) == {}
