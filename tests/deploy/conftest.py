"""One moto server subprocess for the deploy tests (loopback, free port), stopped whatever happens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("flask", reason="the deploy tests need the moto[server] extra (pip install -e '.[dev]')")

from stack.endpoints import MotoServer  # noqa: E402


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server
    assert server.process is None  # stopped and reaped
