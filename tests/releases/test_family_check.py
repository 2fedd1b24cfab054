"""Bad release inputs are refused by `check` with the rule and the fix, before any cloud call."""
from __future__ import annotations

from typing import Any

import pytest

from imageforge.providers.resources.image_family import ImageFamilyProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderServer
from tests.releases.test_family_ecs import family


def refused(server: ProviderServer, inputs: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, str]:
    _, failures = server.check(ImageFamilyProvider(), inputs, olds=olds)
    return dict(failures)


@pytest.mark.parametrize("keep", [0, -1])
def test_keep_below_one(server: ProviderServer, sim: Simulator, keep: int) -> None:
    mark = sim.mark()
    assert "keep" in refused(server, family("2026-10", keep=keep))
    assert sim.requests(since=mark) == []


def test_a_version_neither_newer_nor_live(server: ProviderServer, sim: Simulator) -> None:
    olds = {**family("2026-12"), "released": ["2026-11", "2026-12"]}
    mark = sim.mark()
    reason = refused(server, family("2026-09"), olds)["version"]
    assert "neither newer than the latest version '2026-12' nor a live version (2026-11, 2026-12)" in reason
    assert "Fix:" in reason and "'1.10' > '1.9'" in reason
    assert refused(server, family("2026-11"), olds) == {}  # a rollback to a live version
    assert refused(server, family("2027-01"), olds) == {}  # a new one
    assert "version" in refused(server, family("2026 12"), olds)  # not a version's form
    assert sim.requests(since=mark) == []


def test_a_version_retired_by_keep_is_refused(server: ProviderServer) -> None:
    checked, _ = server.check(ImageFamilyProvider(), family("2026-12"),
                              olds={**family("2026-11"), "released": ["2026-10", "2026-11"]})
    assert checked["released"] == ["2026-11", "2026-12"]  # keep=2: 2026-10 is retired by this release
    assert "version" in refused(server, family("2026-10"), checked)


@pytest.mark.parametrize("name, rule", [("9-golden", "start with a letter"), ("aliyun-web", "'aliyun'"),
                                        ("g", "2 to 128"), ("golden/web", "not allowed")])
def test_family_names_in_the_ecs_form(server: ProviderServer, sim: Simulator, name: str, rule: str) -> None:
    mark = sim.mark()
    reason = refused(server, family("2026-10", family=name))["family"]
    assert rule in reason and "ECS image family" in reason
    assert sim.requests(since=mark) == []


def test_family_names_elsewhere_are_tag_values(server: ProviderServer) -> None:
    inputs = {**family("2026-10", family="golden web"), "cloud": "tencent", "region": "ap-guangzhou",
              "source": {"instance": "ins-imageforge01"}, "regions": []}
    assert "family" in refused(server, inputs)


def test_a_release_input_changed_without_a_new_version(server: ProviderServer) -> None:
    olds = {**family("2026-12"), "released": ["2026-12"]}
    reason = refused(server, family("2026-12", source={"snapshot": "s-bp1imageforgesys01"}), olds)["source"]
    assert "a new version" in reason


def test_bad_grace_and_bad_capture_settings(server: ProviderServer) -> None:
    assert "grace" in refused(server, family("2026-10", grace="soon"))
    failures = refused(server, family("2026-10", capture={"scope": "everything"}))
    assert "capture.scope" in failures


def test_a_preview_with_unknown_inputs_is_not_refused(server: ProviderServer) -> None:
    """An upstream output not known yet (a GeneralizedVM's source, a computed version) passes check."""
    from pulumi.runtime import rpc

    olds = {**family("2026-12"), "released": ["2026-11", "2026-12"]}
    checked, failures = server.check(ImageFamilyProvider(), family("2026-12", source=rpc.UNKNOWN), olds)
    assert failures == []
    checked, failures = server.check(ImageFamilyProvider(), family(rpc.UNKNOWN), olds)
    assert failures == [] and checked["released"] == ["2026-11", "2026-12"]
