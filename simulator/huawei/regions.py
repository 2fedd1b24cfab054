"""Huawei Cloud regions the simulator answers for, each with a fixed project id.

One simulator endpoint serves every region, so a request's region is read from its project
id (the `X-Project-Id` header or the `{project_id}` in the path). The ids are fixed so docs,
stack configs and a later `destroy` in another process all agree; `endpoint_extras()`
publishes them as {"huawei_projects": {region: project_id}}.
"""
from __future__ import annotations

import hashlib

REGIONS: tuple[str, ...] = (
    "cn-north-4", "cn-east-3", "ap-southeast-1", "cn-north-1", "cn-east-2", "cn-south-1",
    "cn-southwest-2", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "af-south-1",
    "la-south-2", "sa-brazil-1", "tr-west-1", "me-east-1", "eu-west-101",
)

# Regions that have seeded ECS servers (and a CBR vault) to capture from.
SEEDED_REGIONS: tuple[str, ...] = ("cn-north-4", "cn-east-3", "ap-southeast-1")


def project_id(region: str) -> str:
    """The default project of `region`: 32 lowercase hex characters, stable forever."""
    return hashlib.sha256(f"imageforge-sim/huawei/{region}".encode()).hexdigest()[:32]


PROJECTS: dict[str, str] = {region: project_id(region) for region in REGIONS}
REGION_OF_PROJECT: dict[str, str] = {pid: region for region, pid in PROJECTS.items()}
# The second test account (SIMULATORAK2) has its own project in each region, as every Huawei Cloud
# account does; a project id names one account's project in one region.
SECOND_ACCOUNT = "0a0000000000000000000000000000002"


def account_project_id(account: str, region: str) -> str:
    """The default project of `region` in the simulated account `account` (its uid)."""
    return hashlib.sha256(f"imageforge-sim/huawei/{account}/{region}".encode()).hexdigest()[:32]


SECOND_PROJECTS: dict[str, str] = {region: account_project_id(SECOND_ACCOUNT, region) for region in REGIONS}
REGION_OF_PROJECT.update({pid: region for region, pid in SECOND_PROJECTS.items()})
ACCOUNT_OF_PROJECT: dict[str, str] = {pid: SECOND_ACCOUNT for pid in SECOND_PROJECTS.values()}  # others: the first


def region_number(region: str) -> int:
    """1-based position, used in the readable seeded ids (`...-000000000001` is cn-north-4)."""
    return REGIONS.index(region) + 1


def server_id(region: str, os_type: str) -> str:
    """Seeded ECS ids: 11111111-... Linux, 22222222-... Windows, 33333333-... Linux with a 200 GB disk."""
    prefix = {"linux": "11111111", "windows": "22222222", "bigdisk": "33333333"}[os_type]
    return f"{prefix}-0000-4000-8000-{region_number(region):012d}"


def vault_id(region: str) -> str:
    """Seeded CBR vault per region (whole-ECS images need one)."""
    return f"44444444-0000-4000-8000-{region_number(region):012d}"
