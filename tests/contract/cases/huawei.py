"""Huawei Cloud IMS against the simulator's cn-north-4 seeds (ECS servers, a CBR vault, one project per region)."""
from __future__ import annotations

from typing import Any

from . import ServiceCase

REGION = "cn-north-4"
LINUX_SERVER = "11111111-0000-4000-8000-000000000001"  # simulator/huawei/regions.py server_id(REGION, "linux")
AGENCY = "ims_admin_agency"


def _copy(image_id: str) -> dict[str, Any]:
    return {"cloud": "huawei", "region": REGION, "image_id": image_id, "regions": ["cn-east-3"],
            "options": {"agency_name": AGENCY}}


CASE = ServiceCase(
    cloud="huawei", service="ims", vendor="huawei-ims",
    capture={"cloud": "huawei", "region": REGION, "name": "golden-contract", "source": {"instance": LINUX_SERVER}},
    copy=_copy, regions=("cn-east-3", "ap-southeast-1"),
    imports={"cloud": "huawei", "region": REGION, "name": "imported-contract", "format": "raw",
             "object": {"bucket": "golden-images", "key": "web/disk.raw"}},
    # The base capture is a system-disk image (CreateImage), which options.cmk_id encrypts; the other rows
    # ride together on a full-ECS image (scope 'system+data' with options.vault_id), which IMS cannot encrypt.
    separate=frozenset({"source", "cmk_id"}),
    inputs_with={"encrypted": {"options": {"cmk_id": "kms-contract-key"}}},
)
