"""CVM RunInstances and DescribeZoneInstanceConfigInfos: launching instances from an image, with CVM's checks and codes.

https://cloud.tencent.com/document/api/213/15730 (RunInstances). A launched instance is PENDING for
BOOT_SECONDS, then RUNNING; its TAT agent reports Online records.AGENT_SECONDS later. TerminateInstances
removes it with its system disk, its primary network interface and any public IP (nothing of it
outlives it: no data disks are launched here).

Catalog (every CVM region): zones <region>-3 and <region>-4 sell the instance types in TYPES;
SA2.MEDIUM4 only in <region>-4. S6.LARGE8 is listed everywhere as SOLD_OUT (WithoutStock): RunInstances
answers ResourceInsufficient.SpecifiedInstanceType for it. Network ids: network.py.

Test hooks (documented here, used by tests and the demo):
  set_stock(model, region, zone, instance_type, False)  that type sells out in that zone (True: back in stock)
  set_quota(model, region, n)                           at most n instances in the region (default QUOTA)
  sim.inject("tencent-cvm", "RunInstances", "fail")     the next launch is accepted, then reads LAUNCH_FAILED
                                                        (LatestOperationErrorMsg says the zone ran out of stock)
  set_launch_agent(model, region, "Offline")            every instance launched from now on keeps its TAT agent
                                                        Offline (or "NotInstalled"; "" back to the default)
  TatModel.set_agent(region, instance_id, "Offline")    the agent of one launched instance never comes online
The same ClientToken returns the instances the first call made (InstanceIdSet), whatever else it carries.
"""
from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, Callable

from ..core import ids
from ..core.lifecycle import Lifecycle
from . import network
from .model import VENDOR, check_image_id, iso
from .query import Field, Filter, select
from .records import CREATING, IMPORTING, Disk, Image, Instance, Tags, fail

TAT = "tencent-tat"  # the TAT model's store (tat.py), where an agent's forced status lives

if TYPE_CHECKING:
    from .model import CvmModel

BOOT_SECONDS = 40.0
QUOTA = 100  # pay-as-you-go instances per region (LimitExceeded.InstanceQuota past it)
TOKEN_MAX = 64
COUNT_MAX = 500
SYSTEM_DISK_MAX = 1024
# instance type -> (family, CPU cores, memory GB, zones suffixes it is sold in)
TYPES: dict[str, tuple[str, int, int, tuple[str, ...]]] = {
    "S5.SMALL2": ("S5", 1, 2, ("3", "4")), "S5.MEDIUM4": ("S5", 2, 4, ("3", "4")),
    "S5.LARGE8": ("S5", 4, 8, ("3", "4")), "SA2.MEDIUM4": ("SA2", 2, 4, ("4",)),
    "S6.LARGE8": ("S6", 4, 8, ("3", "4")),
}
SOLD_OUT = ("S6.LARGE8",)
CHARGE_TYPES = ("POSTPAID_BY_HOUR", "PREPAID", "SPOTPAID")
INSTANCE_TYPE = re.compile(r"^[A-Z][A-Z0-9]*\.[A-Z0-9]+$")
PASSWORD_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[()`~!@#$%^&*\-+=|{}\[\]:;',.?/]")
Shared = Callable[[str, str], "Image | None"]


def zones(region: str) -> list[str]:
    return [f"{region}-3", f"{region}-4"]


def set_stock(model: CvmModel, region: str, zone: str, instance_type: str, in_stock: bool) -> None:
    """Test hook: sell out (or restock) one instance type in one zone."""
    model.store.put(VENDOR, region, "stock", f"{zone}/{instance_type}", {"in_stock": in_stock})


def set_quota(model: CvmModel, region: str, quota: int) -> None:
    """Test hook: the most instances the account may hold in the region."""
    model.store.put(VENDOR, region, "quota", "instances", {"quota": quota})


def set_launch_agent(model: CvmModel, region: str, status: str) -> None:
    """Test hook: the TAT agent status forced on every instance launched in the region from now on."""
    model.store.put(VENDOR, region, "launch-agent", "status", {"status": status})


def in_stock(model: CvmModel, region: str, zone: str, instance_type: str) -> bool:
    found = model.store.get(VENDOR, region, "stock", f"{zone}/{instance_type}")
    return bool(found["in_stock"]) if found is not None else instance_type not in SOLD_OUT


# DescribeZoneInstanceConfigInfos ---------------------------------------------------------
def _offer(model: CvmModel, region: str, zone: str, instance_type: str) -> dict[str, Any]:
    family, cpu, memory, _ = TYPES[instance_type]
    selling = in_stock(model, region, zone, instance_type)
    return {"Zone": zone, "InstanceType": instance_type, "InstanceChargeType": "POSTPAID_BY_HOUR",
            "NetworkCard": 25, "Externals": {}, "Cpu": cpu, "Memory": memory, "InstanceFamily": family,
            "TypeName": f"Standard {family}", "LocalDiskTypeList": [], "Status": "SELL" if selling else "SOLD_OUT",
            "Price": {"UnitPrice": 0.1 * cpu, "ChargeUnit": "HOUR"},
            "SoldOutReason": "" if selling else "the zone has no stock of this instance type",
            "InstanceBandwidth": 1.5, "InstancePps": 30, "StorageBlockAmount": 0, "CpuType": "Intel Xeon",
            "Gpu": 0, "Fpga": 0, "Remark": "", "GpuCount": 0, "Frequency": "2.5GHz",
            "StatusCategory": "EnoughStock" if selling else "WithoutStock"}


OFFER_FILTERS: dict[str, Field[dict[str, Any]]] = {
    "zone": lambda o: [o["Zone"]], "instance-family": lambda o: [o["InstanceFamily"]],
    "instance-type": lambda o: [o["InstanceType"]], "instance-charge-type": lambda o: [o["InstanceChargeType"]]}


def describe_zone_instance_config_infos(model: CvmModel, region: str, filters: list[Filter]) -> dict[str, Any]:
    offers = [_offer(model, region, f"{region}-{n}", t) for t, (_, _, _, sold_in) in TYPES.items() for n in sold_in]
    return {"InstanceTypeQuotaSet": select(offers, filters, OFFER_FILTERS)}


# RunInstances ------------------------------------------------------------------------
def _tags(p: dict[str, Any]) -> Tags:
    tags: Tags = []
    for spec in p.get("TagSpecification") or []:
        if not isinstance(spec, dict) or spec.get("ResourceType") not in ("instance", "host", "image", "keypair",
                                                                            "ps", "hpc"):
            raise fail("InvalidParameterValue", "TagSpecification.ResourceType must be one of instance, host, image, "
                                                "keypair, ps, hpc.")
        if spec["ResourceType"] == "instance":
            tags += [(str(t.get("Key", "")), str(t.get("Value", ""))) for t in spec.get("Tags") or []]
    return tags


def _image(model: CvmModel, region: str, image_id: str, shared: Shared) -> Image:
    if not image_id:
        raise fail("MissingParameter", "The request is missing a required parameter `ImageId`.")
    check_image_id(image_id)
    found = model.store.get(VENDOR, region, "image", image_id)
    image = Image.from_record(found) if found is not None else shared(region, image_id)
    if image is None:
        raise fail("InvalidImageId.NotFound", f"The image `{image_id}` does not exist in {region}.")
    if model.state(image) in (CREATING, IMPORTING) or model.state(image).endswith("FAILED"):
        raise fail("InvalidImageId.IncorrectState", f"The image `{image_id}` is {model.state(image)}.")
    return image


def _zone_and_type(model: CvmModel, region: str, zone: str, instance_type: str) -> None:
    if not zone:
        raise fail("MissingParameter", "The request is missing a required parameter `Placement.Zone`.")
    if not zone.startswith(region + "-"):
        raise fail("InvalidZone.MismatchRegion", f"The zone `{zone}` is not in {region}.")
    if zone not in zones(region):
        raise fail("InvalidParameterValue.ZoneNotSupported", f"The zone `{zone}` is not supported.")
    if not instance_type:
        raise fail("MissingParameter", "The request is missing a required parameter `InstanceType`.")
    if not INSTANCE_TYPE.match(instance_type):
        raise fail("InvalidInstanceType.Malformed", f"The instance type `{instance_type}` is malformed.")
    if instance_type not in TYPES:
        raise fail("InvalidParameterValue.InstanceTypeNotFound", f"The instance type `{instance_type}` does not exist.")
    if zone.rsplit("-", 1)[1] not in TYPES[instance_type][3]:
        raise fail("ResourceNotFound.InvalidZoneInstanceType",
                   f"The instance type `{instance_type}` is not sold in {zone}.")
    if not in_stock(model, region, zone, instance_type):
        raise fail("ResourceInsufficient.SpecifiedInstanceType",
                   f"The instance type `{instance_type}` is sold out in {zone}.")


def _network(region: str, zone: str, p: dict[str, Any]) -> tuple[str, str, list[str]]:
    vpc = p.get("VirtualPrivateCloud") or {}
    vpc_id, subnet_id = str(vpc.get("VpcId") or ""), str(vpc.get("SubnetId") or "")
    subnets = network.subnets(region)
    if (vpc_id, subnet_id) == ("DEFAULT", "DEFAULT") or not vpc:
        vpc_id, subnet_id = "vpc-imgforge1", "subnet-imgforge1"
    if not re.match(r"^vpc-[a-z0-9]{8}$", vpc_id):
        raise fail("InvalidParameterValue.VpcIdMalformed", f"The VPC id `{vpc_id}` is malformed.")
    if vpc_id not in network.vpc_ids(region):
        raise fail("InvalidParameterValue.VpcIdNotExist", f"The VPC `{vpc_id}` does not exist.")
    if not re.match(r"^subnet-[a-z0-9]{8}$", subnet_id):
        raise fail("InvalidParameterValue.SubnetIdMalformed", f"The subnet id `{subnet_id}` is malformed.")
    found = [s for s in subnets if s.subnet_id == subnet_id]
    if not found:
        raise fail("InvalidParameterValue.SubnetNotExist", f"The subnet `{subnet_id}` does not exist.")
    if found[0].vpc_id != vpc_id:
        raise fail("InvalidParameterValue.VpcIdSubnetIdNotMatch", f"The subnet `{subnet_id}` is not in `{vpc_id}`.")
    if found[0].zone != zone:
        raise fail("InvalidParameterValue.SubnetIdZoneIdNotMatch", f"The subnet `{subnet_id}` is in {found[0].zone}, "
                                                                   f"not {zone}.")
    groups = [str(g) for g in p.get("SecurityGroupIds") or []] or ["sg-imgforge1"]
    for group in groups:
        if group not in network.security_groups(region):
            raise fail("InvalidSecurityGroupId.NotFound", f"The security group `{group}` does not exist.")
    return vpc_id, subnet_id, groups


def _login(p: dict[str, Any], image: Image) -> None:
    login = p.get("LoginSettings") or {}
    password, keep = str(login.get("Password") or ""), str(login.get("KeepImageLogin") or "").lower() == "true"
    if keep and (password or login.get("KeyIds")):
        raise fail("InvalidParameter.ParameterConflict", "KeepImageLogin cannot be given with Password or KeyIds.")
    if keep and not image.own:
        raise fail("InvalidParameterValue.InvalidImageId", "KeepImageLogin takes a custom, shared or imported image.")
    if password:
        windows = image.os.family == "windows"
        low, classes = (12 if windows else 8), sum(bool(re.search(c, password)) for c in PASSWORD_CLASSES)
        if not low <= len(password) <= 30 or classes < (3 if windows else 2):
            raise fail("InvalidParameterValue.InvalidPassword", "The password does not meet the complexity rules.")


def _disk_size(p: dict[str, Any], image: Image) -> int:
    size = (p.get("SystemDisk") or {}).get("DiskSize")
    if size is None:
        return max(50, image.size)
    if not isinstance(size, int) or not image.size <= size <= SYSTEM_DISK_MAX:
        raise fail("InvalidParameterValue.Range", f"SystemDisk.DiskSize must be from the image's {image.size} GB to "
                                                  f"{SYSTEM_DISK_MAX} GB.")
    return size


def run_instances(model: CvmModel, region: str, p: dict[str, Any], shared: Shared) -> list[str]:
    """RunInstances: the InstanceIdSet (the first call's for a ClientToken seen before)."""
    token = str(p.get("ClientToken") or "")
    if len(token) > TOKEN_MAX:
        raise fail("InvalidClientToken.TooLong", f"ClientToken takes at most {TOKEN_MAX} ASCII characters.")
    if token:
        earlier = model.store.get(VENDOR, region, "client-token", token)
        if earlier is not None:
            return list(earlier["instances"])
    zone, instance_type = str((p.get("Placement") or {}).get("Zone") or ""), str(p.get("InstanceType") or "")
    charge = str(p.get("InstanceChargeType") or "POSTPAID_BY_HOUR")
    if charge not in CHARGE_TYPES:
        raise fail("InvalidParameterValue", f"InstanceChargeType `{charge}` is not one of {', '.join(CHARGE_TYPES)}.")
    image = _image(model, region, str(p.get("ImageId") or ""), shared)
    _zone_and_type(model, region, zone, instance_type)
    vpc_id, subnet_id, groups = _network(region, zone, p)
    _login(p, image)
    size, tags = _disk_size(p, image), _tags(p)
    model.check_tags(tags)
    count = p.get("InstanceCount", 1)
    if not isinstance(count, int) or not 1 <= count <= COUNT_MAX:
        raise fail("InvalidParameterValue.Range", f"InstanceCount must be from 1 to {COUNT_MAX}.")
    quota = model.store.get(VENDOR, region, "quota", "instances") or {"quota": QUOTA}
    if len(model.instances(region, [], [])) + count > int(quota["quota"]):
        raise fail("LimitExceeded.InstanceQuota", f"The instance quota of {region} ({quota['quota']}) would be "
                                                  "exceeded.")
    if p.get("DryRun") is True:
        raise fail("DryRunOperation", "The request would have succeeded, but DryRun was set.")
    internet = p.get("InternetAccessible") or {}
    public = bool(internet.get("PublicIpAssigned")) and int(internet.get("InternetMaxBandwidthOut") or 0) > 0
    failing = model.ctx.take_failure(VENDOR, "RunInstances", region) is not None
    made = [_launch(model, region, image, zone, instance_type, size, tags, token, (vpc_id, subnet_id, groups),
                    str(p.get("InstanceName") or ""), public, failing) for _ in range(count)]
    if token:
        model.store.put(VENDOR, region, "client-token", token, {"instances": made})
    return made


def _launch(model: CvmModel, region: str, image: Image, zone: str, instance_type: str, size: int, tags: Tags,
            token: str, net: tuple[str, str, list[str]], name: str, public: bool, failing: bool) -> str:
    now = model.ctx.now()
    instance_id = ids.prefixed(model.store, "cvm.instance", "ins-", 8)
    short = instance_id[4:]
    family, cpu, memory, _ = TYPES[instance_type]
    n = model.store.counter("cvm.ip") % 250 + 2
    windows = image.os.family == "windows"
    launch = Lifecycle.start(now, BOOT_SECONDS, failing, 0.5)
    inst = Instance(instance_id, name or "未命名", zone, image.os, image.image_id, Disk(f"disk-{short}", size), [],
                    [f"10.0.{zone.rsplit('-', 1)[1]}.{n}"], str(uuid.uuid5(uuid.NAMESPACE_URL, instance_id)),
                    "Administrator" if windows else "root", 3389 if windows else 22, state="RUNNING",
                    created=iso(now), instance_type=instance_type, cpu=cpu, memory=memory,
                    latest_operation="RunInstances", operation=launch, tags=list(tags), launch=launch,
                    launch_error=("ResourceInsufficient.ZoneSoldOutForSpecifiedInstance: the zone ran out of "
                                  f"{instance_type} while the instance was created") if failing else "",
                    client_token=token, vpc_id=net[0], subnet_id=net[1], security_group_ids=list(net[2]),
                    public_ips=[f"203.0.113.{n}"] if public else [])
    model.put_instance(region, inst)
    forced = model.store.get(VENDOR, region, "launch-agent", "status") or {}
    if forced.get("status"):  # read by TatModel.agent, as TatModel.set_agent writes it
        model.store.put(TAT, region, "agent", instance_id, {"status": str(forced["status"])})
    return instance_id
