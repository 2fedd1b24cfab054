"""Alibaba ECS images through aliyun-python-sdk-ecs (API 2014-05-26): capture, import, describe, copy, delete.

Guest preparation (Cloud Assistant, StopInstance) is the VmGeneralizer half in ecs_vms.py.

Single calls only: the resources wait. Every image this makes carries the imageforge-key tag from
the creating call itself (CreateImage, ImportImage and CopyImage take Tag.N), which is how a re-run
finds it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.copies import per_region
from ..core.errors import CloudError, InvalidArgument, InvalidState, Unsupported
from ..core.model import (TAG_KEY, CaptureRequest, CopyRequest, Identity, ImageInfo, ImportRequest, JobStatus, Started,
                          Target)
from ..core.protocol import CopyStart
from . import acs, ecs_mapping as mapping
from .ecs_vms import EcsVmOperations
from .ecs_build import EcsBuilds
from .ecs_family import EcsFamilies

PAGE = 100  # DescribeImages: PageSize at most 100, ImageId at most 100 ids


def _req(name: str) -> Any:
    """Instantiate `aliyunsdkecs.request.v20140526.<name>Request` (imported on first use)."""
    import importlib

    module = importlib.import_module(f"aliyunsdkecs.request.v20140526.{name}Request")
    return getattr(module, f"{name}Request")()


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _set(req: Any, **values: Any) -> None:
    """Call req.set_<Name>(value) for every value given (None and "" mean not given)."""
    for name, value in values.items():
        if value not in (None, ""):
            getattr(req, f"set_{name}")(value)


class EcsAdapter(EcsVmOperations, EcsFamilies, EcsBuilds):
    """One region of Alibaba ECS; copies address other regions by id."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.region = target.region

    def _call(self, request: Any, operation: str, region: str | None = None) -> dict[str, Any]:
        return acs.call(self.target, region or self.region, request, operation, mapping.TABLE)

    # ImageAdapter ---------------------------------------------------------------
    def prepare_capture(self, request: CaptureRequest) -> list[str]:
        """CreateImage itself refuses a source in the wrong state; a stated source.os_state is checked first.

        An instance reads as Generalized while it carries GeneralizedVM's mark and stays Stopped (ecs_vms.py).
        """
        stated = request.source_facts.get("os_state")
        if not stated or not request.source.instance:
            return []
        vm = self.get_vm(request.source.instance)
        if stated == "Generalized" and not vm.generalized:
            raise InvalidState(f"source.os_state says Generalized but instance {vm.vm_id} is not (it is "
                               f"{vm.power_state} and was not generalized by a GeneralizedVM): generalize it first, "
                               "or remove source.os_state", vendor="alibaba-ecs", operation="capture",
                               resource_id=vm.vm_id)
        if stated == "Specialized" and vm.generalized:
            raise InvalidArgument(f"source.os_state says Specialized but instance {vm.vm_id} is generalized: set "
                                  "source.os_state to Generalized", vendor="alibaba-ecs", operation="capture",
                                  resource_id=vm.vm_id)
        return []

    def start_capture(self, request: CaptureRequest) -> Started:
        """https://www.alibabacloud.com/help/en/ecs/api-createimage"""
        req = _req("CreateImage")
        opts = request.options
        _set(req, InstanceId=request.source.instance, SnapshotId=None if request.source.instance else request.source.snapshot,
             ImageName=request.name, Description=request.description, ClientToken=request.client_token[:64],
             Architecture=request.architecture, ImageFamily=opts.get("image_family"),
             ImageVersion=opts.get("image_version"), ResourceGroupId=opts.get("resource_group_id"),
             BootMode=opts.get("boot_mode"), DetectionStrategy=opts.get("detection_strategy"))
        if request.tags:
            req.set_Tags(_tag_list(request.tags))
        reply = self._call(req, "CreateImage")
        return Started(image_id=str(reply["ImageId"]), request_id=str(reply.get("RequestId", "")))

    def prepare_import(self, request: ImportRequest) -> list[str]:
        return []

    def start_import(self, request: ImportRequest) -> Started:
        """https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-importimage"""
        req = _req("ImportImage")
        disk = {"OSSBucket": request.bucket, "OSSObject": request.key, "Format": request.format.upper()}
        if request.disk_size_gb:
            disk["DiskImageSize"] = str(request.disk_size_gb)
        req.set_DiskDeviceMappings([disk])
        opts = request.options
        _set(req, ImageName=request.name, OSType=request.os_type, Description=request.description,
             Platform=request.platform, Architecture=request.architecture, BootMode=request.boot_mode,
             ClientToken=request.client_token[:64], LicenseType=opts.get("license_type"),
             DetectionStrategy=opts.get("detection_strategy"), ResourceGroupId=opts.get("resource_group_id"),
             RoleName=opts.get("role_name"))
        if request.tags:
            req.set_Tags(_tag_list(request.tags))
        reply = self._call(req, "ImportImage")
        return Started(image_id=str(reply["ImageId"]), request_id=str(reply.get("RequestId", "")))

    def follow_job(self, job_id: str) -> JobStatus:
        raise Unsupported("ECS image operations have no jobs", vendor="alibaba-ecs", operation="job")

    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """https://www.alibabacloud.com/help/en/ecs/api-describeimages (one call for up to 100 ids)."""
        return self._describe(self.region, image_ids)

    def _describe(self, region: str, image_ids: Sequence[str], tags: Mapping[str, str] | None = None) -> dict[str, ImageInfo]:
        out: dict[str, ImageInfo] = {}
        ids = list(dict.fromkeys(i for i in image_ids if i))
        if not ids and not tags:
            return out
        for start in range(0, max(len(ids), 1), PAGE):
            page = 1
            while True:
                req = _req("DescribeImages")
                _set(req, ImageId=",".join(ids[start:start + PAGE]))
                if tags:
                    req.set_Tags(_tag_list(tags))
                _set(req, Status=mapping.ALL_STATUSES, ImageOwnerAlias="self", PageSize=PAGE, PageNumber=page)
                reply = self._call(req, "DescribeImages", region)
                batch = reply.get("Images", {}).get("Image", [])
                for raw in batch:
                    info = _info(raw, region)
                    out[info.image_id] = info
                if ids or page * PAGE >= int(reply.get("TotalCount") or 0) or not batch:
                    break
                page += 1
        return out

    def find_images(self, identity: Identity) -> list[ImageInfo]:
        """DescribeImages filtered by the imageforge-key tag, in every state."""
        return list(self._describe(self.region, [], identity.tags).values())

    def update_image(self, image_id: str, name: str | None, description: str | None,
                     tags: Mapping[str, str] | None) -> None:
        self._update(self.region, image_id, name, description, tags)

    def _update(self, region: str, image_id: str, name: str | None, description: str | None,
                tags: Mapping[str, str] | None) -> None:
        """https://www.alibabacloud.com/help/en/ecs/api-modifyimageattribute, TagResources and UntagResources.

        `tags` is the user's whole set: keys not listed are removed, imageforge's own are kept.
        """
        if name is not None or description is not None:
            req = _req("ModifyImageAttribute")
            _set(req, ImageId=image_id, ImageName=name, Description=description)
            self._call(req, "ModifyImageAttribute", region)
        if tags is None:
            return
        current = self._describe(region, [image_id]).get(image_id)
        have = dict(current.tags) if current is not None else {}
        drop = sorted(k for k in have if k not in tags and not k.startswith("imageforge-"))
        if drop:
            req = _req("UntagResources")
            _set(req, ResourceType="image", ResourceIds=[image_id], TagKeys=drop)
            self._call(req, "UntagResources", region)
        add = {k: v for k, v in tags.items() if have.get(k) != v}
        if add:
            req = _req("TagResources")
            _set(req, ResourceType="image", ResourceIds=[image_id])
            req.set_Tags(_tag_list(add))
            self._call(req, "TagResources", region)

    def delete_image(self, image_id: str) -> None:
        """https://www.alibabacloud.com/help/en/ecs/api-deleteimage (an unknown id is ignored by ECS)."""
        self._delete(self.region, image_id)

    def _delete(self, region: str, image_id: str) -> None:
        req = _req("DeleteImage")
        _set(req, ImageId=image_id)
        req.set_Force(False)
        self._call(req, "DeleteImage", region)

    # ImageCopier -------------------------------------------------------------------
    def start_copies(self, request: CopyRequest, regions: Sequence[str]) -> dict[str, CopyStart]:
        """https://www.alibabacloud.com/help/en/ecs/api-copyimage, one call per destination region.

        The tags (with the identity) ride on CopyImage itself; the ClientToken makes a retried call
        after a lost reply return the same copy.
        """
        out: dict[str, CopyStart] = {}
        for region in regions:
            req = _req("CopyImage")
            opts = request.options
            _set(req, ImageId=request.source_image_id, DestinationRegionId=region,
                 DestinationImageName=request.name, DestinationDescription=request.description,
                 ClientToken=f"{request.client_token[:40]}-{region}"[:64], KMSKeyId=opts.get("kms_key_id"),
                 ResourceGroupId=opts.get("resource_group_id"))
            if request.encrypted:
                req.set_Encrypted(True)
            if request.tags:
                req.set_Tags(_tag_list(request.tags))
            try:
                reply = self._call(req, "CopyImage")
            except CloudError as err:
                out[region] = err
                continue
            out[region] = Started(image_id=str(reply["ImageId"]), request_id=str(reply.get("RequestId", "")))
        return out

    def follow_copy_job(self, region: str, job_id: str) -> JobStatus:
        raise Unsupported("ECS copies have no jobs", vendor="alibaba-ecs", operation="job")

    def label_copy(self, request: CopyRequest, region: str, image_id: str) -> None:
        """Nothing: CopyImage carried the name, the description and the tags."""

    def find_copies(self, request: CopyRequest, regions: Sequence[str], identity: Identity) -> dict[str, list[ImageInfo]]:
        """Copies carrying this identity's tag, per destination region, in every state."""
        return {region: list(self._describe(region, [], identity.tags).values()) for region in regions}

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        return per_region(copies, self._describe)

    def update_copy(self, region: str, image_id: str, name: str | None, description: str | None,
                    tags: Mapping[str, str] | None) -> None:
        self._update(region, image_id, name, description, tags)

    def reconfigure_copies(self, copies: Mapping[str, str], entries: Mapping[str, Mapping[str, Any]]) -> list[str]:
        raise Unsupported("ECS copies have no per-region settings", vendor="alibaba-ecs", operation="reconfigure")

    def cancel_copy(self, region: str, image_id: str) -> None:
        """https://www.alibabacloud.com/help/en/ecs/api-cancelcopyimage (the copy is deleted)."""
        req = _req("CancelCopyImage")
        _set(req, ImageId=image_id)
        self._call(req, "CancelCopyImage", region)

    def delete_copy(self, region: str, image_id: str) -> None:
        self._delete(region, image_id)

    # ImageSharer -------------------------------------------------------------------
    def shared_with(self, region: str, image_id: str) -> set[str]:
        """https://www.alibabacloud.com/help/en/ecs/api-describeimagesharepermission (paged, 100 a page)."""
        out: set[str] = set()
        page = 1
        while True:
            req = _req("DescribeImageSharePermission")
            _set(req, ImageId=image_id, PageSize=PAGE, PageNumber=page)
            reply = self._call(req, "DescribeImageSharePermission", region)
            batch = (reply.get("Accounts") or {}).get("Account", [])
            out.update(str(a.get("AliyunId", "")) for a in batch if a.get("AliyunId"))
            if not batch or page * PAGE >= int(reply.get("TotalCount") or 0):
                return out
            page += 1

    def share(self, region: str, image_id: str, add: Sequence[str], remove: Sequence[str]) -> None:
        """https://www.alibabacloud.com/help/en/ecs/api-modifyimagesharepermission: AddAccount.N and
        RemoveAccount.N, at most 10 each (ECS ignores the rest, so the caller sends 10 at a time)."""
        req = _req("ModifyImageSharePermission")
        _set(req, ImageId=image_id)
        if add:
            req.set_AddAccounts(list(add))
        if remove:
            req.set_RemoveAccounts(list(remove))
        self._call(req, "ModifyImageSharePermission", region)


def _info(raw: Mapping[str, Any], region: str) -> ImageInfo:
    status = str(raw.get("Status", ""))
    tags = {t.get("TagKey", ""): t.get("TagValue", "") for t in (raw.get("Tags") or {}).get("Tag", [])}
    return ImageInfo(
        image_id=str(raw.get("ImageId", "")), region=region, status=mapping.image_status(status),
        name=str(raw.get("ImageName", "")), description=str(raw.get("Description", "")),
        progress=mapping.progress(raw.get("Progress", "")), raw_status=status,
        size_gb=int(raw["Size"]) if str(raw.get("Size", "")).isdigit() else None,
        os_type=str(raw.get("OSType", "")), platform=str(raw.get("Platform", "")),
        architecture=str(raw.get("Architecture", "")), created=str(raw.get("CreationTime", "")),
        tags=tags, copying=bool(raw.get("IsCopied")) and status == "Creating",
        encrypted=bool(raw.get("IsEncrypted")) if "IsEncrypted" in raw else None,
        failure="the image ended CreateFailed" if status == "CreateFailed" else "",
    )


__all__ = ["EcsAdapter", "TAG_KEY"]
