"""Exercise 2d's traffic command: offline by default (no socket leaves loopback), an endpoint only with
the opt-in flag, deterministic purchases that the handler accepts, a progress bar and a summary."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from stack.simulate import traffic
from stack.simulate.traffic import OPT_IN, Profile, Summary, generate, main


def test_default_run_is_offline_prints_progress_and_a_summary(monkeypatch, tmp_path, socket_guard, capsys) -> None:
    monkeypatch.chdir(tmp_path)  # no traffic.toml here: flags only
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://sqs.us-east-1.amazonaws.com")
    out = io.StringIO()
    assert main(["--rate", "2", "--duration", "2", "--fan-club-share", "1", "--seed", "3"], stream=out) == 0
    text = out.getvalue()
    assert socket_guard == []
    assert "4 purchases at 2/s" in text and "offline runtime" in text
    assert "[##############################] 4/4 purchases, 4 accepted" in text
    assert "purchases sent 4, accepted 4, rejected 0, failed with an error 0" in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.split()[:1] and line.split()[0].endswith("Queue")}
    assert rows["FanClubAwardsQueue"][:3] == ["4", "0", "0"]  # share 1: every purchase reaches the fan club queue
    assert rows["SeatInventoryQueue"] == ["4", "0", "0", "4", "4"]  # delivered, filtered, failed, received, deleted
    assert "SeatInventoryQueueDLQ 0" in text


@pytest.mark.parametrize(("argv", "why"), [
    (["--endpoint", "https://lambda.us-east-1.amazonaws.com"], f"without {OPT_IN}"),
    (["--endpoint", "http://localhost:5000", "--real-aws", OPT_IN], "not both"),
])
def test_an_endpoint_without_the_opt_in_is_refused_before_any_connection(argv, why, socket_guard, capsys) -> None:
    assert main(argv) == 2
    assert why in capsys.readouterr().err
    assert socket_guard == []


def test_a_profile_endpoint_needs_allow_endpoint_and_the_flag(tmp_path: Path, socket_guard, capsys) -> None:
    profile = tmp_path / "traffic.toml"
    profile.write_text('[profile]\nrate_per_second = 79\n[target]\nendpoint_url = "http://127.0.0.1:5000"\n')
    assert main(["--profile", str(profile)]) == 2
    assert "without allow_endpoint = true" in capsys.readouterr().err
    profile.write_text(profile.read_text() + "allow_endpoint = true\n")
    assert main(["--profile", str(profile)]) == 2
    assert OPT_IN in capsys.readouterr().err
    assert socket_guard == []


class _FakeClients:
    """Stands in for boto3.client at an opted-in endpoint: records calls, answers like Lambda."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict]] = []

    def __call__(self, service: str, **kwargs: Any) -> Any:
        fake = self

        class Client:
            def batch_write_item(self, **kw):
                fake.calls.append((service, "batch_write_item", kwargs))

            def invoke(self, **kw):
                fake.calls.append((service, "invoke", kwargs))
                return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps({"statusCode": 202}).encode())}

        return Client()


def test_with_the_opt_in_the_endpoint_is_used_for_every_call() -> None:
    clients = _FakeClients()
    args = traffic.parser().parse_args(["--endpoint", "http://127.0.0.1:4566", OPT_IN, "--rate", "3", "--duration", "1"])
    profile, target, count = traffic.resolve(args)
    summary = traffic.run_endpoint(profile, count, target, client=clients)
    assert summary.sent == summary.accepted == 3
    assert {kw["endpoint_url"] for _, _, kw in clients.calls} == {"http://127.0.0.1:4566"}
    assert [c[1] for c in clients.calls].count("invoke") == 3


def test_purchases_are_deterministic_valid_and_follow_the_share() -> None:
    profile = Profile(rate_per_second=79, duration_seconds=300, fan_club_share=0.3, seed=11)
    first, again = generate(profile, 400), generate(profile, 400)
    assert first == again and generate(Profile(seed=12), 5) != first[:5]
    share = sum(p["tickets"][0]["isFanClubMember"] for p in first) / len(first)
    assert abs(share - 0.3) < 0.06
    for p in first:
        assert p["totalAmount"] == sum(t["price"] for t in p["tickets"])
    seats = [t["seatNumber"] for p in first for t in p["tickets"]]
    assert len(seats) == len(set(seats))


def test_a_big_profile_is_sampled_to_the_limit(tmp_path: Path) -> None:
    args = traffic.parser().parse_args(["--rate", "79", "--duration", "5m"])
    profile, target, count = traffic.resolve(args)
    assert (profile.purchases, count, target.offline) == (23_700, traffic.DEFAULT_LIMIT, True)


def test_arrivals_follow_the_profile_rate_not_the_pipeline(monkeypatch, tmp_path, socket_guard) -> None:
    """At 79/s, 10 purchases arrive within about a second (Poisson gaps of ~13 ms, each producer call some
    tens of ms in the serial runtime), not one per drained pipeline (seconds each); the summary says both."""
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert main(["--rate", "79", "--duration", "60", "--seed", "7", "--limit", "10"], stream=out) == 0
    line = next(x for x in out.getvalue().splitlines() if x.startswith("arrivals:"))
    span = float(line.split(" over ")[1].split()[0])
    assert line.startswith("arrivals: 10 purchases over ") and "(profile: 79/s)" in line
    assert 0.05 < span < 1.0, line


def test_summary_words_the_arrival_span_and_explains_the_vendor_function() -> None:
    summary = Summary("the offline runtime", sent=20, first_arrival=0.0, last_arrival=0.57, rate=79.0,
                      published=20.0, virtual_seconds=4.4)
    summary.invocations["PaymentGateway"] = Counter(ok=20)
    text = "\n".join(summary.lines())
    assert "arrivals: 20 purchases over 0.57 virtual seconds, 33/s (profile: 79/s)" in text
    assert "caps the arrival rate" in text  # achieved well below the profile: the serial runtime says why
    assert "every queue drained 4.4 virtual seconds after the first arrival" in text
    assert "PaymentGateway: the payment vendor's function" in text
