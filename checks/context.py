"""What a check function receives: the lab folder and its parsed files, cached and error-aware.

One :class:`CheckContext` is shared by all checks of a lab folder in a run, so a file is parsed once;
a parse error is cached too, so every check that needs a malformed file fails with the same
file:line message while checks that do not need it run normally.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from checks import background
from checks.lab import LabFileError, Manifest, parse, read_text

T = TypeVar("T")


@dataclass(frozen=True)
class CheckContext:
    """The fixture-like argument of every check (later also the deployed offline cloud)."""

    lab: Path
    manifest: Manifest
    #: ``--aws-endpoint URL``: the moto server the end-to-end run goes to (None: moto in process).
    endpoint: str | None = None
    _parsed: dict[str, Any | LabFileError] = field(default_factory=dict, repr=False, compare=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _background: dict[str, background.Job] = field(default_factory=dict, repr=False, compare=False)

    def data(self, relpath: str) -> Any:
        """The parsed content of a JSON/YAML/TOML file; raises :class:`LabFileError` with file:line."""
        if relpath not in self._parsed:
            try:
                self._parsed[relpath] = parse(self.lab, relpath)
            except LabFileError as exc:
                self._parsed[relpath] = exc
        value = self._parsed[relpath]
        if isinstance(value, LabFileError):  # a fresh exception each time: tracebacks must not pile up
            raise LabFileError(value.path, value.problem, value.line, value.column)
        return value

    def text(self, relpath: str) -> str:
        """The raw text of a learner file (handlers, READMEs), with the same not-found message."""
        return read_text(self.lab, relpath)

    def memo(self, key: str, compute: Callable[[CheckContext], T]) -> T:
        """``compute(self)`` once per run and ``key`` (e.g. one deployment shared by several checks).

        A :class:`LabFileError` it raises is remembered like :meth:`data`'s, so every check that needs
        the result fails with the same file:line message; other exceptions are not cached.
        """
        if key not in self._memo:
            try:
                self._memo[key] = self._from_background(key, compute)
            except LabFileError as exc:
                self._memo[key] = exc
        value = self._memo[key]
        if isinstance(value, LabFileError):
            raise LabFileError(value.path, value.problem, value.line, value.column)
        return value

    def start_background(self, work: Mapping[str, Callable[[CheckContext], Any]]) -> None:
        """Start computing ``work`` (memo key -> compute) in forked children, for :meth:`memo` to read."""
        for key, compute in work.items():
            if key not in self._memo and key not in self._background:
                self._background[key] = background.Job.start(lambda compute=compute: compute(self))

    def cancel_background(self) -> None:
        """Stop the children whose values no check asked for (``-k`` left their checks out)."""
        while self._background:
            self._background.popitem()[1].cancel()

    def _from_background(self, key: str, compute: Callable[[CheckContext], T]) -> T:
        job = self._background.get(key)  # left in place while read, so a cancel can still stop it
        if job is not None:
            try:
                return job.result()
            except background.Unavailable:
                pass  # compute it here: a learner's error then surfaces with its own message
            finally:
                self._background.pop(key, None)
        return compute(self)
