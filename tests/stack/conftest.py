"""Fixtures for the offline cloud: a deployed system, purchases from the seed, handler stand-ins."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from stack.deploy import Deployment, deploy
from stack.overrides import Overrides

SEED = Path(__file__).resolve().parents[2] / "stack" / "seed"


@pytest.fixture
def purchases() -> dict[str, Any]:
    """Named purchases as a client would send them (plain JSON numbers)."""
    return json.loads((SEED / "purchases.json").read_text())


@pytest.fixture
def system() -> Iterator[Callable[..., Deployment]]:
    """Deploy the system (with optional overrides); every deployment is closed after the test."""
    opened: list[Deployment] = []

    def make(overrides: Overrides | None = None, **kwargs: Any) -> Deployment:
        deployment = deploy(overrides, **kwargs)
        opened.append(deployment)
        return deployment

    yield make
    for deployment in opened:
        deployment.cloud.close()


@pytest.fixture
def handler_dir(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a stand-in handler module into a fresh folder; returns the folder."""

    def write(module: str, source: str) -> Path:
        folder = tmp_path / module
        folder.mkdir()
        (folder / f"{module}.py").write_text(textwrap.dedent(source))
        return folder

    return write
