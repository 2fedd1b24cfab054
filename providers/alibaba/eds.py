"""Alibaba EDS custom images through alibabacloud-ecd20200930 (API 2020-09-30): capture, copy, delete."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..core.errors import CloudError, NotFound, UserInputError
from ..core.model import CaptureRequest, CopyRequest, ImageInfo, ImageStatus, Scope, Target, VmInfo
from ..core.waiting import Waiter
from . import eds_client, eds_mapping as mapping

PAGE = 100
OWN_TAG_PREFIX = "imageforge"  # the resources' own bookkeeping tags, not the user's


def _models() -> Any:
    from alibabacloud_ecd20200930 import models

    return models


class EdsAdapter:
    """One region of Elastic Desktop Service; copies address other regions by id.

    EDS images carry no tags and CreateImage takes no idempotency token, so `find_images` finds
    nothing to adopt; `last_request_id` keeps the id of the latest call for error reports.
    """

    def __init__(self, target: Target, waiter: Waiter | None = None) -> None:
        self.target = target
        self.region = target.region
        self.last_request_id = ""
        self._checked: CaptureRequest | None = None

    def _call(self, operation: str, fn: Any, region: str | None = None) -> Any:
        try:
            body = eds_client.call(self.target, region or self.region, operation, lambda c: fn(c).body)
        except CloudError as err:
            self.last_request_id = err.request_id or self.last_request_id
            raise
        self.last_request_id = str(getattr(body, "request_id", "") or "")
        return body

    # cloud computers and snapshots ---------------------------------------------------
    def get_desktop(self, desktop_id: str) -> VmInfo:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describedesktops"""
        m = _models()
        body = self._call("DescribeDesktops", lambda c: c.describe_desktops(
            m.DescribeDesktopsRequest(region_id=self.region, desktop_id=[desktop_id])))
        found = [d for d in body.desktops or [] if d.desktop_id == desktop_id]
        if not found:
            raise NotFound(f"cloud computer {desktop_id} does not exist in {self.region}", vendor=mapping.VENDOR,
                           operation="DescribeDesktops", code="InvalidDesktopId.NotFound",
                           request_id=self.last_request_id, resource_id=desktop_id)
        d = found[0]
        return VmInfo(vm_id=d.desktop_id, region=self.region, power_state=str(d.desktop_status or ""),
                      os_type=str(d.os_type or ""), encrypted=bool(d.volume_encryption_enabled),
                      name=str(d.desktop_name or ""), extra={"platform": d.platform or ""})

    def get_snapshot(self, snapshot_id: str) -> Mapping[str, Any]:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describesnapshots"""
        m = _models()
        body = self._call("DescribeSnapshots", lambda c: c.describe_snapshots(
            m.DescribeSnapshotsRequest(region_id=self.region, snapshot_id=snapshot_id)))
        found = [s for s in body.snapshots or [] if s.snapshot_id == snapshot_id]
        if not found:
            raise NotFound(f"snapshot {snapshot_id} does not exist in {self.region}", vendor=mapping.VENDOR,
                           operation="DescribeSnapshots", code="InvalidSnapshotId.NotFound",
                           request_id=self.last_request_id, resource_id=snapshot_id)
        s = found[0]
        return {"id": s.snapshot_id, "disk_type": str(s.source_disk_type or "").lower(), "os_type": str(s.os_type or ""),
                "encrypted": bool(s.volume_encryption_enabled), "desktop": str(s.desktop_id or "")}

    def preflight_capture(self, request: CaptureRequest) -> list[str]:
        """Read the source's properties and refuse what EDS would refuse; return warnings for the user."""
        source = request.source
        warnings: list[str] = []
        clean, with_data = request.clean_personal_data, request.scope == Scope.SYSTEM_AND_DATA
        if source.desktop:
            desktop = self._required(lambda: self.get_desktop(source.desktop), "source.desktop", source.desktop)
            if desktop.power_state not in mapping.CAPTURABLE_DESKTOP:
                raise UserInputError("source.desktop", f"cloud computer {desktop.vm_id} is {desktop.power_state}; EDS "
                                                       "creates images only from a Running or Stopped computer.",
                                     "wait until it is Running (or stop it), then run again.")
            computer, os_type, encrypted = desktop.vm_id, desktop.os_type, desktop.encrypted
            warnings.append(f"do not shut down or restart cloud computer {desktop.vm_id} until the image is Available: "
                            "a restart makes the capture fail.")
        elif source.snapshot:
            snap = self._required(lambda: self.get_snapshot(source.snapshot), "source.snapshot", source.snapshot)
            if snap["disk_type"] != "system":
                raise UserInputError("source.snapshot", f"{source.snapshot} is a {snap['disk_type']}-disk snapshot; EDS "
                                                        "creates images only from system-disk snapshots.",
                                     "use the computer's system-disk snapshot; list data-disk snapshots in source.data_snapshots.")
            for data_id in source.data_snapshots:
                data = self._required(lambda: self.get_snapshot(data_id), "source.data_snapshots", data_id)
                if data["disk_type"] != "data":
                    raise UserInputError("source.data_snapshots", f"{data_id} is not a data-disk snapshot.",
                                         "list only data-disk snapshots in source.data_snapshots.")
            computer = f"{snap['desktop']} (snapshot {source.snapshot})"
            os_type, encrypted = str(snap["os_type"]), bool(snap["encrypted"])
            with_data = with_data or bool(source.data_snapshots)
        else:
            raise UserInputError("source", "EDS images come from source.desktop or source.snapshot.",
                                 "give a cloud computer id (ecd-...) or a system-disk snapshot id (s-...).")
        if clean and encrypted:
            raise UserInputError("clean_personal_data", f"cloud computer {computer} is encrypted, and clean personal "
                                                        "residual data is not available for encrypted cloud computers.",
                                 "set clean_personal_data: false (the image may then contain personal data).")
        if clean and os_type.lower() == "linux" and with_data:
            raise UserInputError("clean_personal_data", f"cloud computer {computer} runs Linux, and clean personal residual "
                                                        "data is not available for Linux computers when the image "
                                                        "includes data disks (scope 'system+data').",
                                 "use scope 'system', or set clean_personal_data: false (the image may then contain "
                                 "personal data).")
        if clean and source.desktop:
            warnings.append("cleaning personal data adds about 20 minutes to the capture.")
        if any(not key.startswith(OWN_TAG_PREFIX) for key in request.tags):
            warnings.append("EDS images cannot carry tags (TagResources covers cloud computers only); the tags "
                            "were not applied.")
        self._checked = request
        return warnings

    def _required(self, fn: Any, field: str, value: str) -> Any:
        try:
            return fn()
        except NotFound:
            raise UserInputError(field, f"{value} does not exist in {self.region}.",
                                 "check the id and the region (EDS images are regional: capture in the source's region).") from None

    # ImageAdapter ---------------------------------------------------------------
    def capture(self, request: CaptureRequest) -> str:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-createimage"""
        if self._checked != request:
            self.preflight_capture(request)
        m = _models()
        source = request.source
        req = m.CreateImageRequest(
            region_id=self.region, image_name=request.name, description=request.description or request.name,
            auto_clean_userdata=bool(request.clean_personal_data),
            disk_type=mapping.DISK_TYPE[Scope.SYSTEM_AND_DATA if source.data_snapshots else request.scope],
        )
        if source.desktop:
            req.desktop_id = source.desktop
        else:
            req.snapshot_id = source.snapshot
            if source.data_snapshots:
                req.data_snapshot_ids = list(source.data_snapshots)
        return str(self._call("CreateImage", lambda c: c.create_image(req)).image_id)

    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describeimages"""
        return self._describe(self.region, image_ids)

    def _describe(self, region: str, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        m = _models()
        out: dict[str, ImageInfo] = {}
        ids = list(image_ids)
        for start in range(0, max(len(ids), 1), PAGE):
            token: str | None = None
            while True:
                req = m.DescribeImagesRequest(region_id=region, image_type="CUSTOM", max_results=PAGE, next_token=token,
                                              image_id=ids[start:start + PAGE] or None)
                body = self._call("DescribeImages", lambda c: c.describe_images(req), region)
                for raw in body.images or []:
                    info = _info(raw, region)
                    out[info.image_id] = info
                token = body.next_token or None
                if not token:
                    break
        return out

    def find_images(self, tags: Mapping[str, str]) -> list[ImageInfo]:
        """EDS images carry no tags (ListTagResources covers cloud computers only): nothing to find by tag."""
        return []

    def find_started(self, request: CaptureRequest) -> list[ImageInfo]:
        """Captures still Creating under this exact name and description: what an interrupted run started.

        With no tags and no idempotency token on EDS, the deterministic name is what a retry can adopt;
        an Available image of the same name may be an older one and is never adopted.
        """
        m = _models()
        req = m.DescribeImagesRequest(region_id=self.region, image_type="CUSTOM", image_name=request.name,
                                      image_status="Creating", max_results=PAGE)
        body = self._call("DescribeImages", lambda c: c.describe_images(req))
        description = request.description or request.name
        found = [_info(raw, self.region) for raw in body.images or []]
        return [i for i in found if i.name == request.name and i.description == description
                and i.status is ImageStatus.CREATING]

    def update_image(self, image_id: str, name: str | None, description: str | None, tags: Mapping[str, str] | None) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-modifyimageattribute"""
        if name is None and description is None:
            return
        m = _models()
        req = m.ModifyImageAttributeRequest(region_id=self.region, image_id=image_id, name=name, description=description)
        self._call("ModifyImageAttribute", lambda c: c.modify_image_attribute(req))

    def delete_image(self, image_id: str) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-deleteimages"""
        self._delete(self.region, image_id)

    def _delete(self, region: str, image_id: str) -> None:
        m = _models()
        req = m.DeleteImagesRequest(region_id=region, image_id=[image_id])
        self._call("DeleteImages", lambda c: c.delete_images(req), region)

    # ImageCopier -------------------------------------------------------------------
    def copy_image(self, request: CopyRequest) -> dict[str, str]:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-copyimage

        One call per destination; when one fails to start, the error carries `partial` (region -> id).
        """
        m = _models()
        name = request.name
        if not name:
            found = self._describe(request.source_region, [request.source_image_id])
            name = found[request.source_image_id].name if request.source_image_id in found else request.source_image_id
        started: dict[str, str] = {}
        for region in request.regions:
            req = m.CopyImageRequest(region_id=request.source_region, image_id=request.source_image_id,
                                     destination_region_id=region, destination_image_name=name,
                                     destination_description=request.description or None)
            try:
                body = self._call("CopyImage", lambda c: c.copy_image(req), request.source_region)
            except CloudError as err:
                err.partial = dict(started)  # type: ignore[attr-defined]
                err.message = f"copy to {region} failed to start: {err.message}"
                err.args = (err._render(),)
                raise
            started[region] = str(body.image_id)
        return started

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        """DescribeImages per destination region (api-ecd-2020-09-30-describeimages); Creating means `copying`."""
        out: dict[str, ImageInfo] = {}
        for region, image_id in copies.items():
            found = self._describe(region, [image_id])
            if image_id in found:
                info = found[image_id]
                out[region] = replace(info, copying=info.raw_status == "Creating")
        return out

    def cancel_copy(self, region: str, image_id: str) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-cancelcopyimage"""
        m = _models()
        req = m.CancelCopyImageRequest(region_id=region, image_id=image_id)
        self._call("CancelCopyImage", lambda c: c.cancel_copy_image(req), region)

    def delete_copy(self, region: str, image_id: str) -> None:
        """DeleteImages in the destination region (api-ecd-2020-09-30-deleteimages)."""
        self._delete(region, image_id)


def _info(raw: Any, region: str) -> ImageInfo:
    status = str(raw.status or "")
    description = str(raw.description or "")
    return ImageInfo(
        image_id=str(raw.image_id or ""), region=region, status=mapping.image_status(status),
        name=str(raw.name or ""), description=description, progress=mapping.progress(raw.progress or ""),
        raw_status=status, size_gb=int(raw.size) if raw.size is not None else None,
        os_type=str(raw.os_type or ""), platform=str(raw.platform or ""),
        encrypted=bool(raw.volume_encryption_enabled) if raw.volume_encryption_enabled is not None else None,
        created=str(raw.creation_time or ""), failure=mapping.failure_reason(status, description),
    )
