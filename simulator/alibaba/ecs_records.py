"""Records of the simulated ECS that are not images: seeded instances and snapshots, and used ClientTokens."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Instance:
    """A seeded instance to capture from; stored as DescribeInstances shows it (the seeds never change)."""

    instance_id: str
    name: str
    region: str
    status: str
    os_type: str
    os_name: str
    system_disk_size: int
    image_id: str = "aliyun_3_x64_20G_alibase_20260101.vhd"
    instance_type: str = "ecs.g7.large"

    def to_record(self) -> dict[str, Any]:
        return {"ImageId": self.image_id, "InstanceId": self.instance_id, "InstanceName": self.name,  # sorted, as stored
                "InstanceType": self.instance_type, "OSName": self.os_name, "OSType": self.os_type,
                "RegionId": self.region, "Status": self.status, "SystemDiskSize": self.system_disk_size,
                "ZoneId": self.region + "-a"}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "Instance":
        return cls(r["InstanceId"], r["InstanceName"], r["RegionId"], r["Status"], r["OSType"], r["OSName"],
                   int(r["SystemDiskSize"]), r["ImageId"], r["InstanceType"])

    view = to_record


@dataclass(frozen=True)
class Snapshot:
    """A seeded disk snapshot; stored as DescribeSnapshots shows it (the API spells the size as a string)."""

    snapshot_id: str
    name: str
    region: str
    disk_type: str  # "system" or "data"
    disk_id: str
    size: int
    encrypted: bool = False

    def to_record(self) -> dict[str, Any]:
        return {"Encrypted": self.encrypted, "Progress": "100%", "RegionId": self.region,  # sorted, as stored
                "SnapshotId": self.snapshot_id, "SnapshotName": self.name, "SourceDiskId": self.disk_id,
                "SourceDiskSize": str(self.size), "SourceDiskType": self.disk_type, "Status": "accomplished"}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "Snapshot":
        return cls(r["SnapshotId"], r["SnapshotName"], r["RegionId"], r["SourceDiskType"], r["SourceDiskId"],
                   int(r["SourceDiskSize"]), bool(r.get("Encrypted")))

    view = to_record


@dataclass(frozen=True)
class ClientToken:
    """A ClientToken already used in a region, the image its call made (a retry gets that id back) and a digest
    of that call's parameters (the same token with other parameters is IdempotentParameterMismatch)."""

    token: str
    image_id: str
    digest: str = ""  # empty in records earlier versions stored: any retry matches

    def to_record(self) -> dict[str, Any]:
        return {"ImageId": self.image_id, "Digest": self.digest}

    @classmethod
    def from_record(cls, token: str, record: Mapping[str, Any]) -> "ClientToken":
        return cls(token, str(record["ImageId"]), str(record.get("Digest") or ""))


def digest(action: str, **params: Any) -> str:
    """What a ClientToken is bound to: the action and every parameter that shapes the image."""
    return hashlib.sha256(repr((action, sorted(params.items(), key=lambda kv: kv[0]))).encode()).hexdigest()
