"""Retention by age on ECS: versions younger than `max_age` stay beside the newest `keep`, aged by the cloud's clock."""
from __future__ import annotations

from typing import Any

import pytest

from imageforge.providers.core.families import cloud_time
from imageforge.providers.resources.image_family import ImageFamilyProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderServer
from tests.releases.test_family_ecs import HOME, family, images, release

DAY = 86400.0
AGED = {"keep": 1, "max_age": "30d", "regions": []}


def test_a_version_stays_while_younger_than_max_age_then_goes(server: ProviderServer, sim: Simulator) -> None:
    state = release(server, None, "2026-10", **AGED)
    first = state["releases"]["2026-10"]["image_id"]
    # its age is counted from the cloud's creation time of the image, not from when the `up` ran
    created = cloud_time(images(sim, HOME)[first]["created"])
    assert created is not None and state["releases"]["2026-10"]["created_at"] == pytest.approx(created)

    sim.advance(10 * DAY)
    state = release(server, state, "2026-11", **AGED)
    assert state["versions"] == {HOME: ["2026-10", "2026-11"]}  # keep=1 alone would have retired 2026-10
    assert state["next_retires"] == []  # both are younger than 30 days

    sim.advance(25 * DAY)  # 2026-10 is 35 days old now, 2026-11 25
    state["releases"]["2026-10"]["created"] = sim.clock.now()  # the local record says new: the cloud's time counts
    inputs = family("2026-11", **AGED)
    checked, failures = server.check(ImageFamilyProvider(), inputs, olds=state)
    assert failures == []
    assert server.diff(state["key"], state, checked).kind == "update"  # an age retirement is due: preview shows it
    _, refreshed = server.read(state["key"], state)
    assert refreshed["next_retires"] == ["2026-10"]  # the dry run lists the age-based retirement
    mark = sim.mark()
    _, state = server.change(ImageFamilyProvider(), state["key"], state, inputs)
    assert state["versions"] == {HOME: ["2026-11"]} and sorted(state["releases"]) == ["2026-11"]
    assert first not in images(sim, HOME)
    assert [c.action for c in sim.requests("alibaba-ecs", since=mark) if c.params.get("ImageId") == first
            and c.action in ("ModifyImageAttribute", "DeleteImage")] == ["ModifyImageAttribute", "DeleteImage"]
    checked, _ = server.check(ImageFamilyProvider(), inputs, olds=state)
    assert server.diff(state["key"], state, checked).kind == "none"  # nothing more is due


def test_keep_still_counts_beside_max_age(server: ProviderServer, sim: Simulator) -> None:
    """A version among the newest `keep` stays however old it is; max_age only adds versions."""
    aged: dict[str, Any] = {"keep": 2, "max_age": "1d", "regions": []}
    state = release(server, None, "1", **aged)
    sim.advance(5 * DAY)
    state = release(server, state, "2", **aged)
    sim.advance(5 * DAY)
    assert state["next_retires"] == ["1"]  # as of the `up`: 1 is outside the newest 2 once 3 comes, and old
    state = release(server, state, "3", **aged)
    assert state["versions"] == {HOME: ["2", "3"]}  # 2 is 5 days old, kept by count


@pytest.mark.parametrize("value,rule", [("soon", "soon"), ("0", "positive"), ("-3d", "-3d")])
def test_a_malformed_max_age_is_refused_before_any_call(server: ProviderServer, sim: Simulator, value: str,
                                                       rule: str) -> None:
    mark = sim.mark()
    _, failures = server.check(ImageFamilyProvider(), family("2026-10", max_age=value))
    reasons = dict(failures)
    assert "max_age must be a positive duration" in reasons["max_age"] and rule in reasons["max_age"]
    assert "Fix: give a duration such as '90d'" in reasons["max_age"]
    assert sim.requests(since=mark) == []
