"""ARM request bodies (JSON) parsed into the typed arguments the models take.

Fields a body leaves out arrive as "", None or [] and the models apply the service's defaults, so a
default is decided in one place. A body that is not JSON, or a field of the wrong kind, is refused
here in ARM's words.
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..core.wire import SimError, SimRequest
from . import arm
from .gallery import DefinitionRequest, TargetRegion, VersionRequest
from .images import VhdDisk

DEFINITION_KEYS = ("osType", "osState", "identifier", "hyperVGeneration", "architecture")


def body_of(request: SimRequest) -> dict[str, Any]:
    """The request's JSON object; an empty body is an empty object."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise SimError("InvalidRequestContent", "The request content was invalid and could not be deserialized.", 400) from None
    if not isinstance(body, dict):
        raise SimError("InvalidRequestContent", "The request content must be a JSON object.", 400)
    return body


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    """A string field; "" when left out (or null, or empty)."""
    return str(value) if value else ""


def _count(value: Any, name: str) -> int | None:
    """A whole-number field; None when left out (or 0)."""
    if not value:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise arm.invalid(f"The value '{value}' of parameter '{name}' is not a valid integer.", name) from None


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def tags(body: dict[str, Any]) -> dict[str, str]:
    """`tags`, or no tags when the body leaves them out."""
    return dict(body.get("tags") or {})


def tags_if_sent(body: dict[str, Any]) -> dict[str, str] | None:
    """For PATCH-like updates: None when the body does not mention tags (they stay as they are)."""
    return tags(body) if "tags" in body else None


def vm_tags(body: dict[str, Any]) -> dict[str, str]:
    """A VM PATCH: the simulator changes tags only; other properties are refused, not ignored."""
    other = sorted(set(body) - {"tags"}) + sorted(f"properties.{k}" for k in _obj(body.get("properties")))
    if other:
        raise arm.invalid(f"The simulator updates only the tags of a virtual machine; got {other}.", other[0])
    return tags(body)


def run_command(body: dict[str, Any]) -> tuple[str, list[str]]:
    """commandId and the script's lines."""
    return _text(body.get("commandId")), [str(line) for line in body.get("script") or []]


def location(body: dict[str, Any]) -> str:
    return _text(body.get("location"))


def properties(body: dict[str, Any]) -> dict[str, Any]:
    return _obj(body.get("properties"))


def hyperv(body: dict[str, Any]) -> str:
    """properties.hyperVGeneration ("" when left out)."""
    return _text(properties(body).get("hyperVGeneration"))


def image_source(body: dict[str, Any]) -> str:
    """An image's properties.sourceVirtualMachine.id ("" when it names none)."""
    return _text(_obj(properties(body).get("sourceVirtualMachine")).get("id"))


def vhd(body: dict[str, Any]) -> VhdDisk | None:
    """An image's storageProfile.osDisk when it names a VHD blob (an import); None otherwise."""
    os_disk = _obj(_obj(properties(body).get("storageProfile")).get("osDisk"))
    if not os_disk.get("blobUri"):
        return None
    size, bad = os_disk.get("diskSizeGB"), ""
    if size is not None and not isinstance(size, int):
        size, bad = None, str(size)
    return VhdDisk(str(os_disk["blobUri"]), _text(os_disk.get("osType")), _text(os_disk.get("osState")),
                   _text(os_disk.get("storageAccountType")), _text(os_disk.get("caching")),
                   None if size is None else int(size), bad)


def description(body: dict[str, Any]) -> str | None:
    """A gallery's properties.description: "" when left out, None when sent as null."""
    value = properties(body).get("description", "")
    return None if value is None else str(value)


def definition(body: dict[str, Any]) -> DefinitionRequest:
    props = properties(body)
    identifier = props.get("identifier")
    if identifier and not isinstance(identifier, dict):
        raise arm.invalid("The value of parameter 'properties.identifier' must be an object with publisher, offer "
                          "and sku.", "properties.identifier")
    return DefinitionRequest(
        _text(body.get("location")), tags(body), _text(props.get("osType")), _text(props.get("osState")),
        dict(identifier or {}), _text(props.get("hyperVGeneration")), _text(props.get("architecture")),
        {k: v for k, v in props.items() if k not in DEFINITION_KEYS})


def version(body: dict[str, Any]) -> VersionRequest:
    """An image version PUT or PATCH."""
    props = properties(body)
    source = _obj(_obj(props.get("storageProfile")).get("source"))
    profile = _obj(props.get("publishingProfile"))
    safety = _obj(props.get("safetyProfile"))
    targets = []
    for item in profile.get("targetRegions") or []:
        if not isinstance(item, dict):
            raise arm.invalid("Each entry of 'publishingProfile.targetRegions' must be an object with a name.",
                              "targetRegions")
        targets.append(TargetRegion(str(item.get("name")), _count(item.get("regionalReplicaCount"), "regionalReplicaCount"),
                                    _text(item.get("storageAccountType"))))
    return VersionRequest(
        location=_text(body.get("location")), tags=tags_if_sent(body),
        source=_text(source.get("virtualMachineId") or source.get("id")),
        replica_count=_count(profile.get("replicaCount"), "replicaCount"),
        exclude_from_latest=_flag(profile.get("excludeFromLatest")), end_of_life=_end_of_life(profile),
        storage=_text(profile.get("storageAccountType")),
        mode=_text(profile.get("replicationMode")), targets=targets,
        allow_deletion=_flag(safety.get("allowDeletionOfReplicatedLocations")),
        block_deletion=_flag(safety.get("blockDeletionBeforeEndOfLife")))


def _end_of_life(profile: dict[str, Any]) -> str | None:
    """publishingProfile.endOfLifeDate: an ISO 8601 date-time, or None when the body leaves it out."""
    value = profile.get("endOfLifeDate")
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$", value):
        raise arm.invalid(f"The value {value!r} of 'publishingProfile.endOfLifeDate' is not a valid date-time.",
                          "endOfLifeDate")
    return value
