"""Named limits and modelled latencies of the offline cloud, with units.

Durations are *modelled*, not measured, so a run is deterministic: each AWS call a handler makes
advances the virtual clock by its service's typical in-region latency (order of magnitude from AWS
documentation and common measurements), a handler's own Python code costs ``HANDLER_BASE_MS``.
"""

from __future__ import annotations

#: The ticketing account and region every offline run uses (the vendor's account is 222222222222).
ACCOUNT = "111111111111"
REGION = "us-east-1"

#: Typical latency of one call, in milliseconds, by IAM service prefix.
CALL_LATENCY_MS = {
    "dynamodb": 6.0,
    "sqs": 12.0,
    "sns": 20.0,
    "kms": 8.0,
    "sts": 25.0,
    "lambda": 40.0,
    "ses": 60.0,
    "logs": 10.0,
    "cloudwatch": 10.0,
}
DEFAULT_CALL_LATENCY_MS = 15.0
HANDLER_BASE_MS = 2.0

#: Lambda limits and defaults.
LAMBDA_DEFAULT_TIMEOUT_S = 3
LAMBDA_DEFAULT_MEMORY_MB = 128
#: Wall-clock cap on one invocation of learner code, whatever its configured timeout (seconds).
WALL_CLOCK_LIMIT_S = 5.0
SQS_MAX_BATCH = 10
#: After a receive that returned nothing, the Lambda poller waits this long before polling again (seconds).
POLLER_IDLE_S = 1.0
