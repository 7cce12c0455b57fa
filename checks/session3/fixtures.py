"""The three fixtures a session-3 test gets: ``lambdas``, ``events`` and ``tables``.

The same objects serve the hidden behaviour tests of exercise 3b, the learner's own tests in exercise
3c (graded by mutation: :mod:`checks.session3.mutation` passes them in, bound to each mutant), and a
learner who runs their test file with plain pytest (import the fixtures into the test module:
``from checks.session3.fixtures import events, lambdas, tables``; they then run the reference
handlers)::

    def test_declined_card_fails_the_payment(lambdas, events, tables):
        result = lambdas.invoke("PaymentProcessor", events.sqs("declined", function="PaymentProcessor"))
        assert result.failed_ids == []
        assert tables.order("ORD100000002")["paymentStatus"] == "Failed"

Every test starts from the seeded tables (seats of CONCERT001, members FCID1001-1003, no orders).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from stack.casestudies.messages import HANDLERS, purchases, sns_envelope, sqs_event

if TYPE_CHECKING:  # the sandbox loads moto: imported where one is opened
    from stack.casestudies.sandbox import Invocation, Sandbox

CONCERT = "CONCERT001"


class Lambdas:
    """Invoke a function by name: ``lambdas.invoke("FanNotifier", event)`` -> an :class:`Invocation`.

    The result never raises: look at ``.ok``, ``.response``, ``.failed_ids`` (batchItemFailures),
    ``.error_type``, ``.logs`` (every line the invocation wrote) and ``.messages()`` (the ``message`` of
    each structured log line).
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self.invoked: set[str] = set()

    def invoke(self, function: str, event: Any) -> Invocation:
        self.invoked.add(function)
        return self._sandbox.invoke(function, copy.deepcopy(event))

    def emails_sent(self) -> int:
        """How many emails SES accepted during this test."""
        return self._sandbox.emails_sent()

    def fail_next_sms(self, function: str = "FanNotifier") -> None:
        """Simulate a short SNS outage: ``function``'s next SMS (``sns.publish``) fails once with
        ``Throttled``; the one after goes through."""
        self._sandbox.fail_next_call(function, "sns", "Publish", "Throttled", "Rate exceeded")


class Tables:
    """Read and write the three tables (items come back with ``Decimal`` numbers, as boto3 gives them)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def seat(self, seat_number: str, concert_id: str = CONCERT) -> dict[str, Any] | None:
        return self._sandbox.get("SeatInventory", concertId=concert_id, seatNumber=seat_number)

    def order(self, order_id: str) -> dict[str, Any] | None:
        return self._sandbox.get("Orders", orderId=order_id)

    def member(self, fan_club_id: str) -> dict[str, Any] | None:
        return self._sandbox.get("FanClubMembers", fanClubId=fan_club_id)

    def put_seat(self, item: Mapping[str, Any]) -> None:
        self._sandbox.put("SeatInventory", {"concertId": CONCERT, **item})

    def put_order(self, item: Mapping[str, Any]) -> None:
        self._sandbox.put("Orders", item)

    def put_member(self, item: Mapping[str, Any]) -> None:
        self._sandbox.put("FanClubMembers", item)

    def sell_before_next_write(self, seat_number: str, order_id: str = "ORD-COMPETITOR", function: str = "SeatInventoryUpdater") -> None:
        """Simulate a race: a competing order buys ``seat_number`` just before ``function``'s next write
        to the seat table (after any read it made)."""

        def sell() -> None:
            seat = self.seat(seat_number) or {"concertId": CONCERT, "seatNumber": seat_number}
            self.put_seat({**seat, "status": "SOLD", "orderId": order_id, "fanId": "FAN-COMPETITOR"})

        self._sandbox.before_write(function, "SeatInventory", sell)


class Events:
    """Build test events from the named sample purchases of ``stack/seed/purchases.json``.

    Names: ``sample`` (2 fan club tickets), ``no_fan_club``, ``declined`` (the gateway declines
    FAN000DECLINE), ``no_phone``, ``seat_taken`` (seat B20 is already sold), ``inactive_member``,
    ``mixed`` (one fan club ticket, one general admission ticket).
    """

    def purchase(self, name: str = "sample", **changes: Any) -> dict[str, Any]:
        """A copy of a named purchase with top-level fields replaced, e.g. ``fanContact={...}``."""
        samples = purchases()
        if name not in samples:
            raise KeyError(f"no sample purchase {name!r}; choose from {', '.join(samples)}")
        return {**samples[name], **copy.deepcopy(changes)}

    def envelope(self, purchase: Mapping[str, Any] | str) -> dict[str, Any]:
        """The SNS notification envelope of a purchase (what the SQS body holds, as a dict)."""
        return sns_envelope(self._resolve(purchase))

    def sqs(self, *purchases_or_names: Mapping[str, Any] | str, function: str = "PaymentProcessor", receive_count: int = 1,
            raw_bodies: tuple[str, ...] = ()) -> dict[str, Any]:
        """An SQS event with one record per purchase (a name is looked up), then one per raw body
        (a malformed message, for instance)."""
        items: list[Mapping[str, Any] | str] = [self._resolve(p) for p in purchases_or_names]
        return sqs_event(*items, *raw_bodies, function=function, receive_count=receive_count)

    def _resolve(self, item: Mapping[str, Any] | str) -> Mapping[str, Any]:
        return self.purchase(item) if isinstance(item, str) else item


# -- plain pytest (a learner running their own test file: the reference handlers) -------------------
# The test file imports only ``events, lambdas, tables``; the sandbox they share is opened on first use
# and kept in the run's stash (no fixture of its own that the file would have to import too), then
# closed when the run ends.
_SANDBOX = pytest.StashKey["Sandbox"]()


def _shared_sandbox(request: pytest.FixtureRequest) -> Sandbox:
    stash = request.config.stash
    if _SANDBOX not in stash:
        from stack.casestudies.sandbox import Sandbox

        box = Sandbox().__enter__()
        request.config.add_cleanup(box.close)
        box.use(box.staged(Path(HANDLERS), "reference"))
        stash[_SANDBOX] = box
    return stash[_SANDBOX]


@pytest.fixture
def lambdas(request: pytest.FixtureRequest) -> Lambdas:
    box = _shared_sandbox(request)
    box.reset()
    return Lambdas(box)


@pytest.fixture
def tables(request: pytest.FixtureRequest, lambdas: Lambdas) -> Tables:
    return Tables(_shared_sandbox(request))


@pytest.fixture
def events() -> Events:
    return Events()
