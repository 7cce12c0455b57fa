"""Condition operators and keys: the one place a ``Condition`` block is judged.

Support matrix (anything not listed FAILS CLOSED: parse reports UNSUPPORTED_CONDITION_OPERATOR or
UNSUPPORTED_CONDITION_KEY, and the clause evaluates to ``None`` so an Allow never applies and a Deny
always applies; it never silently passes, unlike moto's ``policy_conditions.py``):

==========  =====================================================================  ==============
family      operators                                                              compares
==========  =====================================================================  ==============
String      StringEquals, StringNotEquals, StringEqualsIgnoreCase,                 exact / case-
            StringNotEqualsIgnoreCase, StringLike, StringNotLike                   folded / * ?
Numeric     NumericEquals, NumericNotEquals, NumericLessThan,                      as numbers
            NumericLessThanEquals, NumericGreaterThan, NumericGreaterThanEquals
Bool        Bool                                                                   "true"/"false"
Arn         ArnEquals, ArnLike, ArnNotEquals, ArnNotLike                           ARN patterns
IpAddress   IpAddress, NotIpAddress                                                CIDR blocks
Null        Null                                                                   key presence
==========  =====================================================================  ==============

Not supported: Date*, Binary*. Every operator but Null takes the ``IfExists`` suffix; the set layer
``ForAnyValue:`` / ``ForAllValues:`` is applied on top of the family comparison, separately.

Semantics (``shared/aws-facts.md``, IAM policy evaluation):

- several values for one key are ORed; several keys and operators are ANDed;
- a negated operator holds only when the request value matches none of the values;
- a key absent from the request fails the condition, except with ``...IfExists`` (holds) and a
  negated operator (holds); ``ForAllValues:`` on an absent key or empty set holds (dangerous with
  Allow); ``ForAnyValue:`` on an absent key fails.

Supported keys (:data:`SUPPORTED_KEYS`, names case-insensitive): the global keys ``aws:SourceArn``,
``aws:SourceAccount``, ``aws:SourceOwner``, ``aws:SecureTransport``, ``aws:PrincipalArn``,
``aws:PrincipalAccount``, ``aws:PrincipalType``, ``aws:PrincipalServiceName``, ``aws:SourceIp``,
``aws:RequestedRegion``, ``aws:ResourceAccount``, ``aws:CalledVia``; the tag keys of
attribute-based access control ``aws:PrincipalTag/*``, ``aws:ResourceTag/*``, ``aws:RequestTag/*``
and ``aws:TagKeys`` (the caller supplies them in the request context); ``sts:ExternalId``;
``kms:ViaService``, ``kms:CallerAccount``, ``kms:EncryptionContext:*``,
``kms:EncryptionContextKeys``, ``kms:GrantIsForAWSResource`` and the other keys of a ``kms:CreateGrant``
request, ``kms:GranteePrincipal``, ``kms:RetiringPrincipal``, ``kms:GrantOperations`` and
``kms:GrantConstraintType`` (AWS KMS Developer Guide, "AWS KMS condition keys",
https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html); ``sns:Protocol``, ``sns:Endpoint``;
``ses:FromAddress``, ``ses:Recipients``; ``dynamodb:Attributes``, ``dynamodb:Select``,
``dynamodb:ReturnValues``, ``dynamodb:LeadingKeys`` (fine-grained access to items and attributes);
``cloudwatch:namespace``.

Policy variables (``${aws:PrincipalTag/vendor}``) in condition *values* are substituted from the
request when the policy's Version is ``2012-10-17`` (with ``2008-10-17`` they are literal text, IAM
User Guide, "IAM policy elements: Variables and tags"): ``${key}`` takes the key's single value,
``${key, 'default'}`` the default when the key is absent, ``${*}``, ``${?}`` and ``${$}`` are the
literal characters. A value whose variable names an absent key (without default) or a key with
several values matches nothing, so a positive operator fails on it. Variables in ``Resource`` are
not substituted (such a pattern is matched as written).
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from stack.cloud.iam.arn import arn_matches, wildcard_matches

SetOperator = Literal["", "ForAnyValue", "ForAllValues"]
Comparator = Callable[[str, str], bool]

SUPPORTED_KEYS: frozenset[str] = frozenset(
    k.lower()
    for k in (
        "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:SecureTransport",
        "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType", "aws:PrincipalServiceName",
        "aws:SourceIp", "aws:RequestedRegion", "aws:ResourceAccount", "aws:CalledVia",
        "sts:ExternalId", "kms:ViaService", "kms:CallerAccount", "kms:EncryptionContextKeys",
        "kms:GrantIsForAWSResource", "kms:GranteePrincipal", "kms:RetiringPrincipal", "kms:GrantOperations",
        "kms:GrantConstraintType", "sns:Protocol", "sns:Endpoint", "ses:FromAddress",
        "ses:Recipients", "dynamodb:Attributes", "dynamodb:Select", "dynamodb:ReturnValues",
        "dynamodb:LeadingKeys", "cloudwatch:namespace", "aws:TagKeys",
    )
)
#: Key families whose last part is chosen by the policy author (a tag key, an encryption context key).
SUPPORTED_KEY_PREFIXES: tuple[str, ...] = (
    "kms:encryptioncontext:", "aws:principaltag/", "aws:resourcetag/", "aws:requesttag/",
)


def _numeric(compare: Callable[[float, float], bool]) -> Comparator:
    def numeric(expected: str, actual: str) -> bool:
        try:
            return compare(float(actual), float(expected))
        except ValueError:
            return False  # a non-number never matches a numeric operator

    return numeric


def _ip(expected: str, actual: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


def _string_equals(expected: str, actual: str) -> bool:
    return expected == actual


def _string_equals_ignore_case(expected: str, actual: str) -> bool:
    return expected.casefold() == actual.casefold()


def _string_like(expected: str, actual: str) -> bool:
    return wildcard_matches(expected, actual, case_sensitive=True)


def _bool(expected: str, actual: str) -> bool:
    return expected.lower() == actual.lower()


def _arn(expected: str, actual: str) -> bool:
    return arn_matches(expected, actual)


#: operator -> (family, comparator, negated). The family column is the support matrix's.
OPERATORS: Mapping[str, tuple[str, Comparator, bool]] = {
    "StringEquals": ("String", _string_equals, False),
    "StringNotEquals": ("String", _string_equals, True),
    "StringEqualsIgnoreCase": ("String", _string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": ("String", _string_equals_ignore_case, True),
    "StringLike": ("String", _string_like, False),
    "StringNotLike": ("String", _string_like, True),
    "NumericEquals": ("Numeric", _numeric(operator.eq), False),
    "NumericNotEquals": ("Numeric", _numeric(operator.eq), True),
    "NumericLessThan": ("Numeric", _numeric(operator.lt), False),
    "NumericLessThanEquals": ("Numeric", _numeric(operator.le), False),
    "NumericGreaterThan": ("Numeric", _numeric(operator.gt), False),
    "NumericGreaterThanEquals": ("Numeric", _numeric(operator.ge), False),
    "Bool": ("Bool", _bool, False),
    "ArnEquals": ("Arn", _arn, False),
    "ArnLike": ("Arn", _arn, False),
    "ArnNotEquals": ("Arn", _arn, True),
    "ArnNotLike": ("Arn", _arn, True),
    "IpAddress": ("IpAddress", _ip, False),
    "NotIpAddress": ("IpAddress", _ip, True),
    "Null": ("Null", _bool, False),  # compares "true" with "is the key absent?"
}


@dataclass(frozen=True)
class Operator:
    """A condition operator as written, split into set layer, base operator and ``IfExists``."""

    text: str
    set_operator: SetOperator
    family: str
    compare: Comparator
    negated: bool
    if_exists: bool


def parse_operator(text: str) -> Operator | None:
    """The :class:`Operator` for ``text``, or ``None`` when this engine does not support it."""
    set_operator: SetOperator = ""
    base = text
    for prefix in ("ForAnyValue", "ForAllValues"):
        if text.startswith(prefix + ":"):
            set_operator, base = prefix, text[len(prefix) + 1 :]
    if_exists = base.endswith("IfExists") and base != "IfExists"
    base = base.removesuffix("IfExists") if if_exists else base
    row = OPERATORS.get(base)
    if row is None or (row[0] == "Null" and (if_exists or set_operator)):
        return None
    family, compare, negated = row
    return Operator(text, set_operator, family, compare, negated, if_exists)


def is_supported_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in SUPPORTED_KEYS or lowered.startswith(SUPPORTED_KEY_PREFIXES)


@dataclass(frozen=True)
class Clause:
    """One ``operator: {key: values}`` pair of a Condition block (``operator`` None: unsupported)."""

    operator_text: str
    key: str
    values: tuple[str, ...]
    operator: Operator | None

    @property
    def supported(self) -> bool:
        return self.operator is not None and is_supported_key(self.key)


def request_values(value: Any) -> tuple[str, ...] | None:
    """A request context value as a tuple of strings (AWS compares text; ``True`` is ``"true"``)."""
    if value is None:
        return None
    items = value if isinstance(value, list | tuple | set | frozenset) else (value,)
    return tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in items)


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


def substitute(value: str, context: Mapping[str, tuple[str, ...]]) -> str | None:
    """``value`` with its policy variables replaced from ``context``; ``None`` when one cannot be
    (its key is absent without a default, or has several values): such a value matches nothing."""
    unresolved = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unresolved
        name, _, default = (part.strip() for part in match.group(1).partition(","))
        if name in _SPECIAL:
            return _SPECIAL[name]
        found = context.get(name.lower())
        if found is not None and len(found) == 1:
            return found[0]
        if found is None and len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        unresolved = True
        return ""

    text = _VARIABLE.sub(replace, value)
    return None if unresolved else text


def evaluate_clause(clause: Clause, context: Mapping[str, tuple[str, ...]], *, variables: bool = False) -> bool | None:
    """Whether one clause holds; ``None`` when it cannot be evaluated (fail closed upstream).

    ``context`` maps lower-cased key names to their values (see :func:`request_values`);
    ``variables``: substitute policy variables in the clause's values (Version 2012-10-17).
    """
    op = clause.operator
    if op is None or not clause.supported:
        return None
    values = context.get(clause.key.lower()) or None  # an empty set counts as absent
    if op.family == "Null":
        absent = "true" if values is None else "false"
        return any(op.compare(expected, absent) for expected in clause.values)
    if values is None:
        if op.if_exists or op.set_operator == "ForAllValues":
            return True
        return op.negated and op.set_operator != "ForAnyValue"
    expected_values = clause.values
    if variables and any("${" in v for v in expected_values):
        expected_values = tuple(v for v in (substitute(e, context) for e in expected_values) if v is not None)

    def holds(actual: str) -> bool:
        matched = any(op.compare(expected, actual) for expected in expected_values)
        return matched != op.negated

    if op.set_operator == "ForAnyValue" or (not op.set_operator and not op.negated):
        return any(holds(v) for v in values)
    return all(holds(v) for v in values)


def unmet_condition(clauses: tuple[Clause, ...], context: Mapping[str, tuple[str, ...]], *, variables: bool = False) -> str | None:
    """The first clause that does not hold, in words, or ``None`` when every clause holds.

    ``StringEquals kms:EncryptionContext:purpose = payment-token (the request has no
    kms:EncryptionContext:purpose)``: the operator, key and values as written, then what the request
    carries for that key (or that the engine cannot evaluate the clause: it fails closed).
    """
    for clause in clauses:
        result = evaluate_clause(clause, context, variables=variables)
        if result is True:
            continue
        written = f"{clause.operator_text} {clause.key} = {' or '.join(clause.values) or '(no value)'}"
        if result is None:
            return f"{written} (this engine cannot evaluate it: unsupported operator or key, so it does not hold)"
        actual = context.get(clause.key.lower())
        if not actual:
            return f"{written} (the request has no {clause.key})"
        return f"{written} (the request has {clause.key} = {', '.join(actual)})"
    return None


def evaluate_conditions(clauses: tuple[Clause, ...], context: Mapping[str, tuple[str, ...]], *,
                        variables: bool = False) -> bool | None:
    """AND of the clauses: ``False`` if one fails, else ``None`` if one is unsupported, else ``True``."""
    results = [evaluate_clause(c, context, variables=variables) for c in clauses]
    if False in results:
        return False
    return None if None in results else True
