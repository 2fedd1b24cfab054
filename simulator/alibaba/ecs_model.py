"""Alibaba ECS images, instances and snapshots: records, rules, lazy lifecycles and ECS error codes.

The model takes typed arguments (ecs_wire.py parses the vendor's parameters) and keeps dataclass
records; how far a capture, an import or a copy has gone is read from the shared Lifecycle.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import Lifecycle, Phase
from ..core.wire import SimError
from .ecs_records import ClientToken, Instance, Snapshot, digest
from .regions import ECS_REGIONS

VENDOR = "alibaba-ecs"
CAPTURE_SECONDS = 600.0
IMPORT_SECONDS = 1200.0
IMPORT_FORMATS = ("RAW", "VHD", "QCOW2", "VMDK")
COPY_SLOTS = 5  # CopyImage: five copy tasks run at once in a region, the rest wait in turn (API reference)
# ECS refuses a second image of the same name in a region (InvalidImageName.Duplicated); the ECS service
# declares names_unique_per_region, so a replacement under the same name deletes the old image first.
NAMES_UNIQUE = True
CREATING, AVAILABLE, FAILED = "Creating", "Available", "CreateFailed"
STATUS = {Phase.RUNNING: CREATING, Phase.DONE: AVAILABLE, Phase.FAILED: FAILED}
UNSTARTED = Lifecycle(0.0, 0.0)  # a new image's lifecycle until _new_image starts it
SEEDED_REGIONS: dict[str, str] = {"cn-hangzhou": "bp1", "cn-shanghai": "uf6", "ap-southeast-1": "t4n"}


def copy_seconds(region: str) -> float:
    """Each destination region takes its own, repeatable time: 5 to 14 minutes."""
    return 300.0 + (hashlib.sha256(region.encode()).digest()[0] % 10) * 60.0


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


# Image fields and the DescribeImages keys they answer as; earlier versions stored the image under these keys.
IMAGE_KEYS: tuple[tuple[str, str], ...] = (
    ("image_id", "ImageId"), ("region", "RegionId"), ("name", "ImageName"), ("description", "Description"),
    ("created", "CreationTime"), ("os_type", "OSType"), ("os_name", "OSName"), ("size", "Size"),
    ("platform", "Platform"), ("architecture", "Architecture"), ("family", "ImageFamily"),
    ("version", "ImageVersion"), ("resource_group", "ResourceGroupId"), ("boot_mode", "BootMode"),
    ("source_instance", "SourceInstanceId"), ("source_snapshot", "SourceSnapshotId"),
    ("imported_from", "ImportedFrom"), ("copied_from", "CopiedFromImageId"),
    ("copied_from_region", "CopiedFromRegionId"), ("encrypted", "IsEncrypted"), ("kms_key", "KMSKeyId"),
)


@dataclass
class Image:
    """One custom image. An optional field left None is absent from DescribeImages, as only the calls that
    set it (CreateImage: family, version...; CopyImage: the source; ImportImage: the OSS object) show it."""

    image_id: str
    region: str
    name: str
    description: str
    created: str
    lifecycle: Lifecycle
    os_type: str = ""
    os_name: str = ""
    size: int = 0
    platform: str = ""
    architecture: str = "x86_64"
    tags: dict[str, str] = field(default_factory=dict)
    family: str | None = None
    version: str | None = None
    resource_group: str | None = None
    boot_mode: str | None = None
    source_instance: str | None = None
    source_snapshot: str | None = None
    imported_from: str | None = None
    copied_from: str | None = None
    copied_from_region: str | None = None
    encrypted: bool | None = None
    kms_key: str | None = None

    def to_record(self) -> dict[str, Any]:
        return asdict(self)  # the lifecycle nests under its own key, as Lifecycle.of reads it back

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> "Image":
        """Read this version's records and the vendor-shaped ones earlier versions stored (with the lifecycle
        under `lifecycle` or in the flat started_at / duration / fail keys of 0.1.0)."""
        if "ImageId" not in record:
            return cls(**{**record, "lifecycle": Lifecycle.of(record), "tags": dict(record.get("tags") or {})})
        values = {name: record[key] for name, key in IMAGE_KEYS if key in record}
        tags = {t["TagKey"]: t["TagValue"] for t in (record.get("Tags") or {}).get("Tag", [])}
        return cls(**values, lifecycle=Lifecycle.of(record), tags=tags)

    @property
    def is_copy(self) -> bool:
        return bool(self.copied_from)

    def status(self, now: float) -> tuple[str, int]:
        reading = self.lifecycle.at(now)
        return STATUS[reading.phase], reading.progress

    def view(self, now: float) -> dict[str, Any]:
        """As DescribeImages shows it; keys in the (sorted) order earlier versions answered with."""
        out: dict[str, Any] = {key: getattr(self, name) for name, key in IMAGE_KEYS if getattr(self, name) is not None}
        out.update(ImageOwnerAlias="self", Usage="none", IsCopied=self.is_copy,
                   Tags={"Tag": [{"TagKey": k, "TagValue": v} for k, v in sorted(self.tags.items())]})
        status, progress = self.status(now)
        return {**dict(sorted(out.items())), "Status": status, "Progress": f"{progress}%"}


def image_keys(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What DescribeImages and DeleteImage look images up by: name, each tag and the image a copy came from."""
    image = Image.from_record(record)
    keys = [("name", image.name), *(("tag", json.dumps([k, v])) for k, v in image.tags.items())]
    return keys + ([("copied_from", image.copied_from)] if image.copied_from else [])


class EcsModel:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.store.index(VENDOR, "image", image_keys, "1")

    # seeds ---------------------------------------------------------------------
    def seed(self) -> None:
        for region, prefix in SEEDED_REGIONS.items():
            for os_type, tag in (("linux", "lnx"), ("windows", "win")):
                os_name = "Alibaba Cloud Linux 3" if os_type == "linux" else "Windows Server 2022"
                instance = Instance(f"i-{prefix}imageforge{tag}01", f"golden-{os_type}", region, "Running", os_type,
                                    os_name, 40)
                self.store.put(VENDOR, region, "instance", instance.instance_id, instance.to_record())
            for kind, disk_type in (("sys", "system"), ("data", "data")):
                snapshot = Snapshot(f"s-{prefix}imageforge{kind}01", f"golden-{kind}", region, disk_type,
                                    f"d-{prefix}imageforge{kind}01", 40)
                self.store.put(VENDOR, region, "snapshot", snapshot.snapshot_id, snapshot.to_record())

    # lookups -------------------------------------------------------------------
    def check_region(self, region: str) -> None:
        if region not in ECS_REGIONS:
            raise SimError("InvalidRegionId.NotFound", f"The specified RegionId {region!r} does not exist.", 404)

    def instances(self, region: str, *, instance_ids: list[str]) -> list[Instance]:
        self.check_region(region)
        found = [Instance.from_record(r) for r in self.store.list(VENDOR, region, "instance")]
        return [i for i in found if not instance_ids or i.instance_id in instance_ids]

    def instance(self, region: str, instance_id: str) -> Instance:
        found = self.store.get(VENDOR, region, "instance", instance_id)
        if found is None:
            raise SimError("InvalidInstanceId.NotFound", "The specified InstanceId does not exist.", 404)
        return Instance.from_record(found)

    def snapshots(self, region: str, *, snapshot_ids: list[str]) -> list[Snapshot]:
        self.check_region(region)
        found = [Snapshot.from_record(r) for r in self.store.list(VENDOR, region, "snapshot")]
        return [s for s in found if not snapshot_ids or s.snapshot_id in snapshot_ids]

    def snapshot(self, region: str, snapshot_id: str) -> Snapshot:
        found = self.store.get(VENDOR, region, "snapshot", snapshot_id)
        if found is None:
            raise SimError("InvalidSnapshotId.NotFound", "The specified SnapshotId does not exist.", 404)
        return Snapshot.from_record(found)

    def images(self, region: str, *, image_ids: list[str], statuses: list[str], name: str, tags: dict[str, str],
               now: float) -> list[Image]:
        """DescribeImages' filters, applied to the records before any view is built (ids, a name or a tag
        first narrow the records read, through the store's indexes)."""
        self.check_region(region)
        if image_ids:
            records = self.store.get_many(VENDOR, region, "image", image_ids)
        elif name:
            records = self.store.lookup(VENDOR, region, "image", "name", [name])
        elif tags:
            key, value = next(iter(tags.items()))
            records = self.store.lookup(VENDOR, region, "image", "tag", [json.dumps([key, value])])
        else:
            records = self.store.list(VENDOR, region, "image")
        out = []
        for record in records:
            image = Image.from_record(record)
            if (image_ids and image.image_id not in image_ids) or image.status(now)[0] not in statuses:
                continue
            if (name and image.name != name) or any(image.tags.get(k) != v for k, v in tags.items()):
                continue
            out.append(image)
        return out

    def image(self, region: str, image_id: str) -> Image:
        found = self._find(region, image_id)
        if found is None:
            raise SimError("InvalidImageId.NotFound", "The specified ImageId does not exist.", 404)
        return found

    def _find(self, region: str, image_id: str) -> Image | None:
        found = self.store.get(VENDOR, region, "image", image_id)
        return None if found is None else Image.from_record(found)

    def _put(self, image: Image) -> None:
        self.store.put(VENDOR, image.region, "image", image.image_id, image.to_record())

    def _token(self, region: str, token: str, call: str = "") -> str | None:
        """The image an earlier call with this ClientToken made, while it still exists; the token reused with
        other parameters is refused, as the idempotence rules say."""
        found = self.store.get(VENDOR, region, "token", token) if token else None
        used = None if found is None else ClientToken.from_record(token, found)
        if used is None or self._find(region, used.image_id) is None:
            return None
        if used.digest and call and used.digest != call:
            raise SimError("IdempotentParameterMismatch", "The specified parameters are different from before.", 400)
        return used.image_id

    def _check_name(self, region: str, name: str, exclude: str = "") -> None:
        """Image names are unique among the account's images in a region (InvalidImageName.Duplicated)."""
        if NAMES_UNIQUE and name and any(
                r.get("name", r.get("ImageName")) == name and r.get("image_id", r.get("ImageId")) != exclude
                for r in self.store.lookup(VENDOR, region, "image", "name", [name])):
            raise SimError("InvalidImageName.Duplicated", "The specified Image name has already been used.", 400)

    # images ----------------------------------------------------------------------
    def _new_image(self, image: Image, duration: float, action: str, token: str, call: str = "",
                   start: float | None = None) -> str:
        """Store a new image; an injected `fail` fault (for this action and region) makes it fail half way.
        `start` is when the work begins, later than now for a copy waiting for a slot."""
        self._check_name(image.region, image.name)
        image.image_id = ids.prefixed(self.store, "ecs.image", "m-", 20)
        fail = self.ctx.take_failure(VENDOR, action, image.region) is not None
        now = self.ctx.now()
        image.created, image.lifecycle = iso(now), Lifecycle.start(max(now, start or now), duration, fail)
        self._put(image)
        if token:
            self.store.put(VENDOR, image.region, "token", token, ClientToken(token, image.image_id, call).to_record())
        return image.image_id

    def create_image(self, region: str, *, instance: str = "", snapshot: str = "", name: str = "",
                     description: str = "", platform: str = "", architecture: str = "x86_64", family: str = "",
                     version: str = "", resource_group: str = "", boot_mode: str = "",
                     tags: dict[str, str] | None = None, token: str = "") -> str:
        """CreateImage from a running or stopped instance, or from a system-disk snapshot."""
        self.check_region(region)
        call = digest("CreateImage", instance=instance, snapshot=snapshot, name=name, description=description,
                      platform=platform, architecture=architecture, family=family, version=version,
                      resource_group=resource_group, boot_mode=boot_mode, tags=sorted((tags or {}).items()))
        existing = self._token(region, token, call)
        if existing:
            return existing
        if name and (not 2 <= len(name) <= 128 or not name[0].isalpha() or name.startswith(("http://", "https://"))):
            raise SimError("InvalidImageName.Malformed", "The specified image name is wrongly formed.", 400)
        if instance and snapshot:
            raise SimError("InvalidParameter.Conflict", "InstanceId and SnapshotId cannot be specified together.", 400)
        image = Image("", region, name, description, "", UNSTARTED, platform=platform,
                      architecture=architecture, family=family, version=version, resource_group=resource_group,
                      boot_mode=boot_mode, tags=dict(tags or {}))
        if instance:
            inst = self.instance(region, instance)
            if inst.status not in ("Running", "Stopped"):
                raise SimError("IncorrectInstanceStatus",
                               "The current status of the resource does not support this operation.", 403)
            image.os_type, image.os_name, image.size = inst.os_type, inst.os_name, inst.system_disk_size
            image.source_instance = inst.instance_id
            image.platform = platform or ("Windows Server 2022" if inst.os_type == "windows" else "Aliyun")
        elif snapshot:
            snap = self.snapshot(region, snapshot)
            if snap.disk_type != "system":
                raise SimError("InvalidSnapshotId.NotSystemDisk", "The specified snapshot is not of a system disk.", 400)
            image.os_type, image.os_name, image.size = "linux", "Linux", snap.size
            image.source_snapshot = snap.snapshot_id
        else:
            raise SimError("MissingParameter", "InstanceId or SnapshotId is required.", 400)
        return self._new_image(image, CAPTURE_SECONDS, "CreateImage", token, call)

    def import_image(self, region: str, *, bucket: str, key: str, disk_format: str = "", size: int = 40,
                     os_type: str = "", name: str = "", description: str = "", platform: str = "",
                     architecture: str = "", boot_mode: str = "", tags: dict[str, str] | None = None,
                     token: str = "") -> str:
        """ImportImage from an OSS object: the object is trusted to exist (the simulator has no OSS)."""
        self.check_region(region)
        call = digest("ImportImage", bucket=bucket, key=key, disk_format=disk_format, size=size, os_type=os_type,
                      name=name, description=description, platform=platform, architecture=architecture,
                      boot_mode=boot_mode, tags=sorted((tags or {}).items()))
        existing = self._token(region, token, call)
        if existing:
            return existing
        if not bucket or not key:
            raise SimError("MissingParameter", "DiskDeviceMapping.1.OSSBucket and OSSObject are required.", 400)
        if disk_format and disk_format.upper() not in IMPORT_FORMATS:
            raise SimError("InvalidParameter.Format", f"The specified format {disk_format.upper()!r} is not supported.", 400)
        os_type = os_type or "linux"
        windows = os_type == "windows"
        image = Image("", region, name, description, "", UNSTARTED, os_type=os_type,
                      os_name="Windows Server" if windows else "Linux", size=size,
                      platform=platform or ("Windows Server 2022" if windows else "Others Linux"),
                      architecture=architecture or "x86_64", boot_mode=boot_mode or "BIOS",
                      imported_from=f"oss://{bucket}/{key}", tags=dict(tags or {}))
        return self._new_image(image, IMPORT_SECONDS, "ImportImage", token, call)

    def set_tags(self, region: str, *, image_id: str, tags: dict[str, str]) -> None:
        if not tags:
            return
        image = self.image(region, image_id)
        image.tags.update(tags)
        self._put(image)

    def remove_tags(self, region: str, *, image_id: str, keys: list[str]) -> None:
        image = self.image(region, image_id)
        image.tags = {k: v for k, v in image.tags.items() if k not in keys}
        self._put(image)

    def modify(self, region: str, *, image_id: str, name: str | None, description: str | None) -> None:
        """None leaves a value as it is; an empty string clears it."""
        image = self.image(region, image_id)
        if name is not None:
            self._check_name(region, name, exclude=image_id)
            image.name = name
        if description is not None:
            image.description = description
        self._put(image)

    def _copies(self, now: float) -> list[Image]:
        """Every copy not finished yet, in any region (running, or waiting for a slot)."""
        return [image for image in (Image.from_record(r) for r in self.store.list(VENDOR, None, "image"))
                if image.is_copy and image.status(now)[0] == CREATING]

    def _copy_start(self, source_region: str, now: float) -> float:
        """At most COPY_SLOTS copies from one region run at once; a further one waits for the earliest slot."""
        ends = sorted(c.lifecycle.started_at + c.lifecycle.duration for c in self._copies(now)
                      if c.copied_from_region == source_region)
        return now if len(ends) < COPY_SLOTS else max(now, ends[len(ends) - COPY_SLOTS])

    def delete_image(self, region: str, *, image_id: str, force: bool = False) -> None:
        """`force` changes nothing here: no instance runs from a simulated image, and a Creating image or one
        being copied is refused whatever it says (the copy is stopped with CancelCopyImage)."""
        image = self._find(region, image_id)
        if image is None:
            return  # the real API ignores an unknown id
        now = self.ctx.now()
        if image.is_copy and image.status(now)[0] == CREATING or \
                any(c.copied_from == image_id for c in self._copies(now)):
            raise SimError("OperationDenied.ImageCopying", "The image is being copied. Please use the CancelCopyImage "
                                                           "API.", 403)
        if image.imported_from and image.status(now)[0] == CREATING:
            raise SimError("ImageIsImporting", "The specified Image is importing.", 403)
        if image.status(now)[0] == CREATING:
            raise SimError("IncorrectImageStatus", "The image is being created and cannot be deleted.", 403)
        self.store.delete(VENDOR, region, "image", image_id)

    def copy_image(self, region: str, *, image_id: str, destination: str, name: str = "", description: str = "",
                   encrypted: bool = False, kms_key: str = "", tags: dict[str, str] | None = None,
                   token: str = "") -> str:
        """CopyImage: a new image in `destination`; the destination region's `fail` fault decides failure."""
        self.check_region(region)
        if not destination:
            raise SimError("MissingDestinationRegionId", "DestinationRegionId is mandatory for this action.", 400)
        self.check_region(destination)
        if destination == region:
            raise SimError("InvalidDestinationRegion", "The destination region must differ from the source region.", 400)
        source = self.image(region, image_id)
        if source.status(self.ctx.now())[0] != AVAILABLE:
            raise SimError("IncorrectImageStatus", "The image must be Available to be copied.", 403)
        call = digest("CopyImage", source=image_id, region=region, name=name, description=description,
                      encrypted=encrypted, kms_key=kms_key, tags=sorted((tags or {}).items()))
        existing = self._token(destination, token, call)
        if existing:
            return existing
        copy = Image("", destination, name or source.name, description or source.description, "",
                     UNSTARTED, os_type=source.os_type, os_name=source.os_name, size=source.size,
                     platform=source.platform, architecture=source.architecture, tags=dict(tags or {}),
                     copied_from=source.image_id, copied_from_region=region, encrypted=encrypted, kms_key=kms_key)
        now = self.ctx.now()
        return self._new_image(copy, copy_seconds(destination), "CopyImage", token, call,
                               start=self._copy_start(region, now))

    def cancel_copy(self, region: str, *, image_id: str) -> None:
        """`region` is the destination: the copy in progress there is stopped and removed."""
        image = self.image(region, image_id)
        if not image.is_copy:
            raise SimError("ImageCreatedNotFromCopy", "The specified image is not the target image of a copy action.", 400)
        if image.status(self.ctx.now())[0] != CREATING:
            raise SimError("IncorrectImageStatus", "The image is copied finished.", 400)
        self.store.delete(VENDOR, region, "image", image_id)
