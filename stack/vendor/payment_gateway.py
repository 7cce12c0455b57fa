"""The payment vendor's gateway Lambda (account 222222222222), faked deterministically.

The ticketing system does not own this code; it only calls it across accounts. It behaves like a
real gateway in the ways the labs need:

- decisions are deterministic: DECLINED when the amount is above AMOUNT_LIMIT or the fan is on
  DECLINED_FANS, APPROVED otherwise, so a lab can predict every outcome;
- ``transactionId`` is derived from ``idempotencyKey`` (a hash), and a repeated ``idempotencyKey``
  gets the first answer back, as payment APIs promise, so a retried charge is never a second charge;
  reusing a key for a different request is refused, as such APIs do.

Request ``{"orderId", "amount": "450.00", "idempotencyKey", "fanId"}``; response
``{"status": "APPROVED"|"DECLINED", "transactionId", "reason"}`` (``reason`` is ``None`` when approved).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

AMOUNT_LIMIT = Decimal("5000")
DECLINED_FANS = frozenset({"FAN000DECLINE"})

# Answers given so far, by idempotency key, with the request they answered. Lives as long as the
# function's execution environment, like a gateway's idempotency store (scoped to one deployment).
_answers: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Approve or decline one charge; the same ``idempotencyKey`` always gets the same answer."""
    key = event.get("idempotencyKey")
    if not isinstance(key, str) or not key:
        return _answer(None, "DECLINED", "MISSING_IDEMPOTENCY_KEY")
    fingerprint = (event.get("orderId"), event.get("amount"), event.get("fanId"))
    if key in _answers:
        first_request, first_answer = _answers[key]
        if first_request != fingerprint:
            return _answer(key, "DECLINED", "IDEMPOTENCY_KEY_REUSED")
        return first_answer
    answer = _decide(key, event)
    _answers[key] = (fingerprint, answer)
    return answer


def _decide(key: str, event: Mapping[str, Any]) -> dict[str, Any]:
    try:
        amount = Decimal(str(event.get("amount")))
    except InvalidOperation:
        return _answer(key, "DECLINED", "INVALID_AMOUNT")
    if not amount.is_finite() or amount <= 0:
        return _answer(key, "DECLINED", "INVALID_AMOUNT")
    if amount > AMOUNT_LIMIT:
        return _answer(key, "DECLINED", "AMOUNT_LIMIT_EXCEEDED")
    if event.get("fanId") in DECLINED_FANS:
        return _answer(key, "DECLINED", "CARD_DECLINED")
    return _answer(key, "APPROVED", None)


def _answer(key: str | None, status: str, reason: str | None) -> dict[str, Any]:
    transaction_id = "TXN-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16].upper() if key else None
    return {"status": status, "transactionId": transaction_id, "reason": reason}
