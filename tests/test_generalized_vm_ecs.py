"""GeneralizedVM on Alibaba ECS through the real provider server: Cloud Assistant steps, confirmed, then StopInstance."""
from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imageforge.providers import CustomImageProvider
from imageforge.providers.core import guest as lines
from imageforge.providers.alibaba.ecs_vms import GENERALIZED_TAG
from imageforge.providers.resources.generalized_vm import STATE_TAG, GeneralizedVMProvider
from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.ecs_assist import AGENT_TAG, EcsAssist
from imageforge.simulator.core.guest import SEALED
from tests.crashes import dies, kill_before, server_factory
from tests.engine import ProviderError, ProviderServer

VENDOR = "alibaba-ecs"
REGION = "cn-hangzhou"
GUEST_CALLS = ("DescribeCloudAssistantStatus", "DescribeInvocations", "RunCommand", "DescribeInvocationResults")
API_STEPS = ("RunCommand", "TagResources", "StopInstance")


def assist(sim: Simulator) -> EcsAssist:
    return next(w for w in sim.wires if w.vendor == VENDOR).assist  # type: ignore[attr-defined, no-any-return]


def fresh(sim: Simulator, os_type: str = "linux", agent: bool = True) -> str:
    return assist(sim).add_instance(REGION, os_type, agent=agent).instance_id


def gvm(vm: str, **extra: Any) -> dict[str, Any]:
    return {"cloud": "alibaba", "region": REGION, "vm": vm, "owner": f"proj/sim/{vm}", **extra}


def sent(sim: Simulator, vm: str, since: int = 0) -> list[dict[str, str]]:
    """The RunCommand requests for this instance, in order, with their decoded script."""
    out = []
    for r in sim.requests(VENDOR, "RunCommand", since=since):
        if r.params.get("InstanceId.1") == vm:
            out.append({**r.params, "script": base64.b64decode(r.params["CommandContent"]).decode()})
    return out


def steps(sim: Simulator, vm: str, since: int = 0) -> list[str]:
    return [r.action for r in sim.requests(VENDOR, since=since) if r.action in API_STEPS
            and vm in (r.params.get("InstanceId"), r.params.get("InstanceId.1"), r.params.get("ResourceId.1"))]


def test_linux_runs_ordered_scripts_then_cleans_the_guest_and_stops_it(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    checked, failures = server.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["echo activate"],
                                                                                          "echo cleanup\necho done"]))
    assert failures == [] and checked["service"] == "ecs"
    vm_out, outs = server.create(checked)
    assert vm_out == vm and outs["generalized"] is True and outs["power_state"] == "stopped"
    assert [c["step"] for c in outs["commands"]] == ["probe", "finalize[0]", "finalize[1]", "generalize"]
    assert [c["exit_code"] for c in outs["commands"]] == [lines.NOT_GENERALIZED, 0, 0, 0]
    assert outs["commands"][2]["stdout_tail"] == "cleanup\ndone"
    assert outs["commands"][3]["stdout_tail"] == "machine-id=empty ssh-host-keys=none"
    runs = sent(sim, vm)
    assert [r["script"] for r in runs] == ["\n".join(lines.probe("linux")), "echo activate", "echo cleanup\necho done",
                                           "\n".join(lines.generalize("linux"))]
    assert {(r["Type"], r["ContentEncoding"], r["Timeout"]) for r in runs} == {("RunShellScript", "Base64", "3600")}
    guest = assist(sim).guest(REGION, vm)
    assert (guest["cloud_init"], guest["host_keys"], guest["machine_id"]) == ("clean", False, "")
    # the prepared marker only after the last guest command; then the stop, the mark and the owner tag
    assert steps(sim, vm) == ["RunCommand"] * 4 + ["TagResources", "StopInstance", "TagResources", "TagResources"]
    tags = assist(sim).state(REGION, vm).tags
    assert tags[STATE_TAG] == f"{checked['key']}/done" and tags[GENERALIZED_TAG] == "true"
    assert outs["source"] == {"instance": vm, "os_state": "Generalized"}


def test_windows_runs_sysprep_quit_reads_image_state_and_a_batch_script_runs_as_bat(
        server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim, "windows")
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["@echo off", "echo kmssetup"],
                                                                          ["Write-Output office"]]))
    assert outs["generalized"] is True and outs["os_type"] == "windows" and outs["power_state"] == "stopped"
    runs = sent(sim, vm)
    assert [r["Type"] for r in runs] == ["RunPowerShellScript", "RunBatScript", "RunPowerShellScript",
                                         "RunPowerShellScript"]
    assert runs[1]["script"] == "@echo off\r\necho kmssetup"
    sysprep = next(line for line in runs[3]["script"].splitlines() if "Sysprep.exe" in line)
    assert "'/generalize'" in sysprep and "'/quit'" in sysprep and "/shutdown" not in sysprep
    assert [c["stdout_tail"] for c in outs["commands"]][1:] == ["kmssetup", "office", f"ImageState={SEALED}"]
    assert assist(sim).guest(REGION, vm)["image_state"] == SEALED
    assert steps(sim, vm)[4:] == ["TagResources", "StopInstance", "TagResources", "TagResources"]


def test_a_failing_script_is_named_with_its_output_and_leaves_the_instance_running_and_unmarked(
        server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    inputs = gvm(vm, finalize_scripts=[["echo licensing"], ["echo stage two", "# sim: fail 4"], ["echo c"]])
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), inputs)
    details = failed.value.details
    assert "finalize[1] exited 4" in details and "stage two" in details and "left running and unmarked" in details
    assert len(sent(sim, vm)) == 3  # probe, finalize[0], finalize[1]: nothing after the failure
    state = assist(sim).state(REGION, vm)
    assert STATE_TAG not in state.tags and GENERALIZED_TAG not in state.tags
    assert state.power_at(sim.ctx.now()) == "Running" and assist(sim).guest(REGION, vm)["machine_id"] == "set"
    assert steps(sim, vm).count("StopInstance") == 0


def test_agent_offline_is_reported_at_once_naming_the_instance(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim, agent=False)
    before = sim.ctx.now()
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), gvm(vm, timeouts={"create": "10m"}))
    assert "agent offline" in failed.value.details and vm in failed.value.details
    assert sim.ctx.now() - before < 600  # within the timeout: nothing waited for an agent that is not there
    assert sent(sim, vm) == [] and STATE_TAG not in assist(sim).state(REGION, vm).tags


def test_an_agent_lost_after_the_check_is_reported_from_the_result(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)

    def go_offline(phase: str, vendor: str, call: Any) -> None:
        if phase == "after" and call.action == "DescribeCloudAssistantStatus":
            assist(sim).tag(REGION, vm, {AGENT_TAG: "offline"})

    remove = sim.hook(go_offline)
    try:
        with pytest.raises(ProviderError) as failed:
            server.up(GeneralizedVMProvider(), gvm(vm))
    finally:
        remove()
    assert "agent offline" in failed.value.details and "ClientNotRunning" in failed.value.details
    assert vm in failed.value.details and len(sent(sim, vm)) == 1


def test_nothing_runs_in_check_or_diff_and_the_limits_are_checked(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    mark = sim.mark()
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux"))
    assert [f for f, _ in failures] == ["vm"] and "instance id" in failures[0][1]
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["x" * 14000]))
    assert [f for f, _ in failures] == ["finalize_scripts[0]"] and "18 KB" in failures[0][1]
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, resource_group="rg", keep_user=False))
    assert sorted(f for f, _ in failures) == ["keep_user", "resource_group"]
    checked, failures = server.check(GeneralizedVMProvider(), gvm(vm, keep_user=True, finalize_scripts=["echo a"]))
    assert failures == []
    assert server.diff(vm, checked, {**checked, "finalize_scripts": ["echo b"]}).kind == "replace"
    assert server.diff(vm, checked, {**checked, "delete_vm": True}).kind == "update"
    assert sim.requests(since=mark) == []


def test_capture_from_the_generalized_instance_and_refusal_of_an_ungeneralized_one(
        server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm))
    image_id, image = server.up(CustomImageProvider(), {"cloud": "alibaba", "region": REGION, "name": "golden-gen",
                                                        "source": outs["source"], "owner": "proj/sim/img"})
    assert image["status"] == "available" and sim.requests(VENDOR, "CreateImage")[-1].params["InstanceId"] == vm
    other = fresh(sim)
    with pytest.raises(ProviderError) as refused:
        server.up(CustomImageProvider(), {"cloud": "alibaba", "region": REGION, "name": "golden-no",
                                          "source": {"instance": other, "os_state": "Generalized"},
                                          "owner": "proj/sim/img2"})
    assert "is not" in refused.value.details and other in refused.value.details
    assert [r.params.get("InstanceId") for r in sim.requests(VENDOR, "CreateImage")] == [vm]


def test_read_adoption_and_delete(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm))
    assert server.read(vm, outs)[1]["generalized"] is True
    again_id, again = server.up(GeneralizedVMProvider(), gvm(vm, owner="proj/sim/other", finalize_scripts=["echo x"]))
    assert again_id == vm and again["adopted"] is True and "did not run" in again["warnings"][0]
    assert len(sent(sim, vm)) == 2  # probe and generalize of the first run only
    server.delete(vm, outs)  # delete_vm false: the instance stays
    assert server.read(vm, outs)[0] == vm
    server.delete(vm, {**again, "delete_vm": True})
    assert server.read(vm, outs)[0] == ""


@pytest.fixture
def fresh_server(sim: Simulator, tmp_path: Path) -> Iterator[Any]:
    with server_factory(sim, tmp_path) as make:
        yield make


def crash_on(sim: Simulator, action: str, vm: str, dead: ProviderServer, key: str = "") -> Any:
    """Kill the provider process when it sends `action` for this instance; the request never reaches the cloud."""
    return kill_before(sim, dead, lambda call: call.action == action and vm in call.params.values() and (
        not key or any(key in str(v) for v in call.params.values())))


@pytest.mark.parametrize("os_type", ["linux", "windows"])
def test_a_crash_after_the_guest_generalized_is_resumed_by_probing(fresh_server: Any, sim: Simulator,
                                                                   os_type: str) -> None:
    vm = fresh(sim, os_type)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["echo once"]]))
    remove = crash_on(sim, "TagResources", vm, first, STATE_TAG)  # dies writing the prepared marker
    dies(remove, lambda: first.create(checked))
    assert len(sent(sim, vm)) == 3 and STATE_TAG not in assist(sim).state(REGION, vm).tags
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and [c["step"] for c in outs["commands"]] == ["probe"]
    assert "the finalize scripts did not run" in outs["warnings"][0] and len(sent(sim, vm)) == 4


def test_a_crash_while_a_script_runs_waits_for_it_rather_than_overlapping(fresh_server: Any, sim: Simulator) -> None:
    vm = fresh(sim)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["# sim: takes 300",
                                                                                   "echo slow"]]))

    remove = kill_before(sim, first, lambda call: call.action == "DescribeInvocationResults"
                         and len(sent(sim, vm)) == 2)  # while the finalize script runs
    dies(remove, lambda: first.create(checked))
    mark = sim.mark()
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and [c["step"] for c in outs["commands"]] == ["probe", "finalize[0]",
                                                                                      "generalize"]
    runs = assist(sim).invocations(REGION, instance_id=vm)
    assert len(runs) == 5  # the first run's probe and finalize, then the re-run's three steps
    for before, after in zip(runs, runs[1:]):  # one at a time: each starts once the one before ended
        assert after.lifecycle.started_at >= before.lifecycle.started_at + before.lifecycle.duration
    assert steps(sim, vm, mark).count("StopInstance") == 1
