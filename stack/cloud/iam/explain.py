"""``explain-access REQUEST.json [--json]``: which statement allows or denies one request.

The file holds ``{"request": {"principal": ARN or {"service": NAME}, "principal_account",
"action", "resource", "resource_account", "context": {key: value}}, "identity_policies": [...],
"resource_policy": ..., "key_policy": ..., "trust_policy": ...}`` (absent or null where not in
play; :data:`FORMAT` is the same, with an example, as ``--help`` shows it). It prints the decision
(``Allow``, ``ExplicitDeny`` or ``ImplicitDeny``), the statement that decided it and the AWS error
clause; ``--json`` prints ``{"decision": ..., "reason": ...}``. The resource-side policy used is the
one AWS consults for the request (key policy for KMS, trust policy for ``sts:AssumeRole``, else the
resource policy). A bad file gives one line with file and line on stderr and exit status 2; so does an
unknown key, at the top level or in ``request`` (a typo such as ``"contxt"`` or ``"resource_polcy"``
would otherwise drop a policy or the context silently and could turn a Deny into an Allow).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stack.cloud.access import AccessDecision, AccessRequest, Principal
from stack.cloud.iam.arn import principal_from_arn
from stack.cloud.iam.evaluate import PolicySet, evaluate, resource_side
from stack.cloud.iam.parse import Policy, PolicyKind, PolicySyntaxError, decode_json, load_policy

PROG = "explain-access"
SIDE_KEYS: Mapping[str, str] = {"resource": "resource_policy", "key": "key_policy", "trust": "trust_policy"}
TOP_KEYS = frozenset({"request", "identity_policies", "permissions_boundary", *SIDE_KEYS.values()})
REQUEST_KEYS = frozenset({"principal", "principal_account", "action", "resource", "resource_account", "context"})

FORMAT = """\
REQUEST.json is one JSON object:
  "request"            the request (required):
      "principal"          the caller: an ARN (role session, role, user, account root) or
                           {"service": "sns.amazonaws.com"} for a service principal (required)
      "principal_account"  optional; must be the principal's account when given
      "action"             e.g. "sqs:SendMessage" (required)
      "resource"           the resource ARN, e.g. a queue ARN (required)
      "resource_account"   optional; the resource's account when its ARN has none
      "context"            condition keys of the request, e.g. {"aws:SourceArn": "...",
                           "aws:SecureTransport": true}; a key left out is absent
  "identity_policies"  the caller's own IAM policies: a list of policy documents
  "resource_policy"    the queue/topic/table policy (used for every other request)
  "key_policy"         the KMS key policy (used for kms:* requests)
  "trust_policy"       the role's trust policy (used for sts:AssumeRole)
  "permissions_boundary"  the caller's permissions boundary, if its role has one
Leave out (or set to null) what is not in play. Any other key is an error (exit 2).

Example:
  {"request": {"principal": {"service": "sns.amazonaws.com"},
               "action": "sqs:SendMessage",
               "resource": "arn:aws:sqs:us-east-1:111111111111:SeatInventoryQueue",
               "context": {"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:TourTicketingTopic"}},
   "identity_policies": [],
   "resource_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
       "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
       "Resource": "arn:aws:sqs:us-east-1:111111111111:SeatInventoryQueue",
       "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:TourTicketingTopic"}}}]}}
"""


class RequestFileError(ValueError):
    """A request file that cannot be used, located as ``file:line: message``."""


@dataclasses.dataclass(frozen=True)
class Explained:
    decision: AccessDecision
    request: AccessRequest
    findings: tuple[str, ...]


def _line_of(text: str, key: str) -> int:
    """The line of the first ``"key"`` in the file (1 if absent), to point at a schema error."""
    index = text.find(f'"{key}"')
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _fail(path: Path, text: str, key: str, message: str) -> RequestFileError:
    return RequestFileError(f"{path}:{_line_of(text, key)}: {message}")


def _principal(raw: Any, account: Any, path: Path, text: str) -> Principal:
    if isinstance(raw, Mapping) and isinstance(raw.get("service"), str):
        return Principal.service(raw["service"])
    if not isinstance(raw, str):
        raise _fail(path, text, "principal", 'request.principal must be an ARN or {"service": NAME}')
    try:
        principal = principal_from_arn(raw)
    except ValueError as error:
        raise _fail(path, text, "principal", f"request.principal: {error}") from None
    if account is not None and account != principal.account:
        raise _fail(path, text, "principal_account", f"principal_account {account!r} is not the account of {raw}")
    return principal


def _policy(document: Any, origin: str, kind: PolicyKind, path: Path, text: str, key: str) -> Policy:
    try:
        return load_policy(document, origin, kind)
    except PolicySyntaxError as error:
        raise _fail(path, text, key, f"{key}: {error.message}") from None


def _no_unknown_keys(data: Mapping[str, Any], known: frozenset[str], where: str, path: Path, text: str) -> None:
    """Refuse a key the format does not have: a misspelt key must not silently change the decision."""
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise _fail(path, text, unknown[0], f"unknown key {where}{unknown[0]!r} (expected one of: {', '.join(sorted(known))}; "
                                            f"see {PROG} --help)")


def explain_file(path: Path) -> Explained:
    """Evaluate the request in ``path``; raise :class:`RequestFileError` for a bad file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RequestFileError(f"{path}: cannot read: {error.strerror}") from None
    try:
        data = decode_json(text, str(path))
    except PolicySyntaxError as error:
        raise RequestFileError(f"{path}:{error.line}:{error.column}: invalid JSON: {error.message}") from None
    raw = data.get("request") if isinstance(data, Mapping) else None
    if not isinstance(raw, Mapping):
        raise _fail(path, text, "request", "the file needs a \"request\" object")
    _no_unknown_keys(data, TOP_KEYS, "", path, text)
    _no_unknown_keys(raw, REQUEST_KEYS, "request.", path, text)
    for field in ("action", "resource"):
        if not isinstance(raw.get(field), str):
            raise _fail(path, text, field, f"request.{field} must be a string")
    if not isinstance(raw.get("resource_account"), str | None):
        raise _fail(path, text, "resource_account", "request.resource_account must be an account id string")
    context = raw.get("context") or {}
    if not isinstance(context, Mapping):
        raise _fail(path, text, "context", "request.context must be an object")
    principal = _principal(raw.get("principal"), raw.get("principal_account"), path, text)
    request = AccessRequest(principal, raw["action"], raw["resource"], context)
    identity_docs = data.get("identity_policies") or []
    if not isinstance(identity_docs, list):
        raise _fail(path, text, "identity_policies", "identity_policies must be a list of policies")
    identity = [
        _policy(doc, f"{path}:identity_policies[{i}]", "identity", path, text, "identity_policies")
        for i, doc in enumerate(identity_docs)
    ]
    side = resource_side(request)
    side_doc = data.get(SIDE_KEYS[side]) if side else None
    resource = _policy(side_doc, f"{path}:{SIDE_KEYS[side]}", side, path, text, SIDE_KEYS[side]) if side and side_doc is not None else None
    boundary_doc = data.get("permissions_boundary")
    boundary = (_policy(boundary_doc, f"{path}:permissions_boundary", "boundary", path, text, "permissions_boundary")
                if boundary_doc is not None else None)
    decision = evaluate(request, PolicySet(identity, resource, boundary), resource_account=raw.get("resource_account"))
    findings = tuple(str(f) for p in [*identity, *(q for q in (resource, boundary) if q)] for f in p.findings)
    return Explained(decision, request, findings)


def render(explained: Explained) -> str:
    """The text report: decision, reason, deciding statement, AWS's wording, policy findings."""
    decision, request = explained.decision, explained.request
    lines = [decision.decision, f"  reason: {decision.reason}"]
    if decision.policy is not None:
        sid = f" (Sid {decision.sid!r})" if decision.sid else ""
        lines.append(f"  decided by: {decision.policy} statement #{decision.statement}{sid}")
    if not decision.allowed:
        lines.append(
            f"  AWS says: User: {request.principal.arn} is not authorized to perform: {request.action}"
            f" on resource: {request.resource} {decision.because}"
        )
    lines += ["findings:", *(f"  {f}" for f in explained.findings)] if explained.findings else []
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Explain which policy statement allows or denies a request.",
                                     epilog=FORMAT, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("request_file", type=Path, metavar="REQUEST.json")
    parser.add_argument("--json", action="store_true", help='print {"decision": ..., "reason": ...}')
    args = parser.parse_args(argv)
    try:
        explained = explain_file(args.request_file)
    except RequestFileError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"decision": explained.decision.decision, "reason": explained.decision.reason}))
    else:
        print(render(explained))
    return 0


if __name__ == "__main__":
    sys.exit(main())
