"""Tencent Cloud CVM images, instances and CBS snapshots: state, lifecycles and CVM error codes.

Every long operation keeps one lifecycle record (simulator/core/lifecycle.py) read whenever the
object is read (never ticked): a capture is CREATING for its duration, then NORMAL (or CREATEFAILED
when a `fail` fault was injected); an import (imports.py) is IMPORTING, then NORMAL or IMPORTFAILED;
a SyncImages copy (sync.py) is SYNCING with a rising SyncPercent in its destination region while its
source reads SYNCING; an instance's LatestOperationState is OPERATING while its CreateImage runs.
"""
from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import KEY as LIFECYCLE, Lifecycle, Phase
from ..core.wire import SimError
from . import seeds
from .regions import CVM_REGIONS, FINANCE_REGIONS

VENDOR = "tencent-cvm"
CREATING, NORMAL, CREATEFAILED, SYNCING = "CREATING", "NORMAL", "CREATEFAILED", "SYNCING"
IMPORTING, IMPORTFAILED = "IMPORTING", "IMPORTFAILED"
BUSY = (CREATING, IMPORTING, SYNCING)  # states DeleteImages refuses
CAPTURE_SECONDS = 600.0  # system disk of a running instance
DATA_DISK_SECONDS = 120.0  # each data disk in a whole-instance image
SYSPREP_SECONDS = 300.0  # Windows with Sysprep
SNAPSHOT_CAPTURE_SECONDS = 420.0
FAIL_AT = 0.5  # an injected failure shows half-way through
IMAGE_QUOTA = 500  # custom images per region (DeleteImages docs)
NAME_MAX, DESCRIPTION_MAX = 60, 256
RESERVED_TAG_PREFIXES = ("qcloud", "tencent", "project")
ACCOUNT_UIN = "100000000001"
IMAGE_ID = re.compile(r"^img-[a-z0-9]{8}$")
INSTANCE_ID = re.compile(r"^ins-[a-z0-9]{8}$")
SNAPSHOT_ID = re.compile(r"^snap-[a-z0-9]{8}$")
RESOURCE_NAME = re.compile(r"^qcs::cvm:([a-z0-9-]+):uin/(\d+):image/(img-[a-z0-9]{8})$")


def fail(code: str, message: str) -> SimError:
    """Tencent answers every API error with HTTP 200 and the code in the envelope."""
    return SimError(code, message, 200)


def copy_seconds(region: str) -> float:
    """Each destination region takes its own, repeatable time: 5 to 14 minutes."""
    return 300.0 + (hashlib.sha256(("tencent/" + region).encode()).digest()[0] % 10) * 60.0


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The API view of a stored object: internal bookkeeping keys start with a lower-case letter."""
    return {k: v for k, v in obj.items() if k[:1].isupper()}


def check_image_id(image_id: str) -> None:
    if not IMAGE_ID.match(image_id):
        raise fail("InvalidImageId.Malformed", f"The image id `{image_id}` is malformed: use img-xxxxxxxx.")


def as_bool(value: object) -> bool:
    """CreateImage takes ForcePoweroff/Sysprep as the strings "true"/"false"; other flags are JSON booleans."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


class CvmModel:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # seeds ---------------------------------------------------------------------
    def seed(self) -> None:
        for region in CVM_REGIONS:
            for image in seeds.public_images():
                self.store.put(VENDOR, region, "image", image["ImageId"], {**image, "kind": "public"})
        for region, prefix in seeds.SEEDED_REGIONS.items():
            for inst in seeds.instances(region, prefix):
                self.store.put(VENDOR, region, "instance", inst["InstanceId"], inst)
            for snap in seeds.snapshots(region, prefix):
                self.store.put(VENDOR, region, "snapshot", snap["SnapshotId"], snap)

    # regions -------------------------------------------------------------------
    @staticmethod
    def check_region(region: str) -> None:
        if region not in CVM_REGIONS and region not in FINANCE_REGIONS:
            raise fail("UnsupportedRegion", f"The region `{region}` is not supported by this API.")

    # instances -------------------------------------------------------------------
    def instances(self, region: str) -> list[dict[str, Any]]:
        return [self.instance_view(i) for i in self.store.list(VENDOR, region, "instance")]

    def instance_view(self, inst: dict[str, Any]) -> dict[str, Any]:
        out = public(inst)
        phase = self.operation(inst)
        if phase is not None:
            out["LatestOperationState"] = {Phase.RUNNING: "OPERATING", Phase.DONE: "SUCCESS", Phase.FAILED: "FAILED"}[phase]
        return out

    def operation(self, inst: dict[str, Any]) -> Phase | None:
        """The phase of the instance's latest operation (a state file of an earlier version keeps op_until)."""
        now = self.ctx.now()
        if LIFECYCLE in inst:
            return Lifecycle.of(inst).at(now).phase
        if inst.get("op_until") is None:
            return None
        return Phase.RUNNING if now < inst["op_until"] else (Phase.FAILED if inst.get("op_failed") else Phase.DONE)

    def busy(self, inst: dict[str, Any]) -> bool:
        return self.operation(inst) is Phase.RUNNING

    def _instance(self, region: str, instance_id: str) -> dict[str, Any]:
        if not INSTANCE_ID.match(instance_id):
            raise fail("InvalidInstanceId.Malformed", f"The instance id `{instance_id}` is malformed.")
        found = self.store.get(VENDOR, region, "instance", instance_id)
        if found is None:
            raise fail("InvalidInstanceId.NotFound", f"The instance `{instance_id}` does not exist.")
        return found

    # snapshots (the CBS API; shown here because images bind them) ------------------
    def snapshots(self, region: str) -> list[dict[str, Any]]:
        return [public(s) for s in self.store.list(VENDOR, region, "snapshot")]

    def _snapshot(self, region: str, snapshot_id: str) -> dict[str, Any]:
        if not SNAPSHOT_ID.match(snapshot_id):
            raise fail("InvalidParameterValue.SnapshotIdMalformed",
                       f"The snapshot id `{snapshot_id}` is malformed: use snap-xxxxxxxx.")
        found = self.store.get(VENDOR, region, "snapshot", snapshot_id)
        if found is None:
            raise fail("InvalidParameter.SnapshotNotFound", f"The snapshot `{snapshot_id}` does not exist.")
        return found

    def _bind(self, region: str, snap: dict[str, Any], image_id: str, image_name: str) -> None:
        snap["Images"] = [*snap["Images"], {"ImageId": image_id, "ImageName": image_name}]
        snap["ImageCount"] = len(snap["Images"])
        self.store.put(VENDOR, region, "snapshot", snap["SnapshotId"], snap)

    def own_snapshot(self, region: str, usage: str, disk_id: str, size: int, os_: dict[str, Any],
                      image_id: str, image_name: str, encrypted: bool) -> dict[str, str | int]:
        """A snapshot a capture or a sync makes for its image (DeleteBindedSnap removes it)."""
        snap_id = ids.prefixed(self.store, "cvm.snapshot", "snap-", 8)
        snap = seeds.snapshot(region, snap_id, disk_id, usage, size, os_, encrypted=encrypted,
                              name=f"{image_name}-{usage.lower()}", created=iso(self.ctx.now()), owner_image=image_id)
        self._bind(region, snap, image_id, image_name)
        return {"SnapshotId": snap_id, "DiskUsage": usage, "DiskSize": size}

    # images: reads ----------------------------------------------------------------
    def reading(self, obj: dict[str, Any]) -> Phase:
        return Lifecycle.of(obj).at(self.ctx.now()).phase

    def image_view(self, image: dict[str, Any]) -> dict[str, Any]:
        """The image as DescribeImages shows it now, computed from its lifecycle record."""
        out = public(image)
        if image.get("kind") == "public":
            return out
        reading = Lifecycle.of(image).at(self.ctx.now())
        if image.get("kind") == "copy":
            out["ImageState"] = {Phase.RUNNING: SYNCING, Phase.DONE: NORMAL, Phase.FAILED: CREATEFAILED}[reading.phase]
            out["SyncPercent"] = reading.progress
            return out
        imported = image.get("kind") == "import"
        if reading.phase is Phase.RUNNING:
            out["ImageState"] = IMPORTING if imported else CREATING
        elif reading.phase is Phase.FAILED:
            out["ImageState"] = IMPORTFAILED if imported else CREATEFAILED
        else:
            syncing = any(self.reading(c) is Phase.RUNNING for c in image.get("copies", []))
            out["ImageState"] = SYNCING if syncing else NORMAL
        out["SyncPercent"] = None
        return out

    def images(self, region: str) -> list[dict[str, Any]]:
        return [self.image_view(i) for i in self.store.list(VENDOR, region, "image")]

    def _image(self, region: str, image_id: str) -> dict[str, Any]:
        check_image_id(image_id)
        found = self.store.get(VENDOR, region, "image", image_id)
        if found is None:
            raise fail("InvalidImageId.NotFound", f"The image `{image_id}` does not exist.")
        return found

    def own_image(self, region: str, image_id: str) -> dict[str, Any]:
        image = self._image(region, image_id)
        if image.get("kind") == "public":
            raise fail("UnauthorizedOperation.ImageNotBelongToAccount",
                       f"The image `{image_id}` does not belong to this account.")
        return image

    # images: checks shared by create, modify and sync --------------------------------
    def _check_name(self, region: str, name: str, field: str = "ImageName", exclude: str = "") -> None:
        if not name:
            raise fail("MissingParameter", f"The request is missing a required parameter `{field}`.")
        if len(name) > NAME_MAX:
            raise fail("InvalidParameterValue.TooLong", f"`{field}` must be at most {NAME_MAX} characters.")
        for other in self.store.list(VENDOR, region, "image"):
            if other.get("kind") != "public" and other["ImageName"] == name and other["ImageId"] != exclude:
                raise fail("InvalidImageName.Duplicate", f"An image named `{name}` already exists in {region}.")

    @staticmethod
    def _check_description(description: str) -> None:
        if len(description) > DESCRIPTION_MAX:
            raise fail("InvalidParameterValue.TooLong", f"`ImageDescription` must be at most {DESCRIPTION_MAX} characters.")

    def check_quota(self, region: str) -> None:
        own = [i for i in self.store.list(VENDOR, region, "image") if i.get("kind") != "public"]
        if len(own) >= IMAGE_QUOTA:
            raise fail("ImageQuotaLimitExceeded", f"The custom image quota ({IMAGE_QUOTA}) of {region} is used up.")

    @staticmethod
    def check_tags(tags: list[dict[str, str]]) -> None:
        keys = [t["Key"] for t in tags]
        if len(set(keys)) != len(keys):
            raise fail("InvalidParameterValue.DuplicateTags", "The same tag key is given twice.")
        for key in keys:
            if key.lower().startswith(RESERVED_TAG_PREFIXES):
                raise fail("FailedOperation.TagKeyReserved", f"The tag key `{key}` is reserved by the system.")

    # images: writes ---------------------------------------------------------------
    def create_image(self, region: str, p: dict[str, Any], tags: list[dict[str, str]]) -> str:
        name = str(p.get("ImageName") or "")
        self._check_name(region, name)
        self._check_description(str(p.get("ImageDescription") or ""))
        self.check_tags(tags)
        instance_id, snapshot_ids = p.get("InstanceId"), list(p.get("SnapshotIds") or [])
        if instance_id and snapshot_ids:
            raise fail("InvalidParameter", "InstanceId and SnapshotIds cannot be specified at the same time.")
        if not instance_id and not snapshot_ids:
            raise fail("MissingParameter.AtLeastOne", "One of InstanceId or SnapshotIds is required.")
        if instance_id:
            plan = self._plan_from_instance(region, str(instance_id), p)
        else:
            plan = self._plan_from_snapshots(region, snapshot_ids)
        self.check_quota(region)
        if as_bool(p.get("DryRun")):
            raise fail("DryRunOperation", "The request would have succeeded, but DryRun was set.")
        return self._start_capture(region, name, p, tags, plan)

    def _plan_from_instance(self, region: str, instance_id: str, p: dict[str, Any]) -> dict[str, Any]:
        inst = self._instance(region, instance_id)
        if inst["InstanceState"] not in ("RUNNING", "STOPPED"):
            raise fail("InvalidInstanceState", f"The instance `{instance_id}` is {inst['InstanceState']}.")
        if self.busy(inst):
            raise fail("OperationDenied.InstanceOperationInProgress",
                       f"The instance `{instance_id}` is busy with {inst['LatestOperation']}; retry when it ends.")
        owned = {d["DiskId"]: d for d in inst["DataDisks"]}
        data = []
        for disk_id in p.get("DataDiskIds") or []:
            if disk_id == inst["SystemDisk"]["DiskId"]:
                raise fail("InvalidParameter.DataDiskIdContainsRootDisk", "DataDiskIds must not contain the system disk.")
            if disk_id not in owned:
                raise fail("InvalidParameter.DataDiskNotBelongSpecifiedInstance",
                           f"The disk `{disk_id}` is not a data disk of `{instance_id}`.")
            data.append(owned[disk_id])
        sysprep = as_bool(p.get("Sysprep")) and inst["os"] == "windows"
        duration = CAPTURE_SECONDS + DATA_DISK_SECONDS * len(data) + (SYSPREP_SECONDS if sysprep else 0.0)
        os_ = seeds.WINDOWS if inst["os"] == "windows" else seeds.LINUX
        return {"instance": inst, "data": data, "duration": duration, "os": os_,
                "encrypted": bool(inst.get("system_encrypted")), "size": inst["SystemDisk"]["DiskSize"]}

    def _plan_from_snapshots(self, region: str, snapshot_ids: list[str]) -> dict[str, Any]:
        snaps = [self._snapshot(region, s) for s in snapshot_ids]
        systems = [s for s in snaps if s["DiskUsage"] == "SYSTEM_DISK"]
        if not systems:
            raise fail("InvalidParameter.SystemSnapshotNotFound", "SnapshotIds must include a system-disk snapshot.")
        if len(systems) > 1:
            raise fail("InvalidParameter.DuplicateSystemSnapshots", "SnapshotIds may include only one system-disk snapshot.")
        for s in snaps:
            if s["SnapshotState"] != "NORMAL":
                raise fail("ResourceUnavailable.SnapshotCreating", f"The snapshot `{s['SnapshotId']}` is still being created.")
        system = systems[0]
        os_ = seeds.WINDOWS if system["os"] == "windows" else seeds.LINUX
        return {"snapshots": snaps, "duration": SNAPSHOT_CAPTURE_SECONDS + 60.0 * (len(snaps) - 1), "os": os_,
                "encrypted": bool(system["Encrypt"]), "size": system["DiskSize"]}

    def _start_capture(self, region: str, name: str, p: dict[str, Any], tags: list[dict[str, str]],
                       plan: dict[str, Any]) -> str:
        image_id = ids.prefixed(self.store, "cvm.image", "img-", 8)
        failing = self.ctx.take_failure(VENDOR, "CreateImage", region) is not None
        now = self.ctx.now()
        os_ = plan["os"]
        if "instance" in plan:
            inst = plan["instance"]
            bound = [self.own_snapshot(region, "SYSTEM_DISK", inst["SystemDisk"]["DiskId"], plan["size"], os_,
                                        image_id, name, plan["encrypted"])]
            bound += [self.own_snapshot(region, "DATA_DISK", d["DiskId"], d["DiskSize"], os_, image_id, name,
                                         bool(d.get("Encrypt"))) for d in plan["data"]]
            inst.update(LatestOperation="CreateImage", LatestOperationRequestId=None,
                        **{LIFECYCLE: Lifecycle.start(now, plan["duration"], failing, FAIL_AT).record()})
            self.store.put(VENDOR, region, "instance", inst["InstanceId"], inst)
            source = {"source_instance": inst["InstanceId"]}
        else:
            bound = []
            for snap in plan["snapshots"]:
                self._bind(region, snap, image_id, name)
                bound.append({"SnapshotId": snap["SnapshotId"], "DiskUsage": snap["DiskUsage"], "DiskSize": snap["DiskSize"]})
            source = {"source_snapshots": [s["SnapshotId"] for s in plan["snapshots"]]}
        image = {
            "ImageId": image_id, "OsName": os_["OsName"], "ImageType": "PRIVATE_IMAGE", "CreatedTime": iso(now),
            "ImageName": name, "ImageDescription": str(p.get("ImageDescription") or ""), "ImageSize": plan["size"],
            "Architecture": "x86_64", "ImageState": CREATING, "Platform": os_["Platform"], "ImageCreator": ACCOUNT_UIN,
            "ImageSource": "CREATE_IMAGE", "SyncPercent": None, "IsSupportCloudinit": os_ is seeds.LINUX,
            "SnapshotSet": bound, "Tags": tags, "LicenseType": "TencentCloud", "ImageFamily": str(p.get("ImageFamily") or ""),
            "ImageDeprecated": False, "CdcCacheStatus": "",
            "kind": "capture", LIFECYCLE: Lifecycle.start(now, plan["duration"], failing, FAIL_AT).record(),
            "encrypted": plan["encrypted"], "os": os_["os"], "copies": [], **source,
        }
        self.store.put(VENDOR, region, "image", image_id, image)
        return image_id

    def modify(self, region: str, image_id: str, name: str | None, description: str | None) -> None:
        image = self.own_image(region, image_id)
        state = self.image_view(image)["ImageState"]
        if state in (CREATING, IMPORTING):
            raise fail("InvalidImageId.IncorrectState", f"The image `{image_id}` is {state}; modify it once it is NORMAL.")
        if name is not None:
            self._check_name(region, name, exclude=image_id)
            image["ImageName"] = name
        if description is not None:
            self._check_description(description)
            image["ImageDescription"] = description
        self.store.put(VENDOR, region, "image", image_id, image)

    def delete_images(self, region: str, image_ids: list[str], delete_binded_snap: bool, dry_run: bool) -> None:
        """All or nothing: one image that cannot go refuses the whole call."""
        if not image_ids:
            raise fail("MissingParameter", "The request is missing a required parameter `ImageIds`.")
        images = [self.own_image(region, i) for i in image_ids]
        for image in images:
            state = self.image_view(image)["ImageState"]
            if state in BUSY:
                raise fail("InvalidImageId.IncorrectState",
                           f"The image `{image['ImageId']}` is {state} and cannot be deleted until that ends.")
        if dry_run:
            raise fail("DryRunOperation", "The request would have succeeded, but DryRun was set.")
        for image in images:
            for ref in image["SnapshotSet"]:
                snap = self.store.get(VENDOR, region, "snapshot", ref["SnapshotId"])
                if snap is None:
                    continue
                if delete_binded_snap:
                    self.store.delete(VENDOR, region, "snapshot", snap["SnapshotId"])
                    continue
                snap["Images"] = [i for i in snap["Images"] if i["ImageId"] != image["ImageId"]]
                snap["ImageCount"] = len(snap["Images"])
                self.store.put(VENDOR, region, "snapshot", snap["SnapshotId"], snap)
            self.store.delete(VENDOR, region, "image", image["ImageId"])

    # tags through the Tag API (2018-08-13): resources named qcs::cvm:<region>:uin/<uin>:image/<id> ---------
    def retag(self, resources: list[str], add: list[dict[str, str]], drop: list[str]) -> list[dict[str, str]]:
        """Bind or unbind tags on images; unknown images come back in FailedResources, as the Tag API does."""
        if not resources:
            raise fail("MissingParameter", "The request is missing a required parameter `ResourceList`.")
        self.check_tags(add)
        failed = []
        for name in resources:
            match = RESOURCE_NAME.match(name)
            if match is None:
                raise fail("InvalidParameterValue.ResourceDescriptionError",
                           f"`{name}` is not a six-segment resource name qcs::cvm:<region>:uin/<uin>:image/<image id>.")
            region, uin, image_id = match.groups()
            image = self.store.get(VENDOR, region, "image", image_id)
            if image is None or image.get("kind") == "public" or uin != ACCOUNT_UIN:
                failed.append({"Resource": name, "Code": "ResourceNotFound", "Message": f"{image_id} is not an image of this account."})
                continue
            tags = {t["Key"]: t["Value"] for t in image.get("Tags") or []}
            tags.update({t["Key"]: t["Value"] for t in add})
            for key in drop:
                tags.pop(key, None)
            image["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
            self.store.put(VENDOR, region, "image", image_id, image)
        return failed
