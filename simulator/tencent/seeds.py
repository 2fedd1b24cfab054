"""Pre-existing Tencent Cloud objects with readable fixed ids, so docs and stack configs can name them.

Per seeded region (`gz` ap-guangzhou, `sh` ap-shanghai, `bj` ap-beijing):
  ins-{p}lnx001  Linux instance, RUNNING; system disk disk-{p}lnx001, data disk disk-{p}lnxd01
  ins-{p}win001  Windows instance, RUNNING; system disk disk-{p}win001, data disk disk-{p}wind01
  snap-{p}sys001 system-disk snapshot of the Linux instance
  snap-{p}dat001 data-disk snapshot of the Linux instance
  snap-{p}win001 system-disk snapshot of the Windows instance
  snap-{p}enc001 encrypted system-disk snapshot (images made from it cannot be synced)
and in every region the public images img-eb30mz89 (TencentOS) and img-9id7emv7 (Windows); the VPCs,
subnets and security groups a launch names are network.py's, the instance types and stock launch.py's.
"""
from __future__ import annotations

import uuid

from .records import PUBLIC, SEED_TIME, Disk, Image, Instance, Os, Snapshot
from .regions import zone

SEEDED_REGIONS: dict[str, str] = {"ap-guangzhou": "gz", "ap-shanghai": "sh", "ap-beijing": "bj"}
LINUX = Os("linux", "TencentOS", "TencentOS Server 3.1 (TK4)")
WINDOWS = Os("windows", "Windows", "Windows Server 2022 DataCenter 64bit")
PUBLIC_IMAGE: dict[str, str] = {"linux": "img-eb30mz89", "windows": "img-9id7emv7"}


def os_of(family: str) -> Os:
    """The seeded OS of a family: what a capture of a seeded instance or snapshot reports."""
    return WINDOWS if family == "windows" else LINUX


def public_images() -> list[Image]:
    out: list[Image] = []
    for os_ in (LINUX, WINDOWS):
        out.append(Image(
            PUBLIC_IMAGE[os_.family], os_.name, PUBLIC, os_, 50 if os_ is WINDOWS else 20, "2025-06-01T00:00:00Z",
            description=os_.name, image_type="PUBLIC_IMAGE", creator="", source="OFFICIAL",
            cloudinit=os_ is LINUX))
    return out


def instances(region: str, p: str) -> list[Instance]:
    out = []
    for os_, tag in ((LINUX, "lnx"), (WINDOWS, "win")):
        out.append(Instance(
            f"ins-{p}{tag}001", f"golden-{os_.family}", zone(region), os_, PUBLIC_IMAGE[os_.family],
            Disk(f"disk-{p}{tag}001", 50), [Disk(f"disk-{p}{tag}d01", 100)],
            ["10.0.0.%d" % (11 if tag == "lnx" else 12)],
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"ins-{p}{tag}001")),
            "root" if tag == "lnx" else "Administrator", 22 if tag == "lnx" else 3389))
    return out


def snapshot(region: str, snap_id: str, disk_id: str, usage: str, size: int, os_: Os, encrypted: bool = False,
             name: str = "", created: str = SEED_TIME, owner_image: str = "") -> Snapshot:
    """A CBS snapshot; `owner_image` marks snapshots a capture, an import or a sync made."""
    return Snapshot(snap_id, zone(region), usage, disk_id, size, name or snap_id, os_, created, encrypted,
                    owner_image=owner_image)


def snapshots(region: str, p: str) -> list[Snapshot]:
    return [
        snapshot(region, f"snap-{p}sys001", f"disk-{p}lnx001", "SYSTEM_DISK", 50, LINUX, name="golden-linux-system"),
        snapshot(region, f"snap-{p}dat001", f"disk-{p}lnxd01", "DATA_DISK", 100, LINUX, name="golden-linux-data"),
        snapshot(region, f"snap-{p}win001", f"disk-{p}win001", "SYSTEM_DISK", 50, WINDOWS,
                 name="golden-windows-system"),
        snapshot(region, f"snap-{p}enc001", f"disk-{p}enc001", "SYSTEM_DISK", 50, LINUX, encrypted=True,
                 name="golden-linux-encrypted"),
    ]
