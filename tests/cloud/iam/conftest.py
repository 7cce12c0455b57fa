"""Shared data for the policy-engine tests: the reference system in ``data/system.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stack.cloud.iam.reach import Universe

SYSTEM_FILE = Path(__file__).parent / "data" / "system.yaml"


@pytest.fixture(scope="session")
def system() -> dict[str, Any]:
    return yaml.safe_load(SYSTEM_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def universe(system: dict[str, Any]) -> Universe:
    return Universe(system["account"], system["region"], tuple(system["system"]))
