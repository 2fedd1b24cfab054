"""GeneralizedVM on Huawei Cloud ECS through the real provider server: COC scripts confirmed by the guest, then stopped."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imageforge.providers import CustomImageProvider
from imageforge.providers.core import guest as lines
from imageforge.providers.huawei import coc as scripts
from imageforge.providers.huawei.vms import GENERALIZED_TAG
from imageforge.providers.resources.generalized_vm import STATE_TAG, GeneralizedVMProvider
from imageforge.simulator import Simulator
from imageforge.simulator.core.guest import SEALED
from imageforge.simulator.huawei import servers
from imageforge.simulator.huawei.coc import CocModel
from tests.crashes import dies, kill_after, kill_before, server_factory
from tests.engine import ProviderError, ProviderServer

REGION = "cn-north-4"
COC, ECS = "huawei-coc", "huawei-ims"
RUN = "ExecuteScript"


def coc(sim: Simulator) -> CocModel:
    return next(w for w in sim.wires if w.vendor == COC).model  # type: ignore[attr-defined,no-any-return]


def fresh(sim: Simulator, family: str = "linux") -> str:
    """A new ACTIVE server: tests never share a one-way generalization."""
    return servers.add_server(coc(sim).ims, REGION, family).id


def gvm(vm: str, **extra: Any) -> dict[str, Any]:
    return {"cloud": "huawei", "region": REGION, "vm": vm, "owner": f"proj/sim/{vm}", **extra}


def jobs(sim: Simulator, vm: str) -> list[dict[str, Any]]:
    """COC jobs on this server, oldest first."""
    return [j for j in reversed(coc(sim).jobs(REGION)) if j["instances"][0]["resource_id"] == vm]


def contents(sim: Simulator, vm: str, since: int = 0) -> list[list[str]]:
    """The scripts CreateScript sent for this server, as lines."""
    prefix = scripts.server_prefix(vm)
    return [str(r.params.get("content", "")).splitlines() for r in sim.requests(COC, "CreateScript", since=since)
            if str(r.params.get("name", "")).startswith(prefix) and not r.error]


def steps(sim: Simulator, vm: str, since: int = 0) -> list[str]:
    """Every write that touched the server: COC runs, tags, stops, deletes (reads left out)."""
    out = []
    for r in sim.requests(since=since):
        if r.action in (RUN, "BatchCreateServerTags", "BatchStopServers", "DeleteServers") and vm in str(r.params):
            out.append(r.action)
    return out


def tag(sim: Simulator, vm: str) -> str:
    return servers.tags(coc(sim).ims, REGION, vm).get(STATE_TAG, "")


def status(sim: Simulator, vm: str) -> str:
    return servers.status(coc(sim).ims, REGION, vm)[0]


def leftover_scripts(sim: Simulator, vm: str) -> list[str]:
    return [s["name"] for s in coc(sim).scripts(REGION, scripts.server_prefix(vm))]


def test_linux_probes_runs_the_scripts_in_order_cleans_up_then_stops(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    checked, failures = server.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["echo activate"],
                                                                                        "echo cleanup\necho done"]))
    assert failures == [] and checked["service"] == "ims"
    vm_id, outs = server.create(checked)
    assert vm_id == vm and outs["generalized"] is True and outs["power_state"] == "stopped"
    sent = contents(sim, vm)
    assert [s[1:] for s in sent] == [lines.probe("linux"), ["echo activate"], ["echo cleanup", "echo done"],
                                     lines.generalize("linux")]
    assert all(s[0] == "trap 'echo \"imageforge-exit-code=$?\"' EXIT" for s in sent)
    assert [c["step"] for c in outs["commands"]] == ["probe", "finalize[0]", "finalize[1]", "generalize"]
    assert [c["exit_code"] for c in outs["commands"]] == [lines.NOT_GENERALIZED, 0, 0, 0]
    assert outs["commands"][2]["stdout_tail"] == "cleanup\ndone"
    assert outs["commands"][3]["stdout_tail"] == "machine-id=empty ssh-host-keys=none"
    assert outs["source"] == {"instance": vm, "os_state": "Generalized"}
    assert steps(sim, vm) == [RUN] * 4 + ["BatchCreateServerTags", "BatchStopServers"] + ["BatchCreateServerTags"] * 2
    assert tag(sim, vm) == f"{checked['key']}/done"
    assert servers.tags(coc(sim).ims, REGION, vm).get(GENERALIZED_TAG) == "true"
    state = coc(sim).guest_state(REGION, vm)
    assert state.generalized and state.cloud_init == "clean" and status(sim, vm) == "SHUTOFF"
    made = [r.params for r in sim.requests(COC, "CreateScript")]
    assert {p["type"] for p in made} == {"SHELL"}
    assert {r.params["execute_param"]["timeout"] for r in sim.requests(COC, RUN)} == {scripts.TIMEOUT}
    assert leftover_scripts(sim, vm) == []  # every step's script deleted once it ran
    assert server.read(vm, outs)[1]["generalized"] is True


def test_windows_runs_sysprep_with_quit_in_a_bat_reads_the_image_state_then_stops(server: ProviderServer,
                                                                                  sim: Simulator) -> None:
    vm = fresh(sim, "windows")
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["Write-Output kms"]))
    assert outs["generalized"] is True and outs["os_type"] == "windows" and outs["power_state"] == "stopped"
    assert {r.params["type"] for r in sim.requests(COC, "CreateScript")} == {"BAT"}
    assert {r.params["execute_param"]["execute_user"] for r in sim.requests(COC, RUN)} == {"Administrator"}
    assert outs["commands"][1]["stdout_tail"] == "kms"
    assert outs["commands"][-1]["stdout_tail"].endswith(f"ImageState={SEALED}")
    assert "'/quit'" in " ".join(outs["commands"][-1]["script"])
    assert coc(sim).guest_state(REGION, vm).image_state == SEALED
    assert status(sim, vm) == "SHUTOFF" and leftover_scripts(sim, vm) == []


def test_a_failing_script_is_named_with_its_output_and_leaves_the_server_running_unmarked(
        server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    inputs = gvm(vm, finalize_scripts=["echo one", ["echo licensing", "# sim: fail 4 kms activation failed"],
                                       "echo never"])
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), inputs)
    details = failed.value.details
    assert "finalize[1] exited 4" in details and "kms activation failed" in details and "left running" in details
    assert len(jobs(sim, vm)) == 3  # probe, finalize[0], finalize[1]: nothing after the failure
    assert status(sim, vm) == "ACTIVE" and tag(sim, vm) == ""
    assert not coc(sim).guest_state(REGION, vm).generalized
    assert "BatchStopServers" not in steps(sim, vm) and leftover_scripts(sim, vm) == []


def test_an_offline_agent_is_reported_at_once_naming_the_server(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    servers.set_agent(coc(sim).ims, REGION, vm, "OFFLINE")
    before, mark = sim.ctx.now(), sim.mark()
    with pytest.raises(ProviderError) as refused:
        server.up(GeneralizedVMProvider(), gvm(vm, timeouts={"create": "10m"}))
    assert "agent offline" in refused.value.details and vm in refused.value.details
    assert "UniAgent is OFFLINE" in refused.value.details
    assert sim.ctx.now() - before < 60  # reported without waiting
    assert sim.requests(COC, RUN, since=mark) == [] and sim.requests(COC, "CreateScript", since=mark) == []
    servers.set_agent(coc(sim).ims, REGION, vm, "NONE")
    with pytest.raises(ProviderError) as missing:
        server.up(GeneralizedVMProvider(), gvm(vm))
    assert "agent offline" in missing.value.details and "no UniAgent is installed" in missing.value.details
    servers.set_agent(coc(sim).ims, REGION, vm, "")
    assert server.up(GeneralizedVMProvider(), gvm(vm))[1]["generalized"] is True


def test_check_and_diff_run_nothing_and_refuse_what_ecs_does_not_take(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    mark = sim.mark()
    checked, failures = server.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["echo x"]))
    assert failures == []
    assert server.diff(vm, checked, {**checked, "finalize_scripts": ["echo y"]}).kind == "replace"
    assert server.diff(vm, checked, {**checked, "keep_user": True}).kind == "replace"
    assert server.diff(vm, checked, {**checked, "delete_vm": True}).kind == "update"
    _, failures = server.check(GeneralizedVMProvider(), gvm("golden-linux"))
    assert [f for f, _ in failures] == ["vm"] and "ECS server id" in failures[0][1]
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, keep_user=False))
    assert [f for f, _ in failures] == ["keep_user"] and "removes no account" in failures[0][1]
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, resource_group="rg"))
    assert [f for f, _ in failures] == ["resource_group"]
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["x" * 5000]))
    assert [f for f, _ in failures] == ["finalize_scripts[0]"] and "4096" in failures[0][1]
    _, failures = server.check(GeneralizedVMProvider(), gvm(vm, region="mars-1"))
    assert [f for f, _ in failures] == ["region"]
    assert sim.requests(since=mark) == []


def test_a_windows_step_too_long_once_encoded_is_refused_before_it_runs(server: ProviderServer,
                                                                       sim: Simulator) -> None:
    vm = fresh(sim, "windows")
    with pytest.raises(ProviderError) as refused:
        server.up(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["Write-Output " + "x" * 2500]))
    assert "4096" in refused.value.details and "split it" in refused.value.details
    assert len(jobs(sim, vm)) == 1  # only the probe ran
    assert status(sim, vm) == "ACTIVE" and tag(sim, vm) == ""


def test_the_capture_of_the_generalized_server_takes_its_source(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm))
    image = {"cloud": "huawei", "region": REGION, "name": "golden-sealed", "source": outs["source"],
             "owner": "proj/sim/sealed"}
    mark = sim.mark()
    _, made = server.up(CustomImageProvider(), image)
    assert made["status"] == "available" and made["warnings"] == []  # stopped: no "running" warning
    assert sim.requests(ECS, "CreateImage", since=mark)[0].params["instance_id"] == vm


def test_a_server_started_again_is_not_captured_as_generalized(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm))
    state = servers.state(coc(sim).ims, REGION, vm)
    state.update(stop_started=None, stop_at=None)  # as BatchStartServers would leave it
    servers.set_state(coc(sim).ims, REGION, vm, state)
    assert server.read(vm, outs)[1]["generalized"] is False
    with pytest.raises(ProviderError) as refused:
        server.up(CustomImageProvider(), {"cloud": "huawei", "region": REGION, "name": "golden-again",
                                          "source": outs["source"], "owner": "proj/sim/again"})
    assert "started after its guest was generalized" in refused.value.details


def test_guest_prepared_only_stops_and_delete_vm_deletes(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm, guest_prepared=True))
    assert outs["generalized"] is True and outs["commands"] == [] and jobs(sim, vm) == []
    server.delete(vm, outs)  # delete_vm false: the server stays
    assert server.read(vm, outs)[0] == vm
    server.delete(vm, {**outs, "delete_vm": True})
    assert server.read(vm, outs)[0] == "" and "DeleteServers" in steps(sim, vm)


# crashes: a re-run converges ---------------------------------------------------------------
@pytest.fixture
def fresh_server(sim: Simulator, tmp_path: Path) -> Iterator[Any]:
    with server_factory(sim, tmp_path) as make:
        yield make


def crash_on(sim: Simulator, action: str, vm: str, dead: ProviderServer, nth: int = 1) -> Any:
    """Kill the provider when it sends its nth `action` for this server; that request never reaches the cloud."""
    return kill_before(sim, dead, lambda call: call.action == action and vm in str(call.params), nth)


@pytest.mark.parametrize("family", ["linux", "windows"])
def test_a_crash_after_the_guest_generalized_resumes_by_probing_only(fresh_server: Any, sim: Simulator,
                                                                     family: str) -> None:
    vm = fresh(sim, family)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["echo once"]]))
    remove = crash_on(sim, "BatchCreateServerTags", vm, first)  # dies writing the prepared marker
    dies(remove, lambda: first.create(checked))
    assert tag(sim, vm) == "" and len(jobs(sim, vm)) == 3
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and [c["step"] for c in outs["commands"]] == ["probe"]
    assert "the finalize scripts did not run" in outs["warnings"][0] and len(jobs(sim, vm)) == 4
    assert leftover_scripts(sim, vm) == []


def test_a_crash_after_the_prepared_marker_resumes_with_the_stop(fresh_server: Any, sim: Simulator) -> None:
    vm = fresh(sim)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm))
    remove = crash_on(sim, "BatchStopServers", vm, first)
    dies(remove, lambda: first.create(checked))
    assert tag(sim, vm) == f"{checked['key']}/prepared"
    mark = sim.mark()
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and outs["commands"] == []
    assert steps(sim, vm, mark) == ["BatchStopServers", "BatchCreateServerTags", "BatchCreateServerTags"]


def test_a_step_still_running_from_a_crashed_run_is_waited_out_and_its_script_reused(fresh_server: Any,
                                                                                     sim: Simulator) -> None:
    vm = fresh(sim)
    first = fresh_server()
    checked, _ = first.check(GeneralizedVMProvider(), gvm(vm, finalize_scripts=[["# sim: takes 900", "echo slow"]]))
    remove = kill_after(sim, first, RUN, nth=2)  # finalize[0] was accepted: the provider dies while it runs
    dies(remove, lambda: first.create(checked))
    assert len(leftover_scripts(sim, vm)) == 1  # finalize[0]'s script, its job still running
    started = sim.ctx.now()
    mark = sim.mark()
    _, outs = fresh_server().create(checked)
    assert outs["generalized"] is True and [c["step"] for c in outs["commands"]] == ["probe", "finalize[0]",
                                                                                      "generalize"]
    again = [r for r in sim.requests(COC, RUN, since=mark) if not r.error]
    assert again[0].at >= started + 890  # the earlier finalize[0] ended before anything new started
    assert leftover_scripts(sim, vm) == []  # the crashed run's script was deleted


def test_a_script_that_shuts_the_guest_down_fails_at_once_as_agent_offline(server: ProviderServer,
                                                                          sim: Simulator) -> None:
    vm = fresh(sim)
    before = sim.ctx.now()
    with pytest.raises(ProviderError) as failed:
        server.up(GeneralizedVMProvider(), gvm(vm, finalize_scripts=["echo bye\nshutdown -h now"]))
    assert "finalize[0] exited -1" in failed.value.details and "went offline while the step ran" in failed.value.details
    assert sim.ctx.now() - before < 600  # not COC's 30-minute timeout
    assert tag(sim, vm) == "" and leftover_scripts(sim, vm) == []


def test_a_release_target_on_huawei_generalizes_before_its_capture(sim: Simulator) -> None:
    from imageforge.simulator import offline

    vm = fresh(sim, "linux")

    def program() -> None:
        import pulumi

        from imageforge.components import ImageRelease

        release = ImageRelease("sealed", image_name="golden-sealed-hw", endpoint="sim", targets=[
            {"name": "beijing", "cloud": "huawei", "region": REGION, "source": {"instance": vm},
             "generalize": {"finalize_scripts": [["echo setup"]]}}])
        pulumi.export("targets", release.targets)

    result = offline.run(program)
    target = result.outputs["targets"]["beijing"]
    assert target["status"] == "available"
    assert coc(sim).guest_state(REGION, vm).generalized
    runs_at = [r.at for r in sim.requests(COC, RUN)]
    assert max(runs_at) < sim.requests(ECS, "CreateImage")[0].at  # the capture waited for the guest
    offline.destroy(result)


def test_every_input_may_be_unknown_at_preview(server: ProviderServer, sim: Simulator) -> None:
    from imageforge.providers.resources.schemas import GENERALIZED_VM
    from tests.contract.test_unknowns import variants

    inputs = gvm("11111111-0000-4000-8000-000000000001", finalize_scripts=["echo one", ["echo two"]], keep_user=True,
                 guest_prepared=False)
    assert server.check(GeneralizedVMProvider(), inputs)[1] == []
    mark = sim.mark()
    names = tuple(f.name for f in GENERALIZED_VM.fields if not f.internal)
    refused = {what: failures for what, varied in variants(inputs, names)
               if (failures := server.check(GeneralizedVMProvider(), varied)[1])}
    assert refused == {} and sim.requests(since=mark) == []


def test_a_lost_create_script_reply_reuses_the_script_it_made(server: ProviderServer, sim: Simulator) -> None:
    vm = fresh(sim)
    sim.inject(COC, "CreateScript", "lost", status=502)
    _, outs = server.up(GeneralizedVMProvider(), gvm(vm))
    assert outs["generalized"] is True and leftover_scripts(sim, vm) == []
    made = [r for r in sim.requests(COC, "CreateScript") if str(r.params.get("name", "")).startswith(
        scripts.server_prefix(vm))]
    assert made[0].status == 502  # the lost reply: the retry found the script it made and did not make it again
    assert len({r.params["name"] for r in made}) == len(made) == 2  # the probe's and the generalization's
    assert len(jobs(sim, vm)) == 2  # probe and generalize, each once
