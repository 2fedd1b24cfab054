"""IMS CopyImageCrossRegion: a job in the source region that makes the copy in the destination project.

IMS copies at most five images across regions per tenant at a time ("a maximum of five private
images can be replicated at a time", IMS API reference, Replicating an Image Across Regions) and
refuses more. The reference names no code for that refusal; the simulator answers IMG.0060 ("The
number of tasks exceeds the flow control limit.", from the IMS error-code table), a guess. The
copy takes the name and description the call gives and no tags.
"""
from __future__ import annotations

import hashlib

from ..core import ids
from .model import VENDOR, ImsModel, bad, check_description, check_name
from .regions import PROJECTS

MAX_COPIES_IN_FLIGHT = 5
MAX_COPY_GB = 128
SLOTS_FULL = ("IMG.0060", "The number of tasks exceeds the flow control limit.")


def copy_seconds(region: str) -> float:
    """Each destination takes its own repeatable time: 5 to 14 minutes."""
    return 300.0 + (hashlib.sha256(region.encode()).digest()[0] % 10) * 60.0


def copy_cross_region(model: ImsModel, region: str, image_id: str, *, name: str, destination: str,
                      project_name: str, agency_name: str, description: str = "", vault: str = "") -> str:
    """Start the copy of `image_id` (in `region`) to `destination`: the job's id, in the source region."""
    with model.store.transaction():  # counting the copies in flight and adding one are one step
        source = model.image(region, image_id)
        name, description = check_name(name), check_description(description)
        if destination not in PROJECTS:
            raise bad("IMG.0001", f"The request message format is invalid: region {destination!r} is unknown.")
        if destination == region:
            raise bad("IMG.0001", "The request message format is invalid: the destination region must differ from "
                      "the source region.")
        if not project_name:
            raise bad("IMG.0001", "The request message format is invalid: project_name is required.")
        if project_name != destination:  # each simulated region has one project, named as the region
            raise bad("IMG.0145", "The project name is incorrect.")
        if not agency_name:
            raise bad("IMG.0001", "The request message format is invalid: agency_name is required.")
        if not source.private or model.image_status(source) != "active":
            raise bad("IMG.0046", "The image is unavailable.")
        if source.cmk_id:
            # No dedicated code for "encrypted images cannot be replicated across regions" in the table.
            raise bad("IMG.0105", "The operation is not supported: encrypted images cannot be replicated across "
                      "regions.")
        if source.whole:
            if not vault:
                raise bad("IMG.0001", "The request message format is invalid: vault_id is required to replicate a "
                          "full-ECS image.")
            if model.store.get(VENDOR, destination, "vault", vault) is None:
                raise bad("IMG.0184", "Failed to obtain the vault.")
        if source.min_disk > MAX_COPY_GB:
            raise bad("IMG.0059", "The size of the image file exceeds the maximum allowed.")
        if model.copies_in_flight() >= MAX_COPIES_IN_FLIGHT:
            raise bad(*SLOTS_FULL)
        image = model.new_image(
            destination, name, description, {}, os_type=source.os_type, os_version=source.os_version,
            platform=source.platform, min_disk=source.min_disk, whole=source.whole,
            source=f"image,{region},{source.id}", vault_id=vault,
            backup_id=ids.uuid_like(model.store, "huawei.backup") if source.whole else "")
        return model.start_job(region, "copyImageCrossRegion", "CopyImageCrossRegion", image, copy_seconds(destination),
                               fault_region=destination, dest_region=destination, source_image_id=source.id)
