"""The same behaviours over every service in the registry, through the real provider server and the simulator.

Create, adopt after an interrupted create, read of a vanished object, update in place, delete that
waits out Creating, a failed capture cleaned up, and regions added, removed and failed. Cloud state
is made through the providers (the real vendor SDKs) and the simulator's documented controls
(faults, hooks, inventory), never through its store.
"""
from __future__ import annotations

from typing import Any

import pytest

from imageforge.providers import CustomImageProvider, ImageRegionSetProvider
from imageforge.providers.core import registry
from imageforge.simulator import Simulator
from tests.contract.cases import ServiceCase, all_cases
from tests.crashes import kill_after
from tests.engine import ProviderError, ProviderServer

CASES = all_cases()


def services(need_copy: bool = False) -> list[Any]:
    out = []
    for key in registry.SERVICES:
        case = CASES.get(key)
        if case is None or (need_copy and (case.copy is None or len(case.regions) < 2)):
            continue
        out.append(pytest.param(case, id=f"{key[0]}-{key[1]}"))
    return out


def action_of(case: ServiceCase, operation: str) -> str:
    """The vendor action that starts an operation, read from the service's declaration of `name`/`regions`."""
    spec = registry.spec_for(case.cloud, case.service).operation(operation)
    assert spec is not None
    for row in (*spec.inputs, *spec.source):
        if row.logged:
            return row.logged.split(":", 1)[0]
    raise AssertionError(f"{case.cloud}/{case.service} declares no logged row for {operation}")


def prepared(case: ServiceCase, sim: Simulator) -> ServiceCase:
    if case.setup is not None:
        case.setup(sim)
    return case


def capture(server: ProviderServer, case: ServiceCase, **extra: Any) -> tuple[str, dict[str, Any]]:
    return server.up(CustomImageProvider(), {**case.capture, "owner": "contract/sim/image", **extra})


def copies(case: ServiceCase, image_id: str, regions: list[str]) -> dict[str, Any]:
    assert case.copy is not None
    return {**case.copy(image_id), "regions": regions, "owner": "contract/sim/regions"}



@pytest.mark.parametrize("case", services())
def test_capture_reaches_available_and_reports_it(server: ProviderServer, sim: Simulator, case: ServiceCase) -> None:
    prepared(case, sim)
    before = sim.inventory()
    image_id, outs = capture(server, case)
    assert outs["image_id"] == image_id and outs["status"] == "available" and outs["progress"] == 100
    assert [i for _, _, i in sim.inventory() - before] == [image_id]


@pytest.mark.parametrize("case", services())
def test_a_rerun_after_a_crash_adopts_the_capture_instead_of_making_another(sim: Simulator, tmp_path: Any,
                                                                              case: ServiceCase) -> None:
    prepared(case, sim)
    env = {"IMAGEFORGE_SIM_HOME": str(sim.home), "IMAGEFORGE_PROGRESS_LOG": str(tmp_path / "p.log")}
    first = ProviderServer(env=env)
    first.configure({"imageforge:endpoint": "sim"})
    before = sim.inventory()
    remove = kill_after(sim, first, action_of(case, "capture"))
    with pytest.raises(ProviderError):
        capture(first, case)
    remove()
    first.close()
    again = ProviderServer(env=env)
    again.configure({"imageforge:endpoint": "sim"})
    try:
        image_id, outs = capture(again, case)
    finally:
        again.close()
    assert outs["status"] == "available"
    assert [i for _, _, i in sim.inventory() - before] == [image_id]  # one image, not two


@pytest.mark.parametrize("case", services())
def test_read_of_a_vanished_image_returns_an_empty_id(server: ProviderServer, sim: Simulator, case: ServiceCase) -> None:
    prepared(case, sim)
    image_id, state = capture(server, case)
    assert server.read(image_id, state)[0] == image_id
    server.delete(image_id, state)  # removed behind this state's back
    assert server.read(image_id, state)[0] == ""


@pytest.mark.parametrize("case", services())
def test_tags_update_in_place_with_full_outputs(server: ProviderServer, sim: Simulator, case: ServiceCase) -> None:
    prepared(case, sim)
    spec = registry.spec_for(case.cloud, case.service)
    image_id, state = capture(server, case)
    change = {"tags": {"team": "web"}} if spec.traits.tags else {"description": "patched in place"}
    verdict, outs = server.change(CustomImageProvider(), image_id, state, {**case.capture, "owner": "contract/sim/image",
                                                                          **change})
    assert verdict.kind == "update" and outs["image_id"] == image_id and outs["status"] == "available"
    if spec.traits.tags:
        assert outs["image_tags"] == {"team": "web"}


@pytest.mark.parametrize("case", services())
def test_delete_waits_out_creating_then_deletes(sim: Simulator, tmp_path: Any, case: ServiceCase) -> None:
    prepared(case, sim)
    env = {"IMAGEFORGE_SIM_HOME": str(sim.home), "IMAGEFORGE_PROGRESS_LOG": str(tmp_path / "p.log")}
    first = ProviderServer(env=env)
    first.configure({"imageforge:endpoint": "sim"})
    checked, _ = first.check(CustomImageProvider(), {**case.capture, "owner": "contract/sim/image"})
    before = sim.inventory()
    remove = kill_after(sim, first, action_of(case, "capture"))
    with pytest.raises(ProviderError):
        first.create(checked)
    remove()
    first.close()
    made = sim.inventory() - before
    assert len(made) == 1
    image_id = next(iter(made))[2]
    again = ProviderServer(env=env)
    again.configure({"imageforge:endpoint": "sim"})
    try:
        mark = sim.mark()
        again.delete(image_id, {**checked, "image_id": image_id})
    finally:
        again.close()
    assert sim.inventory() - before == set()
    refused = [r for r in sim.requests(since=mark) if r.status >= 400]
    assert refused == [], f"a delete was sent while the image was still being created: {refused}"


@pytest.mark.parametrize("case", services())
def test_a_failed_capture_leaves_nothing_and_says_why(server: ProviderServer, sim: Simulator, case: ServiceCase) -> None:
    prepared(case, sim)
    before = sim.inventory()
    sim.inject(case.vendor, action_of(case, "capture"), "fail")
    with pytest.raises(ProviderError) as caught:
        capture(server, case)
    last = caught.value.details.strip().splitlines()[-1]
    assert "nothing is left behind" in last or "no image is left" in last, last
    assert sim.inventory() - before == set()


@pytest.mark.parametrize("case", services(need_copy=True))
def test_regions_added_removed_and_failed(server: ProviderServer, sim: Simulator, case: ServiceCase) -> None:
    prepared(case, sim)
    a, b = case.regions[0], case.regions[1]
    image_id, _ = capture(server, case)
    before = sim.inventory()
    set_id, state = server.up(ImageRegionSetProvider(), copies(case, image_id, [a]))
    assert set(state["image_ids"]) == {a}
    verdict, state = server.change(ImageRegionSetProvider(), set_id, state, copies(case, image_id, [a, b]))
    assert verdict.kind == "update" and set(state["image_ids"]) == {a, b}
    verdict, state = server.change(ImageRegionSetProvider(), set_id, state, copies(case, image_id, [b]))
    assert verdict.kind == "update" and set(state["image_ids"]) == {b}
    assert {region for _, region, _ in sim.inventory() - before} <= {a, b}

    sim.inject(case.vendor, action_of(case, "copy"), "fail", region=a)
    with pytest.raises(ProviderError) as caught:
        server.change(ImageRegionSetProvider(), set_id, state, copies(case, image_id, [a, b]))
    assert a in caught.value.details.strip().splitlines()[-1]
    server.delete(set_id, state)
    assert sim.inventory() - before == set()
