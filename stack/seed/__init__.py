"""Seed data of the offline system, as JSON files next to this module.

- ``seats.json``: the SeatInventory items of CONCERT001 (VIP B1-B40 at 250.00, GA01-GA30 at 89.50;
  B20 already SOLD to an earlier order, every other seat AVAILABLE);
- ``fan_club_members.json``: FanClubMembers items (FCID1001 and FCID1002 Active, FCID1003 Inactive);
- ``purchases.json``: named purchases: ``sample`` is design.md's payload verbatim, the others each
  exercise one path (``no_fan_club``, ``declined``, ``no_phone``, ``seat_taken``,
  ``inactive_member``, ``mixed``).

Data, not code: the files are the single source; :func:`load` reads them with money as ``Decimal``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

SEED_DIR = Path(__file__).resolve().parent


def load(name: str) -> Any:
    """Parse ``<name>.json`` from the seed folder, non-integer numbers as ``Decimal`` (a fresh copy each call)."""
    return json.loads((SEED_DIR / f"{name}.json").read_text(encoding="utf-8"), parse_float=Decimal)
