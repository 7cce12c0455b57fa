"""The on-sale model: purchases -> topic -> four queues -> four consumers, one virtual second at a time.

It never pushes a message through moto (``moto-gaps.md``: moto slows down with queue depth); it moves
*counts* of messages between the states SQS and Lambda give them and emits 1-minute metrics with the
names and meanings of ``shared/aws-facts.md``:

- SNS (AWS/SNS, TopicName): NumberOfMessagesPublished, NumberOfNotificationsDelivered, -Failed,
  -FilteredOut per minute with publish activity (SNS emits nothing in a minute without publishes).
  The FanClubAwardsQueue subscription's filter passes the fan club share of purchases.
- SQS (AWS/SQS, QueueName), every queue and DLQ, every minute (zeros included): NumberOfMessagesSent
  (SNS deliveries; redrive to a DLQ does not count on the DLQ), NumberOfMessagesReceived (every receive,
  repeats too), NumberOfMessagesDeleted, NumberOfEmptyReceives, and the gauges
  ApproximateNumberOfMessagesVisible / -NotVisible / -Delayed and ApproximateAgeOfOldestMessage
  sampled once at the start of each minute (as the offline runtime samples them).
- Lambda (AWS/Lambda, FunctionName) in minutes with activity: Invocations, Errors, Throttles, Duration
  (one sample per invocation: Average and Maximum), ConcurrentExecutions (one sample per second).

Consumer model (Lambda with SQS): the event source scales its concurrency from 5 by 60 per minute while
a backlog exists (capped by the function's reserved concurrency, the excess shows as Throttles); each
execution receives up to BatchSize messages and runs for ``overhead + per message x batch`` with
log-normal spread; a batch that fails (error, timeout, a poison message in it) is not deleted and
returns when its visibility timeout expires with its receive count + 1; one whose run outlasts the
visibility timeout is received again although it succeeded (a duplicate); after maxReceiveCount
receives the queue's redrive policy moves it to the DLQ. Counts are fluid (fractions of messages);
metrics are rounded when written. Deterministic: the same :class:`Config` and seed give the same data.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from stack.simulate.store import MetricStore

TOPIC = "TourTicketingTopic"
PRODUCER = "TicketPurchaseHandler"
#: queue -> its consumer function (``stack/template.yaml``)
CONSUMERS = {
    "SeatInventoryQueue": "SeatInventoryUpdater",
    "PaymentProcessingQueue": "PaymentProcessor",
    "NotificationQueue": "FanNotifier",
    "FanClubAwardsQueue": "FanClubAwardProcessor",
}
QUEUES = tuple(CONSUMERS)
FUNCTIONS = (PRODUCER, *CONSUMERS.values())
FAN_CLUB_QUEUE = "FanClubAwardsQueue"


def dlq(queue: str) -> str:
    return f"{queue}DLQ"


#: Lambda's SQS scaling: starting concurrency and the increase per minute while messages wait.
START_CONCURRENCY = 5
SCALE_PER_MINUTE = 60
ACCOUNT_CONCURRENCY = 1000


@dataclass(frozen=True)
class Consumer:
    """One queue and its function, as the template configures them (plus a modelled processing time)."""

    per_message_ms: float = 40.0
    overhead_ms: float = 30.0
    spread: float = 0.35  # sigma of the log-normal duration
    batch_size: int = 10
    timeout_s: float = 30.0
    visibility_timeout_s: float = 180.0
    max_receive_count: int = 5
    reserved_concurrency: int | None = None
    poison_share: float = 0.0  # share of arriving messages that always fail


#: Modelled per-message work of each consumer (DynamoDB conditional write, vendor call, SES, points).
HEALTHY_CONSUMERS = {
    "SeatInventoryQueue": Consumer(per_message_ms=60.0),
    "PaymentProcessingQueue": Consumer(per_message_ms=600.0),
    "NotificationQueue": Consumer(per_message_ms=120.0),
    "FanClubAwardsQueue": Consumer(per_message_ms=50.0),
}


@dataclass(frozen=True)
class Change:
    """From ``at_second`` on, one queue's consumer settings change (an incident or a fix)."""

    at_second: int
    queue: str
    consumer: Consumer


@dataclass(frozen=True)
class Surge:
    """The arrival profile: a trickle, the queue opens, a peak for some minutes, then a long tail."""

    purchases: int = 100_000
    minutes: int = 120
    open_minute: int = 5
    ramp_minutes: float = 1.0
    peak_minutes: float = 10.0
    tail_minutes: float = 20.0  # time constant of the exponential decay after the peak
    baseline_share: float = 0.08  # share of purchases in the trickle before and long after the peak
    noise: float = 0.06
    flash_share: float = 0.25  # share of purchases in the opening rush (the first ``flash_minutes``)
    flash_minutes: float = 3.0

    def rates(self) -> list[float]:
        """Expected purchases per second for every second of the run (sums to ``purchases``)."""
        seconds = self.minutes * 60
        open_s, ramp_s, peak_s = self.open_minute * 60, self.ramp_minutes * 60, self.peak_minutes * 60
        tail_s = self.tail_minutes * 60
        shape = []
        for t in range(seconds):
            if t < open_s:
                w = 0.0
            elif t < open_s + ramp_s:
                w = (t - open_s) / ramp_s
            elif t < open_s + ramp_s + peak_s:
                w = 1.0
            else:
                w = math.exp(-(t - open_s - ramp_s - peak_s) / tail_s)
            shape.append(w)
        total = sum(shape) or 1.0
        flash_s = max(1, int(self.flash_minutes * 60))
        surge = self.purchases * (1 - self.baseline_share - self.flash_share)
        base = self.purchases * self.baseline_share / seconds
        flash = self.purchases * self.flash_share / flash_s
        return [base + surge * w / total + (flash if open_s <= t < open_s + flash_s else 0.0) for t, w in enumerate(shape)]


@dataclass(frozen=True)
class Config:
    surge: Surge = field(default_factory=Surge)
    seed: int = 2024
    fan_club_share: float = 0.3
    consumers: dict[str, Consumer] = field(default_factory=lambda: dict(HEALTHY_CONSUMERS))
    changes: tuple[Change, ...] = ()
    producer_ms: float = 45.0
    publish_denied_from: int | None = None  # second from which sns:Publish is denied
    delivery_failing: dict[str, int] = field(default_factory=dict)  # queue -> second SNS stops delivering to it
    filter_broken_from: int | None = None  # second from which the fan club filter matches nothing
    arrivals: tuple[int, ...] | None = None  # exact purchases per second (overrides the surge profile)

    def with_consumer(self, queue: str, **changes: object) -> Config:
        consumers = dict(self.consumers)
        consumers[queue] = replace(consumers[queue], **changes)  # type: ignore[arg-type]
        return replace(self, consumers=consumers)


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


_SHARE_CACHE: dict[tuple[float, float, float], float] = {}


def _share_over(limit: float, mean: float, sigma: float) -> float:
    """P(D > limit) for a log-normal duration D with the given mean and sigma (cached to 10 ms)."""
    key = (limit, round(mean, 2), sigma)
    found = _SHARE_CACHE.get(key)
    if found is None:
        found = _SHARE_CACHE[key] = _share_over_exact(limit, key[1], sigma)
    return found


def _share_over_exact(limit: float, mean: float, sigma: float) -> float:
    if mean <= 0:
        return 0.0
    mu = math.log(mean) - sigma * sigma / 2
    return 1 - _phi((math.log(limit) - mu) / sigma)


def arrivals(config: Config) -> list[int]:
    """Purchases per second: the surge profile with seeded noise, as whole purchases."""
    if config.arrivals is not None:
        return list(config.arrivals)
    rng = random.Random(config.seed)
    out, carry = [], 0.0
    noise = config.surge.noise
    for rate in config.surge.rates():
        carry += max(0.0, rate * (1 + rng.gauss(0, noise)) + rng.gauss(0, math.sqrt(rate) * 0.3))
        whole = int(carry)
        carry -= whole
        out.append(whole)
    return out


class _Queue:
    """Mutable state of one queue and its event source mapping during a run."""

    __slots__ = ("name", "total", "fresh", "back", "poison", "inflight", "events", "busy", "scale", "dlq", "dlq_oldest",
                 "sent", "received", "deleted", "empty", "inv", "err", "thr", "dur_sum", "dur_max", "conc_max", "conc_sum")

    def __init__(self, name: str, seconds: int) -> None:
        self.name = name
        self.total = 0.0  # visible messages, kept as a running sum
        self.fresh: deque[list[float]] = deque()  # [count, sent_second, receive_count]
        self.back: deque[list[float]] = deque()  # returned after a visibility timeout
        self.poison: deque[list[float]] = deque()  # poison messages: [count, sent_second, receive_count]
        self.inflight = 0.0
        self.events: dict[int, list[tuple[str, float, float, float, float]]] = {}
        self.busy = 0.0
        self.scale = float(START_CONCURRENCY)
        self.dlq = 0.0
        self.dlq_oldest: float | None = None
        self.reset_minute()

    def reset_minute(self) -> None:
        self.sent = self.received = self.deleted = self.empty = 0.0
        self.inv = self.err = self.thr = self.dur_sum = self.dur_max = self.conc_max = self.conc_sum = 0.0

    def visible(self) -> float:
        return self.total

    def add(self, source: deque[list[float]], chunk: list[float]) -> None:
        source.append(chunk)
        self.total += chunk[0]

    def poison_count(self) -> float:
        return sum(c[0] for c in self.poison)

    def oldest(self) -> float | None:
        heads = [d[0][1] for d in (self.fresh, self.back, self.poison) if d]
        return min(heads) if heads else None

    def take(self, amount: float, poison: bool = False) -> list[list[float]]:
        """Receive ``amount`` messages, oldest first: chunks of [count, sent_second, receive_count]."""
        chunks = []
        while amount > 1e-9 and (self.poison if poison else (self.fresh or self.back)):
            if poison:
                source = self.poison
            else:
                source = self.back if self.back and (not self.fresh or self.back[0][1] <= self.fresh[0][1]) else self.fresh
            head = source[0]
            got = min(head[0], amount)
            chunks.append([got, head[1], head[2]])
            head[0] -= got
            amount -= got
            self.total -= got
            if head[0] <= 1e-9:
                source.popleft()
        return chunks

    def later(self, second: int, event: tuple[str, float, float, float, float]) -> None:
        self.events.setdefault(second, []).append(event)


def simulate(config: Config = Config()) -> MetricStore:
    """Run the model; return its per-minute metrics (see the module docstring for what is emitted)."""
    purchases = arrivals(config)
    seconds = len(purchases)
    minutes = max(1, math.ceil(seconds / 60))
    store = MetricStore(minutes)
    queues = {q: _Queue(q, seconds) for q in QUEUES}
    consumers = dict(config.consumers)
    changes = sorted(config.changes, key=lambda c: c.at_second)
    change_index = 0
    fan_carry = 0.0
    published_m = delivered_m = failed_m = filtered_m = 0.0
    producer_inv = producer_err = 0.0
    put = store.put
    for t in range(seconds):
        minute = t // 60
        while change_index < len(changes) and changes[change_index].at_second <= t:
            consumers[changes[change_index].queue] = changes[change_index].consumer
            change_index += 1
        if t % 60 == 0:
            for q in queues.values():  # gauges: sampled at the start of the minute
                oldest = q.oldest()
                age = 0.0 if oldest is None else t - oldest
                put("AWS/SQS", "ApproximateNumberOfMessagesVisible", q.name, minute, round(q.visible()))
                put("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", q.name, minute, round(q.inflight))
                put("AWS/SQS", "ApproximateNumberOfMessagesDelayed", q.name, minute, 0)
                put("AWS/SQS", "ApproximateAgeOfOldestMessage", q.name, minute, round(max(0.0, age)))
                d = dlq(q.name)
                put("AWS/SQS", "ApproximateNumberOfMessagesVisible", d, minute, round(q.dlq))
                put("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", d, minute, 0)
                put("AWS/SQS", "ApproximateNumberOfMessagesDelayed", d, minute, 0)
                dlq_age = 0.0 if q.dlq < 0.5 or q.dlq_oldest is None else t - q.dlq_oldest
                put("AWS/SQS", "ApproximateAgeOfOldestMessage", d, minute, round(dlq_age))
        # -- producer and topic
        n = purchases[t]
        if n:
            producer_inv += n
            denied = config.publish_denied_from is not None and t >= config.publish_denied_from
            if denied:
                producer_err += n
            else:
                published_m += n
                fan_carry += n * config.fan_club_share
                fan = float(int(fan_carry))
                fan_carry -= fan
                for name, q in queues.items():
                    count = float(n)
                    if name == FAN_CLUB_QUEUE:
                        broken = config.filter_broken_from is not None and t >= config.filter_broken_from
                        count = 0.0 if broken else fan
                        filtered_m += n - count
                    failing_from = config.delivery_failing.get(name)
                    if failing_from is not None and t >= failing_from:
                        failed_m += count
                        continue
                    if count:
                        delivered_m += count
                        q.sent += count
                        c = consumers[name]
                        poison = count * c.poison_share
                        if poison:
                            q.add(q.poison, [poison, float(t), 0.0])
                            count -= poison
                        q.add(q.fresh, [count, float(t), 0.0])
        # -- consumers
        for name, q in queues.items():
            c = consumers[name]
            for kind, count, sent, rc, batches in q.events.pop(t, ()):
                if kind == "release":
                    q.busy -= batches
                elif kind == "delete":
                    q.deleted += count
                    q.inflight -= count
                else:  # "return": visible again, or redriven to the DLQ
                    q.inflight -= count
                    if rc >= c.max_receive_count:
                        if q.dlq < 0.5:
                            q.dlq_oldest = sent
                        q.dlq += count
                    elif kind == "return-poison":
                        q.add(q.poison, [count, sent, rc])
                    else:
                        q.add(q.back, [count, sent, rc])
            visible = q.visible()
            limit = min(float(ACCOUNT_CONCURRENCY), q.scale)
            if c.reserved_concurrency is not None:
                limit = min(limit, float(c.reserved_concurrency))
            if visible > 0.5:
                free = max(0.0, limit - q.busy)
                wanted = min(visible / c.batch_size + 1, max(0.0, q.scale - q.busy))
                if c.reserved_concurrency is not None and wanted > free:
                    q.thr += wanted - free
                taken = min(visible, free * c.batch_size)
            else:
                taken = 0.0
                q.empty += 5.0 / 20  # 5 pollers long-polling 20 s each
            if taken > 1e-9:
                batches = min(max(limit - q.busy, 1e-9), max(taken / c.batch_size, min(taken, float(START_CONCURRENCY))))
                size = taken / batches
                mean_s = (c.overhead_ms + c.per_message_ms * size) / 1000
                pool = q.poison_count() if q.poison else 0.0
                poison_chunks = q.take(min(pool, max(taken * pool / visible, min(pool, 1.0))), poison=True) if pool else []
                poison_taken = sum(ch[0] for ch in poison_chunks)
                good = q.take(taken - poison_taken)
                over_timeout = _share_over(c.timeout_s, mean_s, c.spread)
                over_vt = _share_over(c.visibility_timeout_s, mean_s, c.spread)
                failed_batches = min(batches, poison_taken) + (batches - min(batches, poison_taken)) * over_timeout
                fail_share = min(1.0, failed_batches / batches)
                dup_share = 0.0 if c.visibility_timeout_s >= c.timeout_s else max(0.0, over_vt - over_timeout) * (1 - fail_share)
                run_s = min(mean_s, c.timeout_s)
                done_at = t + max(1, round(run_s))
                back_at = t + max(1, round(c.visibility_timeout_s))
                q.received += taken
                q.inflight += taken
                q.busy += batches
                q.later(done_at, ("release", 0.0, 0.0, 0.0, batches))
                for count, sent, rc in poison_chunks:  # a poison message fails every receive
                    q.later(back_at, ("return-poison", count, sent, rc + 1, 0.0))
                for count, sent, rc in good:
                    ok = count * (1 - fail_share - dup_share) if fail_share < 1 else 0.0
                    if ok > 1e-9:
                        q.later(done_at, ("delete", ok, sent, rc + 1, 0.0))
                    if count - ok > 1e-9:
                        q.later(back_at, ("return", count - ok, sent, rc + 1, 0.0))
                q.inv += batches
                q.err += failed_batches
                q.dur_sum += batches * run_s * 1000
                q.dur_max = max(q.dur_max, min(c.timeout_s, mean_s * math.exp(2 * c.spread)) * 1000)
            if q.total > 0.5:  # messages still waiting after this poll: the event source scales up
                q.scale = min(float(ACCOUNT_CONCURRENCY), q.scale + SCALE_PER_MINUTE / 60)
            elif q.scale > START_CONCURRENCY:
                q.scale = max(float(START_CONCURRENCY), q.busy, q.scale - SCALE_PER_MINUTE / 60)
            q.conc_max = max(q.conc_max, q.busy)
            q.conc_sum += q.busy
        # -- end of minute: counters
        if t % 60 == 59 or t == seconds - 1:
            if published_m:  # SNS emits nothing in a minute without a successful publish
                put("AWS/SNS", "NumberOfMessagesPublished", TOPIC, minute, published_m)
                put("AWS/SNS", "NumberOfNotificationsDelivered", TOPIC, minute, round(delivered_m))
                put("AWS/SNS", "NumberOfNotificationsFailed", TOPIC, minute, round(failed_m))
                put("AWS/SNS", "NumberOfNotificationsFilteredOut", TOPIC, minute, round(filtered_m))
            if producer_inv:
                put("AWS/Lambda", "Invocations", PRODUCER, minute, producer_inv)
                put("AWS/Lambda", "Errors", PRODUCER, minute, producer_err)
                put("AWS/Lambda", "Throttles", PRODUCER, minute, 0)
                put("AWS/Lambda", "Duration", PRODUCER, minute, producer_inv * config.producer_ms, producer_inv,
                    config.producer_ms * 0.6, config.producer_ms * 2.2)
                conc = producer_inv * config.producer_ms / 60000
                put("AWS/Lambda", "ConcurrentExecutions", PRODUCER, minute, conc * 60, 60, 0, math.ceil(conc * 1.5))
            published_m = delivered_m = failed_m = filtered_m = producer_inv = producer_err = 0.0
            for name, q in queues.items():
                fn = CONSUMERS[name]
                put("AWS/SQS", "NumberOfMessagesSent", name, minute, round(q.sent))
                put("AWS/SQS", "NumberOfMessagesReceived", name, minute, round(q.received))
                put("AWS/SQS", "NumberOfMessagesDeleted", name, minute, round(q.deleted))
                put("AWS/SQS", "NumberOfEmptyReceives", name, minute, round(q.empty))
                for metric in ("NumberOfMessagesSent", "NumberOfMessagesReceived", "NumberOfMessagesDeleted"):
                    put("AWS/SQS", metric, dlq(name), minute, 0)
                put("AWS/SQS", "NumberOfEmptyReceives", dlq(name), minute, 0)
                if q.inv > 1e-6 or q.thr > 1e-6:
                    inv = round(q.inv) or 1
                    put("AWS/Lambda", "Invocations", fn, minute, round(q.inv))
                    put("AWS/Lambda", "Errors", fn, minute, round(q.err))
                    put("AWS/Lambda", "Throttles", fn, minute, round(q.thr))
                    if q.inv > 1e-6:
                        avg = q.dur_sum / q.inv
                        put("AWS/Lambda", "Duration", fn, minute, avg * inv, inv, avg * 0.5, max(q.dur_max, avg))
                    put("AWS/Lambda", "ConcurrentExecutions", fn, minute, q.conc_sum, 60, 0, math.ceil(q.conc_max - 1e-6))
                q.reset_minute()
    return store


def poison_receive_model() -> str:
    """How poison messages reach the DLQ (documented for the facilitator guide)."""
    return ("a poison message fails every receive; after maxReceiveCount receives (each followed by the "
            "visibility timeout) the redrive policy moves it to the DLQ")


def per_minute(store: MetricStore, namespace: str, metric: str, resource: str, stat: str = "Sum") -> Sequence[float | None]:
    return store.minute_values(namespace, metric, resource, stat)
