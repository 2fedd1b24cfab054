"""BakedImage on every service that bakes, through the real provider server against the simulator.

One create launches a build VM from a base image, provisions and generalizes it through the
service's guest channel, captures it and removes it; whatever fails, nothing of the build is left.
"""
from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from imageforge.providers import BakedImageProvider
from imageforge.providers.core import registry
from imageforge.simulator import Simulator
from tests.contract.cases import ServiceCase, all_cases
from tests.crashes import dies, server_factory
from tests.engine import ProviderError, ProviderServer
from tests.faults.campaign import is_read

BAKING = [pytest.param(case, id=f"{key[0]}-{key[1]}") for key, case in sorted(all_cases().items()) if case.build]


def baked(case: ServiceCase, name: str, **extra: Any) -> dict[str, Any]:
    return {**case.build, "owner": f"proj/sim/{name}", "name": name, **extra}


def images(sim: Simulator) -> set[Any]:
    return sim.inventory()


@pytest.mark.parametrize("case", BAKING)
def test_a_bake_provisions_generalizes_captures_and_removes_its_build_vm(server: ProviderServer, sim: Simulator,
                                                                          case: ServiceCase) -> None:
    if case.setup is not None:
        case.setup(sim)
    before = images(sim)
    image_id, outs = server.up(BakedImageProvider(), baked(case, "web-baked-1",
                                                           provision=[["echo install nginx"], "echo tune sysctl"]))
    assert outs["status"] == "available" and image_id in {i for _, _, i in images(sim) - before}
    assert outs["base"]["image_id"] and outs["base"]["name"], outs["base"]  # traceable to its base
    steps = [c["step"] for c in outs["build"]["commands"]]
    assert steps[0] == "probe" and steps[1:] == ["finalize[0]", "finalize[1]", "generalize"], steps
    assert all(c["exit_code"] == 0 for c in outs["build"]["commands"][1:])
    assert "install nginx" in outs["build"]["commands"][1]["stdout_tail"] + str(outs["build"]["commands"][1]["script"])
    assert outs["build"]["vm_id"] and outs["build"]["removed"] is True
    assert sim.build_objects() == set(), "the build VM, its disks and NICs are gone once the image exists"
    _, refreshed = server.read(image_id, outs)
    assert refreshed["base"] == outs["base"] and refreshed["build"]["vm_id"] == outs["build"]["vm_id"]
    news, failures = server.check(BakedImageProvider(), {**baked(case, "web-baked-1", provision=[
        ["echo install nginx"], "echo tune sysctl"]), "description": "renamed in place"}, olds=outs)
    assert not failures and server.diff(image_id, outs, news).kind == "update"
    updated = server.update(image_id, outs, news)
    assert updated["base"] == outs["base"] and updated["image_id"] == image_id
    server.delete(image_id, updated)
    assert images(sim) == before


@pytest.mark.parametrize("case", BAKING)
def test_a_failing_provision_script_removes_the_build_vm_and_names_the_step(server: ProviderServer, sim: Simulator,
                                                                           case: ServiceCase) -> None:
    if case.setup is not None:
        case.setup(sim)
    before = images(sim)
    checked, failures = server.check(BakedImageProvider(), baked(case, "web-baked-2", provision=[
        ["echo step one"], ["echo broken package", "# sim: fail 4 package not found"]]))
    assert not failures
    with pytest.raises(ProviderError) as caught:
        server.create(checked)
    assert "finalize[1] exited 4" in caught.value.details, caught.value.details
    assert sim.build_objects() == set(), "a failed bake removes its build VM"
    assert images(sim) == before, "a failed bake makes no image"


@pytest.mark.parametrize("case", BAKING)
def test_bad_network_input_is_refused_in_check_before_any_call(server: ProviderServer, sim: Simulator,
                                                               case: ServiceCase) -> None:
    spec = registry.spec_for(case.cloud, case.service).build
    assert spec is not None
    mark = sim.mark()
    _, failures = server.check(BakedImageProvider(), baked(case, "web-baked-3",
                                                           network={**case.build["network"], "no_such_key": "x"}))
    assert "network.no_such_key" in {f for f, _ in failures}, failures
    required = [p.name for p in spec.network if p.required]
    if required:
        network = {k: v for k, v in case.build["network"].items() if k != required[0]}
        _, failures = server.check(BakedImageProvider(), baked(case, "web-baked-3", network=network))
        reasons = dict(failures)
        assert f"network.{required[0]}" in reasons and "Fix:" in reasons[f"network.{required[0]}"], failures
    assert sim.requests(since=mark) == []


@pytest.mark.parametrize("case", BAKING)
def test_an_unknown_base_image_fails_before_anything_is_launched(server: ProviderServer, sim: Simulator,
                                                                 case: ServiceCase) -> None:
    if case.setup is not None:
        case.setup(sim)
    checked, failures = server.check(BakedImageProvider(), baked(case, "web-baked-4", base_image="no-such-base-image"))
    assert not failures
    with pytest.raises(ProviderError) as caught:
        server.create(checked)
    assert "no-such-base-image" in caught.value.details
    assert sim.build_objects() == set()


@pytest.mark.parametrize("case", BAKING)
def test_a_bake_killed_after_the_launch_is_finished_by_a_rerun_with_no_state(sim: Simulator, tmp_path: Any,
                                                                              case: ServiceCase) -> None:
    """The provider dies once the cloud accepted the launch: the next run finds the tagged VM, removes it, bakes once."""
    if case.setup is not None:
        case.setup(sim)
    before = images(sim)
    with server_factory(sim, tmp_path) as make:
        first = make()
        checked, failures = first.check(BakedImageProvider(), baked(case, "web-baked-5"))
        assert not failures
        remove = sim.hook(kill_after_first_tagged_write(first, str(checked["key"])))
        dies(remove, lambda: first.create(checked))
        assert sim.build_objects(), "the killed run left its build VM for the next run to find"
        second = make()
        image_id, outs = second.create(checked)
        assert sim.build_objects() == set()
        assert {i for _, _, i in images(sim) - before} == {image_id}
        second.delete(image_id, outs)
    assert images(sim) == before


def kill_after_first_tagged_write(dead: ProviderServer, key: str) -> Any:
    """Kill the provider once the first request carrying the identity key (the launch: its tags) reached the cloud."""
    def hook(phase: str, _vendor: str, call: Any) -> None:
        params = str(call.params)
        dry_run = "'dry_run': True" in params  # a launch's check (Huawei CreateServers dry_run) makes nothing
        if phase == "after" and not is_read(call.action) and key in params and not dry_run and dead.process.poll() is None:
            os.kill(dead.process.pid, signal.SIGKILL)

    return hook
