"""The learner's handler modules, imported the way the Lambda runtime imports them, and called safely.

The extension's handler code (pricing, money, confirmation) makes no AWS call, so it needs no offline
account: each module is imported with :func:`stack.cloud.lambda_runtime.load_handler` (a private module
per load, siblings from the same folder, ``Runtime.UserCodeSyntaxError`` with the line) from a private
copy of the lab's ``handlers/`` folder, and each call runs under a wall-clock limit with the runtime's
guards (no network, no process exit). Whatever the code does becomes a :class:`CallFailed` whose
message names the file and line, never a traceback of the grader.
"""

from __future__ import annotations

import shutil
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.context import CheckContext
from stack.cloud.deadline import call_with_deadline
from stack.cloud.lambda_runtime import FunctionConfig, InitError, learner_code, load_handler

HANDLERS = "handlers"
#: Seconds one call of learner code may take (a price lookup is microseconds; a loop is a bug).
CALL_SECONDS = 2.0
REFERENCE = Path(__file__).resolve().parents[2] / "stack" / "extension"


class CallFailed(Exception):
    """A learner function could not be loaded, raised, or did not return in time: the message says which."""


@dataclass
class Code:
    """One folder of handler modules (the learner's staged copy, or the reference) and its loaded functions."""

    folder: Path
    label: str  # how messages name the folder: "handlers/" for the learner
    keep: object = field(default=None, repr=False)  # the temporary folder of a staged copy, alive with it
    _loaded: dict[tuple[str, str], Callable[..., Any] | InitError] = field(default_factory=dict)
    _hung: dict[tuple[str, str], str] = field(default_factory=dict)  # a function that timed out once is not waited for again

    def function(self, module: str, name: str) -> Callable[..., Any]:
        """``module.name`` loaded once; :class:`CallFailed` with file and line when it cannot be."""
        key = (module, name)
        if key not in self._loaded:
            config = FunctionConfig(name=f"extension-{module}", role_arn="arn:aws:iam::111111111111:role/ExtensionGrader",
                                    handler=f"{module}.{name}", code_dir=self.folder)
            with learner_code():
                outcome = call_with_deadline(load_handler, CALL_SECONDS * 2, config)
            loaded = outcome.value if not outcome.timed_out and outcome.error is None else InitError(
                "Runtime.InitTimeout", f"importing {module}.py did not finish in {CALL_SECONDS * 2:g} s")
            self._loaded[key] = loaded
        loaded = self._loaded[key]
        if isinstance(loaded, InitError):
            where = f"{self.label}{module}.py" + (f":{loaded.line}" if loaded.line else "")
            raise CallFailed(f"{where}: cannot load {name}: {loaded.error_type}: {loaded.message}")
        return loaded

    def call(self, module: str, name: str, *args: Any) -> Any:
        """``module.name(*args)`` under the time limit; its exceptions come back as they are (checks judge them)."""
        if (module, name) in self._hung:
            raise CallFailed(self._hung[(module, name)])
        fn = self.function(module, name)
        with learner_code():
            outcome = call_with_deadline(fn, CALL_SECONDS, *args)
        if outcome.timed_out:
            self._hung[(module, name)] = f"{self.label}{module}.py: {name} did not return within {CALL_SECONDS:g} s (an endless loop?)"
            raise CallFailed(self._hung[(module, name)])
        if isinstance(outcome.error, BaseException) and not isinstance(outcome.error, Exception):
            raise CallFailed(f"{self.label}{module}.py: {name} ended with {type(outcome.error).__name__} (sys.exit?)")
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    def where(self, module: str, error: BaseException) -> str:
        """``handlers/pricing.py:42: KeyError: 'price'``: the learner's line that raised ``error``."""
        frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).name == f"{module}.py"
                  or Path(f.filename).parent == self.folder]
        line = f"{self.label}{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else f"{self.label}{module}.py"
        return f"{line}: {type(error).__name__}: {error}"


def learner(ctx: CheckContext) -> Code:
    """The lab's handler modules, copied once per run (imports never write ``__pycache__`` into the lab)."""
    return ctx.memo("extension-code", _stage)


def reference() -> Code:
    return Code(REFERENCE, "stack/extension/")


def _stage(ctx: CheckContext) -> Code:
    source = ctx.lab / HANDLERS
    tmp = tempfile.TemporaryDirectory(prefix="tourlab-ext-")
    target = Path(tmp.name)
    if source.is_dir():
        for path in sorted(source.glob("*.py")):
            shutil.copyfile(path, target / path.name)
    return Code(target, f"{HANDLERS}/", keep=tmp)
