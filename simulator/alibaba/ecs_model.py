"""Alibaba ECS images, instances and snapshots: state, lifecycles and ECS error codes."""
from __future__ import annotations

import hashlib
import time
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import KEY as LIFECYCLE, Lifecycle, Phase
from ..core.wire import SimError
from .regions import ECS_REGIONS

VENDOR = "alibaba-ecs"
CAPTURE_SECONDS = 600.0
IMPORT_SECONDS = 1200.0
IMPORT_FORMATS = ("RAW", "VHD", "QCOW2", "VMDK")
CREATING, AVAILABLE, FAILED = "Creating", "Available", "CreateFailed"


def copy_seconds(region: str) -> float:
    """Each destination region takes its own, repeatable time: 5 to 14 minutes."""
    return 300.0 + (hashlib.sha256(region.encode()).digest()[0] % 10) * 60.0


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class EcsModel:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # seeds ---------------------------------------------------------------------
    def seed(self) -> None:
        for region, prefix in (("cn-hangzhou", "bp1"), ("cn-shanghai", "uf6"), ("ap-southeast-1", "t4n")):
            for os_type, tag in (("linux", "lnx"), ("windows", "win")):
                iid = f"i-{prefix}imageforge{tag}01"
                self.store.put(VENDOR, region, "instance", iid, {
                    "InstanceId": iid, "InstanceName": f"golden-{os_type}", "RegionId": region,
                    "ZoneId": region + "-a", "Status": "Running", "OSType": os_type,
                    "OSName": "Alibaba Cloud Linux 3" if os_type == "linux" else "Windows Server 2022",
                    "ImageId": "aliyun_3_x64_20G_alibase_20260101.vhd", "InstanceType": "ecs.g7.large",
                    "SystemDiskSize": 40,
                })
            for kind, dtype in (("sys", "system"), ("data", "data")):
                sid = f"s-{prefix}imageforge{kind}01"
                self.store.put(VENDOR, region, "snapshot", sid, {
                    "SnapshotId": sid, "SnapshotName": f"golden-{kind}", "SourceDiskType": dtype,
                    "SourceDiskId": f"d-{prefix}imageforge{kind}01", "SourceDiskSize": "40", "Status": "accomplished",
                    "Progress": "100%", "RegionId": region, "Encrypted": False,
                })

    # lookups -------------------------------------------------------------------
    def check_region(self, region: str) -> None:
        if region not in ECS_REGIONS:
            raise SimError("InvalidRegionId.NotFound", f"The specified RegionId {region!r} does not exist.", 404)

    def instance(self, region: str, instance_id: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "instance", instance_id)
        if found is None:
            raise SimError("InvalidInstanceId.NotFound", "The specified InstanceId does not exist.", 404)
        return found

    def instances(self, region: str) -> list[dict[str, Any]]:
        return self.store.list(VENDOR, region, "instance")

    def snapshots(self, region: str) -> list[dict[str, Any]]:
        return self.store.list(VENDOR, region, "snapshot")

    def snapshot(self, region: str, snapshot_id: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "snapshot", snapshot_id)
        if found is None:
            raise SimError("InvalidSnapshotId.NotFound", "The specified SnapshotId does not exist.", 404)
        return found

    # image lifecycle -------------------------------------------------------------
    def view(self, image: dict[str, Any], now: float | None = None) -> dict[str, Any]:
        """The image as DescribeImages shows it now, computed from its lifecycle record."""
        reading = Lifecycle.of(image).at(self.ctx.now() if now is None else now)
        status = {Phase.RUNNING: CREATING, Phase.DONE: AVAILABLE, Phase.FAILED: FAILED}[reading.phase]
        out = {k: v for k, v in image.items() if k[0].isupper()}
        out.update(Status=status, Progress=f"{reading.progress}%")
        return out

    def image(self, region: str, image_id: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "image", image_id)
        if found is None:
            raise SimError("InvalidImageId.NotFound", "The specified ImageId does not exist.", 404)
        return found

    def images(self, region: str) -> list[dict[str, Any]]:
        return self.store.list(VENDOR, region, "image")

    def _token(self, region: str, token: str) -> str | None:
        if not token:
            return None
        found = self.store.get(VENDOR, region, "token", token)
        if found and self.store.get(VENDOR, region, "image", found["ImageId"]) is not None:
            return str(found["ImageId"])
        return None

    def _new_image(self, region: str, fields: dict[str, Any], duration: float, action: str, token: str) -> str:
        image_id = ids.prefixed(self.store, "ecs.image", "m-", 20)
        fail = self.ctx.take_failure(VENDOR, action, region) is not None
        image = {
            "ImageId": image_id, "RegionId": region, "ImageOwnerAlias": "self", "Usage": "none",
            "CreationTime": iso(self.ctx.now()), "IsCopied": False, "Tags": {"Tag": []},
            LIFECYCLE: Lifecycle.start(self.ctx.now(), duration, fail).record(), **fields,
        }
        self.store.put(VENDOR, region, "image", image_id, image)
        if token:
            self.store.put(VENDOR, region, "token", token, {"ImageId": image_id})
        return image_id

    def create_image(self, region: str, p: dict[str, Any]) -> str:
        self.check_region(region)
        existing = self._token(region, p.get("ClientToken", ""))
        if existing:
            return existing
        name = p.get("ImageName", "")
        if name and (len(name) < 2 or len(name) > 128 or not name[0].isalpha() or name.startswith(("http://", "https://"))):
            raise SimError("InvalidImageName.Malformed", "The specified image name is wrongly formed.", 400)
        if p.get("InstanceId") and p.get("SnapshotId"):
            raise SimError("InvalidParameter.Conflict", "InstanceId and SnapshotId cannot be specified together.", 400)
        fields: dict[str, Any] = {"ImageName": name, "Description": p.get("Description", ""),
                                  "Platform": p.get("Platform", ""), "Architecture": p.get("Architecture", "x86_64"),
                                  "ImageFamily": p.get("ImageFamily", ""), "ImageVersion": p.get("ImageVersion", ""),
                                  "ResourceGroupId": p.get("ResourceGroupId", ""), "BootMode": p.get("BootMode", "")}
        if p.get("InstanceId"):
            inst = self.instance(region, p["InstanceId"])
            if inst["Status"] not in ("Running", "Stopped"):
                raise SimError("IncorrectInstanceStatus", "The current status of the resource does not support this operation.", 403)
            fields.update(OSType=inst["OSType"], OSName=inst["OSName"], Size=inst["SystemDiskSize"],
                          SourceInstanceId=inst["InstanceId"], Platform=fields["Platform"] or ("Windows Server 2022" if inst["OSType"] == "windows" else "Aliyun"))
        elif p.get("SnapshotId"):
            snap = self.snapshot(region, p["SnapshotId"])
            if snap["SourceDiskType"] != "system":
                raise SimError("InvalidSnapshotId.NotSystemDisk", "The specified snapshot is not of a system disk.", 400)
            fields.update(OSType="linux", OSName="Linux", Size=int(snap["SourceDiskSize"]), SourceSnapshotId=snap["SnapshotId"])
        else:
            raise SimError("MissingParameter", "InstanceId or SnapshotId is required.", 400)
        image_id = self._new_image(region, fields, CAPTURE_SECONDS, "CreateImage", p.get("ClientToken", ""))
        self.set_tags(region, image_id, p.get("_tags", {}))
        return image_id

    def import_image(self, region: str, p: dict[str, Any]) -> str:
        """ImportImage from an OSS object: the object is trusted to exist (the simulator has no OSS)."""
        self.check_region(region)
        existing = self._token(region, p.get("ClientToken", ""))
        if existing:
            return existing
        bucket, key = p.get("DiskDeviceMapping.1.OSSBucket"), p.get("DiskDeviceMapping.1.OSSObject")
        if not bucket or not key:
            raise SimError("MissingParameter", "DiskDeviceMapping.1.OSSBucket and OSSObject are required.", 400)
        fmt = (p.get("DiskDeviceMapping.1.Format") or "").upper()
        if fmt and fmt not in IMPORT_FORMATS:
            raise SimError("InvalidParameter.Format", f"The specified format {fmt!r} is not supported.", 400)
        os_type = p.get("OSType") or "linux"
        size = int(p.get("DiskDeviceMapping.1.DiskImageSize") or 40)
        fields: dict[str, Any] = {
            "ImageName": p.get("ImageName", ""), "Description": p.get("Description", ""), "OSType": os_type,
            "OSName": "Windows Server" if os_type == "windows" else "Linux", "Size": size,
            "Platform": p.get("Platform") or ("Windows Server 2022" if os_type == "windows" else "Others Linux"),
            "Architecture": p.get("Architecture") or "x86_64", "BootMode": p.get("BootMode") or "BIOS",
            "ImportedFrom": f"oss://{bucket}/{key}",
        }
        image_id = self._new_image(region, fields, IMPORT_SECONDS, "ImportImage", p.get("ClientToken", ""))
        self.set_tags(region, image_id, p.get("_tags", {}))
        return image_id

    def set_tags(self, region: str, image_id: str, tags: dict[str, str]) -> None:
        if not tags:
            return
        image = self.image(region, image_id)
        merged = {t["TagKey"]: t["TagValue"] for t in image["Tags"]["Tag"]}
        merged.update(tags)
        image["Tags"] = {"Tag": [{"TagKey": k, "TagValue": v} for k, v in sorted(merged.items())]}
        self.store.put(VENDOR, region, "image", image_id, image)

    def remove_tags(self, region: str, image_id: str, keys: list[str]) -> None:
        image = self.image(region, image_id)
        kept = [t for t in image["Tags"]["Tag"] if t["TagKey"] not in keys]
        image["Tags"] = {"Tag": kept}
        self.store.put(VENDOR, region, "image", image_id, image)

    def modify(self, region: str, image_id: str, name: str | None, description: str | None) -> None:
        image = self.image(region, image_id)
        if name is not None:
            image["ImageName"] = name
        if description is not None:
            image["Description"] = description
        self.store.put(VENDOR, region, "image", image_id, image)

    def _copies_in_flight(self, source_id: str) -> list[str]:
        out = []
        for region in ECS_REGIONS:
            for image in self.images(region):
                if image.get("CopiedFromImageId") == source_id and self.view(image)["Status"] == CREATING:
                    out.append(image["ImageId"])
        return out

    def delete_image(self, region: str, image_id: str, force: bool) -> None:
        image = self.store.get(VENDOR, region, "image", image_id)
        if image is None:
            return  # the real API ignores an unknown id
        status = self.view(image)["Status"]
        if status == CREATING:
            raise SimError("IncorrectImageStatus", "The image is being created and cannot be deleted.", 403)
        if self._copies_in_flight(image_id):
            raise SimError("ImageIsCopying", "The specified image is being copied to another region.", 403)
        self.store.delete(VENDOR, region, "image", image_id)

    def copy_image(self, region: str, p: dict[str, Any]) -> str:
        self.check_region(region)
        dest = p.get("DestinationRegionId", "")
        if not dest:
            raise SimError("MissingDestinationRegionId", "DestinationRegionId is mandatory for this action.", 400)
        self.check_region(dest)
        if dest == region:
            raise SimError("InvalidDestinationRegion", "The destination region must differ from the source region.", 400)
        source = self.image(region, p.get("ImageId", ""))
        if self.view(source)["Status"] != AVAILABLE:
            raise SimError("IncorrectImageStatus", "The image must be Available to be copied.", 403)
        existing = self._token(dest, p.get("ClientToken", ""))
        if existing:
            return existing
        fields: dict[str, Any] = {k: source[k] for k in ("OSType", "OSName", "Size", "Platform", "Architecture") if k in source}
        fields.update(ImageName=p.get("DestinationImageName") or source["ImageName"],
                      Description=p.get("DestinationDescription") or source.get("Description", ""),
                      IsCopied=True, CopiedFromImageId=source["ImageId"], CopiedFromRegionId=region,
                      IsEncrypted=str(p.get("Encrypted", "")).lower() == "true", KMSKeyId=p.get("KMSKeyId", ""))
        image_id = self._new_image(dest, fields, copy_seconds(dest), "CopyImage", p.get("ClientToken", ""))
        self.set_tags(dest, image_id, p.get("_tags", {}))
        return image_id

    def cancel_copy(self, region: str, image_id: str) -> None:
        image = self.image(region, image_id)
        if not image.get("IsCopied"):
            raise SimError("ImageCreatedNotFromCopy", "The specified image is not the target image of a copy action.", 400)
        if self.view(image)["Status"] != CREATING:
            raise SimError("IncorrectImageStatus", "The image is copied finished.", 400)
        self.store.delete(VENDOR, region, "image", image_id)
