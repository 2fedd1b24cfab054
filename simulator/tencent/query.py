"""Describe filters on records, applied before any view is built (CVM's `Filters` semantics)."""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TypeVar

from .records import fail

T = TypeVar("T")
Field = Callable[[T], list[str]]


@dataclass(frozen=True)
class Filter:
    name: str
    values: tuple[str, ...]


def select(items: list[T], filters: list[Filter], fields: Mapping[str, Field[T]], fuzzy: Collection[str] = (),
           tags: Callable[[T], list[tuple[str, str]]] | None = None) -> list[T]:
    """Values of one filter are ORed and filters ANDed; `tag:<key>` matches a tag's value where records have tags.

    A fuzzy filter matches a value contained in the field, case-insensitively (image-name, platform).
    """
    for f in filters:
        if f.name.startswith("tag:") and tags is not None:
            key = f.name[4:]
            items = [i for i in items if any(k == key and v in f.values for k, v in tags(i))]
            continue
        getter = fields.get(f.name)
        if getter is None:
            raise fail("InvalidFilter", f"The filter `{f.name}` is not supported.")
        if f.name in fuzzy:
            items = [i for i in items if any(v.lower() in have.lower() for v in f.values for have in getter(i))]
        else:
            items = [i for i in items if any(have in f.values for have in getter(i))]
    return items
