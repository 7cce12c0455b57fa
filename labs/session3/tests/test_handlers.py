"""My tests for the four consumer handlers (exercise 3c).

The grader runs these on the reference handlers (they must pass) and on its mutants: copies of the
handlers with one realistic bug each, from the bug list of exercise 3b. A mutant is killed when one
of your tests fails on it. A test that asserts nothing kills nothing.

Fixtures: ``lambdas`` (invoke a function), ``events`` (build events from the sample purchases),
``tables`` (read and write the tables); see the lab README. Run them yourself with:
    pytest -p no:checks.plugin tests/test_handlers.py   (from the lab folder)
"""

from checks.session3.fixtures import events, lambdas, tables  # noqa: F401 - pytest fixtures


def test_declined_card_fails_the_payment(lambdas, events, tables):
    result = lambdas.invoke("PaymentProcessor", events.sqs("declined", function="PaymentProcessor"))
    assert result.failed_ids == []
    assert tables.order("ORD100000002")["paymentStatus"] == "Failed"


def test_points_are_awarded(lambdas, events, tables):
    lambdas.invoke("FanClubAwardProcessor", events.sqs("sample", function="FanClubAwardProcessor"))
    # TODO: what should FCID1001 have now? And after a redelivery of the same message?


# TODO: a test per bug class of exercise 3b: the fan club discount, declined payments, one bad record
# in a batch, overbooking (see tables.sell_before_next_write), a missing phone, a failed send,
# redelivered messages, guest tickets, the tier thresholds.
