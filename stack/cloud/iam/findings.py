"""Findings: an id from code, words from ``findings.yaml`` (Parliament style, ``shared/style.md`` item 2).

Code creates a :class:`Finding` with an id and a location; title, severity and description come from
the catalogue. An id that is not in the catalogue raises ``KeyError`` at creation, so a typo cannot
reach a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

import yaml


@dataclass(frozen=True)
class CatalogueEntry:
    title: str
    severity: str
    description: str


@cache
def catalogue() -> Mapping[str, CatalogueEntry]:
    """The finding catalogue, read once from ``findings.yaml``."""
    text = resources.files(__package__).joinpath("findings.yaml").read_text(encoding="utf-8")
    return MappingProxyType({key: CatalogueEntry(**value) for key, value in yaml.safe_load(text).items()})


@dataclass(frozen=True)
class Location:
    """Where a finding points: policy origin (file or logical id), statement index and Sid."""

    origin: str
    statement: int | None = None
    sid: str | None = None

    def __str__(self) -> str:
        if self.statement is None:
            return self.origin
        sid = f" '{self.sid}'" if self.sid else ""
        return f"{self.origin} statement #{self.statement}{sid}"


@dataclass(frozen=True)
class Finding:
    """One finding. ``detail`` says what exactly (the action, the ARN, the denied call).

    Equality ignores ``locations``: a finding is identified by its meaning, so two policies that allow
    the same things compare equal whatever their statement order or Sids.
    """

    id: str
    detail: str
    locations: tuple[Location, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.id not in catalogue():
            raise KeyError(f"finding id {self.id!r} is not in findings.yaml")

    @property
    def entry(self) -> CatalogueEntry:
        return catalogue()[self.id]

    def __str__(self) -> str:
        where = "; ".join(str(loc) for loc in self.locations)
        return f"{self.entry.severity} {self.id}: {self.detail}" + (f" ({where})" if where else "")
