"""stack/labfolder.py reads a lab folder's ``[deploy]`` table the way the grader's loader reads session 1."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from checks.context import CheckContext
from checks.lab import read_manifest
from checks.session1 import loader
from stack import labfolder
from stack.overrides import Overrides

ROOT = Path(__file__).resolve().parents[2]


def _plain(overrides: Overrides) -> dict:
    return {f.name: getattr(overrides, f.name) for f in dataclasses.fields(overrides)}


@pytest.mark.parametrize("folder", ["solutions/session1", "labs/session1"])
def test_labfolder_and_the_session1_loader_agree(folder: str) -> None:
    lab = ROOT / folder
    graded = loader.overrides(CheckContext(lab, read_manifest(lab)))
    deployed = labfolder.overrides(lab)
    assert _plain(deployed) == _plain(graded)


def test_a_folder_without_a_deploy_table_deploys_the_template_unchanged() -> None:
    assert labfolder.overrides(ROOT / "solutions/session2") == Overrides()


def test_an_empty_queue_policy_removes_the_policy(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    shutil.copytree(ROOT / "solutions/session1", lab)
    (lab / "resource-policies/notification-queue.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    merged, found = labfolder.merged_template(lab)
    assert found.queue_policies["NotificationQueue"] is None
    assert "NotificationQueuePolicy" not in merged["Resources"]
    assert found.queue_policies["SeatInventoryQueue"].origin == "resource-policies/seat-inventory-queue.json"


@pytest.mark.parametrize("toml, problem", [
    ('[deploy]\nkey_policy = "../outside.json"\n', "inside the lab folder"),
    ('[deploy]\nbogus = 1\n', "unknown keys"),
    ('[deploy]\nkey_policy = "missing.json"\n', "file not found"),
])
def test_a_bad_deploy_table_names_the_problem(tmp_path: Path, toml: str, problem: str) -> None:
    (tmp_path / "lab.toml").write_text('session = 1\ntitle = "x"\n' + toml)
    with pytest.raises(labfolder.LabFolderError, match=problem):
        labfolder.overrides(tmp_path)
