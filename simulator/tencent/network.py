"""The VPC objects a CVM launch names: a fixed catalog per region, read through VPC's DescribeSubnets and
DescribeSecurityGroups (API 2017-03-12, https://cloud.tencent.com/document/api/215/15784 and /15808).

Every CVM region has, with readable fixed ids (`p` is the seeded prefix: gz, sh, bj; other regions use
the first two letters of the city):
  vpc-{p}build1      the build VPC, 10.0.0.0/16
  subnet-{p}bld003   its subnet in zone <region>-3 (10.0.3.0/24)
  subnet-{p}bld004   its subnet in zone <region>-4 (10.0.4.0/24)
  sg-{p}build1       a security group
and everywhere vpc-imgforge1 / subnet-imgforge1 (zone <region>-3) / sg-imgforge1, which the seeded
instances report. VPC's Offset and Limit are strings on the wire.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .query import Field, Filter, select
from .records import SEED_TIME, fail
from .regions import ALL_REGIONS
from .seeds import SEEDED_REGIONS


@dataclass(frozen=True)
class Subnet:
    subnet_id: str
    vpc_id: str
    zone: str
    cidr: str

    def view(self) -> dict[str, Any]:
        return {"VpcId": self.vpc_id, "SubnetId": self.subnet_id, "SubnetName": self.subnet_id, "CidrBlock": self.cidr,
                "IsDefault": False, "EnableBroadcast": False, "Zone": self.zone, "RouteTableId": "rtb-imgforge1",
                "CreatedTime": SEED_TIME.replace("T", " ").rstrip("Z"), "AvailableIpAddressCount": 250,
                "Ipv6CidrBlock": "", "NetworkAclId": "", "IsRemoteVpcSnat": False, "TotalIpAddressCount": 253,
                "TagSet": [], "CdcId": "", "IsCdcSubnet": 0}


def prefix(region: str) -> str:
    """The seeded regions' short prefix, else the city's first two letters (ap-tokyo: to)."""
    return SEEDED_REGIONS.get(region) or region.split("-")[1][:2]


def subnets(region: str) -> list[Subnet]:
    if region not in ALL_REGIONS:
        return []
    p = prefix(region)
    return [Subnet("subnet-imgforge1", "vpc-imgforge1", f"{region}-3", "10.0.1.0/24"),
            Subnet(f"subnet-{p}bld003", f"vpc-{p}build1", f"{region}-3", "10.0.3.0/24"),
            Subnet(f"subnet-{p}bld004", f"vpc-{p}build1", f"{region}-4", "10.0.4.0/24")]


def vpc_ids(region: str) -> set[str]:
    return {s.vpc_id for s in subnets(region)}


def security_groups(region: str) -> list[str]:
    return ["sg-imgforge1", f"sg-{prefix(region)}build1"] if region in ALL_REGIONS else []


SUBNET_FILTERS: dict[str, Field[Subnet]] = {
    "subnet-id": lambda s: [s.subnet_id], "vpc-id": lambda s: [s.vpc_id], "zone": lambda s: [s.zone],
    "subnet-name": lambda s: [s.subnet_id], "cidr-block": lambda s: [s.cidr]}
GROUP_FILTERS: dict[str, Field[str]] = {"security-group-id": lambda g: [g], "security-group-name": lambda g: [g]}


def _page(items: list[Any], p: dict[str, Any]) -> list[Any]:
    """VPC's Offset/Limit: strings of digits (Limit at most 100, 20 when absent)."""
    try:
        offset, limit = int(p.get("Offset") or 0), int(p.get("Limit") or 20)
    except (TypeError, ValueError):
        raise fail("InvalidParameterValue.Malformed", "Offset and Limit must be numbers.") from None
    if offset < 0 or not 0 <= limit <= 100:
        raise fail("InvalidParameterValue.Range", "Limit must be from 0 to 100 and Offset not negative.")
    return items[offset: offset + limit]


def describe_subnets(region: str, p: dict[str, Any], filters: list[Filter]) -> dict[str, Any]:
    wanted = [str(i) for i in p.get("SubnetIds") or []]
    if wanted and filters:
        raise fail("InvalidParameter.Coexist", "SubnetIds and Filters cannot be specified together.")
    found = subnets(region)
    for subnet_id in wanted:
        if not subnet_id.startswith("subnet-"):
            raise fail("InvalidParameterValue.Malformed", f"The subnet id `{subnet_id}` is malformed.")
        if subnet_id not in {s.subnet_id for s in found}:
            raise fail("ResourceNotFound", f"The subnet `{subnet_id}` does not exist.")
    items = select([s for s in found if not wanted or s.subnet_id in wanted], filters, SUBNET_FILTERS)
    return {"TotalCount": len(items), "SubnetSet": [s.view() for s in _page(items, p)]}


def describe_security_groups(region: str, p: dict[str, Any], filters: list[Filter]) -> dict[str, Any]:
    wanted = [str(i) for i in p.get("SecurityGroupIds") or []]
    if wanted and filters:
        raise fail("InvalidParameter.Coexist", "SecurityGroupIds and Filters cannot be specified together.")
    found = security_groups(region)
    for group in wanted:
        if not group.startswith("sg-"):
            raise fail("InvalidParameterValue.Malformed", f"The security group id `{group}` is malformed.")
        if group not in found:
            raise fail("ResourceNotFound", f"The security group `{group}` does not exist.")
    items = select([g for g in found if not wanted or g in wanted], filters, GROUP_FILTERS)
    return {"TotalCount": len(items), "SecurityGroupSet": [
        {"SecurityGroupId": g, "SecurityGroupName": g, "SecurityGroupDesc": "", "ProjectId": "0", "IsDefault": False,
         "CreatedTime": SEED_TIME.replace("T", " ").rstrip("Z"), "TagSet": [], "UpdateTime": ""}
        for g in _page(items, p)]}
