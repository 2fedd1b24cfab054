"""Launch actions on the ECS wire: RunInstances, DeleteInstances, the network, stock, disk and ENI reads.

Also answers DescribeInstances (the Tag.N and Status filters, and a launched instance's zone and
network), DeleteInstance (which takes the instance's disks and ENI with it) and DescribeImages with
ImageOwnerAlias=system (the public images); ecs_wire.py lists these handlers after its own, so they
replace its simpler ones, and hands every other DescribeImages to its own handler.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.wire import SimError
from . import rpc
from .ecs_launch import INSTANCE_TYPES, PUBLIC_IMAGES, EcsLaunch

Handler = Callable[[str, dict[str, str]], dict[str, Any]]


class LaunchWire:
    def __init__(self, launch: EcsLaunch, describe_images: Handler) -> None:
        self.launch = launch
        self.own_images = describe_images

    def handlers(self) -> dict[str, Handler]:
        return {
            "RunInstances": self.run_instances, "DescribeInstances": self.describe_instances,
            "DeleteInstance": self.delete_instance, "DeleteInstances": self.delete_instances,
            "DescribeVSwitches": self.describe_vswitches, "DescribeSecurityGroups": self.describe_security_groups,
            "DescribeAvailableResource": self.describe_available_resource, "DescribeDisks": self.describe_disks,
            "DeleteDisk": self.delete_disk, "DescribeNetworkInterfaces": self.describe_enis,
            "DeleteNetworkInterface": self.delete_eni, "DescribeImages": self.describe_images,
        }

    def run_instances(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        """https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-runinstances"""
        made = self.launch.run(
            region, image_id=p.get("ImageId", ""), instance_type=p.get("InstanceType", ""),
            vswitch_id=p.get("VSwitchId", ""), security_group_id=p.get("SecurityGroupId", ""),
            zone_id=p.get("ZoneId", ""), disk_size=_int(p.get("SystemDisk.Size"), "SystemDisk.Size"),
            disk_category=p.get("SystemDisk.Category", ""), name=p.get("InstanceName", ""),
            amount=_int(p.get("Amount"), "Amount") or 1, charge_type=p.get("InstanceChargeType") or "PostPaid",
            bandwidth_out=_int(p.get("InternetMaxBandwidthOut"), "InternetMaxBandwidthOut") or 0,
            tags=rpc.tags(p), token=p.get("ClientToken", ""))
        return {"InstanceIdSets": {"InstanceIdSet": made}, "OrderId": "", "TradePrice": 0.0}

    def describe_instances(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        wanted = rpc.json_list(p.get("InstanceIds"))
        tags, status = rpc.tags(p), p.get("Status", "")
        now = self.launch.ctx.now()
        views = []
        for instance in self.launch.model.instances(region, instance_ids=wanted):
            view = self.launch.decorate(region, self.launch.assist.view(instance, now))
            have = {t["TagKey"]: t["TagValue"] for t in view["Tags"]["Tag"]}
            if all(have.get(k) == v for k, v in tags.items()) and (not status or view["Status"] == status):
                views.append(view)
        chunk, number, size = rpc.page(views, p)
        return {"TotalCount": len(views), "PageNumber": number, "PageSize": size, "Instances": {"Instance": chunk}}

    def delete_instance(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.launch.delete_instances(region, [p.get("InstanceId", "")], rpc.boolean(p.get("Force")))
        return {}

    def delete_instances(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        """At most 100 ids (InstanceId.N); Force deletes instances that are not Stopped."""
        found = rpc.indexed(p, "InstanceId")
        if len(found) > 100:
            raise SimError("InvalidParam.InstanceIdsCount", "At most 100 InstanceId.N are accepted.", 400)
        self.launch.delete_instances(region, found, rpc.boolean(p.get("Force")))
        return {}

    def describe_vswitches(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        found = self.launch.vswitches(region, p.get("VSwitchId", ""), p.get("VpcId", ""), p.get("ZoneId", ""))
        chunk, number, size = rpc.page(found, p, max_size=50)
        return {"TotalCount": len(found), "PageNumber": number, "PageSize": size, "VSwitches": {"VSwitch": chunk}}

    def describe_security_groups(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        wanted = rpc.json_list(p.get("SecurityGroupIds")) + ([p["SecurityGroupId"]] if p.get("SecurityGroupId") else [])
        found = self.launch.security_groups(region, wanted, p.get("VpcId", ""))
        chunk, number, size = rpc.page(found, p)
        return {"TotalCount": len(found), "PageNumber": number, "PageSize": size, "RegionId": region,
                "SecurityGroups": {"SecurityGroup": chunk}}

    def describe_available_resource(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        """DestinationResource=InstanceType: each zone's instance types, Available/WithStock or SoldOut/WithoutStock."""
        if p.get("DestinationResource") != "InstanceType":
            raise SimError("InvalidParameter", "The simulator answers DestinationResource=InstanceType only.", 400)
        self.launch.model.check_region(region)
        zones = [z for z in self.launch.zones(region) if not p.get("ZoneId") or z == p["ZoneId"]]
        types = [t for t in INSTANCE_TYPES if not p.get("InstanceType") or t == p["InstanceType"]]
        out = []
        for zone in zones:
            supported = []
            for t in types:
                sold = self.launch.sold_out(region, zone, t)
                supported.append({"Value": t, "Status": "SoldOut" if sold else "Available",
                                  "StatusCategory": "WithoutStock" if sold else "WithStock"})
            if not supported:
                continue
            any_stock = any(s["Status"] == "Available" for s in supported)
            out.append({"ZoneId": zone, "RegionId": region, "Status": "Available" if any_stock else "SoldOut",
                        "StatusCategory": "WithStock" if any_stock else "WithoutStock",
                        "AvailableResources": {"AvailableResource": [
                            {"Type": "InstanceType", "SupportedResources": {"SupportedResource": supported}}]}})
        return {"AvailableZones": {"AvailableZone": out}}

    def describe_disks(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        found = self.launch.disks(region, rpc.json_list(p.get("DiskIds")), p.get("InstanceId", ""), p.get("Status", ""),
                                  rpc.tags(p))
        chunk, number, size = rpc.page(found, p)
        return {"TotalCount": len(found), "PageNumber": number, "PageSize": size, "Disks": {"Disk": chunk}}

    def delete_disk(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.launch.delete_disk(region, p.get("DiskId", ""))
        return {}

    def describe_enis(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        found = self.launch.enis(region, rpc.indexed(p, "NetworkInterfaceId"), p.get("InstanceId", ""),
                                 p.get("Status", ""), rpc.tags(p))
        chunk, number, size = rpc.page(found, p)
        return {"TotalCount": len(found), "PageNumber": number, "PageSize": size,
                "NetworkInterfaceSets": {"NetworkInterfaceSet": chunk}}

    def delete_eni(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.launch.delete_eni(region, p.get("NetworkInterfaceId", ""))
        return {}

    def describe_images(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        """ImageOwnerAlias=system: the public images (ImageId and ImageName filter them); any other: the images
        the account owns or was shared, as before."""
        if p.get("ImageOwnerAlias") != "system":
            return self.own_images(region, p)
        self.launch.model.check_region(region)
        wanted = [i for i in (p.get("ImageId") or "").split(",") if i]
        found = [{**i, "RegionId": region} for i in PUBLIC_IMAGES if (not wanted or i["ImageId"] in wanted)
                 and (not p.get("ImageName") or i["ImageName"] == p["ImageName"])
                 and (not p.get("OSType") or i["OSType"] == p["OSType"].lower())]
        chunk, number, size = rpc.page(found, p)
        return {"TotalCount": len(found), "PageNumber": number, "PageSize": size, "RegionId": region,
                "Images": {"Image": chunk}}


def _int(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError as exc:
        raise SimError("InvalidParameter", f"The specified {name} is not an integer.", 400) from exc


