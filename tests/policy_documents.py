"""Policy documents for self-tests: one way to write them, shared by every test folder."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    """A policy document holding ``statements`` (``version=None``: no Version element at all)."""
    return ({"Version": version} if version else {}) | {"Statement": list(statements)}


def edited(document: Mapping[str, Any], change: Callable[[Any], Any]) -> dict[str, Any]:
    """A deep copy of ``document`` after ``change(copy)``, which edits it in place."""
    result = copy.deepcopy(dict(document))
    change(result)
    return result
