"""CloudWatch Logs filter patterns, the documented syntax in full (moto matches only plain terms).

AWS: "Filter pattern syntax for metric filters, subscription filters, filter log events, and Live
Tail" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html) and its
three pages: unstructured log events, JSON log events, space-delimited log events. ``shared/moto-gaps.md``:
moto's ``filter_log_events`` gets ``?a ?b``, ``-x``, JSON and space-delimited patterns wrong, so every
lab that grades a pattern asks this module.

Support matrix (each rule is pinned by a case in ``tests/cloud/test_log_filters.py``):

============================  ===================================================================
pattern                       matches an event when
============================  ===================================================================
(empty), ``""``, ``" "``      always (every event)
``ERROR``                     the term appears as a whole term (case-sensitive; a term ends at a
                              character that is not a letter, digit or ``_``)
``ERROR ARGUMENTS``           every term appears (AND)
``"INVALID ARGUMENTS"``       the exact phrase appears (quote terms that hold spaces or symbols)
``?ERROR ?WARN``              at least one ``?`` term appears (OR); plain terms still all must
``ERROR -ARGUMENTS``          no ``-`` term appears (exclusion)
``%AUTHORI[sz]ED%``           the regular expression between ``%`` finds a match anywhere
``{ $.a.b = "x" }``           the event is a JSON object and the selector's value compares true:
                              ``=``/``!=`` with a string (``*`` is a wildcard), a number or a
                              ``%regex%``; ``<``, ``>``, ``<=``, ``>=`` with numbers; ``IS NULL``,
                              ``IS TRUE``, ``IS FALSE``, ``NOT EXISTS``; ``&&`` binds tighter than
                              ``||``; parentheses group; selectors take array indexes ``[0]`` and the
                              wildcards ``[*]`` and ``.*`` (true when any element compares true);
                              a missing selector is false for every comparison but ``NOT EXISTS``
``[ip, user, ..., code=4*]``  the event splits into exactly as many space-delimited fields
                              (``"..."`` and ``[...]`` keep spaces inside one field) as named, ``...``
                              standing for any number of fields; each named field's conditions
                              (``= != < > <= >=``, ``*`` wildcards, ``%regex%``, ``&&``, ``||``) hold
============================  ===================================================================

A pattern that does not parse raises :class:`FilterPatternError` with the position, like the
``InvalidParameterException: Invalid filter pattern`` AWS returns.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

_WORD = re.compile(r"[A-Za-z0-9_]")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?$")
_MISSING = object()


class FilterPatternError(ValueError):
    """The pattern is not valid filter-pattern syntax (AWS: ``InvalidParameterException``)."""

    def __init__(self, pattern: str, problem: str, position: int | None = None) -> None:
        where = "" if position is None else f" at character {position + 1}"
        super().__init__(f"Invalid filter pattern{where}: {problem} (pattern: {pattern!r})")
        self.pattern, self.problem, self.position = pattern, problem, position


Matcher = Callable[[str], bool]


@dataclass(frozen=True)
class FilterPattern:
    """A compiled pattern: ``kind`` is ``all``, ``terms``, ``json`` or ``space-delimited``."""

    text: str
    kind: str
    _match: Matcher

    def matches(self, message: str) -> bool:
        return self._match(message)

    def indexes(self, messages: Iterable[str]) -> list[int]:
        """Positions (from 0) of the messages the pattern matches, in order."""
        return [i for i, message in enumerate(messages) if self._match(message)]


@functools.lru_cache(maxsize=256)
def compile_pattern(text: str) -> FilterPattern:
    """Parse ``text`` once; raises :class:`FilterPatternError` when AWS would reject it."""
    stripped = text.strip()
    if stripped in ("", '""', '" "'):
        return FilterPattern(text, "all", lambda _m: True)
    if stripped.startswith("{"):
        return FilterPattern(text, "json", _JsonParser(text).parse())
    if stripped.startswith("["):
        return FilterPattern(text, "space-delimited", _parse_space_delimited(text))
    return FilterPattern(text, "terms", _parse_terms(text))


def matches(pattern: str, message: str) -> bool:
    return compile_pattern(pattern).matches(message)


def matching_indexes(pattern: str, messages: Sequence[str]) -> list[int]:
    return compile_pattern(pattern).indexes(messages)


# -- shared value helpers ---------------------------------------------------------------------------
def _number(text: str) -> Decimal | None:
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _glob(value: str, pattern: str) -> bool:
    """``*`` is the only wildcard (``?`` and ``[`` are literal in filter patterns)."""
    if "*" not in pattern:
        return value == pattern
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _regex(pattern: str, body: str, position: int) -> re.Pattern[str]:
    try:
        return re.compile(body)
    except re.error as exc:
        raise FilterPatternError(pattern, f"bad regular expression %{body}%: {exc}", position) from None


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    """``text[i]`` is ``"``: the unescaped content and the index after the closing quote."""
    out, j = [], i + 1
    while j < len(text):
        ch = text[j]
        if ch == "\\" and j + 1 < len(text):
            out.append(text[j + 1])
            j += 2
            continue
        if ch == '"':
            return "".join(out), j + 1
        out.append(ch)
        j += 1
    raise FilterPatternError(text, "unterminated quoted string", i)


def _read_regex(text: str, i: int) -> tuple[str, int]:
    end = text.find("%", i + 1)
    if end < 0:
        raise FilterPatternError(text, "unterminated %regex% (it needs a closing %)", i)
    if end == i + 1:
        raise FilterPatternError(text, "empty %regex%", i)
    return text[i + 1 : end], end + 1


# -- unstructured: terms, phrases, ?OR, -exclusion, %regex% -----------------------------------------
def _term_matcher(term: str) -> Matcher:
    """A bare term matches as a whole term: no letter, digit or ``_`` right before or after it."""
    before = r"(?<![A-Za-z0-9_])" if _WORD.match(term[0]) else ""
    after = r"(?![A-Za-z0-9_])" if _WORD.match(term[-1]) else ""
    regex = re.compile(before + re.escape(term) + after)
    return lambda message: regex.search(message) is not None


def _parse_terms(text: str) -> Matcher:
    required: list[Matcher] = []
    optional: list[Matcher] = []
    excluded: list[Matcher] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        start = i
        prefix = text[i] if text[i] in "?-" else ""
        i += len(prefix)
        if i >= len(text) or text[i].isspace():
            raise FilterPatternError(text, f"{prefix!r} must be followed by a term", start)
        if text[i] == '"':
            phrase, i = _read_quoted(text, i)
            matcher: Matcher = (lambda p: lambda m: p in m)(phrase)
        elif text[i] == "%":
            body, i = _read_regex(text, i)
            compiled = _regex(text, body, start)
            matcher = lambda m, r=compiled: r.search(m) is not None  # noqa: E731
        else:
            end = i
            while end < len(text) and not text[end].isspace():
                end += 1
            word = text[i:end]
            if word.startswith(("{", "[")) or '"' in word:
                raise FilterPatternError(text, f"unexpected {word!r}: JSON and space-delimited patterns must be the whole pattern", i)
            matcher, i = _term_matcher(word), end
        {"": required, "?": optional, "-": excluded}[prefix].append(matcher)

    def match(message: str) -> bool:
        return (
            all(m(message) for m in required)
            and (not optional or any(m(message) for m in optional))
            and not any(m(message) for m in excluded)
        )

    return match


# -- JSON: { selector op value && ... } -------------------------------------------------------------
_JSON_OPS = ("!=", "<=", ">=", "=", "<", ">")
_Step = str | int  # a key, an index, or "*" (any element)


@dataclass(frozen=True)
class _Value:
    kind: str  # "string", "number", "regex"
    text: str
    number: Decimal | None = None
    regex: re.Pattern[str] | None = None


def _resolve(document: Any, path: Sequence[tuple[str, _Step]]) -> list[Any]:
    """Every value the selector reaches (several through wildcards); ``[]`` when it does not exist."""
    current = [document]
    for kind, step in path:
        found: list[Any] = []
        for value in current:
            if step == "*" and kind in ("index", "key"):
                if isinstance(value, list):
                    found.extend(value)
                elif isinstance(value, dict) and kind == "key":
                    found.extend(value.values())
            elif kind == "index" and isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value) and step >= 0:
                found.append(value[step])
            elif kind == "key" and isinstance(value, dict) and step in value:
                found.append(value[step])
        current = found
    return current


def _equals(field: Any, value: _Value) -> bool:
    if value.kind == "regex":
        return isinstance(field, str) and value.regex is not None and value.regex.search(field) is not None
    if value.kind == "number":
        return isinstance(field, (int, float)) and not isinstance(field, bool) and Decimal(str(field)) == value.number
    return isinstance(field, str) and _glob(field, value.text)


def _compare(field: Any, op: str, value: _Value) -> bool:
    if op == "=":
        return _equals(field, value)
    if op == "!=":
        return not _equals(field, value)
    if not isinstance(field, (int, float)) or isinstance(field, bool) or value.number is None:
        return False
    number = Decimal(str(field))
    return {"<": number < value.number, ">": number > value.number,
            "<=": number <= value.number, ">=": number >= value.number}[op]


class _JsonParser:
    """Recursive descent: ``expr := and ('||' and)*``, ``and := atom ('&&' atom)*``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    # scanning
    def _skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def _peek(self, token: str) -> bool:
        self._skip()
        return self.text.startswith(token, self.i)

    def _word_ahead(self, word: str) -> bool:
        self._skip()
        end = self.i + len(word)
        return self.text[self.i : end].upper() == word and (end >= len(self.text) or not _WORD.match(self.text[end]))

    def _expect(self, token: str) -> None:
        if not self._peek(token):
            raise self._error(f"expected {token!r}")
        self.i += len(token)

    def _error(self, problem: str) -> FilterPatternError:
        found = self.text[self.i : self.i + 12] or "the end of the pattern"
        return FilterPatternError(self.text, f"{problem}, found {found!r}", self.i)

    # grammar
    def parse(self) -> Matcher:
        self._expect("{")
        expression = self._or()
        self._expect("}")
        self._skip()
        if self.i != len(self.text):
            raise self._error("unexpected text after the closing }")

        def match(message: str) -> bool:
            stripped = message.strip()
            if not stripped.startswith("{"):
                return False
            try:
                document = json.loads(stripped)
            except ValueError:
                return False
            return isinstance(document, dict) and expression(document)

        return match

    def _or(self) -> Callable[[Any], bool]:
        parts = [self._and()]
        while self._peek("||"):
            self.i += 2
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda d: any(p(d) for p in parts))

    def _and(self) -> Callable[[Any], bool]:
        parts = [self._atom()]
        while self._peek("&&"):
            self.i += 2
            parts.append(self._atom())
        return parts[0] if len(parts) == 1 else (lambda d: all(p(d) for p in parts))

    def _atom(self) -> Callable[[Any], bool]:
        if self._peek("("):
            self.i += 1
            inner = self._or()
            self._expect(")")
            return inner
        path = self._selector()
        if self._word_ahead("IS"):
            self.i += 2
            for word, test in (("NULL", lambda v: v is None), ("TRUE", lambda v: v is True), ("FALSE", lambda v: v is False)):
                if self._word_ahead(word):
                    self.i += len(word)
                    return lambda d, t=test: any(t(v) for v in _resolve(d, path))
            raise self._error("IS must be followed by NULL, TRUE or FALSE")
        if self._word_ahead("NOT"):
            self.i += 3
            if not self._word_ahead("EXISTS"):
                raise self._error("NOT must be followed by EXISTS")
            self.i += len("EXISTS")
            return lambda d: not _resolve(d, path)
        self._skip()
        op = next((o for o in _JSON_OPS if self.text.startswith(o, self.i)), None)
        if op is None:
            raise self._error("expected a comparison (=, !=, <, >, <=, >=, IS NULL, NOT EXISTS)")
        self.i += len(op)
        value = self._value(op)
        return lambda d: any(_compare(v, op, value) for v in _resolve(d, path))

    def _selector(self) -> list[tuple[str, _Step]]:
        self._skip()
        start = self.i
        if not self.text.startswith("$", self.i):
            raise self._error("expected a selector starting with $")
        self.i += 1
        path: list[tuple[str, _Step]] = []
        while self.i < len(self.text):
            ch = self.text[self.i]
            if ch == ".":
                self.i += 1
                if self.text.startswith("*", self.i):
                    self.i += 1
                    path.append(("key", "*"))
                    continue
                match = re.compile(r"[A-Za-z0-9_@\-:]+").match(self.text, self.i)
                if not match:
                    raise self._error("expected a field name after '.'")
                path.append(("key", match.group()))
                self.i = match.end()
            elif ch == "[":
                match = re.compile(r"\[\s*(\d+|\*)\s*\]").match(self.text, self.i)
                if not match:
                    raise self._error("expected an array index [0] or wildcard [*]")
                step = match.group(1)
                path.append(("index", "*" if step == "*" else int(step)))
                self.i = match.end()
            else:
                break
        if not path:
            self.i = start
            raise self._error("a selector needs at least one field, e.g. $.eventType")
        return path

    def _value(self, op: str) -> _Value:
        self._skip()
        start = self.i
        if self.i >= len(self.text):
            raise self._error("expected a value")
        ch = self.text[self.i]
        if ch == '"':
            text, self.i = _read_quoted(self.text, self.i)
            value = _Value("string", text)
        elif ch == "%":
            body, self.i = _read_regex(self.text, self.i)
            value = _Value("regex", body, regex=_regex(self.text, body, start))
        else:
            match = re.compile(r"[^\s()&|}]+").match(self.text, self.i)
            if not match:
                raise self._error("expected a value")
            self.i = match.end()
            number = _number(match.group())
            value = _Value("number", match.group(), number) if number is not None else _Value("string", match.group())
        if op in ("<", ">", "<=", ">=") and value.kind != "number":
            self.i = start
            raise self._error(f"{op} compares numbers only")
        return value


# -- space-delimited: [a, b = 4*, ..., c > 100] -----------------------------------------------------
ELLIPSIS = "..."


def split_fields(message: str) -> list[str]:
    """A space-delimited event's fields: ``"..."`` and ``[...]`` each hold one field, spaces included."""
    fields, i = [], 0
    while i < len(message):
        ch = message[i]
        if ch.isspace():
            i += 1
        elif ch in "\"[":
            close = '"' if ch == '"' else "]"
            end = message.find(close, i + 1)
            end = len(message) if end < 0 else end
            fields.append(message[i + 1 : end])
            i = end + 1
        else:
            end = i
            while end < len(message) and not message[end].isspace():
                end += 1
            fields.append(message[i:end])
            i = end
    return fields


def _field_equals(field: str, value: _Value) -> bool:
    if value.kind == "regex":
        return value.regex is not None and value.regex.search(field) is not None
    if value.kind == "number":
        number = _number(field)
        return number == value.number if number is not None else field == value.text
    return _glob(field, value.text)


def _field_compare(field: str, op: str, value: _Value) -> bool:
    if op == "=":
        return _field_equals(field, value)
    if op == "!=":
        return not _field_equals(field, value)
    number = _number(field)
    if number is None or value.number is None:
        return False
    return {"<": number < value.number, ">": number > value.number,
            "<=": number <= value.number, ">=": number >= value.number}[op]


def _split_top(text: str, separator: str, pattern: str, offset: int) -> list[tuple[str, int]]:
    """Split on ``separator`` outside quotes and %regex%; keeps each part's offset for errors."""
    parts, depth_quote, depth_regex, start, i = [], False, False, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and depth_quote:
            i += 2
            continue
        if ch == '"' and not depth_regex:
            depth_quote = not depth_quote
        elif ch == "%" and not depth_quote:
            depth_regex = not depth_regex
        elif not depth_quote and not depth_regex and text.startswith(separator, i):
            parts.append((text[start:i], offset + start))
            i += len(separator)
            start = i
            continue
        i += 1
    if depth_quote:
        raise FilterPatternError(pattern, "unterminated quoted string", offset)
    parts.append((text[start:], offset + start))
    return parts


def _space_condition(pattern: str, text: str, offset: int, name: str) -> Callable[[str], bool]:
    """One ``[name] op value`` condition of a field (the name may be repeated or left out)."""
    match = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_\-]*)?\s*(!=|<=|>=|=|<|>)\s*(.*?)\s*$", re.DOTALL).match(text)
    if not match or not match.group(3):
        raise FilterPatternError(pattern, f"expected 'field op value' in {text.strip()!r}", offset)
    if match.group(1) and match.group(1) != name:
        raise FilterPatternError(pattern, f"a condition on field {name!r} names {match.group(1)!r}", offset)
    op, raw = match.group(2), match.group(3)
    if raw.startswith('"'):
        content, end = _read_quoted(raw, 0)
        if raw[end:].strip():
            raise FilterPatternError(pattern, f"unexpected text after {raw[:end]}", offset)
        value = _Value("string", content)
    elif raw.startswith("%") and raw.endswith("%") and len(raw) > 2:
        value = _Value("regex", raw[1:-1], regex=_regex(pattern, raw[1:-1], offset))
    elif " " in raw:
        raise FilterPatternError(pattern, f"quote the value {raw!r}: it holds a space", offset)
    else:
        number = _number(raw)
        value = _Value("number", raw, number) if number is not None else _Value("string", raw)
    if op in ("<", ">", "<=", ">=") and value.kind != "number":
        raise FilterPatternError(pattern, f"{op} compares numbers only", offset)
    return lambda field: _field_compare(field, op, value)


def _space_spec(pattern: str, text: str, offset: int) -> Callable[[str], bool] | None:
    """A field spec -> its test; ``None`` for ``...``."""
    stripped = text.strip()
    if stripped == ELLIPSIS:
        return None
    match = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_\-]*)").match(text)
    if not match:
        raise FilterPatternError(pattern, f"a field needs a name, e.g. [status_code = 404], got {stripped!r}", offset)
    name, rest = match.group(1), text[match.end():]
    if not rest.strip():
        return lambda _field: True
    alternatives = []
    for alternative, alt_offset in _split_top(rest, "||", pattern, offset + match.end()):
        conditions = [_space_condition(pattern, part, part_offset, name)
                      for part, part_offset in _split_top(alternative, "&&", pattern, alt_offset)]
        alternatives.append(conditions)
    return lambda field: any(all(c(field) for c in conditions) for conditions in alternatives)


def _parse_space_delimited(text: str) -> Matcher:
    stripped = text.strip()
    offset = text.index("[")
    if not stripped.endswith("]"):
        raise FilterPatternError(text, "a space-delimited pattern ends with ]", len(text) - 1)
    body = stripped[1:-1]
    specs = [_space_spec(text, part, offset + 1 + part_offset) for part, part_offset in _split_top(body, ",", text, 0)]
    if not any(spec is not None for spec in specs) and len(specs) == 1 and not body.strip():
        raise FilterPatternError(text, "a space-delimited pattern names at least one field", offset)

    def fit(spec_index: int, fields: list[str], field_index: int) -> bool:
        if spec_index == len(specs):
            return field_index == len(fields)
        spec = specs[spec_index]
        if spec is None:
            return any(fit(spec_index + 1, fields, k) for k in range(field_index, len(fields) + 1))
        return field_index < len(fields) and spec(fields[field_index]) and fit(spec_index + 1, fields, field_index + 1)

    return lambda message: fit(0, split_fields(message), 0)
