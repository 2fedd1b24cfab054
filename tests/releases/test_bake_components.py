"""GoldenImagePipeline and ImageRelease baking from a base image, run as programs under mocks with the real providers."""
from __future__ import annotations

from typing import Any

import pytest

from imageforge.simulator import Simulator, offline
from tests.contract.cases import all_cases

BAKING = sorted((key, case) for key, case in all_cases().items() if case.build)


def _target(case: Any, name: str) -> dict[str, Any]:
    build = dict(case.build)
    target: dict[str, Any] = {"name": name, "cloud": build.pop("cloud"), "region": build.pop("region"),
                              "source": {"base_image": build.pop("base_image")}}
    if "service" in build:
        target["service"] = build.pop("service")
    target["build"] = {k: build.pop(k) for k in ("instance_type", "network", "disk_size_gb", "resource_group",
                                                  "options") if k in build}
    if "tags" in build:
        target["tags"] = build.pop("tags")
    target["provision"] = [["echo install the web tier"]]
    return target


def test_a_release_bakes_every_target_and_names_each_base_image(sim: Simulator) -> None:
    from imageforge.components import ImageRelease

    assert BAKING, "at least one service bakes"
    for _, case in BAKING:
        if case.setup is not None:
            case.setup(sim)
    before = sim.inventory()

    def program() -> None:
        import pulumi

        release = ImageRelease("baked", image_name="web-baked-2026-12", endpoint="sim",
                               targets=[_target(case, f"{key[0]}-{key[1]}") for key, case in BAKING])
        pulumi.export("targets", release.targets)

    result = offline.run(program)
    targets = result.outputs["targets"]
    assert set(targets) == {f"{key[0]}-{key[1]}" for key, _ in BAKING}
    for label, target in targets.items():
        assert target["status"] == "available", (label, target)
        assert target["base"]["image_id"] and target["base"]["name"], (label, target)
    assert len(sim.inventory() - before) == len(BAKING), "one image per target"
    assert sim.build_objects() == set(), "no build VM outlives its bake"
    assert {r.typ.rsplit(":", 1)[1] for r in result.resources} >= {"BakedImage"}
    offline.destroy(result)
    assert sim.inventory() == before


@pytest.mark.parametrize("kwargs, says", [
    ({"source": {"base_image": "img-1"}}, "needs build="),
    ({"source": {"base_image": "img-1", "instance": "i-1"}, "build": {"instance_type": "t", "network": {"a": "b"}}},
     "remove source.instance"),
    ({"source": {"instance": "i-bp1imageforgelnx01"}, "provision": ["echo x"]}, "provision apply to a bake"),
    ({"source": {"base_image": "img-1"}, "build": {"instance_type": "t", "network": {"a": "b"}, "zone": "z"}},
     "unknown: zone"),
    ({"source": {"base_image": "img-1"}, "build": {"instance_type": "t", "network": {"a": "b"}},
      "generalize": {"finalize_scripts": ["x"]}}, "generalize takes keep_user only"),
    ({"source": {"base_image": "img-1"}, "build": {"instance_type": "t", "network": {"a": "b"}},
      "image_name": None, "family": "web", "version": "1"}, "a bake from source.base_image makes one image"),
])
def test_bake_mix_ups_stop_the_program_with_one_line(sim: Simulator, kwargs: dict[str, Any], says: str) -> None:
    from imageforge.components import GoldenImagePipeline

    def program() -> None:
        GoldenImagePipeline("web", cloud="alibaba", region="cn-hangzhou", endpoint="sim",
                            **{"image_name": "web", **kwargs})

    mark = sim.mark()
    with pytest.raises(Exception) as caught:
        offline.run(program)
    assert says in str(caught.value)
    assert sim.requests(since=mark) == []
