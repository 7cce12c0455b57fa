"""The CloudFormation template as data: load it (cfn-flip's loader), order resources, resolve intrinsics.

Only what an offline deploy needs: ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Join``,
``Fn::Select``, ``Fn::Split``, ``Fn::If`` with ``Fn::Equals``/``Fn::Not`` conditions, pseudo
parameters. An intrinsic we do not support is an error naming it, never a silent pass-through.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from cfn_tools import yaml_loader

TEMPLATE = Path(__file__).with_name("template.yaml")
NO_VALUE = object()  # AWS::NoValue: the property is dropped
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class TemplateError(ValueError):
    """A template the offline deploy cannot read or resolve."""


class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """cfn-flip's YAML loader (its constructors for short-form tags and ordered mappings) on
    libyaml's parser when PyYAML has it: the template parses in a fraction of the pure-Python time."""


_CfnLoader.add_constructor(yaml_loader.TAG_MAP, yaml_loader.construct_mapping)
_CfnLoader.add_multi_constructor("!", yaml_loader.multi_constructor)


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    """Read a YAML or JSON template (short-form tags allowed) into long-form plain dicts."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - safe loader
    except Exception as exc:  # noqa: BLE001 - yaml and json raise various errors
        raise TemplateError(f"{path}: {exc}") from exc
    return _plain(data)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def references(value: Any) -> Iterator[str]:
    """Logical ids a property value refers to (``Ref``, ``GetAtt``, ``${X}`` in ``Sub``)."""
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            yield value["Ref"]
        elif "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            yield (target[0] if isinstance(target, list) else str(target).split(".")[0])
        elif "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text, local = (sub[0], sub[1]) if isinstance(sub, list) else (sub, {})
            for name in _SUB_VAR.findall(text):
                if name.split(".")[0] not in local:
                    yield name.split(".")[0]
            yield from references(local)
            return
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def creation_order(template: Mapping[str, Any]) -> list[str]:
    """Resources in an order where each comes after what it refers to (a topological sort)."""
    resources = template.get("Resources", {})
    deps: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else depends
        found = set(references(resource.get("Properties", {}))) | set(depends)
        deps[logical_id] = {d for d in found if d in resources}
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(node: str, path: tuple[str, ...]) -> None:
        if state.get(node) == "done":
            return
        if state.get(node) == "visiting":
            raise TemplateError(f"circular dependency: {' -> '.join((*path, node))}")
        state[node] = "visiting"
        for dep in sorted(deps[node]):
            visit(dep, (*path, node))
        state[node] = "done"
        order.append(node)

    for logical_id in resources:
        visit(logical_id, ())
    return order


class Resolver:
    """Evaluates intrinsic functions against parameters, pseudo parameters and created resources."""

    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, str], account: str, region: str, stack_name: str = "tour-ticketing") -> None:
        self.template = template
        self.values: dict[str, Any] = {
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack_name}/offline",
            "AWS::NoValue": NO_VALUE,
        }
        for name, spec in template.get("Parameters", {}).items():
            if name in parameters:
                self.values[name] = parameters[name]
            elif "Default" in spec:
                self.values[name] = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no value and no Default")
        self.attributes: dict[str, dict[str, Any]] = {}

    def created(self, logical_id: str, ref: Any, attributes: Mapping[str, Any]) -> None:
        self.values[logical_id] = ref
        self.attributes[logical_id] = dict(attributes)

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            handler = self._intrinsics().get(key)
            if handler is not None:
                return handler(arg)
            if key.startswith("Fn::"):
                raise TemplateError(f"intrinsic function {key} is not supported offline")
        return {k: r for k, r in ((k, self.resolve(v)) for k, v in value.items()) if r is not NO_VALUE}

    def _intrinsics(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": lambda a: str(self.resolve(a[0])).join(str(x) for x in self.resolve(a[1])),
            "Fn::Select": lambda a: self.resolve(a[1])[int(self.resolve(a[0]))],
            "Fn::Split": lambda a: str(self.resolve(a[1])).split(self.resolve(a[0])),
            "Fn::If": lambda a: self.resolve(a[1] if self.condition(a[0]) else a[2]),
            "Fn::Equals": lambda a: self.resolve(a[0]) == self.resolve(a[1]),
            "Fn::Not": lambda a: not self.resolve(a[0]),
            "Fn::And": lambda a: all(self.resolve(x) for x in a),
            "Fn::Or": lambda a: any(self.resolve(x) for x in a),
            "Condition": self.condition,
        }

    def _ref(self, name: str) -> Any:
        if name not in self.values:
            raise TemplateError(f"Ref to {name}, which is not a parameter or a resource created before it")
        return self.values[name]

    def _get_att(self, arg: Any) -> Any:
        logical_id, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
        try:
            return self.attributes[logical_id][attribute]
        except KeyError:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} is not available offline") from None

    def _sub(self, arg: Any) -> str:
        text, local = (arg[0], self.resolve(arg[1])) if isinstance(arg, list) else (arg, {})

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local:
                return str(local[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self._get_att(name))
            return str(self._ref(name))

        return _SUB_VAR.sub(value, text).replace("${!", "${")


def deep_copy(template: Mapping[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(dict(template))
