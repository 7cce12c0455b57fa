"""Money in one currency: its minor units, rounding to them, and conversion with the tour's rate table.

Minor units come from CLDR through Babel (``get_currency_precision``), not from a hand-kept table:
JPY has none, USD two, BHD three. CLDR records the digits in everyday use, which for a few currencies
differ from ISO 4217's (IQD: CLDR 0, ISO 3; RSD, LBP, IRR...: CLDR 0, ISO 2); the tour's currencies
agree in both, and the confirmation is formatted from the same CLDR data, so what is charged is what
is shown. Amounts are ``Decimal`` end to end; a conversion rounds once, at the end, half up (what the
payment vendor does).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import get_currency_precision


def minor_units(currency: str) -> int:
    """Digits after the decimal point of a currency as CLDR records them (JPY 0, USD 2, BHD 3)."""
    return get_currency_precision(currency)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half up to the currency's minor units (``Decimal("0.001")`` for BHD)."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def convert(amount: Decimal, source: str, target: str, rates: Mapping[str, Any]) -> Decimal:
    """``amount`` in ``source`` expressed in ``target``, through the table's base currency.

    ``rates`` is ``pricing/exchange-rates.yaml``: ``{"base": "USD", "rates": {"JPY": "157.12", ...}}``,
    each rate the units of a currency one base unit buys. Rounded once, in the target currency.
    """
    per_base = {rates["base"]: Decimal(1), **{code: Decimal(str(rate)) for code, rate in rates["rates"].items()}}
    return round_money(Decimal(amount) / per_base[source] * per_base[target], target)
