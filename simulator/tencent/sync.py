"""SyncImages in the simulated CVM: one call copies a NORMAL image to many regions; each copy is its own image.

The source reads SYNCING until every copy has finished; a copy reads SYNCING with a rising
SyncPercent in its destination region, then NORMAL (or CREATEFAILED when a `fail` fault names it).
Encrypted images are refused, and the source region may not be a destination (except for an
encrypted copy, Encrypt with an optional KmsKeyId, which Tencent makes only inside the source
region). Image names are unique per region: a destination where the copy's name is taken refuses
the whole call with InvalidImageName.Duplicate, before any copy starts.
"""
from __future__ import annotations

from typing import Any

from ..core import ids
from ..core.lifecycle import KEY as LIFECYCLE, Lifecycle
from . import seeds
from .model import FAIL_AT, NAME_MAX, NORMAL, SYNCING, VENDOR, CvmModel, as_bool, copy_seconds, fail, iso, public
from .regions import CVM_REGIONS, FINANCE_REGIONS


class ImageSync:
    def __init__(self, model: CvmModel) -> None:
        self.model = model

    def sync_images(self, region: str, p: dict[str, Any]) -> list[dict[str, str]]:
        image_ids, dests = list(p.get("ImageIds") or []), list(p.get("DestinationRegions") or [])
        if not image_ids:
            raise fail("MissingParameter", "The request is missing a required parameter `ImageIds`.")
        if len(image_ids) > 1:
            raise fail("InvalidParameterValue.LimitExceeded", "SyncImages syncs one image per call.")
        if not dests:
            raise fail("MissingParameter", "The request is missing a required parameter `DestinationRegions`.")
        source = self.model.own_image(region, image_ids[0])
        state = self.model.image_view(source)["ImageState"]
        if state != NORMAL:
            raise fail("InvalidImageId.IncorrectState", f"The image `{source['ImageId']}` is {state}; it must be NORMAL to sync.")
        encrypt = as_bool(p.get("Encrypt"))
        if encrypt and dests != [region]:
            raise fail("InvalidParameterValue.InvalidRegion", "An encrypted copy can only be made in the source region.")
        if len(set(dests)) != len(dests):
            raise fail("InvalidParameterValue", "DestinationRegions contains a region twice.")
        for dest in dests:
            if dest in FINANCE_REGIONS and dest != region:
                raise fail("InvalidRegion.Unavailable", f"Images cannot be synced to {dest}.")
            if dest not in CVM_REGIONS and dest != region:
                raise fail("InvalidRegion.NotFound", f"The region `{dest}` does not exist.")
            if dest == region and not encrypt:
                raise fail("InvalidParameterValue.InvalidRegion", f"The destination `{dest}` is the image's own region.")
            self.model.check_quota(dest)
        if source.get("encrypted") and not encrypt:
            raise fail("UnsupportedOperation.EncryptedImagesNotSupported",
                       f"The image `{source['ImageId']}` is encrypted; encrypted images cannot be synced to other regions.")
        name = str(p.get("ImageName") or source["ImageName"])
        if len(name) > NAME_MAX:
            raise fail("InvalidParameterValue.TooLong", f"`ImageName` must be at most {NAME_MAX} characters.")
        for dest in dests:
            self.model._check_name(dest, name)  # InvalidImageName.Duplicate, the source's own name included
        if as_bool(p.get("DryRun")):
            raise fail("DryRunOperation", "The request would have succeeded, but DryRun was set.")
        kms = str(p.get("KmsKeyId") or "") if encrypt else ""  # KmsKeyId counts only with Encrypt
        failing = self._failing_destinations(region, dests)
        made = [self._start_copy(source, region, dest, name, encrypt, kms, dest in failing) for dest in dests]
        source["copies"] = [*source.get("copies", []), *made]
        self.model.store.put(VENDOR, region, "image", source["ImageId"], source)
        return [{"ImageId": c["image_id"], "Region": c["region"]} for c in made]

    def _failing_destinations(self, region: str, dests: list[str]) -> set[str]:
        """Injected `fail` faults for SyncImages: params {"region": r} or the fault's region names the copy that fails."""
        failing: set[str] = set()
        for dest in dests:
            fault = self.model.ctx.take_failure(VENDOR, "SyncImages", dest)
            if fault is None:
                continue
            named = fault.params.get("region") or (fault.region if fault.region not in ("*", "", region) else dest)
            failing.add(named if named in dests else dest)
        fault = self.model.ctx.take_failure(VENDOR, "SyncImages", region)  # scoped to the source region
        if fault is not None:
            named = fault.params.get("region")
            failing.add(named if named in dests else dests[0])
        return failing

    def _start_copy(self, source: dict[str, Any], region: str, dest: str, name: str, encrypt: bool, kms: str,
                    failing: bool) -> dict[str, Any]:
        now = self.model.ctx.now()
        image_id = ids.prefixed(self.model.store, "cvm.image", "img-", 8)
        os_ = seeds.WINDOWS if source.get("os") == "windows" else seeds.LINUX
        bound = [self.model.own_snapshot(dest, s["DiskUsage"], "", s["DiskSize"], os_, image_id, name, encrypt)
                 for s in source["SnapshotSet"]]
        image = {**public(source), "ImageId": image_id, "ImageName": name, "CreatedTime": iso(now),
                 "ImageState": SYNCING, "SyncPercent": 0, "SnapshotSet": bound, "Tags": [],
                 "kind": "copy", LIFECYCLE: Lifecycle.start(now, copy_seconds(dest), failing, FAIL_AT).record(),
                 "encrypted": encrypt or bool(source.get("encrypted")), "kms_key_id": kms, "os": source.get("os"),
                 "synced_from": {"ImageId": source["ImageId"], "Region": region}}
        self.model.store.put(VENDOR, dest, "image", image_id, image)
        return {"region": dest, "image_id": image_id, LIFECYCLE: image[LIFECYCLE]}
