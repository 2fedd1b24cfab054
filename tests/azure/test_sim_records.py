"""The simulated Azure cloud's records: what 0.1.0 stored still reads the same, and this version's round-trip."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from imageforge.simulator.azure import guest
from imageforge.simulator.azure.gallery_records import GalleryVersion
from imageforge.simulator.azure.images import ManagedImage
from imageforge.simulator.azure.lro import Operation
from imageforge.simulator.azure.model import SUBSCRIPTION
from imageforge.simulator.azure.vm import RunCommand, VirtualMachine
from imageforge.simulator.core.lifecycle import Lifecycle
from imageforge.simulator.core.simulator import Simulator

from .conftest import wire_of

T0 = 1_796_000_000.0
FIXTURE = Path(__file__).resolve().parents[1] / "compat" / "fixtures" / "0.1.0" / "state.db"
VM_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/imageforge-rg/providers/Microsoft.Compute/virtualMachines/old"
OS_DISK = {"osType": "Linux", "name": "old_OsDisk_1", "caching": "ReadWrite", "diskSizeGB": 30,
           "managedDisk": {"storageAccountType": "Premium_LRS", "id": "disk-id"}}


def old_vm(timeline: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A VM as 0.1.0 stored it: the ARM document plus `_state` and a `_timeline` of events."""
    return {"id": VM_ID, "name": "old", "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
            "tags": {"purpose": "golden-image"},
            "properties": {"storageProfile": {"osDisk": OS_DISK}, "provisioningState": "Succeeded",
                           "osProfile": {"computerName": "old", "adminUsername": "azureuser"}},
            "_state": {"power": "running", "generalized": False, "deprovisioned": "", "sysprepped": False,
                       "panther_removed": False},
            "_timeline": timeline, "_encrypted": False, "_hyperv": "V2", **extra}


def test_an_old_vm_timeline_reads_as_0_1_0_read_it() -> None:
    """Power off at T0 (30 s), a deprovision effective at T0+100, deallocate at T0+200 (60 s): read from the end of
    the power-off on (a later process's clock is past it: what came before folds into the VM's base state)."""
    vm = VirtualMachine.from_record(old_vm([
        {"at": T0, "set": {"power": "stopping"}}, {"at": T0 + 30, "set": {"power": "stopped"}},
        {"at": T0 + 100, "set": {"deprovisioned": "deprovision+user"}},
        {"at": T0 + 200, "set": {"power": "deallocating"}}, {"at": T0 + 260, "set": {"power": "deallocated"}}]))
    readings = [(vm.state(T0 + s).power, vm.state(T0 + s).deprovisioned) for s in (40, 100, 199, 200, 259, 260)]
    assert readings == [("stopped", ""), ("stopped", "deprovision+user"),
                        ("stopped", "deprovision+user"), ("deallocating", "deprovision+user"),
                        ("deallocating", "deprovision+user"), ("deallocated", "deprovision+user")]
    assert (vm.hyperv, vm.encrypted, vm.os_type, vm.admin) == ("V2", False, "Linux", "azureuser")
    again = VirtualMachine.from_record(json.loads(json.dumps(vm.to_record())))
    assert again == vm and [again.state(T0 + s) for s in (0, 150, 300)] == [vm.state(T0 + s) for s in (0, 150, 300)]


def test_an_old_vm_being_deleted_is_gone_when_its_deletion_ends() -> None:
    vm = VirtualMachine.from_record(old_vm([{"at": T0, "set": {"power": "deallocating"}}], _deleted_at=T0 + 60))
    assert vm.state(T0 + 1).power == "deallocating" and not vm.gone(T0 + 59) and vm.gone(T0 + 60)
    doc = vm.document(T0 + 1, instance_view=True)
    assert doc["properties"]["provisioningState"] == "Updating" and "_state" not in doc
    assert doc["properties"]["instanceView"]["statuses"][1]["code"] == "PowerState/deallocating"


def test_a_shutdown_scheduled_for_later_changes_nothing_before_it_starts() -> None:
    vm = VirtualMachine.from_record(old_vm([]))
    vm.power_change(T0, "stopping", "stopped", Lifecycle(T0 + 240, 120))
    assert [vm.state(T0 + s).power for s in (0, 239, 240, 359, 360)] == \
        ["running", "running", "stopping", "stopping", "stopped"]


def test_an_old_managed_image_keeps_its_outcome_and_its_deletion() -> None:
    record: dict[str, Any] = {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/img", "name": "img",
        "type": "Microsoft.Compute/images", "location": "westeurope", "tags": {"team": "web"},
        "properties": {"sourceVirtualMachine": {"id": VM_ID}, "hyperVGeneration": "V2",
                       "storageProfile": {"zoneResilient": False, "dataDisks": [], "osDisk": {
                           "osType": "Linux", "osState": "Generalized", "caching": "ReadWrite", "diskSizeGB": 30,
                           "storageAccountType": "Premium_LRS", "managedDisk": {"id": "disk-id"}}}},
        "_created_at": T0, "_ready_at": T0 + 600, "_error": {"code": "InternalExecutionError", "message": "no"}}
    image = ManagedImage.from_record(record)
    assert [image.state(T0 + s) for s in (0, 599, 600)] == ["Creating", "Creating", "Failed"]
    doc = image.document(T0 + 600)
    assert doc["properties"] == {**record["properties"], "provisioningState": "Failed"}
    assert image.source == VM_ID.lower()
    deleting = ManagedImage.from_record({**record, "_error": None, "_deleted_at": T0 + 700})
    assert deleting.state(T0 + 650) == "Deleting" and deleting.deleting is not None
    assert ManagedImage.from_record(json.loads(json.dumps(deleting.to_record()))) == deleting


def test_an_old_gallery_version_replicates_and_fails_as_before() -> None:
    """`_regions` with start / duration / error and `_created_done_at`, as 0.1.0 stored a version."""
    record: dict[str, Any] = {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d/versions/1.0.0",
        "name": "1.0.0", "type": "Microsoft.Compute/galleries/images/versions", "location": "westeurope",
        "tags": {"imageforge-key": "k"},
        "properties": {"publishingProfile": {"replicaCount": 1, "excludeFromLatest": False,
                                             "storageAccountType": "Standard_LRS", "replicationMode": "Full",
                                             "publishedDate": "2026-11-30T19:40:43.0000000+00:00"},
                       "storageProfile": {"source": {"virtualMachineId": VM_ID},
                                          "osDiskImage": {"sizeInGB": 30, "hostCaching": "ReadWrite"}},
                       "safetyProfile": {"allowDeletionOfReplicatedLocations": True, "reportedForPolicyViolation": False}},
        "_regions": {"eastus": {"replicas": 2, "storage": "Standard_LRS", "start": T0 + 600, "duration": 600, "error": None},
                     "japaneast": {"replicas": 1, "storage": "Standard_LRS", "start": T0 + 600, "duration": 400,
                                   "error": {"code": "ReplicationFailed", "message": "lost"}},
                     "westeurope": {"replicas": 1, "storage": "Standard_LRS", "start": T0, "duration": 600, "error": None}},
        "_created_done_at": T0 + 1200}
    version = GalleryVersion.from_record(record)
    assert version.provisioning(T0 + 100) == "Creating"
    assert version.provisioning(T0 + 800) == "Failed"  # japaneast fails half way through its 400 s
    doc = version.document(T0 + 700, replication_status=True)
    assert {s["region"]: (s["state"], s["progress"]) for s in doc["properties"]["replicationStatus"]["summary"]} == \
        {"East US": ("Replicating", 16), "Japan East": ("Replicating", 25), "West Europe": ("Completed", 100)}
    assert doc["properties"]["safetyProfile"] == record["properties"]["safetyProfile"]
    assert {t["name"]: t["regionalReplicaCount"] for t in doc["properties"]["publishingProfile"]["targetRegions"]} == \
        {"East US": 2, "Japan East": 1, "West Europe": 1}
    assert version.regions["japaneast"].view(T0 + 800) == ("Failed", 50, "lost")
    assert GalleryVersion.from_record(json.loads(json.dumps(version.to_record()))) == version


def test_old_operations_and_run_commands_read_their_start_and_end() -> None:
    op = Operation.from_record({"name": "op", "subscription": "s", "location": "westeurope", "started_at": T0,
                                "done_at": T0 + 60, "target": "t", "result": None, "error": {"code": "X", "message": "m"}})
    assert [op.status(T0 + s) for s in (0, 59, 60)] == ["InProgress", "InProgress", "Failed"]
    run = RunCommand.from_record({"seq": 2, "vm": VM_ID.lower(), "vm_name": "old", "command_id": "RunShellScript",
                                  "script": ["true"], "started_at": T0, "done_at": T0 + 40, "exit_code": 3,
                                  "stdout": [], "stderr": ["e"], "shutdown": False})
    assert (run.lifecycle.started_at, run.lifecycle.duration, run.exit_code) == (T0, 40, 3)
    assert RunCommand.from_record(run.to_record()) == run


def test_every_azure_record_0_1_0_left_still_reads() -> None:
    with sqlite3.connect(FIXTURE) as db:
        rows = db.execute("SELECT kind, data FROM objects WHERE vendor='azure'").fetchall()
    readers: dict[str, Any] = {"vm": VirtualMachine.from_record, "image": ManagedImage.from_record,
                               "gallery_version": GalleryVersion.from_record, "operation": Operation.from_record,
                               "runcommand": RunCommand.from_record}
    read = {kind: [readers[kind](json.loads(data)) for k, data in rows if k == kind] for kind in readers}
    golden = next(v for v in read["vm"] if v.name == "golden-linux")
    assert golden.state(T0).generalized and golden.state(T0).power == "deallocated"
    assert {r for v in read["gallery_version"] for r in v.regions} == {"westeurope", "eastus", "japaneast"}
    assert read["runcommand"] and read["operation"]


def test_tests_add_vms_and_read_their_state(quiet_sim: Simulator) -> None:
    """The calls tests make on the model: a new VM, its state now, and a generalized one."""
    vms = wire_of(quiet_sim).vms
    vm = vms.add_vm("records-linux", "Linux")
    assert vms.state_of(vm.id).power == "running" and not vms.state_of(vm.id).generalized
    sealed = vms.add_vm("records-windows", "Windows", generalized=True)
    state = vms.state_of(sealed.id)
    assert (state.power, state.generalized, state.sysprepped, state.image_state) == ("deallocated", True, True, guest.SEALED)
    with pytest.raises(KeyError):
        vms.state_of(vm.id + "-missing")
