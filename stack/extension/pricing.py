"""Dynamic pricing: a price tier from remaining seats and recent demand, locked into the purchase.

TicketPurchaseHandler calls :func:`lock_prices` when the fan buys: each ticket carries the price and
tier offered at that instant, in the concert's currency, and ``totalAmount`` is those prices after the
fan club discount. PaymentProcessor calls :func:`charge_amount` later, when the tier may have moved:
it charges the locked prices and refuses a message whose ``totalAmount`` does not match them
(:class:`TamperedTotal`), so no fan pays a price that was not offered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from money import convert, round_money


class TamperedTotal(Exception):
    """``totalAmount`` is not the locked prices after the fan club discount: refuse, never retry."""


def price_tier(tiers: Mapping[str, Any], remaining: int, capacity: int, sales: Sequence[datetime], now: datetime) -> Mapping[str, Any]:
    """The first tier of ``tiers["tiers"]`` whose every rule holds.

    ``remaining_percent_at_most``: at most that percent of the section's capacity is left;
    ``sales_in_window_at_least``: at least that many tickets of the section sold in the last
    ``demand_window_minutes`` (a sale exactly one window ago no longer counts).
    """
    window_start = now - timedelta(minutes=tiers["demand_window_minutes"])
    recent = sum(1 for sold in sales if window_start < sold <= now)
    for tier in tiers["tiers"]:
        if "remaining_percent_at_most" in tier and remaining * 100 > tier["remaining_percent_at_most"] * capacity:
            continue
        if "sales_in_window_at_least" in tier and recent < tier["sales_in_window_at_least"]:
            continue
        return tier
    raise ValueError("no price tier applies (the last tier should have no rules)")


def expected_total(tickets: Sequence[Mapping[str, Any]], discount_percent: Decimal, currency: str) -> Decimal:
    """The prices minus ``discount_percent`` off fan club tickets, rounded once to minor units."""
    prices = [Decimal(str(ticket["price"])) for ticket in tickets]
    discount = sum((Decimal(str(t["price"])) * Decimal(discount_percent) / 100 for t in tickets if t.get("isFanClubMember") is True),
                   Decimal(0))
    return round_money(sum(prices, Decimal(0)) - discount, currency)


def lock_prices(request: Mapping[str, Any], market: Mapping[str, Any], now: datetime, concerts: Mapping[str, Any],
                tiers: Mapping[str, Any], rates: Mapping[str, Any], discount_percent: Decimal) -> dict[str, Any]:
    """The message TicketPurchaseHandler publishes: ``request`` with each ticket priced at ``now``.

    ``market[section]`` is ``{"remaining", "capacity", "sales"}`` as SeatInventory shows it now; the
    tour's list prices (``tiers["sections"]``, in ``tiers["currency"]``) are converted to the
    concert's currency after the tier's multiplier.
    """
    concert = concerts[request["concertId"]]
    currency = concert["currency"]
    tickets = []
    for ticket in request["tickets"]:
        state = market[ticket["section"]]
        tier = price_tier(tiers, state["remaining"], state["capacity"], state["sales"], now)
        list_price = Decimal(str(tiers["sections"][ticket["section"]])) * Decimal(str(tier["multiplier"]))
        price = convert(list_price, tiers["currency"], currency, rates)
        tickets.append({**ticket, "price": price, "priceTier": tier["name"]})
    return {
        **request,
        "concertName": concert["name"],
        "concertDate": concert["date"],
        "venueTimeZone": concert["timeZone"],
        "currency": currency,
        "tickets": tickets,
        "totalAmount": expected_total(tickets, discount_percent, currency),
        "priceLockedAt": now.isoformat(),
    }


def charge_amount(message: Mapping[str, Any], discount_percent: Decimal, current_price: Callable[[str, str], Decimal]) -> Decimal:
    """What PaymentProcessor charges: the locked prices after the discount, if ``totalAmount`` says so.

    ``current_price(concert_id, section)`` is the live price service. It is deliberately not
    consulted: the fan pays what was offered at purchase, whatever the tier is now.
    """
    expected = expected_total(message["tickets"], discount_percent, message["currency"])
    claimed = message.get("totalAmount")
    # After SNS and SQS the total is JSON: a number arrives as Decimal or int; a string stays a string.
    if isinstance(claimed, bool) or not isinstance(claimed, int | Decimal | float):
        raise TamperedTotal(f"totalAmount {claimed!r} is not a JSON number")
    try:
        matches = Decimal(str(claimed)) == expected
    except ArithmeticError:
        matches = False
    if not matches:
        raise TamperedTotal(f"totalAmount {claimed} does not match the locked prices ({expected} {message['currency']})")
    return expected
