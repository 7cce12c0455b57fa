"""2d: a load-test profile (``traffic.toml``) for the traffic command that reproduces the on-sale's peak."""

from __future__ import annotations

from checks.check import Result, check
from checks.context import CheckContext
from checks.lab import LabFileError
from checks.session2 import data
from stack.simulate.model import FAN_CLUB_QUEUE, TOPIC

FILE = "traffic.toml"
RATE_TOLERANCE = 0.2
SHARE_TOLERANCE = 0.05


def observed() -> tuple[float, float]:
    """(peak purchases per second, fan club share) of the healthy on-sale, from its metrics."""
    store = data.healthy()
    published = [v or 0.0 for v in store.minute_values("AWS/SNS", "NumberOfMessagesPublished", TOPIC)]
    fan = [v or 0.0 for v in store.minute_values("AWS/SQS", "NumberOfMessagesSent", FAN_CLUB_QUEUE)]
    return max(published) / 60, sum(fan) / sum(published)


def _table(ctx: CheckContext, name: str) -> dict:
    """``[profile]`` or ``[target]`` of traffic.toml (empty when absent); anything but a table is the file's error."""
    raw = ctx.data(FILE)
    table = raw.get(name, {}) if isinstance(raw, dict) else {}
    if not isinstance(table, dict):
        raise LabFileError(FILE, f"`{name}` must be a table ([{name}] with key = value lines), got {type(table).__name__}")
    return table


def _profile(ctx: CheckContext) -> dict:
    return _table(ctx, "profile")


def _number(profile: dict, key: str) -> float | None:
    value = profile.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@check("S2.traffic.profile", exercise="2d", points=1)
def profile_valid(ctx: CheckContext) -> Result:
    p = _profile(ctx)
    problems = []
    rate, duration, share = _number(p, "rate_per_second"), _number(p, "duration_seconds"), _number(p, "fan_club_share")
    if rate is None or not 0 < rate <= 1000:
        problems.append("rate_per_second must be a number above 0 and at most 1000")
    if duration is None or not 1 <= duration <= 7200:
        problems.append("duration_seconds must be from 1 to 7200")
    if share is None or not 0 <= share <= 1:
        problems.append("fan_club_share must be from 0 to 1")
    if not isinstance(p.get("seed"), int) or isinstance(p.get("seed"), bool):
        problems.append("seed must be a whole number (a run must be repeatable)")
    return Result.ok() if not problems else Result.fail(f"{FILE} [profile]: " + "; ".join(problems))


@check("S2.traffic.matches-peak", exercise="2d", points=2)
def matches_peak(ctx: CheckContext) -> Result:
    p = _profile(ctx)
    peak, share = observed()
    rate, fan = _number(p, "rate_per_second"), _number(p, "fan_club_share")
    parts, problems = 0, []
    if rate is not None and abs(rate - peak) <= RATE_TOLERANCE * peak:
        parts += 1
    else:
        problems.append(f"rate_per_second {rate} is not within {RATE_TOLERANCE:.0%} of the healthy on-sale's peak purchase rate")
    if fan is not None and abs(fan - share) <= SHARE_TOLERANCE:
        parts += 1
    else:
        problems.append(f"fan_club_share {fan} is not within {SHARE_TOLERANCE} of the share the healthy on-sale's metrics show")
    return Result.parts(parts, 2, f"{FILE}: " + "; ".join(problems) if problems else "")


@check("S2.traffic.offline", exercise="2d", points=1)
def offline(ctx: CheckContext) -> Result:
    target = _table(ctx, "target")
    if target.get("endpoint_url") and not target.get("allow_endpoint"):
        return Result.fail(f"{FILE} [target]: an endpoint_url without allow_endpoint = true would be refused by the command")
    if target.get("endpoint_url"):
        return Result.fail(f"{FILE} [target]: the rehearsal runs against the offline runtime: remove endpoint_url")
    return Result.ok()


CHECKS = [profile_valid, matches_peak, offline]
