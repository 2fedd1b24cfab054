"""Replication benchmark: publish one image to 10 regions on the simulator and measure the waits.

Prints, per region, the simulated copy time, the describe calls made for it and how late its
completion was noticed; then wall time divided by the slowest single copy (goal <= 1.2) and the
describe calls per region (goal: about 20 or fewer for a 10-minute copy, completion noticed
within 10 % of the copy's length). Time is simulated: the simulator's clock only moves when the
provider's waiter sleeps, so the figures are the ones a real 10-region publish would show.

    python bench/bench_replication.py
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

REGIONS = ["cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou", "cn-chengdu",
           "ap-southeast-1", "ap-northeast-1", "eu-central-1", "us-west-1"]


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="imageforge-bench-"))
    os.environ["IMAGEFORGE_SIM_HOME"] = str(home)
    os.environ["IMAGEFORGE_PROGRESS_LOG"] = str(home / "progress.log")
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    from imageforge.providers import ImageRegionSetProvider
    from imageforge.simulator import Simulator
    from imageforge.simulator.alibaba.ecs_model import EcsModel, copy_seconds

    with Simulator(home, speed=0.0) as sim:
        source = EcsModel(sim.ctx).create_image("cn-hangzhou", instance="i-bp1imageforgelnx01", name="golden")
        sim.advance(3600)
        provider = ImageRegionSetProvider()
        provider.configure(ConfigureRequest(Config({"imageforge:endpoint": "sim"}, "imageforge")))
        inputs = {"cloud": "alibaba", "region": "cn-hangzhou", "image_id": source, "regions": REGIONS,
                  "owner": "bench/sim/regions"}
        checked = provider.check({}, inputs)
        assert not checked.failures, checked.failures
        mark = sim.mark()
        started_sim, started_real = sim.clock.now(), time.perf_counter()
        provider.create(checked.inputs)
        elapsed_sim, elapsed_real = sim.clock.now() - started_sim, time.perf_counter() - started_real
        log = sim.requests("alibaba-ecs", since=mark)

    copy_started = {r.params["DestinationRegionId"]: r.at for r in log if r.action == "CopyImage"}
    print(f"{'region':<16}{'copy (min)':>11}{'describes':>11}{'noticed late (s)':>18}{'late %':>8}")
    worst_late = 0.0
    calls = []
    for region in REGIONS:
        duration = copy_seconds(region)
        done_at = copy_started[region] + duration
        polls = [r.at for r in log if r.action == "DescribeImages" and r.region == region]
        noticed = min((t for t in polls if t >= done_at), default=float("nan"))
        late = noticed - done_at
        worst_late = max(worst_late, late / duration)
        calls.append(len(polls))
        print(f"{region:<16}{duration / 60:>11.1f}{len(polls):>11}{late:>18.1f}{100 * late / duration:>8.1f}")
    slowest = max(copy_seconds(r) for r in REGIONS)
    print()
    print(f"simulated wall time {elapsed_sim / 60:.1f} min, slowest copy {slowest / 60:.1f} min, "
          f"ratio {elapsed_sim / slowest:.2f} (goal <= 1.2)")
    print(f"describe calls per region: max {max(calls)}, mean {sum(calls) / len(calls):.1f} (goal about 20 or fewer)")
    print(f"latest completion noticed {100 * worst_late:.1f} % after the copy ended (goal <= 10 %)")
    print(f"real time for the whole run: {elapsed_real:.2f} s")


if __name__ == "__main__":
    main()
