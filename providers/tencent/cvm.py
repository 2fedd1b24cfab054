"""Tencent Cloud CVM images through tencentcloud-sdk-python-cvm (API 2017-03-12): capture, import, describe, sync, delete.

Single calls only: the resources wait. CreateImage and ImportImage carry the imageforge-key tag in
their own TagSpecification, which is how a re-run finds what an earlier one started; copies are
recognised as sync.py describes.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import Conflict, InvalidArgument, InvalidState, NotFound, Unsupported
from ..core.model import (TAG_KEY, CaptureRequest, Identity, ImageInfo, ImportRequest, JobStatus, Scope, Started,
                          Target)
from . import mapping
from .share import CvmSharer
from .families import CvmFamilies
from .sync import CvmCopier
from .vms import CvmVmOperations
from .build import CvmBuilder

WINDOWS_PREFIX = "windows"


def _tag_spec(tags: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"ResourceType": "image", "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}] if tags else []


class CvmAdapter(CvmCopier, CvmSharer, CvmVmOperations, CvmBuilder, CvmFamilies):
    """One region of Tencent Cloud CVM: ImageAdapter, ImageImporter, ImageCopier (CvmCopier), ImageSharer
    (CvmSharer), VmGeneralizer (CvmVmOperations), VmBuilder (CvmBuilder) and FamilyKeeper (CvmFamilies).

    CvmFamilies comes last: its `_call` is only a placeholder for CvmBase's, which must come first."""

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self._instances: dict[str, dict[str, Any]] = {}
        self._os_spelling: dict[tuple[str, str], str] = {}  # (OsType, OsVersion) -> the region's own spelling

    # capture ---------------------------------------------------------------------
    def prepare_capture(self, request: CaptureRequest) -> list[str]:
        """https://cloud.tencent.com/document/api/213/15728 (DescribeInstances): refuse what would not hold, warn.

        Snapshots are CBS objects: CreateImage itself checks them (a system disk, the region).
        """
        if not request.source.instance:
            return []
        inst = self._instance(request.source.instance)
        os_name = str(inst.get("OsName") or "")
        windows = os_name.lower().startswith(WINDOWS_PREFIX)
        if request.sysprep and not windows:
            raise InvalidArgument(f"sysprep: Sysprep runs on Windows, and instance {request.source.instance} runs "
                                  f"{os_name or 'Linux'}. Fix: remove sysprep", vendor=mapping.VENDOR,
                                  operation="CreateImage", resource_id=request.source.instance)
        if request.scope is Scope.SYSTEM_AND_DATA and not request.source.data_disks and not inst.get("DataDisks"):
            raise InvalidArgument(f"scope 'system+data': instance {request.source.instance} has no data disk. Fix: set "
                                  "scope 'system'", vendor=mapping.VENDOR, operation="CreateImage",
                                  resource_id=request.source.instance)
        generalized = request.source_facts.get("os_state") == "Generalized"
        if generalized and inst.get("InstanceState") != "STOPPED":
            raise InvalidState(f"instance {request.source.instance} is {inst.get('InstanceState')}, yet source.os_state "
                               "says Generalized: an instance started after its guest was generalized has set itself "
                               "up again (a new machine-id and host keys, or Windows' out-of-box setup). Fix: replace "
                               "its GeneralizedVM, or capture it as Specialized", vendor=mapping.VENDOR,
                               operation="CreateImage", resource_id=request.source.instance)
        warnings = []
        if windows and not request.sysprep and not generalized:
            warnings.append("Windows image captured without Sysprep: instances made from it share the source's SID "
                            "and computer name (set sysprep=true to generalize it)")
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
                               operation="DescribeInstances", request_id=str(reply.get("RequestId") or ""),
                               resource_id=instance_id)
            self._instances[instance_id] = found[0]
        return self._instances[instance_id]

    def start_capture(self, request: CaptureRequest) -> Started:
        """https://cloud.tencent.com/document/api/213/16726 (CreateImage, tags in TagSpecification).

        From an instance: InstanceId, ForcePoweroff, Sysprep and DataDiskIds (scope 'system+data' without
        source.data_disks takes every data disk of the instance); the image is tagged as owning its
        snapshots (CreateImage made them). From snapshots: SnapshotIds, system disk first.
        """
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
                disks = [str(d["DiskId"]) for d in self._instance(source.instance).get("DataDisks") or []]
            if disks:
                params["DataDiskIds"] = disks
            tags[mapping.OWNS_SNAPSHOTS_TAG] = "true"
        else:
            ids = [source.snapshot, *source.snapshots, *source.data_snapshots]
            params["SnapshotIds"] = list(dict.fromkeys(i for i in ids if i))
        if request.description:
            params["ImageDescription"] = request.description
        if request.options.get("image_family"):
            params["ImageFamily"] = str(request.options["image_family"])
        if tags:
            params["TagSpecification"] = _tag_spec(tags)
        try:
            reply = self._call("CreateImage", params)
        except Conflict as err:
            return self._clash(request.name, request.tags, err)
        return Started(image_id=str(reply["ImageId"]), request_id=str(reply.get("RequestId") or ""))

    def _clash(self, name: str, tags: Mapping[str, str], err: Conflict) -> Started:
        """The name is taken: by our own image (a start whose reply was lost, not yet listed when the lifecycle
        looked), which is adopted, or by another image, which is a Conflict naming it."""
        key = tags.get(TAG_KEY)
        holders = self._named(self.region, name)
        for raw in holders:
            if key and mapping.tags_of(raw).get(TAG_KEY) == key:
                return Started(image_id=str(raw["ImageId"]), request_id=err.request_id)
        holder = str(holders[0]["ImageId"]) if holders else "another image"
        raise Conflict(f"the image name {name!r} is taken in {self.region} by {holder}: CVM image names are unique per "
                       f"region. Fix: choose another name, or delete {holder} if it is not needed",
                       vendor=mapping.VENDOR, operation=err.operation, code=err.code, request_id=err.request_id,
                       resource_id=holder if holders else "") from None

    def follow_job(self, job_id: str) -> JobStatus:
        raise Unsupported("CVM image operations have no jobs", vendor=mapping.VENDOR, operation="job")

    # import ----------------------------------------------------------------------
    def prepare_import(self, request: ImportRequest) -> list[str]:
        """https://cloud.tencent.com/document/api/213/15718 (DescribeImportImageOs): the region imports this OS.

        An OS the region does not import fails here with the region's own list, before ImportImage.
        """
        params = mapping.import_params(request, self.region)
        reply = self._call("DescribeImportImageOs", {})
        os_type, code, problem = mapping.supported_os(reply, str(params["OsType"]), str(params["OsVersion"]))
        if problem:
            raise InvalidArgument(f"{problem} (the list DescribeImportImageOs gives in {self.region})",
                                  vendor=mapping.VENDOR, operation="ImportImage", code=code,
                                  request_id=str(reply.get("RequestId") or ""))
        self._os_spelling[(str(params["OsType"]), str(params["OsVersion"]))] = os_type
        return []

    def start_import(self, request: ImportRequest) -> Started:
        """https://cloud.tencent.com/document/api/213/15717 (ImportImage, tags in TagSpecification).

        The file: https://<bucket>.cos.<region>.myqcloud.com/<key> (bucket with its APPID), or
        options.image_url as given. The OS (mapping.import_os): windows is OsType `platform` or
        "Windows Server <options.os_version>" with OsVersion "-"; linux is OsType `platform` with
        OsVersion options.os_version, or "Other Linux". architecture arm64 is Tencent's arm_64; boot_mode
        BIOS is "Legacy BIOS"; options license_type, force and image_family pass through. Tencent reads
        the format and the size from the file. The reply may name no ImageId: Started() then names
        nothing and the lifecycle finds the image by its imageforge-key tag.
        """
        params = mapping.import_params(request, self.region)
        spelled = self._os_spelling.get((str(params["OsType"]), str(params["OsVersion"])))
        if spelled:
            params["OsType"] = spelled
        try:
            reply = self._call("ImportImage", params)
        except Conflict as err:
            return self._clash(request.name, request.tags, err)
        return Started(image_id=str(reply.get("ImageId") or ""), request_id=str(reply.get("RequestId") or ""))

    # describe / find / update / delete -----------------------------------------------
    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """https://cloud.tencent.com/document/api/213/15715 (DescribeImages, up to 100 ids per call)."""
        return self._describe(self.region, image_ids, as_copy=False)

    def find_images(self, identity: Identity) -> list[ImageInfo]:
        """https://cloud.tencent.com/document/api/213/15715 (DescribeImages by image-type and tag:imageforge-key)."""
        return [mapping.image_info(raw, self.region) for raw in self._tagged(self.region, identity.key)]

    def update_image(self, image_id: str, name: str | None, description: str | None,
                     tags: Mapping[str, str] | None) -> None:
        """https://www.tencentcloud.com/document/api/213/33269 (ModifyImageAttribute) and the Tag API."""
        self._update(self.region, image_id, name, description, tags)

    def delete_image(self, image_id: str) -> None:
        """https://cloud.tencent.com/document/api/213/15716 (DeleteImages); NotFound when already gone.

        DeleteBindedSnap is true only for images tagged imageforge-owns-snapshots (captured from an
        instance, or imported): their snapshots were made for the image and would otherwise be left,
        billed, without it. An image captured from snapshots is bound to the user's own snapshots,
        the source of this and maybe other images: those are never deleted.
        """
        self._delete(self.region, image_id, owned=None)
