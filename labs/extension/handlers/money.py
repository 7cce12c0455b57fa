"""Money in one currency: its minor units, rounding to them, and conversion with the tour's rate table.

Amounts are ``Decimal`` end to end; a conversion rounds once, at the end, half up (what the payment
vendor does). Babel is installed (``from babel.numbers import ...``): it reads CLDR's currency data.

TODO (E2): this file was written for a US-only tour. See the lab's README, exercise E2.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def minor_units(currency: str) -> int:
    """Digits after the decimal point of a currency, as CLDR records them (JPY 0, USD 2, BHD 3)."""
    return 2  # every currency has cents... does it?


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half up to the currency's minor units (``Decimal("0.001")`` for BHD)."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def convert(amount: Decimal, source: str, target: str, rates: Mapping[str, Any]) -> Decimal:
    """``amount`` in ``source`` expressed in ``target``, through the table's base currency.

    ``rates`` is ``pricing/exchange-rates.yaml``: ``{"base": "USD", "rates": {"JPY": "157.12", ...}}``,
    each rate the units of a currency one base unit buys. Rounded once, in the target currency.
    """
    rate = Decimal(1) if target == rates["base"] else Decimal(str(rates["rates"][target]))
    return round_money(Decimal(amount) * rate, target)  # the tour used to sell in USD only
