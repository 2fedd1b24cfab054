"""Monthly releases of one image family on Huawei IMS (tags only: IMS has no family and no deprecation)."""
from __future__ import annotations

from typing import Any

import pytest

from imageforge.providers.core.families import FAMILY_TAG, VERSION_TAG
from imageforge.providers.resources.image_family import ImageFamilyProvider
from imageforge.simulator import Simulator
from imageforge.simulator.huawei.regions import server_id
from tests.engine import ProviderServer

VENDOR = "huawei-ims"
HOME, COPY = "cn-north-4", "cn-east-3"
REGIONS = [HOME, COPY]


def family(version: str, **extra: Any) -> dict[str, Any]:
    return {"cloud": "huawei", "region": HOME, "family": "golden-web", "version": version,
            "source": {"instance": server_id(HOME, "linux")}, "regions": [COPY], "keep": 2,
            "publish": {"options": {"agency_name": "ims_admin_agency"}}, "owner": "proj/sim/web", **extra}


def release(server: ProviderServer, state: dict[str, Any] | None, version: str, **extra: Any) -> dict[str, Any]:
    provider = ImageFamilyProvider()
    if state is None:
        return server.up(provider, family(version, **extra))[1]
    return server.change(provider, state["key"], state, family(version, **extra))[1]


def live(sim: Simulator) -> set[tuple[str, str]]:
    """The images IMS holds that were not there before the test (the simulator seeds public ones)."""
    return {(region, ident) for vendor, region, ident in sim.inventory() - SEEDED[id(sim)] if vendor == VENDOR}


SEEDED: dict[int, set[tuple[str, str, str]]] = {}


@pytest.fixture(autouse=True)
def seeded(sim: Simulator) -> None:
    SEEDED[id(sim)] = sim.inventory()


def recorded(state: dict[str, Any]) -> set[tuple[str, str]]:
    return {(r, i) for record in state["releases"].values() for r, i in record["images"].items()}


def tags_of(sim: Simulator, region: str, image_id: str) -> dict[str, str]:
    from imageforge.simulator.huawei.model import ImsModel

    image = next(i for i in ImsModel(sim.ctx).images(region) if i.id == image_id)
    return dict(image.tags)


def test_three_monthly_releases_keep_two_then_roll_back(server: ProviderServer, sim: Simulator) -> None:
    state = release(server, None, "2026-10")
    state = release(server, state, "2026-11")
    assert state["versions"] == {r: ["2026-10", "2026-11"] for r in REGIONS}
    assert state["next_retires"] == ["2026-10"]
    first = dict(state["releases"]["2026-10"]["images"])
    state = release(server, state, "2026-12")

    assert state["versions"] == {r: ["2026-11", "2026-12"] for r in REGIONS}
    assert live(sim) == recorded(state) and len(live(sim)) == 4  # two versions, two regions each
    assert not set(first.items()) & live(sim)  # the oldest is deleted in both regions
    for region in REGIONS:
        image_id = state["releases"]["2026-12"]["images"][region]
        assert tags_of(sim, region, image_id)[FAMILY_TAG] == "golden-web"  # the copy carries the family too
        assert tags_of(sim, region, image_id)[VERSION_TAG] == "2026-12"
        assert state["latest"][region] == image_id
    assert state["family_latest"] == {}  # IMS has no family to ask

    # rollback: nothing is captured or copied, the earlier version's images are in use again
    mark = sim.mark()
    state = release(server, state, "2026-11")
    assert [c.action for c in sim.requests(VENDOR, since=mark)
            if c.action in ("CreateImage", "CopyImageCrossRegion")] == []
    assert state["latest"] == state["releases"]["2026-11"]["images"]
    server.delete(state["key"], state)
    assert live(sim) == set()


def test_a_version_whose_state_was_lost_is_found_and_retired(server: ProviderServer, sim: Simulator) -> None:
    """The state of 2026-10 is lost (a crash before it was saved): the next `up` records it from the tags."""
    lost = release(server, None, "2026-10")
    state = release(server, None, "2026-11", keep=1)
    assert sorted(state["releases"]) == ["2026-11"]  # keep=1: the found version was retired, not left behind
    assert live(sim) == recorded(state) and not set(lost["releases"]["2026-10"]["images"].items()) & live(sim)
    assert any("made by an earlier run" in w for w in state["warnings"])
    server.delete(state["key"], state)
    assert live(sim) == set()


def test_another_stacks_version_of_the_same_family_is_never_adopted(server: ProviderServer, sim: Simulator) -> None:
    other = release(server, None, "2026-10", owner="proj/other/web")
    state = release(server, None, "2026-11", keep=1)
    assert sorted(state["releases"]) == ["2026-11"]
    assert set(other["releases"]["2026-10"]["images"].items()) <= live(sim)  # left alone
    server.delete(state["key"], state)
    server.delete(other["key"], other)
    assert live(sim) == set()
