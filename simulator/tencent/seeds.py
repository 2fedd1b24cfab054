"""Pre-existing Tencent Cloud objects with readable fixed ids, so docs and stack configs can name them.

Per seeded region (`gz` ap-guangzhou, `sh` ap-shanghai, `bj` ap-beijing):
  ins-{p}lnx001  Linux instance, RUNNING; system disk disk-{p}lnx001, data disk disk-{p}lnxd01
  ins-{p}win001  Windows instance, RUNNING; system disk disk-{p}win001, data disk disk-{p}wind01
  snap-{p}sys001 system-disk snapshot of the Linux instance
  snap-{p}dat001 data-disk snapshot of the Linux instance
  snap-{p}win001 system-disk snapshot of the Windows instance
  snap-{p}enc001 encrypted system-disk snapshot (images made from it cannot be synced)
and in every region the public images img-eb30mz89 (TencentOS) and img-9id7emv7 (Windows).
"""
from __future__ import annotations

import uuid
from typing import Any

from .regions import zone

SEEDED_REGIONS: dict[str, str] = {"ap-guangzhou": "gz", "ap-shanghai": "sh", "ap-beijing": "bj"}
SEED_TIME = "2026-01-05T08:00:00Z"
LINUX = {"Platform": "TencentOS", "OsName": "TencentOS Server 3.1 (TK4)", "os": "linux", "public": "img-eb30mz89"}
WINDOWS = {"Platform": "Windows", "OsName": "Windows Server 2022 DataCenter 64bit", "os": "windows",
           "public": "img-9id7emv7"}


def public_images() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for os_ in (LINUX, WINDOWS):
        out.append({
            "ImageId": os_["public"], "OsName": os_["OsName"], "ImageType": "PUBLIC_IMAGE",
            "CreatedTime": "2025-06-01T00:00:00Z", "ImageName": os_["OsName"], "ImageDescription": os_["OsName"],
            "ImageSize": 50 if os_ is WINDOWS else 20, "Architecture": "x86_64", "ImageState": "NORMAL",
            "Platform": os_["Platform"], "ImageCreator": "", "ImageSource": "OFFICIAL", "SyncPercent": None,
            "IsSupportCloudinit": os_ is LINUX, "SnapshotSet": [], "Tags": [], "LicenseType": "TencentCloud",
            "ImageFamily": "", "ImageDeprecated": False, "CdcCacheStatus": "",
        })
    return out


def _disk(disk_id: str, size: int, encrypted: bool = False) -> dict[str, Any]:
    return {"DiskType": "CLOUD_PREMIUM", "DiskId": disk_id, "DiskSize": size, "Encrypt": encrypted,
            "DeleteWithInstance": True}


def instances(region: str, p: str) -> list[dict[str, Any]]:
    out = []
    for os_, tag, data in ((LINUX, "lnx", [_disk(f"disk-{p}lnxd01", 100)]), (WINDOWS, "win", [_disk(f"disk-{p}wind01", 100)])):
        out.append({
            "Placement": {"Zone": zone(region), "ProjectId": 0}, "InstanceId": f"ins-{p}{tag}001",
            "InstanceType": "S5.MEDIUM4", "CPU": 2, "Memory": 4, "RestrictState": "NORMAL",
            "InstanceName": f"golden-{os_['os']}", "InstanceChargeType": "POSTPAID_BY_HOUR",
            "SystemDisk": {"DiskType": "CLOUD_PREMIUM", "DiskId": f"disk-{p}{tag}001", "DiskSize": 50},
            "DataDisks": data, "PrivateIpAddresses": ["10.0.0.%d" % (11 if tag == "lnx" else 12)],
            "PublicIpAddresses": None, "ImageId": os_["public"], "RenewFlag": "", "CreatedTime": SEED_TIME,
            "ExpiredTime": None, "OsName": os_["OsName"], "SecurityGroupIds": ["sg-imgforge1"],
            "LoginSettings": {"KeyIds": None}, "InstanceState": "RUNNING", "Tags": [],
            "StopChargingMode": "NOT_APPLICABLE", "Uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ins-{p}{tag}001")),
            "LatestOperation": None, "LatestOperationState": None, "LatestOperationRequestId": None,
            "DisasterRecoverGroupId": "", "CamRoleName": "", "LicenseType": "TencentCloud",
            "DisableApiTermination": False, "DefaultLoginUser": "root" if tag == "lnx" else "Administrator",
            "DefaultLoginPort": 22 if tag == "lnx" else 3389,
            "os": os_["os"], "platform": os_["Platform"], "system_encrypted": False,
        })
    return out


def snapshot(region: str, snap_id: str, disk_id: str, usage: str, size: int, os_: dict[str, Any],
             encrypted: bool = False, name: str = "", created: str = SEED_TIME, owner_image: str = "") -> dict[str, Any]:
    """A CBS snapshot as DescribeSnapshots shows it; `owner_image` marks snapshots a capture made."""
    return {
        "SnapshotId": snap_id, "Placement": {"Zone": zone(region), "ProjectId": 0}, "DiskUsage": usage,
        "DiskId": disk_id, "DiskSize": size, "SnapshotState": "NORMAL", "SnapshotName": name or snap_id,
        "Percent": 100, "CreateTime": created, "DeadlineTime": None, "Encrypt": encrypted, "IsPermanent": True,
        "CopyingToRegions": [], "CopyFromRemote": False, "Images": [], "ImageCount": 0,
        "SnapshotType": "PRIVATE_SNAPSHOT", "ShareReference": 0, "TimeStartShare": None,
        "os": os_["os"], "platform": os_["Platform"], "os_name": os_["OsName"], "owner_image": owner_image,
    }


def snapshots(region: str, p: str) -> list[dict[str, Any]]:
    return [
        snapshot(region, f"snap-{p}sys001", f"disk-{p}lnx001", "SYSTEM_DISK", 50, LINUX, name="golden-linux-system"),
        snapshot(region, f"snap-{p}dat001", f"disk-{p}lnxd01", "DATA_DISK", 100, LINUX, name="golden-linux-data"),
        snapshot(region, f"snap-{p}win001", f"disk-{p}win001", "SYSTEM_DISK", 50, WINDOWS, name="golden-windows-system"),
        snapshot(region, f"snap-{p}enc001", f"disk-{p}enc001", "SYSTEM_DISK", 50, LINUX, encrypted=True,
                 name="golden-linux-encrypted"),
    ]
