"""Exercise 2c: investigate the mystery on-sale with boto3, offline (no notebook, no AWS account).

Run it from anywhere:  python investigate.py            (add --baseline to look at a healthy on-sale)

It loads the metrics of YOUR mystery on-sale (the seed in seed.toml next to this file, or the lab's
default seed) into the offline CloudWatch (moto, in this process), then reads them back with the same
boto3 calls you would use on a real account. Edit the QUERIES and the section marked "your turn";
nothing here is graded. Prefer a spreadsheet? `tourlab export-csv .` writes mystery.csv instead.

Minute 0 of the data is 2024-05-01 14:30 UTC; an onset_minute in answers.yaml counts from there.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from stack.cloud.metrics import put_all
from stack.cloud.offline import OfflineCloud
from stack.simulate.mystery import baseline_run, mystery_run, read_seed

HERE = Path(__file__).resolve().parent

# (id, namespace, metric, dimension name, dimension value, statistic): one column each in the table below.
QUERIES = [
    ("sent", "AWS/SQS", "NumberOfMessagesSent", "QueueName", "SeatInventoryQueue", "Sum"),
    ("deleted", "AWS/SQS", "NumberOfMessagesDeleted", "QueueName", "SeatInventoryQueue", "Sum"),
    ("age", "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "SeatInventoryQueue", "Maximum"),
    ("published", "AWS/SNS", "NumberOfMessagesPublished", "TopicName", "TourTicketingTopic", "Sum"),
    # TODO: add the metrics that tell the incidents apart (README: "Reading the metrics").
]


def metric_data_queries(queries: list[tuple[str, ...]]) -> list[dict]:
    return [{"Id": qid, "MetricStat": {"Metric": {"Namespace": ns, "MetricName": name,
                                                  "Dimensions": [{"Name": dim, "Value": value}]},
                                       "Period": 60, "Stat": stat}}
            for qid, ns, name, dim, value, stat in queries]


def main() -> None:
    baseline = "--baseline" in sys.argv[1:]
    store = baseline_run() if baseline else mystery_run(read_seed(HERE))
    start, end = store.start, store.start + dt.timedelta(minutes=store.minutes)
    with OfflineCloud() as cloud:
        cloudwatch = cloud.client("cloudwatch")
        put_all(cloudwatch, store.entries())  # the run's 1-minute datapoints, at their timestamps

        # 1. get_metric_data: several metrics at once, one value per Period (here 60 s).
        response = cloudwatch.get_metric_data(MetricDataQueries=metric_data_queries(QUERIES), StartTime=start,
                                              EndTime=end, ScanBy="TimestampAscending")
        columns = {r["Id"]: {int((t - start).total_seconds() // 60): v for t, v in zip(r["Timestamps"], r["Values"])}
                   for r in response["MetricDataResults"]}
        ids = [q[0] for q in QUERIES]
        print("minute " + " ".join(f"{i:>10}" for i in ids))
        for minute in range(store.minutes):
            cells = [columns[i].get(minute) for i in ids]
            print(f"{minute:>6} " + " ".join(f"{'-' if c is None else f'{c:.0f}':>10}" for c in cells))

        # 2. get_metric_statistics: one metric, several statistics per period (here 5 minutes).
        stats = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName="Duration",
            Dimensions=[{"Name": "FunctionName", "Value": "PaymentProcessor"}],
            StartTime=start, EndTime=end, Period=300, Statistics=["SampleCount", "Average", "Maximum"])
        print("\nPaymentProcessor Duration (ms), 5-minute periods:")
        for point in sorted(stats["Datapoints"], key=lambda p: p["Timestamp"]):
            minute = int((point["Timestamp"] - start).total_seconds() // 60)
            print(f"  minute {minute:>2}: {point['SampleCount']:>6.0f} invocations, average {point['Average']:>8.0f}, "
                  f"maximum {point['Maximum']:>8.0f}")

        # 3. Your turn: which queue departs from its siblings, from which minute, and how?
        #    e.g. compare Sent with Deleted per queue, look at every DLQ, the topic's Failed and
        #    FilteredOut, the functions' Errors and Throttles. Metric names: `cloudwatch.list_metrics()`.


if __name__ == "__main__":
    main()
