"""Alibaba EDS against the simulator's cn-hangzhou seeds: a Windows cloud computer and its system-disk snapshot;
fresh Windows computers for GeneralizedVM (ecd RunCommand runs on Windows only)."""
from __future__ import annotations

from typing import Any

from imageforge.simulator import Simulator

from . import ServiceCase, VmCase

REGION = "cn-hangzhou"


def _guest(sim: Simulator) -> Any:
    return next(w for w in sim.wires if w.vendor == "alibaba-eds").guest


def _make_vm(sim: Simulator, os_type: str, name: str) -> str:
    return str(_guest(sim).add_desktop(REGION, os_type, name))


def _vm_state(sim: Simulator, vm_id: str) -> tuple[bool, bool]:
    """Marked by the imageforge-generalized tag while Stopped; prepared: ImageState sealed."""
    from imageforge.providers.alibaba.eds_vms import GENERALIZED_TAG
    from imageforge.simulator.core.guest import SEALED

    guest = _guest(sim)
    marked = guest.state(REGION, vm_id).tags.get(GENERALIZED_TAG) == "true" and guest.power(REGION, vm_id) == "Stopped"
    return marked, guest.guest(REGION, vm_id)["image_state"] == SEALED


def _copy(image_id: str) -> dict[str, Any]:
    return {"cloud": "alibaba", "service": "eds", "region": "cn-hangzhou", "image_id": image_id,
            "regions": ["cn-shanghai"]}


CASE = ServiceCase(
    cloud="alibaba", service="eds", vendor="alibaba-eds",
    capture={"cloud": "alibaba", "service": "eds", "region": "cn-hangzhou", "name": "golden-contract",
             "source": {"desktop": "ecd-hzimageforgewin01"}},
    copy=_copy, regions=("cn-shanghai", "ap-southeast-1"),
    source_with={"data_snapshots": {"snapshot": "s-hzimageforgesys01"}},
    inputs_with={"data_snapshots": {"scope": "system+data"}},
    vm=VmCase({"cloud": "alibaba", "service": "eds", "region": REGION}, _make_vm, _vm_state, os_types=("Windows",)),
)
