"""GeneralizedVM on Azure through the real provider server and the simulator: the guest steps, confirmed, then marked."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError
from imageforge.providers.azure import scripts
from imageforge.providers.core.guest import SEALED
from imageforge.providers.resources.generalized_vm import STATE_TAG, GeneralizedVMProvider
from imageforge.simulator.azure.model import run_command_log
from imageforge.simulator.azure.vm import RunCommand, VirtualMachine
from imageforge.simulator.core.simulator import Simulator

from tests.crashes import dies, kill_before, server_factory
from tests.engine import ProviderError, ProviderServer

from .conftest import RG, SUB, code_of, fresh_vm, wire_of

VENDOR = "azure"
RUN = "VirtualMachines_RunCommand"
STEPS = (RUN, "VirtualMachines_Update", "VirtualMachines_PowerOff", "VirtualMachines_Deallocate",
         "VirtualMachines_Generalize")


@pytest.fixture
def server(azure_server: ProviderServer, quiet_sim: Simulator) -> ProviderServer:
    return azure_server


def gvm(vm: str, **extra: Any) -> dict[str, Any]:
    return {"cloud": "azure", "region": "westeurope", "vm": vm, "owner": f"proj/sim/{vm.rsplit('/', 1)[-1]}", **extra}


def runs(sim: Simulator, vm_name: str) -> list[RunCommand]:
    return [r for r in run_command_log(sim.store) if r.vm_name == vm_name]


def inner(script: list[str]) -> list[str]:
    """The lines a wrapped script runs (between the subshell's parentheses or inside the here-string)."""
    if script[0] == "(":
        return script[1:script.index(")")]
    start = next(i for i, line in enumerate(script) if line.endswith("@'")) + 1
    return script[start:script.index("'@")]


def vm_record(sim: Simulator, vm_id: str) -> VirtualMachine:
    doc = wire_of(sim).vms.find(vm_id, SUB)
    assert doc is not None
    return doc


def steps(sim: Simulator, name: str, since: int = 0) -> list[str]:
    return [r.action for r in sim.requests(VENDOR, since=since) if r.action in STEPS and r.params.get("names") == [name]]


def raw_client(sim: Simulator) -> Any:
    from azure.mgmt.compute import ComputeManagementClient

    from .conftest import sim_credential

    return ComputeManagementClient(sim_credential(sim), SUB, base_url=sim.endpoints["https"],
                                   connection_verify=sim.endpoints["ca_file"], retry_total=0)


def test_linux_probes_runs_scripts_then_waagent_and_marks_only_after_the_guest_confirmed(
        server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim)
    _, failures = server.check(GeneralizedVMProvider(), {**gvm(vm_id), "cloud": None})
    assert [f for f, _ in failures] == ["cloud"] and "is required" in failures[0][1]  # several clouds generalize
    checked, failures = server.check(GeneralizedVMProvider(), {**gvm(vm_id), "finalize_scripts": [
        ["echo activate"], "echo cleanup\necho done"]})
    assert failures == [] and checked["cloud"] == "azure" and checked["service"] == "compute"
    vm_id_out, outs = server.create(checked)
    assert vm_id_out == vm_id and outs["generalized"] is True and outs["power_state"] == "deallocated"
    assert [inner(r.script) for r in runs(quiet_sim, name)] == [
        scripts.probe("linux"), ["echo activate"], ["echo cleanup", "echo done"], scripts.generalize("linux")]
    assert [c["step"] for c in outs["commands"]] == ["probe", "finalize[0]", "finalize[1]", "generalize"]
    assert [c["exit_code"] for c in outs["commands"]] == [scripts.NOT_GENERALIZED, 0, 0, 0]
    assert outs["commands"][2]["stdout_tail"] == "cleanup\ndone"
    assert outs["source"] == {"instance": vm_id, "os_state": "Generalized"} and outs["adopted"] is False
    # the prepared marker comes after the last guest command, the API steps after it
    assert steps(quiet_sim, name) == [RUN] * 4 + ["VirtualMachines_Update", "VirtualMachines_PowerOff",
                                                  "VirtualMachines_Deallocate", "VirtualMachines_Generalize",
                                                  "VirtualMachines_Update"]
    assert vm_record(quiet_sim, vm_id).tags[STATE_TAG] == f"{checked['key']}/done"
    with pytest.raises(ResourceExistsError) as refused:
        raw_client(quiet_sim).virtual_machines.begin_start(RG, name, polling=False)
    assert code_of(refused.value) == "OperationNotAllowed"


def test_windows_runs_sysprep_with_quit_checks_image_state_then_powers_off_itself(
        server: ProviderServer, quiet_sim: Simulator) -> None:
    name, _ = fresh_vm(quiet_sim, "Windows")
    _, outs = server.up(GeneralizedVMProvider(), gvm(name, resource_group=RG, finalize_scripts=["Write-Output kms"]))
    assert outs["generalized"] is True and outs["power_state"] == "deallocated" and outs["os_type"] == "windows"
    log = runs(quiet_sim, name)
    assert [r.command_id for r in log] == ["RunPowerShellScript"] * 3
    prep = inner(log[2].script)
    panther = next(i for i, line in enumerate(prep) if "Remove-Item" in line and r"C:\Windows\Panther" in line)
    sysprep = next(i for i, line in enumerate(prep) if "Sysprep.exe" in line)
    assert panther < sysprep and "'/quit'" in prep[sysprep] and "/shutdown" not in prep[sysprep]
    assert outs["commands"][-1]["stdout_tail"] == f"ImageState={SEALED}"
    assert steps(quiet_sim, name)[3:] == ["VirtualMachines_Update", "VirtualMachines_PowerOff",
                                          "VirtualMachines_Deallocate", "VirtualMachines_Generalize",
                                          "VirtualMachines_Update"]  # the VM stayed up after Sysprep: we power it off


def test_encrypted_vm_is_refused_before_any_command(server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim, "Windows", encrypted=True)
    with pytest.raises(ProviderError) as refused:
        server.up(GeneralizedVMProvider(), gvm(vm_id))
    assert "encrypted" in refused.value.details and "decrypt" in refused.value.details
    assert runs(quiet_sim, name) == [] and STATE_TAG not in vm_record(quiet_sim, vm_id).tags


def test_a_failing_script_leaves_the_vm_running_unmarked_and_a_retry_runs_the_steps_again(
        server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim)
    seen: list[int] = []

    def fail_first_finalize(phase: str, vendor: str, call: Any) -> None:
        if phase == "before" and call.action == RUN and call.params.get("names") == [name]:
            seen.append(1)
            if len(seen) == 2:  # after the probe: the first finalize script fails in the guest
                quiet_sim.inject(VENDOR, RUN, "fail")

    remove = quiet_sim.hook(fail_first_finalize)
    inputs = gvm(vm_id, finalize_scripts=[["echo licensing"]])
    try:
        with pytest.raises(ProviderError) as failed:
            server.up(GeneralizedVMProvider(), inputs)
    finally:
        remove()
    assert "finalize[0] exited 1" in failed.value.details and "left running and unmarked" in failed.value.details
    vm = vm_record(quiet_sim, vm_id)
    assert STATE_TAG not in vm.tags and wire_of(quiet_sim).vms.state(vm).power == "running"
    assert len(runs(quiet_sim, name)) == 2  # waagent never ran
    _, outs = server.up(GeneralizedVMProvider(), inputs)
    assert outs["generalized"] is True and [c["step"] for c in outs["commands"]] == ["probe", "finalize[0]", "generalize"]


def test_a_script_that_fails_inside_the_guest_stops_everything(server: ProviderServer, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), gvm(vm_id, finalize_scripts=[["echo prepare", "waagent -deprovision+user"]]))
    # Run Command said "succeeded"; the marker says waagent (waiting on its prompt without -force) exited 1
    assert "finalize[0] exited 1" in failed.value.details and "Do you want to proceed" in failed.value.details
    assert STATE_TAG not in vm_record(quiet_sim, vm_id).tags


def test_throttled_run_commands_are_retried_without_running_twice(server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim)
    quiet_sim.inject(VENDOR, RUN, "throttle", times=2)
    mark = quiet_sim.mark()
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm_id))
    assert outs["generalized"] is True
    assert [r.status for r in quiet_sim.requests(VENDOR, RUN, since=mark)][:3] == [429, 429, 202]
    assert len(runs(quiet_sim, name)) == 2  # probe + generalize, each once


def test_a_command_still_running_from_an_earlier_run_is_waited_out(server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim)
    raw_client(quiet_sim).virtual_machines.begin_run_command(RG, name, {"commandId": "RunShellScript",
                                                                        "script": ["echo earlier"]}, polling=False)
    mark = quiet_sim.mark()
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm_id))
    assert outs["generalized"] is True
    assert quiet_sim.requests(VENDOR, RUN, since=mark)[0].error == "Conflict"  # 409: waited for, then started
    assert len(runs(quiet_sim, name)) == 3


def crash_on(sim: Simulator, action: str, name: str, dead: ProviderServer) -> Any:
    """Kill the provider process when it sends `action` for this VM; the request never reaches the cloud."""
    return kill_before(sim, dead, lambda call: call.action == action and call.params.get("names") == [name])


@pytest.fixture
def fresh_server(quiet_sim: Simulator, tmp_path: Path) -> Iterator[Any]:
    with server_factory(quiet_sim, tmp_path) as make:
        yield make


@pytest.mark.parametrize("os_type", ["Linux", "Windows"])
def test_a_crash_after_the_guest_generalized_is_resumed_by_probing_never_by_running_it_again(
        fresh_server: Any, quiet_sim: Simulator, os_type: str) -> None:
    name, vm_id = fresh_vm(quiet_sim, os_type)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm_id, finalize_scripts=[["echo once"]]))
    remove = crash_on(quiet_sim, "VirtualMachines_Update", name, first)  # dies writing the prepared marker
    dies(remove, lambda: first.create(checked))
    vm = vm_record(quiet_sim, vm_id)
    assert STATE_TAG not in vm.tags and wire_of(quiet_sim).vms.state(vm).power == "running"
    assert len(runs(quiet_sim, name)) == 3  # probe, finalize, generalize: the guest is generalized, unmarked
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and [c["step"] for c in outs["commands"]] == ["probe"]
    assert "the finalize scripts did not run" in outs["warnings"][0]
    assert len(runs(quiet_sim, name)) == 4  # only the probe ran again


def test_a_crash_after_the_prepared_marker_resumes_with_the_api_steps(fresh_server: Any, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm_id))
    remove = crash_on(quiet_sim, "VirtualMachines_PowerOff", name, first)
    dies(remove, lambda: first.create(checked))
    assert vm_record(quiet_sim, vm_id).tags[STATE_TAG] == f"{checked['key']}/prepared"
    mark = quiet_sim.mark()
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and outs["commands"] == []
    assert steps(quiet_sim, name, mark) == ["VirtualMachines_PowerOff", "VirtualMachines_Deallocate",
                                            "VirtualMachines_Generalize", "VirtualMachines_Update"]


def test_a_stopped_windows_vm_that_was_never_sysprepped_is_refused_at_once(server: ProviderServer,
                                                                           quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim, "Windows")
    raw_client(quiet_sim).virtual_machines.begin_power_off(RG, name, polling=False)
    quiet_sim.advance(120)
    mark = quiet_sim.mark()
    before = quiet_sim.ctx.now()
    with pytest.raises(ProviderError) as refused:
        server.up(GeneralizedVMProvider(), gvm(vm_id))
    assert "is stopped and not generalized" in refused.value.details and "guest_prepared" in refused.value.details
    assert quiet_sim.ctx.now() - before < 60  # nothing waited for a shutdown Sysprep never started
    assert quiet_sim.requests(VENDOR, RUN, since=mark) == [] and STATE_TAG not in vm_record(quiet_sim, vm_id).tags


def test_guest_prepared_runs_nothing_in_the_guest(server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm_id, guest_prepared=True))
    assert outs["generalized"] is True and outs["commands"] == [] and runs(quiet_sim, name) == []


def test_keep_user_adoption_diff_and_delete(server: ProviderServer, quiet_sim: Simulator) -> None:
    name, vm_id = fresh_vm(quiet_sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm_id, keep_user=True))
    assert inner(runs(quiet_sim, name)[-1].script)[0] == "sudo waagent -deprovision -force || exit $?"
    again_id, again = server.up(GeneralizedVMProvider(), gvm(vm_id, keep_user=True, owner="proj/sim/other",
                                                             finalize_scripts=["echo late"]))
    assert again_id == vm_id and again["adopted"] is True and "did not run" in again["warnings"][0]
    assert len(runs(quiet_sim, name)) == 2  # nothing ran in the generalized VM
    assert server.diff(vm_id, outs, {**outs, "finalize_scripts": ["echo x"]}).kind == "replace"
    assert server.diff(vm_id, outs, {**outs, "keep_user": False}).replaces == ["keep_user"]
    assert server.diff(vm_id, outs, {**outs, "delete_vm": True}).kind == "update"
    assert server.diff(vm_id, outs, {**outs, "timeouts": {"create": "2h"}}).replaces == []
    server.delete(vm_id, outs)  # delete_vm false: the VM stays
    assert server.read(vm_id, outs)[0] == vm_id
    mark = quiet_sim.mark()
    newer = server.update(vm_id, again, {**again, "delete_vm": True})
    assert newer["delete_vm"] is True and newer["generalized"] is True
    assert quiet_sim.requests(since=mark) == []  # delete_vm is recorded: no cloud call
    server.delete(vm_id, {**outs, "delete_vm": True})  # the other resource owns the VM now: not deleted
    assert server.read(vm_id, outs)[0] == vm_id
    server.delete(vm_id, newer)
    assert server.read(vm_id, outs)[0] == ""


def test_check_refusals(server: ProviderServer, quiet_sim: Simulator) -> None:
    mark = quiet_sim.mark()
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux"))
    assert [f for f, _ in failures] == ["resource_group"]
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux", cloud="huawei", service="ims",
                                                            resource_group=RG))
    assert {f for f, _ in failures} == {"region", "vm", "resource_group"}  # an Azure region; a name, not a UUID
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux", resource_group=RG, finalize_scripts=[3]))
    assert [f for f, _ in failures] == ["finalize_scripts[0]"]
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux", resource_group=RG, keep_user="yes"))
    assert [f for f, _ in failures] == ["keep_user"]
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux", resource_group=RG,
                                                            finalize_scripts=[["Write-Output x", "'@"]]))
    assert [f for f, _ in failures] == ["finalize_scripts[0]"] and "here-string" in failures[0][1]
    assert quiet_sim.requests(since=mark) == []


def test_throttling_429_retry_after_is_honoured(server: ProviderServer, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    quiet_sim.inject(VENDOR, "VirtualMachines_Get", "throttle", times=2)
    mark = quiet_sim.mark()
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm_id))
    assert outs["generalized"] is True
    gets = quiet_sim.requests(VENDOR, "VirtualMachines_Get", since=mark)
    assert [g.status for g in gets[:3]] == [429, 429, 200]
    assert gets[1].at - gets[0].at >= 2.0 and gets[2].at - gets[1].at >= 2.0  # Retry-After: 2 waited each time
