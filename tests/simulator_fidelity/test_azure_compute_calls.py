"""The ARM calls the Azure resources make that the raw-SDK suite had not covered, through azure-mgmt-compute."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.compute.models import VirtualMachineUpdate

from imageforge.simulator.azure.wire import AzureWire
from imageforge.simulator.core.simulator import Simulator

SUB = "00000000-0000-0000-0000-00000000000a"
RG = "imageforge-rg"
GALLERY = "imageforge_gallery"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """Each request moves simulated time a minute, so the SDK's pollers finish in a few polls."""
    simulator = Simulator(tmp_path_factory.mktemp("azure-calls"), speed=0.0, advance_on_read=60.0)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def compute(sim: Simulator) -> Any:
    cred = ClientSecretCredential("sim", "sim", "sim", authority=sim.endpoints["https"],
                                  connection_verify=sim.endpoints["ca_file"], disable_instance_discovery=True)
    return ComputeManagementClient(cred, SUB, base_url=sim.endpoints["https"], connection_verify=sim.endpoints["ca_file"],
                                   retry_total=0, polling_interval=0)


def new_vm(sim: Simulator, name: str) -> str:
    wire = next(w for w in sim.wires if isinstance(w, AzureWire))
    return str(wire.vms.add_vm(name, "Linux", False).id)


def test_vm_tags_are_updated_in_place(sim: Simulator, compute: Any) -> None:
    new_vm(sim, "calls-tagged")
    vm = compute.virtual_machines.begin_update(RG, "calls-tagged", VirtualMachineUpdate(
        tags={"imageforge-key": "abc", "team": "web"})).result()
    assert vm.tags == {"imageforge-key": "abc", "team": "web"}
    assert compute.virtual_machines.get(RG, "calls-tagged").tags == {"imageforge-key": "abc", "team": "web"}


def test_vm_delete_runs_as_an_operation_and_a_second_delete_is_a_no_op(sim: Simulator, compute: Any) -> None:
    new_vm(sim, "calls-deleted")
    compute.virtual_machines.begin_delete(RG, "calls-deleted").result()
    with pytest.raises(ResourceNotFoundError) as caught:
        compute.virtual_machines.get(RG, "calls-deleted")
    assert caught.value.error is not None and caught.value.error.code == "ResourceNotFound"
    compute.virtual_machines.begin_delete(RG, "calls-deleted").result()  # 204: nothing to delete


def test_galleries_are_listed_and_definitions_read(compute: Any) -> None:
    assert GALLERY in [g.name for g in compute.galleries.list()]
    definition = compute.gallery_images.get(RG, GALLERY, "linux-generalized")
    assert definition.os_type == "Linux" and definition.os_state == "Generalized"


def test_a_missing_definition_or_gallery_is_not_found(compute: Any) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        compute.gallery_images.get(RG, GALLERY, "no-such-definition")
    assert caught.value.error is not None and caught.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError) as caught:
        compute.gallery_images.get(RG, "no_such_gallery", "linux-generalized")
    assert caught.value.status_code == 404 and "no_such_gallery" in str(caught.value)
