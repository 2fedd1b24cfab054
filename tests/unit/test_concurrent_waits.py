"""Resources waiting at once on the stopped simulated clock measure the same time as each alone."""
from __future__ import annotations

import threading

from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from imageforge.providers import ImageRegionSetProvider
from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.ecs_model import EcsModel, copy_seconds

# five copies in all: ECS runs five copies from a region at once, so none of them waits for a slot
SETS = {"a": ["cn-shanghai", "cn-beijing"], "b": ["cn-shenzhen", "ap-southeast-1"], "c": ["us-west-1"]}


def test_three_region_sets_at_once_each_end_with_their_own_slowest_copy(sim: Simulator) -> None:
    source = EcsModel(sim.ctx).create_image("cn-hangzhou", instance="i-bp1imageforgelnx01", name="golden")
    sim.advance(3600)
    start = sim.clock.now()
    took: dict[str, float] = {}
    errors: list[BaseException] = []

    def publish(name: str) -> None:
        provider = ImageRegionSetProvider()
        provider.configure(ConfigureRequest(Config({"imageforge:endpoint": "sim"}, "imageforge")))
        try:
            checked = provider.check({}, {"cloud": "alibaba", "region": "cn-hangzhou", "image_id": source,
                                          "regions": SETS[name], "owner": f"proj/sim/{name}"})
            assert not checked.failures, checked.failures
            provider.create(checked.inputs)
        except BaseException as err:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(err)
        took[name] = sim.clock.now() - start

    threads = [threading.Thread(target=publish, args=(name,)) for name in SETS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    for name, regions in SETS.items():
        slowest = max(copy_seconds(r) for r in regions)
        assert slowest <= took[name] <= 1.05 * slowest, (name, took[name], slowest)
