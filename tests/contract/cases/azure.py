"""Azure Compute against the simulator's westeurope seeds.

Azure names images uniquely per resource group, so each capture the contract makes must be a
different object: the base is a managed image; the gallery options go together (one version);
`hyper_v_generation` (a managed image's) is proven alone, and the `source` and source.instance
rows each use the seeded VM of another resource group (the image lands in the VM's group). The
first capture row is the managed image's PUT: the behaviour tests read the capture action there. Copies replicate gallery
versions only, so they start from the seeded version rather than the managed image captured.
The import rows' `name` differs from the base name, so the `hyper_v_generation` row, proven
alone with the base name, makes another image.
"""
from __future__ import annotations

from typing import Any

from imageforge.providers.azure.spec import GENERALIZED_VM, RG, SUB

from imageforge.simulator import Simulator

from . import ServiceCase, VmCase

SEEDED_VERSION = (f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/galleries/imageforge_gallery/"
                  "images/linux-generalized/versions/0.1.0")


def _wire(sim: Simulator) -> Any:
    return next(w for w in sim.wires if w.vendor == "azure")


def _make_vm(sim: Simulator, os_type: str, name: str) -> str:
    return str(_wire(sim).vms.add_vm(name, os_type).id)


def _vm_state(sim: Simulator, vm_id: str) -> tuple[bool, bool]:
    """Marked by the Generalize API; prepared by waagent (Linux) or Sysprep sealing the image state (Windows)."""
    from imageforge.simulator.azure.guest import SEALED

    state = _wire(sim).vms.state_of(vm_id)
    linux = _wire(sim).vms.find(vm_id).os_type == "Linux"
    prepared = bool(state.deprovisioned) if linux else (state.sysprepped and state.image_state == SEALED)
    return bool(state.generalized), bool(prepared)


def _copy(image_id: str) -> dict[str, Any]:
    return {"cloud": "azure", "region": "westeurope", "image_id": SEEDED_VERSION, "regions": ["eastus"]}


CASE = ServiceCase(
    cloud="azure", service="compute", vendor="azure",
    capture={"cloud": "azure", "region": "westeurope", "name": "golden-contract", "source": {"instance": GENERALIZED_VM}},
    copy=_copy,
    imports={"cloud": "azure", "region": "westeurope", "name": "imported-contract", "format": "vhd",
             "object": {"bucket": "golden/vhds", "key": "contract/disk.vhd"}, "options": {"resource_group": RG}},
    separate=frozenset({"hyper_v_generation", "source"}),
    regions=("eastus", "japaneast"),
    vm=VmCase({"cloud": "azure", "region": "westeurope"}, _make_vm, _vm_state),
)
