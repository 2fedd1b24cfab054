"""Alibaba ECS images through aliyun-python-sdk-ecs (API 2014-05-26): capture, describe, copy, delete."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import CloudError
from ..core.model import CaptureRequest, CopyRequest, ImageInfo, ImageStatus, ImportRequest, Target
from ..core.waiting import Waiter
from . import acs, ecs_mapping as mapping


def _req(name: str) -> Any:
    """Instantiate `aliyunsdkecs.request.v20140526.<name>Request` (imported on first use)."""
    import importlib

    module = importlib.import_module(f"aliyunsdkecs.request.v20140526.{name}Request")
    return getattr(module, f"{name}Request")()


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


class EcsAdapter:
    """One region of Alibaba ECS; copies address other regions by id."""

    def __init__(self, target: Target, waiter: Waiter | None = None) -> None:
        self.target = target
        self.region = target.region
        self.last_request_id = ""

    def _call(self, request: Any, operation: str, region: str | None = None) -> dict[str, Any]:
        return acs.call(self.target, region or self.region, request, operation, mapping.error_class)

    # ImageAdapter ---------------------------------------------------------------
    def capture(self, request: CaptureRequest) -> str:
        """https://www.alibabacloud.com/help/en/ecs/api-createimage"""
        req = _req("CreateImage")
        if request.source.instance:
            req.set_InstanceId(request.source.instance)
        else:
            req.set_SnapshotId(request.source.snapshot)
        req.set_ImageName(request.name)
        if request.description:
            req.set_Description(request.description)
        if request.client_token:
            req.set_ClientToken(request.client_token[:64])
        if request.tags:
            req.set_Tags(_tag_list(request.tags))
        if request.options.get("architecture"):
            req.set_Architecture(str(request.options["architecture"]))
        reply = self._call(req, "CreateImage")
        self.last_request_id = str(reply.get("RequestId", ""))
        return str(reply["ImageId"])

    def import_image(self, request: ImportRequest) -> str:
        """https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-importimage"""
        req = _req("ImportImage")
        mapping_ = {"OSSBucket": request.bucket, "OSSObject": request.key, "Format": request.format.upper()}
        if request.disk_size_gb:
            mapping_["DiskImageSize"] = str(request.disk_size_gb)
        req.set_DiskDeviceMappings([mapping_])
        req.set_ImageName(request.name)
        req.set_OSType(request.os_type)
        for setter, value in ((req.set_Description, request.description), (req.set_Platform, request.platform),
                              (req.set_Architecture, request.architecture), (req.set_BootMode, request.boot_mode),
                              (req.set_ClientToken, request.client_token[:64])):
            if value:
                setter(value)
        if request.tags:
            req.set_Tags(_tag_list(request.tags))
        reply = self._call(req, "ImportImage")
        self.last_request_id = str(reply.get("RequestId", ""))
        return str(reply["ImageId"])

    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """https://www.alibabacloud.com/help/en/ecs/api-describeimages (one call for up to 100 ids)."""
        return self._describe(self.region, image_ids)

    def _describe(self, region: str, image_ids: Sequence[str], tags: Mapping[str, str] | None = None) -> dict[str, ImageInfo]:
        out: dict[str, ImageInfo] = {}
        ids = list(image_ids)
        for start in range(0, max(len(ids), 1), 100):
            req = _req("DescribeImages")
            if ids:
                req.set_ImageId(",".join(ids[start:start + 100]))
            if tags:
                req.set_Tags(_tag_list(tags))
            req.set_Status(mapping.ALL_STATUSES)
            req.set_ImageOwnerAlias("self")
            req.set_PageSize(100)
            reply = self._call(req, "DescribeImages", region)
            for raw in reply.get("Images", {}).get("Image", []):
                info = _info(raw, region)
                out[info.image_id] = info
        return out

    def find_images(self, tags: Mapping[str, str]) -> list[ImageInfo]:
        """DescribeImages filtered by tag, in every state."""
        return list(self._describe(self.region, [], tags).values())

    def update_image(self, image_id: str, name: str | None, description: str | None, tags: Mapping[str, str] | None) -> None:
        """https://www.alibabacloud.com/help/en/ecs/api-modifyimageattribute and TagResources."""
        if name is not None or description is not None:
            req = _req("ModifyImageAttribute")
            req.set_ImageId(image_id)
            if name is not None:
                req.set_ImageName(name)
            if description is not None:
                req.set_Description(description)
            self._call(req, "ModifyImageAttribute")
        if tags:
            req = _req("TagResources")
            req.set_ResourceType("image")
            req.set_ResourceIds([image_id])
            req.set_Tags(_tag_list(tags))
            self._call(req, "TagResources")

    def delete_image(self, image_id: str) -> None:
        """https://www.alibabacloud.com/help/en/ecs/api-deleteimage (an unknown id is ignored by ECS)."""
        self._delete(self.region, image_id)

    def _delete(self, region: str, image_id: str) -> None:
        req = _req("DeleteImage")
        req.set_ImageId(image_id)
        req.set_Force(False)
        self._call(req, "DeleteImage", region)

    # ImageCopier -------------------------------------------------------------------
    def copy_image(self, request: CopyRequest) -> dict[str, str]:
        """https://www.alibabacloud.com/help/en/ecs/api-copyimage, one call per destination region.

        When a region fails to start, the error carries `partial` (region -> id) so the caller
        can remove the copies that did start.
        """
        started: dict[str, str] = {}
        for region in request.regions:
            req = _req("CopyImage")
            req.set_ImageId(request.source_image_id)
            req.set_DestinationRegionId(region)
            if request.name:
                req.set_DestinationImageName(request.name)
            if request.description:
                req.set_DestinationDescription(request.description)
            if request.tags:
                req.set_Tags(_tag_list(request.tags))
            if request.client_token:
                req.set_ClientToken(f"{request.client_token[:40]}-{region}"[:64])
            try:
                started[region] = str(self._call(req, "CopyImage")["ImageId"])
            except CloudError as err:
                err.partial = dict(started)  # type: ignore[attr-defined]
                err.message = f"copy to {region} failed to start: {err.message}"
                err.args = (err._render(),)
                raise
        return started

    def find_copies(self, regions: Sequence[str], tags: Mapping[str, str]) -> dict[str, str]:
        """Copies an interrupted run started (tagged with the set's key, Creating or Available), by region."""
        found: dict[str, str] = {}
        for region in regions:
            for info in self._describe(region, [], tags).values():
                if info.status in (ImageStatus.CREATING, ImageStatus.AVAILABLE):
                    found[region] = info.image_id
                    break
        return found

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        out: dict[str, ImageInfo] = {}
        for region, image_id in copies.items():
            found = self._describe(region, [image_id])
            if image_id in found:
                out[region] = found[image_id]
        return out

    def cancel_copy(self, region: str, image_id: str) -> None:
        """https://www.alibabacloud.com/help/en/ecs/api-cancelcopyimage (the copy is deleted)."""
        req = _req("CancelCopyImage")
        req.set_ImageId(image_id)
        self._call(req, "CancelCopyImage", region)

    def delete_copy(self, region: str, image_id: str) -> None:
        self._delete(region, image_id)


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
        failure="the image ended CreateFailed" if status == "CreateFailed" else "",
    )
