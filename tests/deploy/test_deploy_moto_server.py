"""Acceptance: solutions/session1 deployed through CloudFormation on a moto server subprocess, the sample
purchase run against it (TicketPurchaseHandler's code, its clients at the endpoint), then torn down."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from stack import seed as seed_data
from stack.__main__ import main
from stack.deploy import seed_tables
from stack.endpoints import EndpointError, MotoServer
from stack.local_invoke import LocalHandler
from stack.simulate import traffic

ROOT = Path(__file__).resolve().parents[2]
QUEUES = ("SeatInventoryQueue", "PaymentProcessingQueue", "NotificationQueue", "FanClubAwardsQueue")


def _order_ids(sqs, url: str) -> list[str]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    return [json.loads(json.loads(m["Body"])["Message"])["orderId"] for m in messages]


@pytest.fixture(scope="module")
def deployed(moto_server: MotoServer) -> str:
    out = io.StringIO()
    assert main(["deploy", str(ROOT / "solutions/session1"), "--endpoint", moto_server.url], out=out) == 0, out.getvalue()
    text = out.getvalue()
    assert "CREATE_COMPLETE" in text
    # what moto's CloudFormation skips was created through the API (and verify() found nothing missing)
    for fixed in ("SeatInventorySubscription", "FanClubAwardsSubscription", "NotificationQueuePolicy", "TourTicketingKey: key policy"):
        assert f"moto fix-up {fixed}" in text
    return text


def test_the_sample_purchase_reaches_the_queues(moto_server: MotoServer, deployed: str) -> None:
    target = moto_server.target()
    cfn = target.client("cloudformation")
    stack = cfn.describe_stacks(StackName="tour-ticketing")["Stacks"][0]
    assert {"Key": "project", "Value": "world-tour-ticketing-labs"} in stack["Tags"]
    sqs = target.client("sqs")
    urls = {q: sqs.get_queue_url(QueueName=q)["QueueUrl"] for q in QUEUES}
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=urls["SeatInventoryQueue"], AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy == json.loads((ROOT / "solutions/session1/resource-policies/seat-inventory-queue.json").read_text())  # the lab file, deployed

    seed_tables(target.client("dynamodb"))
    purchases = seed_data.load("purchases")
    handler = LocalHandler(target, "TicketPurchaseHandler")
    assert handler(purchases["sample"])["statusCode"] == 202
    assert handler(purchases["no_fan_club"])["statusCode"] == 202
    sample, plain = purchases["sample"]["orderId"], purchases["no_fan_club"]["orderId"]
    got = {q: sorted(_order_ids(sqs, url)) for q, url in urls.items()}
    assert got == {"SeatInventoryQueue": sorted([sample, plain]), "PaymentProcessingQueue": sorted([sample, plain]),
                   "NotificationQueue": sorted([sample, plain]), "FanClubAwardsQueue": [sample]}  # the filter policy held
    for url in urls.values():
        sqs.purge_queue(QueueUrl=url)


def test_traffic_reaches_the_same_moto_server(moto_server: MotoServer, deployed: str) -> None:
    out = io.StringIO()
    argv = ["--endpoint", moto_server.url, traffic.OPT_IN, "--rate", "2", "--duration", "2", "--fan-club-share", "0.5"]
    assert traffic.main(argv, stream=out) == 0
    assert "purchases sent 4, accepted 4, rejected 0, failed with an error 0" in out.getvalue()
    sqs = moto_server.target().client("sqs")
    url = sqs.get_queue_url(QueueName="NotificationQueue")["QueueUrl"]
    assert int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"]) == 4


def test_teardown_deletes_the_stack(moto_server: MotoServer, deployed: str) -> None:
    cfn = moto_server.target().client("cloudformation")

    out = io.StringIO()
    assert main(["teardown", "--endpoint", moto_server.url, "--delete-bucket"], out=out) == 0, out.getvalue()
    assert "DELETE_COMPLETE" in out.getvalue()
    assert not any(s["StackName"] == "tour-ticketing" and s["StackStatus"] != "DELETE_COMPLETE"
                   for s in cfn.list_stacks()["StackSummaries"])


def test_the_server_process_is_stopped_when_a_step_fails() -> None:
    server = MotoServer()
    with pytest.raises(RuntimeError, match="a step failed"):
        with server:
            process = server.process
            assert process is not None and process.poll() is None
            raise RuntimeError("a step failed")
    assert process.poll() is not None and server.process is None


def test_an_aws_url_is_not_an_endpoint() -> None:
    out = io.StringIO()
    assert main(["deploy", str(ROOT / "solutions/session1"), "--endpoint", "https://cloudformation.us-east-1.amazonaws.com"], out=out) == 2
    with pytest.raises(EndpointError, match="needs --real-aws"):
        from stack.endpoints import Target

        Target("https://sqs.eu-west-1.amazonaws.com")
