"""FanClubAwardProcessor: award fan club points for fan club tickets and keep each member's tier.

Each ticket with ``isFanClubMember: true`` earns POINTS_PER_FAN_CLUB_TICKET points for the member
named by its ``fanClubId``; other tickets earn nothing. The award is one conditional UpdateItem per
member and order: ``ADD points`` together with ``ADD awardedOrders {orderId}``, on the condition that
the order is not in ``awardedOrders`` yet, so a redelivered message awards nothing twice.

Tiers (by total points): Gold from 500, Silver from 100, Bronze below. The tier is set in a second
write, guarded by the points value it was computed from: if another award landed in between, that
award sets the tier from its newer total instead. A redelivery re-applies the tier, which repairs a
run that stopped between the two writes.

A membership that does not exist cannot be fixed by a retry: it is logged as an error and the
record is not returned to the queue.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

from ticketing_common import BatchResponse, Purchase, log, process_sqs_batch

FAN_CLUB_TABLE = os.environ["FAN_CLUB_TABLE"]
POINTS_PER_FAN_CLUB_TICKET = int(os.environ["POINTS_PER_FAN_CLUB_TICKET"])

# Highest threshold first: the first tier whose threshold the points reach wins.
TIERS: tuple[tuple[int, str], ...] = ((500, "Gold"), (100, "Silver"), (0, "Bronze"))

_members = boto3.resource("dynamodb").Table(FAN_CLUB_TABLE)
_conditional_check_failed = _members.meta.client.exceptions.ConditionalCheckFailedException


def handler(event: Mapping[str, Any], context: Any) -> BatchResponse:
    """Award points for every purchase in the SQS batch; report only the records to retry."""
    return process_sqs_batch(event, award)


def tier_for(points: Decimal | int) -> str:
    """The tier a member with ``points`` points belongs to."""
    return next(name for threshold, name in TIERS if points >= threshold)


def award(purchase: Purchase) -> None:
    """Award the points of one purchase, one member at a time (a purchase may cover several)."""
    order_id = purchase["orderId"]
    tickets_per_member = Counter(
        ticket["fanClubId"] for ticket in purchase["tickets"] if ticket.get("isFanClubMember") is True
    )
    if not tickets_per_member:
        log("INFO", "no fan club tickets; nothing to award", order_id)
        return
    for fan_club_id, tickets in sorted(tickets_per_member.items()):
        _award_member(order_id, fan_club_id, tickets * POINTS_PER_FAN_CLUB_TICKET)


def _award_member(order_id: str, fan_club_id: str, points: int) -> None:
    """Add ``points`` once per order, then bring the tier in line with the new total."""
    try:
        member = _members.update_item(
            Key={"fanClubId": fan_club_id},
            UpdateExpression="ADD points :points, awardedOrders :orders",
            ConditionExpression="attribute_exists(fanClubId) AND NOT contains(awardedOrders, :orderId)",
            ExpressionAttributeValues={":points": points, ":orders": {order_id}, ":orderId": order_id},
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )["Attributes"]
        log("INFO", "fan club points awarded", order_id, fanClubId=fan_club_id, points=points, total=member["points"])
    except _conditional_check_failed as exc:
        old = exc.response.get("Item")
        if old is None:
            log("ERROR", "fan club membership not found; nothing awarded, not retried", order_id, fanClubId=fan_club_id)
            return
        member = TypeDeserializer().deserialize({"M": old})
        log("INFO", "points already awarded; duplicate delivery ignored", order_id, fanClubId=fan_club_id)
    _apply_tier(order_id, fan_club_id, member)


def _apply_tier(order_id: str, fan_club_id: str, member: Mapping[str, Any]) -> None:
    """Set the tier for ``member['points']`` unless the points changed since they were read."""
    points = member.get("points", 0)
    tier = tier_for(points)
    if member.get("tier") == tier:
        return
    try:
        _members.update_item(
            Key={"fanClubId": fan_club_id},
            UpdateExpression="SET tier = :tier",
            ConditionExpression="points = :points",
            ExpressionAttributeValues={":tier": tier, ":points": points},
        )
    except _conditional_check_failed:
        log("INFO", "points changed meanwhile; the newer award sets the tier", order_id, fanClubId=fan_club_id)
        return
    log("INFO", "fan club tier updated", order_id, fanClubId=fan_club_id, tier=tier, points=points)
