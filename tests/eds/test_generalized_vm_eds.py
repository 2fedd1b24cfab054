"""GeneralizedVM on EDS cloud computers through the real provider server: ecd RunCommand steps, confirmed, then StopDesktops."""
from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imageforge.providers import CustomImageProvider
from imageforge.providers.core import guest as lines
from imageforge.providers.alibaba.eds_vms import GENERALIZED_TAG
from imageforge.providers.resources.generalized_vm import STATE_TAG, GeneralizedVMProvider
from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.eds_guest import AGENT_TAG, EdsGuest
from imageforge.simulator.core.guest import SEALED
from tests.crashes import dies, kill_before, server_factory
from tests.engine import ProviderError, ProviderServer

VENDOR = "alibaba-eds"
REGION = "cn-hangzhou"
API_STEPS = ("RunCommand", "TagResources", "StopDesktops")


def eds(sim: Simulator) -> EdsGuest:
    return next(w for w in sim.wires if w.vendor == VENDOR).guest  # type: ignore[attr-defined, no-any-return]


def fresh(sim: Simulator, os_type: str = "windows", agent: bool = True) -> str:
    return eds(sim).add_desktop(REGION, os_type, agent=agent)


def gvm(vm: str, **extra: Any) -> dict[str, Any]:
    return {"cloud": "alibaba", "service": "eds", "region": REGION, "vm": vm, "owner": f"proj/sim/{vm}", **extra}


def sent(sim: Simulator, vm: str, since: int = 0) -> list[dict[str, str]]:
    """The RunCommand requests for this cloud computer, in order, with their decoded script."""
    return [{**r.params, "script": base64.b64decode(r.params["CommandContent"]).decode()}
            for r in sim.requests(VENDOR, "RunCommand", since=since) if r.params.get("DesktopId.1") == vm]


def steps(sim: Simulator, vm: str, since: int = 0) -> list[str]:
    return [r.action for r in sim.requests(VENDOR, since=since) if r.action in API_STEPS
            and vm in (r.params.get("DesktopId.1"), r.params.get("ResourceId.1"))]


def test_windows_runs_ordered_scripts_sysprep_quit_and_stops_the_computer(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    checked, failures = server.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["@echo off", "echo kmssetup"],
                                                                                          "Write-Output office\n"
                                                                                          "Write-Output done"]))
    assert failures == []
    vm_out, outs = server.create(checked)
    assert vm_out == vm and outs["generalized"] is True and outs["power_state"] == "stopped"
    assert outs["os_type"] == "windows"
    assert [c["step"] for c in outs["commands"]] == ["probe", "finalize[0]", "finalize[1]", "generalize"]
    assert [c["exit_code"] for c in outs["commands"]] == [lines.NOT_GENERALIZED, 0, 0, 0]
    assert [c["stdout_tail"] for c in outs["commands"]][1:] == ["kmssetup", "office\ndone", f"ImageState={SEALED}"]
    runs = sent(sim, vm)
    assert [r["script"] for r in runs] == ["\n".join(lines.probe("windows")), "@echo off\r\necho kmssetup",
                                           "Write-Output office\nWrite-Output done",
                                           "\n".join(lines.generalize("windows"))]
    assert [r["Type"] for r in runs] == ["RunPowerShellScript", "RunBatScript", "RunPowerShellScript",
                                         "RunPowerShellScript"]
    assert {(r["ContentEncoding"], r["Timeout"]) for r in runs} == {("Base64", "3600")}
    sysprep = next(line for line in runs[3]["script"].splitlines() if "Sysprep.exe" in line)
    assert "'/generalize'" in sysprep and "'/quit'" in sysprep and "/shutdown" not in sysprep
    assert eds(sim).guest(REGION, vm)["image_state"] == SEALED
    # the prepared marker only after the last guest command; then the stop, the mark and the owner tag
    assert steps(sim, vm) == ["RunCommand"] * 4 + ["TagResources", "StopDesktops", "TagResources", "TagResources"]
    assert {r.params["ResourceType"] for r in sim.requests(VENDOR, "TagResources")} == {"ALIYUN::GWS::INSTANCE"}
    tags = eds(sim).state(REGION, vm).tags
    assert tags[STATE_TAG] == f"{checked['key']}/done" and tags[GENERALIZED_TAG] == "true"
    assert eds(sim).power(REGION, vm) == "Stopped"
    assert outs["source"] == {"desktop": vm, "os_state": "Generalized"}


def test_a_failing_script_is_named_with_its_output_and_leaves_the_computer_running_and_unmarked(
        server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    inputs = gvm(vm, finalize_scripts=[["Write-Output licensing"], ["Write-Output stage two", "# sim: fail 4"],
                                       ["Write-Output c"]])
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), inputs)
    details = failed.value.details
    assert "finalize[1] exited 4" in details and "stage two" in details and "left running and unmarked" in details
    assert len(sent(sim, vm)) == 3  # probe, finalize[0], finalize[1]: nothing after the failure
    state = eds(sim).state(REGION, vm)
    assert STATE_TAG not in state.tags and GENERALIZED_TAG not in state.tags
    assert eds(sim).power(REGION, vm) == "Running" and eds(sim).guest(REGION, vm)["image_state"] != SEALED
    assert steps(sim, vm).count("StopDesktops") == 0


def test_agent_offline_is_reported_naming_the_computer_and_never_waited_on(server: ProviderServer,
                                                                           sim: Simulator) -> None:
    vm = fresh(sim, agent=False)
    before = sim.ctx.now()
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["Write-Output x"], timeouts={"create": "30m"}))
    details = failed.value.details
    assert "agent offline" in details and vm in details and "ClientNotRunning" in details
    assert sim.ctx.now() - before < 600  # the first command's delivery failure ends it, far inside the timeout
    assert len(sent(sim, vm)) == 1 and STATE_TAG not in eds(sim).state(REGION, vm).tags
    assert eds(sim).power(REGION, vm) == "Running" and steps(sim, vm) == ["RunCommand"]


def test_an_agent_lost_between_steps_is_reported_from_the_result(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    started: list[str] = []

    def go_offline(phase: str, vendor: str, call: Any) -> None:  # once the probe was delivered
        if phase == "after" and call.action == "RunCommand":
            started.append(call.action)
            if len(started) == 1:
                eds(sim).tag(REGION, "ALIYUN::GWS::INSTANCE", [vm], {AGENT_TAG: "offline"})

    remove = sim.hook(go_offline)
    try:
        with pytest.raises(ProviderError) as failed:
            server.up(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["Write-Output x"]))
    finally:
        remove()
    assert "agent offline" in failed.value.details and vm in failed.value.details
    assert len(sent(sim, vm)) == 2 and GENERALIZED_TAG not in eds(sim).state(REGION, vm).tags


def test_a_linux_computer_is_refused_naming_vm_and_the_way_out(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim, "linux")
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), gvm(vm))
    details = failed.value.details
    assert "vm:" in details and "Windows cloud computers only" in details and "guest_prepared=true" in details
    assert sent(sim, vm) == [] and steps(sim, vm) == []
    # prepared by hand: no guest command, only the stop and the marks
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm, guest_prepared=True, owner="proj/sim/by-hand"))
    assert outs["generalized"] is True and outs["commands"] == [] and outs["os_type"] == "linux"
    assert sent(sim, vm) == [] and steps(sim, vm) == ["TagResources", "StopDesktops", "TagResources", "TagResources"]


def test_nothing_runs_in_check_or_diff_and_the_limits_are_checked(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    mark = sim.mark()
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-win"))
    assert [f for f, _ in failures] == ["vm"] and "cloud computer id" in failures[0][1]
    _, failures = server.check(GeneralizedVMProvider(), gvm("i-bp1imageforgelnx01"))
    assert [f for f, _ in failures] == ["vm"] and "service='ecs'" in failures[0][1]
    _, failures = server.check(GeneralizedVMProvider(), {**gvm(vm), "service": None})
    assert [f for f, _ in failures] == ["vm"] and "service='eds'" in failures[0][1]  # defaulted to ECS
    # 13000 characters are 17336 once Base64-encoded: inside Cloud Assistant's 18 KB on ECS, over EDS's 16 KB
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["echo a", "x" * 13000]))
    assert [f for f, _ in failures] == ["finalize_scripts[1]"]
    assert "16 KB" in failures[0][1] and "Fix:" in failures[0][1]
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, resource_group="rg", keep_user=False))
    assert sorted(f for f, _ in failures) == ["keep_user", "resource_group"]
    assert all("Fix:" in message for _, message in failures)
    checked, failures = server.check(GeneralizedVMProvider(), gvm(vm, keep_user=True, finalize_scripts=["echo a"]))
    assert failures == []
    assert server.diff(vm, checked, {**checked, "finalize_scripts": ["echo b"]}).kind == "replace"
    assert server.diff(vm, checked, {**checked, "vm": fresh(sim)}).kind == "replace"
    assert server.diff(vm, checked, {**checked, "delete_vm": True}).kind == "update"
    assert sim.requests(since=mark) == []


def test_capture_from_the_generalized_computer_and_refusal_of_an_ungeneralized_one(
        server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm))
    image_id, image = server.up(CustomImageProvider(), {"cloud": "alibaba", "service": "eds", "region": REGION,
                                                        "name": "golden-gen", "source": outs["source"],
                                                        "owner": "proj/sim/img"})
    assert image["status"] == "available" and sim.requests(VENDOR, "CreateImage")[-1].params["DesktopId"] == vm
    other = fresh(sim)
    with pytest.raises(ProviderError) as refused:
        server.up(CustomImageProvider(), {"cloud": "alibaba", "service": "eds", "region": REGION, "name": "golden-no",
                                          "source": {"desktop": other, "os_state": "Generalized"},
                                          "owner": "proj/sim/img2"})
    assert "source.os_state" in refused.value.details and other in refused.value.details
    assert [r.params.get("DesktopId") for r in sim.requests(VENDOR, "CreateImage")] == [vm]


def test_read_adoption_and_delete(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm))
    assert server.read(vm, outs)[1]["generalized"] is True
    again_id, again = server.up(GeneralizedVMProvider(), gvm(vm, owner="proj/sim/other", finalize_scripts=["echo x"]))
    assert again_id == vm and again["adopted"] is True and "did not run" in again["warnings"][0]
    assert len(sent(sim, vm)) == 2  # probe and generalize of the first run only
    server.delete(vm, outs)  # delete_vm false: the computer stays
    assert server.read(vm, outs)[0] == vm
    server.delete(vm, {**again, "delete_vm": True})
    assert server.read(vm, outs)[0] == "" and [r.params["DesktopId.1"] for r in sim.requests(VENDOR,
                                                                                            "DeleteDesktops")] == [vm]


@pytest.fixture
def fresh_server(sim: Simulator, tmp_path: Path) -> Iterator[Any]:
    with server_factory(sim, tmp_path) as make:
        yield make


def test_a_crash_after_the_guest_generalized_is_resumed_by_probing(fresh_server: Any, sim: Simulator) -> None:
    vm = fresh(sim)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["Write-Output once"]]))

    remove = kill_before(sim, first, lambda call: call.action == "TagResources" and vm in call.params.values()
                         and any(STATE_TAG in str(v) for v in call.params.values()))  # dies writing the marker
    dies(remove, lambda: first.create(checked))
    assert len(sent(sim, vm)) == 3 and STATE_TAG not in eds(sim).state(REGION, vm).tags
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and [c["step"] for c in outs["commands"]] == ["probe"]
    assert "the finalize scripts did not run" in outs["warnings"][0] and len(sent(sim, vm)) == 4
    assert steps(sim, vm).count("StopDesktops") == 1


def test_a_crash_while_a_script_runs_waits_for_it_rather_than_overlapping(fresh_server: Any, sim: Simulator) -> None:
    vm = fresh(sim)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["# sim: takes 300",
                                                                                   "Write-Output slow"]]))

    remove = kill_before(sim, first, lambda call: call.action == "DescribeInvocations"
                         and bool(call.params.get("InvokeId")) and len(sent(sim, vm)) == 2)  # in the finalize
    dies(remove, lambda: first.create(checked))
    mark = sim.mark()
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and [c["step"] for c in outs["commands"]] == ["probe", "finalize[0]",
                                                                                      "generalize"]
    runs = eds(sim).invocations(REGION, desktop_ids=[vm])
    assert len(runs) == 5  # the first run's probe and finalize, then the re-run's three steps
    for before, after in zip(runs, runs[1:]):  # one at a time: each starts once the one before ended
        assert after.lifecycle.started_at >= before.lifecycle.started_at + before.lifecycle.duration
    assert steps(sim, vm, mark).count("StopDesktops") == 1
