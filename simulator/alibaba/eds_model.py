"""Alibaba EDS (ecd 2020-09-30) cloud computers, snapshots and custom images: state, rules, lazy lifecycles."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import KEY as LIFECYCLE, Lifecycle, Phase
from ..core.wire import SimError
from .ecs_model import copy_seconds, iso

VENDOR = "alibaba-eds"
CAPTURE_SECONDS = 600.0
CLEANUP_SECONDS = 1200.0  # "clean personal residual data" adds about 20 minutes
DATA_DISK_SECONDS = 300.0
FAIL_AT = 0.5  # a failing capture or copy stops half way
CREATING, AVAILABLE, FAILED = "Creating", "Available", "CreateFailed"
SYSTEM_DISK, ALL_DISKS = "SYSTEM", "ALL"
STATUS = {Phase.RUNNING: CREATING, Phase.DONE: AVAILABLE, Phase.FAILED: FAILED}

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


@dataclass
class Image:
    """One image as the simulated cloud keeps it; `view` shows it the way DescribeImages does."""

    image_id: str
    name: str
    description: str
    lifecycle: dict[str, Any]
    image_type: str = "CUSTOM"
    os_type: str = ""
    platform: str = ""
    size: int = 0
    data_disk_size: int = 0
    encrypted: bool = False
    created: str = ""
    updated: str = ""
    computer: str = ""  # the cloud computer it was captured from
    disk_type: str = SYSTEM_DISK
    cleaned: bool = False
    copied_from: str = ""  # the source image of a copy
    copied_from_region: str = ""

    @classmethod
    def of(cls, record: dict[str, Any]) -> "Image":
        if "ImageId" in record:  # kept by an earlier simulator version in the vendor's own shape
            return cls(record["ImageId"], record.get("Name", ""), record.get("Description", ""),
                       Lifecycle(float(record.get("started_at", 0.0)), float(record.get("duration", 0.0)),
                                 FAIL_AT if record.get("fail") else None).record(),
                       image_type=record.get("ImageType", "CUSTOM"), os_type=record.get("OsType", ""),
                       platform=record.get("Platform", ""), size=int(record.get("Size") or 0),
                       data_disk_size=int(record.get("DataDiskSize") or 0),
                       encrypted=bool(record.get("VolumeEncryptionEnabled")), created=record.get("CreationTime", ""),
                       updated=record.get("UpdateTime", ""), computer=record.get("source", ""),
                       copied_from=record.get("CopiedFromImageId", ""),
                       copied_from_region=record.get("CopiedFromRegionId", ""))
        return cls(**record)

    def status(self, now: float) -> tuple[str, int]:
        reading = Lifecycle.of({LIFECYCLE: self.lifecycle}).at(now)
        return STATUS[reading.phase], reading.progress

    def view(self, now: float) -> dict[str, Any]:
        status, progress = self.status(now)
        return {
            "ImageId": self.image_id, "Name": self.name, "Description": self.description, "ImageType": self.image_type,
            "OsType": self.os_type, "Platform": self.platform, "Size": self.size, "DataDiskSize": self.data_disk_size,
            "VolumeEncryptionEnabled": self.encrypted, "CreationTime": self.created, "UpdateTime": self.updated,
            "ProtocolType": "ASP", "SessionType": "SINGLE_SESSION", "GpuCategory": False, "SharedCount": 0,
            "Status": status, "Progress": f"{progress}%",
        }


def image_keys(record: dict[str, Any]) -> list[tuple[str, str]]:
    """What DescribeImages and DeleteImages look images up by: the name (any case) and a copy's source."""
    image = Image.of(record)
    return [("name", image.name.lower())] + ([("copied_from", image.copied_from)] if image.copied_from else [])


class EdsModel:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.store.index(VENDOR, "image", image_keys, "1")

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
            self._put(region, Image(
                f"desktopimage-windows-server-2022-64-en-{short}", "Windows Server 2022 64-bit (English)",
                "System image", Lifecycle.start(0.0, 0.0).record(), image_type="SYSTEM", os_type="Windows",
                platform="Windows Server 2022", size=80, created=created, updated=created))

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

    def images(self, region: str, ids_: list[str] | None = None, image_type: str = "", name: str = "",
               os_type: str = "", status: str = "") -> list[Image]:
        """Images filtered on what their records say (and their status now), before any view is built."""
        wanted = {"image_type": image_type, "name": name, "os_type": os_type}
        if ids_:
            records = self.store.get_many(VENDOR, region, "image", ids_)
        elif name:
            records = self.store.lookup(VENDOR, region, "image", "name", [name.lower()])
        else:
            records = self.store.list(VENDOR, region, "image")
        out = []
        for record in records:
            image = Image.of(record)
            if ids_ and image.image_id not in ids_:
                continue
            if any(value and str(getattr(image, key)).lower() != value.lower() for key, value in wanted.items()):
                continue
            if status and self.status(image).lower() != status.lower():
                continue
            out.append(image)
        return out

    def image(self, region: str, image_id: str) -> Image:
        found = self.store.get(VENDOR, region, "image", image_id)
        if found is None:
            raise SimError("InvalidImageId.NotFound", f"The specified image {image_id!r} does not exist.", 404)
        return Image.of(found)

    def view(self, image: Image) -> dict[str, Any]:
        return image.view(self.ctx.now())

    def status(self, image: Image) -> str:
        return image.status(self.ctx.now())[0]

    def _put(self, region: str, image: Image) -> None:
        self.store.put(VENDOR, region, "image", image.image_id, asdict(image))

    # images ----------------------------------------------------------------------
    def _new_image(self, region: str, image: Image, duration: float, action: str) -> str:
        """Store a new image; an injected `fail` fault (for this action and region) makes it fail half way."""
        fail = self.ctx.take_failure(VENDOR, action, region) is not None
        now = self.ctx.now()
        image.image_id = ids.prefixed(self.store, "eds.image", "m-", 17)
        image.name = image.name or image.image_id  # an unnamed capture is named after its id
        image.description = image.description or image.name  # the name when no description is given
        image.lifecycle = Lifecycle.start(now, duration, fail, FAIL_AT).record()
        image.created = image.updated = iso(now)
        self._put(region, image)
        return image.image_id

    def create_image(self, region: str, *, name: str, description: str | None, desktop: str, snapshot: str,
                     data_snapshots: list[str], disk_type: str, clean: bool) -> str:
        """CreateImage from a cloud computer or a system-disk snapshot, with the EDS rules enforced."""
        self.check_region(region)
        if name:
            check_name(name)
        if description:
            check_description(description)
        disk_type = (disk_type or SYSTEM_DISK).upper()
        if disk_type not in (SYSTEM_DISK, ALL_DISKS):
            raise SimError("InvalidParameter.DiskType", "DiskType must be SYSTEM or ALL.", 400)
        if desktop and snapshot:
            raise SimError("InvalidParameter.Conflict", "DesktopId and SnapshotId cannot be specified together.", 400)
        image = Image("", name, description or "", {}, disk_type=disk_type, cleaned=clean)
        if desktop:
            found = self.desktop(region, desktop)
            if found["DesktopStatus"] not in ("Running", "Stopped"):
                raise SimError("IncorrectDesktopStatus", f"The cloud computer is {found['DesktopStatus']}; "
                                                         "it must be Running or Stopped to create an image.", 400)
            includes_data = disk_type == ALL_DISKS
            image.computer, image.os_type, image.encrypted = found["DesktopId"], found["OsType"], bool(found["VolumeEncryptionEnabled"])
            image.platform, image.size = found["Platform"], found["SystemDiskSize"]
            image.data_disk_size = found["DataDiskSize"] if includes_data else 0
        elif snapshot:
            snap = self.snapshot(region, snapshot)
            if snap["SourceDiskType"].upper() != "SYSTEM":
                raise SimError("InvalidSnapshotId.NotSystemDisk", "Only a system-disk snapshot can be used to create an "
                                                                  f"image; {snap['SnapshotId']} is a data-disk snapshot.", 400)
            data = [self.snapshot(region, s) for s in data_snapshots]
            for item in data:
                if item["SourceDiskType"].upper() != "DATA":
                    raise SimError("InvalidSnapshotId.NotDataDisk", f"{item['SnapshotId']} in DataSnapshotIds is not a "
                                                                    "data-disk snapshot.", 400)
            includes_data = bool(data) or disk_type == ALL_DISKS
            image.computer, image.os_type = snap["DesktopId"], snap.get("OsType", "")
            image.encrypted = bool(snap.get("VolumeEncryptionEnabled"))
            image.platform = "Windows Server 2022" if image.os_type == "Windows" else "Ubuntu"
            image.size, image.data_disk_size = int(snap["SourceDiskSize"]), sum(int(d["SourceDiskSize"]) for d in data)
        else:
            raise SimError("MissingParameter", "DesktopId or SnapshotId is required.", 400)
        if clean and image.encrypted:
            raise SimError("InvalidParameter.AutoCleanUserdata", ENCRYPTED_CLEANUP, 400)
        if clean and image.os_type == "Linux" and includes_data:
            raise SimError("InvalidParameter.AutoCleanUserdata", LINUX_ALL_CLEANUP, 400)
        duration = CAPTURE_SECONDS + (CLEANUP_SECONDS if clean else 0.0) + (DATA_DISK_SECONDS if includes_data else 0.0)
        return self._new_image(region, image, duration, "CreateImage")

    def modify(self, region: str, image_id: str, name: str | None, description: str | None) -> None:
        self.check_region(region)
        image = self.image(region, image_id)
        if image.image_type == "SYSTEM":
            raise SimError("InvalidImageType", "A system image cannot be modified.", 400)
        if name:
            check_name(name)
            image.name = name
        if description:
            check_description(description)
            image.description = description
        image.updated = iso(self.ctx.now())
        self._put(region, image)

    def _copies_in_flight(self, source_id: str) -> list[str]:
        found = self.store.lookup(VENDOR, None, "image", "copied_from", [source_id])
        return [image.image_id for image in map(Image.of, found)
                if image.copied_from == source_id and self.status(image) == CREATING]

    def delete_images(self, region: str, image_ids: list[str]) -> None:
        """All or nothing: every id must exist and none may be Creating or be copied elsewhere."""
        self.check_region(region)
        if not image_ids:
            raise SimError("MissingImageId", "ImageId is mandatory for this action.", 400)
        found = [self.image(region, i) for i in image_ids]
        for image in found:
            if image.image_type == "SYSTEM":
                raise SimError("InvalidImageType", "A system image cannot be deleted.", 400)
            if self.status(image) == CREATING:
                raise SimError("IncorrectImageStatus", f"The image {image.image_id} is being created and cannot be "
                                                       "deleted; wait until it is Available or CreateFailed.", 400)
            if self._copies_in_flight(image.image_id):
                raise SimError("ImageIsCopying", f"The image {image.image_id} is being copied to another region.", 400)
        for image in found:
            self.store.delete(VENDOR, region, "image", image.image_id)

    def copy_image(self, region: str, *, image_id: str, destination: str, name: str, description: str | None) -> str:
        """CopyImage: a new image in `destination`, named as asked; the destination region's fault decides failure."""
        self.check_region(region)
        if not destination:
            raise SimError("MissingDestinationRegionId", "DestinationRegionId is mandatory for this action.", 400)
        self.check_region(destination)
        if destination == region:
            raise SimError("InvalidParameter.DestinationRegionId", "The destination region must differ from the "
                                                                   "region of the source image.", 400)
        if not name:
            raise SimError("MissingDestinationImageName", "DestinationImageName is mandatory for this action.", 400)
        check_name(name)
        if description:
            check_description(description)
        source = self.image(region, image_id)
        if source.image_type != "CUSTOM":
            raise SimError("InvalidImageType", "Only custom images can be copied.", 400)
        if self.status(source) != AVAILABLE:
            raise SimError("IncorrectImageStatus", f"The image {source.image_id} must be Available to be copied.", 400)
        copy = Image("", name, description or source.description, {},
                     os_type=source.os_type, platform=source.platform, size=source.size,
                     data_disk_size=source.data_disk_size, encrypted=source.encrypted, computer=source.computer,
                     disk_type=source.disk_type, cleaned=source.cleaned, copied_from=source.image_id,
                     copied_from_region=region)
        return self._new_image(destination, copy, copy_seconds(destination), "CopyImage")

    def cancel_copy(self, region: str, image_id: str) -> None:
        """`region` is the destination: the copy in progress there is stopped and removed."""
        self.check_region(region)
        image = self.image(region, image_id)
        if not image.copied_from:
            raise SimError("ImageCreatedNotFromCopy", "The specified image is not the target image of a copy.", 400)
        if self.status(image) != CREATING:
            raise SimError("IncorrectImageStatus", "The copy has already finished; delete the image instead.", 400)
        self.store.delete(VENDOR, region, "image", image_id)
