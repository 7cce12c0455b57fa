"""Benchmark of the offline runtime against plain moto, in one run (issue 2's acceptance figures).

Prints, measured in this process and in subprocesses of the same interpreter:

1. the floor: ``import boto3, moto; from moto import mock_aws`` in a fresh interpreter;
2. the baseline: the AWS calls the pipeline makes for N purchases issued straight through boto3 on
   moto (create the resources, then per purchase: the producer's reads and publish, each consumer's
   receive, table writes and delete), with no runtime at all;
3. our runtime: deploy from the template, then the same N purchases end to end (handlers, poller,
   policy hooks, metrics and logs flushed);
4. deploy + 5 purchases, what a lab's end-to-end check needs.

Ratios, not absolute seconds, are what to compare across machines. Run: ``python bench/bench_runtime.py [N]``.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PURCHASES = json.loads((ROOT / "stack" / "seed" / "purchases.json").read_text())
QUEUES = ("SeatInventoryQueue", "PaymentProcessingQueue", "NotificationQueue", "FanClubAwardsQueue")


def floor() -> float:
    code = "import time; t=time.perf_counter(); import boto3, moto; from moto import mock_aws; print(time.perf_counter()-t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def purchases(count: int) -> list[dict[str, Any]]:
    seats = [f"B{n}" for n in range(1, 41) if n not in (15, 16, 20)]
    result = []
    for index in range(count):
        purchase = copy.deepcopy(PURCHASES["sample"])
        purchase["orderId"] = f"ORD{index:09d}"
        seat = seats[index % len(seats)]
        purchase["concertId"] = "CONCERT001" if index < len(seats) else f"CONCERT{100 + index // len(seats)}"
        purchase["tickets"] = [dict(purchase["tickets"][0], seatNumber=seat, price=250.0)]
        purchase["totalAmount"] = 250.0
        result.append(purchase)
    return result


def baseline(batch: list[dict[str, Any]]) -> tuple[float, float]:
    """The pipeline's AWS calls (as the journal of a runtime run lists them) straight through boto3 on moto."""
    import boto3
    from moto import mock_aws

    start = time.perf_counter(), time.process_time()
    with mock_aws():
        sqs, sns, ddb, sts, ses = (boto3.client(s, region_name="us-east-1") for s in ("sqs", "sns", "dynamodb", "sts", "ses"))
        topic = sns.create_topic(Name="TourTicketingTopic")["TopicArn"]
        urls = {}
        for name in QUEUES:
            sqs.create_queue(QueueName=f"{name}DLQ")
            urls[name] = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=urls[name], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        ddb.create_table(TableName="SeatInventory", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "concertId", "KeyType": "HASH"}, {"AttributeName": "seatNumber", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": "concertId", "AttributeType": "S"}, {"AttributeName": "seatNumber", "AttributeType": "S"}])
        for table, key in (("Orders", "orderId"), ("FanClubMembers", "fanClubId")):
            ddb.create_table(TableName=table, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        ses.verify_email_identity(EmailAddress="tickets@example.com")
        for purchase in batch:
            seat = {"concertId": {"S": purchase["concertId"]}, "seatNumber": {"S": purchase["tickets"][0]["seatNumber"]}}
            ddb.put_item(TableName="SeatInventory", Item={**seat, "status": {"S": "AVAILABLE"}, "price": {"N": "250.00"}})
        for group in range(0, len(batch), 5):
            for purchase in batch[group : group + 5]:
                seat = {"concertId": {"S": purchase["concertId"]}, "seatNumber": {"S": purchase["tickets"][0]["seatNumber"]}}
                ddb.batch_get_item(RequestItems={"SeatInventory": {"Keys": [seat]}})
                ddb.get_item(TableName="FanClubMembers", Key={"fanClubId": {"S": "FCID1001"}})
                sns.publish(TopicArn=topic, Message=json.dumps(purchase))
            for name, url in urls.items():
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
                for message in messages:
                    purchase = json.loads(json.loads(message["Body"])["Message"])
                    order = {"orderId": {"S": purchase["orderId"]}}
                    seat = {"concertId": {"S": purchase["concertId"]}, "seatNumber": {"S": purchase["tickets"][0]["seatNumber"]}}
                    if name == "SeatInventoryQueue":
                        ddb.transact_write_items(TransactItems=[{"Update": {
                            "TableName": "SeatInventory", "Key": seat, "UpdateExpression": "SET #s = :sold, orderId = :o",
                            "ConditionExpression": "attribute_exists(seatNumber) AND (#s = :a OR orderId = :o)",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": {":sold": {"S": "SOLD"}, ":a": {"S": "AVAILABLE"}, ":o": order["orderId"]}}}])
                    elif name == "PaymentProcessingQueue":
                        ddb.get_item(TableName="Orders", Key=order)
                        sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/PaymentGatewayInvokeRole", RoleSessionName="PaymentProcessor")
                        ddb.update_item(TableName="Orders", Key=order, UpdateExpression="SET paymentStatus = :p, totalAmount = :t",
                                        ExpressionAttributeValues={":p": {"S": "Paid"}, ":t": {"N": "225.00"}})
                    elif name == "NotificationQueue":
                        ddb.update_item(TableName="Orders", Key=order, UpdateExpression="SET notification = :n",
                                        ConditionExpression="attribute_not_exists(notification)",
                                        ExpressionAttributeValues={":n": {"M": {"status": {"S": "Sending"}}}})
                        ses.send_email(Source="tickets@example.com", Destination={"ToAddresses": ["fan@example.com"]},
                                       Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})
                        sns.publish(PhoneNumber="+1234567890", Message="confirmed")
                        ddb.update_item(TableName="Orders", Key=order, UpdateExpression="SET notification = :n",
                                        ExpressionAttributeValues={":n": {"M": {"status": {"S": "Sent"}}}})
                    else:
                        ddb.update_item(TableName="FanClubMembers", Key={"fanClubId": {"S": "FCID1001"}},
                                        UpdateExpression="ADD points :p, awardedOrders :o",
                                        ExpressionAttributeValues={":p": {"N": "10"}, ":o": {"SS": [purchase["orderId"]]}})
                if messages:
                    sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
    return _since(start)


def _since(start: tuple[float, float]) -> tuple[float, float]:
    """(wall, CPU) seconds since ``start``: CPU time is what to compare on a shared, noisy machine."""
    return time.perf_counter() - start[0], time.process_time() - start[1]


def runtime(batch: list[dict[str, Any]]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Deploy + the purchases end to end; returns ((wall, CPU) of the deploy, (wall, CPU) in total)."""
    from stack.deploy import deploy

    start = time.perf_counter(), time.process_time()
    deployment = deploy()
    deployed = _since(start)
    cloud = deployment.cloud
    try:
        extra = sorted({(p["concertId"], p["tickets"][0]["seatNumber"]) for p in batch if p["concertId"] != "CONCERT001"})
        for start_index in range(0, len(extra), 25):
            cloud.client("dynamodb").batch_write_item(RequestItems={"SeatInventory": [
                {"PutRequest": {"Item": {"concertId": {"S": c}, "seatNumber": {"S": s}, "section": {"S": "VIP"},
                                         "price": {"N": "250.00"}, "status": {"S": "AVAILABLE"}}}}
                for c, s in extra[start_index : start_index + 25]]})
        for group in range(0, len(batch), 5):
            for purchase in batch[group : group + 5]:
                cloud.invoke("TicketPurchaseHandler", purchase)
            cloud.run_until_idle()
        cloud.flush()
        failed = [i for i in cloud.journal.invocations if i.outcome != "ok" or (isinstance(i.response, dict) and i.response.get("statusCode", 202) != 202)]
        if failed:
            raise SystemExit(f"runtime run had failing invocations: {failed[:3]}")
        paid = [i for i in cloud.journal.invocations if i.function == "PaymentGateway"]
        if len(paid) != len(batch):
            raise SystemExit(f"only {len(paid)} of {len(batch)} purchases were charged")
    finally:
        cloud.close()
    return deployed, _since(start)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    batch = purchases(count)
    floor_s = floor()
    runtime(purchases(1))  # warm imports for both contenders alike
    base = baseline(batch)
    deployed, total = runtime(batch)
    _, five = runtime(purchases(5))
    print(f"{'measure':<46}{'wall s':>8}{'CPU s':>8}{'ratio (CPU)':>13}")
    print(f"{'import boto3, moto (floor, fresh interpreter)':<46}{floor_s:>8.2f}{'':>8}")
    print(f"{f'baseline: plain boto3 on moto, {count} purchases':<46}{base[0]:>8.2f}{base[1]:>8.2f}{1.0:>13.2f}")
    print(f"{f'runtime: deploy + {count} purchases':<46}{total[0]:>8.2f}{total[1]:>8.2f}{total[1] / base[1]:>13.2f}")
    print(f"{'  of which deploy':<46}{deployed[0]:>8.2f}{deployed[1]:>8.2f}")
    print(f"{'runtime: deploy + 5 purchases (a lab check)':<46}{five[0]:>8.2f}{five[1]:>8.2f}")
    print(f"targets: runtime <= 1.5x baseline (CPU) -> {'met' if total[1] <= 1.5 * base[1] else 'MISSED'}; "
          f"deploy + 5 <= 2 s (CPU) -> {'met' if five[1] <= 2 else 'MISSED'}")

if __name__ == "__main__":
    main()
