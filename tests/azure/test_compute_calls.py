"""The ARM calls the Azure resources make that the raw-SDK suite had not covered, through azure-mgmt-compute."""
from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute.models import VirtualMachineUpdate
from imageforge.simulator.core.simulator import Simulator

from .conftest import GALLERY, RG, wire_of


def new_vm(sim: Simulator, name: str) -> str:
    wire = wire_of(sim)
    return str(wire.vms.add_vm(name, "Linux", False).id)


def test_vm_tags_are_updated_in_place(azsim: Simulator, compute: Any) -> None:
    new_vm(azsim, "calls-tagged")
    vm = compute.virtual_machines.begin_update(RG, "calls-tagged", VirtualMachineUpdate(
        tags={"imageforge-key": "abc", "team": "web"})).result()
    assert vm.tags == {"imageforge-key": "abc", "team": "web"}
    assert compute.virtual_machines.get(RG, "calls-tagged").tags == {"imageforge-key": "abc", "team": "web"}


def test_vm_delete_runs_as_an_operation_and_a_second_delete_is_a_no_op(azsim: Simulator, compute: Any) -> None:
    new_vm(azsim, "calls-deleted")
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
