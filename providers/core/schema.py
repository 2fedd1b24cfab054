"""Declared inputs: every input of a resource named once with its type, whether it is required and what a change does.

`check` reads these declarations to refuse a wrong type anywhere (never a traceback), `diff` reads
them to decide replace / update / record, and the README tables are generated from them.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .timeouts import OPERATIONS, parse_duration
from .validation import Failure, is_unknown


class Change(str, enum.Enum):
    """What changing an input does to the cloud object."""

    REPLACE = "replace"  # it is part of what the object is: a new object is made, the old one deleted
    UPDATE = "update"  # changed in place through the cloud
    RECORD = "record"  # how imageforge works (timeouts, a how-setting): recorded in state, no cloud call


def _shown(value: object) -> str:
    """A key or list entry named in a failure; input values themselves are never echoed (one may be a secret)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


class Kind(Protocol):
    """A value type: `label` reads in a sentence ("a string of 1 to 128 characters")."""

    @property
    def label(self) -> str: ...

    def check(self, path: str, value: object) -> list[Failure]: ...


def _wrong(path: str, kind: Kind, value: object, example: str = "") -> list[Failure]:
    hint = f", for example {example}" if example else ""
    return [Failure(path, f"must be {kind.label}{hint}; got {_type_name(value)}.")]


@dataclass(frozen=True)
class Text:
    """A string; `min_len` 1 refuses the empty string."""

    min_len: int = 1
    max_len: int | None = None
    label: str = "a string"

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value):
            return []
        if not isinstance(value, str):
            return _wrong(path, self, value)
        if len(value) < self.min_len:
            return [Failure(path, f"must not be empty: it must be {self.label}.")]
        if self.max_len is not None and len(value) > self.max_len:
            return [Failure(path, f"is {len(value)} characters; it must be at most {self.max_len}. Shorten it.")]
        return []


@dataclass(frozen=True)
class Flag:
    """true or false, never a string such as "yes" or a number."""

    label: str = "true or false"

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value) or isinstance(value, bool):
            return []
        return [Failure(path, f"must be true or false (a boolean, without quotes); got {_type_name(value)}.")]


@dataclass(frozen=True)
class Whole:
    minimum: int | None = None
    maximum: int | None = None

    @property
    def label(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"a whole number from {self.minimum} to {self.maximum}"
        return "a whole number"

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value):
            return []
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            return _wrong(path, self, value)
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            return [Failure(path, f"is {value}; it must be {self.label}.")]
        return []


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]

    @property
    def label(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value):
            return []
        if not isinstance(value, str) or value not in self.values:
            return [Failure(path, f"must be {self.label}; got another value.")]
        return []


@dataclass(frozen=True)
class TagMap:
    """Tags: a map of non-empty string keys to string values."""

    key_max: int = 128
    value_max: int = 256
    label: str = "a map of tag names to string values"

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value):
            return []
        if not isinstance(value, Mapping):
            return _wrong(path, self, value, "{'team': 'web'}")
        out: list[Failure] = []
        for key, item in value.items():
            if is_unknown(key) or is_unknown(item):
                continue
            if not isinstance(key, str) or not key:
                out.append(Failure(path, "every tag name must be a non-empty string."))
            elif len(key) > self.key_max:
                out.append(Failure(f"{path}.{key[:20]}...", f"the tag name is {len(key)} characters; at most "
                                                            f"{self.key_max}. Shorten it."))
            elif not isinstance(item, str):
                out.append(Failure(f"{path}.{key}", f"tag values must be strings; got {_type_name(item)}. "
                                                    "Quote it or turn it into text."))
            elif len(item) > self.value_max:
                out.append(Failure(f"{path}.{key}", f"the tag value is {len(item)} characters; at most {self.value_max}."))
        return out


@dataclass(frozen=True)
class ListOf:
    item: Kind
    min_items: int = 0
    unique: bool = False

    @property
    def label(self) -> str:
        return f"a list, each {self.item.label}"

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value):
            return []
        if not isinstance(value, (list, tuple)):
            return _wrong(path, self, value)
        if len(value) < self.min_items:
            return [Failure(path, f"must list at least {self.min_items} item(s); it is empty.")]
        out: list[Failure] = []
        seen: list[object] = []
        for n, item in enumerate(value):
            if item is None:
                out.append(Failure(f"{path}[{n}]", f"is empty (null); it must be {self.item.label}."))
                continue
            out += self.item.check(f"{path}[{n}]", item)
            if self.unique and not is_unknown(item):
                if item in seen:
                    out.append(Failure(f"{path}[{n}]", f"{_shown(item)} is listed twice; list each once."))
                seen.append(item)
        return out


@dataclass(frozen=True)
class Record:
    """A map with named keys, each of its own kind; unknown keys are refused with the known ones."""

    fields: Mapping[str, Kind]
    required: tuple[str, ...] = ()
    label: str = "a map"
    example: str = ""

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value):
            return []
        if not isinstance(value, Mapping):
            return _wrong(path, self, value, self.example)
        out: list[Failure] = []
        unknown = sorted(str(k) for k in value if k not in self.fields)
        if unknown:
            out.append(Failure(path, f"has unknown key(s) {', '.join(unknown)}; known keys: "
                                     f"{', '.join(sorted(self.fields))}."))
        for name in self.required:
            if value.get(name) is None:
                out.append(Failure(f"{path}.{name}", f"is required: {self.fields[name].label}."))
        for name, kind in self.fields.items():
            item = value.get(name)
            if item is not None:
                out += kind.check(f"{path}.{name}", item)
        return out


@dataclass(frozen=True)
class Either:
    """The first kind that fits: a region as an id, or as a map with replica settings."""

    kinds: tuple[Kind, ...]
    label: str

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value):
            return []
        fitting: list[Failure] | None = None
        for kind in self.kinds:
            found = kind.check(path, value)
            if not found:
                return []
            if fitting is None and _shape_fits(kind, value):
                fitting = found
        return fitting if fitting is not None else _wrong(path, self, value)


def _shape_fits(kind: Kind, value: object) -> bool:
    """The kind the value was evidently meant as: its errors are the useful ones."""
    return (isinstance(kind, Record) and isinstance(value, Mapping)) or (isinstance(kind, Text) and isinstance(value, str))


@dataclass(frozen=True)
class Options:
    """`options`: a map whose keys each service declares (checked against the service, not here)."""

    label: str = "a map of settings"

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value) or isinstance(value, Mapping):
            return []
        return _wrong(path, self, value, "{'image_family': 'web'}")


@dataclass(frozen=True)
class Timeouts:
    """Per-operation deadlines as durations ("90m", "2h", "1h30m") or seconds."""

    label: str = "a map such as {'create': '90m', 'delete': '30m'}"

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value):
            return []
        if not isinstance(value, Mapping):
            return _wrong(path, self, value)
        out: list[Failure] = []
        for key, item in value.items():
            if key not in OPERATIONS:
                out.append(Failure(path, f"has unknown key {_shown(key)}; use {', '.join(OPERATIONS)}."))
                continue
            if is_unknown(item):
                continue
            try:
                parse_duration(item)  # type: ignore[arg-type]
            except (ValueError, TypeError) as exc:
                out.append(Failure(f"{path}.{key}", f"{exc}."))
        return out


@dataclass(frozen=True)
class Field:
    """One input: its kind, whether it is required, what a change does and what it means."""

    name: str
    kind: Kind
    change: Change
    doc: str
    required: bool = False
    example: str = ""
    internal: bool = False  # bookkeeping the resource sets itself (owner, key): documented, not a user input
    generic: bool = False  # imageforge itself acts on it for every service (cloud, region, timeouts...)
    same_as_unset: object = None  # a value equal to leaving the input out (a default earlier versions stored)


@dataclass(frozen=True)
class ResourceSchema:
    """Every input of one resource; `operation` is the capability a service must offer for it."""

    kind: str
    operation: str
    fields: tuple[Field, ...]
    outputs: Mapping[str, str] = field(default_factory=dict)  # output name -> what it holds

    def get(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def generic(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.generic or f.internal)

    def by_change(self, change: Change) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.change is change and f.name != "options")

    def check(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """Unknown inputs, missing required ones and wrong types, before any rule of a service."""
        out: list[Failure] = []
        for name in sorted(set(inputs) - set(self.names)):
            out.append(Failure(name, f"is not an input of {self.kind}; its inputs are "
                                     f"{', '.join(f.name for f in self.fields if not f.internal)}."))
        for item in self.fields:
            value = inputs.get(item.name)
            if value is None:
                if item.required:
                    example = f", for example {item.example}" if item.example else ""
                    out.append(Failure(item.name, f"is required: {item.doc.rstrip('.')}{example}."))
                continue
            out += item.kind.check(item.name, value)
        return out


def given(value: object) -> bool:
    """An input the user set to something (None, "", {} and [] mean not set)."""
    if value is None:
        return False
    if isinstance(value, (str, Mapping, list, tuple)) and not is_unknown(value):
        return len(value) > 0
    return True


def known(values: Sequence[object]) -> bool:
    return not any(is_unknown(v) for v in values)
