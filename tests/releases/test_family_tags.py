"""Services without a family feature (Huawei IMS, EDS): versions in names and tags, retired by deletion alone."""
from __future__ import annotations

from typing import Any

import pytest

from imageforge.providers.resources.image_family import ImageFamilyProvider
from imageforge.simulator import Simulator
from tests.contract.cases import all_cases
from tests.engine import ProviderServer
from tests.faults.release_flows import family_inputs


def release(server: ProviderServer, key: tuple[str, str], state: dict[str, Any] | None, version: str) -> dict[str, Any]:
    inputs = family_inputs(all_cases()[key], version, 2)
    if state is None:
        return server.up(ImageFamilyProvider(), inputs)[1]
    return server.change(ImageFamilyProvider(), state["key"], state, inputs)[1]


@pytest.mark.parametrize("key", [("huawei", "ims"), ("alibaba", "eds")], ids=lambda k: f"{k[0]}-{k[1]}")
def test_three_releases_keep_two_and_roll_back(server: ProviderServer, sim: Simulator, key: tuple[str, str]) -> None:
    case = all_cases()[key]
    if case.setup is not None:
        case.setup(sim)
    state = release(server, key, None, "2026-10")
    state = release(server, key, state, "2026-11")
    oldest = dict(state["releases"]["2026-10"]["images"])
    state = release(server, key, state, "2026-12")
    regions = [case.capture["region"], case.regions[0]]
    assert state["versions"] == {r: ["2026-11", "2026-12"] for r in regions}
    assert state["family_latest"] == {}  # no family feature: the outputs are the record
    live = {i for _, _, i in sim.inventory()}
    assert not set(oldest.values()) & live
    assert {i for v in ("2026-11", "2026-12") for i in state["releases"][v]["images"].values()} <= live
    mark = sim.mark()
    state = release(server, key, state, "2026-11")
    assert state["latest"] == state["releases"]["2026-11"]["images"]
    writes = [r.action for r in sim.requests(since=mark) if not r.action.lower().startswith(("describe", "list", "get", "show"))]
    assert writes == [], writes  # a rollback on a service without deprecation changes nothing in the cloud
    server.delete(state["key"], state)
    assert not {i for v in state["releases"].values() for i in v["images"].values()} & {i for _, _, i in sim.inventory()}
