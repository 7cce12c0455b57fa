"""E2, internationalisation: minor units, rounding and exchange in ``money.py``; prices in the concert's
currency; confirmation text in the fan's locale (``confirmation.py``).

Expected amounts are exact ``Decimal`` values; expected text is what Babel (CLDR) writes for the
fan's locale, and any of its standard shapes is accepted (a currency's standard or accounting
pattern; a date in short, medium, long or full form; a time in short or medium form), so the learner
may word the message freely.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time, get_timezone
from babel.numbers import format_currency, format_decimal, get_currency_precision, get_currency_symbol

from checks.check import CheckCode, Evidence, Result, check
from checks.context import CheckContext
from checks.extension.learner_code import CallFailed, Code, learner, reference
from checks.extension.market import delivered, money, price_data
from checks.extension.surge import DISCOUNT_PERCENT

EXERCISE = "e2-i18n"

#: Digits per currency as CLDR records them (what Babel's get_currency_precision reads). The lab follows
#: CLDR; it differs from ISO 4217 for a few currencies (IQD: CLDR 0, ISO 3; RSD, LBP, IRR, ...: CLDR 0,
#: ISO 2), none of them asked here: for every currency below both sources agree.
MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}
#: Half up, not half even: 0.125 -> 0.13, 2.665 -> 2.67 and 12656.5 -> 12657 separate the two (Decimal's
#: default context rounds half to even, as Python's round() does); 2.675 -> 2.68 holds under both.
ROUNDING = [("0.125", "EUR", "0.13"), ("2.665", "USD", "2.67"), ("2.675", "USD", "2.68"), ("99.995", "GBP", "100.00"),
            ("12655.5", "JPY", "12656"), ("12656.5", "JPY", "12657"), ("12655.4", "JPY", "12655"), ("1.0005", "BHD", "1.001"),
            ("33.6524", "BHD", "33.652"), ("0.0004", "KWD", "0.000")]
EXCHANGE = [("100.00", "USD", "JPY", "15712"), ("88.00", "USD", "BHD", "33.088"), ("250.00", "USD", "KWD", "76.775"),
            ("105.60", "USD", "JPY", "16592"), ("1000", "JPY", "EUR", "5.88"), ("50.000", "BHD", "JPY", "20894"),
            ("19.99", "EUR", "GBP", "17.08"), ("312.50", "USD", "USD", "312.50")]


def _one(code: Code, module: str, name: str, *args: Any) -> tuple[Any, str | None]:
    """(value, None) or (None, why the call failed, with the learner's file and line)."""
    try:
        return code.call(module, name, *args), None
    except CallFailed as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - the learner's code raised
        return None, code.where(module, exc)


def _parts(rows: list[str | None], what: str) -> Result:
    wrong = [r for r in rows if r is not None]
    if not wrong:
        return Result.ok()
    return Result.parts(len(rows) - len(wrong), len(rows), f"{len(wrong)} of {len(rows)} {what}; first: {wrong[0]}",
                        [Evidence.text(what, "\n".join(wrong))])


def _amount(value: Any, want: Decimal) -> bool:
    return isinstance(value, Decimal) and value == want


@check("EXT.i18n.minor-units", exercise=EXERCISE, points=2)
def minor_units(ctx: CheckContext) -> Result:
    code, rows = learner(ctx), []
    for currency, digits in MINOR_UNITS.items():
        value, error = _one(code, "money", "minor_units", currency)
        ok = error is None and isinstance(value, int) and not isinstance(value, bool) and value == digits
        rows.append(None if ok else f"minor_units({currency!r}) gave {error or repr(value)}; CLDR (and ISO 4217, for this one) says {digits}")
    return _parts(rows, "currencies with the wrong minor units")


@check("EXT.i18n.rounding", exercise=EXERCISE, points=2)
def rounding(ctx: CheckContext) -> Result:
    code, rows = learner(ctx), []
    for amount, currency, want in ROUNDING:
        value, error = _one(code, "money", "round_money", Decimal(amount), currency)
        rows.append(None if error is None and _amount(value, Decimal(want)) else
                    f"round_money(Decimal('{amount}'), {currency!r}) gave {error or money(value)}, expected {want}")
    return _parts(rows, "amounts rounded wrongly")


@check("EXT.i18n.exchange", exercise=EXERCISE, points=3)
def exchange(ctx: CheckContext) -> Result:
    code, rates, rows = learner(ctx), price_data(ctx).rates, []
    for amount, source, target, want in EXCHANGE:
        value, error = _one(code, "money", "convert", Decimal(amount), source, target, copy.deepcopy(rates))
        rows.append(None if error is None and _amount(value, Decimal(want)) else
                    f"convert({amount} {source} -> {target}) gave {error or money(value)}, expected {want} {target}")
    return _parts(rows, "conversions wrong")


#: Purchases in the other concerts' currencies: (concert, section, remaining, recent sales, fan club tickets of two).
LOCAL_PURCHASES = [("CONCERT002", "GA", 150, 0, 1), ("CONCERT002", "VIP", 60, 20, 2), ("CONCERT003", "GA", 150, 0, 1),
                   ("CONCERT003", "VIP", 5, 0, 0), ("CONCERT004", "VIP", 60, 0, 1), ("CONCERT004", "GA", 150, 15, 2)]
LOCAL_AT = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)


def _local_cases() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    cases = []
    for index, (concert, section, remaining, recent, members) in enumerate(LOCAL_PURCHASES):
        capacity = {"VIP": 60, "GA": 150}
        sales = [LOCAL_AT - timedelta(seconds=10 * (k + 1)) for k in range(recent)]
        market = {s: {"remaining": remaining if s == section else capacity[s], "capacity": capacity[s],
                      "sales": sales if s == section else []} for s in capacity}
        tickets = [{"seatNumber": f"{section[0]}{k + 1}", "section": section, "isFanClubMember": k < members,
                    **({"fanClubId": "FCID3000"} if k < members else {})} for k in range(2)]
        request = {"orderId": f"ORD80000000{index}", "fanId": "FAN800000000", "concertId": concert, "tickets": tickets,
                   "paymentStatus": "Pending", "fanContact": {"email": "fan@example.com"}, "fanLocale": "en-US"}
        cases.append((request, market))
    return cases


@check("EXT.i18n.local-prices", exercise=EXERCISE, points=3)
def local_prices(ctx: CheckContext) -> Result:
    code, ref, data, rows = learner(ctx), reference(), price_data(ctx), []
    for request, market in _local_cases():
        want = ref.call("pricing", "lock_prices", *data.lock_args(request, market, LOCAL_AT))
        currency, order = want["currency"], request["orderId"]
        mine, error = _one(code, "pricing", "lock_prices", *data.lock_args(copy.deepcopy(request), copy.deepcopy(market), LOCAL_AT))
        if error is not None or not isinstance(mine, Mapping):
            rows.append(f"{order} ({currency}): lock_prices {error or 'returned ' + type(mine).__name__}")
            continue
        got_prices = [t.get("price") for t in mine.get("tickets", []) if isinstance(t, Mapping)]
        want_prices = [t["price"] for t in want["tickets"]]
        if mine.get("currency") != currency or got_prices != want_prices or mine.get("totalAmount") != want["totalAmount"]:
            rows.append(f"{order}: expected {currency} prices {[str(p) for p in want_prices]} total {want['totalAmount']}; got "
                        f"{mine.get('currency')!r} {[money(p) for p in got_prices]} total {money(mine.get('totalAmount'))}")
            continue
        charged, error = _one(code, "pricing", "charge_amount", delivered(want), DISCOUNT_PERCENT, lambda *_: Decimal(0))
        rows.append(None if error is None and _amount(charged, want["totalAmount"]) else
                    f"{order}: charge_amount of the honest {currency} message gave {error or money(charged)}, expected {want['totalAmount']}")
    return _parts(rows, "purchases in JPY, BHD or EUR priced or charged wrongly")


#: Confirmations: (fanLocale as sent, the locale Babel should use, concert, currency, total).
MESSAGES = [("en-US", "en_US", "CONCERT001", "USD", "1234.50"), ("de-DE", "de_DE", "CONCERT004", "EUR", "1234.50"),
            ("ja-JP", "ja_JP", "CONCERT002", "JPY", "14062"), ("ar-BH", "ar_BH", "CONCERT003", "BHD", "33.652"),
            ("fr-FR", "fr_FR", "CONCERT004", "EUR", "99.90"), ("en-GB", "en_GB", "CONCERT002", "JPY", "15712")]
#: fanLocale tags the fallback check sends: (tag, the locale Babel should use, what the tag is, concert, currency,
#: total). README: a BCP 47 tag, or the POSIX form some older app versions send (de_AT reads as de-AT); a tag
#: Babel only partly knows loses its last subtag until Babel knows the rest (RFC 4647 section 3.4 "Lookup",
#: https://www.rfc-editor.org/rfc/rfc4647#section-3.4: zh-Hant-XX -> zh-Hant -> zh, the first Babel knows wins);
#: nothing known, or no tag, is en-US. zh-Hant-XX is priced in yen because there the locales differ: Babel 2.18
#: (CLDR 47) writes 14062 JPY as '¥14,062' for zh_Hant and 'JP¥14,062' for zh, so "the full tag, then the
#: language alone" is caught (a money shape must stand alone: 'JP¥14,062' does not contain '¥14,062' as a whole).
FALLBACKS = [("pt-BR", "pt_BR", "a BCP 47 tag with a hyphen", "CONCERT004", "EUR", "1234.50"),
             ("de_AT", "de_AT", "a POSIX tag with an underscore, as older app versions send it", "CONCERT004", "EUR", "1234.50"),
             ("de-XX", "de", "a tag whose region Babel does not know", "CONCERT004", "EUR", "1234.50"),
             ("zh-Hant-XX", "zh_Hant", "a tag with a script and a region Babel does not know", "CONCERT002", "JPY", "14062"),
             ("xx-QQ", "en_US", "an unknown locale", "CONCERT004", "EUR", "1234.50"),
             (None, "en_US", "no fanLocale", "CONCERT004", "EUR", "1234.50")]


def _message(ctx: CheckContext, tag: str | None, concert_id: str, currency: str, total: str) -> dict[str, Any]:
    concert = price_data(ctx).concerts[concert_id]
    message = {"orderId": "ORD900000001", "fanId": "FAN900000001", "concertId": concert_id, "concertName": concert["name"],
               "concertDate": concert["date"], "venueTimeZone": concert["timeZone"], "currency": currency,
               "tickets": [{"seatNumber": "B15", "section": "VIP", "price": Decimal(total), "isFanClubMember": False}],
               "totalAmount": Decimal(total), "paymentStatus": "Paid", "fanContact": {"email": "fan@example.com"}}
    return delivered(message | ({"fanLocale": tag} if tag is not None else {}))


def _money_shapes(total: str, currency: str, locale: str) -> set[str]:
    return {format_currency(Decimal(total), currency, locale=locale, format_type=kind) for kind in ("standard", "accounting")}


def _date_shapes(message: Mapping[str, Any], locale: str) -> tuple[set[str], set[str]]:
    starts = datetime.fromisoformat(message["concertDate"].replace("Z", "+00:00")).astimezone(get_timezone(message["venueTimeZone"]))
    dates = {format_date(starts.date(), form, locale=locale) for form in ("short", "medium", "long", "full")}
    times = {format_time(starts, form, locale=locale) for form in ("short", "medium")}
    return dates, times


def _texts(ctx: CheckContext) -> dict[tuple[str | None, str, str, str], tuple[str | None, str | None]]:
    """confirmation_text for every message of the E2 checks, computed once per run."""
    def compute(c: CheckContext) -> dict[tuple[str | None, str, str, str], tuple[str | None, str | None]]:
        code, found = learner(c), {}
        keys = [(tag, concert, currency, total) for tag, _, concert, currency, total in MESSAGES]
        keys += [(tag, concert, currency, total) for tag, _, _, concert, currency, total in FALLBACKS]
        for key in keys:
            text, error = _one(code, "confirmation", "confirmation_text", _message(c, *key))
            found[key] = (text, error) if error is not None or isinstance(text, str) else (None, f"returned {type(text).__name__}, not text")
        return found
    return ctx.memo("extension-texts", compute)


def _shown(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii") if any(ord(ch) > 126 for ch in text) and len(text) < 200 else text


@check("EXT.i18n.money-format", exercise=EXERCISE, points=3)
def money_format(ctx: CheckContext) -> Result:
    texts = _texts(ctx)
    rows = [_money_problem(texts[(tag, concert, currency, total)], total, currency, locale, f"fanLocale {tag}, {total} {currency}")
            for tag, locale, concert, currency, total in MESSAGES]
    return _parts(rows, "totals not written as the fan's locale writes them")


def _stands_alone(shape: str, text: str) -> bool:
    """Whether ``shape`` occurs in ``text`` with no ASCII letter or digit glued to either side: '¥14,062' is
    not in 'JP¥14,062' (another locale's symbol) nor '€1,234.50' in '€1,234.500'. Any other neighbour is
    wording ('合計¥14,062', 'Total: 1.234,50 €.')."""
    start = text.find(shape)
    while start >= 0:
        before, after = text[start - 1 : start], text[start + len(shape) : start + len(shape) + 1]
        if not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum()):
            return True
        start = text.find(shape, start + 1)
    return False


def _money_problem(found: tuple[str | None, str | None], total: str, currency: str, locale: str, what: str) -> str | None:
    """Why the confirmation ``found`` lacks the total as ``locale`` writes it, or None."""
    text, error = found
    if error is not None or text is None:
        return f"{what}: confirmation_text {error}"
    shapes = _money_shapes(total, currency, locale)
    if any(_stands_alone(shape, text) for shape in shapes):
        return None
    return (f"{what}: the total is not written as {Locale.parse(locale).english_name} writes {currency} amounts"
            f"{_money_diagnosis(text, total, currency, locale)}; the text was {_shown(text)!r}")


def _en_us_number(total: str, currency: str) -> str:
    """``1,234.50``: the amount with en_US separators and the currency's digits, without a sign."""
    digits = get_currency_precision(currency)
    return format_decimal(Decimal(total), format="#,##0" + ("." + "0" * digits if digits else ""), locale="en_US")


def _money_diagnosis(text: str, total: str, currency: str, locale: str) -> str:
    """What the text shows instead (en_US's way, another currency's sign, a bare number), never the
    expected text."""
    seen = []
    if locale != "en_US" and any(_stands_alone(shape, text) for shape in _money_shapes(total, currency, "en_US")):
        seen.append("it is written as en_US writes it, whatever the fan's locale")
    elif locale != "en_US" and _stands_alone(_en_us_number(total, currency), text):
        seen.append("the number has en_US separators")
    elif any(_stands_alone(plain, text) for plain in {total, str(Decimal(total).normalize())}):
        seen.append("it appears as a bare number, without the locale's separators")
    signs = {other: get_currency_symbol(other, locale="en_US") for other in ("USD", "EUR", "JPY", "BHD") if other != currency}
    seen += [f"it carries the {other} sign {sign!r}" for other, sign in signs.items() if sign in text]
    return f" ({'; '.join(seen)})" if seen else ""


def _date_diagnosis(text: str, message: Mapping[str, Any], locale: str, missing: list[str]) -> str:
    """What the text shows instead (the UTC date or time, another locale's), never the expected text."""
    found = []
    utc = {**message, "venueTimeZone": "UTC"}
    for label, shown_as in (("in UTC, not in the venue's time zone", _date_shapes(utc, locale)),
                            ("as en_US writes it, not as the fan's locale does", _date_shapes(message, "en_US")),
                            ("in UTC and as en_US writes it", _date_shapes(utc, "en_US"))):
        for what, shapes in zip(("date", "time"), shown_as, strict=True):
            if what in missing and any(s in text for s in shapes) and f"the {what}" not in " ".join(found):
                found.append(f"the {what} appears {label}")
    return f" ({'; '.join(found)})" if found else ""


@check("EXT.i18n.concert-date", exercise=EXERCISE, points=3)
def concert_date(ctx: CheckContext) -> Result:
    texts, rows = _texts(ctx), []
    for tag, locale, concert, currency, total in MESSAGES:
        text, error = texts[(tag, concert, currency, total)]
        if error is not None:
            rows.append(f"fanLocale {tag}: confirmation_text {error}")
            continue
        message = _message(ctx, tag, concert, currency, total)
        dates, times = _date_shapes(message, locale)
        missing = [what for what, shapes in (("date", dates), ("time", times)) if not any(s in text for s in shapes)]
        rows.append(None if not missing else
                    f"fanLocale {tag}, {concert} (concertDate {message['concertDate']}, venueTimeZone {message['venueTimeZone']}): your text "
                    f"{_shown(text)!r} lacks the concert's local {' and '.join(missing)} as Babel writes them for {locale} in one of "
                    f"its standard styles (date: short, medium, long or full; time: short or medium)"
                    f"{_date_diagnosis(text, message, locale, missing)}")
    return _parts(rows, "confirmations without the local date and time")


@check("EXT.i18n.locale-fallback", exercise=EXERCISE, points=2)
def locale_fallback(ctx: CheckContext) -> Result:
    texts = _texts(ctx)
    rows = [_money_problem(texts[(tag, concert, currency, total)], total, currency, locale, f"{what} ({tag!r}), {total} {currency}")
            for tag, locale, what, concert, currency, total in FALLBACKS]
    return _parts(rows, "fanLocale tags not understood")


CHECKS: list[CheckCode] = [minor_units, rounding, exchange, local_prices, money_format, concert_date, locale_fallback]
