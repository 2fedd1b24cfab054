"""VmBuilder on Alibaba ECS: a temporary build instance from a base image, and its removal with everything it had.

Calls: DescribeImages (ImageOwnerAlias self, others, system), DescribeVSwitches, DescribeSecurityGroups,
DescribeAvailableResource, RunInstances (one call, Amount 1, PostPaid, InternetMaxBandwidthOut 0 so no
public IP, the identity tag in Tag.N and the ClientToken), DescribeInstances (Tag.N filter),
DescribeCloudAssistantStatus, DeleteInstances (Force), DescribeDisks / DescribeNetworkInterfaces and
DeleteDisk / DeleteNetworkInterface for leftovers.

RunInstances gives Tag.N to the instance, its disks and its primary ENI; deleting the instance takes its
primary ENI and every disk whose DeleteWithInstance is true (the system disk's default), so a leftover is
only a disk someone set to outlive it, or an ENI detached from it. The commands, the stop and the mark are
the VmGeneralizer half (ecs_vms.py). ECS has no 'launch failed' instance state: a launch it cannot serve
is refused by RunInstances itself (OperationDenied.NoStock, QuotaExceed.*).
https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-runinstances
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..core import errors
from ..core.model import BaseImage, Identity, LaunchRequest, Started, Target, VmInfo
from . import acs, ecs_mapping as mapping
from .ecs_vms import _request, vm_info

VENDOR = "alibaba-ecs"
PAGE = 100
OWNERS = (("self", "self"), ("others", "shared"), ("system", "public"))  # ImageOwnerAlias -> BaseImage.owner
LAUNCHABLE = "Available,Deprecated"  # a deprecated image still launches (ModifyImageAttribute reference)
DISK_MIN, DISK_MAX = 20, 2048  # SystemDisk.Size, GiB (RunInstances reference)
MAX_TAGS = 20  # Tag.N on RunInstances (RunInstances reference)
NAME = re.compile(r"[^A-Za-z0-9._:\-]")




def _tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def instance_name(name: str) -> str:
    """InstanceName: 2-128 characters, starting with a letter; letters, digits, '.', '_', ':' and '-'."""
    clean = NAME.sub("-", name)[:128]
    if len(clean) < 2:
        return "imageforge-build"
    return clean if clean[0].isalpha() else f"b-{clean}"[:128]


class EcsBuilds:
    """The VmBuilder half of the ECS adapter."""

    target: Target
    region: str

    def _build_call(self, request: Any, operation: str, region: str | None = None) -> dict[str, Any]:
        return acs.call(self.target, region or self.region, request, operation, mapping.TABLE)

    # base image --------------------------------------------------------------------
    def resolve_base_image(self, region: str, base_image: str) -> BaseImage:
        """By id, or by exact name among the account's own, shared and public images (DescribeImages).

        https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeimages
        """
        found: list[BaseImage] = []
        for alias, owner in OWNERS:
            for key in ("ImageId", "ImageName"):
                req = _request("DescribeImages", ImageOwnerAlias=alias, Status=LAUNCHABLE, PageSize=PAGE,
                               **{key: base_image})
                reply = self._build_call(req, "DescribeImages", region)
                for raw in reply.get("Images", {}).get("Image", []):
                    if raw.get(key) == base_image and all(b.image_id != raw.get("ImageId") for b in found):
                        found.append(_base(raw, owner))
                if found and key == "ImageId":
                    return found[0]
        if len(found) > 1:
            raise errors.UserInputError(
                "base_image", f"the name {base_image!r} matches {len(found)} images in {region}: "
                f"{', '.join(f'{b.image_id} ({b.owner})' for b in found)}.", "give the image id instead of the name.")
        if not found:
            raise errors.NotFound(
                f"base image {base_image!r} is neither an image id nor the exact name of an image this account owns, "
                f"is shared or the public images hold in {region} (DescribeImages, Available or Deprecated). Fix: give "
                "an image id (m-... or a public id such as aliyun_3_x64_20G_alibase_20260101.vhd) or an exact name "
                "in that region", vendor=VENDOR, operation="DescribeImages", code="InvalidImageId.NotFound",
                resource_id=base_image)
        return found[0]

    # launch ------------------------------------------------------------------------
    def prepare_launch(self, request: LaunchRequest) -> list[str]:
        """Read the vSwitch, the security group and the zone's stock of the instance type; refuse what RunInstances
        would (a missing vSwitch or group, groups of another VPC, a zone other than the vSwitch's, no such type,
        sold out, a system disk smaller than the image)."""
        region, net = request.region, request.network
        if len(request.tags) > MAX_TAGS:
            raise errors.UserInputError("tags", f"RunInstances takes at most {MAX_TAGS} tags (Tag.N) and the build "
                                        f"instance would carry {len(request.tags)}, imageforge's own included.",
                                        f"keep at most {MAX_TAGS - 1} tags.")
        vsw_id, sg_id, zone = net.get("vswitch_id", ""), net.get("security_group_id", ""), net.get("zone_id", "")
        for key, value in (("vswitch_id", vsw_id), ("security_group_id", sg_id)):
            if not value:
                raise errors.UserInputError(f"network.{key}", "ECS launches a build instance into a VPC and needs it.",
                                            f"set network.{key} ({'vsw-...' if key == 'vswitch_id' else 'sg-...'}).")
        vsws = self._build_call(_request("DescribeVSwitches", VSwitchId=vsw_id), "DescribeVSwitches", region)
        vsw = next((v for v in vsws.get("VSwitches", {}).get("VSwitch", []) if v.get("VSwitchId") == vsw_id), None)
        if vsw is None:
            raise errors.UserInputError("network.vswitch_id", f"vSwitch {vsw_id} does not exist in {region} "
                                        "(DescribeVSwitches found none; RunInstances: InvalidVSwitchId.NotFound).",
                                        f"give the id of a vSwitch in {region}.")
        vsw_zone, vpc = str(vsw.get("ZoneId", "")), str(vsw.get("VpcId", ""))
        if zone and zone != vsw_zone:
            raise errors.UserInputError("network.zone_id", f"vSwitch {vsw_id} is in zone {vsw_zone}, not {zone}: the "
                                        "vSwitch fixes the zone.", f"remove network.zone_id or set it to {vsw_zone}.")
        sgs = self._build_call(_request("DescribeSecurityGroups", SecurityGroupIds=json.dumps([sg_id])),
                               "DescribeSecurityGroups", region)
        sg = next((g for g in sgs.get("SecurityGroups", {}).get("SecurityGroup", [])
                   if g.get("SecurityGroupId") == sg_id), None)
        if sg is None:
            raise errors.UserInputError("network.security_group_id", f"security group {sg_id} does not exist in "
                                        f"{region} (DescribeSecurityGroups found none).",
                                        f"give the id of a security group of VPC {vpc}.")
        if sg.get("VpcId") != vpc:
            raise errors.UserInputError("network.security_group_id", f"security group {sg_id} belongs to VPC "
                                        f"{sg.get('VpcId')}, vSwitch {vsw_id} to VPC {vpc}; RunInstances refuses them "
                                        "together (InvalidParameter.Mismatch).", f"give a security group of VPC {vpc}.")
        self._check_stock(region, vsw_zone, vsw_id, request.instance_type)
        size = int(str(request.base_image.extra.get("size_gb") or 0))
        wanted = request.disk_size_gb
        if wanted is not None and not (max(DISK_MIN, size) <= wanted <= DISK_MAX):
            raise errors.UserInputError("disk_size_gb", f"the system disk must hold the image ({size} GiB) and be "
                                        f"{DISK_MIN}-{DISK_MAX} GiB; {wanted} is not.",
                                        f"set disk_size_gb between {max(DISK_MIN, size)} and {DISK_MAX}, or remove it.")
        return []

    def _check_stock(self, region: str, zone: str, vsw_id: str, instance_type: str) -> None:
        """https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeavailableresource"""
        req = _request("DescribeAvailableResource", DestinationResource="InstanceType", ZoneId=zone,
                       InstanceType=instance_type, InstanceChargeType="PostPaid")
        try:
            reply = self._build_call(req, "DescribeAvailableResource", region)
        except errors.InvalidArgument as err:
            raise errors.UserInputError("instance_type", f"ECS does not offer {instance_type!r} ({err.code}).",
                                        "choose an instance type ECS lists for the region (e.g. ecs.g7.large).") from err
        offered = [s for z in reply.get("AvailableZones", {}).get("AvailableZone", []) if z.get("ZoneId") == zone
                   for r in z.get("AvailableResources", {}).get("AvailableResource", [])
                   for s in r.get("SupportedResources", {}).get("SupportedResource", []) if s.get("Value") == instance_type]
        if not offered:
            raise errors.UserInputError("instance_type", f"ECS offers no instance type {instance_type!r} in zone {zone} "
                                        f"(DescribeAvailableResource; RunInstances: InvalidInstanceType.NotSupported).",
                                        "choose an instance type sold in that zone (e.g. ecs.g7.large), or a vSwitch "
                                        "of another zone as network.vswitch_id.")
        if all(s.get("Status") != "Available" for s in offered):
            category = offered[0].get("StatusCategory") or "SoldOut"
            raise errors.UserInputError("instance_type", f"{instance_type} is sold out in zone {zone} of vSwitch "
                                        f"{vsw_id} (DescribeAvailableResource: {category}; RunInstances: "
                                        "OperationDenied.NoStock).",
                                        "choose another instance type, or a vSwitch of another zone as "
                                        "network.vswitch_id, or try again later.")

    def launch_vm(self, request: LaunchRequest) -> Started:
        """One RunInstances carrying the tags and the ClientToken: a retried call returns the same instance.

        No Password: Cloud Assistant runs the commands, so no login credential is set (admin_secret unused).
        """
        opts, net = request.options, request.network
        req = _request("RunInstances", ImageId=request.base_image.image_id, InstanceType=request.instance_type,
                       VSwitchId=net.get("vswitch_id"), SecurityGroupId=net.get("security_group_id"),
                       ZoneId=net.get("zone_id"), InstanceName=instance_name(request.name), Amount=1,
                       InstanceChargeType="PostPaid", InternetMaxBandwidthOut=0,
                       ClientToken=request.client_token[:64],
                       SystemDiskSize=str(request.disk_size_gb) if request.disk_size_gb else None,
                       SystemDiskCategory=opts.get("system_disk_category"),
                       ResourceGroupId=opts.get("resource_group_id"))
        if request.tags:
            req.set_Tags(_tags(request.tags))
        try:
            reply = self._build_call(req, "RunInstances", request.region)
        except errors.CloudError as err:
            raise _launch_error(err, request) from err
        made = [str(i) for i in reply.get("InstanceIdSets", {}).get("InstanceIdSet", [])]
        if not made:
            raise errors.OperationFailed("RunInstances returned no instance id", vendor=VENDOR, operation="RunInstances",
                                         request_id=str(reply.get("RequestId", "")))
        return Started(vm_id=made[0], request_id=str(reply.get("RequestId", "")))

    # find and remove ---------------------------------------------------------------
    def find_build_vms(self, region: str, identity: Identity) -> list[VmInfo]:
        """DescribeInstances filtered by the identity tag (Tag.N), every status, every page."""
        out: list[VmInfo] = []
        page = 1
        while True:
            req = _request("DescribeInstances", PageSize=PAGE, PageNumber=page)
            req.set_Tags(_tags(identity.tags))
            reply = self._build_call(req, "DescribeInstances", region)
            batch = reply.get("Instances", {}).get("Instance", [])
            out.extend(vm_info(raw, region) for raw in batch if identity.matches(_tag_map(raw)))
            if not batch or page * PAGE >= int(reply.get("TotalCount") or 0):
                return out
            page += 1

    def agent_online(self, vm_id: str, os_type: str) -> bool:
        """DescribeCloudAssistantStatus says CloudAssistantStatus "true"."""
        req = _request("DescribeCloudAssistantStatus")
        req.set_InstanceIds([vm_id])
        reply = self._build_call(req, "DescribeCloudAssistantStatus")
        found = reply.get("InstanceCloudAssistantStatusSet", {}).get("InstanceCloudAssistantStatus", [])
        return any(s.get("InstanceId") == vm_id and str(s.get("CloudAssistantStatus")) == "true" for s in found)

    def remove_build_vm(self, vm_id: str) -> None:
        """DeleteInstances with Force: the primary ENI and the DeleteWithInstance disks go with the instance.

        https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-deleteinstances
        """
        req = _request("DeleteInstances", Force=True)
        req.set_InstanceIds([vm_id])
        self._build_call(req, "DeleteInstances")

    def find_build_leftovers(self, region: str, identity: Identity) -> list[str]:
        """Tagged disks and ENIs left Available (detached) once their instance is gone."""
        out: list[str] = []
        for action, key, id_key, status in (("DescribeDisks", ("Disks", "Disk"), "DiskId", "Available"),
                                            ("DescribeNetworkInterfaces",
                                             ("NetworkInterfaceSets", "NetworkInterfaceSet"), "NetworkInterfaceId",
                                             "Available")):
            page = 1
            while True:
                req = _request(action, Status=status, PageSize=PAGE, PageNumber=page)
                req.set_Tags(_tags(identity.tags))
                reply = self._build_call(req, action, region)
                batch = reply.get(key[0], {}).get(key[1], [])
                out.extend(str(r[id_key]) for r in batch if identity.matches(_tag_map(r)))
                if not batch or page * PAGE >= int(reply.get("TotalCount") or 0):
                    break
                page += 1
        return out

    def remove_leftover(self, object_id: str) -> None:
        """DeleteDisk (d-...) or DeleteNetworkInterface (eni-...)."""
        if object_id.startswith("eni-"):
            self._build_call(_request("DeleteNetworkInterface", NetworkInterfaceId=object_id), "DeleteNetworkInterface")
        elif object_id.startswith("d-"):
            self._build_call(_request("DeleteDisk", DiskId=object_id), "DeleteDisk")
        else:
            raise errors.Unsupported(f"{object_id} is not an ECS disk (d-...) or ENI (eni-...)", vendor=VENDOR,
                                     operation="remove leftover", resource_id=object_id)


def _tag_map(raw: Mapping[str, Any]) -> dict[str, str]:
    return {t.get("TagKey", ""): t.get("TagValue", "") for t in (raw.get("Tags") or {}).get("Tag", [])}


def _base(raw: Mapping[str, Any], owner: str) -> BaseImage:
    os_type = str(raw.get("OSType", "")).lower()
    if os_type not in ("linux", "windows"):
        os_type = "windows" if "windows" in str(raw.get("Platform", "")).lower() else "linux"
    return BaseImage(image_id=str(raw.get("ImageId", "")), name=str(raw.get("ImageName", "")), os_type=os_type,
                     owner=owner, extra={"platform": str(raw.get("Platform", "")), "size_gb": int(raw.get("Size") or 0),
                                         "architecture": str(raw.get("Architecture", "")),
                                         "status": str(raw.get("Status", "")), "os_name": str(raw.get("OSName", ""))})


def _launch_error(err: errors.CloudError, request: LaunchRequest) -> errors.CloudError:
    """The codes a launch meets, said with what to change; anything else as the table mapped it."""
    net = request.network
    fixes = {
        "OperationDenied.NoStock": (errors.OperationFailed, f"{request.instance_type} is sold out in the zone of vSwitch "
                                    f"{net.get('vswitch_id')}: choose another instance_type, or a vSwitch of another "
                                    "zone as network.vswitch_id, or try again later"),
        "QuotaExceed.ElasticQuota": (errors.QuotaExceeded, "the account's instance quota in the region is used up: "
                                     "release instances or raise the quota in the Quota Center"),
        "InvalidInstanceType.ValueNotSupported": (errors.InvalidArgument, f"ECS does not offer {request.instance_type}: "
                                                  "choose another instance_type"),
        "InvalidInstanceType.NotSupported": (errors.InvalidArgument, f"{request.instance_type} is not sold in that "
                                             "zone: choose another instance_type or network.vswitch_id"),
        "InvalidVSwitchId.NotFound": (errors.InvalidArgument, f"vSwitch {net.get('vswitch_id')} does not exist: fix "
                                      "network.vswitch_id"),
        "InvalidImageId.NotFound": (errors.NotFound, f"image {request.base_image.image_id} is gone: fix base_image"),
    }
    code = err.code or ""
    found = fixes.get(code) or (fixes["QuotaExceed.ElasticQuota"] if code.startswith("QuotaExceed.") else None)
    if found is None:
        return err
    cls, fix = found
    return cls(f"RunInstances refused the build instance ({err.code}): {fix}", vendor=VENDOR, operation="RunInstances",
               code=err.code, request_id=err.request_id)
