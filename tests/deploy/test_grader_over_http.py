"""Issue #9 part 3, the grader over HTTP: the session 1 end-to-end run against a moto server
(``--aws-endpoint URL``) grades exactly like the run on moto in process.

- whole graded runs, as a learner starts them (``python -m pytest COPY``, in a child process with the
  socket guard and real-looking credentials in its environment): the solution scores 100 % over HTTP,
  the starter scores check for check what it scores in process, and no connection leaves loopback;
- the pipeline summaries (denials, failed deliveries, dead letters, payments, the calls each function
  needed, KMS requests) of both modes are equal, on the starter, the solution and variants that take
  the paths the labs' files can break: a consumer that cannot delete (redelivery, then the queue's DLQ
  after ``maxReceiveCount``: 900 virtual seconds of visibility timeouts, a few real ones) and a queue
  on the AWS managed key (a delivery SNS cannot make);
- the parts of the remote mode on their own: which endpoints are refused, the receipt ledger, the
  pinned key mapping, the SNS envelope, the fan-out of a ``PublishBatch``.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from checks.context import CheckContext
from checks.lab import read_manifest
from checks.session1 import loader, pipeline
from stack.cloud.fanout import delivered_attributes, envelope
from stack.cloud.offline import OfflineCloud
from stack.cloud.pinned_keys import MappedPinnedKeys
from stack.cloud.receipts import ReceiptLedger
from stack.cloud.remote import RemoteCloud, checked_endpoint
from stack.deploy import deploy
from stack.endpoints import EndpointError, MotoServer, Target, free_port
from tests.hardening.test_offline_and_deterministic import REAL_LOOKING
from tests.session1.test_session1 import STARTER_FAILING, _managed, _without_delete

ROOT = Path(__file__).resolve().parents[2]
#: A graded run of session 1 takes 3 to 5 s on the 2-core machine; far more means virtual time leaked.
RUN_LIMIT_S = 30.0


def _copy(kind: str, target: Path) -> Path:
    return Path(shutil.copytree(ROOT / kind / "session1", target, ignore=shutil.ignore_patterns("reports", ".tourlab-state.json", "__pycache__")))


def _grade(lab: Path, out: Path, endpoint: str | None) -> tuple[dict[str, Any], list[str], float]:
    """``python -m pytest LAB`` as a learner runs it (forked background work included), guarded."""
    out.mkdir(parents=True, exist_ok=True)
    log = out / "sockets.jsonl"
    env = {**REAL_LOOKING, "PATH": "/usr/bin:/bin", "HOME": str(out), "TMPDIR": str(out), "PYTHONPATH": str(ROOT),
           "TOURLAB_SOCKET_LOG": str(log), "PYTHONDONTWRITEBYTECODE": "1"}
    args = [sys.executable, "-m", "pytest", str(lab), "-p", "no:cacheprovider", "-p", "tests.hardening.socket_guard",
            "--results-json", str(out / "results.json"), *(["--aws-endpoint", endpoint] if endpoint else [])]
    started = time.monotonic()
    run = subprocess.run(args, cwd=out, env=env, capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - started
    assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    if endpoint:
        assert f"the end-to-end run targets the moto server at {endpoint}" in run.stdout
    attempts = log.read_text().splitlines() if log.exists() else []
    return json.loads((out / "results.json").read_text()), attempts, seconds


def _scores(results: dict[str, Any]) -> dict[str, tuple[float, str]]:
    return {t["name"].split(":", 1)[0]: (t["score"], t["status"]) for t in results["tests"]}


def _failing(results: dict[str, Any]) -> list[str]:
    return sorted(name for name, (_, status) in _scores(results).items() if status != "passed")


def _both(lab: Path, out: Path, endpoint: str) -> tuple[tuple[dict[str, Any], list[str], float], ...]:
    """The in-process and the endpoint grading of ``lab``, side by side (one server: one remote run at a time)."""
    with ThreadPoolExecutor(2) as pool:
        local = pool.submit(_grade, lab, out / "in-process", None)
        remote = pool.submit(_grade, lab, out / "endpoint", endpoint)
        return local.result(), remote.result()


def test_the_solution_scores_full_marks_over_http(moto_server: MotoServer, tmp_path: Path) -> None:
    (local, local_sockets, local_s), (remote, remote_sockets, remote_s) = _both(_copy("solutions", tmp_path / "lab"), tmp_path, moto_server.url)
    assert remote["score"] == remote["max_score"] == local["score"] > 0
    assert _scores(remote) == _scores(local)
    assert local_sockets == remote_sockets == []
    assert max(local_s, remote_s) < RUN_LIMIT_S, (local_s, remote_s)
    # the end-to-end run really happened on the server: its tables hold the paid orders
    dynamodb = Target(moto_server.url).client("dynamodb")
    order = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": "ORD987654321"}})["Item"]
    assert order["paymentStatus"] == {"S": "Paid"}


def test_the_starter_scores_the_same_over_http(moto_server: MotoServer, tmp_path: Path) -> None:
    (local, local_sockets, local_s), (remote, remote_sockets, remote_s) = _both(_copy("labs", tmp_path / "lab"), tmp_path, moto_server.url)
    assert _scores(remote) == _scores(local)
    assert _failing(remote) == _failing(local) == sorted(STARTER_FAILING)
    assert remote["score"] == local["score"] < remote["max_score"]
    assert local_sockets == remote_sockets == []
    assert max(local_s, remote_s) < RUN_LIMIT_S, (local_s, remote_s)


# --- the pipeline summaries of both modes --------------------------------------------------------


VARIANTS: dict[str, tuple[str, Callable[[Path], None] | None]] = {
    "starter": ("labs", None),
    "solution": ("solutions", None),
    # SeatInventoryUpdater may not delete: each message comes back until the queue's DLQ takes it
    "consumer-cannot-delete": ("solutions", lambda lab: _without_delete(lab / "iam/seat-inventory-updater.json")),
    # NotificationQueue on alias/aws/sqs: SNS can never use that key, the delivery fails
    "queue-on-managed-key": ("solutions", lambda lab: _managed(lab / "encryption/settings.yaml")),
}


def _summary(lab: Path, endpoint: str | None) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    run = pipeline.run(loader.overrides(CheckContext(lab, read_manifest(lab), endpoint=endpoint)), endpoint=endpoint)
    summary = dataclasses.asdict(run)
    del summary["seconds"]  # wall-clock time of the run: the only field that may differ
    return summary, time.monotonic() - started


@pytest.mark.parametrize("variant", VARIANTS)
def test_pipeline_summaries_match_in_process(variant: str, moto_server: MotoServer, tmp_path: Path) -> None:
    kind, change = VARIANTS[variant]
    lab = _copy(kind, tmp_path / "lab")
    if change is not None:
        change(lab)
    local, _ = _summary(lab, None)
    remote, remote_s = _summary(lab, moto_server.url)
    assert remote == local
    assert remote_s < RUN_LIMIT_S
    if variant == "consumer-cannot-delete":
        assert local["dead_letters"] == {"SeatInventoryQueueDLQ": 2}  # both purchases, after 5 receives each
        assert {d["action"] for d in local["denials"]} == {"sqs:DeleteMessage"}
    if variant == "queue-on-managed-key":
        assert [(f["queue"], f["outcome"]) for f in local["failed_deliveries"]] == [("NotificationQueue", "failed")] * 2
    if variant == "solution":
        assert local["payments"] == {"ORD100000001": "Paid", "ORD987654321": "Paid"} and not local["denials"]


# --- the parts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url, why", [
    ("https://sqs.us-east-1.amazonaws.com", "AWS endpoint"),
    ("http://10.20.30.40:4566", "loopback"),
    ("ftp://127.0.0.1:4566", "http(s)"),
])
def test_endpoints_the_grader_refuses_before_any_contact(url: str, why: str) -> None:
    with pytest.raises(EndpointError, match=why.replace("(", r"\(").replace(")", r"\)")):
        checked_endpoint(url)


def test_a_loopback_port_that_is_not_moto_is_refused() -> None:
    with pytest.raises(EndpointError, match="does not answer as a moto server"):
        checked_endpoint(f"http://127.0.0.1:{free_port()}")


def test_the_ledger_releases_messages_when_virtual_time_passes_their_timeout() -> None:
    ledger = ReceiptLedger()
    arn = "arn:aws:sqs:us-east-1:111111111111:Q"
    ledger.received(arn, [{"MessageId": "a", "ReceiptHandle": "ra"}, {"MessageId": "b", "ReceiptHandle": "rb"}], 180_000)
    ledger.received(arn, [{"MessageId": "a", "ReceiptHandle": "ra2"}], 240_000)  # received again: the new handle counts
    assert ledger.next_visible_ms(arn) == 180_001
    assert ledger.due(arn, 180_000) == []  # visible only once the clock is past the deadline
    assert ledger.due(arn, 180_001) == ["rb"]
    ledger.deleted(arn, ["ra"])  # a stale handle deletes nothing here
    assert ledger.next_visible_ms(arn) == 240_001
    ledger.deleted(arn, ["ra2"])
    assert ledger.next_visible_ms(arn) is None and ledger.due(arn, 10**9) == []


class _Kms:
    def create_key(self, **_: Any) -> dict[str, Any]:
        return {"KeyMetadata": {"KeyId": "server-id", "Arn": "arn:aws:kms:us-east-1:111111111111:key/server-id", "KeyState": "Enabled"}}


def test_the_pinned_key_is_a_name_mapped_to_the_servers_key() -> None:
    keys = MappedPinnedKeys()
    meta = keys.create(_Kms(), {}, "7d3e1b2a-5c4f-4e6a-9b8d-2f1c0a9e8b7d")
    pinned_arn = "arn:aws:kms:us-east-1:111111111111:key/7d3e1b2a-5c4f-4e6a-9b8d-2f1c0a9e8b7d"
    assert (meta["KeyId"], meta["Arn"], meta["KeyState"]) == ("7d3e1b2a-5c4f-4e6a-9b8d-2f1c0a9e8b7d", pinned_arn, "Enabled")
    assert keys.on_server("7d3e1b2a-5c4f-4e6a-9b8d-2f1c0a9e8b7d") == keys.on_server(pinned_arn) == "server-id"
    assert keys.on_server("alias/tour-ticketing") == "alias/tour-ticketing"  # the server resolves its aliases
    assert keys.as_named("arn:aws:kms:us-east-1:111111111111:key/server-id") == pinned_arn


def test_the_envelope_has_the_shape_sns_delivers() -> None:
    import datetime as dt

    attributes = delivered_attributes({"concertId": {"DataType": "String", "StringValue": "CONCERT001"},
                                       "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    assert attributes == {"concertId": {"Type": "String", "Value": "CONCERT001"}, "blob": {"Type": "Binary", "Value": "AAE="}}
    topic = "arn:aws:sns:us-east-1:111111111111:TourTicketingTopic"
    body = json.loads(envelope(f"{topic}:sub", topic, '{"orderId": "O1"}', "m-1", None, attributes,
                               dt.datetime(2024, 5, 1, 14, 30, 0, 34000, tzinfo=dt.timezone.utc)))
    assert set(body) == {"Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion", "Signature",
                         "SigningCertURL", "UnsubscribeURL", "MessageAttributes"}
    assert (body["Type"], body["MessageId"], body["TopicArn"], body["Timestamp"]) == ("Notification", "m-1", topic, "2024-05-01T14:30:00.034Z")
    assert json.loads(body["Message"]) == {"orderId": "O1"} and body["MessageAttributes"] == attributes
    assert body["UnsubscribeURL"].endswith(f"SubscriptionArn={topic}:sub")


def _fan_out(cloud: OfflineCloud, purchases: dict[str, Any]) -> tuple[list[tuple[str, str]], set[str]]:
    """Deploy on ``cloud``, publish two purchases in one ``PublishBatch`` as the operator: the
    deliveries (queue, outcome) and the keys of the envelope SeatInventoryQueue received."""
    deployment = deploy(enforce=True, seed=False, cloud=cloud)
    try:
        entries = [{"Id": name, "Message": json.dumps(purchases[name])} for name in ("sample", "no_fan_club")]
        cloud.client("sns").publish_batch(TopicArn=deployment.attributes["TourTicketingTopic"]["TopicArn"], PublishBatchRequestEntries=entries)
        deliveries = [(d.endpoint.rsplit(":", 1)[-1], d.outcome) for d in cloud.journal.deliveries]
        url = deployment.attributes["SeatInventoryQueue"]["QueueUrl"]
        body = cloud.client("sqs").receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["Body"]
        return deliveries, set(json.loads(body))
    finally:
        cloud.close()


def test_publish_batch_fans_out_over_http_as_in_process(moto_server: MotoServer) -> None:
    purchases = json.loads((ROOT / "stack" / "seed" / "purchases.json").read_text())  # plain JSON numbers, as a client sends
    local = _fan_out(OfflineCloud(), purchases)
    remote = _fan_out(RemoteCloud(moto_server.url), purchases)
    assert remote == local
    assert ("FanClubAwardsQueue", "filtered") in local[0] and ("FanClubAwardsQueue", "delivered") in local[0]
