"""Run a deployed function's handler code in this process, its AWS clients pointed at a target.

A moto server stores Lambda functions but cannot run their code without Docker. To exercise a
stack deployed there, this loads the same handler module (``stack/handlers`` or a lab's copy) with
the function's deployed environment variables and the target's endpoint and fake credentials in
``os.environ`` (the handlers build their clients at import time), then calls it. No identity or
policy is enforced: the calls are whatever the endpoint allows.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any
from unittest import mock

from stack import package

_counter = itertools.count()


class LocalHandler:
    """One function's handler, imported for one target (``handler(event)`` calls it)."""

    def __init__(self, target: Any, function: str, overlays: Iterable[Path] = ()) -> None:
        self.target, self.function = target, function
        config = target.client("lambda").get_function_configuration(FunctionName=function)
        self.environment: dict[str, str] = dict(config.get("Environment", {}).get("Variables", {}))
        module, self.entry = config["Handler"].rsplit(".", 1)
        files = package.sources(overlays)
        if f"{module}.py" not in files:
            raise FileNotFoundError(f"{function}: no module {module}.py in stack/handlers or the lab's handlers")
        self.code_dir = files[f"{module}.py"].parent
        self._module = self._load(module, files[f"{module}.py"])

    def _env(self) -> Any:
        return mock.patch.dict(os.environ, {**self.target.environment(), **self.environment})

    def _load(self, module: str, path: Path) -> ModuleType:
        spec = importlib.util.spec_from_file_location(f"_tourlab_local_{module}_{next(_counter)}", path)
        assert spec is not None and spec.loader is not None
        loaded = importlib.util.module_from_spec(spec)
        with self._env(), mock.patch.object(sys, "path", [str(self.code_dir), *sys.path]):
            spec.loader.exec_module(loaded)
        return loaded

    def __call__(self, event: Mapping[str, Any]) -> Any:
        context = SimpleNamespace(function_name=self.function, aws_request_id=f"local-{next(_counter)}",
                                  get_remaining_time_in_millis=lambda: 30_000, invoked_function_arn=self.function)
        with self._env():
            return getattr(self._module, self.entry)(event, context)
