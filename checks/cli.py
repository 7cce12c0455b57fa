"""The ``tourlab`` console script: one name, many small commands, dispatched from a table.

Each command is a ``module:function`` taking ``argv`` and returning an exit code, imported only when it
runs, so a command whose module is not installed (yet) fails alone with a clear message.
``pytest labs/sessionN`` stays the main path; these are conveniences around it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Main = Callable[[Sequence[str]], int]


class CommandUnavailable(RuntimeError):
    """The module behind a command is not part of this installation."""


@dataclass(frozen=True)
class Command:
    target: str  # "package.module:function"
    summary: str

    def load(self) -> Main:
        module_name, function = self.target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                raise CommandUnavailable(f"module {module_name} is not installed") from None
            raise  # a missing dependency *inside* the module is a real bug: show it
        main = getattr(module, function, None)
        if main is None:
            raise CommandUnavailable(f"{module_name} has no {function}()")
        return main


COMMANDS: dict[str, Command] = {
    "watch": Command("checks.watch:main", "re-grade a lab folder each time a file in it is saved"),
    "hint": Command("checks.learner:hint_main", "show the hints of an exercise (default: the next one to do)"),
    "reset": Command("checks.learner:reset_main", "restore the starter files of one exercise, after confirmation"),
    "compare": Command("checks.compare:main", "compare your files with the solution by meaning, not text"),
    "explain-access": Command("stack.cloud.iam.explain:main", "explain why a request is allowed or denied"),
    "alarm-eval": Command("stack.cloud.alarms_cli:main", "evaluate a CloudWatch alarm over metric data"),
    "logs-filter": Command("stack.cloud.log_filters_cli:main", "try a CloudWatch Logs filter pattern on log lines"),
    "export-csv": Command("stack.simulate.mystery:export_main", "session 2: your mystery on-sale's metrics as CSV"),
    "traffic": Command("stack.simulate.traffic:main", "session 2: generate test traffic against the offline runtime"),
    "seed": Command("stack.simulate.mystery:seed_main", "instructors: write a learner's mystery seed into their lab folder"),
    "grade": Command("checks.grade:main", "instructors: grade a folder of submissions (gradebook, reports)"),
    "autograder": Command("checks.gradescope:main", "instructors: build autograder.zip for Gradescope, or run it"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: tourlab COMMAND [ARGS...]   (grade with: pytest labs/sessionN)", "", "commands:"]
    lines += [f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    command = COMMANDS.get(name)
    if command is None:
        print(f"tourlab: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    try:
        run = command.load()
    except CommandUnavailable as exc:
        print(f"tourlab {name}: not available in this installation ({exc}).", file=sys.stderr)
        return 2
    return int(run(rest) or 0)
