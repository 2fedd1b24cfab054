"""Reading Tencent Cloud API 3.0 JSON parameters into typed values, with the vendor's codes for malformed ones."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from .query import Filter
from .records import Tags, fail

T = TypeVar("T")
MAX_FILTERS, MAX_FILTER_VALUES, MAX_LIMIT, DEFAULT_LIMIT = 10, 5, 100, 20
Params = Mapping[str, Any]


def text(p: Params, key: str) -> str:
    """A string parameter; absent, null or empty all read as ""."""
    return str(p.get(key) or "")


def optional_text(p: Params, key: str) -> str | None:
    """A string parameter where absent (None) means "leave it as it is" and "" is a value."""
    value = p.get(key)
    return None if value is None else str(value)


def flag(p: Params, key: str) -> bool:
    """CreateImage takes ForcePoweroff/Sysprep as the strings "true"/"false"; other flags are JSON booleans."""
    value = p.get(key)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def strings(p: Params, key: str) -> list[str]:
    value = p.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail("InvalidParameter", f"The parameter `{key}` must be an array of strings.")
    return value


def tag_specification(p: Params) -> Tags:
    """TagSpecification: tags bound to the image by the creating call itself."""
    tags: Tags = []
    for spec in p.get("TagSpecification") or []:
        if not isinstance(spec, dict) or spec.get("ResourceType") != "image":
            raise fail("InvalidParameterValue", "TagSpecification.ResourceType must be `image` for an image.")
        for tag in spec.get("Tags") or []:
            tags.append((str(tag.get("Key", "")), str(tag.get("Value", ""))))
    return tags


def tag_pairs(p: Params) -> Tags:
    """The Tag API's Tags: [{"TagKey", "TagValue"}]."""
    return [(str(t.get("TagKey", "")), str(t.get("TagValue", ""))) for t in p.get("Tags") or []]


def filters(p: Params) -> list[Filter]:
    raw = p.get("Filters") or []
    if not isinstance(raw, list) or len(raw) > MAX_FILTERS:
        raise fail("InvalidFilterValue.LimitExceeded", f"At most {MAX_FILTERS} Filters are allowed.")
    out = []
    for item in raw:
        name, values = item.get("Name"), item.get("Values") or []
        if not isinstance(name, str) or not isinstance(values, list):
            raise fail("InvalidFilter", "Each filter needs a Name and a list of Values.")
        if len(values) > MAX_FILTER_VALUES:
            raise fail("InvalidFilterValue.LimitExceeded",
                       f"At most {MAX_FILTER_VALUES} values per filter are allowed.")
        out.append(Filter(name, tuple(str(v) for v in values)))
    return out


def page(items: list[T], p: Params) -> list[T]:
    """Offset and Limit (at most 100, 20 when absent), checked once the items are known, as the API does."""
    offset, limit = p.get("Offset", 0), p.get("Limit", DEFAULT_LIMIT)
    if not isinstance(offset, int) or offset < 0:
        raise fail("InvalidParameterValue", "Offset must be a non-negative integer.")
    if not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise fail("InvalidParameterValue", f"Limit must be an integer from 0 to {MAX_LIMIT}.")
    return items[offset: offset + limit]
