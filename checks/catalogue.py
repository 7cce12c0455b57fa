"""Check words as data: one ``catalogue.toml`` per session, read and validated here.

Format (ids are quoted because they contain dots)::

    [session]
    enforcement = "IAM identity, resource and key policies: enforced; alarms: evaluated; SMS: simulated"

    [checks."S1.iam.payment-processor.scoped-resources"]
    title = "PaymentProcessor may only touch its own table"
    hint = "Which ARN does the function actually write to? Could Resource name only that?"
    docs = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"

A hint teaches (asks a question, points at the docs); it never contains the answer.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.check import Words


class CatalogueError(ValueError):
    """The catalogue file is malformed: a project bug, reported with the file name."""


@dataclass(frozen=True)
class Catalogue:
    """The parsed words of one session."""

    enforcement: str
    words: dict[str, Words]

    @classmethod
    def parse(cls, text: str, origin: str = "catalogue.toml") -> Catalogue:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{origin}: {exc}") from None
        enforcement = data.get("session", {}).get("enforcement")
        if not isinstance(enforcement, str) or not enforcement.strip():
            raise CatalogueError(f"{origin}: [session] enforcement must be a non-empty string")
        return cls(enforcement, {cid: _words(origin, cid, entry) for cid, entry in data.get("checks", {}).items()})

    @classmethod
    def read(cls, path: Path) -> Catalogue:
        return cls.parse(path.read_text(encoding="utf-8"), str(path))


def _words(origin: str, check_id: str, entry: Any) -> Words:
    """One catalogue entry; title and hint are required so no check reaches a learner mute."""
    if not isinstance(entry, dict):
        raise CatalogueError(f"{origin}: [checks.\"{check_id}\"] must be a table")
    unknown = set(entry) - {"title", "hint", "docs"}
    if unknown:
        raise CatalogueError(f"{origin}: [checks.\"{check_id}\"] has unknown keys {sorted(unknown)}")
    for key in ("title", "hint"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise CatalogueError(f"{origin}: [checks.\"{check_id}\"] needs a non-empty {key}")
    if "\n" in entry["title"]:
        raise CatalogueError(f"{origin}: [checks.\"{check_id}\"] title must be one line")
    return Words(title=entry["title"], hint=entry["hint"].strip(), docs=entry.get("docs"))
