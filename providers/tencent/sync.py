"""Copies of a CVM image to other regions through SyncImages, recognised again by a sync record on the source.

SyncImages takes no tags, so a copy carries no identity until label_copy tags it. The window in
between is covered by an intent: before the call, the source image gets the tag
`imageforge-sync.<the set's key>` listing the regions being synced, and CVM image names are unique
per region. The full rule, and where it cannot be proven, is in spec.py ("Copies").
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..core.copies import per_region
from ..core.errors import CloudError, Conflict, NotFound, OperationFailed, ServiceUnavailable, Unsupported
from ..core.model import TAG_KEY, CopyRequest, Deferred, Identity, ImageInfo, JobStatus, Started
from ..core.protocol import CopyStart
from . import mapping
from .base import CvmBase

FAILED_STATES = ("CREATEFAILED", "IMPORTFAILED")


class CvmCopier(CvmBase):
    """ImageCopier for CVM: one SyncImages for every region started together; copies are never cancelled."""

    def start_copies(self, request: CopyRequest, regions: Sequence[str]) -> dict[str, CopyStart]:
        """https://cloud.tencent.com/document/api/213/15711 (SyncImages), one call for all `regions`.

        Never waits: a source that is not NORMAL (still CREATING, or SYNCING for another sync) defers
        every region. Each region's copy name is looked up first: a copy of ours already there is
        returned as started, another image holding the name is a Conflict naming it. The sync record
        is written on the source before SyncImages and cleared for regions SyncImages refused.
        """
        regions = list(dict.fromkeys(regions))
        try:
            source = self._source(request)
        except CloudError as err:
            if err.retryable:
                raise
            return dict.fromkeys(regions, err)
        state = str(source.get("ImageState") or "")
        if state in FAILED_STATES:
            failed = OperationFailed(f"the source image {request.source_image_id} is {state}: it cannot be synced",
                                     vendor=mapping.VENDOR, operation="SyncImages", code=state,
                                     resource_id=request.source_image_id)
            return dict.fromkeys(regions, failed)
        if state != "NORMAL":
            return {r: Deferred(f"source {state}: Tencent Cloud syncs a NORMAL image only") for r in regions}
        key = str(request.tags.get(TAG_KEY) or "")
        name = request.name or str(source.get("ImageName") or "")
        listed = mapping.intent_regions(source, key)
        out: dict[str, CopyStart] = {}
        todo: list[str] = []
        for region in regions:
            holders = self._named(region, name)  # the source itself holds its name in its own region
            if not holders:
                todo.append(region)
            elif _ours(holders[0], key, region in listed, source):
                out[region] = Started(image_id=str(holders[0]["ImageId"]))
            else:
                out[region] = Conflict(
                    f"the copy name {name!r} is taken in {region} by {holders[0]['ImageId']}, which is not this set's: "
                    "CVM image names are unique per region. Fix: give the set another name, or delete "
                    f"{holders[0]['ImageId']}", vendor=mapping.VENDOR, operation="SyncImages",
                    code="InvalidImageName.Duplicate", resource_id=str(holders[0]["ImageId"]))
        if todo:
            out.update(self._sync(request, source, key, listed, todo))
        return out

    def _sync(self, request: CopyRequest, source: dict[str, Any], key: str, listed: list[str],
              todo: list[str]) -> dict[str, CopyStart]:
        """Record the intent, then one SyncImages; a definite refusal clears the record for those regions."""
        self._intend(source, key, [*listed, *todo])
        params: dict[str, Any] = {"ImageIds": [request.source_image_id], "DestinationRegions": todo,
                                  "ImageSetRequired": True}
        if request.name:
            params["ImageName"] = request.name
        if request.encrypted:
            params["Encrypt"] = True
            if request.options.get("kms_key_id"):
                params["KmsKeyId"] = str(request.options["kms_key_id"])
        try:
            reply = self._call("SyncImages", params)
        except CloudError as err:
            if err.retryable:  # a 5xx may have started it: the shared board looks it up (find_copies) first
                return dict.fromkeys(todo, err)
            return dict.fromkeys(todo, self._refused(source, key, listed, err))
        made = {str(c.get("Region")): str(c.get("ImageId")) for c in reply.get("ImageSet") or []}
        request_id = str(reply.get("RequestId") or "")
        out: dict[str, CopyStart] = {}
        for region in todo:
            if made.get(region):
                out[region] = Started(image_id=made[region], request_id=request_id)
            else:  # accepted without naming it: looked up by name under the record, never started twice
                out[region] = ServiceUnavailable(f"SyncImages accepted {region} but named no image for it",
                                                 vendor=mapping.VENDOR, operation="SyncImages", request_id=request_id)
        return out

    def _refused(self, source: dict[str, Any], key: str, listed: list[str], err: CloudError) -> CloudError:
        """SyncImages refused the call: nothing started, so the record goes back to what it listed before."""
        try:
            self._intend(source, key, listed)
        except CloudError as cleanup:
            return type(err)(f"{err.message}. The sync record on {source.get('ImageId')} could not be cleared "
                             f"({cleanup.message}): remove its tag {mapping.intent_key(key)} before running again",
                             vendor=err.vendor, operation=err.operation, code=err.code, request_id=err.request_id)
        return err

    def _source(self, request: CopyRequest) -> dict[str, Any]:
        """The source image as DescribeImages shows it (with its tags), plus the region it was read in."""
        found = self._raw(request.source_region, [request.source_image_id])
        if not found:
            raise NotFound(f"the source image {request.source_image_id} does not exist in {request.source_region}",
                           vendor=mapping.VENDOR, operation="SyncImages", code="InvalidImageId.NotFound",
                           resource_id=request.source_image_id)
        return {**found[0], "region": request.source_region}

    def _intend(self, source: dict[str, Any], key: str, regions: Iterable[str]) -> None:
        """Make the source's sync record for `key` list exactly `regions` (none: the tag goes)."""
        if not key:
            return
        tag, wanted = mapping.intent_key(key), mapping.intent_value(regions)
        have = mapping.tags_of(source).get(tag)
        if (have or "") == wanted:
            return
        if len(wanted) > mapping.INTENT_VALUE_MAX:
            raise OperationFailed(f"the sync record {wanted!r} is longer than a tag value may be",
                                  vendor=mapping.VENDOR, operation="TagResources")
        image_id, region = str(source["ImageId"]), str(source.get("region") or self.region)
        self._retag(region, image_id, {tag: wanted} if wanted else {}, [] if wanted else [tag])
        kept = [t for t in source.get("Tags") or [] if t.get("Key") != tag]
        source["Tags"] = [*kept, {"Key": tag, "Value": wanted}] if wanted else kept

    def _forget(self, request: CopyRequest, key: str, regions: Sequence[str]) -> None:
        """Drop regions from the source's sync record once their copies carry the identity tag."""
        try:
            source = self._source(request)
        except NotFound:
            return  # the record went with the source
        listed = mapping.intent_regions(source, key)
        if any(r in listed for r in regions):
            self._intend(source, key, [r for r in listed if r not in regions])

    def follow_copy_job(self, region: str, job_id: str) -> JobStatus:
        raise Unsupported("SyncImages has no jobs", vendor=mapping.VENDOR, operation="job")

    def label_copy(self, request: CopyRequest, region: str, image_id: str) -> None:
        """SyncImages set the name only: tag the copy (identity and the user's tags), describe it, clear the record.

        https://www.tencentcloud.com/document/api/651/46533 (TagResources) and
        https://www.tencentcloud.com/document/api/213/33269 (ModifyImageAttribute).
        """
        self._retag(region, image_id, dict(request.tags), [])
        if request.description:
            self._call("ModifyImageAttribute", {"ImageId": image_id, "ImageDescription": request.description}, region)
        key = str(request.tags.get(TAG_KEY) or "")
        if key:
            self._forget(request, key, [region])

    def find_copies(self, request: CopyRequest, regions: Sequence[str], identity: Identity) -> dict[str, list[ImageInfo]]:
        """Per region: images tagged with this key, and the image of the copy name where the source's record lists it.

        Regions whose copies already carry the tag are dropped from the record.
        """
        try:
            source: dict[str, Any] | None = self._source(request)
        except NotFound:
            source = None
        listed = mapping.intent_regions(source, identity.key) if source else []
        name = request.name or (str(source.get("ImageName") or "") if source else "")
        source_id = request.source_image_id
        out: dict[str, list[ImageInfo]] = {}
        tagged_regions: list[str] = []
        for region in regions:
            found = {str(raw["ImageId"]): raw for raw in self._tagged(region, identity.key)}
            if found:
                tagged_regions.append(region)
            if region in listed and name and source is not None:
                for raw in self._named(region, name):
                    if _ours(raw, identity.key, True, source):
                        found.setdefault(str(raw["ImageId"]), raw)
            found.pop(source_id, None)
            out[region] = [mapping.image_info(raw, region, as_copy=True) for raw in found.values()]
        if source is not None and any(r in listed for r in tagged_regions):
            self._intend(source, identity.key, [r for r in listed if r not in tagged_regions])
        return out

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        """https://cloud.tencent.com/document/api/213/15715 in each copy's region; SyncPercent is the progress."""
        return per_region(copies, lambda region, ids: self._describe(region, ids, as_copy=True))

    def update_copy(self, region: str, image_id: str, name: str | None, description: str | None,
                    tags: Mapping[str, str] | None) -> None:
        self._update(region, image_id, name, description, tags)

    def reconfigure_copies(self, copies: Mapping[str, str], entries: Mapping[str, Mapping[str, Any]]) -> list[str]:
        raise Unsupported("CVM copies have no per-region settings", vendor=mapping.VENDOR, operation="reconfigure")

    def cancel_copy(self, region: str, image_id: str) -> None:
        """SyncImages has no cancel and DeleteImages refuses a SYNCING image: the copy is deleted once it ends."""
        raise Unsupported(f"Tencent Cloud cannot cancel the sync of {image_id} in {region}; it is deleted once it ends",
                          vendor=mapping.VENDOR, operation="SyncImages", resource_id=image_id)

    def delete_copy(self, region: str, image_id: str) -> None:
        """https://cloud.tencent.com/document/api/213/15716 in the copy's region; its snapshots go too (the sync made them)."""
        self._delete(region, image_id, owned=True)


def _ours(raw: Mapping[str, Any], key: str, listed: bool, source: Mapping[str, Any]) -> bool:
    """Is this image (called by the copy name) this set's copy? See spec.py ("Copies") for why the rule holds."""
    if raw.get("ImageId") == source.get("ImageId"):
        return False
    tagged = mapping.tags_of(raw).get(TAG_KEY)
    if tagged:
        return bool(key) and tagged == key
    same = all(raw.get(f) == source.get(f) for f in ("OsName", "Architecture") if raw.get(f) and source.get(f))
    return listed and same
