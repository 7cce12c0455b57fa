"""E1, dynamic pricing: lock the surge price at purchase, charge exactly it, refuse tampered totals.

Graded on behaviour under the simulated surge (:mod:`checks.extension.surge`): the learner's
``lock_prices`` must offer what the reference offers at each purchase, and the learner's
``charge_amount`` must charge the reference's locked total (not the live price at payment), refuse
every tampered total with ``TamperedTotal`` and accept every honest one, in ``Decimal``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from checks.check import CheckCode, Evidence, Result, check
from checks.context import CheckContext
from checks.extension.learner_code import CallFailed, learner, reference
from checks.extension.market import Offer, delivered, money, offers, price_data
from checks.extension.surge import CAPACITY, CONCERT, DISCOUNT_PERCENT, Purchase

EXERCISE = "e1-pricing"
#: The demand window of pricing/tiers.yaml, for messages only (the grade compares with the reference).
WINDOW = timedelta(minutes=5)
#: How far before a purchase a message lists the section's sales: the window and a minute more, so that a
#: sale just outside it shows too. The message states facts (the purchase time, the seats left, the sale
#: times, the tier offered and the one given); which of them count is the learner's to work out.
LISTED = WINDOW + timedelta(minutes=1)


def _times(sales: Sequence[datetime]) -> str:
    """``14:25:00, 14:28:10 (x2), 14:29:50``: sale times in order, repeated times counted."""
    counts: dict[datetime, int] = {}
    for sold in sorted(sales):
        counts[sold] = counts.get(sold, 0) + 1
    return ", ".join(f"{t:%H:%M:%S}" + (f" (x{n})" if n > 1 else "") for t, n in counts.items()) or "none"


def _market_line(offer: Offer, section: str) -> str:
    """``GA, purchase at 14:30:00: 120 of 150 seats left; its sales since 14:24:00: 14:25:00, ...``: what the tier depends on."""
    state, at = offer.market[section], offer.purchase.at
    since = at - LISTED
    listed = [sold for sold in state["sales"] if since <= sold <= at]
    return (f"{section}, purchase at {at:%H:%M:%S}: {state['remaining']} of {state['capacity']} seats left; "
            f"the section's sales since {since:%H:%M:%S}: {_times(listed)}")


# -- edges the surge does not reach ----------------------------------------------------------------------
#: Purchases on the edges of the tier rules, which no purchase of the seeded surge falls on:
#: - the demand window (README: a sale exactly one window old no longer counts): one threshold's worth of
#:   sales minus one well inside the window, plus one sale either exactly one window old (must not count:
#:   standard) or one second younger (must count: high demand); tells ``now - window < sold`` from ``<=``;
#: - the remaining-seats percentage (README: "at most that percent of the capacity left"): exactly 10 % of
#:   GA (15 of 150) and of VIP (6 of 60) left is last-seats, one seat more (16 of 150) is not; tells
#:   ``remaining * 100 > pct * capacity`` (skip the tier) from ``>=``.
EDGE_AT = datetime(2024, 5, 1, 14, 30, tzinfo=UTC)
#: (order, section, seats left, age of the sale on the window's edge or None)
EDGE_CASES: tuple[tuple[str, str, int | None, timedelta | None], ...] = (
    ("ORD650000001", "GA", None, WINDOW), ("ORD650000002", "GA", None, WINDOW - timedelta(seconds=1)),
    ("ORD650000003", "GA", 15, None), ("ORD650000004", "GA", 16, None), ("ORD650000005", "VIP", 6, None),
)


def _threshold(tiers: Mapping[str, Any]) -> int:
    """The sales a demand tier needs (tiers.yaml's first ``sales_in_window_at_least``)."""
    return int(next(tier["sales_in_window_at_least"] for tier in tiers["tiers"] if "sales_in_window_at_least" in tier))


def _edge_market(section: str, left: int | None, age: timedelta | None, threshold: int) -> dict[str, dict[str, Any]]:
    """SeatInventory for one edge purchase: the other section calm, ``section`` on its edge."""
    market = {}
    for name, capacity in CAPACITY.items():
        remaining = left if name == section and left is not None else capacity * 4 // 5
        sold = capacity - remaining
        # Sales long before the window (the on-sale opened at 14:00), then the edge's recent ones.
        sales = [EDGE_AT - timedelta(minutes=30) + timedelta(seconds=7 * k) for k in range(sold)]
        if name == section and age is not None:
            sales = sales[: sold - threshold] + [EDGE_AT - timedelta(seconds=10 * (k + 1)) for k in range(threshold - 1)] + [EDGE_AT - age]
        market[name] = {"remaining": remaining, "capacity": capacity, "sales": sorted(sales)}
    return market


def _edge_offers(ctx: CheckContext) -> list[Offer]:
    """The reference's offer for each edge purchase."""
    data, ref = price_data(ctx), reference()
    made = []
    for order, section, left, age in EDGE_CASES:
        market = _edge_market(section, left, age, _threshold(data.tiers))
        request = {"orderId": order, "fanId": "FAN650000000", "concertId": CONCERT, "paymentStatus": "Pending",
                   "tickets": [{"seatNumber": f"{section[0]}31", "section": section, "isFanClubMember": False}],
                   "purchaseTimestamp": EDGE_AT.isoformat(), "fanContact": {"email": "fan@example.com"}, "fanLocale": "en-US"}
        locked = ref.call("pricing", "lock_prices", *data.lock_args(copy.deepcopy(request), copy.deepcopy(market), EDGE_AT))
        made.append(Offer(Purchase(request, EDGE_AT, EDGE_AT), market, locked, lambda *_: Decimal(0)))
    return made


def _lock_problem(mine: Any, offer: Offer) -> str | None:
    """The first way the learner's locked message differs from the reference offer, or None."""
    expected = offer.locked
    order = expected["orderId"]
    if not isinstance(mine, Mapping) or not isinstance(mine.get("tickets"), list):
        return f"{order}: lock_prices returned {type(mine).__name__}, not the purchase message with its tickets"
    if len(mine["tickets"]) != len(expected["tickets"]):
        return f"{order}: {len(mine['tickets'])} ticket(s) in the message, the purchase has {len(expected['tickets'])}"
    for got, want in zip(mine["tickets"], expected["tickets"], strict=True):
        if not isinstance(got, Mapping) or got.get("price") != want["price"] or got.get("priceTier") != want["priceTier"]:
            shown = f"{money(got.get('price'))} ({got.get('priceTier')})" if isinstance(got, Mapping) else repr(got)
            return (f"{order}: seat {want['seatNumber']} ({_market_line(offer, want['section'])}) was offered "
                    f"{want['price']} ({want['priceTier']}); your lock gave {shown}")
    if mine.get("currency") != expected["currency"]:
        return f"{order}: currency {mine.get('currency')!r}, the concert sells in {expected['currency']}"
    if mine.get("totalAmount") != expected["totalAmount"]:
        return f"{order}: totalAmount {money(mine.get('totalAmount'))}, the locked prices after the fan club discount are {expected['totalAmount']}"
    return None


def _locks(ctx: CheckContext, priced: Sequence[Offer]) -> list[tuple[Offer, Any]]:
    """(offer, the learner's lock_prices result or the CallFailed/exception) for each offer."""
    code, data, rows = learner(ctx), price_data(ctx), []
    for offer in priced:
        p = offer.purchase
        try:
            rows.append((offer, code.call("pricing", "lock_prices", *data.lock_args(copy.deepcopy(p.request), copy.deepcopy(offer.market), p.at))))
        except CallFailed as exc:
            rows.append((offer, exc))
        except Exception as exc:  # noqa: BLE001 - the learner's code raised: evidence, not a crash
            rows.append((offer, RuntimeError(code.where("pricing", exc))))
    return rows


def lock_report(ctx: CheckContext) -> list[tuple[Offer, Any]]:
    """(offer, the learner's lock_prices result or the CallFailed/exception) for every surge purchase."""
    return ctx.memo("extension-locks", lambda c: _locks(c, offers(c)))


def _parts(rows: list[tuple[str, str | None]], what: str, evidence_title: str, *, every_fan: bool = False) -> Result:
    """Partial credit over rows of (order, problem or None); the first problem is the message.

    ``every_fan``: no partial credit. "No fan pays a price that was not offered" is a property of the
    whole on-sale: one overcharged fan is an incident, not 98 % of a feature.
    """
    wrong = [(order, problem) for order, problem in rows if problem is not None]
    if not wrong:
        return Result.ok()
    message = f"{len(wrong)} of {len(rows)} {what}; first: {wrong[0][1]}"
    evidence = [Evidence.text(evidence_title, "\n".join(p for _, p in wrong[:20]))]
    return Result.fail(message, evidence) if every_fan else Result.parts(len(rows) - len(wrong), len(rows), message, evidence)


@check("EXT.pricing.surge-offers", exercise=EXERCISE, points=4)
def surge_offers(ctx: CheckContext) -> Result:
    rows = []
    for offer, mine in lock_report(ctx):
        problem = str(mine) if isinstance(mine, Exception) else _lock_problem(mine, offer)
        rows.append((offer.locked["orderId"], problem))
    for offer, mine in _locks(ctx, _edge_offers(ctx)):
        problem = str(mine) if isinstance(mine, Exception) else _lock_problem(mine, offer)
        rows.append((offer.locked["orderId"], problem))
    return _parts(rows, "purchases locked a price that was not the one offered", "purchases priced differently from the offer", every_fan=True)


def _charge(ctx: CheckContext, message: Mapping[str, Any], current_price: Callable[[str, str], Decimal]) -> tuple[Any, BaseException | None]:
    """(amount, None) or (None, the exception charge_amount raised)."""
    code = learner(ctx)
    try:
        return code.call("pricing", "charge_amount", message, DISCOUNT_PERCENT, current_price), None
    except CallFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - judged by the caller (TamperedTotal is the expected refusal)
        return None, exc


def _is_refusal(ctx: CheckContext, error: BaseException | None) -> bool:
    """Whether ``error`` is the TamperedTotal that charge_amount's own module defines."""
    cls = learner(ctx).function("pricing", "charge_amount").__globals__.get("TamperedTotal")
    return isinstance(cls, type) and isinstance(error, cls)


@check("EXT.pricing.locked-at-purchase", exercise=EXERCISE, points=4)
def locked_at_purchase(ctx: CheckContext) -> Result:
    rows = []
    for offer in offers(ctx):
        message = delivered(offer.locked)
        try:
            amount, error = _charge(ctx, message, offer.current_price)
        except CallFailed as exc:
            return Result.fail(str(exc))
        order, offered = message["orderId"], offer.locked["totalAmount"]
        if error is not None:
            problem = f"{order}: charge_amount raised {learner(ctx).where('pricing', error)} on an honest message (offered {offered})"
        elif amount != offered:
            live = ", ".join(f"{t['section']} now {offer.current_price(message['concertId'], t['section'])}" for t in message["tickets"][:1])
            problem = (f"{order}: charged {money(amount)} at {offer.purchase.charged_at:%H:%M:%S}, but the fan was offered "
                       f"{offered} at purchase ({offer.purchase.at:%H:%M:%S}; {live})")
        else:
            problem = None
        rows.append((order, problem))
    return _parts(rows, "fans were charged something other than what they were offered", "charges that differ from the offer", every_fan=True)


def _tampered(offer: Offer) -> list[tuple[str, dict[str, Any]]]:
    """Messages whose totalAmount no longer matches the locked prices (each a delivered copy)."""
    base = delivered(offer.locked)
    total = offer.locked["totalAmount"]
    undiscounted = sum((t["price"] for t in offer.locked["tickets"]), Decimal(0))
    everyone = undiscounted * (100 - DISCOUNT_PERCENT) / 100
    cases = [
        ("one cent less", total - Decimal("0.01")),
        # README: "When totalAmount is not exactly that ... it must raise". A total with digits below the
        # currency's minor unit is not the locked amount, even though it rounds to it.
        ("four tenths of a cent more", total + Decimal("0.004")),
        ("zero", 0),
        ("negative", -total),
        ("the prices without the fan club discount (an overcharge)", undiscounted),
        ("the discount applied to every ticket, members or not", everyone.quantize(Decimal("0.01"))),
        ("a text that is not an amount", "free"),
        # README: "not a number" is refused. After SNS and SQS a JSON string is still a string, even one that
        # reads as the right amount: the producer that wrote it is not the one that locked the price.
        ("the right amount, but as a JSON string, not a JSON number", str(total)),
        ("missing", None),
    ]
    made = []
    for label, value in cases:
        message = copy.deepcopy(base)
        if value is None:
            message.pop("totalAmount")
        else:
            message["totalAmount"] = value
        made.append((label, message))
    return made


def _tamper_offer(ctx: CheckContext) -> Offer:
    """A surge purchase with a fan club ticket and a non-member ticket (every tamper case differs)."""
    return next(o for o in offers(ctx) if {t["isFanClubMember"] for t in o.locked["tickets"]} == {True, False})


@check("EXT.pricing.refuses-tampered", exercise=EXERCISE, points=4)
def refuses_tampered(ctx: CheckContext) -> Result:
    offer = _tamper_offer(ctx)
    rows = []
    for label, message in _tampered(offer):
        try:
            amount, error = _charge(ctx, message, offer.current_price)
        except CallFailed as exc:
            return Result.fail(str(exc))
        if _is_refusal(ctx, error):
            problem = None
        elif error is not None:
            problem = f"totalAmount {label}: raised {type(error).__name__}, not TamperedTotal (PaymentProcessor would retry it)"
        else:
            problem = f"totalAmount {label} ({message.get('totalAmount')!r}): charged {money(amount)} instead of refusing"
        rows.append((label, problem))
    return _parts(rows, "tampered totals were not refused", "tampered messages")


def _honest(offer: Offer) -> list[tuple[str, dict[str, Any]]]:
    """The same honest message in the shapes a JSON number can arrive in."""
    total = offer.locked["totalAmount"]
    shapes = [("as delivered (a JSON number)", delivered(offer.locked)),
              ("with trailing zeros", {**delivered(offer.locked), "totalAmount": total.quantize(Decimal("0.0001"))}),
              ("as Decimal, never serialised", copy.deepcopy(dict(offer.locked)))]
    if total == total.to_integral_value():
        shapes.append(("as a JSON integer", {**delivered(offer.locked), "totalAmount": int(total)}))
    return shapes


@check("EXT.pricing.accepts-honest", exercise=EXERCISE, points=2)
def accepts_honest(ctx: CheckContext) -> Result:
    chosen = [_tamper_offer(ctx), next(o for o in offers(ctx) if o.locked["totalAmount"] == o.locked["totalAmount"].to_integral_value())]
    rows = []
    for offer in chosen:
        for label, message in _honest(offer):
            try:
                amount, error = _charge(ctx, message, offer.current_price)
            except CallFailed as exc:
                return Result.fail(str(exc))
            order = f"{message['orderId']} {label}"
            if error is not None:
                rows.append((order, f"{order}: refused an honest total {message['totalAmount']!r}: {type(error).__name__}: {error}"))
            else:
                rows.append((order, None if amount == offer.locked["totalAmount"] else f"{order}: charged {money(amount)}, offered {offer.locked['totalAmount']}"))
    return _parts(rows, "honest messages were refused or mischarged", "honest messages")


@check("EXT.pricing.decimal-money", exercise=EXERCISE, points=2)
def decimal_money(ctx: CheckContext) -> Result:
    rows = []
    for offer, mine in lock_report(ctx)[:10]:
        order = offer.locked["orderId"]
        if isinstance(mine, Exception) or not isinstance(mine, Mapping):
            rows.append((order, f"{order}: no message to inspect ({mine})"))
            continue
        values = [("totalAmount", mine.get("totalAmount"))] + [(f"ticket {t.get('seatNumber')} price", t.get("price"))
                                                              for t in mine.get("tickets", []) if isinstance(t, Mapping)]
        floats = [f"{name} is {money(value)}" for name, value in values if not isinstance(value, Decimal)]
        rows.append((order, f"{order}: {floats[0]}: money must be Decimal, never float" if floats else None))
    offer = offers(ctx)[0]
    try:
        amount, error = _charge(ctx, delivered(offer.locked), offer.current_price)
    except CallFailed as exc:
        return Result.fail(str(exc))
    rows.append(("charge", None if error is None and isinstance(amount, Decimal) else
                 f"charge_amount returned {money(amount)}" + (f" ({type(error).__name__})" if error else "") + ": money must be Decimal"))
    return _parts(rows, "amounts were not Decimal", "amounts that are not Decimal")


CHECKS: list[CheckCode] = [surge_offers, locked_at_purchase, refuses_tampered, accepts_honest, decimal_money]
