"""FanNotifier's confirmation text in the fan's locale: money and the concert's date, formatted by Babel.

CLDR (through Babel) knows how each locale writes an amount (``1.234,50 €``, ``￥14,062``) and a date;
hand-written formatting gets the separators, the symbol's place and the minor units wrong. The
concert's date is shown in the venue's time zone: ``2024-07-11T00:00:00Z`` is the evening of
10 July in New York. A missing or unknown ``fanLocale`` falls back to US English.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, get_timezone
from babel.numbers import format_currency

FALLBACK_LOCALE = Locale("en", "US")


def fan_locale(tag: Any) -> Locale:
    """The fan's locale from a BCP 47 tag (``de-DE``) or a POSIX one (``de_DE``); US English if unusable."""
    if not isinstance(tag, str) or not tag.strip():
        return FALLBACK_LOCALE
    try:
        return Locale.parse(tag.strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return FALLBACK_LOCALE


def confirmation_text(message: Mapping[str, Any]) -> str:
    """One confirmation: order, concert, local date and time, seats and the total, in the fan's locale."""
    locale = fan_locale(message.get("fanLocale"))
    total = format_currency(Decimal(str(message["totalAmount"])), message["currency"], locale=locale)
    starts = datetime.fromisoformat(message["concertDate"].replace("Z", "+00:00"))
    when = format_datetime(starts, "long", tzinfo=get_timezone(message["venueTimeZone"]), locale=locale)
    seats = ", ".join(ticket["seatNumber"] for ticket in message["tickets"])
    return f"{message['orderId']}: {message['concertName']}, {when}. {seats}. {total}"
