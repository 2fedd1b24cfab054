"""ARM addressing: resource paths, ids, timestamps and the errors every resource provider shares."""
from __future__ import annotations

import time
from dataclasses import dataclass

from ..core.wire import SimError

PROVIDER = "Microsoft.Compute"
# The collections the simulator serves, as chains of ARM resource types below the provider.
COLLECTIONS: dict[tuple[str, ...], str] = {
    ("virtualmachines",): "virtualMachines",
    ("images",): "images",
    ("galleries",): "galleries",
    ("galleries", "images"): "images",
    ("galleries", "images", "versions"): "versions",
    ("locations",): "locations",
    ("locations", "operations"): "operations",
}


@dataclass(frozen=True)
class ArmPath:
    """A parsed request path: subscription, resource group, (type, name) chain and trailing action."""

    subscription: str
    resource_group: str
    types: tuple[str, ...]  # lower-cased ARM types, e.g. ("galleries", "images", "versions")
    names: tuple[str, ...]  # one per type, or one fewer when the path names a collection
    action: str = ""

    @property
    def is_collection(self) -> bool:
        return len(self.names) < len(self.types)

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else ""

    def resource_id(self, depth: int | None = None) -> str:
        """The canonical resource id of the named resource (or of its ancestor at `depth`)."""
        depth = len(self.names) if depth is None else depth
        chain = "/".join(f"{COLLECTIONS[self.types[: i + 1]]}/{self.names[i]}" for i in range(depth))
        return resource_id(self.subscription, self.resource_group, chain)


def resource_id(subscription: str, resource_group: str, chain: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/{PROVIDER}/{chain}"


def key(rid: str) -> str:
    """Store key: ARM ids are case-insensitive."""
    return rid.lower()


def subscription_of(rid: str) -> str:
    """The subscription an ARM id names (`/subscriptions/{s}/...`), as written in the id."""
    parts = rid.split("/")
    return parts[2] if len(parts) > 2 else ""


def parse(path: str) -> ArmPath | None:
    """Parse `/subscriptions/{s}[/resourceGroups/{rg}]/providers/Microsoft.Compute/...`; None if not ours."""
    segs = [s for s in path.split("/") if s]
    if len(segs) < 4 or segs[0].lower() != "subscriptions":
        return None
    sub, i, rg = segs[1], 2, ""
    if segs[i].lower() == "resourcegroups" and len(segs) > i + 1:
        rg, i = segs[i + 1], i + 2
    if len(segs) < i + 3 or segs[i].lower() != "providers" or segs[i + 1].lower() != PROVIDER.lower():
        return None
    rest = segs[i + 2:]
    types: list[str] = []
    names: list[str] = []
    action = ""
    for n, seg in enumerate(rest):
        if n % 2 == 0:
            if tuple(types + [seg.lower()]) in COLLECTIONS:
                types.append(seg.lower())
            elif n == len(rest) - 1 and names:
                action = seg
            else:
                return None
        else:
            names.append(seg)
    if not types:
        return None
    return ArmPath(sub, rg, tuple(types), tuple(names), action)


def iso(ts: float) -> str:
    frac = f"{ts % 1:.7f}"[1:]
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + frac + "+00:00"


def not_found(rtype: str, name: str, resource_group: str) -> SimError:
    return SimError("ResourceNotFound",
                    f"The Resource '{PROVIDER}/{rtype}/{name}' under resource group '{resource_group}' was not found. "
                    "For more details please go to https://aka.ms/ARMResourceNotFoundFix", 404)


def parent_not_found(rtype: str, name: str) -> SimError:
    return SimError("ParentResourceNotFound",
                    f"Can not perform requested operation on nested resource. Parent resource '{name}' "
                    f"({PROVIDER}/{rtype}) not found.", 404)


def not_allowed(message: str) -> SimError:
    return SimError("OperationNotAllowed", message, 409)


def invalid(message: str, target: str = "") -> SimError:
    return SimError("InvalidParameter", message, 400, target=target)


def change_not_allowed(prop: str) -> SimError:
    return SimError("PropertyChangeNotAllowed", f"Changing property '{prop}' is not allowed.", 409, target=prop)
