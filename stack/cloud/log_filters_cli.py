"""``tourlab logs-filter PATTERN [FILE] [--json]``: try a filter pattern on log events, offline.

Reads log events one per line (a newline ends an event; a ``\\r`` inside a line stays part of the
event, which is how the Lambda Python runtime keeps a traceback in one event) from FILE, or from
standard input when FILE is absent or ``-``. Prints the events the pattern matches, one per line, in
order, like ``aws logs filter-log-events --filter-pattern PATTERN`` would; with ``--json`` prints
``{"matches": [i, ...]}`` instead, the 0-based line numbers of the matched events.

Exit status: 0 after a successful filter (even with no match), 2 for a pattern AWS would reject
(the reason on standard error) or a file that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from stack.cloud.log_filters import FilterPatternError, compile_pattern


def read_events(text: str) -> list[str]:
    """One event per ``\\n``-terminated line (never split on an inner ``\\r``); a final newline adds none."""
    events = text.split("\n")
    if events and events[-1] == "":
        events.pop()
    return [e.removesuffix("\r") for e in events]  # a CRLF file's line ends are not part of the event


def _read_stdin() -> str:
    """Standard input without newline translation (text mode would turn an inner ``\\r`` into a new event)."""
    buffer = getattr(sys.stdin, "buffer", None)
    return buffer.read().decode("utf-8") if buffer is not None else sys.stdin.read()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tourlab logs-filter",
        description="Print the log events (one per line) that a CloudWatch Logs filter pattern matches.",
    )
    parser.add_argument("pattern", help="the filter pattern, quoted for your shell, e.g. '{ $.level = \"ERROR\" }'")
    parser.add_argument("file", nargs="?", default="-", help="log events, one per line (default: standard input)")
    parser.add_argument("--json", action="store_true", help='print {"matches": [0-based line numbers]} instead of the events')
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        pattern = compile_pattern(args.pattern)
    except FilterPatternError as exc:
        print(f"logs-filter: InvalidParameterException: {exc}", file=sys.stderr)
        return 2
    try:
        text = _read_stdin() if args.file == "-" else Path(args.file).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"logs-filter: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    events = read_events(text)
    indexes = pattern.indexes(events)
    if args.json:
        print(json.dumps({"matches": indexes}))
    else:
        for index in indexes:
            print(events[index])
    return 0
