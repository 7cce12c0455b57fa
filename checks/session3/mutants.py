"""The instructor's mutants for exercise 3c: one realistic bug each, over the bug classes of 3b.

A mutant is a one-place text edit of a reference handler (``stack/handlers``). The self-tests check
that each edit applies exactly once, that each mutant is killed by the solution's tests, and that the
edit really changes behaviour (no equivalent mutants). ``functions`` names the functions whose
behaviour the edit changes: a learner test that invokes none of them cannot kill it, so it is not run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stack.casestudies.messages import CONSUMERS, HANDLERS


@dataclass(frozen=True)
class Mutant:
    id: str
    bug_class: str
    file: str
    old: str
    new: str
    functions: tuple[str, ...]

    def source(self, handlers: Path = HANDLERS) -> str:
        text = (handlers / self.file).read_text(encoding="utf-8")
        count = text.count(self.old)
        if count != 1:
            raise ValueError(f"mutant {self.id}: the text to replace occurs {count} times in {self.file}")
        return text.replace(self.old, self.new)


PP, SIU, FN, FCAP = "payment_processor.py", "seat_inventory_updater.py", "fan_notifier.py", "fan_club_award_processor.py"

MUTANTS: tuple[Mutant, ...] = (
    # fan club discount: twice, float, for everyone, never
    Mutant("discount-applied-twice", "discount", PP, "total = (original - exact_discount)", "total = (original - 2 * exact_discount)", ("PaymentProcessor",)),
    Mutant("discount-float", "discount", PP, "total = (original - exact_discount).quantize(CENT, rounding=ROUND_HALF_UP)",
           "total = Decimal(round(float(original) - float(exact_discount), 2))", ("PaymentProcessor",)),
    Mutant("discount-for-everyone", "discount", PP,
           'fan_club_prices = (Decimal(ticket["price"]) for ticket in tickets if ticket.get("isFanClubMember") is True)',
           'fan_club_prices = (Decimal(ticket["price"]) for ticket in tickets)', ("PaymentProcessor",)),
    Mutant("discount-never", "discount", PP, "price * discount_percent / 100 for price", "price * 0 for price", ("PaymentProcessor",)),
    # declined payment status
    Mutant("declined-left-pending", "payment-status", PP, 'else "Failed"', 'else "Pending"', ("PaymentProcessor",)),
    Mutant("declined-recorded-paid", "payment-status", PP, 'status = "Paid" if result["status"] == "APPROVED" else "Failed"',
           'status = "Paid"', ("PaymentProcessor",)),
    # partial batch failures (shared module: every consumer)
    Mutant("whole-batch-fails", "batch-failures", "ticketing_common.py", '            failures.append({"itemIdentifier": message_id})',
           "            raise", CONSUMERS),
    Mutant("failures-swallowed", "batch-failures", "ticketing_common.py", '            failures.append({"itemIdentifier": message_id})',
           "            pass", CONSUMERS),
    # FanNotifier
    Mutant("crash-on-missing-phone", "notifier", FN, 'if contact.get("phone"):', 'if contact["phone"]:', ("FanNotifier",)),
    Mutant("send-errors-swallowed", "notifier", FN, "        _release(order_id)\n        raise", "        channels = []", ("FanNotifier",)),
    Mutant("sms-never-sent", "notifier", FN, '_sns.publish(PhoneNumber=contact["phone"], Message=text)\n        channels.append("sms")',
           'channels.append("sms")', ("FanNotifier",)),
    Mutant("notification-sent-twice", "notifier", FN, '            ConditionExpression="attribute_not_exists(notification)",\n', "", ("FanNotifier",)),
    # FanClubAwardProcessor
    Mutant("points-awarded-twice", "awards", FCAP, '"attribute_exists(fanClubId) AND NOT contains(awardedOrders, :orderId)"',
           '"attribute_exists(fanClubId) AND NOT contains(awardedOrders, :orderId) OR attribute_exists(fanClubId)"', ("FanClubAwardProcessor",)),
    Mutant("points-for-guest-tickets", "awards", FCAP,
           'ticket["fanClubId"] for ticket in purchase["tickets"] if ticket.get("isFanClubMember") is True',
           'ticket["fanClubId"] for ticket in purchase["tickets"] if ticket.get("fanClubId")', ("FanClubAwardProcessor",)),
    Mutant("points-per-order-not-ticket", "awards", FCAP, "tickets * POINTS_PER_FAN_CLUB_TICKET", "POINTS_PER_FAN_CLUB_TICKET", ("FanClubAwardProcessor",)),
    Mutant("gold-threshold-off", "awards", FCAP, '(500, "Gold")', '(501, "Gold")', ("FanClubAwardProcessor",)),
    # SeatInventoryUpdater
    Mutant("overbook-sold-seat", "overbooking", SIU, '"attribute_exists(seatNumber) AND (#status = :available OR orderId = :orderId)"',
           '"attribute_exists(seatNumber)"', ("SeatInventoryUpdater",)),
    Mutant("conflict-retried-forever", "overbooking", SIU, "        if conflicts is None:\n            raise",
           "        if conflicts is not None or conflicts is None:\n            raise", ("SeatInventoryUpdater",)),
    Mutant("redelivery-is-a-conflict", "overbooking", SIU, "(#status = :available OR orderId = :orderId)", "(#status = :available)",
           ("SeatInventoryUpdater",)),
)
