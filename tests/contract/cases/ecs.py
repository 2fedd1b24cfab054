"""Alibaba ECS against the simulator's cn-hangzhou seeds."""
from __future__ import annotations

from typing import Any

from imageforge.simulator import Simulator

from . import ServiceCase, VmCase

REGION = "cn-hangzhou"


def _assist(sim: Simulator) -> Any:
    return next(w for w in sim.wires if w.vendor == "alibaba-ecs").assist


def _make_vm(sim: Simulator, os_type: str, name: str) -> str:
    return str(_assist(sim).add_instance(REGION, os_type, name).instance_id)


def _vm_state(sim: Simulator, vm_id: str) -> tuple[bool, bool]:
    """Marked by the imageforge-generalized tag while Stopped; prepared: machine id emptied or ImageState sealed."""
    from imageforge.providers.alibaba.ecs_vms import GENERALIZED_TAG
    from imageforge.simulator.core.guest import SEALED

    assist = _assist(sim)
    state = assist.state(REGION, vm_id)
    guest = assist.guest(REGION, vm_id)
    marked = state.tags.get(GENERALIZED_TAG) == "true" and state.power_at(sim.ctx.now()) == "Stopped"
    return marked, guest["machine_id"] == "" or guest["image_state"] == SEALED


def _copy(image_id: str) -> dict[str, Any]:
    return {"cloud": "alibaba", "region": "cn-hangzhou", "image_id": image_id, "regions": ["cn-shanghai"]}


CASE = ServiceCase(
    cloud="alibaba", service="ecs", vendor="alibaba-ecs",
    capture={"cloud": "alibaba", "region": "cn-hangzhou", "name": "golden-contract",
             "source": {"snapshot": "s-bp1imageforgesys01"}},
    copy=_copy, regions=("cn-shanghai", "ap-southeast-1"),
    imports={"cloud": "alibaba", "region": "cn-hangzhou", "name": "imported-contract", "format": "qcow2",
             "object": {"bucket": "golden-images", "key": "web/disk.qcow2"}},
    vm=VmCase({"cloud": "alibaba", "region": REGION}, _make_vm, _vm_state),
    build={"cloud": "alibaba", "region": REGION, "name": "baked-contract",
           "base_image": "aliyun_3_x64_20G_alibase_20260101.vhd", "instance_type": "ecs.g7.large",
           "network": {"vswitch_id": "vsw-bp1imageforge01", "security_group_id": "sg-bp1imageforge01"}},
)
