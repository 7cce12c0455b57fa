"""A session 1 lab folder -> parsed policies, encryption settings, answers, and the deploy Overrides.

Each reader takes one file, so a malformed file fails only the checks that read it (the
:class:`~checks.lab.LabFileError` names file and line); :func:`overrides` reads them all, so only the
end-to-end checks depend on every file.

File conventions (the lab README says the same): every ``.json`` file is an AWS policy document
exactly as the console takes it (``Version`` and ``Statement``); a policy with an empty ``Statement``
list means "no policy at all". YAML files carry their instructions in comments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checks.context import CheckContext
from checks.lab import LabFileError
from checks.session1 import system as s
from stack.cloud.access import SourcedPolicy
from stack.cloud.iam.findings import catalogue
from stack.cloud.iam.parse import Policy, PolicyKind, load_policy
from stack.overrides import Overrides

QUEUE_SETTINGS = ("KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds")
TOPIC_SETTINGS = ("KmsMasterKeyId",)


def document(ctx: CheckContext, path: str) -> Mapping[str, Any]:
    data = ctx.data(path)
    if not isinstance(data, dict):
        raise LabFileError(path, "a policy document must be a JSON object with \"Version\" and \"Statement\"")
    statements = data.get("Statement")
    if statements is not None and not isinstance(statements, (list, dict)):
        raise LabFileError(path, f"\"Statement\" must be a list of statements (or one statement object), "
                                 f"got {type(statements).__name__} {statements!r:.60}")
    return data


def policy(ctx: CheckContext, path: str, kind: PolicyKind) -> Policy:
    """The parsed, validated policy in ``path`` (statements AWS would reject grant nothing)."""
    return ctx.memo(f"policy:{path}:{kind}", lambda c: load_policy(document(c, path), path, kind))


def is_empty(ctx: CheckContext, path: str) -> bool:
    """True when the file holds no statement at all: the resource then has no policy."""
    statements = document(ctx, path).get("Statement")
    return statements == [] or statements is None


def problems(*policies: Policy) -> list[str]:
    """Validation findings that make AWS reject a statement (shown so a typo is not a mystery)."""
    words = catalogue()
    return [str(f) for p in policies for f in p.findings if words[f.id].severity == "ERROR"]


@dataclass(frozen=True)
class Encryption:
    """encryption/settings.yaml: the topic's and each queue's SSE settings, as written."""

    topic: Mapping[str, Any]
    queues: Mapping[str, Mapping[str, Any]]

    def key_ref(self, queue: str | None) -> str | None:
        settings = self.topic if queue is None else self.queues.get(queue, {})
        value = settings.get("KmsMasterKeyId")
        return str(value) if value not in (None, "") else None


def encryption(ctx: CheckContext) -> Encryption:
    return ctx.memo("encryption", _encryption)


def _encryption(ctx: CheckContext) -> Encryption:
    path = s.ENCRYPTION_FILE
    data = ctx.data(path)
    if not isinstance(data, dict):
        raise LabFileError(path, "expected the keys `topic` and `queues`")
    topic, queues = data.get("topic") or {}, data.get("queues") or {}
    if not isinstance(topic, dict) or not isinstance(queues, dict):
        raise LabFileError(path, "`topic` and `queues` must be mappings (check the indentation)")
    for key in topic:
        if key not in TOPIC_SETTINGS:
            raise LabFileError(path, f"topic: unknown setting {key!r} (this lab sets only {', '.join(TOPIC_SETTINGS)})")
    for name, settings in queues.items():
        if name not in s.QUEUES:
            raise LabFileError(path, f"queues: unknown queue {name!r} (the queues are {', '.join(s.QUEUES)})")
        if not isinstance(settings, dict):
            raise LabFileError(path, f"queues.{name} must be a mapping of settings")
        for key, value in settings.items():
            if key not in QUEUE_SETTINGS:
                raise LabFileError(path, f"queues.{name}: unknown setting {key!r} (this lab sets only {', '.join(QUEUE_SETTINGS)})")
            if key == "KmsDataKeyReusePeriodSeconds" and (not isinstance(value, int) or isinstance(value, bool) or not 60 <= value <= 86_400):
                raise LabFileError(path, f"queues.{name}.KmsDataKeyReusePeriodSeconds must be a whole number of seconds from 60 to 86400, got {value!r}")
    return Encryption(topic, queues)


def answers(ctx: CheckContext) -> Mapping[str, Any]:
    data = ctx.data(s.ANSWERS_FILE)
    if not isinstance(data, dict):
        raise LabFileError(s.ANSWERS_FILE, "expected `key: value` answers (see the comments in the file)")
    return data


def _sourced(ctx: CheckContext, path: str, kind: PolicyKind) -> SourcedPolicy:
    """A document to deploy. AWS (and moto) refuse a whole document with a syntax error
    (MalformedPolicyDocument), so such a file stops the deployment here, named, instead of failing
    inside it as an error of the grader; the per-file checks still grade the rest of it."""
    errors = problems(policy(ctx, path, kind))
    if errors:
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise LabFileError(path, f"AWS would refuse this document (MalformedPolicyDocument): {errors[0]}{more}; "
                                 "the system cannot be deployed with it")
    return SourcedPolicy(document(ctx, path), path)


def overrides(ctx: CheckContext) -> Overrides:
    """Everything the lab folder replaces in the reference system, each part tagged with its file."""
    roles: dict[str, list[SourcedPolicy]] = {f: [_sourced(ctx, p, "identity")] for f, p in s.IAM_FILES.items()}
    roles["PaymentProcessor"].append(_sourced(ctx, s.GATEWAY_FILE, "identity"))
    roles[s.VENDOR_ACCESS_ROLE] = [_sourced(ctx, s.VENDOR_PERMISSIONS_FILE, "identity")]
    queue_policies = {q: None if is_empty(ctx, p) else _sourced(ctx, p, "resource") for q, p in s.QUEUE_POLICY_FILES.items()}
    topic_policy = None if is_empty(ctx, s.TOPIC_POLICY_FILE) else _sourced(ctx, s.TOPIC_POLICY_FILE, "resource")
    settings = encryption(ctx)
    queue_attributes = {q: {k: settings.queues.get(q, {}).get(k) for k in QUEUE_SETTINGS} for q in s.QUEUES}
    return Overrides(
        role_policies=roles,
        trust_policies={s.VENDOR_ACCESS_ROLE: _sourced(ctx, s.VENDOR_TRUST_FILE, "trust")},
        queue_policies=queue_policies,
        topic_policy=topic_policy,
        key_policy=_sourced(ctx, s.KEY_POLICY_FILE, "key"),
        queue_attributes=queue_attributes,
        topic_attributes={"KmsMasterKeyId": settings.key_ref(None)},
    )
