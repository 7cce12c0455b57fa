"""The simulated surge: a seeded on-sale of the New York concert, and what each fan was offered.

Deterministic (one seed): purchases arrive calmly, then every few seconds for eight minutes, then
calmly again, until the seats run low. For each purchase the model keeps the market TicketPurchaseHandler
saw (remaining seats and recent sales per section, as SeatInventory shows them) and the instant
PaymentProcessor charges it, 20 s to 4 min later, when the tier may have moved: the surge is where
re-pricing at payment time, a wrong demand window or a tier boundary off by one shows.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

SEED = 20240711
CONCERT = "CONCERT001"
CAPACITY: Mapping[str, int] = {"VIP": 60, "GA": 150}
START = datetime(2024, 5, 1, 14, 0, tzinfo=UTC)
SURGE_MINUTES = (4, 12)
PURCHASES = 80
#: PaymentProcessor's FAN_CLUB_DISCOUNT_PERCENT, as in the other labs.
DISCOUNT_PERCENT = Decimal(10)


@dataclass(frozen=True)
class Purchase:
    """One fan's purchase: the request, the market at ``at`` (purchase) and when it is charged."""

    request: Mapping[str, Any]
    at: datetime
    charged_at: datetime


@dataclass(frozen=True)
class Surge:
    purchases: tuple[Purchase, ...]

    def market(self, when: datetime, concert: str = CONCERT) -> dict[str, dict[str, Any]]:
        """Each section's remaining seats and sale times as of ``when`` (purchases at ``when`` not yet in)."""
        sold = [p for p in self.purchases if p.at < when and p.request["concertId"] == concert]
        market = {}
        for section, capacity in CAPACITY.items():
            sales = [p.at for p in sold for t in p.request["tickets"] if t["section"] == section]
            market[section] = {"remaining": capacity - len(sales), "capacity": capacity, "sales": sales}
        return market


def simulate(seed: int = SEED, count: int = PURCHASES) -> Surge:
    rng = random.Random(seed)
    remaining = dict(CAPACITY)
    at = START
    purchases = []
    for index in range(count):
        minute = (at - START).total_seconds() / 60
        at += timedelta(seconds=rng.randint(4, 12) if SURGE_MINUTES[0] <= minute < SURGE_MINUTES[1] else rng.randint(30, 80))
        section = "VIP" if rng.random() < 0.5 else "GA"
        if remaining[section] == 0:
            section = "GA" if section == "VIP" else "VIP"
        count_wanted = min(rng.choice((1, 2, 2, 3, 4)), remaining[section])
        if count_wanted == 0:
            break
        fan_club = rng.random() < 0.4
        first = CAPACITY[section] - remaining[section] + 1
        tickets = [{"seatNumber": f"{section[0]}{first + k}", "section": section, "isFanClubMember": fan_club and k < 2,
                    **({"fanClubId": f"FCID{2000 + index}"} if fan_club and k < 2 else {})} for k in range(count_wanted)]
        remaining[section] -= count_wanted
        request = {"orderId": f"ORD{600000000 + index}", "fanId": f"FAN{700000000 + index}", "concertId": CONCERT,
                   "tickets": tickets, "paymentStatus": "Pending", "purchaseTimestamp": at.isoformat(),
                   "fanContact": {"email": f"fan{index}@example.com"}, "fanLocale": "en-US"}
        purchases.append(Purchase(request, at, at + timedelta(seconds=rng.randint(20, 240))))
    return Surge(tuple(purchases))
