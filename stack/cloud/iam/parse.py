"""Load and validate identity, resource (queue, topic), key and trust policies.

A policy is read once into frozen :class:`Policy` / :class:`Statement` objects with string-or-list
elements normalised to tuples, and validated like IAM Access Analyzer: each problem is a
:class:`~stack.cloud.iam.findings.Finding` with origin, statement index and Sid. JSON that does not
parse raises :class:`PolicySyntaxError` with file, line and column.

A statement with a structural error (unknown Effect, missing Action, malformed ARN or Principal...)
is one AWS would reject; it is kept out of :attr:`Policy.statements`, so it grants nothing. A
statement whose Condition uses an unsupported operator or key is kept: the evaluator fails it closed
(:mod:`stack.cloud.iam.conditions`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from stack.cloud.iam import actions
from stack.cloud.iam.arn import check_pattern, is_account_id, parse_arn
from stack.cloud.iam.conditions import Clause, is_supported_key, parse_operator, request_values
from stack.cloud.iam.findings import Finding, Location

PolicyKind = Literal["identity", "boundary", "resource", "key", "trust"]
#: Kinds attached to an IAM identity: no Principal element, Resource required.
IDENTITY_KINDS: frozenset[str] = frozenset({"identity", "boundary"})
Effect = Literal["Allow", "Deny"]

VERSIONS = ("2012-10-17", "2008-10-17")
TOP_LEVEL_KEYS = frozenset({"Version", "Id", "Statement"})
STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})


class PolicySyntaxError(ValueError):
    """A policy that is not valid JSON (or not a JSON object), located by file, line and column."""

    def __init__(self, origin: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{origin}:{line}:{column}: {message}")
        self.origin, self.line, self.column, self.message = origin, line, column, message


@dataclass(frozen=True)
class Principals:
    """A parsed Principal or NotPrincipal element (``"*"`` is ``aws=("*",)``)."""

    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    other: tuple[str, ...] = ()  # Federated / CanonicalUser: never one of our principals


@dataclass(frozen=True)
class Statement:
    """One well-formed statement. ``resources`` is ``None`` when the element is absent (the policy's
    own resource, in a queue, topic, key or trust policy); ``principals`` is ``None`` in identity
    policies."""

    index: int
    sid: str | None
    effect: Effect
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None
    not_resource: bool
    principals: Principals | None
    not_principal: bool
    conditions: tuple[Clause, ...]

    def location(self, origin: str) -> Location:
        return Location(origin, self.index, self.sid)


@dataclass(frozen=True)
class Policy:
    """A parsed policy. ``kind`` ``boundary`` is a permissions boundary: a managed policy read like an
    identity policy that sets the most the identity policies may grant (it grants nothing itself)."""

    origin: str
    kind: PolicyKind
    statements: tuple[Statement, ...]
    findings: tuple[Finding, ...]
    version: str | None = None  # policy variables are substituted only under "2012-10-17"

    @property
    def substitutes_variables(self) -> bool:
        return self.version == "2012-10-17"


def read_policy(path: Path, kind: PolicyKind) -> Policy:
    """Load the policy in file ``path`` (its path is the origin findings point at)."""
    return load_policy(path.read_text(encoding="utf-8"), str(path), kind)


def load_policy(source: str | Mapping[str, Any], origin: str, kind: PolicyKind) -> Policy:
    """Parse JSON text (or take an already-decoded mapping) and validate it as a ``kind`` policy."""
    document = decode_json(source, origin) if isinstance(source, str) else source
    if not isinstance(document, Mapping):
        raise PolicySyntaxError(origin, 1, 1, "a policy must be a JSON object")
    return _Validator(origin, kind).policy(document)


def decode_json(text: str, origin: str) -> Any:
    """``json.loads`` whose error names the file, line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicySyntaxError(origin, error.lineno, error.colno, error.msg) from None


def _strings(value: Any) -> tuple[str, ...] | None:
    """A string-or-list element as a tuple, or ``None`` when it is neither."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


class _Validator:
    """Builds a :class:`Policy`, collecting findings; one instance per policy."""

    def __init__(self, origin: str, kind: PolicyKind) -> None:
        self.origin, self.kind = origin, kind
        self.findings: list[Finding] = []
        self.location = Location(origin)

    def report(self, finding_id: str, detail: str) -> None:
        self.findings.append(Finding(finding_id, detail, (self.location,)))

    def policy(self, document: Mapping[str, Any]) -> Policy:
        for key in document.keys() - TOP_LEVEL_KEYS:
            self.report("UNKNOWN_TOP_LEVEL_KEY", f"unknown top-level key {key!r}")
        version = document.get("Version")
        if version is None:
            self.report("MISSING_VERSION", 'add "Version": "2012-10-17"')
        elif version not in VERSIONS:
            self.report("UNKNOWN_VERSION", f"Version {version!r}")
        raw = document.get("Statement")
        if raw is None:
            self.report("MISSING_STATEMENT", "no Statement")
        entries = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
        statements = [s for i, entry in enumerate(entries) if (s := self.statement(i, entry))]
        return Policy(self.origin, self.kind, tuple(statements), tuple(self.findings),
                      version if isinstance(version, str) else None)

    def statement(self, index: int, entry: Any) -> Statement | None:
        """The statement, or ``None`` (after reporting why) when AWS would reject it."""
        self.location = Location(self.origin, index)
        if not isinstance(entry, Mapping):
            self.report("MALFORMED_STATEMENT", f"statement #{index} is {type(entry).__name__}")
            return None
        sid = entry.get("Sid") if isinstance(entry.get("Sid"), str) else None
        self.location = Location(self.origin, index, sid)
        before = len(self.findings)
        for key in entry.keys() - STATEMENT_KEYS:
            self.report("UNKNOWN_STATEMENT_KEY", f"unknown key {key!r}")
        effect = entry.get("Effect")
        if effect not in ("Allow", "Deny"):
            self.report("UNKNOWN_EFFECT", f"Effect {effect!r}")
        action_list, not_action = self.element(entry, "Action", required=True)
        resource_list, not_resource = self.element(entry, "Resource", required=self.kind in IDENTITY_KINDS)
        principals, not_principal = self.principal(entry)
        conditions = self.conditions(entry.get("Condition"))
        self.check_actions(action_list or ())
        self.check_resources(resource_list or ())
        structural = [f for f in self.findings[before:] if f.entry.severity == "ERROR"]
        if any(f.id not in {"UNSUPPORTED_CONDITION_OPERATOR", "UNSUPPORTED_CONDITION_KEY"} for f in structural):
            return None
        return Statement(
            index, sid, effect, action_list or (), not_action, resource_list, not_resource,
            principals, not_principal, conditions,
        )

    def element(self, entry: Mapping[str, Any], name: str, *, required: bool) -> tuple[tuple[str, ...] | None, bool]:
        """``Action``/``NotAction`` or ``Resource``/``NotResource``: (values, negated)."""
        negated_name = "Not" + name
        if name in entry and negated_name in entry:
            self.report("BOTH_ELEMENT_AND_NOT", f"both {name} and {negated_name}")
            return None, False
        present = name if name in entry else negated_name if negated_name in entry else None
        if present is None:
            if required:
                self.report("MISSING_ACTION" if name == "Action" else "MISSING_RESOURCE", f"no {name} or {negated_name}")
            return None, False
        values = _strings(entry[present])
        if values is None:
            self.report("ACTION_NOT_STRING_OR_LIST", f"{present} is {json.dumps(entry[present])}")
        return values, present == negated_name

    def check_actions(self, names: tuple[str, ...]) -> None:
        for name in names:
            if name == "*":
                continue
            prefix, _, action = name.partition(":")
            if not action or not actions.is_known_service(prefix):
                self.report("UNKNOWN_PREFIX", f"{name!r}: no service has prefix {prefix!r}")
            elif not actions.expand(name, actions.service_actions((prefix,))):
                hint = actions.suggest(name) if "*" not in name and "?" not in name else None
                self.report("UNKNOWN_ACTION", f"{name!r} matches no action" + (f"; did you mean {hint!r}?" if hint else ""))

    def check_resources(self, names: tuple[str, ...]) -> None:
        for name in names:
            try:
                check_pattern(name)
            except ValueError as error:
                self.report("MALFORMED_ARN", str(error))

    def principal(self, entry: Mapping[str, Any]) -> tuple[Principals | None, bool]:
        present = [k for k in ("Principal", "NotPrincipal") if k in entry]
        if self.kind in IDENTITY_KINDS:
            for key in present:
                self.report("PRINCIPAL_IN_IDENTITY_POLICY", f"{key} in an {self.kind} policy")
            return None, False
        if not present:
            self.report("MISSING_PRINCIPAL", f"a {self.kind} policy statement needs Principal")
            return None, False
        if len(present) == 2:
            self.report("BOTH_ELEMENT_AND_NOT", "both Principal and NotPrincipal")
            return None, False
        raw = entry[present[0]]
        if raw == "*":
            return Principals(aws=("*",)), present[0] == "NotPrincipal"
        if not isinstance(raw, Mapping) or not raw or raw.keys() - PRINCIPAL_TYPES:
            self.report("MALFORMED_PRINCIPAL", f"{present[0]} is {json.dumps(raw)}")
            return None, False
        parsed = {key: _strings(value) for key, value in raw.items()}
        if any(v is None for v in parsed.values()):
            self.report("MALFORMED_PRINCIPAL", f"{present[0]} values must be strings or lists of strings")
            return None, False
        for value in parsed.get("AWS") or ():
            self.check_aws_principal(value)
        other = (parsed.get("Federated") or ()) + (parsed.get("CanonicalUser") or ())
        return Principals(parsed.get("AWS") or (), parsed.get("Service") or (), other), present[0] == "NotPrincipal"

    def check_aws_principal(self, value: str) -> None:
        if value == "*" or is_account_id(value):
            return
        try:
            arn = parse_arn(value)
        except ValueError as error:
            self.report("MALFORMED_PRINCIPAL", str(error))
            return
        if arn.service not in ("iam", "sts") or not is_account_id(arn.account):
            self.report("MALFORMED_PRINCIPAL", f"{value!r} is not an account id or an IAM/STS principal ARN")

    def conditions(self, raw: Any) -> tuple[Clause, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, Mapping) or not all(isinstance(block, Mapping) for block in raw.values()):
            self.report("MALFORMED_CONDITION", f"Condition is {json.dumps(raw)}")
            return ()
        clauses = []
        for operator_text, block in raw.items():
            operator = parse_operator(operator_text)
            if operator is None:
                self.report("UNSUPPORTED_CONDITION_OPERATOR", f"operator {operator_text!r}")
            for key, value in block.items():
                items = value if isinstance(value, list) else [value]
                if not items or not all(isinstance(v, str | bool | int | float) for v in items):
                    self.report("MALFORMED_CONDITION", f"{operator_text} {key}: {json.dumps(value)}")
                    continue
                if not is_supported_key(key):
                    self.report("UNSUPPORTED_CONDITION_KEY", f"condition key {key!r}")
                clauses.append(Clause(operator_text, key, request_values(items) or (), operator))
        return tuple(clauses)
