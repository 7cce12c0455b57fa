"""Session 2 self-test fixtures: a deployed offline system, closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from stack.deploy import Deployment, deploy


@pytest.fixture
def system() -> Iterator[Callable[..., Deployment]]:
    opened: list[Deployment] = []

    def make(**kwargs) -> Deployment:
        deployment = deploy(**kwargs)
        opened.append(deployment)
        return deployment

    yield make
    for deployment in opened:
        deployment.cloud.close()
