"""The simulator agrees with the real offline runtime on a small surge (``issues/7``: agreement self-test).

30 purchases over 3 virtual minutes go through the deployed system (moto, handlers, poller) and through
:func:`stack.simulate.model.simulate` with the same arrival seconds. Tolerance: per queue and minute,
NumberOfMessagesSent, -Received, -Deleted and ApproximateNumberOfMessagesVisible differ by at most
max(1 message, 5 %). (The runtime samples the gauge just after the minute's first purchase, the model
just before it; deliveries and deletes of one purchase land in the same second in both.)
"""

from __future__ import annotations

import copy
import json
import math
from collections import defaultdict
from pathlib import Path

from stack.simulate.model import QUEUES, Config, simulate

SEED = Path(__file__).resolve().parents[2] / "stack" / "seed" / "purchases.json"
SPACING_S, COUNT = 6, 30
METRICS = ("NumberOfMessagesSent", "NumberOfMessagesReceived", "NumberOfMessagesDeleted", "ApproximateNumberOfMessagesVisible")


def _purchases(count: int) -> list[dict]:
    template = json.loads(SEED.read_text())["sample"]
    seats = [f"B{n}" for n in range(1, 41) if n not in (15, 16, 20)] + [f"GA{n:02d}" for n in range(1, 31)]
    out = []
    for index, seat in enumerate(seats[:count]):
        p = copy.deepcopy(template)
        p["orderId"] = f"ORD{index:09d}"
        ticket = dict(p["tickets"][0], seatNumber=seat, section="VIP" if seat.startswith("B") else "GA",
                      price=250.0 if seat.startswith("B") else 89.5)
        if index % 3:
            ticket = {k: v for k, v in ticket.items() if k != "fanClubId"} | {"isFanClubMember": False}
        p["tickets"] = [ticket]
        p["totalAmount"] = ticket["price"]
        out.append(p)
    return out


def test_simulator_agrees_with_the_runtime(system):
    cloud = system().cloud
    t0 = math.ceil(cloud.clock.now() / 60) * 60 + 60
    purchases = _purchases(COUNT)
    for index, purchase in enumerate(purchases):
        cloud.clock.advance_to(t0 + index * SPACING_S)
        assert cloud.invoke("TicketPurchaseHandler", purchase).response["statusCode"] == 202
        cloud.run_until_idle()
    cloud.clock.advance_to(t0 + COUNT * SPACING_S + 60)
    cloud.run_until_idle()
    runtime: dict[tuple[str, str, int], float] = defaultdict(float)
    for entry in cloud.metrics.drain():
        minute = int((entry["Timestamp"].timestamp() - t0) // 60)
        runtime[(entry["MetricName"], entry["Dimensions"][0]["Value"], minute)] += entry["StatisticValues"]["Sum"]

    seconds = COUNT * SPACING_S + 60
    arrivals = [0] * seconds
    for index in range(COUNT):
        arrivals[index * SPACING_S] += 1
    fan_club = sum(1 for p in purchases if p["tickets"][0]["isFanClubMember"]) / COUNT
    store = simulate(Config(arrivals=tuple(arrivals), fan_club_share=fan_club))

    problems = []
    for queue in QUEUES:
        for metric in METRICS:
            stat = "Maximum" if metric.startswith("Approximate") else "Sum"
            model = store.minute_values("AWS/SQS", metric, queue, stat)
            for minute in range(COUNT * SPACING_S // 60):
                real, sim = runtime.get((metric, queue, minute), 0.0), model[minute] or 0.0
                if abs(real - sim) > max(1.0, 0.05 * real):
                    problems.append(f"{queue} {metric} minute {minute}: runtime {real:g}, model {sim:g}")
    assert sum(runtime[("NumberOfMessagesSent", "SeatInventoryQueue", m)] for m in range(3)) == COUNT
    assert not problems, "\n".join(problems)
