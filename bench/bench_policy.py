"""Print how long the policy engine takes on the reference system (issue 5: target < 0.5 s).

Analyses the five roles (least privilege by behaviour) and every resource, key and trust policy of
``tests/cloud/iam/data/system.yaml``: once cold (first use loads policyuniverse and fills caches, as a
lab run does) and then warm, and times the runtime hook on single requests. Prints figures; asserts
nothing. Run: ``python bench/bench_policy.py``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from checks.least_privilege import analyse_resource_policy, analyse_role
from stack.cloud.access import AccessRequest, Principal
from stack.cloud.iam.evaluate import PolicySet, evaluate
from stack.cloud.iam.parse import load_policy
from stack.cloud.iam.reach import Universe

SYSTEM = Path(__file__).resolve().parents[1] / "tests" / "cloud" / "iam" / "data" / "system.yaml"
REQUESTS = 10_000


def analyse(system: dict[str, Any]) -> int:
    """Parse and analyse every role and resource-side policy; return the number of findings."""
    universe = Universe(system["account"], system["region"], tuple(system["system"]))
    count = 0
    for name, role in system["roles"].items():
        policy = load_policy(role["policy"], name, "identity")
        count += len(analyse_role([policy], [tuple(c) for c in role["needed"]], universe, [tuple(c) for c in role["accepted"]]))
    for spec in system["resource_policies"]:
        policy = load_policy(spec["document"], spec["resource"], spec["kind"])
        count += len(analyse_resource_policy(policy, spec["resource"], spec["resource"].split(":")[4]))
    return count


def timed(function: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main() -> None:
    system = yaml.safe_load(SYSTEM.read_text(encoding="utf-8"))
    roles, policies = len(system["roles"]), len(system["resource_policies"])
    cold, findings = timed(analyse, system)
    warm = min(timed(analyse, system)[0] for _ in range(5))
    print(f"least privilege, {roles} roles + {policies} resource/key/trust policies: "
          f"cold {cold * 1000:.0f} ms (incl. policyuniverse load), warm {warm * 1000:.0f} ms, {findings} findings")

    role = system["roles"]["SeatInventoryUpdater"]
    identity = PolicySet([load_policy(role["policy"], "seat.json", "identity")])
    request = AccessRequest(
        Principal.assumed_role("arn:aws:iam::111111111111:role/SeatInventoryUpdaterRole", "SeatInventoryUpdater"),
        "dynamodb:UpdateItem", "arn:aws:dynamodb:us-east-1:111111111111:table/SeatInventory",
    )
    elapsed, _ = timed(lambda: [evaluate(request, identity) for _ in range(REQUESTS)])
    print(f"evaluator: {REQUESTS} requests in {elapsed * 1000:.0f} ms ({elapsed / REQUESTS * 1e6:.1f} us per request)")


if __name__ == "__main__":
    main()
