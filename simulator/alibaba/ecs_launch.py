"""ECS instances launched from an image: public images, vSwitches, security groups, stock, quota, disks and ENIs.

RunInstances makes an instance in the zone its vSwitch fixes, with a system disk and a primary ENI, all
carrying the call's Tag.N (the API reference: the tags go to the instance, its disks and its primary
ENI). The instance is Pending for BOOT_SECONDS, then Running; its Cloud Assistant agent reports in
AGENT_SECONDS later (ecs_assist.py's InstanceState). DeleteInstance(s) removes the instance, the primary
ENI and every disk whose DeleteWithInstance is true; a disk whose flag is false stays Available.

What each seeded region (ecs_model.SEEDED_REGIONS, prefix p: bp1, uf6, t4n) holds, for tests and demos:
- VPC vpc-<p>imageforge01 with vSwitch vsw-<p>imageforge01 in zone <region>-a (in stock) and
  vsw-<p>imageforgesoldout in zone <region>-b, where every instance type is sold out
  (RunInstances: OperationDenied.NoStock; DescribeAvailableResource: SoldOut);
- security group sg-<p>imageforge01 in that VPC, and sg-<p>imageforgeother in vpc-<p>imageforge02
  (with the vSwitch: InvalidParameter.Mismatch).
Public images (every region, ImageOwnerAlias=system): PUBLIC_IMAGES. Instance types: INSTANCE_TYPES
(any other is InvalidInstanceType.ValueNotSupported).

Test hooks (Python, on the wire's `launch`): `sell_out(region, zone, instance_type="*")` makes a zone
(or one type in it) out of stock, `restock` undoes it; `set_quota(region, count)` caps the instances a region holds
(QuotaExceed.ElasticQuota beyond it); `keep_disk_on_delete(region, disk_id)` clears a disk's
DeleteWithInstance so it outlives its instance. An agent that stays offline: launch with the tag
imageforge-sim-agent=offline (ecs_assist.AGENT_TAG), or tag the instance so later.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import Lifecycle
from ..core.wire import SimError
from .ecs_assist import EcsAssist, InstanceState, iso
from .ecs_model import SEEDED_REGIONS, VENDOR, EcsModel
from .ecs_records import Instance, digest

BOOT_SECONDS = 40.0
AGENT_SECONDS = 20.0  # after Running, before DescribeCloudAssistantStatus says "true"
DEFAULT_QUOTA = 50
DISK_MIN, DISK_MAX = 20, 2048  # SystemDisk.Size in GiB for cloud_essd (RunInstances reference)
SOLD_OUT_ZONE = "b"
ALL_TYPES = "*"
# InstanceType -> (vCPUs, memory GiB): what DescribeAvailableResource lists and RunInstances accepts.
INSTANCE_TYPES: dict[str, tuple[int, float]] = {
    "ecs.g7.large": (2, 8.0), "ecs.g7.xlarge": (4, 16.0), "ecs.c7.large": (2, 4.0), "ecs.u1-c1m2.large": (2, 4.0),
    "ecs.t6-c1m1.large": (2, 2.0),
}
# Public images, as DescribeImages shows them with ImageOwnerAlias=system (ids are the same in every region).
PUBLIC_IMAGES: tuple[dict[str, Any], ...] = tuple(
    {"ImageId": image_id, "ImageName": image_id, "OSType": os_type, "Platform": platform, "OSName": os_name,
     "OSNameEn": os_name, "Size": size, "Architecture": "x86_64", "BootMode": "BIOS", "ImageOwnerAlias": "system",
     "IsPublic": True, "IsSupportCloudinit": True, "Status": "Available", "Progress": "100%", "Usage": "instance",
     "ImageVersion": "20260101", "CreationTime": "2026-01-01T00:00:00Z", "Description": os_name}
    for image_id, os_type, platform, os_name, size in (
        ("aliyun_3_x64_20G_alibase_20260101.vhd", "linux", "Aliyun", "Alibaba Cloud Linux 3.2104 LTS 64 bit", 20),
        ("ubuntu_22_04_x64_20G_alibase_20260101.vhd", "linux", "Ubuntu", "Ubuntu 22.04 64 bit", 20),
        ("win2022_21H2_x64_dtc_en-us_40G_alibase_20260101.vhd", "windows", "Windows Server 2022",
         "Windows Server 2022 Datacenter 64 bit English", 40),
    ))


def _tag_view(tags: dict[str, str]) -> dict[str, Any]:
    return {"Tag": [{"TagKey": k, "TagValue": v} for k, v in sorted(tags.items())]}


class EcsLaunch:
    """RunInstances and what it makes, beside the model's instance records and the assistant's instance state."""

    def __init__(self, ctx: SimContext, model: EcsModel, assist: EcsAssist,
                 shared: Callable[[str, list[str], float], list[dict[str, Any]]]) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.model = model
        self.assist = assist
        self.shared = shared  # (region, image ids, now) -> the DescribeImages views of images shared with the caller

    # seeds and hooks -----------------------------------------------------------------
    def seed(self) -> None:
        for region, p in SEEDED_REGIONS.items():
            for vsw, zone in ((f"vsw-{p}imageforge01", "a"), (f"vsw-{p}imageforgesoldout", SOLD_OUT_ZONE)):
                self.store.put(VENDOR, region, "vswitch", vsw, {
                    "VSwitchId": vsw, "VSwitchName": vsw, "VpcId": f"vpc-{p}imageforge01", "ZoneId": f"{region}-{zone}",
                    "CidrBlock": "172.16.0.0/24" if zone == "a" else "172.16.1.0/24", "Status": "Available",
                    "AvailableIpAddressCount": 250, "IsDefault": False, "RegionId": region})
            for sg, vpc in ((f"sg-{p}imageforge01", "01"), (f"sg-{p}imageforgeother", "02")):
                self.store.put(VENDOR, region, "security-group", sg, {
                    "SecurityGroupId": sg, "SecurityGroupName": sg, "VpcId": f"vpc-{p}imageforge{vpc}",
                    "SecurityGroupType": "normal", "Description": "", "CreationTime": "2026-01-01T00:00:00Z"})
            self.sell_out(region, f"{region}-{SOLD_OUT_ZONE}")

    def sell_out(self, region: str, zone: str, instance_type: str = ALL_TYPES) -> None:
        """Test hook: RunInstances of `instance_type` (every type: "*") in `zone` fails OperationDenied.NoStock."""
        self.store.put(VENDOR, region, "stock", f"{zone}/{instance_type}", {"Status": "SoldOut"})

    def restock(self, region: str, zone: str, instance_type: str = ALL_TYPES) -> None:
        """Test hook: undo `sell_out` for the same zone and type."""
        self.store.delete(VENDOR, region, "stock", f"{zone}/{instance_type}")

    def set_quota(self, region: str, count: int) -> None:
        """Test hook: at most `count` instances in the region; one more is QuotaExceed.ElasticQuota."""
        self.store.put(VENDOR, region, "quota", "instances", {"count": count})

    def keep_disk_on_delete(self, region: str, disk_id: str) -> None:
        """Test hook (ModifyDiskAttribute DeleteWithInstance=false): the disk outlives its instance, Available."""
        disk = self._get("disk", region, disk_id, "InvalidDiskId.NotFound", "The specified disk does not exist.")
        self.store.put(VENDOR, region, "disk", disk_id, {**disk, "DeleteWithInstance": False})

    def inventory(self) -> set[tuple[str, str]]:
        """What a leak count sees (Simulator.inventory): every image, and every launched instance, disk and ENI,
        as (region, id), in every account. Seeded instances are not counted: no run makes or deletes them."""
        rows = self.store.execute("SELECT region, id, data FROM objects WHERE vendor=? AND kind IN "
                                  "('image', 'launch', 'disk', 'eni')", (VENDOR,))
        return {(r[0], r[1]) for r in rows if '"_deleted_at"' not in r[2]}

    # lookups -------------------------------------------------------------------------
    def _get(self, kind: str, region: str, id_: str, code: str, message: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, kind, id_) if id_ else None
        if found is None:
            raise SimError(code, message, 404)
        return found

    def sold_out(self, region: str, zone: str, instance_type: str) -> bool:
        return any(self.store.get(VENDOR, region, "stock", f"{zone}/{t}") is not None for t in (instance_type, ALL_TYPES))

    def zones(self, region: str) -> list[str]:
        return sorted({str(v["ZoneId"]) for v in self.store.list(VENDOR, region, "vswitch")} | {f"{region}-a"})

    def vswitches(self, region: str, vswitch_id: str = "", vpc_id: str = "", zone: str = "") -> list[dict[str, Any]]:
        self.model.check_region(region)
        return [v for v in self.store.list(VENDOR, region, "vswitch") if (not vswitch_id or v["VSwitchId"] == vswitch_id)
                and (not vpc_id or v["VpcId"] == vpc_id) and (not zone or v["ZoneId"] == zone)]

    def security_groups(self, region: str, ids_: list[str], vpc_id: str = "") -> list[dict[str, Any]]:
        self.model.check_region(region)
        return [g for g in self.store.list(VENDOR, region, "security-group")
                if (not ids_ or g["SecurityGroupId"] in ids_) and (not vpc_id or g["VpcId"] == vpc_id)]

    def image(self, region: str, image_id: str) -> dict[str, Any]:
        """The image RunInstances starts from: public, the caller's own (Available) or shared with the caller."""
        public = next((i for i in PUBLIC_IMAGES if i["ImageId"] == image_id), None)
        if public is not None:
            return public
        own = self.store.get(VENDOR, region, "image", image_id)
        now = self.ctx.now()
        if own is not None:
            view = self.model.image(region, image_id).view(now)
            if view.get("Status") == "Available":
                return view
        shared = self.shared(region, [image_id], now)
        if shared:
            return shared[0]
        raise SimError("InvalidImageId.NotFound", "The specified ImageId does not exist.", 404)

    # RunInstances ----------------------------------------------------------------------
    def run(self, region: str, *, image_id: str, instance_type: str, vswitch_id: str, security_group_id: str,
            zone_id: str = "", disk_size: int | None = None, disk_category: str = "", name: str = "",
            amount: int = 1, charge_type: str = "PostPaid", bandwidth_out: int = 0,
            tags: dict[str, str] | None = None, token: str = "") -> list[str]:
        """The instance ids RunInstances makes (or made before, for a ClientToken already used)."""
        self.model.check_region(region)
        tags = dict(tags or {})
        call = digest("RunInstances", image=image_id, type=instance_type, vswitch=vswitch_id, sg=security_group_id,
                      zone=zone_id, size=disk_size, category=disk_category, name=name, amount=amount,
                      charge=charge_type, bandwidth=bandwidth_out, tags=sorted(tags.items()))
        earlier = self._token(region, token, call)
        if earlier:
            return earlier
        if not image_id:
            raise SimError("MissingParameter", "The input parameter \"ImageId\" that is mandatory for processing "
                                               "this request is not supplied.", 400)
        if not instance_type:
            raise SimError("MissingParameter", "The input parameter \"InstanceType\" that is mandatory for processing "
                                               "this request is not supplied.", 400)
        if not 1 <= amount <= 100:
            raise SimError("InvalidParameter.Amount", "The specified Amount must be between 1 and 100.", 400)
        if len(tags) > 20:
            raise SimError("InvalidTagCount", "The specified tags are beyond the permitted range (20).", 400)
        image = self.image(region, image_id)
        if instance_type not in INSTANCE_TYPES:
            raise SimError("InvalidInstanceType.ValueNotSupported",
                           "The specified InstanceType does not exist or beyond the permitted range.", 400)
        vsw = self._get("vswitch", region, vswitch_id, "InvalidVSwitchId.NotFound",
                        "The specified VSwitchId does not exist.")
        sg = self._get("security-group", region, security_group_id, "InvalidSecurityGroupId.NotFound",
                       "The specified SecurityGroupId does not exist.")
        if sg["VpcId"] != vsw["VpcId"]:
            raise SimError("InvalidParameter.Mismatch", "Specified security group and virtual switch are not in the "
                                                        "same VPC.", 400)
        zone = str(vsw["ZoneId"])
        if zone_id and zone_id != zone:
            raise SimError("InvalidParameter.Mismatch", "Specified virtual switch is not in the specified zone.", 400)
        size = disk_size if disk_size is not None else int(image.get("Size") or 40)
        if not DISK_MIN <= size <= DISK_MAX:
            raise SimError("InvalidSystemDiskSize.ValueNotSupported",
                           f"The specified SystemDisk.Size must be between {DISK_MIN} and {DISK_MAX} GiB.", 400)
        if size < int(image.get("Size") or 0):
            raise SimError("InvalidSystemDiskSize.LessThanImageSize",
                           "The specified parameter SystemDisk.Size is less than the image size.", 400)
        if self.sold_out(region, zone, instance_type):
            raise SimError("OperationDenied.NoStock", "The requested resource is sold out in the specified zone; try "
                                                      "other types of resources or other regions and zones.", 403)
        quota = (self.store.get(VENDOR, region, "quota", "instances") or {}).get("count", DEFAULT_QUOTA)
        if len(self.store.list(VENDOR, region, "launch")) + amount > int(quota):
            raise SimError("QuotaExceed.ElasticQuota", "The number of the specified instance type exceeds the quota "
                                                       "in the region; request a higher quota.", 403)
        made = [self._make(region, image, instance_type, vsw, sg, size, disk_category or "cloud_essd",
                           name, charge_type, bandwidth_out, tags) for _ in range(amount)]
        if token:
            self.store.put(VENDOR, region, "launch-token", token, {"InstanceIds": made, "Digest": call})
        return made

    def _token(self, region: str, token: str, call: str) -> list[str]:
        """The instances an earlier RunInstances with this ClientToken made, while any of them exists."""
        found = self.store.get(VENDOR, region, "launch-token", token) if token else None
        if found is None:
            return []
        made = [i for i in found["InstanceIds"] if self.store.get(VENDOR, region, "instance", i) is not None]
        if made and found.get("Digest") != call:
            raise SimError("IdempotentParameterMismatch", "The specified parameters are different from before.", 400)
        return made

    def _make(self, region: str, image: dict[str, Any], instance_type: str, vsw: dict[str, Any],
              sg: dict[str, Any], size: int, category: str, name: str, charge_type: str, bandwidth_out: int,
              tags: dict[str, str]) -> str:
        now = self.ctx.now()
        instance_id = ids.prefixed(self.store, "ecs.instance", "i-", 20)
        windows = str(image.get("OSType", "")).lower() == "windows"
        instance = Instance(instance_id, name or instance_id, region, "Running", "windows" if windows else "linux",
                            str(image.get("OSName") or ""), size, str(image["ImageId"]), instance_type)
        self.store.put(VENDOR, region, "instance", instance_id, instance.to_record())
        state = InstanceState(power="Pending", tags=dict(tags), agent_at=now + BOOT_SECONDS + AGENT_SECONDS,
                              change={"to": "Running", "via": "Pending",
                                      "lifecycle": Lifecycle.start(now, BOOT_SECONDS).record()})
        self.store.put(VENDOR, region, "instance-state", instance_id, asdict(state))
        disk_id = ids.prefixed(self.store, "ecs.disk", "d-", 20)
        self.store.put(VENDOR, region, "disk", disk_id, {
            "DiskId": disk_id, "DiskName": "", "RegionId": region, "ZoneId": vsw["ZoneId"], "Type": "system",
            "Category": category, "Size": size, "ImageId": image["ImageId"], "InstanceId": instance_id,
            "Device": "/dev/xvda", "Status": "In_use", "DeleteWithInstance": True, "Portable": False,
            "CreationTime": iso(now), "Tags": _tag_view(tags)})
        eni_id = ids.prefixed(self.store, "ecs.eni", "eni-", 20)
        address = f"172.16.0.{10 + self.store.counter('ecs.eni.ip') % 240}"
        self.store.put(VENDOR, region, "eni", eni_id, {
            "NetworkInterfaceId": eni_id, "Type": "Primary", "InstanceId": instance_id, "Status": "InUse",
            "VSwitchId": vsw["VSwitchId"], "VpcId": vsw["VpcId"], "ZoneId": vsw["ZoneId"],
            "SecurityGroupIds": {"SecurityGroupId": [sg["SecurityGroupId"]]}, "PrivateIpAddress": address,
            "CreationTime": iso(now), "Tags": _tag_view(tags)})
        self.store.put(VENDOR, region, "launch", instance_id, {
            "ZoneId": vsw["ZoneId"], "VSwitchId": vsw["VSwitchId"], "VpcId": vsw["VpcId"], "PrivateIpAddress": address,
            "SecurityGroupId": sg["SecurityGroupId"], "InstanceChargeType": charge_type,
            "InternetMaxBandwidthOut": bandwidth_out, "CreationTime": iso(now), "DiskId": disk_id, "EniId": eni_id})
        return instance_id

    # views -----------------------------------------------------------------------------
    def decorate(self, region: str, view: dict[str, Any]) -> dict[str, Any]:
        """A launched instance's DescribeInstances entry: its zone, VPC, security group and charge type."""
        launch = self.store.get(VENDOR, region, "launch", str(view.get("InstanceId")))
        if launch is None:
            return view
        return {**view, "ZoneId": launch["ZoneId"], "InstanceNetworkType": "vpc",
                "VpcAttributes": {"VpcId": launch["VpcId"], "VSwitchId": launch["VSwitchId"],
                                  "PrivateIpAddress": {"IpAddress": [launch["PrivateIpAddress"]]}},
                "SecurityGroupIds": {"SecurityGroupId": [launch["SecurityGroupId"]]},
                "PublicIpAddress": {"IpAddress": []}, "EipAddress": {"AllocationId": "", "IpAddress": ""},
                "InternetMaxBandwidthOut": launch["InternetMaxBandwidthOut"],
                "InstanceChargeType": launch["InstanceChargeType"], "CreationTime": launch["CreationTime"]}

    def disks(self, region: str, disk_ids: list[str], instance_id: str, status: str,
              tags: dict[str, str]) -> list[dict[str, Any]]:
        self.model.check_region(region)
        return [d for d in self.store.list(VENDOR, region, "disk") if (not disk_ids or d["DiskId"] in disk_ids)
                and (not instance_id or d["InstanceId"] == instance_id) and (not status or d["Status"] == status)
                and _tagged(d, tags)]

    def enis(self, region: str, eni_ids: list[str], instance_id: str, status: str,
             tags: dict[str, str]) -> list[dict[str, Any]]:
        self.model.check_region(region)
        return [e for e in self.store.list(VENDOR, region, "eni") if (not eni_ids or e["NetworkInterfaceId"] in eni_ids)
                and (not instance_id or e["InstanceId"] == instance_id) and (not status or e["Status"] == status)
                and _tagged(e, tags)]

    # deletes ---------------------------------------------------------------------------
    def delete_instances(self, region: str, instance_ids: list[str], force: bool) -> None:
        """DeleteInstance(s): every id checked first; then each goes with its primary ENI and its
        DeleteWithInstance disks (the others stay, Available)."""
        if not instance_ids:
            raise SimError("MissingParameter", "InstanceId.1 is mandatory for this action.", 400)
        now = self.ctx.now()
        for instance_id in instance_ids:
            self.model.instance(region, instance_id)
            power = self.assist.state(region, instance_id).power_at(now)
            if not force and power != "Stopped":
                raise SimError("IncorrectInstanceStatus", "The current status of the resource does not support this "
                                                          "operation.", 403)
        for instance_id in instance_ids:
            self.assist.delete(region, instance_id, force=True)
            self.store.delete(VENDOR, region, "launch", instance_id)
            for disk in self.disks(region, [], instance_id, "", {}):
                if disk.get("DeleteWithInstance"):
                    self.store.delete(VENDOR, region, "disk", disk["DiskId"])
                else:
                    self.store.put(VENDOR, region, "disk", disk["DiskId"],
                                   {**disk, "Status": "Available", "InstanceId": "", "Device": ""})
            for eni in self.enis(region, [], instance_id, "", {}):
                self.store.delete(VENDOR, region, "eni", eni["NetworkInterfaceId"])

    def delete_disk(self, region: str, disk_id: str) -> None:
        disk = self._get("disk", region, disk_id, "InvalidDiskId.NotFound", "The specified disk does not exist.")
        if disk["Status"] != "Available":
            raise SimError("IncorrectDiskStatus", "The current disk status does not support this operation.", 403)
        self.store.delete(VENDOR, region, "disk", disk_id)

    def delete_eni(self, region: str, eni_id: str) -> None:
        eni = self._get("eni", region, eni_id, "InvalidEniId.NotFound", "The specified ENI does not exist.")
        if eni["Status"] != "Available":
            raise SimError("InvalidOperation.InvalidEniState", "The ENI is attached to an instance.", 403)
        self.store.delete(VENDOR, region, "eni", eni_id)


def _tagged(record: dict[str, Any], tags: dict[str, str]) -> bool:
    have = {t["TagKey"]: t["TagValue"] for t in (record.get("Tags") or {}).get("Tag", [])}
    return all(have.get(k) == v for k, v in tags.items())
