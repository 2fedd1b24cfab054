"""Azure resource ids for VMs, managed images and gallery image versions (pure; shared by rules and adapter)."""
from __future__ import annotations

import re
from dataclasses import dataclass

_PREFIX = r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute/"
VM_ID = re.compile(_PREFIX + r"virtualMachines/(?P<name>[^/]+)$", re.I)
IMAGE_ID = re.compile(_PREFIX + r"images/(?P<name>[^/]+)$", re.I)
VERSION_ID = re.compile(_PREFIX + r"galleries/(?P<gallery>[^/]+)/images/(?P<image>[^/]+)/versions/(?P<name>[^/]+)$", re.I)
DEFINITION_ID = re.compile(_PREFIX + r"galleries/(?P<gallery>[^/]+)/images/(?P<image>[^/]+)$", re.I)
VERSION_NAME = re.compile(r"^\d{1,10}\.\d{1,10}\.\d{1,10}$")
GALLERY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.]{0,79}$")


@dataclass(frozen=True)
class Ref:
    """One parsed id: subscription, resource group, name, and for versions the gallery and definition."""

    kind: str  # vm | image | version | definition
    subscription: str
    resource_group: str
    name: str
    gallery: str = ""
    image: str = ""

    @property
    def id(self) -> str:
        base = f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/Microsoft.Compute/"
        if self.kind == "vm":
            return base + f"virtualMachines/{self.name}"
        if self.kind == "image":
            return base + f"images/{self.name}"
        if self.kind == "definition":
            return base + f"galleries/{self.gallery}/images/{self.image}"
        return base + f"galleries/{self.gallery}/images/{self.image}/versions/{self.name}"


def parse(resource_id: str) -> Ref | None:
    for kind, pattern in (("vm", VM_ID), ("image", IMAGE_ID), ("version", VERSION_ID), ("definition", DEFINITION_ID)):
        m = pattern.match(resource_id or "")
        if m:
            groups = m.groupdict()
            return Ref(kind, groups["sub"], groups["rg"], groups.get("name") or groups.get("image") or "",
                       groups.get("gallery") or "", groups.get("image") or "")
    return None


def vm_ref(value: str, resource_group: str, subscription: str) -> Ref | None:
    """A VM named by resource id, by `resource-group/name`, or by name plus the resource group."""
    parsed = parse(value)
    if parsed is not None:
        return parsed if parsed.kind == "vm" else None
    if "/" in value:
        rg, _, name = value.partition("/")
        return Ref("vm", subscription, rg, name) if rg and name and "/" not in name else None
    return Ref("vm", subscription, resource_group, value) if value and resource_group else None

