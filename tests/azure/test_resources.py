"""GeneralizedVM, CustomImage and ImageRegionSet on Azure through the real provider server and the simulator."""
from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError

from imageforge.providers.resources.custom_image import CustomImageProvider
from imageforge.providers.resources.generalized_vm import GeneralizedVMProvider
from imageforge.providers.resources.image_region_set import ImageRegionSetProvider
from imageforge.simulator.azure.model import run_command_log
from imageforge.simulator.core.simulator import Simulator
from tests.engine import ProviderError, ProviderServer

from .conftest import GALLERY, RG, WESTEU, code_of, fresh_vm

VENDOR = "azure"


@pytest.fixture
def server(azure_server: ProviderServer, quiet_sim: Simulator) -> ProviderServer:
    return azure_server


def gvm(vm: str, **extra: Any) -> dict[str, Any]:
    return {"cloud": "azure", "region": WESTEU, "vm": vm, "owner": f"proj/sim/{vm.rsplit('/', 1)[-1]}", **extra}


def log_of(sim: Simulator, vm_name: str) -> list[dict[str, Any]]:
    return [r for r in run_command_log(sim.store) if r["vm_name"] == vm_name]


def raw_start(sim: Simulator, name: str) -> Any:
    from .conftest import StaticCredential
    from azure.mgmt.compute import ComputeManagementClient

    client = ComputeManagementClient(StaticCredential(), "00000000-0000-0000-0000-00000000000a",
                                     base_url=sim.endpoints["https"], connection_verify=sim.endpoints["ca_file"],
                                     retry_total=0)
    return client.virtual_machines.begin_start(RG, name, polling=False)


# GeneralizedVM ------------------------------------------------------------------------------
def test_linux_runs_finalize_scripts_then_waagent_and_ends_generalized(server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim)
    vm_id_out, outs = server.up(GeneralizedVMProvider(), gvm(vm_id, finalize_scripts=[["echo activate"], "echo cleanup\necho done"]))
    assert vm_id_out == vm_id and outs["generalized"] is True and outs["power_state"] == "deallocated"
    assert [r["script"] for r in log_of(quiet_sim, name)] == [
        ["echo activate"], ["echo cleanup", "echo done"], ["sudo waagent -deprovision+user -force"]]
    assert [c["step"] for c in outs["commands"]] == ["finalize[0]", "finalize[1]", "generalize"]
    assert outs["commands"][1]["stdout_tail"] == "cleanup\ndone" and outs["commands"][2]["exit_code"] == 0
    assert outs["source"] == {"instance": vm_id, "os_state": "Generalized"} and outs["adopted"] is False
    actions = [r.action for r in quiet_sim.requests(VENDOR) if r.params.get("names", [None])[:1] == [name]]
    order = [a for a in actions if a in ("VirtualMachines_RunCommand", "VirtualMachines_PowerOff",
                                         "VirtualMachines_Deallocate", "VirtualMachines_Generalize")]
    assert order == ["VirtualMachines_RunCommand"] * 3 + ["VirtualMachines_PowerOff", "VirtualMachines_Deallocate",
                                                          "VirtualMachines_Generalize"]
    with pytest.raises(ResourceExistsError) as refused:
        raw_start(quiet_sim, name)
    assert code_of(refused.value) == "OperationNotAllowed"


def test_windows_removes_panther_then_sysprep_shuts_it_down(server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim, "Windows")
    mark = quiet_sim.mark()
    _, outs = server.up(GeneralizedVMProvider(), gvm(name, resource_group=RG, finalize_scripts=["Write-Output kms"]))
    assert outs["generalized"] is True and outs["power_state"] == "deallocated" and outs["os_type"] == "windows"
    runs = log_of(quiet_sim, name)
    assert runs[0]["script"] == ["Write-Output kms"] and runs[0]["command_id"] == "RunPowerShellScript"
    prep = runs[1]["script"]
    panther = next(i for i, line in enumerate(prep) if "Remove-Item" in line and r"C:\Windows\Panther" in line)
    sysprep = next(i for i, line in enumerate(prep) if "Sysprep.exe" in line)
    assert panther < sysprep and all(a in prep[sysprep] for a in ("/generalize", "/oobe", "/shutdown", "/mode:vm"))
    assert quiet_sim.requests(VENDOR, "VirtualMachines_PowerOff", since=mark) == []  # Sysprep stopped the VM itself
    with pytest.raises(ResourceExistsError) as refused:
        raw_start(quiet_sim, name)
    assert code_of(refused.value) == "OperationNotAllowed"


def test_encrypted_windows_vm_is_refused_before_any_command(server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim, "Windows", encrypted=True)
    with pytest.raises(ProviderError) as refused:
        server.up(GeneralizedVMProvider(), gvm(vm_id))
    assert "encrypted" in refused.value.details and "decrypt" in refused.value.details
    assert log_of(quiet_sim, name) == []


def test_failing_finalize_script_stops_with_its_output(server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim)
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), gvm(vm_id, finalize_scripts=[["echo licensing", "exit 4"]]))
    assert "finalize[0] exited 4" in failed.value.details and "licensing" in failed.value.details
    assert len(log_of(quiet_sim, name)) == 1  # waagent never ran: the VM can be fixed and retried


def test_keep_user_adoption_diff_and_delete(server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm_id, keep_user=True))
    assert log_of(quiet_sim, name)[-1]["script"] == ["sudo waagent -deprovision -force"]
    again_id, again = server.up(GeneralizedVMProvider(), gvm(vm_id, keep_user=True, owner="proj/sim/other",
                                                             finalize_scripts=["echo late"]))
    assert again_id == vm_id and again["adopted"] is True and "did not run" in again["warnings"][0]
    assert len(log_of(quiet_sim, name)) == 1  # nothing ran in the generalized VM
    assert server.diff(vm_id, outs, {**outs, "finalize_scripts": ["echo x"]}).kind == "replace"
    assert server.diff(vm_id, outs, {**outs, "keep_user": False}).replaces == ["keep_user"]
    assert server.diff(vm_id, outs, {**outs, "delete_vm": True}).kind == "update"
    assert server.diff(vm_id, outs, {**outs, "timeouts": {"create": "2h"}}).kind == "none"
    server.delete(vm_id, outs)  # delete_vm false: the VM stays
    assert server.read(vm_id, outs)[0] == vm_id
    newer = server.update(vm_id, again, {**again, "delete_vm": True})
    server.delete(vm_id, {**outs, "delete_vm": True})  # the other resource owns the VM now: not deleted
    assert server.read(vm_id, outs)[0] == vm_id
    server.delete(vm_id, newer)
    assert server.read(vm_id, outs)[0] == ""


def test_check_refusals(server: ProviderServer, quiet_sim: Simulator) -> None:
    mark = quiet_sim.mark()
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux"))
    assert [f for f, _ in failures] == ["resource_group"]
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux", cloud="alibaba", resource_group=RG))
    assert failures and failures[0][0] == "cloud" and "azure" in failures[0][1]
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux", resource_group=RG, finalize_scripts=[3]))
    assert [f for f, _ in failures] == ["finalize_scripts[0]"]
    assert quiet_sim.requests(since=mark) == []


# CustomImage ------------------------------------------------------------------------------------
def image(vm_id: str, name: str, **options: Any) -> dict[str, Any]:
    return {"cloud": "azure", "region": WESTEU, "name": name, "source": {"instance": vm_id}, "tags": {"team": "web"},
            "owner": f"proj/sim/{name}", "options": options}


def test_managed_image_from_a_vm_not_generalized_says_generalize_first(server: ProviderServer, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    with pytest.raises(ProviderError) as refused:
        server.up(CustomImageProvider(), image(vm_id, "img-live"))
    assert "not generalized" in refused.value.details and "Generalize it first" in refused.value.details
    _, failures = server.check(CustomImageProvider(), {**image(vm_id, "img-live"),
                                                       "source": {"instance": vm_id, "os_state": "Specialized"}})
    assert [f for f, _ in failures] == ["options.target"] and "generalize" in failures[0][1]


def test_managed_image_from_a_generalized_vm_and_tags_in_place(server: ProviderServer, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    _, generalized = server.up(GeneralizedVMProvider(), gvm(vm_id))
    inputs = {**image(vm_id, "img-golden"), "source": generalized["source"]}
    image_id, outs = server.up(CustomImageProvider(), inputs)
    assert image_id.endswith(f"/resourceGroups/{RG}/providers/Microsoft.Compute/images/img-golden")
    assert (outs["status"], outs["vendor_status"]) == ("available", "Succeeded")
    verdict, updated = server.change(CustomImageProvider(), image_id, outs, {**inputs, "tags": {"team": "data"}})
    assert verdict.kind == "update" and updated["image_tags"] == {"team": "data"}


def test_gallery_version_replicates_then_regions_change_in_place(server: ProviderServer, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    _, generalized = server.up(GeneralizedVMProvider(), gvm(vm_id))
    version_id, version = server.up(CustomImageProvider(), {**image(vm_id, "golden"), "source": generalized["source"], "options": {
        "target": "gallery", "resource_group": RG, "gallery": GALLERY, "gallery_image": "linux-generalized", "version": "1.0.0"}})
    three = [{"region": WESTEU, "replicas": 1}, {"region": "eastus", "replicas": 2}, {"region": "japaneast"}]
    inputs = {"cloud": "azure", "region": WESTEU, "image_id": version_id, "regions": three, "owner": "proj/sim/publish"}
    set_id, outs = server.up(ImageRegionSetProvider(), inputs)
    assert {r: (v["status"], v["progress"]) for r, v in outs["images"].items()} == \
        {WESTEU: ("available", 100), "eastus": ("available", 100), "japaneast": ("available", 100)}
    four = [{"region": WESTEU, "replicas": 1}, {"region": "eastus", "replicas": 3}, {"region": "japaneast"},
            {"region": "uksouth"}]
    mark = quiet_sim.mark()
    verdict, grown = server.change(ImageRegionSetProvider(), set_id, outs, {**inputs, "regions": four})
    assert verdict.kind == "update" and verdict.replaces == []
    assert set(grown["images"]) == {WESTEU, "eastus", "japaneast", "uksouth"}
    assert all(v["status"] == "available" for v in grown["images"].values())
    assert not quiet_sim.requests(VENDOR, "GalleryImageVersions_Delete", since=mark)
    assert not quiet_sim.requests(VENDOR, "GalleryImageVersions_CreateOrUpdate", since=mark)
    targets = quiet_sim.requests(VENDOR, "GalleryImageVersions_Update", since=mark)[-1].params["body"]
    assert {t["name"]: t["regionalReplicaCount"] for t in targets["properties"]["publishingProfile"]["targetRegions"]} == \
        {WESTEU: 1, "eastus": 3, "japaneast": 1, "uksouth": 1}
    verdict, shrunk = server.change(ImageRegionSetProvider(), set_id, grown, {**inputs, "regions": three[1:]})
    assert verdict.kind == "update" and set(shrunk["images"]) == {"eastus", "japaneast"}
    server.delete(set_id, shrunk)
    assert server.read(set_id, shrunk)[0] == ""  # only the version's own region is left, and the set never owned it
    server.delete(version_id, version)
    assert server.read(version_id, version)[0] == ""


def test_throttling_429_retry_after_is_honoured(server: ProviderServer, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    quiet_sim.inject(VENDOR, "VirtualMachines_Get", "throttle", times=2)
    mark = quiet_sim.mark()
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm_id))
    assert outs["generalized"] is True
    gets = quiet_sim.requests(VENDOR, "VirtualMachines_Get", since=mark)
    assert [g.status for g in gets[:3]] == [429, 429, 200]
    assert gets[1].at - gets[0].at >= 2.0 and gets[2].at - gets[1].at >= 2.0  # Retry-After: 2 waited each time
