"""Monthly releases of one image family on ECS through the real provider server and the simulator."""
from __future__ import annotations

from typing import Any

from imageforge.providers.resources.image_family import ImageFamilyProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderServer

VENDOR = "alibaba-ecs"
HOME, COPIES = "cn-hangzhou", ["cn-shanghai", "cn-beijing"]
REGIONS = [HOME, *COPIES]


def family(version: str, **extra: Any) -> dict[str, Any]:
    return {"cloud": "alibaba", "region": HOME, "family": "golden-web", "version": version,
            "source": {"instance": "i-bp1imageforgelnx01"}, "regions": COPIES, "keep": 2,
            "owner": "proj/sim/web", **extra}


def release(server: ProviderServer, state: dict[str, Any] | None, version: str, **extra: Any) -> dict[str, Any]:
    """One `pulumi up` of the program with this version: check (with the old state), diff, create or update."""
    provider = ImageFamilyProvider()
    if state is None:
        return server.up(provider, family(version, **extra))[1]
    _, outs = server.change(provider, state["key"], state, family(version, **extra))
    return outs


def images(sim: Simulator, region: str) -> dict[str, dict[str, Any]]:
    return {r["image_id"]: r for r in sim.store.list(VENDOR, region, "image")}


def test_three_monthly_releases_keep_two_then_roll_back(server: ProviderServer, sim: Simulator) -> None:
    state = release(server, None, "2026-10")
    state = release(server, state, "2026-11")
    assert state["versions"] == {r: ["2026-10", "2026-11"] for r in REGIONS}
    assert state["next_retires"] == ["2026-10"]  # the dry run: the next new version retires the oldest
    first = dict(state["releases"]["2026-10"]["images"])
    mark = sim.mark()
    state = release(server, state, "2026-12")

    # exactly the two newest versions are left in every region, each in the family
    assert state["versions"] == {r: ["2026-11", "2026-12"] for r in REGIONS}
    assert sorted(state["releases"]) == ["2026-11", "2026-12"]
    for region in REGIONS:
        live = images(sim, region)
        assert set(live) == {state["releases"][v]["images"][region] for v in ("2026-11", "2026-12")}
        assert all(r["family"] == "golden-web" for r in live.values())
        assert state["latest"][region] == state["releases"]["2026-12"]["images"][region]
        assert state["family_latest"][region] == state["latest"][region]  # DescribeImageFromFamily agrees
    # the oldest was deprecated, then deleted, in every region
    calls = sim.requests(VENDOR, since=mark)
    for region, image_id in first.items():
        steps = [c.action for c in calls if c.params.get("ImageId") == image_id and c.region == region
                 and (c.action == "DeleteImage" or c.params.get("Status") == "Deprecated")]
        assert steps[0] == "ModifyImageAttribute" and "DeleteImage" in steps, (region, steps)
        assert image_id not in images(sim, region)

    # rollback: nothing is captured or copied; the family resolves to the earlier version again
    mark = sim.mark()
    state = release(server, state, "2026-11")
    assert [c.action for c in sim.requests(VENDOR, since=mark) if c.action in ("CreateImage", "CopyImage")] == []
    assert state["versions"] == {r: ["2026-11", "2026-12"] for r in REGIONS}
    for region in REGIONS:
        assert state["latest"][region] == state["releases"]["2026-11"]["images"][region]
        assert state["family_latest"][region] == state["latest"][region]

    # forward again to a new version: the held-back one is still live until retention takes the oldest
    state = release(server, state, "2027-01")
    assert state["versions"] == {r: ["2026-12", "2027-01"] for r in REGIONS}


def test_grace_keeps_a_retired_version_deprecated_until_the_next_up(server: ProviderServer, sim: Simulator) -> None:
    state = release(server, None, "1.9", keep=1, grace="1d", regions=[])
    old = state["releases"]["1.9"]["image_id"]
    state = release(server, state, "1.10", keep=1, grace="1d", regions=[])  # 1.10 is newer than 1.9
    assert state["versions"] == {HOME: ["1.10"]}
    assert [(r["version"], r["image_id"]) for r in state["retiring"]] == [("1.9", old)]
    assert images(sim, HOME)[old] is not None  # deprecated, not deleted yet
    inputs = family("1.10", keep=1, grace="1d", regions=[])
    checked, _ = server.check(ImageFamilyProvider(), inputs, olds=state)
    assert server.diff(state["key"], state, checked).kind == "none"
    sim.advance(86400)
    _, state = server.change(ImageFamilyProvider(), state["key"], state, inputs)  # the due retirement is a change
    assert state["retiring"] == [] and old not in images(sim, HOME)


def test_destroy_removes_every_version(server: ProviderServer, sim: Simulator) -> None:
    state = release(server, None, "2026-10")
    state = release(server, state, "2026-11")
    server.delete(state["key"], state)
    assert all(images(sim, r) == {} for r in REGIONS)


def test_a_retired_image_the_cloud_will_not_delete_stays_and_is_retried(server: ProviderServer, sim: Simulator) -> None:
    """ECS refuses DeleteImage (without Force) for a shared image: the version stays, named, until it can go."""
    from imageforge.simulator.core.wire import SimError

    state = release(server, None, "2026-10", regions=[])
    state = release(server, state, "2026-11", regions=[])
    shared = state["releases"]["2026-10"]["image_id"]

    def refuse(when: str, vendor: str, call: Any) -> None:
        if when == "before" and call.action == "DeleteImage" and call.params.get("ImageId") == shared:
            raise SimError("ImageUseShared", "The specified image has been shared to others.", 403)

    remove = sim.hook(refuse)
    try:
        state = release(server, state, "2026-12", regions=[])
    finally:
        remove()
    assert state["versions"] == {HOME: ["2026-11", "2026-12"]}
    assert [(r["version"], r["image_id"]) for r in state["retiring"]] == [("2026-10", shared)]
    assert "ImageUseShared" in state["retiring"][0]["kept_because"] or "shared" in state["retiring"][0]["kept_because"]
    assert any("retired version 2026-10 was kept" in w for w in state["warnings"])
    assert shared in images(sim, HOME)
    inputs = family("2026-12", regions=[])
    checked, _ = server.check(ImageFamilyProvider(), inputs, olds=state)
    assert server.diff(state["key"], state, checked).kind == "update"  # the next `up` tries again
    _, state = server.change(ImageFamilyProvider(), state["key"], state, inputs)
    assert state["retiring"] == [] and shared not in images(sim, HOME)


def test_an_image_without_this_stacks_identity_is_never_deleted(server: ProviderServer, sim: Simulator) -> None:
    state = release(server, None, "2026-10", regions=[])
    state = release(server, state, "2026-11", regions=[])
    other = state["releases"]["2026-10"]["image_id"]
    state["releases"]["2026-10"]["capture"]["key"] = "0" * 24  # as if another stack's identity were recorded
    mark = sim.mark()
    state = release(server, state, "2026-12", regions=[])
    touched = [c.action for c in sim.requests("alibaba-ecs", since=mark)
               if c.params.get("ImageId") == other and not c.action.startswith("Describe")]
    assert touched == []  # neither deprecated nor deleted
    assert other in images(sim, HOME) and state["retiring"][0]["foreign"] is True
    assert "not made here" in state["retiring"][0]["kept_because"]
    checked, _ = server.check(ImageFamilyProvider(), family("2026-12", regions=[]), olds=state)
    assert server.diff(state["key"], state, checked).kind == "none"  # nothing to retry


SHARED_WITH = "1000000000000002"  # the simulator's second Alibaba account


def test_shares_follow_each_version_and_a_retired_one_is_unshared_before_deletion(server: ProviderServer,
                                                                                  sim: Simulator) -> None:
    shares = {"capture": {"share_with": [SHARED_WITH]}, "publish": {"share_with": [SHARED_WITH]}}
    state = release(server, None, "2026-10", **shares)
    state = release(server, state, "2026-11", **shares)
    first = dict(state["releases"]["2026-10"]["images"])
    mark = sim.mark()
    state = release(server, state, "2026-12", **shares)
    calls = sim.requests(VENDOR, since=mark)
    granted = {(c.region, c.params.get("ImageId")) for c in calls
               if c.action == "ModifyImageSharePermission" and c.params.get("AddAccount.1") == SHARED_WITH}
    assert granted == set(state["releases"]["2026-12"]["images"].items())  # the new version, every region
    for region, image_id in first.items():
        steps = [c.action for c in calls if c.params.get("ImageId") == image_id and c.region == region
                 and (c.action == "DeleteImage" or c.params.get("RemoveAccount.1") == SHARED_WITH)]
        assert steps == ["ModifyImageSharePermission", "DeleteImage"], (region, steps)
        assert image_id not in images(sim, region)
    assert state["versions"] == {r: ["2026-11", "2026-12"] for r in REGIONS}
