"""Renders `providers/resources/args.py`, the typed inputs and outputs, from the declared schemas.

The declarations stay the one source: `imageforge docs --write` rewrites the module and a test keeps
it equal to what this renders, as it does for the README tables.
"""
from __future__ import annotations

from ..core.schema import (
    Choice,
    Either,
    Field,
    Flag,
    Kind,
    ListOf,
    Options,
    Record,
    ResourceSchema,
    TagMap,
    Text,
    Timeouts,
    Whole,
)
from ..core.timeouts import OPERATIONS
from ..resources.schemas import SCHEMAS

RECORD_NAMES = {"source": "SourceArgs", "regions": "RegionArgs", "object": "StorageObjectArgs",
                "credentials": "CredentialsArgs"}
RECORD_DOCS = {"SourceArgs": "What to capture: an instance, a desktop, a snapshot or snapshots, and their settings",
               "RegionArgs": "A destination region with its settings, where a service takes them (Azure replicas and "
                             "storage type)",
               "StorageObjectArgs": "Where the uploaded disk-image file is in the cloud's object storage",
               "CredentialsArgs": "A profile and/or a role to assume for one resource's calls (never a secret)"}
OUTPUT_TYPES = {
    "image_id": "str", "status": "str", "vendor_status": "str", "progress": "float | None", "size_gb": "int | None",
    "image_os_type": "str", "image_platform": "str", "image_architecture": "str", "created": "str",
    "image_tags": "Mapping[str, str]", "warnings": "Sequence[str]", "images": "Mapping[str, Mapping[str, Any]]",
    "image_ids": "Mapping[str, str]", "vm_id": "str", "generalized": "bool", "power_state": "str",
    "source": "Mapping[str, Any]", "commands": "Sequence[Mapping[str, Any]]", "inspection": "Mapping[str, Any]",
    "share_status": "Mapping[str, Mapping[str, str]] | None", "base": "Mapping[str, str]", "build": "Mapping[str, Any]",
}
HEADER = '''"""Typed inputs and outputs of every resource, for editors and type checkers (mypy, pyright).

Generated from providers/resources/schemas.py by `imageforge docs --write`; a test keeps it equal.
`pulumi.Input[T]` takes a plain value, an Output or an awaitable. Values are still checked by the
resources' `check`, which names the field, the rule and the fix.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict

import pulumi

'''


class Renderer:
    """Walks the schemas once, naming each nested record so it is declared before use and only once."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}

    def annotation(self, kind: Kind, owner: str) -> str:
        return f"pulumi.Input[{self._plain(kind, owner)}]"

    def _plain(self, kind: Kind, owner: str) -> str:
        if isinstance(kind, Text):
            return "str"
        if isinstance(kind, Flag):
            return "bool"
        if isinstance(kind, Whole):
            return "int"
        if isinstance(kind, Choice):  # a plain str: a value read from config type-checks; `check` names the choices
            return "str"
        if isinstance(kind, TagMap):
            return "Mapping[str, pulumi.Input[str]]"
        if isinstance(kind, ListOf):
            return f"Sequence[{self.annotation(kind.item, owner)}]"
        if isinstance(kind, Either):
            return " | ".join(self._plain(k, owner) for k in kind.kinds)
        if isinstance(kind, Record):
            return self._record(kind, owner)
        if isinstance(kind, Timeouts):
            return "TimeoutsArgs"
        if isinstance(kind, Options):
            return "Mapping[str, Any]"
        raise TypeError(f"no annotation for {kind!r}")  # a new kind needs a line here

    def _record(self, kind: Record, owner: str) -> str:
        name = RECORD_NAMES[owner]
        if name not in self.records:
            lines = [f"class {name}(TypedDict, total=False):", f'    """{RECORD_DOCS[name]}."""', ""]
            for key, item in kind.fields.items():
                text = self.annotation(item, owner)
                lines.append(f"    {key}: {'Required[' + text + ']' if key in kind.required else text}")
            self.records[name] = lines
        return name


def _output_type(kind: Kind) -> str:
    """What an output holds once resolved: plain values, maps for records."""
    if isinstance(kind, (Text, Choice)):
        return "str"
    if isinstance(kind, Flag):
        return "bool"
    if isinstance(kind, Whole):
        return "int"
    if isinstance(kind, TagMap):
        return "Mapping[str, str]"
    if isinstance(kind, ListOf):
        return f"Sequence[{_output_type(kind.item)}]"
    if isinstance(kind, Either):
        return " | ".join(_output_type(k) for k in kind.kinds)
    return "Mapping[str, Any]"


def _doc(text: str) -> str:
    """A schema's phrase as a docstring sentence."""
    text = text.rstrip(".")
    return f'    """{text[0].upper()}{text[1:]}."""'


def _field(renderer: Renderer, item: Field) -> list[str]:
    text = renderer.annotation(item.kind, item.name)
    if not item.required:
        text += " | None = None"
    return [f"    {item.name}: {text}", _doc(item.doc)]


def _args_class(renderer: Renderer, schema: ResourceSchema) -> list[str]:
    lines = ["@dataclass(kw_only=True)", f"class {schema.kind}Args:",
             f'    """The inputs of {schema.kind}, for `{schema.kind}(name, {schema.kind}Args(...))`."""', ""]
    user_fields = [f for f in schema.fields if not f.internal]
    for item in sorted(user_fields, key=lambda f: not f.required):
        lines += _field(renderer, item)
    return lines


def _outputs_class(renderer: Renderer, schema: ResourceSchema) -> list[str]:
    lines = [f"class {schema.kind}Outputs:",
             f'    """The outputs of {schema.kind}: its inputs as stored and what the cloud reported."""',
             ""]
    for name, doc in schema.outputs.items():
        lines += [f"    {name}: pulumi.Output[{OUTPUT_TYPES[name]}]", _doc(doc)]
    for item in schema.fields:
        if item.name in schema.outputs or item.internal:
            continue
        text = _output_type(item.kind)
        lines += [f"    {item.name}: pulumi.Output[{text if item.required else text + ' | None'}]",
                  _doc(item.doc)]
    lines += ["    key: pulumi.Output[str]", '    """The identity a re-run finds this object by."""']
    return lines


def _timeouts() -> list[str]:
    lines = ["class TimeoutsArgs(TypedDict, total=False):",
             '    """Deadlines per operation: a duration such as "90m", "2h", "1h30m", or seconds."""', ""]
    return lines + [f"    {name}: pulumi.Input[str | int]" for name in OPERATIONS]


def render() -> str:
    renderer = Renderer()
    blocks: list[list[str]] = []
    for schema in SCHEMAS.values():
        blocks.append(_args_class(renderer, schema))
        blocks.append(_outputs_class(renderer, schema))
    head = [_timeouts(), *renderer.records.values()]
    names = ["TimeoutsArgs", *renderer.records, *(n for s in SCHEMAS.values() for n in (f"{s.kind}Args",
                                                                                      f"{s.kind}Outputs"))]
    exports = ["__all__ = ["] + [f'    "{n}",' for n in names] + ["]"]
    body = "\n\n\n".join("\n".join(block) for block in (exports, *head, *blocks))
    return HEADER + body + "\n"
