"""What the simulated CVM keeps per image, instance and snapshot, and how each looks through the API.

Records are dataclasses stored with `to_record()` and read back with `from_record()`, which also
reads the vendor-shaped dicts (API fields plus lower-case bookkeeping keys) that earlier versions
stored, so a state file written by an earlier release keeps working. Every long operation keeps one
shared `Lifecycle`; its phase is computed from the clock whenever a record is viewed.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core.lifecycle import KEY as LIFECYCLE, Lifecycle, Phase
from ..core.wire import SimError

CREATING, NORMAL, CREATEFAILED, SYNCING = "CREATING", "NORMAL", "CREATEFAILED", "SYNCING"
IMPORTING, IMPORTFAILED = "IMPORTING", "IMPORTFAILED"
PUBLIC, CAPTURE, IMPORT, COPY = "public", "capture", "import", "copy"  # how an image came to be
ACCOUNT_UIN = "100000000001"
SEED_TIME = "2026-01-05T08:00:00Z"
DONE = Lifecycle(0.0, 0.0)  # what exists from the start (public images)
COPY_STATE = {Phase.RUNNING: SYNCING, Phase.DONE: NORMAL, Phase.FAILED: CREATEFAILED}
OPERATION_STATE = {Phase.RUNNING: "OPERATING", Phase.DONE: "SUCCESS", Phase.FAILED: "FAILED"}
Tags = list[tuple[str, str]]
AGENT_SECONDS = 20.0  # a launched instance's TAT agent reports Online this long after the instance reads RUNNING


def fail(code: str, message: str) -> SimError:
    """Tencent answers every API error with HTTP 200 and the code in the envelope."""
    return SimError(code, message, 200)


@dataclass(frozen=True)
class Os:
    """The operating system facts an image or a snapshot carries from its source."""

    family: str  # "linux" | "windows": what Sysprep and cloud-init depend on
    platform: str
    name: str


def _tags(raw: Any) -> Tags:
    """Tags as stored now ([key, value] pairs) or as earlier versions stored them ({"Key", "Value"})."""
    out: Tags = []
    for tag in raw or []:
        out.append((str(tag["Key"]), str(tag["Value"])) if isinstance(tag, Mapping) else (str(tag[0]), str(tag[1])))
    return out


def tag_view(tags: Tags) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags]


# images -----------------------------------------------------------------------------
@dataclass
class BoundSnapshot:
    """A snapshot an image is made of, as its SnapshotSet names it."""

    snapshot_id: str
    usage: str  # SYSTEM_DISK | DATA_DISK
    size: int

    def view(self) -> dict[str, Any]:
        return {"SnapshotId": self.snapshot_id, "DiskUsage": self.usage, "DiskSize": self.size}

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> "BoundSnapshot":
        if "SnapshotId" in data:  # an earlier version's SnapshotSet entry
            return cls(str(data["SnapshotId"]), str(data["DiskUsage"]), int(data["DiskSize"]))
        return cls(**data)


@dataclass
class Copy:
    """One destination of a SyncImages, kept on the source too: the source reads SYNCING until every copy ends."""

    region: str
    image_id: str
    lifecycle: Lifecycle

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> "Copy":
        """Release 0.1.0 kept a flat started_at/duration/fail here; Lifecycle.of reads both."""
        return cls(str(data["region"]), str(data["image_id"]), Lifecycle.of(data))


@dataclass
class Image:
    """One image: its API fields, how it came to be (`kind`) and the lifecycle its state is read from."""

    image_id: str
    name: str
    kind: str
    os: Os
    size: int
    created: str
    lifecycle: Lifecycle = DONE
    description: str = ""
    architecture: str = "x86_64"
    image_type: str = "PRIVATE_IMAGE"
    creator: str = ACCOUNT_UIN
    source: str = "CREATE_IMAGE"  # ImageSource
    cloudinit: bool = True
    snapshots: list[BoundSnapshot] = field(default_factory=list)
    tags: Tags = field(default_factory=list)
    license_type: str = "TencentCloud"
    family: str = ""
    deprecated: bool = False
    encrypted: bool = False
    kms_key_id: str = ""
    copies: list[Copy] = field(default_factory=list)
    source_instance: str = ""
    source_snapshots: list[str] = field(default_factory=list)
    image_url: str = ""  # an import's COS object
    boot_mode: str = ""
    synced_from: str = ""  # a copy's source image and its region
    synced_from_region: str = ""

    @property
    def own(self) -> bool:
        """The account's own image (public images are the vendor's: never modified, synced or deleted)."""
        return self.kind != PUBLIC

    def state(self, now: float) -> tuple[str, int | None]:
        """ImageState and SyncPercent now: only a copy shows a percentage; a source reads SYNCING while copied."""
        reading = self.lifecycle.at(now)
        if self.kind == COPY:
            return COPY_STATE[reading.phase], reading.progress
        imported = self.kind == IMPORT
        if reading.phase is Phase.RUNNING:
            return (IMPORTING if imported else CREATING), None
        if reading.phase is Phase.FAILED:
            return (IMPORTFAILED if imported else CREATEFAILED), None
        syncing = any(c.lifecycle.at(now).phase is Phase.RUNNING for c in self.copies)
        return (SYNCING if syncing else NORMAL), None

    def view(self, now: float) -> dict[str, Any]:
        """The image as DescribeImages shows it."""
        state, percent = self.state(now)
        return {
            "ImageId": self.image_id, "OsName": self.os.name, "ImageType": self.image_type, "CreatedTime": self.created,
            "ImageName": self.name, "ImageDescription": self.description, "ImageSize": self.size,
            "Architecture": self.architecture, "ImageState": state, "Platform": self.os.platform,
            "ImageCreator": self.creator, "ImageSource": self.source, "SyncPercent": percent,
            "IsSupportCloudinit": self.cloudinit, "SnapshotSet": [s.view() for s in self.snapshots],
            "Tags": tag_view(self.tags), "LicenseType": self.license_type, "ImageFamily": self.family,
            "ImageDeprecated": self.deprecated, "CdcCacheStatus": "",
        }

    def to_record(self) -> dict[str, Any]:
        return asdict(self)  # the lifecycle lands under its shared key, "lifecycle"

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> "Image":
        if "ImageId" in data:
            return cls._earlier(data)
        return cls(**{**data, "os": Os(**data["os"]), "lifecycle": Lifecycle.of(data), "tags": _tags(data["tags"]),
                      "snapshots": [BoundSnapshot.from_record(s) for s in data["snapshots"]],
                      "copies": [Copy.from_record(c) for c in data["copies"]]})

    @classmethod
    def _earlier(cls, r: Mapping[str, Any]) -> "Image":
        """An image stored by an earlier version: the DescribeImages fields plus lower-case bookkeeping keys
        (a flat started_at/duration/fail lifecycle in release 0.1.0, the `lifecycle` record after it)."""
        kind = str(r.get("kind") or CAPTURE)
        family = str(r.get("os") or ("windows" if r.get("Platform") == "Windows" else "linux"))
        synced = r.get("synced_from") or {}
        return cls(
            image_id=str(r["ImageId"]), name=str(r.get("ImageName") or ""), kind=kind,
            os=Os(family, str(r.get("Platform") or ""), str(r.get("OsName") or "")), size=int(r.get("ImageSize") or 0),
            created=str(r.get("CreatedTime") or ""), lifecycle=DONE if kind == PUBLIC else Lifecycle.of(r),
            description=str(r.get("ImageDescription") or ""), architecture=str(r.get("Architecture") or "x86_64"),
            image_type=str(r.get("ImageType") or "PRIVATE_IMAGE"), creator=str(r.get("ImageCreator") or ""),
            source=str(r.get("ImageSource") or ""), cloudinit=bool(r.get("IsSupportCloudinit")),
            snapshots=[BoundSnapshot.from_record(s) for s in r.get("SnapshotSet") or []], tags=_tags(r.get("Tags")),
            license_type=str(r.get("LicenseType") or "TencentCloud"), family=str(r.get("ImageFamily") or ""),
            deprecated=bool(r.get("ImageDeprecated")), encrypted=bool(r.get("encrypted")),
            kms_key_id=str(r.get("kms_key_id") or ""), copies=[Copy.from_record(c) for c in r.get("copies") or []],
            source_instance=str(r.get("source_instance") or ""), source_snapshots=list(r.get("source_snapshots") or []),
            image_url=str(r.get("image_url") or ""), boot_mode=str(r.get("boot_mode") or ""),
            synced_from=str(synced.get("ImageId") or ""), synced_from_region=str(synced.get("Region") or ""))


# instances --------------------------------------------------------------------------
@dataclass
class Disk:
    disk_id: str
    size: int
    disk_type: str = "CLOUD_PREMIUM"
    encrypted: bool = False
    delete_with_instance: bool = True

    def view(self, data: bool = True) -> dict[str, Any]:
        """A data disk shows Encrypt and DeleteWithInstance; DescribeInstances' SystemDisk does not."""
        out: dict[str, Any] = {"DiskType": self.disk_type, "DiskId": self.disk_id, "DiskSize": self.size}
        if data:
            out.update(Encrypt=self.encrypted, DeleteWithInstance=self.delete_with_instance)
        return out

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> "Disk":
        if "DiskId" in d:  # an earlier version's SystemDisk or DataDisks entry
            return cls(str(d["DiskId"]), int(d["DiskSize"]), str(d.get("DiskType") or "CLOUD_PREMIUM"),
                       bool(d.get("Encrypt")), bool(d.get("DeleteWithInstance", True)))
        return cls(**d)


@dataclass
class Instance:
    """A CVM instance images are captured from; `operation` is its latest operation's lifecycle (CreateImage).

    `state` is its state as of the last power change; `stop` a stop (StopInstances, or the guest
    shutting itself down) read from the clock: nothing before it starts, STOPPING while it runs,
    STOPPED once it ended. `terminating` is a TerminateInstances: TERMINATING, then gone.
    """

    instance_id: str
    name: str
    zone: str
    os: Os
    image_id: str  # the public image it runs
    system_disk: Disk
    data_disks: list[Disk]
    private_ips: list[str]
    uuid: str
    login_user: str
    login_port: int
    state: str = "RUNNING"
    created: str = SEED_TIME
    system_encrypted: bool = False
    instance_type: str = "S5.MEDIUM4"
    cpu: int = 2
    memory: int = 4
    latest_operation: str | None = None
    operation: Lifecycle | None = None
    tags: Tags = field(default_factory=list)
    stop: Lifecycle | None = None
    terminating: Lifecycle | None = None
    launch: Lifecycle | None = None  # RunInstances: PENDING while it runs, LAUNCH_FAILED if it fails (launch.py)
    launch_error: str = ""  # LatestOperationErrorMsg of a failed launch
    client_token: str = ""
    vpc_id: str = "vpc-imgforge1"
    subnet_id: str = "subnet-imgforge1"
    security_group_ids: list[str] = field(default_factory=lambda: ["sg-imgforge1"])
    public_ips: list[str] = field(default_factory=list)

    def operation_phase(self, now: float) -> Phase | None:
        return None if self.operation is None else self.operation.at(now).phase

    def state_at(self, now: float) -> str:
        if self.terminating is not None:
            return "TERMINATING"
        if self.launch is not None:
            phase = self.launch.at(now).phase
            if phase is not Phase.DONE:
                return "PENDING" if phase is Phase.RUNNING else "LAUNCH_FAILED"
        if self.stop is not None and now >= self.stop.started_at:
            return "STOPPED" if self.stop.at(now).phase is Phase.DONE else "STOPPING"
        return self.state

    def agent_started(self, now: float) -> bool:
        """Whether the guest's TAT agent has started: at once for seeded instances, AGENT_SECONDS after a launch."""
        if self.launch is None:
            return True
        return now >= self.launch.started_at + self.launch.duration + AGENT_SECONDS

    def gone(self, now: float) -> bool:
        return self.terminating is not None and self.terminating.at(now).phase is Phase.DONE

    def view(self, now: float) -> dict[str, Any]:
        """The instance as DescribeInstances shows it; LatestOperationState follows the operation's lifecycle."""
        phase = self.operation_phase(now)
        return {
            "Placement": {"Zone": self.zone, "ProjectId": 0}, "InstanceId": self.instance_id,
            "InstanceType": self.instance_type, "CPU": self.cpu, "Memory": self.memory, "RestrictState": "NORMAL",
            "InstanceName": self.name, "InstanceChargeType": "POSTPAID_BY_HOUR",
            "SystemDisk": self.system_disk.view(data=False), "DataDisks": [d.view() for d in self.data_disks],
            "PrivateIpAddresses": list(self.private_ips), "PublicIpAddresses": list(self.public_ips) or None, "ImageId": self.image_id,
            "RenewFlag": "", "CreatedTime": self.created, "ExpiredTime": None, "OsName": self.os.name,
            "SecurityGroupIds": list(self.security_group_ids), "LoginSettings": {"KeyIds": None},
            "InstanceState": self.state_at(now), "Tags": tag_view(self.tags), "StopChargingMode": "NOT_APPLICABLE", "Uuid": self.uuid,
            "LatestOperation": self.latest_operation,
            "LatestOperationState": None if phase is None else OPERATION_STATE[phase], "LatestOperationRequestId": None,
            "DisasterRecoverGroupId": "", "CamRoleName": "", "LicenseType": "TencentCloud",
            "DisableApiTermination": False, "DefaultLoginUser": self.login_user, "DefaultLoginPort": self.login_port,
        } | self._launched_view(phase)

    def _launched_view(self, phase: Phase | None) -> dict[str, Any]:
        """What a launched instance shows besides (records written before launches keep their exact shape)."""
        if self.launch is None:
            return {}
        return {"LatestOperationErrorMsg": self.launch_error if phase is Phase.FAILED else "",
                "VirtualPrivateCloud": {"VpcId": self.vpc_id, "SubnetId": self.subnet_id, "AsVpcGateway": False}}

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> "Instance":
        if "InstanceId" in data:
            return cls._earlier(data)
        op, stop, ending, launch = data["operation"], data.get("stop"), data.get("terminating"), data.get("launch")
        return cls(**{**data, "os": Os(**data["os"]), "system_disk": Disk.from_record(data["system_disk"]),
                      "data_disks": [Disk.from_record(d) for d in data["data_disks"]],
                      "operation": None if op is None else Lifecycle.of({LIFECYCLE: op}),
                      "tags": _tags(data.get("tags")),
                      "stop": None if stop is None else Lifecycle.of({LIFECYCLE: stop}),
                      "terminating": None if ending is None else Lifecycle.of({LIFECYCLE: ending}),
                      "launch": None if launch is None else Lifecycle.of({LIFECYCLE: launch})})

    @classmethod
    def _earlier(cls, r: Mapping[str, Any]) -> "Instance":
        """An instance in the DescribeInstances shape plus bookkeeping keys; release 0.1.0 kept its operation as
        the time it ends (`op_until`, `op_failed`), read here as a lifecycle that ends (or fails) then."""
        operation: Lifecycle | None = None
        if LIFECYCLE in r:
            operation = Lifecycle.of(r)
        elif r.get("op_until") is not None:
            until, span = float(r["op_until"]), 600.0  # the start was never kept: only the end is read
            operation = Lifecycle(until - span, span, 1.0 if r.get("op_failed") else None)
        return cls(
            instance_id=str(r["InstanceId"]), name=str(r.get("InstanceName") or ""), zone=str(r["Placement"]["Zone"]),
            os=Os(str(r.get("os") or "linux"), str(r.get("platform") or ""), str(r.get("OsName") or "")),
            image_id=str(r.get("ImageId") or ""), system_disk=Disk.from_record(r["SystemDisk"]),
            data_disks=[Disk.from_record(d) for d in r.get("DataDisks") or []],
            private_ips=list(r.get("PrivateIpAddresses") or []), uuid=str(r.get("Uuid") or ""),
            login_user=str(r.get("DefaultLoginUser") or ""), login_port=int(r.get("DefaultLoginPort") or 0),
            state=str(r.get("InstanceState") or "RUNNING"), created=str(r.get("CreatedTime") or SEED_TIME),
            system_encrypted=bool(r.get("system_encrypted")), instance_type=str(r.get("InstanceType") or "S5.MEDIUM4"),
            cpu=int(r.get("CPU") or 2), memory=int(r.get("Memory") or 4), latest_operation=r.get("LatestOperation"),
            operation=operation)


# snapshots --------------------------------------------------------------------------
@dataclass
class Snapshot:
    """A CBS snapshot; `images` are the (id, name) of the images made of it, `owner_image` the one that made it."""

    snapshot_id: str
    zone: str
    usage: str
    disk_id: str
    size: int
    name: str
    os: Os
    created: str = SEED_TIME
    encrypted: bool = False
    state: str = "NORMAL"
    images: list[tuple[str, str]] = field(default_factory=list)
    owner_image: str = ""

    def view(self) -> dict[str, Any]:
        """The snapshot as DescribeSnapshots shows it."""
        return {
            "SnapshotId": self.snapshot_id, "Placement": {"Zone": self.zone, "ProjectId": 0}, "DiskUsage": self.usage,
            "DiskId": self.disk_id, "DiskSize": self.size, "SnapshotState": self.state, "SnapshotName": self.name,
            "Percent": 100, "CreateTime": self.created, "DeadlineTime": None, "Encrypt": self.encrypted,
            "IsPermanent": True, "CopyingToRegions": [], "CopyFromRemote": False,
            "Images": [{"ImageId": i, "ImageName": n} for i, n in self.images], "ImageCount": len(self.images),
            "SnapshotType": "PRIVATE_SNAPSHOT", "ShareReference": 0, "TimeStartShare": None,
        }

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> "Snapshot":
        if "SnapshotId" in data:  # stored by an earlier version in the DescribeSnapshots shape
            r = data
            return cls(
                snapshot_id=str(r["SnapshotId"]), zone=str(r["Placement"]["Zone"]), usage=str(r["DiskUsage"]),
                disk_id=str(r.get("DiskId") or ""), size=int(r["DiskSize"]), name=str(r.get("SnapshotName") or ""),
                os=Os(str(r.get("os") or "linux"), str(r.get("platform") or ""), str(r.get("os_name") or "")),
                created=str(r.get("CreateTime") or SEED_TIME), encrypted=bool(r.get("Encrypt")),
                state=str(r.get("SnapshotState") or "NORMAL"),
                images=[(str(i["ImageId"]), str(i["ImageName"])) for i in r.get("Images") or []],
                owner_image=str(r.get("owner_image") or ""))
        return cls(**{**data, "os": Os(**data["os"]), "images": [(str(i), str(n)) for i, n in data["images"]]})
