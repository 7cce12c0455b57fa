"""KMS as SNS and SQS use it: key resolution, AWS managed keys, implied key requests, request counts.

Facts (``shared/aws-facts.md``, "Encryption (SSE-KMS) on SNS and SQS"):

- a producer to an SSE-KMS queue or topic needs ``kms:GenerateDataKey*`` and ``kms:Decrypt`` on its
  key; a consumer needs ``kms:Decrypt``; SNS delivering to an encrypted queue acts as
  ``sns.amazonaws.com`` and needs both, from the key policy;
- the AWS managed key ``alias/aws/sqs`` has a fixed key policy that grants principals *of the
  account* through SQS only, so SNS cannot use it (moto has no managed keys at all: they live here);
- data keys are cached per principal and queue for ``KmsDataKeyReusePeriodSeconds`` (60..86,400,
  default 300): a producing principal costs 2 requests and a consuming one 1 per period.

Authorization is asked on every use, not only when a data key is refreshed: a learner who removes a
grant sees the effect at once instead of after a cached data key expires (a deliberate, documented
simplification); the *request counts* follow the cache faithfully.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from stack.cloud.access import AccessRequest, Principal, SourcedPolicy

DEFAULT_REUSE_SECONDS = 300
MIN_REUSE_SECONDS, MAX_REUSE_SECONDS = 60, 86_400
MANAGED_ALIASES = ("alias/aws/sqs", "alias/aws/sns")

Use = Literal["produce", "consume"]


@dataclass(frozen=True)
class KeyInfo:
    """A resolved key: its ARN, whether AWS manages it, its policy and whether it can be used."""

    arn: str
    policy: SourcedPolicy | None
    managed: bool = False
    enabled: bool = True


def managed_key_arn(alias: str, account: str, region: str) -> str:
    """A stable key id per managed alias, as AWS creates one per account and region on first use."""
    key_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{account}/{region}/{alias}")
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def managed_key_policy(alias: str, account: str, region: str) -> dict[str, Any]:
    """The fixed key policy AWS gives ``alias/aws/sqs`` (and, alike, ``alias/aws/sns``).

    It allows every principal *of this account* to use the key *through the service*
    (``kms:ViaService`` + ``kms:CallerAccount``) and nothing else: a service principal such as
    ``sns.amazonaws.com`` has no caller account, so it is refused.
    """
    service = alias.rsplit("/", 1)[-1]
    return {
        "Version": "2012-10-17",
        "Id": f"auto-{service}-2",
        "Statement": [
            {
                "Sid": f"Allow access through {service.upper()} for all principals in the account that are authorized to use {service.upper()}",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": account, "kms:ViaService": f"{service}.{region}.amazonaws.com"}
                },
            },
            {
                "Sid": "Allow direct access to key metadata to the account",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                "Resource": "*",
            },
        ],
    }


def implied_requests(principal: Principal, use: Use, key_arn: str, service: str, region: str, source_arn: str | None = None) -> list[AccessRequest]:
    """The KMS requests SQS or SNS makes on a principal's behalf to produce or consume a message.

    For a service principal, ``source_arn`` is the resource it acts for (the topic), which fills
    ``aws:SourceArn``/``aws:SourceAccount`` (the confused-deputy guard); for a role, the key sees
    the call *via* the service (``kms:ViaService``) from the role's account (``kms:CallerAccount``).
    """
    if principal.is_service:
        context: dict[str, Any] = {"aws:SecureTransport": True}
        if source_arn:
            context |= {"aws:SourceArn": source_arn, "aws:SourceAccount": source_arn.split(":")[4]}
    else:
        context = {
            "aws:SecureTransport": True,
            "kms:ViaService": f"{service}.{region}.amazonaws.com",
            "kms:CallerAccount": principal.account,
        }
        if principal.role_arn:
            context["aws:PrincipalArn"] = principal.role_arn
    actions = ("kms:GenerateDataKey", "kms:Decrypt") if use == "produce" else ("kms:Decrypt",)
    return [AccessRequest(principal, action, key_arn, context) for action in actions]


@dataclass
class KmsMeter:
    """Counts the KMS requests SQS and SNS would make, with data keys cached per principal and resource."""

    requests: Counter[str] = field(default_factory=Counter)
    _expiry: dict[tuple[str, str, Use], float] = field(default_factory=dict)

    def use(self, principal: Principal, resource_arn: str, key_arn: str, use: Use, now: float, reuse_seconds: int) -> int:
        """Record one produce/consume on an encrypted resource; return the KMS requests it cost."""
        slot = (principal.arn, resource_arn, use)
        if now < self._expiry.get(slot, float("-inf")):
            return 0
        self._expiry[slot] = now + reuse_seconds
        cost = 2 if use == "produce" else 1
        self.requests[key_arn] += cost
        return cost

    def total(self, key_arn: str | None = None) -> int:
        return sum(self.requests.values()) if key_arn is None else self.requests[key_arn]
