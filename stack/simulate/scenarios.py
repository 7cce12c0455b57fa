"""Scenarios of session 2: a healthy on-sale and incidents with ground truth; mystery incidents from a seed.

Ground truth of an incident: the ``component`` (a resource name of ``stack/template.yaml``), the
failure ``kind`` from the fixed vocabulary :data:`FAILURE_CLASSES`, and the ``onset`` minute. Each
class changes the model the way the real fault changes the system, so its metric signature is the one
``shared/aws-facts.md`` ("Metric signatures of common failures") describes.

Mysteries: :func:`mysteries` turns a seed into incidents (distinct classes, random component and
onset). The lab's default seed (:data:`DEFAULT_SEED`) is the one ``solutions/session2`` answers; an
instructor gives a learner another seed (``tourlab`` writes it into the learner's ``seed.toml``, or
:func:`learner_seed` derives it from a learner id) and grading regenerates the truth from that seed.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from functools import lru_cache

from stack.simulate.model import CONSUMERS, FAN_CLUB_QUEUE, PRODUCER, QUEUES, TOPIC, Change, Config, Surge, dlq, simulate
from stack.simulate.store import MetricStore

FAILURE_CLASSES = (
    "consumer-throttled",        # reserved concurrency caps the consumer
    "sns-delivery-failure",      # SNS cannot deliver to one encrypted queue (key policy)
    "poison-message",            # a message that always fails: retries, then the DLQ
    "filter-policy-mismatch",    # the fan club subscription's filter matches nothing
    "visibility-timeout-short",  # visibility timeout shorter than processing: duplicates
    "downstream-latency",        # the payment gateway slows down
    "producer-publish-denied",   # TicketPurchaseHandler may no longer sns:Publish
)
DEFAULT_SEED = 20240501
#: The on-sale the lab grades with: one hour, 40,000 purchases (the bench uses 100,000 over two hours).
LAB_SURGE = Surge(purchases=40_000, minutes=60, open_minute=5, peak_minutes=8, tail_minutes=12)
#: Minutes after onset within which the right alarm must be in ALARM (lab README states it).
DETECT_WITHIN = 20


@dataclass(frozen=True)
class Incident:
    kind: str
    component: str
    onset: int  # minute

    @property
    def accepted(self) -> frozenset[str]:
        """Names that count as the right component in an answer (a queue, its DLQ and its function)."""
        if self.kind == "filter-policy-mismatch":
            return frozenset({FAN_CLUB_QUEUE, "FanClubAwardsSubscription", CONSUMERS[FAN_CLUB_QUEUE]})
        if self.kind == "producer-publish-denied":
            return frozenset({self.component})
        queue = queue_of(self.component)
        return frozenset({queue, dlq(queue), CONSUMERS[queue]})

    @property
    def watched_by(self) -> frozenset[str]:
        """Resources whose metrics show this incident first-hand (what a detecting alarm watches)."""
        if self.kind == "producer-publish-denied":
            return frozenset({PRODUCER, TOPIC})
        if self.kind in ("sns-delivery-failure", "filter-policy-mismatch"):
            return self.accepted | {TOPIC}
        return self.accepted


def queue_of(component: str) -> str:
    for queue, function in CONSUMERS.items():
        if component in (queue, function, dlq(queue)):
            return queue
    raise ValueError(f"{component} is not a queue or a consumer")


def apply(config: Config, incident: Incident) -> Config:
    """The configuration in which ``incident`` starts at its onset minute."""
    at = incident.onset * 60
    if incident.kind == "producer-publish-denied":
        return replace(config, publish_denied_from=at)
    if incident.kind == "filter-policy-mismatch":
        return replace(config, filter_broken_from=at)
    queue = queue_of(incident.component)
    if incident.kind == "sns-delivery-failure":
        return replace(config, delivery_failing={**config.delivery_failing, queue: at})
    base = config.consumers[queue]
    changed = {
        "consumer-throttled": replace(base, reserved_concurrency=1),
        "poison-message": replace(base, poison_share=0.002),
        "visibility-timeout-short": replace(base, visibility_timeout_s=1.0, per_message_ms=1200.0),
        "downstream-latency": replace(base, per_message_ms=2800.0),
    }[incident.kind]
    return replace(config, changes=(*config.changes, Change(at, queue, changed)))


def lab_config(seed: int = DEFAULT_SEED) -> Config:
    return Config(surge=LAB_SURGE, seed=seed)


@lru_cache(maxsize=32)
def run(incidents: tuple[Incident, ...] = (), seed: int = DEFAULT_SEED) -> MetricStore:
    """The lab's on-sale with ``incidents`` (cached: checks of one run share the same data)."""
    config = lab_config(seed)
    for incident in incidents:
        config = apply(config, incident)
    return simulate(config)


def healthy(seed: int = DEFAULT_SEED) -> MetricStore:
    return run((), seed)


#: One example of every class, grouped into runs that do not interfere (different queues, at most one
#: topic-level fault per run; a denied producer stops everything, so it runs alone).
REPLAY_RUNS = (
    (Incident("consumer-throttled", "SeatInventoryUpdater", 15), Incident("poison-message", "PaymentProcessingQueue", 15),
     Incident("visibility-timeout-short", "NotificationQueue", 15), Incident("filter-policy-mismatch", FAN_CLUB_QUEUE, 15)),
    (Incident("downstream-latency", "PaymentProcessor", 15), Incident("sns-delivery-failure", "NotificationQueue", 15)),
    (Incident("producer-publish-denied", PRODUCER, 15),),
)
REPLAY_INCIDENTS = tuple(i for run_ in REPLAY_RUNS for i in run_)

_COMPONENTS = {
    "consumer-throttled": tuple(CONSUMERS.values()),
    "sns-delivery-failure": QUEUES,
    "poison-message": QUEUES,
    "filter-policy-mismatch": (FAN_CLUB_QUEUE,),
    "visibility-timeout-short": QUEUES,
    "downstream-latency": ("PaymentProcessor",),
    "producer-publish-denied": (PRODUCER,),
}
_TOPIC_LEVEL = ("sns-delivery-failure", "filter-policy-mismatch")


def mysteries(seed: int = DEFAULT_SEED, count: int = 3) -> tuple[Incident, ...]:
    """``count`` incidents of distinct classes in one on-sale, from ``seed``.

    They never interfere: each on its own queue, at most one topic-level fault, and no denied
    producer (it would hide the others; the replay of 2b covers that class).
    """
    rng = random.Random(f"mystery:{seed}")
    kinds = [k for k in FAILURE_CLASSES if k != "producer-publish-denied"]
    while True:
        chosen = rng.sample(kinds, count)
        incidents = tuple(Incident(k, rng.choice(_COMPONENTS[k]), rng.randint(12, 40)) for k in chosen)
        queues = [queue_of(i.component) for i in incidents]
        if len(set(queues)) == count and sum(i.kind in _TOPIC_LEVEL for i in incidents) <= 1:
            return tuple(sorted(incidents, key=lambda i: i.onset))


def learner_seed(learner_id: str) -> int:
    """A stable per-learner seed (an instructor may also hand out any integer)."""
    return int.from_bytes(hashlib.sha256(f"tourlab-session2:{learner_id}".encode()).digest()[:4], "big")
