"""A lab folder -> the :class:`~stack.overrides.Overrides` to deploy, read from its ``lab.toml``.

The stack never imports the grader, so which file of a lab folder replaces which part of the
template is data: an optional ``[deploy]`` table in the folder's ``lab.toml``. A folder without one
deploys the template unchanged. Every path is relative to the folder and may not leave it::

    [deploy]
    topic_policy = "resource-policies/topic.json"          # SNS topic policy
    key_policy = "encryption/key-policy.json"              # the customer managed key's policy
    handlers = "handlers"                                  # *.py here replace stack/handlers' modules

    [deploy.role_policies]      # function (or role) name -> its inline policies, in order
    PaymentProcessor = ["iam/payment-processor.json", "cross-account/payment-processor-gateway.json"]

    [deploy.trust_policies]     # role name -> its trust policy
    PaymentVendorAccessRole = "cross-account/vendor-access-trust.json"

    [deploy.queue_policies]     # queue name -> its queue policy
    SeatInventoryQueue = "resource-policies/seat-inventory-queue.json"

    [deploy.settings]           # a YAML file of `topic:` and `queues: {Name: {...}}` settings
    file = "encryption/settings.yaml"
    queues = ["SeatInventoryQueue"]                        # queues whose settings the file owns
    queue_keys = ["KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"]
    topic_keys = ["KmsMasterKeyId"]

The conventions are the labs' own: a policy file whose ``Statement`` is empty means "no policy"
(a queue or topic policy is removed); a setting the file owns but leaves out (or empty, for the topic)
is removed, so the AWS default applies. Each policy keeps its file as origin, as the grader's loader
does (``tests/deploy/test_labfolder.py`` proves both read session 1 the same way).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from stack.cloud.access import SourcedPolicy
from stack.overrides import Overrides

MANIFEST = "lab.toml"
_TABLE_KEYS = {"topic_policy", "key_policy", "handlers", "role_policies", "trust_policies", "queue_policies", "settings"}


class LabFolderError(ValueError):
    """A lab folder (or its ``[deploy]`` table) that cannot be deployed; names the file."""


def deploy_table(lab: Path) -> Mapping[str, Any]:
    """The ``[deploy]`` table of ``lab/lab.toml`` (empty when the folder has none)."""
    path = lab / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabFolderError(f"{path}: not a lab folder (no {MANIFEST})") from None
    except tomllib.TOMLDecodeError as exc:
        raise LabFolderError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("deploy", {})
    if not isinstance(table, dict):
        raise LabFolderError(f"{path}: [deploy] must be a table")
    unknown = set(table) - _TABLE_KEYS
    if unknown:
        raise LabFolderError(f"{path}: [deploy] has unknown keys {sorted(unknown)} (known: {sorted(_TABLE_KEYS)})")
    return table


def _relative(relpath: Any) -> str:
    if not isinstance(relpath, str) or not relpath:
        raise LabFolderError(f"{MANIFEST} [deploy]: expected a file path, got {relpath!r}")
    pure = PurePosixPath(relpath)
    if pure.is_absolute() or ".." in pure.parts:
        raise LabFolderError(f"{MANIFEST} [deploy]: {relpath!r} must stay inside the lab folder")
    return pure.as_posix()


def _read(lab: Path, relpath: str) -> Any:
    path = lab / relpath
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LabFolderError(f"{relpath}: file not found in {lab}") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise LabFolderError(f"{relpath}: cannot parse: {exc}") from None


def _policy(lab: Path, relpath: Any) -> SourcedPolicy:
    relpath = _relative(relpath)
    document = _read(lab, relpath)
    if not isinstance(document, dict):
        raise LabFolderError(f"{relpath}: a policy document must be a JSON object with \"Version\" and \"Statement\"")
    return SourcedPolicy(document, relpath)


def _optional_policy(lab: Path, relpath: Any) -> SourcedPolicy | None:
    """The policy, or None when its ``Statement`` is empty (the resource then has no policy)."""
    policy = _policy(lab, relpath)
    return None if policy.document.get("Statement") in ([], None) else policy


def _settings(lab: Path, spec: Mapping[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    relpath = _relative(spec.get("file"))
    data = _read(lab, relpath) or {}
    if not isinstance(data, dict):
        raise LabFolderError(f"{relpath}: expected the keys `topic` and `queues`")
    topic, queues = data.get("topic") or {}, data.get("queues") or {}
    if not isinstance(topic, dict) or not isinstance(queues, dict):
        raise LabFolderError(f"{relpath}: `topic` and `queues` must be mappings")
    queue_attributes = {q: {k: (queues.get(q) or {}).get(k) for k in spec.get("queue_keys", [])} for q in spec.get("queues", [])}
    topic_attributes = {k: (str(topic[k]) if topic.get(k) not in (None, "") else None) for k in spec.get("topic_keys", [])}
    return queue_attributes, topic_attributes


def _handlers(lab: Path, relpath: Any, template: Mapping[str, Any] | None) -> dict[str, Path]:
    """Function name -> the lab's handlers folder, for each function whose module the folder holds."""
    folder = lab / _relative(relpath)
    if not folder.is_dir():
        raise LabFolderError(f"{relpath}: not a folder in {lab}")
    from stack import template as tpl

    resources = (template or tpl.load()).get("Resources", {})
    out: dict[str, Path] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        properties = resource.get("Properties", {})
        module = str(properties.get("Handler", "")).rsplit(".", 1)[0]
        if module and (folder / f"{module}.py").is_file():
            out[properties.get("FunctionName", logical_id)] = folder
    return out


def overrides(lab: Path, template: Mapping[str, Any] | None = None) -> Overrides:
    """What ``lab`` replaces in the template, as its ``[deploy]`` table says (nothing without one)."""
    lab = Path(lab)
    table = deploy_table(lab)
    role_policies = {name: [_policy(lab, p) for p in (paths if isinstance(paths, list) else [paths])]
                     for name, paths in table.get("role_policies", {}).items()}
    trust_policies = {name: _policy(lab, p) for name, p in table.get("trust_policies", {}).items()}
    queue_policies = {name: _optional_policy(lab, p) for name, p in table.get("queue_policies", {}).items()}
    queue_attributes, topic_attributes = _settings(lab, table["settings"]) if "settings" in table else ({}, {})
    return Overrides(
        role_policies=role_policies,
        trust_policies=trust_policies,
        queue_policies=queue_policies,
        topic_policy=_optional_policy(lab, table["topic_policy"]) if "topic_policy" in table else False,
        key_policy=_policy(lab, table["key_policy"]) if "key_policy" in table else None,
        queue_attributes=queue_attributes,
        topic_attributes=topic_attributes,
        handlers=_handlers(lab, table["handlers"], template) if "handlers" in table else {},
    )


def merged_template(lab: Path) -> tuple[dict[str, Any], Overrides]:
    """``stack/template.yaml`` with ``lab``'s replacements written in, and the overrides used."""
    from stack import template as tpl
    from stack.overrides import apply_overrides

    template = tpl.load()
    found = overrides(lab, template)
    merged, _ = apply_overrides(template, found)
    return merged, found
