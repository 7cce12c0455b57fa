"""Check definitions: partial credit arithmetic, and code joined with catalogue words (Parliament-style)."""

from __future__ import annotations

import pytest

from checks.catalogue import Catalogue, CatalogueError
from checks.check import Result, Session, Words, check


def test_partial_credit_rounds_to_cents() -> None:
    assert Result.parts(2, 3).score(5) == 3.33
    assert Result.parts(3, 3).complete and not Result.parts(2, 3).complete
    with pytest.raises(ValueError):
        Result.parts(4, 3)


@check("S9.x.one", exercise="x", points=1)
def one(ctx) -> Result:  # noqa: ANN001 - never called
    return Result.ok()


def test_session_rejects_unknown_missing_and_duplicate_ids() -> None:
    words = {"S9.x.one": Words("One", "Hint"), "S9.x.ghost": Words("Ghost", "Hint")}
    with pytest.raises(ValueError) as info:
        Session.build(9, "all simulated", [one, one], words)
    assert "duplicate check id S9.x.one" in str(info.value)
    assert "catalogue names unknown check S9.x.ghost" in str(info.value)


def test_catalogue_is_parsed_and_validated() -> None:
    catalogue = Catalogue.parse(
        '[session]\nenforcement = "IAM: enforced"\n[checks."S9.x.one"]\ntitle = "One"\nhint = "Why?"\ndocs = "https://d"\n'
    )
    session = Session.build(9, catalogue.enforcement, [one], catalogue.words)
    assert session.checks[0].words == Words("One", "Why?", "https://d")
    with pytest.raises(CatalogueError, match="needs a non-empty hint"):
        Catalogue.parse('[session]\nenforcement = "x"\n[checks."S9.x.one"]\ntitle = "One"\n')
    with pytest.raises(CatalogueError, match="enforcement"):
        Catalogue.parse('[checks."S9.x.one"]\ntitle = "One"\nhint = "h"\n')
