"""Session 2's shared data: the simulated runs the checks grade against (cached per process)."""

from __future__ import annotations

from functools import lru_cache

from checks.context import CheckContext
from checks.lab import LabFileError
from stack.simulate import mystery, scenarios
from stack.simulate.model import CONSUMERS, QUEUES, TOPIC, dlq
from stack.simulate.store import MetricStore

DLQS = tuple(dlq(q) for q in QUEUES)
RESOURCES = frozenset({*QUEUES, *DLQS, *CONSUMERS.values(), scenarios.PRODUCER, TOPIC, "FanClubAwardsSubscription"})


def seed_of(ctx: CheckContext) -> int:
    """The learner's mystery seed (``seed.toml``, see :mod:`stack.simulate.mystery`), or the lab's default.

    A ``learner`` recorded next to the seed must be the one the seed was derived for: a seed swapped
    for a neighbour's (or the default one, whose answers ``solutions/`` holds) is refused."""
    try:
        data = ctx.data(mystery.SEED_FILE)
    except LabFileError as exc:
        if "not found" in exc.problem:
            return scenarios.DEFAULT_SEED
        raise
    seed = data.get("seed") if isinstance(data, dict) else None
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise LabFileError(mystery.SEED_FILE, "`seed` must be a whole number (ask your instructor for yours)")
    learner = data.get("learner")
    if learner is not None and seed != scenarios.learner_seed(str(learner)):
        raise LabFileError(mystery.SEED_FILE, f"this is not the seed of learner {learner}: keep the seed your "
                                              "instructor wrote (`tourlab seed --learner ID`)")
    return seed


@lru_cache(maxsize=4)
def healthy() -> MetricStore:
    return scenarios.healthy()


@lru_cache(maxsize=8)
def replay_run(index: int) -> MetricStore:
    return scenarios.run(scenarios.REPLAY_RUNS[index])


@lru_cache(maxsize=4)
def mystery_run(seed: int) -> MetricStore:
    return mystery.mystery_run(seed)
