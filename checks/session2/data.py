"""Session 2's shared data: the simulated runs the checks grade against (cached per process)."""

from __future__ import annotations

from functools import lru_cache

from checks.context import CheckContext
from checks.lab import LabFileError
from stack.simulate import scenarios
from stack.simulate.model import CONSUMERS, QUEUES, TOPIC, dlq
from stack.simulate.store import MetricStore

DLQS = tuple(dlq(q) for q in QUEUES)
RESOURCES = frozenset({*QUEUES, *DLQS, *CONSUMERS.values(), scenarios.PRODUCER, TOPIC, "FanClubAwardsSubscription"})


def seed_of(ctx: CheckContext) -> int:
    """The learner's mystery seed (``seed.toml``), or the lab's default seed."""
    try:
        data = ctx.data("seed.toml")
    except LabFileError as exc:
        if "not found" in exc.problem:
            return scenarios.DEFAULT_SEED
        raise
    seed = data.get("seed") if isinstance(data, dict) else None
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise LabFileError("seed.toml", "`seed` must be a whole number (ask your instructor for yours)")
    return seed


@lru_cache(maxsize=4)
def healthy() -> MetricStore:
    return scenarios.healthy()


@lru_cache(maxsize=8)
def replay_run(index: int) -> MetricStore:
    return scenarios.run(scenarios.REPLAY_RUNS[index])


@lru_cache(maxsize=4)
def mystery_run(seed: int) -> MetricStore:
    return scenarios.run(scenarios.mysteries(seed))
