"""Huawei Cloud IMS against the simulator's cn-north-4 seeds (ECS servers, a CBR vault, one project per region)."""
from __future__ import annotations

from typing import Any

from imageforge.simulator import Simulator

from . import ServiceCase, VmCase

REGION = "cn-north-4"
LINUX_SERVER = "11111111-0000-4000-8000-000000000001"  # simulator/huawei/regions.py server_id(REGION, "linux")
AGENCY = "ims_admin_agency"


def _coc(sim: Simulator) -> Any:
    return next(w for w in sim.wires if w.vendor == "huawei-coc").model


def _make_vm(sim: Simulator, os_type: str, name: str) -> str:
    from imageforge.simulator.huawei import servers

    return servers.add_server(_coc(sim).ims, REGION, os_type.lower(), name).id


def _vm_state(sim: Simulator, vm_id: str) -> tuple[bool, bool]:
    """Marked by the imageforge-generalized tag while SHUTOFF; prepared: what the guest itself says (COC's model)."""
    from imageforge.providers.huawei.vms import GENERALIZED_TAG
    from imageforge.simulator.huawei import servers

    coc = _coc(sim)
    marked = (servers.tags(coc.ims, REGION, vm_id).get(GENERALIZED_TAG) == "true"
              and servers.status(coc.ims, REGION, vm_id)[0] == "SHUTOFF")
    return marked, bool(coc.guest_state(REGION, vm_id).generalized)


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
    vm=VmCase({"cloud": "huawei", "region": REGION}, _make_vm, _vm_state),
    build={"cloud": "huawei", "region": REGION, "name": "baked-contract", "base_image": "CentOS 7.9 64bit",
           "instance_type": "s6.large.2",
           "network": {"vpc_id": "55555555-0000-4000-8000-000000000001",
                       "subnet_id": "66666666-0000-4000-8000-000000000001",
                       "security_group_id": "77777777-0000-4000-8000-000000000001",
                       "availability_zone": "cn-north-4a"}},
)
