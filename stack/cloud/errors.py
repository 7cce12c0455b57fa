"""The error each AWS service returns for a denied request, with AWS's own codes and wording.

``shared/aws-facts.md`` (IAM, "Error texts differ by service"): DynamoDB, KMS, Lambda and STS raise
``AccessDeniedException`` (STS: ``AccessDenied``), SQS ``AccessDenied``, SNS ``AuthorizationError``.
SQS reports a KMS failure behind a queue as ``KMS.AccessDeniedException``.
"""

from __future__ import annotations

from dataclasses import dataclass

from stack.cloud.access import AccessDecision, AccessRequest

_CODES = {
    "sqs": "AccessDenied",
    "sns": "AuthorizationError",
    "sts": "AccessDenied",
    "s3": "AccessDenied",
}


@dataclass(frozen=True)
class ServiceError:
    """An error response: what botocore turns into the client's modelled exception."""

    code: str
    message: str
    status: int = 403

    def parsed(self) -> dict[str, object]:
        return {
            "Error": {"Code": self.code, "Message": self.message, "Type": "Sender"},
            "ResponseMetadata": {"HTTPStatusCode": self.status, "HTTPHeaders": {}, "RetryAttempts": 0},
        }


def denial_message(request: AccessRequest, decision: AccessDecision) -> str:
    """``User: ARN is not authorized to perform: ACTION on resource: ARN because ...``."""
    text = f"User: {request.principal.arn} is not authorized to perform: {request.action} on resource: {request.resource}"
    return f"{text} {decision.because}".rstrip()


def access_denied(service: str, request: AccessRequest, decision: AccessDecision) -> ServiceError:
    """The error ``service`` returns when ``request`` (possibly a KMS request behind it) is denied."""
    message = denial_message(request, decision)
    if request.service == "kms" and service in ("sqs", "sns"):
        # The queue or topic reports its key's refusal under its own API (aws-facts, Encryption).
        code = "KMS.AccessDeniedException" if service == "sqs" else "KMSAccessDenied"
        return ServiceError(code, f"The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access. ({message})", 400)
    return ServiceError(_CODES.get(service, "AccessDeniedException"), message)
