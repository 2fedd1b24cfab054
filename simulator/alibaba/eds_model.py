"""Alibaba EDS (ecd 2020-09-30) cloud computers, snapshots and custom images: state, rules, lifecycles."""
from __future__ import annotations

import re
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.wire import SimError
from .ecs_model import copy_seconds, iso

VENDOR = "alibaba-eds"
CAPTURE_SECONDS = 600.0
CLEANUP_SECONDS = 1200.0  # "clean personal residual data" adds about 20 minutes
DATA_DISK_SECONDS = 300.0
FAIL_AT = 0.5  # a failing capture stops half way
CREATING, AVAILABLE, FAILED = "Creating", "Available", "CreateFailed"
SYSTEM_DISK, ALL_DISKS = "SYSTEM", "ALL"
RESTARTED = "restarted"

# Regions where Elastic Desktop Service (WUYING Workspace) runs, a subset of the ECS regions.
EDS_REGIONS: tuple[str, ...] = (
    "cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-zhangjiakou", "cn-chengdu", "cn-hongkong",
    "ap-southeast-1", "ap-southeast-3", "ap-southeast-5", "ap-northeast-1", "ap-northeast-2",
    "eu-central-1", "us-west-1", "us-east-1",
)
SEEDED_REGIONS: dict[str, str] = {"cn-hangzhou": "hz", "cn-shanghai": "sh", "ap-southeast-1": "sg"}

NAME = re.compile(r"^[A-Za-z\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff._:\-]{1,127}$")
ENCRYPTED_CLEANUP = "Clearing personal data (AutoCleanUserdata) is not supported for encrypted cloud computers."
LINUX_ALL_CLEANUP = ("Clearing personal data (AutoCleanUserdata) is not supported for Linux cloud computers "
                     "when the image includes data disks (DiskType ALL).")


def desktop_id(region: str, tag: str) -> str:
    """`ecd-` + 17 lower-case letters and digits, readable: ecd-hzimageforgelnx01."""
    return f"ecd-{SEEDED_REGIONS[region]}imageforge{tag}01"


def check_name(value: str, code: str = "InvalidImageName.Malformed") -> None:
    if value.lower().startswith(("http://", "https://")) or not NAME.match(value):
        raise SimError(code, "The image name must be 2 to 128 characters, start with a letter, contain only letters, "
                             "digits, '.', '_', '-' and ':', and must not start with http:// or https://.", 400)


def check_description(value: str, code: str = "InvalidDescription.Malformed") -> None:
    if value.lower().startswith(("http://", "https://")) or not 2 <= len(value) <= 256:
        raise SimError(code, "The description must be 2 to 256 characters and must not start with http:// or https://.", 400)


class EdsModel:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # seeds ---------------------------------------------------------------------
    def seed(self) -> None:
        created = iso(self.ctx.now() - 30 * 86400)
        for region, short in SEEDED_REGIONS.items():
            for tag, os_type, platform, encrypted in (
                ("lnx", "Linux", "Ubuntu", False),
                ("win", "Windows", "Windows Server 2022", False),
                ("enc", "Windows", "Windows Server 2022", True),
            ):
                did = desktop_id(region, tag)
                self.store.put(VENDOR, region, "desktop", did, {
                    "DesktopId": did, "DesktopName": f"golden-{tag}", "DesktopStatus": "Running",
                    "OsType": os_type, "Platform": platform, "DesktopType": "eds.enterprise_office.4c8g",
                    "Cpu": 4, "Memory": 8192, "ZoneId": f"{region}-a", "OfficeSiteId": f"{region}+dir-imageforge01",
                    "ImageId": f"desktopimage-{'windows-server-2022' if os_type == 'Windows' else 'ubuntu-2204'}-64-en",
                    "CreationTime": created, "ChargeType": "PostPaid", "ProtocolType": "ASP",
                    "SystemDiskSize": 80, "DataDiskSize": 100, "SystemDiskCategory": "cloud_essd",
                    "DataDiskCategory": "cloud_essd", "VolumeEncryptionEnabled": encrypted,
                    "VolumeEncryptionKey": f"key-{short}imageforge01" if encrypted else "",
                    "Disks": [
                        {"DiskId": f"d-{short}imageforge{tag}sys", "DiskType": "SYSTEM", "DiskSize": 80, "DiskCategory": "cloud_essd"},
                        {"DiskId": f"d-{short}imageforge{tag}dat", "DiskType": "DATA", "DiskSize": 100, "DiskCategory": "cloud_essd"},
                    ],
                })
            for sid, source, disk_type, size in (
                (f"s-{short}imageforgesys01", desktop_id(region, "win"), "System", 80),
                (f"s-{short}imageforgedat01", desktop_id(region, "win"), "Data", 100),
                (f"s-{short}imageforgelnxs1", desktop_id(region, "lnx"), "System", 80),
                (f"s-{short}imageforgelnxd1", desktop_id(region, "lnx"), "Data", 100),
            ):
                desktop = self.store.get(VENDOR, region, "desktop", source) or {}
                self.store.put(VENDOR, region, "snapshot", sid, {
                    "SnapshotId": sid, "SnapshotName": f"golden-{disk_type.lower()}", "SnapshotType": "USER",
                    "SourceDiskType": disk_type, "SourceDiskSize": str(size), "Status": "ACCOMPLISHED",
                    "Progress": "100%", "RemainTime": 0, "CreationTime": created, "Creator": "imageforge",
                    "DesktopId": source, "DesktopName": desktop.get("DesktopName", ""), "DesktopStatus": "Running",
                    "OsType": desktop.get("OsType", ""), "ProtocolType": "ASP", "VolumeEncryptionEnabled": False,
                })
            system_image = f"desktopimage-windows-server-2022-64-en-{short}"
            self.store.put(VENDOR, region, "image", system_image, {
                "ImageId": system_image, "Name": "Windows Server 2022 64-bit (English)", "Description": "System image",
                "ImageType": "SYSTEM", "OsType": "Windows", "Platform": "Windows Server 2022", "Size": 80,
                "DataDiskSize": 0, "ProtocolType": "ASP", "SessionType": "SINGLE_SESSION", "GpuCategory": False,
                "SharedCount": 0, "CreationTime": created, "UpdateTime": created, "VolumeEncryptionEnabled": False,
                "started_at": 0.0, "duration": 0.0, "fail": False,
            })

    # lookups -------------------------------------------------------------------
    def check_region(self, region: str) -> None:
        if region not in EDS_REGIONS:
            raise SimError("InvalidRegionId.NotFound", f"The specified RegionId {region!r} does not exist or "
                                                       "Elastic Desktop Service is not available there.", 404)

    def desktops(self, region: str) -> list[dict[str, Any]]:
        return self.store.list(VENDOR, region, "desktop")

    def desktop(self, region: str, desktop_id_: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "desktop", desktop_id_)
        if found is None:
            raise SimError("InvalidDesktopId.NotFound", f"The specified cloud computer {desktop_id_!r} does not exist.", 404)
        return found

    def snapshots(self, region: str) -> list[dict[str, Any]]:
        return self.store.list(VENDOR, region, "snapshot")

    def snapshot(self, region: str, snapshot_id: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "snapshot", snapshot_id)
        if found is None:
            raise SimError("InvalidSnapshotId.NotFound", f"The specified snapshot {snapshot_id!r} does not exist.", 404)
        return found

    def images(self, region: str) -> list[dict[str, Any]]:
        return self.store.list(VENDOR, region, "image")

    def image(self, region: str, image_id: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "image", image_id)
        if found is None:
            raise SimError("InvalidImageId.NotFound", f"The specified image {image_id!r} does not exist.", 404)
        return found

    # image lifecycle -------------------------------------------------------------
    def status(self, image: dict[str, Any]) -> tuple[str, int]:
        elapsed = self.ctx.now() - image["started_at"]
        duration = image["duration"]
        if image.get("fail") and elapsed >= duration * FAIL_AT:
            return FAILED, int(100 * FAIL_AT)
        if elapsed >= duration:
            return AVAILABLE, 100
        return CREATING, max(0, min(99, int(100 * elapsed / duration)))

    def view(self, image: dict[str, Any]) -> dict[str, Any]:
        """The image as DescribeImages shows it now, computed from its timestamps."""
        status, progress = self.status(image)
        out = {k: v for k, v in image.items() if k[0].isupper()}
        out.update(Status=status, Progress=f"{progress}%")
        if status == FAILED and image.get("fail_note"):
            out["Description"] = image["fail_note"]
        return out

    def _failure(self, action: str, region: str, source: str) -> tuple[bool, str]:
        fault = self.ctx.take_failure(VENDOR, action, region)
        if fault is None:
            return False, ""
        reason = str(fault.params.get("reason", ""))
        if reason == RESTARTED:
            return True, (f"CreateFailed: DesktopRestarted: the cloud computer {source} was shut down or restarted "
                          "while the image was being created.")
        return True, f"CreateFailed: {reason}" if reason else ""

    def _new_image(self, region: str, fields: dict[str, Any], duration: float, action: str, source: str) -> str:
        image_id = ids.prefixed(self.store, "eds.image", "m-", 17)
        fail, note = self._failure(action, region, source)
        now = self.ctx.now()
        image = {
            "ImageId": image_id, "ImageType": "CUSTOM", "ProtocolType": "ASP", "SessionType": "SINGLE_SESSION",
            "GpuCategory": False, "SharedCount": 0, "CreationTime": iso(now), "UpdateTime": iso(now),
            "started_at": now, "duration": duration, "fail": fail, "fail_note": note, **fields,
        }
        self.store.put(VENDOR, region, "image", image_id, image)
        return image_id

    def create_image(self, region: str, p: dict[str, Any]) -> str:
        """CreateImage from a cloud computer or a system-disk snapshot, with the EDS rules enforced."""
        self.check_region(region)
        name = p.get("ImageName") or ""
        if name:
            check_name(name)
        description = p.get("Description") or name
        if p.get("Description"):
            check_description(p["Description"])
        disk_type = (p.get("DiskType") or SYSTEM_DISK).upper()
        if disk_type not in (SYSTEM_DISK, ALL_DISKS):
            raise SimError("InvalidParameter.DiskType", "DiskType must be SYSTEM or ALL.", 400)
        clean = bool(p.get("AutoCleanUserdata"))
        data_ids: list[str] = list(p.get("DataSnapshotIds") or [])
        if p.get("DesktopId") and p.get("SnapshotId"):
            raise SimError("InvalidParameter.Conflict", "DesktopId and SnapshotId cannot be specified together.", 400)
        if p.get("DesktopId"):
            desktop = self.desktop(region, p["DesktopId"])
            if desktop["DesktopStatus"] not in ("Running", "Stopped"):
                raise SimError("IncorrectDesktopStatus", f"The cloud computer is {desktop['DesktopStatus']}; "
                                                         "it must be Running or Stopped to create an image.", 400)
            includes_data = disk_type == ALL_DISKS
            source, os_type, encrypted = desktop["DesktopId"], desktop["OsType"], bool(desktop["VolumeEncryptionEnabled"])
            platform, size = desktop["Platform"], desktop["SystemDiskSize"]
            data_size = desktop["DataDiskSize"] if includes_data else 0
            duration = CAPTURE_SECONDS + (CLEANUP_SECONDS if clean else 0.0) + (DATA_DISK_SECONDS if includes_data else 0.0)
        elif p.get("SnapshotId"):
            snap = self.snapshot(region, p["SnapshotId"])
            if snap["SourceDiskType"].upper() != "SYSTEM":
                raise SimError("InvalidSnapshotId.NotSystemDisk", "Only a system-disk snapshot can be used to create an "
                                                                  f"image; {snap['SnapshotId']} is a data-disk snapshot.", 400)
            data = [self.snapshot(region, s) for s in data_ids]
            for item in data:
                if item["SourceDiskType"].upper() != "DATA":
                    raise SimError("InvalidSnapshotId.NotDataDisk", f"{item['SnapshotId']} in DataSnapshotIds is not a "
                                                                    "data-disk snapshot.", 400)
            includes_data = bool(data) or disk_type == ALL_DISKS
            source, os_type, encrypted = snap["DesktopId"], snap.get("OsType", ""), bool(snap.get("VolumeEncryptionEnabled"))
            platform = "Windows Server 2022" if os_type == "Windows" else "Ubuntu"
            size = int(snap["SourceDiskSize"])
            data_size = sum(int(d["SourceDiskSize"]) for d in data)
            duration = CAPTURE_SECONDS + (DATA_DISK_SECONDS if data else 0.0) + (CLEANUP_SECONDS if clean else 0.0)
        else:
            raise SimError("MissingParameter", "DesktopId or SnapshotId is required.", 400)
        if clean and encrypted:
            raise SimError("InvalidParameter.AutoCleanUserdata", ENCRYPTED_CLEANUP, 400)
        if clean and os_type == "Linux" and includes_data:
            raise SimError("InvalidParameter.AutoCleanUserdata", LINUX_ALL_CLEANUP, 400)
        fields = {"Name": name, "Description": description, "OsType": os_type, "Platform": platform, "Size": size,
                  "DataDiskSize": data_size, "VolumeEncryptionEnabled": encrypted, "source": source,
                  "disk_type": disk_type, "clean": clean}
        image_id = self._new_image(region, fields, duration, "CreateImage", source)
        if not name:
            image = self.image(region, image_id)
            image.update(Name=image_id, Description=p.get("Description") or image_id)
            self.store.put(VENDOR, region, "image", image_id, image)
        return image_id

    def modify(self, region: str, image_id: str, name: str | None, description: str | None) -> None:
        self.check_region(region)
        image = self.image(region, image_id)
        if image.get("ImageType") == "SYSTEM":
            raise SimError("InvalidImageType", "A system image cannot be modified.", 400)
        if name:
            check_name(name)
            image["Name"] = name
        if description:
            check_description(description)
            image["Description"] = description
        image["UpdateTime"] = iso(self.ctx.now())
        self.store.put(VENDOR, region, "image", image_id, image)

    def _copies_in_flight(self, source_id: str) -> list[str]:
        return [image["ImageId"] for region in EDS_REGIONS for image in self.images(region)
                if image.get("CopiedFromImageId") == source_id and self.status(image)[0] == CREATING]

    def delete_images(self, region: str, image_ids: list[str]) -> None:
        """All or nothing: every id must exist and none may be Creating or be copied elsewhere."""
        self.check_region(region)
        if not image_ids:
            raise SimError("MissingImageId", "ImageId is mandatory for this action.", 400)
        found = [self.image(region, i) for i in image_ids]
        for image in found:
            if image.get("ImageType") == "SYSTEM":
                raise SimError("InvalidImageType", "A system image cannot be deleted.", 400)
            if self.status(image)[0] == CREATING:
                raise SimError("IncorrectImageStatus", f"The image {image['ImageId']} is being created and cannot be "
                                                       "deleted; wait until it is Available or CreateFailed.", 400)
            if self._copies_in_flight(image["ImageId"]):
                raise SimError("ImageIsCopying", f"The image {image['ImageId']} is being copied to another region.", 400)
        for image in found:
            self.store.delete(VENDOR, region, "image", image["ImageId"])

    def copy_image(self, region: str, p: dict[str, Any]) -> str:
        self.check_region(region)
        dest = p.get("DestinationRegionId") or ""
        if not dest:
            raise SimError("MissingDestinationRegionId", "DestinationRegionId is mandatory for this action.", 400)
        self.check_region(dest)
        if dest == region:
            raise SimError("InvalidParameter.DestinationRegionId", "The destination region must differ from the "
                                                                   "region of the source image.", 400)
        name = p.get("DestinationImageName") or ""
        if not name:
            raise SimError("MissingDestinationImageName", "DestinationImageName is mandatory for this action.", 400)
        check_name(name)
        if p.get("DestinationDescription"):
            check_description(p["DestinationDescription"])
        source = self.image(region, p.get("ImageId") or "")
        if source.get("ImageType") != "CUSTOM":
            raise SimError("InvalidImageType", "Only custom images can be copied.", 400)
        if self.status(source)[0] != AVAILABLE:
            raise SimError("IncorrectImageStatus", f"The image {source['ImageId']} must be Available to be copied.", 400)
        kept = ("OsType", "Platform", "Size", "DataDiskSize", "VolumeEncryptionEnabled", "disk_type", "clean", "source")
        fields: dict[str, Any] = {k: source[k] for k in kept if k in source}
        fields.update(Name=name, Description=p.get("DestinationDescription") or source.get("Description") or name,
                      CopiedFromImageId=source["ImageId"], CopiedFromRegionId=region)
        return self._new_image(dest, fields, copy_seconds(dest), "CopyImage", source["source"])

    def cancel_copy(self, region: str, image_id: str) -> None:
        """`region` is the destination: the copy in progress there is stopped and removed."""
        self.check_region(region)
        image = self.image(region, image_id)
        if not image.get("CopiedFromImageId"):
            raise SimError("ImageCreatedNotFromCopy", "The specified image is not the target image of a copy.", 400)
        if self.status(image)[0] != CREATING:
            raise SimError("IncorrectImageStatus", "The copy has already finished; delete the image instead.", 400)
        self.store.delete(VENDOR, region, "image", image_id)
