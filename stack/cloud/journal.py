"""What happened in a run, as evidence: every authorized call, delivery and invocation.

The grader reads the journal instead of scraping logs: a denied call carries the function, the exact
request and the decision (which statement, which policy file); a failed SNS delivery carries the
subscription and why; the allowed calls of a reference run are what each function *needs*
(the least-privilege analysis compares a learner's policies with that set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from stack.cloud.access import AccessDecision, AccessRequest


@dataclass(frozen=True)
class CallRecord:
    """One authorization request of an AWS call made by a function (or by Lambda for it)."""

    time: float
    function: str | None
    request: AccessRequest
    decision: AccessDecision


@dataclass(frozen=True)
class DeliveryRecord:
    """One SNS -> SQS delivery attempt of one message to one subscription."""

    time: float
    topic_arn: str
    endpoint: str
    message_id: str
    outcome: Literal["delivered", "filtered", "failed", "redriven"]
    reason: str = ""
    decision: AccessDecision | None = None


@dataclass(frozen=True)
class InvocationRecord:
    """One Lambda invocation and how it ended."""

    time: float
    function: str
    request_id: str
    duration_ms: float
    outcome: Literal["ok", "error", "timeout", "init-error"]
    error_type: str | None = None
    error_message: str | None = None
    response: Any = None
    batch_size: int = 0


@dataclass
class Journal:
    calls: list[CallRecord] = field(default_factory=list)
    deliveries: list[DeliveryRecord] = field(default_factory=list)
    invocations: list[InvocationRecord] = field(default_factory=list)

    def denials(self) -> list[CallRecord]:
        return [call for call in self.calls if not call.decision.allowed]

    def needed(self, function: str) -> set[tuple[str, str]]:
        """The (action, resource) pairs ``function`` used successfully: what its role must allow."""
        return {(c.request.action, c.request.resource) for c in self.calls if c.function == function and c.decision.allowed}
