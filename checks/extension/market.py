"""What the extension's pricing checks share: the provided price data, the reference offers of the
surge, and a purchase message as PaymentProcessor receives it (after SNS and SQS: JSON numbers)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from checks.context import CheckContext
from checks.extension import surge
from checks.extension.learner_code import reference

TIERS, RATES, CONCERTS = "pricing/tiers.yaml", "pricing/exchange-rates.yaml", "pricing/concerts.yaml"


@dataclass(frozen=True)
class PriceData:
    """The provided data files, as lock_prices takes them."""

    concerts: Mapping[str, Any]
    tiers: Mapping[str, Any]
    rates: Mapping[str, Any]

    def lock_args(self, request: Mapping[str, Any], market: Mapping[str, Any], at: Any) -> tuple[Any, ...]:
        return (request, market, at, self.concerts, self.tiers, self.rates, surge.DISCOUNT_PERCENT)


@dataclass(frozen=True)
class Offer:
    """One surge purchase with what the reference offered at purchase, and the live price at payment."""

    purchase: surge.Purchase
    market: Mapping[str, Any]  # what TicketPurchaseHandler saw: section -> remaining, capacity, sales
    locked: Mapping[str, Any]  # the reference lock_prices message
    current_price: Callable[[str, str], Decimal]  # the live price service at the moment of payment


def price_data(ctx: CheckContext) -> PriceData:
    return ctx.memo("extension-data", lambda c: PriceData(c.data(CONCERTS), c.data(TIERS), c.data(RATES)))


def model(ctx: CheckContext) -> surge.Surge:
    return ctx.memo("extension-surge", lambda c: surge.simulate())


def offers(ctx: CheckContext) -> tuple[Offer, ...]:
    """The surge, priced by the reference code (computed once per run)."""
    return ctx.memo("extension-offers", _offers)


def _offers(ctx: CheckContext) -> tuple[Offer, ...]:
    data, ref, run = price_data(ctx), reference(), model(ctx)

    def live(at: Any) -> Callable[[str, str], Decimal]:
        market = run.market(at)

        def current_price(concert_id: str, section: str) -> Decimal:
            probe = {"orderId": "PRICE-CHECK", "concertId": concert_id, "tickets": [{"seatNumber": "-", "section": section}]}
            return ref.call("pricing", "lock_prices", *data.lock_args(probe, market, at))["tickets"][0]["price"]

        return current_price

    priced = []
    for p in run.purchases:
        market = run.market(p.at)
        priced.append(Offer(p, market, ref.call("pricing", "lock_prices", *data.lock_args(p.request, market, p.at)), live(p.charged_at)))
    return tuple(priced)


def delivered(message: Mapping[str, Any]) -> dict[str, Any]:
    """``message`` after the trip through SNS and SQS: JSON, money as numbers, parsed back with Decimal."""
    return json.loads(json.dumps(message, default=float), parse_float=Decimal)


def money(value: Any) -> str:
    return f"{value}" if isinstance(value, Decimal) else f"{value!r} ({type(value).__name__})"
