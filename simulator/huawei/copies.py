"""IMS CopyImageCrossRegion: a job in the source region that makes the copy in the destination project.

IMS copies at most five images across regions per tenant at a time ("a maximum of five private
images can be replicated at a time", IMS API reference, Replicating an Image Across Regions) and
refuses more. The reference names no code for that refusal; the simulator answers IMG.0060 ("The
number of tasks exceeds the flow control limit.", from the IMS error-code table), a guess. The
copy takes the name and description the call gives and no tags.
"""
from __future__ import annotations

import hashlib
from typing import Any

from ..core import ids
from .model import VENDOR, ImsModel, bad, check_description, check_name
from .regions import PROJECTS

MAX_COPIES_IN_FLIGHT = 5
MAX_COPY_GB = 128
SLOTS_FULL = ("IMG.0060", "The number of tasks exceeds the flow control limit.")


def copy_seconds(region: str) -> float:
    """Each destination takes its own repeatable time: 5 to 14 minutes."""
    return 300.0 + (hashlib.sha256(region.encode()).digest()[0] % 10) * 60.0


def copy_cross_region(model: ImsModel, region: str, image_id: str, body: dict[str, Any]) -> str:
    with model.store.transaction():  # counting the copies in flight and adding one are one step
        return _copy(model, region, image_id, body)


def _copy(model: ImsModel, region: str, image_id: str, body: dict[str, Any]) -> str:
    source = model.image(region, image_id)
    name = check_name(body.get("name"))
    description = check_description(body.get("description"))
    dest = body.get("region") or ""
    if dest not in PROJECTS:
        raise bad("IMG.0001", f"The request message format is invalid: region {dest!r} is unknown.")
    if dest == region:
        raise bad("IMG.0001", "The request message format is invalid: the destination region must differ from the "
                  "source region.")
    if not body.get("project_name"):
        raise bad("IMG.0001", "The request message format is invalid: project_name is required.")
    if body["project_name"] != dest:  # each simulated region has one project, named as the region
        raise bad("IMG.0145", "The project name is incorrect.")
    if not body.get("agency_name"):
        raise bad("IMG.0001", "The request message format is invalid: agency_name is required.")
    if source["imagetype"] != "private" or model.image_status(source) != "active":
        raise bad("IMG.0046", "The image is unavailable.")
    if source.get("cmk_id"):
        # No dedicated code for "encrypted images cannot be replicated across regions" in the table.
        raise bad("IMG.0105", "The operation is not supported: encrypted images cannot be replicated across regions.")
    if source.get("whole"):
        if not body.get("vault_id"):
            raise bad("IMG.0001", "The request message format is invalid: vault_id is required to replicate a "
                      "full-ECS image.")
        if model.store.get(VENDOR, dest, "vault", body["vault_id"]) is None:
            raise bad("IMG.0184", "Failed to obtain the vault.")
    if int(source.get("min_disk") or 0) > MAX_COPY_GB:
        raise bad("IMG.0059", "The size of the image file exceeds the maximum allowed.")
    if model.copies_in_flight() >= MAX_COPIES_IN_FLIGHT:
        raise bad(*SLOTS_FULL)
    image = model.new_image(
        dest, name, description, {}, os_type=source["os_type"], os_version=source["os_version"],
        platform=source["platform"], min_disk=source["min_disk"], whole=source.get("whole", False),
        source=f"image,{region},{source['id']}", vault_id=body.get("vault_id") or "",
        backup_id=ids.uuid_like(model.store, "huawei.backup") if source.get("whole") else "",
    )
    return model.start_job(region, "copyImageCrossRegion", "CopyImageCrossRegion", image, copy_seconds(dest),
                           fault_region=dest, dest_region=dest, source_image_id=source["id"])
