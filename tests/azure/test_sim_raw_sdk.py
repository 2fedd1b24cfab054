"""The simulated Azure Resource Manager judged by the real azure-mgmt-compute: LROs complete, errors are typed."""
from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from imageforge.providers.azure import scripts
from imageforge.providers.core.guest import SEALED
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


def test_run_command_results_carry_no_exit_code_and_the_log_keeps_it(compute: Any, azsim: Simulator) -> None:
    linux, _ = fresh_vm(azsim)
    result = compute.virtual_machines.begin_run_command(
        RG, linux, {"commandId": "RunShellScript", "script": ["echo hello", "waagent -deprovision+user -force"]}).result()
    message = result.value[0].message
    assert message.startswith("Enable succeeded") and "hello" in message and "azureuser account" in message
    failed = compute.virtual_machines.begin_run_command(RG, linux, {"commandId": "RunShellScript",
                                                                    "script": ["echo half", "exit 3"]}).result()
    # like Azure's action Run Command: a failing script still "succeeds", with no exit status anywhere
    assert [v.code for v in failed.value] == ["ProvisioningState/succeeded"]
    assert failed.value[0].message == "Enable succeeded: \n[stdout]\nhalf\n[stderr]\n\n" and "3" not in failed.value[0].message
    windows, _ = fresh_vm(azsim, "Windows")
    out = compute.virtual_machines.begin_run_command(
        RG, windows, {"commandId": "RunPowerShellScript", "script": ["Write-Output 'ready'", "exit 5"]}).result()
    assert [v.code for v in out.value] == ["ComponentStatus/StdOut/succeeded", "ComponentStatus/StdErr/succeeded"]
    assert out.value[0].message == "ready"
    log = [r for r in run_command_log(azsim.store) if r.vm_name in (linux, windows)]
    assert [(r.vm_name, r.exit_code) for r in log] == [(linux, 0), (linux, 3), (windows, 5)]
    assert log[0].script == ["echo hello", "waagent -deprovision+user -force"]
    with pytest.raises(HttpResponseError) as wrong:
        compute.virtual_machines.begin_run_command(RG, linux, {"commandId": "RunPowerShellScript", "script": ["dir"]})
    assert code_of(wrong.value) == "InvalidParameter"


@pytest.mark.parametrize("os_type", [scripts.LINUX, scripts.WINDOWS])
def test_our_wrapper_prints_the_exit_code_of_the_script_inside(compute: Any, azsim: Simulator, os_type: str) -> None:
    name, _ = fresh_vm(azsim, os_type.capitalize())
    lines = ["echo licensing", "exit 4"] if os_type == scripts.LINUX else ["Write-Output licensing", "exit 4"]
    body = {"commandId": scripts.COMMAND_ID[os_type], "script": scripts.wrapped(os_type, lines)}
    raw = compute.virtual_machines.begin_run_command(RG, name, body).result()
    read = scripts.result(os_type, raw.as_dict())
    assert (read.exit_code, read.stdout_tail) == (4, "licensing")
    body["script"] = scripts.wrapped(os_type, ["echo fine" if os_type == scripts.LINUX else "Write-Output fine"])
    ok = scripts.result(os_type, compute.virtual_machines.begin_run_command(RG, name, body).result().as_dict())
    assert (ok.exit_code, ok.stdout_tail) == (0, "fine")


def test_a_second_run_command_while_one_runs_is_a_409_conflict(compute: Any, azsim: Simulator) -> None:
    name, _ = fresh_vm(azsim, "Windows")  # Sysprep runs for minutes (each request here moves the clock a minute)
    sysprep = scripts.wrapped(scripts.WINDOWS, scripts.generalize(scripts.WINDOWS))
    compute.virtual_machines.begin_run_command(RG, name, {"commandId": "RunPowerShellScript", "script": sysprep},
                                               polling=False)
    with pytest.raises(ResourceExistsError) as busy:
        compute.virtual_machines.begin_run_command(RG, name, {"commandId": "RunPowerShellScript", "script": ["dir"]})
    assert code_of(busy.value) == "Conflict" and "Run command extension execution is in progress" in message_of(busy.value)
    azsim.advance(300)
    assert compute.virtual_machines.begin_run_command(RG, name, {"commandId": "RunPowerShellScript",
                                                                 "script": ["dir"]}).result().value


def test_linux_probe_reads_the_agent_state(compute: Any, azsim: Simulator) -> None:
    name, _ = fresh_vm(azsim)
    body = {"commandId": "RunShellScript", "script": scripts.wrapped(scripts.LINUX, scripts.probe(scripts.LINUX))}
    before = scripts.result(scripts.LINUX, compute.virtual_machines.begin_run_command(RG, name, body).result().as_dict())
    assert (before.exit_code, before.stdout_tail) == (scripts.NOT_GENERALIZED, "waagent=provisioned")
    generalize = {"commandId": "RunShellScript", "script": scripts.wrapped(scripts.LINUX, scripts.generalize(scripts.LINUX))}
    done = scripts.result(scripts.LINUX, compute.virtual_machines.begin_run_command(RG, name, generalize).result().as_dict())
    assert done.exit_code == 0 and done.stdout_tail.endswith("waagent=deprovisioned")
    after = scripts.result(scripts.LINUX, compute.virtual_machines.begin_run_command(RG, name, body).result().as_dict())
    assert (after.exit_code, after.stdout_tail) == (0, "waagent=deprovisioned")


def test_sysprep_quit_seals_the_image_state_and_leaves_the_vm_running(compute: Any, azsim: Simulator) -> None:
    name, _ = fresh_vm(azsim, "Windows")
    body = {"commandId": "RunPowerShellScript", "script": scripts.wrapped(scripts.WINDOWS, scripts.probe(scripts.WINDOWS))}
    before = scripts.result(scripts.WINDOWS, compute.virtual_machines.begin_run_command(RG, name, body).result().as_dict())
    assert (before.exit_code, before.stdout_tail) == (scripts.NOT_GENERALIZED, "ImageState=IMAGE_STATE_COMPLETE")
    generalize = {"commandId": "RunPowerShellScript",
                  "script": scripts.wrapped(scripts.WINDOWS, scripts.generalize(scripts.WINDOWS))}
    done = scripts.result(scripts.WINDOWS, compute.virtual_machines.begin_run_command(RG, name, generalize).result().as_dict())
    assert done.exit_code == 0 and done.stdout_tail == f"ImageState={SEALED}"
    azsim.advance(600)
    assert "PowerState/running" in codes(compute.virtual_machines.instance_view(RG, name))


def test_sysprep_inside_an_encrypted_vm_fails_and_says_why(compute: Any, azsim: Simulator) -> None:
    name, _ = fresh_vm(azsim, "Windows", encrypted=True)
    body = {"commandId": "RunPowerShellScript",
            "script": scripts.wrapped(scripts.WINDOWS, scripts.generalize(scripts.WINDOWS))}
    read = scripts.result(scripts.WINDOWS, compute.virtual_machines.begin_run_command(RG, name, body).result().as_dict())
    assert read.exit_code == 1 and "BitLocker" in read.stderr_tail and "Sysprep exited 1" in read.stderr_tail


def test_sysprep_shutdown_stops_the_vm_mid_command_and_no_result_returns(compute: Any, azsim: Simulator) -> None:
    name, _ = fresh_vm(azsim, "Windows")
    poller = compute.virtual_machines.begin_run_command(RG, name, {"commandId": "RunPowerShellScript", "script": [
        r"Remove-Item -Path 'C:\Windows\Panther' -Recurse -Force",
        r"Start-Process -FilePath C:\Windows\System32\Sysprep\Sysprep.exe -ArgumentList '/generalize','/oobe','/shutdown','/mode:vm'",
    ]})
    with pytest.raises(HttpResponseError) as lost:
        poller.result()
    assert "VMAgentStatusCommunicationError" in str(lost.value)
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
