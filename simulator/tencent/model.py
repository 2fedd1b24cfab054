"""Tencent Cloud CVM images, instances and CBS snapshots: typed operations, the vendor's rules and error codes.

The model takes typed arguments (the wire parses requests) and keeps records (records.py). Every long
operation keeps one shared lifecycle (simulator/core/lifecycle.py), read whenever the object is read
(never ticked): a capture is CREATING for its duration, then NORMAL (or CREATEFAILED when a `fail`
fault was injected); an import (imports.py) is IMPORTING, then NORMAL or IMPORTFAILED; a SyncImages
copy (sync.py) is SYNCING with a rising SyncPercent in its destination region while its source reads
SYNCING; an instance's LatestOperationState is OPERATING while its CreateImage runs.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import Lifecycle, Phase
from . import seeds
from .instances import retag_instance
from .query import Field, Filter, select
from .records import (CAPTURE, CREATING, IMPORTING, SYNCING, BoundSnapshot, Disk, Image, Instance, Os,
                      Snapshot, Tags, fail)
from .regions import CVM_REGIONS, FINANCE_REGIONS
from .signing import current_uin

VENDOR = "tencent-cvm"
BUSY = (CREATING, IMPORTING, SYNCING)  # states DeleteImages refuses
CAPTURE_SECONDS = 600.0  # system disk of a running instance
DATA_DISK_SECONDS = 120.0  # each data disk in a whole-instance image
SYSPREP_SECONDS = 300.0  # Windows with Sysprep
SNAPSHOT_CAPTURE_SECONDS = 420.0
FAIL_AT = 0.5  # an injected failure shows half-way through
IMAGE_QUOTA = 500  # custom images per region (DeleteImages docs)
NAME_MAX, DESCRIPTION_MAX = 60, 256
RESERVED_TAG_PREFIXES = ("qcloud", "tencent", "project")
IMAGE_ID = re.compile(r"^img-[a-z0-9]{8}$")
INSTANCE_ID = re.compile(r"^ins-[a-z0-9]{8}$")
SNAPSHOT_ID = re.compile(r"^snap-[a-z0-9]{8}$")
RESOURCE_NAME = re.compile(r"^qcs::cvm:([a-z0-9-]+):uin/(\d+):(image/img|instance/ins)-([a-z0-9]{8})$")
# Describe filters, read from the records before any view is built.
INSTANCE_FILTERS: dict[str, Field[Instance]] = {
    "instance-id": lambda i: [i.instance_id], "instance-name": lambda i: [i.name], "zone": lambda i: [i.zone],
    "instance-state": lambda i: [i.state], "tag-key": lambda i: [k for k, _ in i.tags]}
SNAPSHOT_FILTERS: dict[str, Field[Snapshot]] = {
    "snapshot-id": lambda s: [s.snapshot_id], "disk-id": lambda s: [s.disk_id], "disk-usage": lambda s: [s.usage],
    "snapshot-name": lambda s: [s.name], "snapshot-state": lambda s: [s.state],
    "encrypt": lambda s: [str(s.encrypted).upper()]}
IMAGE_FILTERS: dict[str, Field[Image]] = {
    "image-id": lambda i: [i.image_id], "image-type": lambda i: [i.image_type], "image-name": lambda i: [i.name],
    "platform": lambda i: [i.os.platform], "tag-key": lambda i: [k for k, _ in i.tags],
    "tag-value": lambda i: [v for _, v in i.tags]}


def copy_seconds(region: str) -> float:
    """Each destination region takes its own, repeatable time: 5 to 14 minutes."""
    return 300.0 + (hashlib.sha256(("tencent/" + region).encode()).digest()[0] % 10) * 60.0


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def check_image_id(image_id: str) -> None:
    if not IMAGE_ID.match(image_id):
        raise fail("InvalidImageId.Malformed", f"The image id `{image_id}` is malformed: use img-xxxxxxxx.")


@dataclass
class Plan:
    """What one CreateImage captures: an instance's system disk and chosen data disks, or a set of snapshots."""

    duration: float
    os: Os
    encrypted: bool
    size: int
    instance: Instance | None = None
    data: list[Disk] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)


def image_keys(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What reads and the name and quota checks look images up by: tags, and an own image's name."""
    image = Image.from_record(record)
    keys = [("tag-key", k) for k, _ in image.tags] + [("tag", json.dumps([k, v])) for k, v in image.tags]
    return keys + ([("own", "1"), ("own-name", image.name)] if image.own else [])


class CvmModel:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.store.index(VENDOR, "image", image_keys, "1")

    # seeds ---------------------------------------------------------------------
    def seed(self) -> None:
        for region in CVM_REGIONS:
            for image in seeds.public_images():
                self.put_image(region, image)
        for region, prefix in seeds.SEEDED_REGIONS.items():
            for inst in seeds.instances(region, prefix):
                self._put_instance(region, inst)
            for snap in seeds.snapshots(region, prefix):
                self._put_snapshot(region, snap)

    @staticmethod
    def check_region(region: str) -> None:
        if region not in CVM_REGIONS and region not in FINANCE_REGIONS:
            raise fail("UnsupportedRegion", f"The region `{region}` is not supported by this API.")

    # instances -------------------------------------------------------------------
    def instances(self, region: str, ids_: list[str], filters: list[Filter]) -> list[Instance]:
        now = self.ctx.now()
        found = [Instance.from_record(r) for r in self.store.list(VENDOR, region, "instance")]
        found = [i for i in found if not i.gone(now)]
        for inst in found:
            inst.state = inst.state_at(now)  # what the instance-state filter reads
        return select([i for i in found if not ids_ or i.instance_id in ids_], filters, INSTANCE_FILTERS,
                      tags=lambda i: i.tags)

    def instance_view(self, inst: Instance) -> dict[str, object]:
        return inst.view(self.ctx.now())

    def _instance(self, region: str, instance_id: str) -> Instance:
        if not INSTANCE_ID.match(instance_id):
            raise fail("InvalidInstanceId.Malformed", f"The instance id `{instance_id}` is malformed.")
        found = self.store.get(VENDOR, region, "instance", instance_id)
        inst = None if found is None else Instance.from_record(found)
        if inst is None or inst.gone(self.ctx.now()):
            raise fail("InvalidInstanceId.NotFound", f"The instance `{instance_id}` does not exist.")
        return inst

    def instance(self, region: str, instance_id: str) -> Instance:
        """An existing instance (InvalidInstanceId.NotFound otherwise), as stored."""
        return self._instance(region, instance_id)

    def put_instance(self, region: str, inst: Instance) -> None:
        self._put_instance(region, inst)

    def _put_instance(self, region: str, inst: Instance) -> None:
        self.store.put(VENDOR, region, "instance", inst.instance_id, inst.to_record())

    # snapshots (the CBS API; shown here because images bind them) ------------------
    def snapshots(self, region: str, ids_: list[str], filters: list[Filter]) -> list[Snapshot]:
        found = [Snapshot.from_record(r) for r in self.store.list(VENDOR, region, "snapshot")]
        return select([s for s in found if not ids_ or s.snapshot_id in ids_], filters, SNAPSHOT_FILTERS)

    def _snapshot(self, region: str, snapshot_id: str) -> Snapshot:
        if not SNAPSHOT_ID.match(snapshot_id):
            raise fail("InvalidParameterValue.SnapshotIdMalformed",
                       f"The snapshot id `{snapshot_id}` is malformed: use snap-xxxxxxxx.")
        found = self.store.get(VENDOR, region, "snapshot", snapshot_id)
        if found is None:
            raise fail("InvalidParameter.SnapshotNotFound", f"The snapshot `{snapshot_id}` does not exist.")
        return Snapshot.from_record(found)

    def _put_snapshot(self, region: str, snap: Snapshot) -> None:
        self.store.put(VENDOR, region, "snapshot", snap.snapshot_id, snap.to_record())

    def _bind(self, region: str, snap: Snapshot, image_id: str, image_name: str) -> BoundSnapshot:
        snap.images.append((image_id, image_name))
        self._put_snapshot(region, snap)
        return BoundSnapshot(snap.snapshot_id, snap.usage, snap.size)

    def own_snapshot(self, region: str, usage: str, disk_id: str, size: int, os_: Os, image_id: str, image_name: str,
                     encrypted: bool) -> BoundSnapshot:
        """A snapshot a capture, an import or a sync makes for its image (DeleteBindedSnap removes it)."""
        snap_id = ids.prefixed(self.store, "cvm.snapshot", "snap-", 8)
        snap = seeds.snapshot(region, snap_id, disk_id, usage, size, os_, encrypted=encrypted,
                              name=f"{image_name}-{usage.lower()}", created=iso(self.ctx.now()), owner_image=image_id)
        return self._bind(region, snap, image_id, image_name)

    # images: reads ----------------------------------------------------------------
    def image_view(self, image: Image) -> dict[str, object]:
        """The image as DescribeImages shows it now, computed from its lifecycle."""
        return image.view(self.ctx.now())

    def state(self, image: Image) -> str:
        return image.state(self.ctx.now())[0]

    def images(self, region: str, ids_: list[str], filters: list[Filter]) -> list[Image]:
        """Ids, an image-id filter or a tag filter first narrow the records read (through the store's indexes)."""
        found = [i for i in map(Image.from_record, self._candidates(region, ids_, filters))
                 if not ids_ or i.image_id in ids_]
        return select(found, filters, IMAGE_FILTERS, fuzzy={"image-name", "platform"}, tags=lambda i: i.tags)

    def _candidates(self, region: str, ids_: list[str], filters: list[Filter]) -> list[dict[str, Any]]:
        """Every record that can pass `ids_` and `filters` (select() decides), in the store's order."""
        if ids_:
            return self.store.get_many(VENDOR, region, "image", ids_)
        for f in filters:
            if f.name == "image-id":
                return self.store.get_many(VENDOR, region, "image", f.values)
            if f.name == "tag-key":
                return self.store.lookup(VENDOR, region, "image", "tag-key", f.values)
            if f.name.startswith("tag:"):
                pairs = [json.dumps([f.name[4:], v]) for v in f.values]
                return self.store.lookup(VENDOR, region, "image", "tag", pairs)
        for f in filters:  # image-name matches part of a name, in any case: a text search narrows the records
            found = self.store.search(VENDOR, region, "image", f.values) if f.name == "image-name" else None
            if found is not None:
                return found
        return self.store.list(VENDOR, region, "image")

    def own_image(self, region: str, image_id: str) -> Image:
        check_image_id(image_id)
        found = self.store.get(VENDOR, region, "image", image_id)
        if found is None:
            raise fail("InvalidImageId.NotFound", f"The image `{image_id}` does not exist.")
        image = Image.from_record(found)
        if not image.own:
            raise fail("UnauthorizedOperation.ImageNotBelongToAccount",
                       f"The image `{image_id}` does not belong to this account.")
        return image

    def put_image(self, region: str, image: Image) -> None:
        self.store.put(VENDOR, region, "image", image.image_id, image.to_record())

    # images: checks shared by create, import, modify and sync ------------------------
    def check_name(self, region: str, name: str, exclude: str = "") -> None:
        """ImageName is required, at most 60 characters and unique among the account's images in the region."""
        if not name:
            raise fail("MissingParameter", "The request is missing a required parameter `ImageName`.")
        if len(name) > NAME_MAX:
            raise fail("InvalidParameterValue.TooLong", f"`ImageName` must be at most {NAME_MAX} characters.")
        for other in map(Image.from_record, self.store.lookup(VENDOR, region, "image", "own-name", [name])):
            if other.own and other.name == name and other.image_id != exclude:
                raise fail("InvalidImageName.Duplicate", f"An image named `{name}` already exists in {region}.")

    @staticmethod
    def check_description(description: str) -> None:
        if len(description) > DESCRIPTION_MAX:
            raise fail("InvalidParameterValue.TooLong",
                       f"`ImageDescription` must be at most {DESCRIPTION_MAX} characters.")

    def check_quota(self, region: str) -> None:
        if self.store.count(VENDOR, region, "image", "own", "1") >= IMAGE_QUOTA:
            raise fail("ImageQuotaLimitExceeded", f"The custom image quota ({IMAGE_QUOTA}) of {region} is used up.")

    @staticmethod
    def check_tags(tags: Tags) -> None:
        keys = [k for k, _ in tags]
        if len(set(keys)) != len(keys):
            raise fail("InvalidParameterValue.DuplicateTags", "The same tag key is given twice.")
        for key in keys:
            if key.lower().startswith(RESERVED_TAG_PREFIXES):
                raise fail("FailedOperation.TagKeyReserved", f"The tag key `{key}` is reserved by the system.")

    # images: writes ---------------------------------------------------------------
    def create_image(self, region: str, *, name: str, description: str, instance_id: str, snapshot_ids: list[str],
                     data_disk_ids: list[str], sysprep: bool, family: str, tags: Tags, dry_run: bool) -> str:
        """CreateImage from an instance (with some of its data disks) or from snapshots, with CVM's rules."""
        self.check_name(region, name)
        self.check_description(description)
        self.check_tags(tags)
        if instance_id and snapshot_ids:
            raise fail("InvalidParameter", "InstanceId and SnapshotIds cannot be specified at the same time.")
        if not instance_id and not snapshot_ids:
            raise fail("MissingParameter.AtLeastOne", "One of InstanceId or SnapshotIds is required.")
        if instance_id:
            plan = self._plan_from_instance(region, instance_id, data_disk_ids, sysprep)
        else:
            plan = self._plan_from_snapshots(region, snapshot_ids)
        self.check_quota(region)
        if dry_run:
            raise fail("DryRunOperation", "The request would have succeeded, but DryRun was set.")
        return self._start_capture(region, name, description, family, tags, plan)

    def _plan_from_instance(self, region: str, instance_id: str, data_disk_ids: list[str], sysprep: bool) -> Plan:
        inst = self._instance(region, instance_id)
        state = inst.state_at(self.ctx.now())
        if state not in ("RUNNING", "STOPPED"):
            raise fail("InvalidInstanceState", f"The instance `{instance_id}` is {state}.")
        if inst.operation_phase(self.ctx.now()) is Phase.RUNNING:
            raise fail("OperationDenied.InstanceOperationInProgress",
                       f"The instance `{instance_id}` is busy with {inst.latest_operation}; retry when it ends.")
        owned = {d.disk_id: d for d in inst.data_disks}
        data = []
        for disk_id in data_disk_ids:
            if disk_id == inst.system_disk.disk_id:
                raise fail("InvalidParameter.DataDiskIdContainsRootDisk",
                           "DataDiskIds must not contain the system disk.")
            if disk_id not in owned:
                raise fail("InvalidParameter.DataDiskNotBelongSpecifiedInstance",
                           f"The disk `{disk_id}` is not a data disk of `{instance_id}`.")
            data.append(owned[disk_id])
        sysprep = sysprep and inst.os.family == "windows"  # Sysprep is a Windows step; Linux ignores it
        duration = CAPTURE_SECONDS + DATA_DISK_SECONDS * len(data) + (SYSPREP_SECONDS if sysprep else 0.0)
        return Plan(duration, seeds.os_of(inst.os.family), inst.system_encrypted, inst.system_disk.size,
                    instance=inst, data=data)

    def _plan_from_snapshots(self, region: str, snapshot_ids: list[str]) -> Plan:
        snaps = [self._snapshot(region, s) for s in snapshot_ids]
        systems = [s for s in snaps if s.usage == "SYSTEM_DISK"]
        if not systems:
            raise fail("InvalidParameter.SystemSnapshotNotFound", "SnapshotIds must include a system-disk snapshot.")
        if len(systems) > 1:
            raise fail("InvalidParameter.DuplicateSystemSnapshots",
                       "SnapshotIds may include only one system-disk snapshot.")
        for s in snaps:
            if s.state != "NORMAL":
                raise fail("ResourceUnavailable.SnapshotCreating",
                           f"The snapshot `{s.snapshot_id}` is still being created.")
        system = systems[0]
        return Plan(SNAPSHOT_CAPTURE_SECONDS + 60.0 * (len(snaps) - 1), seeds.os_of(system.os.family),
                    system.encrypted, system.size, snapshots=snaps)

    def _start_capture(self, region: str, name: str, description: str, family: str, tags: Tags, plan: Plan) -> str:
        image_id = ids.prefixed(self.store, "cvm.image", "img-", 8)
        failing = self.ctx.take_failure(VENDOR, "CreateImage", region) is not None
        now = self.ctx.now()
        lifecycle = Lifecycle.start(now, plan.duration, failing, FAIL_AT)
        image = Image(image_id, name, CAPTURE, plan.os, plan.size, iso(now), lifecycle, description,
                      cloudinit=plan.os.family == "linux", tags=list(tags), family=family, encrypted=plan.encrypted)
        inst = plan.instance
        if inst is not None:
            image.snapshots = [self.own_snapshot(region, "SYSTEM_DISK", inst.system_disk.disk_id, plan.size, plan.os,
                                                 image_id, name, plan.encrypted)]
            image.snapshots += [self.own_snapshot(region, "DATA_DISK", d.disk_id, d.size, plan.os, image_id, name,
                                                  d.encrypted) for d in plan.data]
            inst.latest_operation, inst.operation = "CreateImage", lifecycle
            self._put_instance(region, inst)
            image.source_instance = inst.instance_id
        else:
            image.snapshots = [self._bind(region, snap, image_id, name) for snap in plan.snapshots]
            image.source_snapshots = [s.snapshot_id for s in plan.snapshots]
        self.put_image(region, image)
        return image_id

    def modify(self, region: str, image_id: str, *, name: str | None, description: str | None) -> None:
        """ModifyImageAttribute: None leaves a field as it is; a name stays unique in the region."""
        image = self.own_image(region, image_id)
        state = self.state(image)
        if state in (CREATING, IMPORTING):
            raise fail("InvalidImageId.IncorrectState",
                       f"The image `{image_id}` is {state}; modify it once it is NORMAL.")
        if name is not None:
            self.check_name(region, name, exclude=image_id)
            image.name = name
        if description is not None:
            self.check_description(description)
            image.description = description
        self.put_image(region, image)

    def delete_images(self, region: str, image_ids: list[str], *, delete_binded_snap: bool, dry_run: bool) -> None:
        """All or nothing: one image that cannot go refuses the whole call."""
        if not image_ids:
            raise fail("MissingParameter", "The request is missing a required parameter `ImageIds`.")
        images = [self.own_image(region, i) for i in image_ids]
        for image in images:
            state = self.state(image)
            if state in BUSY:
                raise fail("InvalidImageId.IncorrectState",
                           f"The image `{image.image_id}` is {state} and cannot be deleted until that ends.")
        if dry_run:
            raise fail("DryRunOperation", "The request would have succeeded, but DryRun was set.")
        for image in images:
            for ref in image.snapshots:
                found = self.store.get(VENDOR, region, "snapshot", ref.snapshot_id)
                if found is None:
                    continue
                if delete_binded_snap:
                    self.store.delete(VENDOR, region, "snapshot", ref.snapshot_id)
                    continue
                snap = Snapshot.from_record(found)
                snap.images = [(i, n) for i, n in snap.images if i != image.image_id]
                self._put_snapshot(region, snap)
            self.store.delete(VENDOR, region, "image", image.image_id)

    # tags through the Tag API (2018-08-13): resources named qcs::cvm:<region>:uin/<uin>:image/<id> (or instance/<id>)
    def retag(self, resources: list[str], *, add: Tags, drop: list[str]) -> list[tuple[str, str]]:
        """Bind or unbind tags on images and instances; unknown ones come back as (resource, why), as
        FailedResources does."""
        if not resources:
            raise fail("MissingParameter", "The request is missing a required parameter `ResourceList`.")
        self.check_tags(add)
        failed = []
        for name in resources:
            match = RESOURCE_NAME.match(name)
            if match is None:
                raise fail("InvalidParameterValue.ResourceDescriptionError",
                           f"`{name}` is not a six-segment resource name qcs::cvm:<region>:uin/<uin>:image/<image id>.")
            region, uin, kind, suffix = match.groups()
            image_id = f"{kind.rsplit('/', 1)[1]}-{suffix}"
            if kind.startswith("instance"):
                if not retag_instance(self, region, image_id, uin, add, drop):
                    failed.append((name, f"{image_id} is not an instance of this account."))
                continue
            found = self.store.get(VENDOR, region, "image", image_id)
            image = None if found is None else Image.from_record(found)
            if image is None or not image.own or uin != current_uin():
                failed.append((name, f"{image_id} is not an image of this account."))
                continue
            tags = dict(image.tags)
            tags.update(add)
            for key in drop:
                tags.pop(key, None)
            image.tags = list(tags.items())
            self.put_image(region, image)
        return failed

