"""A changed `regions` list on ECS: a new version goes to the new list; older live versions stay where they are."""
from __future__ import annotations

from imageforge.providers.resources.image_family import ImageFamilyProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderServer
from tests.releases.test_family_ecs import HOME, VENDOR, family, images, release

SHANGHAI, BEIJING = "cn-shanghai", "cn-beijing"


def test_a_new_region_list_applies_to_the_new_version_only(server: ProviderServer, sim: Simulator) -> None:
    state = release(server, None, "2026-10", regions=[SHANGHAI])
    old = dict(state["releases"]["2026-10"]["images"])

    # the list cannot change under a live version: its images are made once
    _, failures = server.check(ImageFamilyProvider(), family("2026-10", regions=[BEIJING]), olds=state)
    assert "regions" in dict(failures) and "Fix: give a new version" in dict(failures)["regions"]

    mark = sim.mark()
    state = release(server, state, "2026-11", regions=[BEIJING])
    copied = [(c.region, c.params.get("DestinationRegionId")) for c in sim.requests(VENDOR, since=mark)
              if c.action == "CopyImage"]
    assert copied == [(HOME, BEIJING)]  # the older version is neither copied to Beijing nor removed from Shanghai
    assert state["versions"] == {HOME: ["2026-10", "2026-11"], SHANGHAI: ["2026-10"], BEIJING: ["2026-11"]}
    assert old[SHANGHAI] in images(sim, SHANGHAI)
    assert state["latest"] == state["releases"]["2026-11"]["images"]  # no image of 2026-11 in Shanghai

    # retention retires the old version from every region it was published to, including the dropped one
    state = release(server, state, "2026-12", regions=[BEIJING])
    assert state["versions"] == {HOME: ["2026-11", "2026-12"], BEIJING: ["2026-11", "2026-12"]}
    assert images(sim, SHANGHAI) == {} and old[HOME] not in images(sim, HOME)
    server.delete(state["key"], state)
    assert all(images(sim, r) == {} for r in (HOME, SHANGHAI, BEIJING))
