"""The VmBuilder half of the CVM adapter: a temporary build instance from a base image, found again by its tag.

One RunInstances launches it (https://cloud.tencent.com/document/api/213/15730), carrying the
imageforge-key tag in its own TagSpecification (ResourceType instance) and the resource's ClientToken,
so a retried or re-run launch returns the instance the first call made. It has no public IP
(InternetAccessible.PublicIpAssigned false) and no data disks; its system disk (CBS disks bought with an
instance are deleted with it) and its primary network interface go with TerminateInstances
(https://cloud.tencent.com/document/api/213/15723), so nothing of it outlives it. Login: a public
image takes the generated password (LoginSettings.Password: RunInstances otherwise mails a random
one); a custom or shared image keeps its own login (KeepImageLogin, which public images refuse).
The network ids are read before the launch through VPC's DescribeSubnets and DescribeSecurityGroups
(https://cloud.tencent.com/document/api/215/15784, /15808) and the instance type's stock through
DescribeZoneInstanceConfigInfos (https://cloud.tencent.com/document/api/213/17227).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..core import errors
from ..core.errors import UserInputError
from ..core.model import TAG_KEY, BaseImage, Identity, LaunchRequest, Started, VmInfo
from . import client, mapping
from .base import CvmBase, PAGE
from .vms import vm_info

IMAGE_ID = re.compile(r"^img-[a-z0-9]{8}$")
IMAGE_TYPES = ("PRIVATE_IMAGE", "SHARED_IMAGE", "PUBLIC_IMAGE")  # where a name is looked up, in this order
OWNER = {"PRIVATE_IMAGE": "self", "SHARED_IMAGE": "shared", "PUBLIC_IMAGE": "public", "MARKET_IMAGE": "marketplace"}
USABLE = ("NORMAL", "SYNCING", "USING", "EXPORTING")
VPC_VERSION = "2017-03-12"
TOKEN_MAX = 64  # RunInstances.ClientToken: at most 64 ASCII characters
FILTER_VALUES = 5  # values per Filter (DescribeSecurityGroups, DescribeImages)
NETWORK = "network"


def security_groups(value: str) -> list[str]:
    """network.security_group_ids: one id, or several separated by commas."""
    return [g.strip() for g in value.split(",") if g.strip()]


class CvmBuilder(CvmBase):
    """resolve_base_image, prepare_launch, launch_vm, find_build_vms, agent_online and removal (VmBuilder)."""

    def _vpc(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        return client.call_common(self.target, self.region, "vpc", VPC_VERSION, action, params)

    # the base image -----------------------------------------------------------------
    def resolve_base_image(self, region: str, base_image: str) -> BaseImage:
        """https://cloud.tencent.com/document/api/213/15715 (DescribeImages): by id, else by exact name among the
        account's own, then shared, then public images."""
        found: list[dict[str, Any]] = []
        if IMAGE_ID.match(base_image):
            found = [r for r in self._call("DescribeImages", {"ImageIds": [base_image]}, region).get("ImageSet") or []
                     if r.get("ImageId") == base_image]
            if not found:
                found = [r for r in self._images(region, "SHARED_IMAGE", []) if r.get("ImageId") == base_image]
        else:
            for kind in IMAGE_TYPES:
                found = [r for r in self._images(region, kind, [{"Name": "image-name", "Values": [base_image]}])
                         if r.get("ImageName") == base_image]
                if found:
                    break
        if not found:
            raise errors.NotFound(f"base_image {base_image!r}: no image with this id or exact name among this "
                                  f"account's, shared and public images in {region}. Fix: name an image of {region} "
                                  "(DescribeImages lists them), or copy it into this region first",
                                  vendor=mapping.VENDOR, operation="DescribeImages", code="InvalidImageId.NotFound",
                                  resource_id=base_image)
        if len(found) > 1:
            ids = ", ".join(str(r.get("ImageId")) for r in found)
            raise UserInputError("base_image", f"{len(found)} images of {region} are called {base_image!r} ({ids}).",
                                 "name the image by its id.")
        raw = found[0]
        state = str(raw.get("ImageState") or "")
        if state not in USABLE:
            raise errors.InvalidState(f"base_image {raw.get('ImageId')} is {state}: instances launch from NORMAL "
                                      "images. Fix: wait until it is NORMAL, or name another image",
                                      vendor=mapping.VENDOR, operation="DescribeImages",
                                      resource_id=str(raw["ImageId"]))
        platform, os_name = str(raw.get("Platform") or ""), str(raw.get("OsName") or "")
        windows = platform.lower() == "windows" or mapping.os_family(os_name) == "windows"
        return BaseImage(image_id=str(raw["ImageId"]), name=str(raw.get("ImageName") or ""),
                         os_type="windows" if windows else "linux", owner=OWNER.get(str(raw.get("ImageType")), "self"),
                         extra={"size_gb": int(raw.get("ImageSize") or 0), "os_name": os_name, "platform": platform,
                                "architecture": str(raw.get("Architecture") or "")})

    def _images(self, region: str, kind: str, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            reply = self._call("DescribeImages", {"Filters": [{"Name": "image-type", "Values": [kind]}, *filters],
                                                  "Offset": offset, "Limit": PAGE}, region)
            batch = reply.get("ImageSet") or []
            out += batch
            offset += len(batch)
            if not batch or offset >= int(reply.get("TotalCount") or 0):
                return out

    # before the launch ---------------------------------------------------------------
    def prepare_launch(self, request: LaunchRequest) -> list[str]:
        """Refuse a zone, instance type, subnet, VPC, security group or disk size RunInstances would refuse."""
        net = request.network
        for key in ("zone", "vpc_id", "subnet_id"):
            if not str(net.get(key) or ""):
                raise UserInputError(f"{NETWORK}.{key}", "is required: CVM launches into a zone, a VPC and a subnet "
                                     "of that zone.", f"set {NETWORK}.{key}.")
        zone, vpc_id, subnet_id = str(net["zone"]), str(net["vpc_id"]), str(net["subnet_id"])
        if not zone.startswith(request.region + "-"):
            raise UserInputError(f"{NETWORK}.zone", f"{zone!r} is not a zone of {request.region}.",
                                 f"name a zone such as {request.region}-3.")
        warnings = self._check_type(request.region, zone, request.instance_type)
        self._check_subnet(request.region, zone, vpc_id, subnet_id)
        self._check_groups(request.region, security_groups(str(net.get("security_group_ids") or "")))
        size = request.base_image.extra.get("size_gb")
        least = size if isinstance(size, int) else 0
        if request.disk_size_gb is not None and request.disk_size_gb < least:
            raise UserInputError("disk_size_gb", f"{request.disk_size_gb} GB is smaller than the base image "
                                 f"{request.base_image.image_id} ({least} GB).",
                                 f"set disk_size_gb to {least} or more.")
        return warnings

    def _check_type(self, region: str, zone: str, instance_type: str) -> list[str]:
        """DescribeZoneInstanceConfigInfos: the type is sold in the zone and has stock there now."""
        def offers(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
            reply = self._call("DescribeZoneInstanceConfigInfos", {"Filters": [
                {"Name": "instance-type", "Values": [instance_type]},
                {"Name": "instance-charge-type", "Values": ["POSTPAID_BY_HOUR"]}, *filters]}, region)
            return list(reply.get("InstanceTypeQuotaSet") or [])

        here = offers([{"Name": "zone", "Values": [zone]}])
        if not here:
            elsewhere = sorted({str(o.get("Zone")) for o in offers([]) if o.get("Status") == "SELL"})
            if not elsewhere:
                raise UserInputError("instance_type", f"{instance_type!r} is not a CVM instance type sold "
                                     f"pay-as-you-go in {region}.", "choose a type DescribeZoneInstanceConfigInfos "
                                     "lists for the zone (for example S5.MEDIUM4).")
            raise UserInputError("instance_type", f"{instance_type!r} is not sold in {zone}.",
                                 f"launch in {', '.join(elsewhere)} (network.zone and a subnet there), or choose "
                                 "another type.")
        if all(o.get("Status") != "SELL" for o in here):
            others = sorted({str(o.get("Zone")) for o in offers([]) if o.get("Status") == "SELL"})
            raise errors.OperationFailed(f"no stock: {instance_type} is sold out in {zone} now "
                                         f"({here[0].get('SoldOutReason') or here[0].get('StatusCategory')}). Fix: "
                                         + (f"launch in {', '.join(others)}, " if others else "")
                                         + "choose another instance type, or run `pulumi up` again later",
                                         vendor=mapping.VENDOR, operation="DescribeZoneInstanceConfigInfos",
                                         code="ResourceInsufficient.SpecifiedInstanceType")
        if any(o.get("StatusCategory") == "UnderStock" for o in here):
            return [f"{instance_type} is nearly sold out in {zone}: the launch may fail for lack of stock"]
        return []

    def _check_subnet(self, region: str, zone: str, vpc_id: str, subnet_id: str) -> None:
        reply = self._vpc("DescribeSubnets", {"Filters": [{"Name": "subnet-id", "Values": [subnet_id]}]})
        found = [s for s in reply.get("SubnetSet") or [] if s.get("SubnetId") == subnet_id]
        if not found:
            raise UserInputError(f"{NETWORK}.subnet_id", f"subnet {subnet_id!r} does not exist in {region}.",
                                 "name a subnet of the VPC in network.zone (DescribeSubnets lists them).")
        subnet = found[0]
        if subnet.get("VpcId") != vpc_id:
            raise UserInputError(f"{NETWORK}.vpc_id", f"subnet {subnet_id} belongs to {subnet.get('VpcId')}, not "
                                 f"{vpc_id!r}.", f"set network.vpc_id to {subnet.get('VpcId')}, or name a subnet "
                                 f"of {vpc_id}.")
        if subnet.get("Zone") != zone:
            raise UserInputError(f"{NETWORK}.zone", f"subnet {subnet_id} is in {subnet.get('Zone')}, not {zone}: "
                                 "an instance launches into a subnet of its own zone.",
                                 f"set network.zone to {subnet.get('Zone')}, or name a subnet in {zone}.")

    def _check_groups(self, region: str, groups: Sequence[str]) -> None:
        for start in range(0, len(groups), FILTER_VALUES):
            wanted = list(groups[start:start + FILTER_VALUES])
            reply = self._vpc("DescribeSecurityGroups", {"Filters": [
                {"Name": "security-group-id", "Values": wanted}], "Limit": str(FILTER_VALUES)})
            have = {str(g.get("SecurityGroupId")) for g in reply.get("SecurityGroupSet") or []}
            missing = [g for g in wanted if g not in have]
            if missing:
                raise UserInputError(f"{NETWORK}.security_group_ids", f"security group {missing[0]!r} does not "
                                     f"exist in {region}.", "name security groups of this region (comma-separated), "
                                     "or leave security_group_ids out for the project's default group.")

    # the launch ------------------------------------------------------------------------
    def launch_vm(self, request: LaunchRequest) -> Started:
        """One RunInstances: tags and ClientToken in the call itself; the instance id at once, no wait."""
        net = request.network
        params: dict[str, Any] = {
            "InstanceChargeType": "POSTPAID_BY_HOUR", "Placement": {"Zone": str(net.get("zone") or "")},
            "ImageId": request.base_image.image_id, "InstanceType": request.instance_type, "InstanceCount": 1,
            "VirtualPrivateCloud": {"VpcId": str(net.get("vpc_id") or ""), "SubnetId": str(net.get("subnet_id") or "")},
            "InternetAccessible": {"PublicIpAssigned": False, "InternetMaxBandwidthOut": 0},
            "InstanceName": request.name[:128],
            "TagSpecification": [{"ResourceType": "instance",
                                  "Tags": [{"Key": k, "Value": v} for k, v in sorted(request.tags.items())]}],
        }
        groups = security_groups(str(net.get("security_group_ids") or ""))
        if groups:
            params["SecurityGroupIds"] = groups
        disk: dict[str, Any] = {}
        if request.disk_size_gb is not None:
            disk["DiskSize"] = request.disk_size_gb
        if request.options.get("system_disk_type"):
            disk["DiskType"] = str(request.options["system_disk_type"])
        if disk:
            params["SystemDisk"] = disk
        if request.client_token:
            params["ClientToken"] = request.client_token[:TOKEN_MAX]
        if request.base_image.owner in ("self", "shared"):
            params["LoginSettings"] = {"KeepImageLogin": "true"}
        elif request.admin_secret:
            params["LoginSettings"] = {"Password": request.admin_secret}
        reply = self._call("RunInstances", params, request.region)
        made = [str(i) for i in reply.get("InstanceIdSet") or []]
        if not made:
            raise errors.OperationFailed("RunInstances accepted the launch but named no instance",
                                         vendor=mapping.VENDOR, operation="RunInstances",
                                         request_id=str(reply.get("RequestId") or ""))
        return Started(vm_id=made[0], request_id=str(reply.get("RequestId") or ""))

    # finding and removing ----------------------------------------------------------------
    def find_build_vms(self, region: str, identity: Identity) -> list[VmInfo]:
        """https://cloud.tencent.com/document/api/213/15728 (DescribeInstances, Filters tag:imageforge-key)."""
        out: list[VmInfo] = []
        offset = 0
        while True:
            reply = self._call("DescribeInstances", {"Filters": [{"Name": f"tag:{TAG_KEY}", "Values": [identity.key]}],
                                                     "Offset": offset, "Limit": PAGE}, region)
            batch = reply.get("InstanceSet") or []
            out += [vm_info(raw, region) for raw in batch
                    if all(mapping.tags_of(raw).get(k) == v for k, v in identity.tags.items())]
            offset += len(batch)
            if not batch or offset >= int(reply.get("TotalCount") or 0):
                return out

    def agent_online(self, vm_id: str, os_type: str) -> bool:
        """https://cloud.tencent.com/document/api/1340/52682 (DescribeAutomationAgentStatus): AgentStatus Online."""
        reply = client.call_tat(self.target, self.region, "DescribeAutomationAgentStatus", {"InstanceIds": [vm_id]})
        return any(a.get("InstanceId") == vm_id and a.get("AgentStatus") == "Online"
                   for a in reply.get("AutomationAgentSet") or [])

    def remove_build_vm(self, vm_id: str) -> None:
        """TerminateInstances (ReleaseAddress: an EIP bound later goes too); already TERMINATING is done."""
        try:
            self._call("TerminateInstances", {"InstanceIds": [vm_id], "ReleaseAddress": True})
        except errors.InvalidState as err:
            if err.code != "UnsupportedOperation.InstanceStateTerminating":
                raise

    def find_build_leftovers(self, region: str, identity: Identity) -> list[str]:
        """None: the build instance has no data disks and no public IP, and its system disk and primary network
        interface are deleted with it (TerminateInstances), so nothing tagged outlives it."""
        return []

    def remove_leftover(self, object_id: str) -> None:
        """find_build_leftovers names nothing on CVM, so any id given is not one of ours."""
        raise errors.NotFound(f"{object_id} is not an object a CVM build instance leaves behind",
                              vendor=mapping.VENDOR, operation="TerminateInstances", resource_id=object_id)
