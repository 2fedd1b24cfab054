"""SyncImages in the simulated CVM: one call copies a NORMAL image to many regions; each copy is its own image.

The source reads SYNCING until every copy has finished; a copy reads SYNCING with a rising
SyncPercent in its destination region, then NORMAL (or CREATEFAILED when a `fail` fault names it).
Encrypted images are refused, and the source region may not be a destination (except for an
encrypted copy, Encrypt with an optional KmsKeyId, which Tencent makes only inside the source
region). Image names are unique per region: a destination where the copy's name is taken refuses
the whole call with InvalidImageName.Duplicate, before any copy starts.
"""
from __future__ import annotations

from dataclasses import replace

from ..core import ids
from ..core.lifecycle import Lifecycle
from . import seeds
from .model import FAIL_AT, NAME_MAX, VENDOR, CvmModel, copy_seconds, iso
from .records import COPY, NORMAL, Copy, Image, fail
from .regions import CVM_REGIONS, FINANCE_REGIONS


class ImageSync:
    def __init__(self, model: CvmModel) -> None:
        self.model = model

    def sync_images(self, region: str, *, image_ids: list[str], destinations: list[str], name: str, encrypt: bool,
                    kms_key_id: str, dry_run: bool) -> list[Copy]:
        """One copy per destination, all started or none; `name` "" keeps the source's name and `kms_key_id`
        counts only with `encrypt`."""
        if not image_ids:
            raise fail("MissingParameter", "The request is missing a required parameter `ImageIds`.")
        if len(image_ids) > 1:
            raise fail("InvalidParameterValue.LimitExceeded", "SyncImages syncs one image per call.")
        if not destinations:
            raise fail("MissingParameter", "The request is missing a required parameter `DestinationRegions`.")
        source = self.model.own_image(region, image_ids[0])
        state = self.model.state(source)
        if state != NORMAL:
            raise fail("InvalidImageId.IncorrectState",
                       f"The image `{source.image_id}` is {state}; it must be NORMAL to sync.")
        if encrypt and destinations != [region]:
            raise fail("InvalidParameterValue.InvalidRegion",
                       "An encrypted copy can only be made in the source region.")
        if len(set(destinations)) != len(destinations):
            raise fail("InvalidParameterValue", "DestinationRegions contains a region twice.")
        for dest in destinations:
            if dest in FINANCE_REGIONS and dest != region:
                raise fail("InvalidRegion.Unavailable", f"Images cannot be synced to {dest}.")
            if dest not in CVM_REGIONS and dest != region:
                raise fail("InvalidRegion.NotFound", f"The region `{dest}` does not exist.")
            if dest == region and not encrypt:
                raise fail("InvalidParameterValue.InvalidRegion",
                           f"The destination `{dest}` is the image's own region.")
            self.model.check_quota(dest)
        if source.encrypted and not encrypt:
            raise fail("UnsupportedOperation.EncryptedImagesNotSupported",
                       f"The image `{source.image_id}` is encrypted; "
                       "encrypted images cannot be synced to other regions.")
        name = name or source.name
        if len(name) > NAME_MAX:
            raise fail("InvalidParameterValue.TooLong", f"`ImageName` must be at most {NAME_MAX} characters.")
        for dest in destinations:
            self.model.check_name(dest, name)  # InvalidImageName.Duplicate, the source's own name included
        if dry_run:
            raise fail("DryRunOperation", "The request would have succeeded, but DryRun was set.")
        kms = kms_key_id if encrypt else ""
        failing = self._failing_destinations(region, destinations)
        made = [self._start_copy(source, region, dest, name, encrypt, kms, dest in failing) for dest in destinations]
        source.copies = [*source.copies, *made]
        self.model.put_image(region, source)
        return made

    def _failing_destinations(self, region: str, dests: list[str]) -> set[str]:
        """Injected `fail` faults for SyncImages: params {"region": r} or the fault's region name the failing copy."""
        ctx = self.model.ctx
        failing: set[str] = set()
        for dest in dests:
            fault = ctx.take_failure(VENDOR, "SyncImages", dest)
            if fault is None:
                continue
            named = fault.params.get("region") or (fault.region if fault.region not in ("*", "", region) else dest)
            failing.add(named if named in dests else dest)
        fault = ctx.take_failure(VENDOR, "SyncImages", region)  # scoped to the source region
        if fault is not None:
            named = fault.params.get("region")
            failing.add(named if named in dests else dests[0])
        return failing

    def _start_copy(self, source: Image, region: str, dest: str, name: str, encrypt: bool, kms: str,
                    failing: bool) -> Copy:
        """The copy starts with the source's fields and none of its tags; its snapshots live in `dest`."""
        now = self.model.ctx.now()
        image_id = ids.prefixed(self.model.store, "cvm.image", "img-", 8)
        os_ = seeds.os_of(source.os.family)
        bound = [self.model.own_snapshot(dest, s.usage, "", s.size, os_, image_id, name, encrypt)
                 for s in source.snapshots]
        lifecycle = Lifecycle.start(now, copy_seconds(dest), failing, FAIL_AT)
        copy = replace(source, image_id=image_id, name=name, kind=COPY, created=iso(now), lifecycle=lifecycle,
                       snapshots=bound, tags=[], encrypted=encrypt or source.encrypted, kms_key_id=kms, copies=[],
                       source_instance="", source_snapshots=[], image_url="", boot_mode="",
                       synced_from=source.image_id, synced_from_region=region)
        self.model.put_image(dest, copy)
        return Copy(dest, image_id, lifecycle)
