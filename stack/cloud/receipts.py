"""Messages received from a moto server and still in flight, with when they become visible in virtual time.

In process, moto reads the virtual clock, so a received message's visibility timeout expires when
virtual time passes it. A moto server runs on real time: a 180 s visibility timeout would cost 180
real seconds. But every receive goes through this process (the interceptor sees the ``ReceiveMessage``
and ``DeleteMessage`` calls and their answers), so the runtime knows each receipt handle it holds and
when the message would be visible again. :class:`ReceiptLedger` keeps that; when virtual time passes
a message's deadline, :class:`stack.cloud.server_state.ServerState` makes it visible on the server at
once (``ChangeMessageVisibility`` to 0, exactly what a consumer giving up on a message does), so the
next receive gets it with ``ApproximateReceiveCount`` + 1 and the queue's redrive policy counts as on AWS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class InFlight:
    """One received message: the latest receipt handle and the virtual ms after which it is visible."""

    receipt_handle: str
    hidden_until_ms: float


class ReceiptLedger:
    """In-flight messages by queue ARN and message id (a message received again replaces its entry)."""

    def __init__(self) -> None:
        self._queues: dict[str, dict[str, InFlight]] = {}

    def received(self, queue_arn: str, messages: Iterable[Mapping[str, str]], hidden_until_ms: float) -> None:
        """``ReceiveMessage`` returned ``messages`` (each with ``MessageId`` and ``ReceiptHandle``)."""
        held = self._queues.setdefault(queue_arn, {})
        for message in messages:
            held[message["MessageId"]] = InFlight(message["ReceiptHandle"], hidden_until_ms)

    def deleted(self, queue_arn: str, receipt_handles: Iterable[str]) -> None:
        """``DeleteMessage(Batch)`` succeeded for ``receipt_handles``: those messages are gone."""
        gone = set(receipt_handles)
        held = self._queues.get(queue_arn, {})
        for message_id in [m for m, flight in held.items() if flight.receipt_handle in gone]:
            del held[message_id]

    def due(self, queue_arn: str, now_ms: float) -> list[str]:
        """Remove and return the receipt handles whose visibility timeout has passed at ``now_ms``."""
        held = self._queues.get(queue_arn, {})
        expired = [m for m, flight in held.items() if now_ms > flight.hidden_until_ms]
        return [held.pop(m).receipt_handle for m in expired]

    def next_visible_ms(self, queue_arn: str) -> float | None:
        """When the first held message of the queue becomes visible (None: none held)."""
        held = self._queues.get(queue_arn, {})
        return min(flight.hidden_until_ms for flight in held.values()) + 1 if held else None
