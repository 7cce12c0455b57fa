"""FanNotifier's confirmation text in the fan's locale: money and the concert's date, formatted by Babel.

CLDR (through Babel) knows how each locale writes an amount (``1.234,50 €``, ``￥14,062``) and a date;
hand-written formatting gets the separators, the symbol's place and the minor units wrong. The
concert's date is shown in the venue's time zone: ``2024-07-11T00:00:00Z`` is the evening of
10 July in New York. A tag Babel only partly knows loses subtags until Babel knows the rest
(``de-XX`` is ``de``: RFC 4647 "Lookup"); a missing or wholly unknown ``fanLocale`` falls back to US English.
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
    """The fan's locale from a BCP 47 tag (``de-DE``) or a POSIX one (``de_DE``).

    The last subtag is dropped until Babel knows the rest (``de-XX`` -> ``de``, RFC 4647 section 3.4);
    US English when nothing of the tag is known, or there is no tag.
    """
    if not isinstance(tag, str) or not tag.strip():
        return FALLBACK_LOCALE
    subtags = tag.strip().replace("-", "_").split("_")
    while subtags:
        try:
            return Locale.parse("_".join(subtags))
        except (ValueError, TypeError, UnknownLocaleError):
            subtags.pop()
    return FALLBACK_LOCALE


def confirmation_text(message: Mapping[str, Any]) -> str:
    """One confirmation: order, concert, local date and time, seats and the total, in the fan's locale."""
    locale = fan_locale(message.get("fanLocale"))
    total = format_currency(Decimal(str(message["totalAmount"])), message["currency"], locale=locale)
    starts = datetime.fromisoformat(message["concertDate"].replace("Z", "+00:00"))
    when = format_datetime(starts, "long", tzinfo=get_timezone(message["venueTimeZone"]), locale=locale)
    seats = ", ".join(ticket["seatNumber"] for ticket in message["tickets"])
    return f"{message['orderId']}: {message['concertName']}, {when}. {seats}. {total}"
