"""What a check is: code that judges one thing in a lab folder, and the words that explain it.

Parliament-style split: the *code* side (:func:`check`) carries the id, the exercise, the points and
the function; the *words* (title, hint, docs link) live in a per-session catalogue file
(:mod:`checks.catalogue`) so that lab authors edit text without touching code. :class:`Session` is the
joined, validated result that the plugin grades with.

A check function receives a :class:`checks.context.CheckContext` and returns a :class:`Result`. It may
raise :class:`checks.lab.LabFileError` (a learner's file is missing or malformed): that becomes a failed
check whose message names the file and line, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from checks.context import CheckContext
    from checks.lab import SessionId

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
EvidenceKind = Literal["text", "json", "html"]

#: Seconds a check (and the learner code it runs) may take before it is cut and reported.
DEFAULT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Evidence:
    """Something a learner can look at to see *why*: a policy statement, a denied call, a chart.

    ``content`` is plain text for ``text``, a JSON-able value for ``json`` and an HTML fragment for
    ``html`` (the fragment is trusted: only our own check code creates it).
    """

    kind: EvidenceKind
    title: str
    content: Any

    @classmethod
    def text(cls, title: str, content: str) -> Evidence:
        return cls("text", title, content)

    @classmethod
    def json(cls, title: str, content: Any) -> Evidence:
        return cls("json", title, content)

    @classmethod
    def html(cls, title: str, content: str) -> Evidence:
        return cls("html", title, content)


@dataclass(frozen=True)
class Result:
    """The verdict of one check: ``passed`` of ``total`` parts, why, and what shows it.

    Parts give partial credit: a check worth 3 points with 2 of 4 parts right scores 1.5.
    ``message`` speaks to the learner about *their* file (``iam/payment.json:12: ...``).
    """

    passed: int
    total: int
    message: str = ""
    evidence: tuple[Evidence, ...] = ()

    def __post_init__(self) -> None:
        if self.total < 1 or not 0 <= self.passed <= self.total:
            raise ValueError(f"Result parts must satisfy 0 <= passed <= total >= 1, got {self.passed}/{self.total}")

    @classmethod
    def ok(cls, message: str = "", evidence: Sequence[Evidence] = ()) -> Result:
        return cls(1, 1, message, tuple(evidence))

    @classmethod
    def fail(cls, message: str, evidence: Sequence[Evidence] = ()) -> Result:
        return cls(0, 1, message, tuple(evidence))

    @classmethod
    def parts(cls, passed: int, total: int, message: str = "", evidence: Sequence[Evidence] = ()) -> Result:
        return cls(passed, total, message, tuple(evidence))

    @property
    def complete(self) -> bool:
        return self.passed == self.total

    def score(self, points: int) -> float:
        """Points earned, rounded to cents so that totals add up exactly as printed."""
        return round(points * self.passed / self.total, 2)


CheckFn = Callable[["CheckContext"], Result]


@dataclass(frozen=True)
class CheckCode:
    """The code side of a check, as written in ``checks/sessionN/*.py`` with :func:`check`."""

    id: str
    exercise: str
    points: int
    run: CheckFn
    visibility: Visibility = "visible"
    timeout: float = DEFAULT_TIMEOUT_SECONDS


def check(
    id: str,  # noqa: A002 - "id" is the word the whole project uses
    *,
    exercise: str,
    points: int,
    visibility: Visibility = "visible",
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> Callable[[CheckFn], CheckCode]:
    """Declare a check. Returns a decorator that turns the function into a :class:`CheckCode`.

    Nothing is registered anywhere: the session module lists its checks itself (``CHECKS = [...]``),
    so importing a module has no side effects and tests can build sessions from local functions.
    """
    if points < 0:
        raise ValueError(f"{id}: points must be >= 0")

    def wrap(fn: CheckFn) -> CheckCode:
        return CheckCode(id=id, exercise=exercise, points=points, run=fn, visibility=visibility, timeout=timeout)

    return wrap


@dataclass(frozen=True)
class Words:
    """The learner-facing text of a check, from the session catalogue."""

    title: str
    hint: str
    docs: str | None = None


@dataclass(frozen=True)
class Check:
    """A check ready to grade with: its code joined with its words."""

    code: CheckCode
    words: Words

    @property
    def id(self) -> str:
        return self.code.id


@dataclass(frozen=True)
class Session:
    """Everything the grader needs for one session number.

    ``enforcement`` is the terminal header line saying what the offline cloud enforces and what it only
    simulates, so that no security setting silently does nothing. ``background``: memo key -> the
    slow computation behind it, which a run may start early in a forked child (:mod:`checks.background`).
    """

    number: SessionId
    enforcement: str
    checks: tuple[Check, ...]
    background: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)

    @classmethod
    def build(cls, number: SessionId, enforcement: str, code: Sequence[CheckCode], words: Mapping[str, Words],
              background: Mapping[str, Callable[[Any], Any]] | None = None) -> Session:
        """Join code and words; an id without words, or words without code, is an error (fail loudly)."""
        ids = [c.id for c in code]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        missing = sorted(set(ids) - set(words))
        unknown = sorted(set(words) - set(ids))
        problems = [
            *(f"duplicate check id {i}" for i in duplicates),
            *(f"check {i} has no title/hint in the catalogue" for i in missing),
            *(f"catalogue names unknown check {i}" for i in unknown),
        ]
        if problems:
            raise ValueError(f"session {number}: " + "; ".join(problems))
        return cls(number, enforcement, tuple(Check(c, words[c.id]) for c in code), dict(background or {}))

    def for_exercise(self, exercise: str) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.code.exercise == exercise)
