"""Exercise 2d's traffic generator: ``tourlab traffic`` (or ``python -m stack.simulate.traffic``).

It sends generated purchases of a load profile (rate per second, duration, fan club share, seed) to
TicketPurchaseHandler and prints a live progress bar and a summary: purchases sent, accepted
(202), rejected, delivered per queue, filtered, failed, dead-lettered, Lambda invocations and errors.

Where the traffic goes:

- By default, the **offline runtime** (:func:`stack.deploy.deploy`: moto plus our Lambda runtime and
  poller, virtual time; nothing leaves the machine). Arrivals are spaced in virtual time at the
  profile's rate (Poisson), then the event sources poll until every queue is idle. The runtime runs
  one invocation at a time, so a purchase cannot arrive before the previous producer call returned
  (tens of virtual milliseconds): the summary prints the arrival rate achieved next to the profile's. moto is slow at volume, so a run sends at most
  ``--limit`` purchases (default 20) of the profile's ``rate x duration``: the shape is the
  profile's, the volume is a sample.
- An **explicit endpoint** (a moto server, LocalStack, real AWS) only with an opt-in on the command
  line: ``--endpoint URL --i-understand-this-uses-a-real-endpoint``, or ``--real-aws`` for AWS's own
  endpoints with the credentials of your shell. ``traffic.toml``'s ``[target] endpoint_url`` also
  needs ``allow_endpoint = true`` *and* the flag. Without the opt-in the command refuses before it
  opens any connection (``DEVELOPERS.md``: never touch real AWS without an opt-in).

Purchases are generated, never taken from a real system: concert ``LOADTEST-<seed>``, one seat per
ticket (created first by operator writes to the SeatInventory table, since the seed data has only 70
seats), 1 to 2 tickets, fan club tickets (memberships FCID1001 / FCID1002 of the seed data) for the
profile's share of purchases. The same profile and seed give the same purchases.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from stack import seed as seed_data

DEFAULT_LIMIT = 20
#: Functions in the summary that are not ours: what they are (the README's resource table lists ours).
OTHER_FUNCTIONS = {"PaymentGateway": "the payment vendor's function (account 222222222222), called by PaymentProcessor"}
MAX_LIMIT = 2_000
SEAT_TABLE = "SeatInventory"
FUNCTION = "TicketPurchaseHandler"
OPT_IN = "--i-understand-this-uses-a-real-endpoint"
FAN_CLUB_IDS = ("FCID1001", "FCID1002")  # Active memberships of stack/seed/fan_club_members.json
PRICES = {"VIP": Decimal("250.00"), "GA": Decimal("89.50")}


class TrafficError(ValueError):
    """A profile or target the command refuses (says which field and why)."""


@dataclass(frozen=True)
class Profile:
    rate_per_second: float = 2.0
    duration_seconds: float = 10.0
    fan_club_share: float = 0.3
    seed: int = 7

    def __post_init__(self) -> None:
        if not 0 < self.rate_per_second <= 1000:
            raise TrafficError("rate_per_second must be above 0 and at most 1000")
        if not 1 <= self.duration_seconds <= 7200:
            raise TrafficError("duration_seconds must be from 1 to 7200")
        if not 0 <= self.fan_club_share <= 1:
            raise TrafficError("fan_club_share must be from 0 to 1")

    @property
    def purchases(self) -> int:
        """How many purchases the profile describes (``rate x duration``)."""
        return max(1, round(self.rate_per_second * self.duration_seconds))


@dataclass(frozen=True)
class Target:
    endpoint_url: str | None = None
    real_aws: bool = False

    @property
    def offline(self) -> bool:
        return self.endpoint_url is None and not self.real_aws

    def describe(self) -> str:
        if self.offline:
            return "the offline runtime (moto in this process, virtual time)"
        return f"endpoint {self.endpoint_url}" if self.endpoint_url else "REAL AWS (your shell's credentials)"


@dataclass
class Summary:
    target: str
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    deliveries: dict[str, Counter[str]] = field(default_factory=dict)  # queue -> outcome -> count
    invocations: dict[str, Counter[str]] = field(default_factory=dict)  # function -> outcome -> count
    queue_metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # queue -> metric -> total
    dead_lettered: dict[str, int] = field(default_factory=dict)  # DLQ -> messages in it
    published: float | None = None
    virtual_seconds: float | None = None  # from the first arrival until the pipeline was idle
    first_arrival: float | None = None  # virtual seconds after the start
    last_arrival: float | None = None
    rate: float | None = None  # the profile's purchases per second

    @property
    def accepted(self) -> int:
        return self.statuses.get(202, 0)

    def lines(self) -> list[str]:
        out = [f"target: {self.target}",
               f"purchases sent {self.sent}, accepted {self.accepted}, rejected {self.sent - self.accepted - self.errors}, "
               f"failed with an error {self.errors}"]
        if self.first_arrival is not None and self.last_arrival is not None:
            span = self.last_arrival - self.first_arrival
            planned = f" (profile: {self.rate:g}/s)" if self.rate else ""
            achieved = (self.sent - 1) / span if span > 0 and self.sent > 1 else None
            actual = f", {achieved:.0f}/s" if achieved else ""
            out.append(f"arrivals: {self.sent} purchases over {span:.2f} virtual seconds{actual}{planned}")
            if achieved and self.rate and achieved < 0.8 * self.rate:
                out.append("  (the offline runtime runs one call at a time: a purchase waits for the previous "
                           "producer call to return, which caps the arrival rate)")
        if self.published is not None:
            out.append(f"SNS NumberOfMessagesPublished {self.published:g}"
                       + (f"; every queue drained {self.virtual_seconds:.1f} virtual seconds after the first arrival"
                          if self.virtual_seconds else ""))
        if self.deliveries:
            out.append(f"{'queue':<24} {'delivered':>9} {'filtered':>8} {'failed':>6} {'received':>8} {'deleted':>7}")
            for queue, outcomes in sorted(self.deliveries.items()):
                m = self.queue_metrics.get(queue, {})
                out.append(f"{queue:<24} {outcomes['delivered']:>9} {outcomes['filtered']:>8} {outcomes['failed']:>6} "
                           f"{m.get('NumberOfMessagesReceived', 0):>8g} {m.get('NumberOfMessagesDeleted', 0):>7g}")
        if self.dead_lettered:
            out.append("dead-letter queues: " + ", ".join(f"{q} {n}" for q, n in sorted(self.dead_lettered.items())))
        if self.invocations:
            out.append("Lambda: " + "; ".join(f"{fn} {sum(c.values())} invocations, {c['error'] + c['timeout']} errors"
                                             for fn, c in sorted(self.invocations.items())))
            out.extend(f"  ({fn}: {what})" for fn, what in OTHER_FUNCTIONS.items() if fn in self.invocations)
        return out


# --- the purchases ---------------------------------------------------------------------------------------


def generate(profile: Profile, count: int) -> list[dict[str, Any]]:
    """``count`` valid purchases of the profile (deterministic for its seed), each with its own seats."""
    rng = random.Random(f"traffic:{profile.seed}")
    template = seed_data.load("purchases")["sample"]
    concert = f"LOADTEST-{profile.seed}"
    out = []
    for index in range(count):
        fan_club = rng.random() < profile.fan_club_share
        section = "VIP" if rng.random() < 0.4 else "GA"
        member = rng.choice(FAN_CLUB_IDS)
        tickets = []
        for seat in range(rng.choice((1, 1, 2))):
            ticket: dict[str, Any] = {"seatNumber": f"{section}-{index:05d}-{seat + 1}", "section": section,
                                      "price": PRICES[section], "isFanClubMember": fan_club}
            if fan_club:
                ticket["fanClubId"] = member
            tickets.append(ticket)
        purchase = copy.deepcopy(template)
        purchase.update(orderId=f"LOAD{profile.seed:05d}{index:07d}", fanId=f"FANLOAD{index:07d}", concertId=concert,
                        concertName="World Tour - load test", tickets=tickets,
                        totalAmount=sum((t["price"] for t in tickets), Decimal(0)),
                        fanContact={"email": f"fan{index}@example.com", "phone": f"+1415555{index % 10000:04d}"})
        out.append(purchase)
    return out


def seat_items(purchases: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The SeatInventory items the purchases book (all AVAILABLE, at the prices the purchases show)."""
    return [{"concertId": p["concertId"], "seatNumber": t["seatNumber"], "section": t["section"], "price": t["price"],
             "status": "AVAILABLE"} for p in purchases for t in p["tickets"]]


def arrival_times(profile: Profile, count: int) -> list[float]:
    """Seconds after the start at which each purchase arrives: Poisson arrivals at the profile's rate."""
    rng = random.Random(f"arrivals:{profile.seed}")
    t, out = 0.0, []
    for _ in range(count):
        out.append(t)
        t += rng.expovariate(profile.rate_per_second)
    return out


def _write_seats(dynamodb: Any, items: Sequence[dict[str, Any]], table: str = SEAT_TABLE) -> None:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    for start in range(0, len(items), 25):
        chunk = [{"PutRequest": {"Item": {k: serializer.serialize(v) for k, v in item.items()}}} for item in items[start:start + 25]]
        dynamodb.batch_write_item(RequestItems={table: chunk})


# --- progress ------------------------------------------------------------------------------------------


class ProgressBar:
    """``[#####-----] 12/20 purchases, 12 accepted`` redrawn in place (one line per update off a terminal)."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.total, self.width = total, width
        self.stream = stream if stream is not None else sys.stderr
        self.live = getattr(self.stream, "isatty", lambda: False)()
        self._last = -1

    def update(self, done: int, accepted: int) -> None:
        filled = self.width * done // max(1, self.total)
        line = f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total} purchases, {accepted} accepted"
        if self.live:
            self.stream.write("\r" + line)
        else:  # a log or a pipe: every 10 %, not every purchase
            step = max(1, self.total // 10)
            if done != self.total and done // step == self._last:
                return
            self._last = done // step
            self.stream.write(line + "\n")
        if done == self.total and self.live:
            self.stream.write("\n")
        self.stream.flush()


# --- running -------------------------------------------------------------------------------------------


def run_offline(profile: Profile, count: int, progress: Callable[[int, int], None] = lambda done, ok: None) -> Summary:
    """Send ``count`` purchases of ``profile`` to the deployed system in a fresh offline cloud."""
    from stack.cloud import backends
    from stack.deploy import deploy

    summary = Summary(Target().describe(), rate=profile.rate_per_second)
    deployment = deploy()
    cloud = deployment.cloud
    try:
        purchases = generate(profile, count)
        _write_seats(cloud.client("dynamodb"), seat_items(purchases))
        start = cloud.clock.now()
        progress(0, 0)
        for index, (purchase, at) in enumerate(zip(purchases, arrival_times(profile, count))):
            if cloud.clock.now() < start + at:
                cloud.clock.advance_to(start + at)
            arrived = cloud.clock.now() - start
            summary.first_arrival = arrived if summary.first_arrival is None else summary.first_arrival
            summary.last_arrival = arrived
            record = cloud.invoke(FUNCTION, purchase)
            summary.sent += 1
            if record.outcome == "ok" and isinstance(record.response, dict):
                summary.statuses[int(record.response.get("statusCode", 0))] += 1
            else:
                summary.errors += 1
            progress(index + 1, summary.accepted)
        cloud.run_until_idle()
        _collect(summary, cloud, backends)
        summary.virtual_seconds = cloud.clock.now() - start - (summary.first_arrival or 0.0)
    finally:
        cloud.close()
    return summary


def _collect(summary: Summary, cloud: Any, backends: Any) -> None:
    """Per-queue deliveries (journal), consumer outcomes (journal), SQS totals (metrics), DLQ depth."""
    sqs = backends.sqs_backends[cloud.account][cloud.region]
    names = {q.queue_arn: name for name, q in sqs.queues.items()}
    for record in cloud.journal.deliveries:
        queue = names.get(record.endpoint, record.endpoint.rsplit(":", 1)[-1])
        summary.deliveries.setdefault(queue, Counter())[record.outcome] += 1
    for record in cloud.journal.invocations:
        if record.function != FUNCTION:
            summary.invocations.setdefault(record.function, Counter())[record.outcome] += 1
    for queue in summary.deliveries:
        summary.queue_metrics[queue] = {m: cloud.metrics.total("AWS/SQS", m, queue)
                                        for m in ("NumberOfMessagesSent", "NumberOfMessagesReceived", "NumberOfMessagesDeleted")}
    for name, queue in sqs.queues.items():
        if name.endswith("DLQ"):
            summary.dead_lettered[name] = backends.queue_gauges(queue.queue_arn, cloud.clock.now_ms()).visible
    summary.published = cloud.metrics.total("AWS/SNS", "NumberOfMessagesPublished", "TourTicketingTopic")


def _payload(purchase: dict[str, Any]) -> str:
    """The purchase as the JSON a Lambda event carries: money as JSON numbers (as the handlers write it),
    not as strings, which TicketPurchaseHandler rightly rejects."""
    import json

    return json.dumps(purchase, default=lambda v: float(v) if isinstance(v, Decimal) else str(v))


def _moto_server(target: Target) -> Any | None:
    """The deploy target of a moto server at ``target`` (None for anything else, real AWS included)."""
    from stack import endpoints

    if target.endpoint_url is None or endpoints.is_aws_host(target.endpoint_url) or not endpoints.is_moto(target.endpoint_url):
        return None
    return endpoints.Target(target.endpoint_url)


def run_endpoint(profile: Profile, count: int, target: Target, client: Callable[..., Any] | None = None,
                 progress: Callable[[int, int], None] = lambda done, ok: None) -> Summary:
    """Send the purchases to a deployed system at ``target`` (opted in): seats first, then one
    ``lambda:Invoke`` of TicketPurchaseHandler per purchase. Deliveries are not observable from here:
    read the target's CloudWatch metrics.

    A moto server stores functions but cannot run their code (no Docker): there, TicketPurchaseHandler's
    code runs in this process with its clients at the server (:mod:`stack.local_invoke`), with the
    server's fake credentials rather than the shell's.
    """
    import json

    moto = _moto_server(target) if client is None else None
    if client is None:
        import boto3

        client = (lambda service, **kw: moto.client(service)) if moto is not None else boto3.client
    kwargs = {"endpoint_url": target.endpoint_url} if target.endpoint_url else {}
    summary = Summary(target.describe() + (" (a moto server: TicketPurchaseHandler runs here)" if moto is not None else ""))
    purchases = generate(profile, count)
    _write_seats(client("dynamodb", **kwargs), seat_items(purchases))
    local = None
    if moto is not None:
        from stack.local_invoke import LocalHandler

        local = LocalHandler(moto, FUNCTION)
    lam = client("lambda", **kwargs)
    progress(0, 0)
    for index, purchase in enumerate(purchases):
        summary.sent += 1
        if local is not None:
            try:
                summary.statuses[int(local(json.loads(_payload(purchase))).get("statusCode", 0))] += 1
            except Exception:  # noqa: BLE001 - a handler error is what lambda:Invoke reports as FunctionError
                summary.errors += 1
            progress(index + 1, summary.accepted)
            continue
        response = lam.invoke(FunctionName=FUNCTION, Payload=_payload(purchase).encode())
        if response.get("FunctionError"):
            summary.errors += 1
        else:
            payload = json.loads(response["Payload"].read() or b"{}")
            summary.statuses[int(payload.get("statusCode", 0))] += 1
        progress(index + 1, summary.accepted)
    return summary


# --- the command -----------------------------------------------------------------------------------------


def _duration(text: str) -> float:
    """``300``, ``300s``, ``5m`` -> seconds."""
    value = text.strip().lower()
    scale = 60.0 if value.endswith("m") else 1.0
    try:
        return float(value.rstrip("ms")) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"duration {text!r}: give seconds (300, 300s) or minutes (5m)") from None


def load_file(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``[profile]`` and ``[target]`` of a ``traffic.toml``."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrafficError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise TrafficError(f"{path}: invalid TOML: {exc}") from None
    return raw.get("profile", {}) or {}, raw.get("target", {}) or {}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tourlab traffic", description=__doc__.split("\n\n")[0],
                                epilog="Without an endpoint opt-in, nothing leaves this machine.")
    p.add_argument("--profile", type=Path, help="read [profile] (and [target]) from this traffic.toml "
                                                "(default: ./traffic.toml if present); flags override it")
    p.add_argument("--rate", type=float, help="purchases per second")
    p.add_argument("--duration", type=_duration, help="how long: seconds (300) or minutes (5m)")
    p.add_argument("--fan-club-share", type=float, help="share of purchases with fan club tickets (0 to 1)")
    p.add_argument("--seed", type=int, help="seed of the generated purchases and arrivals")
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                   help=f"send at most this many purchases (default {DEFAULT_LIMIT}; moto is slow at volume)")
    p.add_argument("--endpoint", help="send to this endpoint URL instead (needs the opt-in flag)")
    p.add_argument(OPT_IN, dest="opt_in", action="store_true", help="allow --endpoint (or the profile's endpoint_url)")
    p.add_argument("--real-aws", action="store_true", help="send to REAL AWS with your shell's credentials (opt-in)")
    return p


def resolve(args: argparse.Namespace) -> tuple[Profile, Target, int]:
    """Profile, target and purchase count from the flags and the profile file; refuses unsafe targets."""
    path = args.profile or (Path("traffic.toml") if Path("traffic.toml").is_file() else None)
    raw, target_raw = load_file(path) if path else ({}, {})
    base = Profile()
    try:
        profile = Profile(
            rate_per_second=float(args.rate if args.rate is not None else raw.get("rate_per_second", base.rate_per_second)),
            duration_seconds=float(args.duration if args.duration is not None else raw.get("duration_seconds", base.duration_seconds)),
            fan_club_share=float(args.fan_club_share if args.fan_club_share is not None else raw.get("fan_club_share", base.fan_club_share)),
            seed=int(args.seed if args.seed is not None else raw.get("seed", base.seed)),
        )
    except (TypeError, ValueError) as exc:
        raise TrafficError(str(exc)) from None
    if not 1 <= args.limit <= MAX_LIMIT:
        raise TrafficError(f"--limit must be from 1 to {MAX_LIMIT}")
    endpoint = args.endpoint
    if endpoint is None and target_raw.get("endpoint_url"):
        if not target_raw.get("allow_endpoint"):
            raise TrafficError(f"{path} [target]: endpoint_url {target_raw['endpoint_url']!r} without allow_endpoint = true")
        endpoint = str(target_raw["endpoint_url"])
    if endpoint and args.real_aws:
        raise TrafficError("give either --endpoint or --real-aws, not both")
    if endpoint and not args.opt_in:
        raise TrafficError(f"refusing to send traffic to {endpoint} without {OPT_IN} "
                           "(the default target is the offline runtime)")
    return profile, Target(endpoint, args.real_aws), min(profile.purchases, args.limit)


def main(argv: Sequence[str] | None = None, stream: TextIO | None = None) -> int:
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    out = stream if stream is not None else sys.stdout
    try:
        profile, target, count = resolve(args)
    except TrafficError as exc:
        print(f"tourlab traffic: {exc}", file=sys.stderr)
        return 2
    note = "" if count == profile.purchases else f" (a sample of the profile's {profile.purchases}; --limit to change)"
    print(f"{count} purchases{note} at {profile.rate_per_second:g}/s, fan club share {profile.fan_club_share:g}, "
          f"seed {profile.seed} -> {target.describe()}", file=out)
    bar = ProgressBar(count, stream if stream is not None else sys.stderr)
    if target.offline:
        summary = run_offline(profile, count, bar.update)
    else:
        summary = run_endpoint(profile, count, target, progress=bar.update)
    for line in summary.lines():
        print(line, file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
