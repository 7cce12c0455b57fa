"""FanNotifier's confirmation text in the fan's locale (``fanLocale``, e.g. ``de-DE``).

TODO (E2): the text below is written by hand for US fans of a US concert. See the lab's README, exercise E2.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def confirmation_text(message: Mapping[str, Any]) -> str:
    """One confirmation: order, concert, date and time, seats and the total."""
    total = Decimal(str(message["totalAmount"]))
    day, time = message["concertDate"][:10], message["concertDate"][11:16]
    seats = ", ".join(ticket["seatNumber"] for ticket in message["tickets"])
    return f"{message['orderId']}: {message['concertName']}, {day} at {time}. {seats}. Total ${total:,.2f}"
