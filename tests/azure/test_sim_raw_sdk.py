"""The simulated Azure Resource Manager judged by the real azure-mgmt-compute: LROs complete, errors are typed."""
from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from imageforge.simulator.azure.model import run_command_log
from imageforge.simulator.core.simulator import Simulator

from .conftest import GALLERY, RG, WESTEU, code_of, fresh_vm, headers_of, message_of


def codes(view: Any) -> list[str]:
    return [s.code for s in view.statuses]


def generalized_vm(compute: Any, sim: Simulator, os_type: str = "Linux") -> tuple[str, str]:
    name, vm_id = fresh_vm(sim, os_type)
    compute.virtual_machines.begin_deallocate(RG, name).result()
    compute.virtual_machines.generalize(RG, name)
    return name, vm_id


def test_seeded_vms_with_instance_view(compute: Any) -> None:
    names = {vm.name for vm in compute.virtual_machines.list(RG)}
    assert {"golden-linux", "golden-windows", "golden-windows-encrypted"} <= names
    vm = compute.virtual_machines.get(RG, "golden-windows-encrypted", expand="instanceView")
    assert vm.location == WESTEU and vm.properties.storage_profile.os_disk.os_type == "Windows"
    assert vm.properties.storage_profile.os_disk.encryption_settings.enabled is True
    view = vm.properties.instance_view
    assert "PowerState/running" in codes(view) and view.disks[0].encryption_settings[0].enabled is True
    assert view.hyper_v_generation == "V2"


def test_power_off_deallocate_generalize_then_start_refused(compute: Any, azsim: Simulator) -> None:
    name, _ = fresh_vm(azsim)
    with pytest.raises(ResourceExistsError) as running:
        compute.virtual_machines.generalize(RG, name)
    assert code_of(running.value) == "OperationNotAllowed" and "running" in message_of(running.value)
    compute.virtual_machines.begin_power_off(RG, name).result()
    assert "PowerState/stopped" in codes(compute.virtual_machines.instance_view(RG, name))
    compute.virtual_machines.begin_deallocate(RG, name).result()
    compute.virtual_machines.generalize(RG, name)
    view = compute.virtual_machines.instance_view(RG, name)
    assert {"PowerState/deallocated", "OSState/generalized"} <= set(codes(view))
    with pytest.raises(HttpResponseError) as refused:
        compute.virtual_machines.begin_start(RG, name).result()
    assert code_of(refused.value) == "OperationNotAllowed" and "generalized" in message_of(refused.value)


def test_run_command_linux_and_windows_results_and_log(compute: Any, azsim: Simulator) -> None:
    linux, _ = fresh_vm(azsim)
    result = compute.virtual_machines.begin_run_command(
        RG, linux, {"commandId": "RunShellScript", "script": ["echo hello", "waagent -deprovision+user -force"]}).result()
    message = result.value[0].message
    assert message.startswith("Enable succeeded") and "hello" in message and "azureuser account" in message
    failed = compute.virtual_machines.begin_run_command(RG, linux, {"commandId": "RunShellScript", "script": ["exit 3"]}).result()
    assert "exit status=3" in failed.value[0].message
    windows, _ = fresh_vm(azsim, "Windows")
    out = compute.virtual_machines.begin_run_command(
        RG, windows, {"commandId": "RunPowerShellScript", "script": ["Write-Output 'ready'"]}).result()
    assert [v.code for v in out.value] == ["ComponentStatus/StdOut/succeeded", "ComponentStatus/StdErr/succeeded"]
    assert out.value[0].message == "ready"
    log = [r for r in run_command_log(azsim.store) if r["vm_name"] in (linux, windows)]
    assert [(r["vm_name"], r["exit_code"]) for r in log] == [(linux, 0), (linux, 3), (windows, 0)]
    assert log[0]["script"] == ["echo hello", "waagent -deprovision+user -force"]
    with pytest.raises(HttpResponseError) as wrong:
        compute.virtual_machines.begin_run_command(RG, linux, {"commandId": "RunPowerShellScript", "script": ["dir"]})
    assert code_of(wrong.value) == "InvalidParameter"


def test_sysprep_shuts_the_windows_vm_down(compute: Any, azsim: Simulator) -> None:
    name, _ = fresh_vm(azsim, "Windows")
    compute.virtual_machines.begin_run_command(RG, name, {"commandId": "RunPowerShellScript", "script": [
        r"Remove-Item -Path 'C:\Windows\Panther' -Recurse -Force",
        r"Start-Process -FilePath C:\Windows\System32\Sysprep\Sysprep.exe -ArgumentList '/generalize','/oobe','/shutdown','/mode:vm'",
    ]}).result()
    azsim.advance(300)
    assert "PowerState/stopped" in codes(compute.virtual_machines.instance_view(RG, name))
    with pytest.raises(ResourceExistsError) as stopped:
        compute.virtual_machines.begin_run_command(RG, name, {"commandId": "RunPowerShellScript", "script": ["dir"]})
    assert code_of(stopped.value) == "OperationNotAllowed"


def test_managed_image_lifecycle(compute: Any, azsim: Simulator) -> None:
    name, vm_id = fresh_vm(azsim)
    body = {"location": WESTEU, "tags": {"team": "web"}, "properties": {"sourceVirtualMachine": {"id": vm_id}}}
    with pytest.raises(ResourceExistsError) as refused:
        compute.images.begin_create_or_update(RG, "img-raw", body)
    assert code_of(refused.value) == "OperationNotAllowed" and "generalize" in message_of(refused.value).lower()
    compute.virtual_machines.begin_deallocate(RG, name).result()
    compute.virtual_machines.generalize(RG, name)
    image = compute.images.begin_create_or_update(RG, "img-raw", body).result()
    assert image.properties.provisioning_state == "Succeeded"
    assert image.properties.storage_profile.os_disk.os_state == "Generalized" and image.properties.hyper_v_generation == "V2"
    updated = compute.images.begin_update(RG, "img-raw", {"tags": {"team": "data"}}).result()
    assert updated.tags == {"team": "data"}
    assert "img-raw" in {i.name for i in compute.images.list_by_resource_group(RG)}
    assert "img-raw" in {i.name for i in compute.images.list()}
    compute.images.begin_delete(RG, "img-raw").result()
    with pytest.raises(ResourceNotFoundError):
        compute.images.get(RG, "img-raw")


def test_gallery_definitions_and_versions(compute: Any, azsim: Simulator) -> None:
    assert compute.galleries.get(RG, GALLERY).properties.provisioning_state == "Succeeded"
    states = {d.name: d.properties.os_state for d in compute.gallery_images.list_by_gallery(RG, GALLERY)}
    assert states["linux-generalized"] == "Generalized" and states["linux-specialized"] == "Specialized"
    compute.galleries.begin_create_or_update(RG, "raw_gallery", {"location": WESTEU, "properties": {"description": "t"}}).result()
    definition = compute.gallery_images.begin_create_or_update(RG, "raw_gallery", "app", {"location": WESTEU, "properties": {
        "osType": "Linux", "osState": "Generalized", "hyperVGeneration": "V2",
        "identifier": {"publisher": "p", "offer": "o", "sku": "s"}}}).result()
    assert definition.properties.provisioning_state == "Succeeded"
    with pytest.raises(ResourceExistsError) as nested:
        compute.galleries.begin_delete(RG, "raw_gallery")
    assert code_of(nested.value) == "CannotDeleteResource"
    compute.gallery_images.begin_delete(RG, "raw_gallery", "app").result()
    compute.galleries.begin_delete(RG, "raw_gallery").result()
    with pytest.raises(ResourceNotFoundError):
        compute.galleries.get(RG, "raw_gallery")


def version_body(vm_id: str, regions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"location": WESTEU, "properties": {"storageProfile": {"source": {"virtualMachineId": vm_id}},
                                               "publishingProfile": {"targetRegions": regions}}}


def test_version_replicates_to_target_regions_and_updates_in_place(compute: Any, azsim: Simulator) -> None:
    _, vm_id = generalized_vm(compute, azsim)
    regions: list[dict[str, Any]] = [{"name": WESTEU}, {"name": "eastus", "regionalReplicaCount": 2}, {"name": "japaneast"}]
    compute.gallery_image_versions.begin_create_or_update(RG, GALLERY, "linux-generalized", "1.0.0",
                                                         version_body(vm_id, regions), polling=False)
    early = compute.gallery_image_versions.get(RG, GALLERY, "linux-generalized", "1.0.0", expand="ReplicationStatus")
    assert early.properties.provisioning_state == "Creating"
    assert early.properties.replication_status.aggregated_state == "InProgress"
    azsim.advance(3600)
    done = compute.gallery_image_versions.get(RG, GALLERY, "linux-generalized", "1.0.0", expand="ReplicationStatus")
    assert done.properties.provisioning_state == "Succeeded"
    assert {s.region: s.progress for s in done.properties.replication_status.summary} == \
        {"West Europe": 100, "East US": 100, "Japan East": 100}
    grown = regions + [{"name": "uksouth"}]
    grown[1] = {"name": "eastus", "regionalReplicaCount": 3}
    updated = compute.gallery_image_versions.begin_update(
        RG, GALLERY, "linux-generalized", "1.0.0",
        {"properties": {"publishingProfile": {"targetRegions": grown}}}).result()
    assert {t.name: t.regional_replica_count for t in updated.properties.publishing_profile.target_regions} == \
        {"West Europe": 1, "East US": 3, "Japan East": 1, "UK South": 1}
    with pytest.raises(ResourceExistsError) as blocked:
        compute.gallery_image_versions.begin_update(RG, GALLERY, "linux-generalized", "1.0.0",
                                                    {"properties": {"publishingProfile": {"targetRegions": grown[:3]}}})
    assert code_of(blocked.value) == "OperationNotAllowed"
    with pytest.raises(HttpResponseError) as own_region:
        compute.gallery_image_versions.begin_update(RG, GALLERY, "linux-generalized", "1.0.0", {"properties": {
            "publishingProfile": {"targetRegions": grown[1:]}, "safetyProfile": {"allowDeletionOfReplicatedLocations": True}}})
    assert code_of(own_region.value) == "InvalidParameter"
    listed = compute.gallery_image_versions.list_by_gallery_image(RG, GALLERY, "linux-generalized")
    assert "1.0.0" in {v.name for v in listed}
    compute.gallery_image_versions.begin_delete(RG, GALLERY, "linux-generalized", "1.0.0").result()
    with pytest.raises(ResourceNotFoundError):
        compute.gallery_image_versions.get(RG, GALLERY, "linux-generalized", "1.0.0")


def test_version_os_state_must_match_the_definition(compute: Any, azsim: Simulator) -> None:
    _, live = fresh_vm(azsim)
    with pytest.raises(HttpResponseError) as generalized_def:
        compute.gallery_image_versions.begin_create_or_update(RG, GALLERY, "linux-generalized", "2.0.0",
                                                             version_body(live, [{"name": WESTEU}]))
    assert code_of(generalized_def.value) == "InvalidParameter" and "not generalized" in message_of(generalized_def.value)
    spec = compute.gallery_image_versions.begin_create_or_update(RG, GALLERY, "linux-specialized", "1.0.0",
                                                                version_body(live, [{"name": WESTEU}])).result()
    assert spec.properties.provisioning_state == "Succeeded"


def test_failed_lro_raises_with_the_operation_code(compute: Any, azsim: Simulator) -> None:
    _, vm_id = generalized_vm(compute, azsim)
    azsim.inject("azure", "Images_CreateOrUpdate", "fail", code="InternalExecutionError", message="disk copy failed")
    poller = compute.images.begin_create_or_update(RG, "img-fails", {"location": WESTEU, "properties": {
        "sourceVirtualMachine": {"id": vm_id}}})
    with pytest.raises(HttpResponseError) as failed:
        poller.result()
    assert "InternalExecutionError" in str(failed.value) and "disk copy failed" in str(failed.value)
    assert compute.images.get(RG, "img-fails").properties.provisioning_state == "Failed"


def test_throttling_is_a_429_with_retry_after_and_no_sdk_retry(compute: Any, azsim: Simulator) -> None:
    azsim.inject("azure", "VirtualMachines_Get", "throttle")
    mark = azsim.mark()
    with pytest.raises(HttpResponseError) as throttled:
        compute.virtual_machines.get(RG, "golden-linux")
    assert throttled.value.status_code == 429 and code_of(throttled.value) == "TooManyRequests"
    assert headers_of(throttled.value)["Retry-After"] == "2"
    assert len(azsim.requests("azure", "VirtualMachines_Get", since=mark)) == 1  # retry_total=0: the SDK did not retry
    assert compute.virtual_machines.get(RG, "golden-linux").name == "golden-linux"


def test_server_error_and_unknown_operations(compute: Any, azsim: Simulator) -> None:
    azsim.inject("azure", "Galleries_Get", "5xx")
    with pytest.raises(HttpResponseError) as broken:
        compute.galleries.get(RG, GALLERY)
    assert broken.value.status_code == 500
    with pytest.raises(HttpResponseError) as unknown:
        compute.virtual_machines.begin_restart(RG, "golden-linux")
    assert code_of(unknown.value) == "InvalidResourceType" and "not implemented by the simulator" in message_of(unknown.value)
    with pytest.raises(ResourceNotFoundError) as missing:
        compute.virtual_machines.get(RG, "no-such-vm")
    assert code_of(missing.value) == "ResourceNotFound"
