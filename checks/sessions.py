"""Where the grader gets a session's checks from: always the installed ``checks.sessionN`` package.

A session package exposes ``CHECKS`` (a list of :class:`checks.check.CheckCode`), optionally
``BACKGROUND`` (see :class:`checks.check.Session`), and ships a ``catalogue.toml`` beside its
``__init__.py``. The lab folder only names the session: a number (``checks.sessionN``) or one of
the closed list of named sessions (``"extension"``: ``checks.extension``); it can never point the
grader at code of its own.

Self-tests need sessions that do not exist in ``checks/``. They pass a :class:`FixedSessions` plugin
object to ``pytest.main(..., plugins=[...])`` (or ``pytester.runpytest(plugins=[...])``): an in-process
object, so no file, option or environment variable a learner controls can switch it on.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from checks.catalogue import Catalogue
from checks.check import Session
from checks.lab import SessionId, is_session_id


class UnknownSession(LookupError):
    """The lab names a session this installation has no checks for."""


SessionResolver = Callable[[SessionId], Session]

#: Overrides :func:`installed_session` for one pytest run (set only by :class:`FixedSessions`).
RESOLVER_KEY = pytest.StashKey[SessionResolver]()


def package_name(session: SessionId) -> str:
    """The package holding a session's checks: ``checks.session1`` for 1, ``checks.extension`` for "extension"."""
    if not is_session_id(session):
        raise UnknownSession(f"not a session: {session!r}")
    return f"checks.session{session}" if isinstance(session, int) else f"checks.{session}"


def installed_session(number: SessionId) -> Session:
    """Load ``checks.session<number>``: its ``CHECKS`` joined with its ``catalogue.toml``."""
    name = package_name(number)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise UnknownSession(f"this installation has no checks for session {number} (no package {name})") from None
    catalogue = Catalogue.read(Path(module.__file__).with_name("catalogue.toml"))
    return Session.build(number, catalogue.enforcement, module.CHECKS, catalogue.words, getattr(module, "BACKGROUND", None))


def resolver(config: pytest.Config) -> SessionResolver:
    return config.stash.get(RESOLVER_KEY, installed_session)


class FixedSessions:
    """A pytest plugin object that makes a run grade with the given sessions (self-tests only)."""

    def __init__(self, sessions: Mapping[SessionId, Session]) -> None:
        self._sessions = dict(sessions)

    def resolve(self, number: SessionId) -> Session:
        try:
            return self._sessions[number]
        except KeyError:
            raise UnknownSession(f"no test session {number}") from None

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[RESOLVER_KEY] = self.resolve
