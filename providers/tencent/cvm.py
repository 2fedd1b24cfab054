"""Tencent Cloud CVM images through tencentcloud-sdk-python-cvm (API 2017-03-12): capture, import, describe, sync, delete."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, NoReturn

from ..core.errors import (CloudError, Conflict, InvalidArgument, InvalidState, NotFound, OperationFailed,
                           ServiceUnavailable, Timeout)
from ..core.model import CaptureRequest, CopyRequest, ImageInfo, ImageStatus, ImportRequest, Scope, Target
from ..core.timeouts import COPY_DEFAULTS
from ..core.simclock import clock_for
from ..core.waiting import Done, Pending, PollResult, Waiter
from . import client, mapping

PAGE = 100  # DescribeImages: Limit at most 100, ImageIds at most 100
MAX_TAG_FILTERS = 9  # 10 Filters per request, one of them image-type
TAG_VERSION = "2018-08-13"  # the Tag and STS APIs
FIND_IMPORTED_SECONDS = 300.0  # how long an image ImportImage accepted may take to show in DescribeImages


def _tag_spec(tags: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"ResourceType": "image", "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}] if tags else []


class CvmAdapter:
    """One region of Tencent Cloud CVM; synced copies are addressed by (region, image id)."""

    def __init__(self, target: Target, waiter: Waiter | None = None) -> None:
        self.target = target
        self.region = target.region
        self.waiter = waiter or Waiter(clock=clock_for(target.profile))
        self.last_request_id = ""
        self._instances: dict[str, dict[str, Any]] = {}
        self._uin = ""

    def _call(self, action: str, params: dict[str, Any], region: str | None = None) -> dict[str, Any]:
        reply = client.call(self.target, region or self.region, action, params)
        self.last_request_id = str(reply.get("RequestId") or "")
        return reply

    # capture ---------------------------------------------------------------------
    def preflight_capture(self, request: CaptureRequest) -> list[str]:
        """https://cloud.tencent.com/document/api/213/15728 (DescribeInstances): warnings before CreateImage."""
        if not request.source.instance:
            return []  # snapshots are CBS objects: CreateImage itself checks them (system disk, region)
        inst = self._instance(request.source.instance)
        warnings = []
        windows = str(inst.get("OsName") or "").lower().startswith("windows")
        if windows and not request.sysprep:
            warnings.append("Windows image captured without Sysprep: instances made from it share the source's SID "
                            "and computer name (set sysprep=true to generalize it)")
        if not windows and request.sysprep:
            warnings.append("sysprep applies to Windows only; it is ignored for this Linux instance")
        if inst.get("InstanceState") == "RUNNING" and not request.force_poweroff:
            warnings.append("captured while the instance runs: data not yet flushed to disk may be missing "
                            "(force_poweroff=true shuts it down for the capture)")
        return warnings

    def _instance(self, instance_id: str) -> dict[str, Any]:
        if instance_id not in self._instances:
            reply = self._call("DescribeInstances", {"InstanceIds": [instance_id]})
            found = [i for i in reply.get("InstanceSet") or [] if i.get("InstanceId") == instance_id]
            if not found:
                raise NotFound(f"instance {instance_id} does not exist in {self.region}", vendor=mapping.VENDOR,
                               operation="DescribeInstances", request_id=self.last_request_id, resource_id=instance_id)
            self._instances[instance_id] = found[0]
        return self._instances[instance_id]

    def capture(self, request: CaptureRequest) -> str:
        """https://cloud.tencent.com/document/api/213/16726 (CreateImage); adopts our own image on a name clash."""
        params: dict[str, Any] = {"ImageName": request.name}
        tags = dict(request.tags)
        source = request.source
        if source.instance:
            params["InstanceId"] = source.instance
            params["ForcePoweroff"] = "true" if request.force_poweroff else "false"
            if request.sysprep:
                params["Sysprep"] = "true"
            disks = list(source.data_disks)
            if request.scope is Scope.SYSTEM_AND_DATA and not disks:
                disks = [d["DiskId"] for d in self._instance(source.instance).get("DataDisks") or []]
            if disks:
                params["DataDiskIds"] = disks
            tags[mapping.OWNS_SNAPSHOTS_TAG] = "true"
        else:
            ids = [source.snapshot, *source.snapshots, *source.data_snapshots]
            params["SnapshotIds"] = list(dict.fromkeys(i for i in ids if i))
            if not params["SnapshotIds"]:
                raise InvalidArgument("give source.instance or snapshots", vendor=mapping.VENDOR, operation="CreateImage")
        if request.description:
            params["ImageDescription"] = request.description
        if request.options.get("image_family"):
            params["ImageFamily"] = str(request.options["image_family"])
        if tags:
            params["TagSpecification"] = _tag_spec(tags)
        try:
            return str(self._call("CreateImage", params)["ImageId"])
        except Conflict as err:
            return self._adopt_or_explain(request.name, request.tags, err, "CreateImage")

    def _adopt_or_explain(self, name: str, tags: Mapping[str, str], err: Conflict, operation: str) -> str:
        """A name clash: our own image (a retried CreateImage/ImportImage) is adopted; another image's is explained."""
        if tags:
            for raw in self._named(name, tags):
                return str(raw["ImageId"])
        holders = [str(raw["ImageId"]) for raw in self._named(name, {})]
        raise Conflict(f"the image name {name!r} is taken in {self.region} by {', '.join(holders) or 'another image'}: "
                       "CVM image names are unique per region. Fix: choose a new name (a replacement with the same name "
                       "needs the old image deleted first: deleteBeforeReplace)", vendor=mapping.VENDOR,
                       operation=operation, code=err.code, request_id=err.request_id) from None

    def _named(self, name: str, tags: Mapping[str, str]) -> list[dict[str, Any]]:
        """Private images called exactly `name` (unique per region) that carry every tag in `tags`."""
        filters = [{"Name": "image-type", "Values": ["PRIVATE_IMAGE"]}, {"Name": "image-name", "Values": [name]}]
        filters += [{"Name": f"tag:{k}", "Values": [v]} for k, v in sorted(tags.items())[:MAX_TAG_FILTERS - 1]]
        out = []
        for raw in self._call("DescribeImages", {"Filters": filters, "Limit": PAGE}).get("ImageSet") or []:
            have = {t.get("Key"): t.get("Value") for t in raw.get("Tags") or []}
            if raw.get("ImageName") == name and all(have.get(k) == v for k, v in tags.items()):
                out.append(raw)
        return out

    # import ----------------------------------------------------------------------
    def import_image(self, request: ImportRequest) -> str:
        """https://cloud.tencent.com/document/api/213/15717 (ImportImage); a reply without ImageId is resolved by name and tag.

        The file: https://<bucket>.cos.<region>.myqcloud.com/<key> (bucket is the COS bucket with its APPID,
        e.g. golden-1250000000), or options.image_url as given (then object may be absent). The OS (mapping.import_os): os_type windows
        is OsType `platform` or "Windows Server <options.os_version>" with OsVersion "-"; os_type linux is
        OsType `platform` (the distribution: CentOS, Ubuntu...) with OsVersion options.os_version, or
        "Other Linux" with "-" when no platform is given. The pair is checked against DescribeImportImageOs
        first, so an OS the region does not import fails with the region's own list. architecture arm64 is
        Tencent's arm_64 (default x86_64); boot_mode BIOS is "Legacy BIOS"; options license_type (TencentCloud
        or BYOL), force and image_family pass through. Tencent reads the format from the file and takes no
        disk size. ImportImage has no idempotency token and its reply may omit ImageId: the image is found
        by its (unique) name and the imageforge-key tag, and a retry that meets the name adopts it.
        """
        params = mapping.import_params(request, self.region)
        self._check_import_os(params)
        try:
            reply = self._call("ImportImage", params)
        except Conflict as err:
            return self._adopt_or_explain(request.name, request.tags, err, "ImportImage")
        if reply.get("ImageId"):
            return str(reply["ImageId"])
        request_id = self.last_request_id
        image_id = self._find_imported(request, request_id)
        self.last_request_id = request_id  # the import's, for messages about it
        return image_id

    def _check_import_os(self, params: dict[str, Any]) -> None:
        """https://cloud.tencent.com/document/api/213/15718 (DescribeImportImageOs): the region's list, spelled its way."""
        reply = self._call("DescribeImportImageOs", {})
        os_type, code, problem = mapping.supported_os(reply, str(params["OsType"]), str(params["OsVersion"]))
        if problem:
            raise InvalidArgument(f"{problem} (the list DescribeImportImageOs gives in {self.region})", vendor=mapping.VENDOR,
                                  operation="ImportImage", code=code, request_id=self.last_request_id)
        params["OsType"] = os_type

    def _find_imported(self, request: ImportRequest, request_id: str) -> str:
        """The image an accepted ImportImage started, by its unique name and our tags (the reply named none)."""
        def attempt() -> PollResult[str]:
            for raw in self._named(request.name, request.tags):
                return Done(str(raw["ImageId"]))
            return Pending(None, "ImportImage named no image: looking it up by name and tag")

        try:
            return self.waiter.wait(f"image {request.name} started by ImportImage", attempt, FIND_IMPORTED_SECONDS)
        except Timeout:
            raise OperationFailed(f"ImportImage accepted {request.name!r} in {self.region} but no image of that name "
                                  f"appeared within {FIND_IMPORTED_SECONDS:.0f}s. It may still appear: run `pulumi up` "
                                  "again, which adopts it by its imageforge-key tag instead of importing twice",
                                  vendor=mapping.VENDOR, operation="ImportImage", request_id=request_id) from None

    # describe --------------------------------------------------------------------
    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """https://cloud.tencent.com/document/api/213/15715 (DescribeImages, up to 100 ids per call)."""
        return self._describe(self.region, image_ids, as_copy=False)

    def _describe(self, region: str, image_ids: Sequence[str], as_copy: bool) -> dict[str, ImageInfo]:
        out: dict[str, ImageInfo] = {}
        ids = list(dict.fromkeys(image_ids))
        for start in range(0, len(ids), PAGE):
            reply = self._call("DescribeImages", {"ImageIds": ids[start:start + PAGE], "Limit": PAGE}, region)
            for raw in reply.get("ImageSet") or []:
                out[str(raw["ImageId"])] = mapping.image_info(raw, region, as_copy)
        return out

    def find_images(self, tags: Mapping[str, str]) -> list[ImageInfo]:
        """https://cloud.tencent.com/document/api/213/15715 (DescribeImages by image-type and tag:<key>, all pages)."""
        pairs = sorted(tags.items())[:MAX_TAG_FILTERS]
        filters = [{"Name": "image-type", "Values": ["PRIVATE_IMAGE"]}]
        filters += [{"Name": f"tag:{k}", "Values": [v]} for k, v in pairs]
        out: list[ImageInfo] = []
        offset = 0
        while True:
            reply = self._call("DescribeImages", {"Filters": filters, "Offset": offset, "Limit": PAGE})
            batch = reply.get("ImageSet") or []
            for raw in batch:
                info = mapping.image_info(raw, self.region)
                if all(info.tags.get(k) == v for k, v in tags.items()):
                    out.append(info)
            offset += len(batch)
            if not batch or offset >= int(reply.get("TotalCount") or 0):
                return out

    # update ----------------------------------------------------------------------
    def update_image(self, image_id: str, name: str | None, description: str | None, tags: Mapping[str, str] | None) -> None:
        """https://www.tencentcloud.com/document/api/213/33269 (ModifyImageAttribute) and the Tag API for tags.

        `tags` is the user's full set: keys we manage (imageforge-*) are kept, other keys not listed are removed.
        """
        self._update(self.region, image_id, name, description, tags)

    def _update(self, region: str, image_id: str, name: str | None, description: str | None,
                tags: Mapping[str, str] | None) -> None:
        if name is not None or description is not None:
            params: dict[str, Any] = {"ImageId": image_id}
            if name is not None:
                params["ImageName"] = name
            if description is not None:
                params["ImageDescription"] = description
            self._call("ModifyImageAttribute", params, region)
        if tags is not None:
            self._retag(region, image_id, tags)

    def _retag(self, region: str, image_id: str, tags: Mapping[str, str]) -> None:
        """https://www.tencentcloud.com/document/api/651/46533 (TagResources; UnTagResources is its inverse)."""
        raw = self._describe(region, [image_id], as_copy=False).get(image_id)
        if raw is None:
            raise NotFound(f"image {image_id} does not exist in {region}", vendor=mapping.VENDOR,
                           operation="TagResources", resource_id=image_id)
        have = dict(raw.tags)
        add = {k: v for k, v in tags.items() if have.get(k) != v}
        drop = [k for k in have if k not in tags and not k.startswith("imageforge-")]
        if not add and not drop:
            return
        resource = [f"qcs::cvm:{region}:uin/{self._account(region)}:image/{image_id}"]
        calls: list[tuple[str, dict[str, Any]]] = []
        if add:
            calls.append(("TagResources", {"ResourceList": resource,
                                           "Tags": [{"TagKey": k, "TagValue": v} for k, v in sorted(add.items())]}))
        if drop:
            calls.append(("UnTagResources", {"ResourceList": resource, "TagKeys": sorted(drop)}))
        for action, params in calls:
            failed = self._common(region, "tag", action, params).get("FailedResources") or []
            if failed:
                raise OperationFailed(f"{action} refused {image_id}: {failed[0].get('Message', '')}", vendor=mapping.VENDOR,
                                      operation=action, code=str(failed[0].get("Code", "")),
                                      request_id=self.last_request_id, resource_id=image_id)

    def _account(self, region: str) -> str:
        """https://cloud.tencent.com/document/api/1312/66098 (GetCallerIdentity): the uin in resource names."""
        if not self._uin:
            self._uin = str(self._common(region, "sts", "GetCallerIdentity", {})["AccountId"])
        return self._uin

    def _common(self, region: str, service: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        reply = client.call_common(self.target, region, service, TAG_VERSION, action, params)
        self.last_request_id = str(reply.get("RequestId") or "")
        return reply

    # delete ----------------------------------------------------------------------
    def delete_image(self, image_id: str) -> None:
        """https://cloud.tencent.com/document/api/213/15716 (DeleteImages); NotFound when already gone.

        DeleteBindedSnap: true only for images captured from an instance (tagged imageforge-owns-snapshots),
        whose bound snapshots CreateImage made for the image and which would otherwise be left, billed,
        without an image. Images captured from snapshots are bound to the user's own snapshots, the
        source of this and maybe other images: those are never deleted (false).
        """
        self._delete(self.region, image_id, owned=None)

    def _delete(self, region: str, image_id: str, owned: bool | None) -> None:
        if owned is None:
            reply = self._call("DescribeImages", {"ImageIds": [image_id]}, region)
            found = reply.get("ImageSet") or []
            if not found:
                raise NotFound(f"image {image_id} does not exist in {region}", vendor=mapping.VENDOR,
                               operation="DeleteImages", code="InvalidImageId.NotFound",
                               request_id=self.last_request_id, resource_id=image_id)
            owned = mapping.owns_snapshots(found[0])
        self._call("DeleteImages", {"ImageIds": [image_id], "DeleteBindedSnap": owned}, region)

    # ImageCopier -------------------------------------------------------------------
    def copy_image(self, request: CopyRequest) -> dict[str, str]:
        """https://cloud.tencent.com/document/api/213/15711 (SyncImages): one call for every new region.

        Tencent syncs an image only while it is NORMAL (not CREATING, not already SYNCING), so this waits
        for the source first; ImageSetRequired returns each copy's id. Once the sync has started, nothing
        retryable leaves this method: a caller's retry would start a second sync.
        """
        regions = list(dict.fromkeys(request.regions))
        if not regions:
            return {}

        def attempt() -> PollResult[dict[str, str]]:
            source = self._describe(self.region, [request.source_image_id], as_copy=False).get(request.source_image_id)
            if source is None:
                raise NotFound(f"source image {request.source_image_id} does not exist in {self.region}",
                               vendor=mapping.VENDOR, operation="SyncImages", resource_id=request.source_image_id)
            if source.status is ImageStatus.FAILED:
                raise OperationFailed(f"source image {request.source_image_id} is {source.raw_status}; it cannot be synced",
                                      vendor=mapping.VENDOR, operation="SyncImages", code=source.raw_status)
            if source.raw_status != "NORMAL":
                return Pending(None, f"source image is {source.raw_status}: Tencent syncs a NORMAL image only")
            params: dict[str, Any] = {"ImageIds": [request.source_image_id], "DestinationRegions": regions,
                                      "ImageSetRequired": True}
            if request.name:
                params["ImageName"] = request.name
            try:
                reply = self._call("SyncImages", params)
            except InvalidState as err:  # another sync started in between
                return Pending(None, err.message)
            except ServiceUnavailable:  # the sync may have started before the reply was lost
                started = self._started_copies(request.name or source.name, regions)
                if not started:
                    raise  # nothing started: the waiter retries
                return Done(started)
            return Done({str(c["Region"]): str(c["ImageId"]) for c in reply.get("ImageSet") or []})

        copies = self.waiter.wait(f"start of sync of {request.source_image_id}", attempt, COPY_DEFAULTS.create)
        missing = [r for r in regions if r not in copies]
        if missing:
            self._fail_after_start(f"SyncImages returned no image for {', '.join(missing)}", copies)
        self._label_copies(request, copies)
        return copies

    def _started_copies(self, name: str, regions: Sequence[str]) -> dict[str, str]:
        """Copies a sync whose reply was lost started: SYNCING images of that name in each destination."""
        found: dict[str, str] = {}
        for region in regions:
            filters = [{"Name": "image-type", "Values": ["PRIVATE_IMAGE"]}, {"Name": "image-name", "Values": [name]}]
            reply = self.waiter.call("find started copy", partial(
                self._call, "DescribeImages", {"Filters": filters, "Limit": PAGE}, region))
            syncing = [i for i in reply.get("ImageSet") or [] if i.get("ImageName") == name and i.get("ImageState") == "SYNCING"]
            if len(syncing) == 1:
                found[region] = str(syncing[0]["ImageId"])
        return found

    def _label_copies(self, request: CopyRequest, copies: Mapping[str, str]) -> None:
        """SyncImages takes a name but no description or tags: set those on each copy afterwards."""
        for region, image_id in copies.items():
            try:
                if request.description:
                    self.waiter.call(f"describe copy in {region}", partial(
                        self._call, "ModifyImageAttribute", {"ImageId": image_id, "ImageDescription": request.description},
                        region))
                if request.tags:
                    self.waiter.call(f"tag copy in {region}", partial(self._retag, region, image_id, request.tags))
            except CloudError as err:
                self._fail_after_start(f"labelling the copy {image_id} in {region} failed: {err}", copies)

    def _fail_after_start(self, message: str, copies: Mapping[str, str]) -> NoReturn:
        """A final, non-retryable error that names the copies already started, so the caller removes them."""
        err = OperationFailed(message, vendor=mapping.VENDOR, operation="SyncImages", request_id=self.last_request_id)
        err.partial = dict(copies)  # type: ignore[attr-defined]
        raise err

    def find_copies(self, regions: Sequence[str], tags: Mapping[str, str]) -> dict[str, str]:
        """Copies an interrupted run started and tagged with the set's key, by region."""
        found: dict[str, str] = {}
        for region in regions:
            regional = CvmAdapter(Target(self.target.cloud, self.target.service, region, self.target.profile), self.waiter)
            for info in regional.find_images(tags):
                if info.status in (ImageStatus.CREATING, ImageStatus.AVAILABLE):
                    found[region] = info.image_id
                    break
        return found

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        """https://cloud.tencent.com/document/api/213/15715 (DescribeImages per destination); SyncPercent is progress."""
        out: dict[str, ImageInfo] = {}
        for region, image_id in copies.items():  # one copy per region
            found = self._describe(region, [image_id], as_copy=True)
            if image_id in found:
                out[region] = found[image_id]
        return out

    def cancel_copy(self, region: str, image_id: str) -> None:
        """https://cloud.tencent.com/document/api/213/15711 has no cancel, DeleteImages refuses SYNCING: wait, then delete."""
        raise InvalidState(f"the copy {image_id} in {region} is still syncing; Tencent Cloud cannot cancel a sync, "
                           "so it is deleted as soon as it finishes", vendor=mapping.VENDOR, operation="SyncImages",
                           resource_id=image_id)

    def delete_copy(self, region: str, image_id: str) -> None:
        """https://cloud.tencent.com/document/api/213/15716 in the copy's region; its snapshots go too (the sync made them)."""
        self._delete(region, image_id, owned=True)
