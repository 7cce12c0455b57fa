"""Metric math for alarms: the part of CloudWatch metric math an alarm may use, with AWS's value types.

AWS ("Metric math syntax and functions", CloudWatch User Guide) gives every expression one of three
types: a scalar (one number), a time series (one value per period) or an array of time series. The
function table there says, for ``MAX`` (and alike ``MIN``, ``SUM``, ``AVG``): given one time series it
returns a *scalar* (the maximum of all its datapoints over the whole time range); given an array of
time series it returns *one time series* holding, at each period, the maximum across the array. An
alarm must watch exactly one time series. The support matrix of this model:

===========================  ==========================================  ==================================
syntax                       arguments                                   result
===========================  ==========================================  ==================================
``2.5``                      (a number)                                  scalar
``m1``                       the Id of a MetricStat query                time series
``e1``                       the Id of another Expression                what that expression returns
``[m1, m2, e1]``             time series (or arrays, flattened)          array of time series
``METRICS()``                (none), or a string: ``METRICS("dlq")``     array of the MetricStat queries
                                                                         (whose Id contains the string)
``+ - * /``, unary ``-``     scalars, series, an array with a scalar     per period; a missing operand or a
                             or a series (never two arrays)              division by zero gives a missing
                                                                         datapoint
``FILL(x, v)``               x: series or array; v: number or series     x with its missing datapoints = v
``ABS(x)``                   scalar, series or array                     the same type
``MAX MIN SUM AVG([...])``   one array                                   one time series, per period over
                                                                         the datapoints present (missing
                                                                         when none is)
``MAX MIN SUM AVG(m1)``      one time series                             rejected: AWS returns one number
                                                                         over the whole time range (a
                                                                         scalar), which no alarm can watch
                                                                         and whose range an alarm does not
                                                                         fix
===========================  ==========================================  ==================================

Anything else (other functions, two or more arguments to MAX/MIN/SUM/AVG, comparisons, strings outside
``METRICS``) is a :class:`MetricMathError` with the reason, never a silent guess.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence

SCALAR, SERIES, ARRAY = "a scalar", "a time series", "an array of time series"
AGGREGATES = ("MAX", "MIN", "SUM", "AVG")
FUNCTIONS = ("FILL", "ABS", *AGGREGATES, "METRICS")
SUPPORTED = "+ - * /, numbers, query ids, [id, ...] arrays, METRICS(), FILL(x, value), ABS(x), MAX/MIN/SUM/AVG(array)"

Series = list  # list[float | None], one value per period
Value = "float | None | Series | tuple[Series, ...]"  # scalar, series, array (a tuple of series)

_OPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}
_AGG: dict[str, Callable[[list[float]], float]] = {
    "MAX": max, "MIN": min, "SUM": sum, "AVG": lambda xs: sum(xs) / len(xs)}


class MetricMathError(ValueError):
    """An expression AWS would reject (or one this model does not evaluate); says why."""


def parse(expression: str) -> ast.Expression:
    """The syntax tree of ``expression``, with only the supported node types (types are checked by :func:`kind`)."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise MetricMathError(f"cannot parse metric math {expression!r}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise MetricMathError(f"metric math function not supported here: {ast.unparse(node.func)} "
                                      f"(supported: {', '.join(FUNCTIONS)})")
            if node.keywords:
                raise MetricMathError(f"{node.func.id}: metric math functions take no name=value arguments")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float, str)):
                raise MetricMathError(f"unsupported constant {node.value!r} in {expression!r}")
        elif not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.List, ast.Load,
                                   ast.USub, ast.UAdd, *_OPS)):
            raise MetricMathError(f"unsupported metric math syntax {type(node).__name__} in {expression!r} "
                                  f"(supported: {SUPPORTED})")
    return tree


def names(tree: ast.AST) -> set[str]:
    """The query ids an expression names directly (not through ``METRICS()``)."""
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


def metrics_filters(tree: ast.AST) -> list[str]:
    """The filter strings of every ``METRICS(...)`` call ("" for ``METRICS()``)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "METRICS":
            out.append(_metrics_filter(node))
    return out


def _metrics_filter(node: ast.Call) -> str:
    if not node.args:
        return ""
    if len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    raise MetricMathError('METRICS takes nothing or one string: METRICS() or METRICS("part of an Id")')


def matching(filter_: str, metric_ids: Sequence[str]) -> list[str]:
    """The MetricStat ids ``METRICS(filter_)`` returns, in query order."""
    found = [i for i in metric_ids if filter_ in i]
    if not found:
        raise MetricMathError(f'METRICS("{filter_}") matches no MetricStat query Id' if filter_ else
                              "METRICS() needs at least one MetricStat query")
    return found


def kind(tree: ast.AST, kinds: Mapping[str, str], metric_ids: Sequence[str]) -> str:
    """The type AWS gives ``tree`` (SCALAR, SERIES or ARRAY), or a MetricMathError saying why it has none.

    ``kinds`` maps every known query id to its type (a MetricStat id to SERIES)."""
    node = tree.body if isinstance(tree, ast.Expression) else tree
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            raise MetricMathError(f"a string ({node.value!r}) is only allowed in METRICS(\"...\")")
        return SCALAR
    if isinstance(node, ast.Name):
        return kinds[node.id]
    if isinstance(node, ast.List):
        if not node.elts:
            raise MetricMathError("an empty array []")
        for element in node.elts:
            if kind(element, kinds, metric_ids) == SCALAR:
                raise MetricMathError(f"an array holds time series, not numbers: {ast.unparse(node)}")
        return ARRAY
    if isinstance(node, ast.UnaryOp):
        return kind(node.operand, kinds, metric_ids)
    if isinstance(node, ast.BinOp):
        left, right = kind(node.left, kinds, metric_ids), kind(node.right, kinds, metric_ids)
        if left == ARRAY and right == ARRAY:
            raise MetricMathError(f"arithmetic between two arrays of time series is not supported: {ast.unparse(node)}")
        return ARRAY if ARRAY in (left, right) else SERIES if SERIES in (left, right) else SCALAR
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    fn, args = node.func.id, node.args
    if fn == "METRICS":
        matching(_metrics_filter(node), metric_ids)
        return ARRAY
    if fn in AGGREGATES:
        if len(args) != 1:
            raise MetricMathError(
                f"{fn} takes one argument, an array of time series: {fn}([m1, m2, ...]) for the per-period {fn.lower()} "
                f"across several series; {ast.unparse(node)} is not metric math syntax")
        inner = kind(args[0], kinds, metric_ids)
        if inner == SCALAR:
            raise MetricMathError(f"{ast.unparse(node)}: {fn} takes an array of time series, not a number")
        if inner == SERIES:
            raise MetricMathError(
                f"{ast.unparse(node)}: {fn} of one time series is a single number over the whole time range (a scalar), "
                f"not a time series an alarm can watch; for the per-period {fn.lower()} across several series "
                f"give an array: {fn}([m1, m2, ...]) or {fn}(METRICS())")
        return SERIES
    if fn == "ABS":
        if len(args) != 1:
            raise MetricMathError(f"ABS takes one argument: {ast.unparse(node)}")
        return kind(args[0], kinds, metric_ids)
    # FILL
    if len(args) != 2:
        raise MetricMathError(f"FILL takes a time series (or array) and a value: FILL(m1, 0), not {ast.unparse(node)}")
    target, value = kind(args[0], kinds, metric_ids), kind(args[1], kinds, metric_ids)
    if target == SCALAR:
        raise MetricMathError(f"{ast.unparse(node)}: FILL fills a time series or an array, not a number")
    if value == ARRAY:
        raise MetricMathError(f"{ast.unparse(node)}: FILL's value is a number or one time series")
    return target


# --- evaluation ----------------------------------------------------------------------------------------


def _apply(op: Callable[[float, float], float], div: bool, a: object, b: object, length: int) -> object:
    """``a op b`` for scalars, series and arrays (one side at most), None where an operand is missing."""
    if isinstance(a, tuple):
        return tuple(_apply(op, div, x, b, length) for x in a)
    if isinstance(b, tuple):
        return tuple(_apply(op, div, a, y, length) for y in b)
    if not isinstance(a, list) and not isinstance(b, list):
        if a is None or b is None or (div and b == 0):
            return None
        return op(a, b)  # type: ignore[arg-type]
    left = a if isinstance(a, list) else [a] * length
    right = b if isinstance(b, list) else [b] * length
    return [None if x is None or y is None or (div and y == 0) else op(x, y) for x, y in zip(left, right)]


def _each(fn: Callable[[float], float], value: object) -> object:
    if isinstance(value, tuple):
        return tuple(_each(fn, v) for v in value)
    if isinstance(value, list):
        return [None if v is None else fn(v) for v in value]
    return None if value is None else fn(value)  # type: ignore[arg-type]


def _fill(target: object, value: object, length: int) -> object:
    if isinstance(target, tuple):
        return tuple(_fill(t, value, length) for t in target)
    fill = value if isinstance(value, list) else [value] * length
    return [f if v is None else v for v, f in zip(target, fill)]  # type: ignore[arg-type]


def _aggregate(fn: str, value: object, length: int) -> object:
    agg = _AGG[fn]
    if isinstance(value, tuple):  # array -> one series, per period
        out: list[float | None] = []
        for i in range(length):
            present = [s[i] for s in value if i < len(s) and s[i] is not None]
            out.append(agg(present) if present else None)
        return out
    raise MetricMathError(f"{fn} of one time series is a scalar: not evaluated in alarms")  # kind() rejects it first


def evaluate(tree: ast.AST, env: Mapping[str, object], metric_ids: Sequence[str], length: int) -> object:
    """The value of a type-checked expression over ``length`` periods; ``env`` maps ids to their values."""
    node = tree.body if isinstance(tree, ast.Expression) else tree
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.List):
        out: list[Series] = []
        for element in node.elts:
            value = evaluate(element, env, metric_ids, length)
            out.extend(value if isinstance(value, tuple) else [value])  # type: ignore[list-item]
        return tuple(out)
    if isinstance(node, ast.UnaryOp):
        inner = evaluate(node.operand, env, metric_ids, length)
        return _each(lambda v: -v, inner) if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        return _apply(_OPS[type(node.op)], isinstance(node.op, ast.Div), evaluate(node.left, env, metric_ids, length),
                      evaluate(node.right, env, metric_ids, length), length)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    fn = node.func.id
    if fn == "METRICS":
        return tuple(env[i] for i in matching(_metrics_filter(node), metric_ids))
    args = [evaluate(a, env, metric_ids, length) for a in node.args]
    if fn == "FILL":
        return _fill(args[0], args[1], length)
    if fn == "ABS":
        return _each(abs, args[0])
    return _aggregate(fn, args[0], length)
