"""Tencent Cloud CVM against the simulator's ap-guangzhou seeds.

Captures start from the Windows instance (sysprep is a Windows step; its data disk is what scope
'system+data' takes). CVM image names are unique per region; the contract deletes each row group's
image before the next. Copies go to other regions; the encrypted copy, made only in the source's own
region, is proven in tests/tencent (its rows say so).
"""
from __future__ import annotations

from typing import Any

from imageforge.simulator import Simulator

from . import ServiceCase, VmCase

REGION = "ap-guangzhou"
VENDOR = "tencent-cvm"


def _tat(sim: Simulator) -> Any:
    return next(w for w in sim.wires if w.vendor == "tencent-tat").model


def _make_vm(sim: Simulator, os_type: str, name: str) -> str:
    from imageforge.simulator.tencent import instances

    return str(instances.add_instance(_tat(sim).cvm, REGION, os_type.lower(), name).instance_id)


def _vm_state(sim: Simulator, vm_id: str) -> tuple[bool, bool]:
    """Marked by the imageforge-generalized tag while STOPPED; prepared: what the guest itself says (TAT's model)."""
    from imageforge.providers.tencent.vms import GENERALIZED_TAG

    tat = _tat(sim)
    inst = tat.cvm.instance(REGION, vm_id)
    marked = dict(inst.tags).get(GENERALIZED_TAG) == "true" and inst.state_at(sim.ctx.now()) == "STOPPED"
    return marked, bool(tat.guest_state(REGION, vm_id).generalized)


def _copy(image_id: str) -> dict[str, Any]:
    return {"cloud": "tencent", "region": REGION, "image_id": image_id, "regions": ["ap-shanghai"]}


CASE = ServiceCase(
    cloud="tencent", service="cvm", vendor=VENDOR,
    capture={"cloud": "tencent", "region": REGION, "name": "golden-contract", "source": {"instance": "ins-gzwin001"}},
    copy=_copy, regions=("ap-shanghai", "ap-beijing"),
    imports={"cloud": "tencent", "region": REGION, "name": "imported-contract", "format": "qcow2",
             "object": {"bucket": "golden-1250000000", "key": "web/disk.qcow2"}},
    # rows that only make sense with others: data snapshots with the system disk's, data disks with the
    # instance, an encrypted copy in the source's own region (the only place Tencent makes one)
    source_with={"data_snapshots": {"snapshot": "snap-gzsys001"}, "data_disks": {"instance": "ins-gzwin001"}},
    inputs_with={"data_snapshots": {"scope": "system+data"}, "data_disks": {"scope": "system+data"},
                 "encrypted": {"regions": [REGION], "name": "golden-encrypted"},
                 "kms_key_id": {"encrypted": True, "regions": [REGION], "name": "golden-encrypted"}},
    vm=VmCase({"cloud": "tencent", "region": REGION}, _make_vm, _vm_state),
    build={"cloud": "tencent", "region": REGION, "name": "baked-contract", "base_image": "img-eb30mz89",
           "instance_type": "S5.MEDIUM4",
           "network": {"zone": "ap-guangzhou-3", "vpc_id": "vpc-gzbuild1", "subnet_id": "subnet-gzbld003",
                       "security_group_ids": "sg-gzbuild1"}},
)
