"""Plan a change from the declarations: which inputs replace, which update in place, which are only recorded.

Like a Terraform schema with plan modifiers: the resource declares each input's change, the service
declares its options' changes and its region-level rules (replica settings, unique names), and this
module turns old and new inputs into one explicit plan. No vendor is named here.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .schema import Change, ResourceSchema
from .service import ServiceSpec
from .validation import is_unknown

DERIVED = frozenset({"key", "owner"})  # recomputed by check, never a user's change


@dataclass(frozen=True)
class Plan:
    replaces: tuple[str, ...] = ()
    updates: tuple[str, ...] = ()  # changed in place through the cloud
    records: tuple[str, ...] = ()  # recorded in state with no cloud call
    delete_before_replace: bool = False

    @property
    def changes(self) -> bool:
        return bool(self.replaces or self.updates or self.records)


def normalized(value: Any) -> Any:
    """Empty and unset are the same; maps compare by content."""
    if value in (None, "", {}, []):
        return None
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def _changed(olds: Mapping[str, Any], news: Mapping[str, Any], key: str, unset: object = None) -> bool:
    before, after = olds.get(key), news.get(key)
    if unset is not None:
        before, after = (unset if before is None else before), (unset if after is None else after)
    return normalized(before) != normalized(after)


def region_entries(regions: Any) -> dict[str, dict[str, Any]]:
    """`regions` as region -> its settings; entries are ids or maps with a `region` key."""
    out: dict[str, dict[str, Any]] = {}
    for item in regions or []:
        entry = dict(item) if isinstance(item, Mapping) else {"region": item}
        out[str(entry.get("region"))] = entry
    return out


def plan(schema: ResourceSchema, spec: ServiceSpec | None, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Plan:
    replaces: list[str] = []
    updates: list[str] = []
    records: list[str] = []
    buckets = {Change.REPLACE: replaces, Change.UPDATE: updates, Change.RECORD: records}
    for item in schema.fields:
        if item.name in DERIVED or item.name == "options" or not _changed(olds, news, item.name, item.same_as_unset):
            continue
        if item.change is Change.REPLACE and _unknown(news.get(item.name)):
            # preview: an upstream output not known yet (it usually keeps its value on update); the `up`
            # diffs the real value and replaces only if it really changed
            buckets[Change.UPDATE].append(item.name)
            continue
        buckets[item.change].append(item.name)
    if _changed(olds, news, "options"):
        buckets[_options_change(schema, spec, olds.get("options"), news.get("options"))].append("options")
    if "regions" in updates and spec is not None and _region_setting_replaces(spec, olds, news):
        updates.remove("regions")
        replaces.append("regions")
    unique_names = spec is not None and spec.traits.names_unique_per_region
    delete_first = bool(replaces) and unique_names and not _changed(olds, news, "name")
    return Plan(tuple(replaces), tuple(updates), tuple(records), delete_first)


def _unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_unknown(v) for v in value)
    return False


def _options_change(schema: ResourceSchema, spec: ServiceSpec | None, olds: Any, news: Any) -> Change:
    """The strongest change among the option keys that differ; an undeclared key replaces."""
    op = spec.operation(schema.operation) if spec is not None else None
    before, after = dict(olds or {}), dict(news or {})
    strongest = Change.RECORD
    for key in set(before) | set(after):
        if normalized(before.get(key)) == normalized(after.get(key)):
            continue
        param = op.option(str(key)) if op is not None else None
        change = param.change if param is not None else Change.REPLACE
        if change is Change.REPLACE:
            return Change.REPLACE
        if change is Change.UPDATE:
            strongest = Change.UPDATE
    return strongest


def _region_setting_replaces(spec: ServiceSpec, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """A region kept in the set whose setting cannot change in place (a replica's storage type)."""
    before, after = region_entries(olds.get("regions")), region_entries(news.get("regions"))
    for region, entry in after.items():
        old = before.get(region)
        if old is None:
            continue
        for setting in spec.traits.region_settings_replace:
            if entry.get(setting) != old.get(setting):  # unset to explicit too: the default is the cloud's
                return True
    return False


def identity_inputs(schema: ResourceSchema, spec: ServiceSpec | None, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs that say what the object is: the identity key is a digest of these and the owner."""
    op = spec.operation(schema.operation) if spec is not None else None
    values = {name: normalized(inputs.get(name)) for name in schema.by_change(Change.REPLACE)}
    options = dict(inputs.get("options") or {}) if isinstance(inputs.get("options"), Mapping) else {}
    kept = {k: v for k, v in options.items()
            if op is None or (op.option(str(k)) is None or op.option(str(k)).change is Change.REPLACE)}  # type: ignore[union-attr]
    values["options"] = normalized(kept)
    return values
