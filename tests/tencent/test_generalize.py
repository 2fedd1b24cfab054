"""GeneralizedVM on Tencent CVM through the real provider server: TAT guest steps, confirmed by the guest, then stopped."""
from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imageforge.providers import CustomImageProvider
from imageforge.providers.resources.generalized_vm import STATE_TAG, GeneralizedVMProvider
from imageforge.providers.core import guest as lines
from imageforge.providers.tencent import guest as scripts
from imageforge.providers.tencent.vms import GENERALIZED_TAG
from imageforge.simulator import Simulator
from imageforge.simulator.tencent import instances
from imageforge.simulator.core.guest import SEALED
from imageforge.simulator.tencent.records import Instance
from imageforge.simulator.tencent.tat import TatModel
from tests.crashes import dies, kill_before, server_factory
from tests.engine import ProviderError, ProviderServer

REGION = "ap-guangzhou"
TAT, CVM = "tencent-tat", "tencent-cvm"
RUN = "RunCommand"


def tat(sim: Simulator) -> TatModel:
    return next(w for w in sim.wires if w.vendor == TAT).model  # type: ignore[attr-defined,no-any-return]


def fresh(sim: Simulator, family: str = "linux") -> str:
    """A new RUNNING instance: tests never share a one-way generalization."""
    return instances.add_instance(tat(sim).cvm, REGION, family).instance_id


def gvm(vm: str, **extra: Any) -> dict[str, Any]:
    return {"cloud": "tencent", "region": REGION, "vm": vm, "owner": f"proj/sim/{vm}", **extra}


def instance(sim: Simulator, vm: str) -> Instance:
    return tat(sim).cvm.instance(REGION, vm)


def runs(sim: Simulator, vm: str, since: int = 0) -> list[list[str]]:
    """The scripts RunCommand sent to this instance, decoded, in order."""
    return [base64.b64decode(r.params["Content"]).decode().splitlines() for r in sim.requests(TAT, RUN, since=since)
            if r.params.get("InstanceIds") == [vm] and r.status == 200 and not r.error]


def steps(sim: Simulator, vm: str, since: int = 0) -> list[str]:
    """Every call that touched the instance: TAT runs, tags, stops (reads left out)."""
    out = []
    for r in sim.requests(since=since):
        target = r.params.get("InstanceIds") or r.params.get("ResourceList") or []
        if r.action in (RUN, "TagResources", "StopInstances", "TerminateInstances") and any(vm in t for t in target):
            out.append(r.action)
    return out


def tag(sim: Simulator, vm: str) -> str:
    return dict(instance(sim, vm).tags).get(STATE_TAG, "")


def test_linux_probes_runs_the_scripts_in_order_cleans_up_then_stops(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    checked, failures = server.check(GeneralizedVMProvider(), {**gvm(vm), "cloud": "tencent",
                                                               "finalize_scripts": [["echo activate"],
                                                                                    "echo cleanup\necho done"]})
    assert failures == [] and checked["service"] == "cvm"
    vm_id, outs = server.create(checked)
    assert vm_id == vm and outs["generalized"] is True and outs["power_state"] == "stopped"
    assert runs(sim, vm) == [lines.probe("linux"), ["echo activate"], ["echo cleanup", "echo done"],
                             lines.generalize("linux")]
    assert [c["step"] for c in outs["commands"]] == ["probe", "finalize[0]", "finalize[1]", "generalize"]
    assert [c["exit_code"] for c in outs["commands"]] == [lines.NOT_GENERALIZED, 0, 0, 0]
    assert outs["commands"][2]["stdout_tail"] == "cleanup\ndone"
    assert outs["commands"][3]["stdout_tail"] == "machine-id=empty ssh-host-keys=none"
    assert outs["source"] == {"instance": vm, "os_state": "Generalized"} and outs["os_state"] == "Generalized"
    # the prepared marker after the last guest command, the stop (no deallocate step), the generalized tag, done
    assert steps(sim, vm) == [RUN] * 4 + ["TagResources", "StopInstances", "TagResources", "TagResources"]
    assert tag(sim, vm) == f"{checked['key']}/done"
    assert dict(instance(sim, vm).tags).get(GENERALIZED_TAG) == "true"
    state = tat(sim).guest_state(REGION, vm)
    assert state.generalized and state.cloud_init == "clean" and instance(sim, vm).state_at(sim.ctx.now()) == "STOPPED"
    assert [r.params["CommandType"] for r in sim.requests(TAT, RUN)] == ["SHELL"] * 4
    assert {r.params["Timeout"] for r in sim.requests(TAT, RUN)} == {scripts.COMMAND_TIMEOUT}
    assert server.read(vm, outs)[1]["generalized"] is True  # STOPPED, tagged imageforge-generalized=true


def test_windows_runs_sysprep_with_quit_reads_the_image_state_then_stops_it(server: ProviderServer,
                                                                            sim: Simulator) -> None:
    vm = fresh(sim, "windows")
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["Write-Output kms"]))
    assert outs["generalized"] is True and outs["os_type"] == "windows" and outs["power_state"] == "stopped"
    assert [r.params["CommandType"] for r in sim.requests(TAT, RUN)] == ["POWERSHELL"] * 3
    prep = runs(sim, vm)[2]
    panther = next(i for i, line in enumerate(prep) if "Remove-Item" in line and r"C:\Windows\Panther" in line)
    sysprep = next(i for i, line in enumerate(prep) if "Sysprep.exe" in line)
    assert panther < sysprep and "'/quit'" in prep[sysprep] and "/shutdown" not in prep[sysprep]
    assert outs["commands"][-1]["stdout_tail"] == f"ImageState={SEALED}"
    assert tat(sim).guest_state(REGION, vm).image_state == SEALED
    assert steps(sim, vm)[3:] == ["TagResources", "StopInstances", "TagResources", "TagResources"]


def test_a_failing_script_is_named_with_its_output_and_leaves_the_instance_running_unmarked(
        server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    inputs = gvm(vm, finalize_scripts=["echo one", ["echo licensing", "# sim: fail 4 kms activation failed"],
                                       "echo never"])
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), inputs)
    details = failed.value.details
    assert "finalize[1] exited 4" in details and "kms activation failed" in details and "left running" in details
    assert len(runs(sim, vm)) == 3  # probe, finalize[0], finalize[1]: nothing after the failure
    assert instance(sim, vm).state_at(sim.ctx.now()) == "RUNNING" and tag(sim, vm) == ""
    assert not tat(sim).guest_state(REGION, vm).generalized
    assert "StopInstances" not in steps(sim, vm)


def test_an_offline_agent_is_reported_at_once_naming_the_instance(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    tat(sim).set_agent(REGION, vm, "Offline")
    before, mark = sim.ctx.now(), sim.mark()
    with pytest.raises(ProviderError) as refused:
        server.up(GeneralizedVMProvider(), gvm(vm, timeouts={"create": "10m"}))
    assert "agent offline" in refused.value.details and vm in refused.value.details
    assert sim.ctx.now() - before < 60  # reported without waiting
    assert sim.requests(TAT, RUN, since=mark) == [] and tag(sim, vm) == ""
    tat(sim).set_agent(REGION, vm, "NotInstalled")
    with pytest.raises(ProviderError) as missing:
        server.up(GeneralizedVMProvider(), gvm(vm))
    assert "agent offline" in missing.value.details and "no TAT agent is installed" in missing.value.details
    tat(sim).set_agent(REGION, vm, "")
    assert server.up(GeneralizedVMProvider(), gvm(vm))[1]["generalized"] is True


def test_check_and_diff_run_nothing_and_refuse_what_cvm_does_not_take(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    mark = sim.mark()
    checked, failures = server.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["echo x"]))
    assert failures == []
    assert server.diff(vm, checked, {**checked, "finalize_scripts": ["echo y"]}).kind == "replace"
    assert server.diff(vm, checked, {**checked, "delete_vm": True}).kind == "update"
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux"))
    assert [f for f, _ in failures] == ["vm"]
    _, failures = server.check(GeneralizedVMProvider(), {**gvm(vm), "cloud": None})  # more than one cloud generalizes
    assert [f for f, _ in failures] == ["cloud"] and "azure" in failures[0][1] and "tencent" in failures[0][1]
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, keep_user=False))
    assert [f for f, _ in failures] == ["keep_user"] and "removes no account" in failures[0][1]
    assert server.check(GeneralizedVMProvider(), gvm(vm, keep_user=True))[1] == []
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, resource_group="rg"))
    assert [f for f, _ in failures] == ["resource_group"]
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["x" * 50_000]))
    assert [f for f, _ in failures] == ["finalize_scripts[0]"] and "64 KB" in failures[0][1]
    assert sim.requests(since=mark) == []


def test_the_capture_of_the_generalized_instance_takes_its_source(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim, "windows")
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm))
    image = {"cloud": "tencent", "region": REGION, "name": "golden-sealed", "source": outs["source"],
             "owner": "proj/sim/sealed"}
    _, failures = server.check(CustomImageProvider(), {**image, "sysprep": True})
    assert [f for f, _ in failures] == ["sysprep"] and "already ran" in failures[0][1]
    mark = sim.mark()
    _, made = server.up(CustomImageProvider(), image)
    assert made["status"] == "available" and made["warnings"] == []  # no "captured without Sysprep" warning
    create = sim.requests(CVM, "CreateImage", since=mark)[0].params
    assert create["InstanceId"] == vm and "Sysprep" not in create


def test_an_instance_started_again_is_not_captured_as_generalized(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm))
    inst = instance(sim, vm)
    inst.stop, inst.state = None, "RUNNING"  # as StartInstances would leave it
    tat(sim).cvm.put_instance(REGION, inst)
    assert server.read(vm, outs)[1]["generalized"] is False
    with pytest.raises(ProviderError) as refused:
        server.up(CustomImageProvider(), {"cloud": "tencent", "region": REGION, "name": "golden-again",
                                          "source": outs["source"], "owner": "proj/sim/again"})
    assert "started after its guest was generalized" in refused.value.details


def test_guest_prepared_only_stops_and_delete_vm_terminates(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm, guest_prepared=True))
    assert outs["generalized"] is True and outs["commands"] == [] and runs(sim, vm) == []
    server.delete(vm, outs)  # delete_vm false: the instance stays
    assert server.read(vm, outs)[0] == vm
    server.delete(vm, {**outs, "delete_vm": True})
    assert server.read(vm, outs)[0] == "" and "TerminateInstances" in steps(sim, vm)


# crashes: a re-run converges ---------------------------------------------------------------
@pytest.fixture
def fresh_server(sim: Simulator, tmp_path: Path) -> Iterator[Any]:
    with server_factory(sim, tmp_path) as make:
        yield make


def crash_on(sim: Simulator, action: str, vm: str, dead: ProviderServer, nth: int = 1) -> Any:
    """Kill the provider when it sends its nth `action` for this instance; that request never reaches the cloud."""
    def targets(call: Any) -> list[str]:
        return list(call.params.get("InstanceIds") or call.params.get("ResourceList") or [])

    return kill_before(sim, dead, lambda call: call.action == action and any(vm in t for t in targets(call)), nth)


@pytest.mark.parametrize("family", ["linux", "windows"])
def test_a_crash_after_the_guest_generalized_resumes_by_probing_only(fresh_server: Any, sim: Simulator,
                                                                     family: str) -> None:
    vm = fresh(sim, family)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["echo once"]]))
    remove = crash_on(sim, "TagResources", vm, first)  # dies writing the prepared marker
    dies(remove, lambda: first.create(checked))
    assert tag(sim, vm) == "" and len(runs(sim, vm)) == 3
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and [c["step"] for c in outs["commands"]] == ["probe"]
    assert "the finalize scripts did not run" in outs["warnings"][0] and len(runs(sim, vm)) == 4


def test_a_crash_after_the_prepared_marker_resumes_with_the_stop(fresh_server: Any, sim: Simulator) -> None:
    vm = fresh(sim)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm))
    remove = crash_on(sim, "StopInstances", vm, first)
    dies(remove, lambda: first.create(checked))
    assert tag(sim, vm) == f"{checked['key']}/prepared"
    mark = sim.mark()
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and outs["commands"] == []
    assert steps(sim, vm, mark) == ["StopInstances", "TagResources", "TagResources"]


def test_a_step_still_running_from_a_crashed_run_is_waited_out(fresh_server: Any, sim: Simulator) -> None:
    vm = fresh(sim)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["# sim: takes 900", "echo slow"]]))
    sent: list[int] = []

    def die_after_second_run(phase: str, vendor: str, call: Any) -> None:
        if phase == "after" and call.action == RUN and call.params.get("InstanceIds") == [vm]:
            sent.append(1)
            if len(sent) == 2:  # finalize[0] was accepted: the provider dies while it runs in the guest
                first.process.kill()

    remove = sim.hook(die_after_second_run)
    dies(remove, lambda: first.create(checked))
    started = sim.ctx.now()
    mark = sim.mark()
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and [c["step"] for c in outs["commands"]] == ["probe", "finalize[0]",
                                                                                      "generalize"]
    again = [r for r in sim.requests(TAT, RUN, since=mark) if not r.error]
    assert again[0].at >= started + 890  # the earlier finalize[0] ended before anything new started


def test_a_script_that_shuts_the_guest_down_fails_at_once_as_agent_offline(server: ProviderServer,
                                                                          sim: Simulator) -> None:
    vm = fresh(sim)
    before = sim.ctx.now()
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["echo bye\nshutdown -h now"]))
    assert "finalize[0] exited -1" in failed.value.details and "went offline while the step ran" in failed.value.details
    assert sim.ctx.now() - before < 600  # not TAT's hour-long Timeout
    assert tag(sim, vm) == ""


def test_a_release_target_on_tencent_generalizes_before_its_capture(sim: Simulator) -> None:
    from imageforge.simulator import offline

    vm = fresh(sim, "windows")

    def program() -> None:
        import pulumi

        from imageforge.components import ImageRelease

        release = ImageRelease("sealed", image_name="golden-sealed-win", endpoint="sim", targets=[
            {"name": "guangzhou", "cloud": "tencent", "region": REGION, "source": {"instance": vm},
             "generalize": {"finalize_scripts": [["Write-Output kmssetup"]]}, "regions": ["ap-shanghai"]}])
        pulumi.export("targets", release.targets)

    result = offline.run(program)
    target = result.outputs["targets"]["guangzhou"]
    assert target["status"] == "available" and sorted(target["regions"]) == ["ap-guangzhou", "ap-shanghai"]
    assert tat(sim).guest_state(REGION, vm).image_state == SEALED
    runs_at = [r.at for r in sim.requests(TAT, RUN)]
    assert max(runs_at) < sim.requests(CVM, "CreateImage")[0].at  # the capture waited for the guest
    offline.destroy(result)


def test_every_input_may_be_unknown_at_preview(server: ProviderServer, sim: Simulator) -> None:
    from imageforge.providers.resources.schemas import GENERALIZED_VM
    from tests.contract.test_unknowns import variants

    inputs = gvm("ins-gzlnx001", finalize_scripts=["echo one", ["echo two"]], keep_user=True, guest_prepared=False)
    assert server.check(GeneralizedVMProvider(), inputs)[1] == []
    mark = sim.mark()
    names = tuple(f.name for f in GENERALIZED_VM.fields if not f.internal)
    refused = {what: failures for what, varied in variants(inputs, names)
               if (failures := server.check(GeneralizedVMProvider(), varied)[1])}
    assert refused == {} and sim.requests(since=mark) == []
