"""A handler's sibling modules come from its own folder, whatever is already imported."""

from __future__ import annotations

import sys
import types
from pathlib import Path

from stack.cloud.lambda_runtime import FunctionConfig, load_handler


def test_sibling_module_comes_from_the_handlers_folder_even_when_one_is_loaded(tmp_path: Path, monkeypatch):
    impostor = types.ModuleType("ticketing_common")
    impostor.VERSION = "already imported elsewhere"
    monkeypatch.setitem(sys.modules, "ticketing_common", impostor)
    (tmp_path / "ticketing_common.py").write_text('VERSION = "from the handler folder"\n')
    (tmp_path / "fn.py").write_text("import ticketing_common\n\ndef handler(event, context):\n    return ticketing_common.VERSION\n")
    handler = load_handler(FunctionConfig(name="Fn", role_arn="arn:aws:iam::111111111111:role/FnRole", handler="fn.handler", code_dir=tmp_path))
    assert handler({}, None) == "from the handler folder"
    assert sys.modules["ticketing_common"] is impostor  # put back for whoever imported it
