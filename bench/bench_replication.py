"""Replication benchmark: every service publishes one image to many regions at once, on the simulator.

All five services run together (one ImageRegionSet each, in its own thread, as a stack would),
each to 20 regions (or every region the simulator knows when it knows fewer), with copy times
drawn from a seeded spread of 6 to 40 minutes; a second run makes every copy report no progress
until it is done. Per service it prints wall time / best possible (the same copies started as
soon as the service's concurrency limit allows, each end noticed at once), describes (job and
image reads) per region, how late each completion was noticed (absolute and in % of that copy's
length) and the API calls made; next to them what fixed-interval polling (60, 30, 10 s) and
region-by-region copying would cost on the same copy times (computed, not run). Time is
simulated: the simulator's clock moves only when the waiters sleep, all on one event queue.

    python bench/bench_replication.py [--seeds 1 2 3]
"""
from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.contract.cases: the seeded inputs
WANT = 20
SERVICE_NAMES = {"ecs": "ecs", "eds": "eds", "cvm": "tencent", "compute": "azure", "ims": "huawei"}
SHORTEST, LONGEST = 360.0, 2400.0


@dataclass
class Service:
    name: str
    vendor: str
    source_region: str
    regions: list[str]
    slots: int | None
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Log:
    """What the waiters did, per service and region, in simulated seconds."""

    started: dict[tuple[str, str], float] = field(default_factory=dict)
    reads: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)


def services() -> list[Service]:
    from imageforge.simulator.alibaba.eds_model import EDS_REGIONS
    from imageforge.simulator.alibaba.regions import ECS_REGIONS
    from imageforge.simulator.azure.regions import LOCATIONS
    from imageforge.simulator.huawei.copies import PROJECTS
    from imageforge.simulator.tencent.regions import CVM_REGIONS

    def pick(all_: Sequence[str], source: str) -> list[str]:
        return [r for r in all_ if r != source][:WANT]

    return [Service("ecs", "alibaba-ecs", "cn-hangzhou", pick(ECS_REGIONS, "cn-hangzhou"), 5),
            Service("eds", "alibaba-eds", "cn-hangzhou", pick(EDS_REGIONS, "cn-hangzhou"), None),
            Service("tencent", "tencent-cvm", "ap-guangzhou", pick(CVM_REGIONS, "ap-guangzhou"), None),
            Service("azure", "azure", "westeurope", pick(sorted(LOCATIONS), "westeurope"), None),
            Service("huawei", "huawei-ims", "cn-north-4", pick(list(PROJECTS), "cn-north-4"), 5)]


def durations(seed: int, svcs: Sequence[Service]) -> dict[tuple[str, str], float]:
    rng = random.Random(seed)
    return {(s.name, r): round(rng.uniform(SHORTEST, LONGEST)) for s in svcs for r in s.regions}


def patch_simulator(table: Mapping[tuple[str, str], float], progressless: bool) -> None:
    """Copy times from `table`; optionally no progress until done (the vendors' copy paths read these names)."""
    from imageforge.simulator.alibaba import ecs_model, eds_model
    from imageforge.simulator.azure import gallery
    from imageforge.simulator.core import lifecycle
    from imageforge.simulator.huawei import copies
    from imageforge.simulator.tencent import sync

    def of(service: str) -> Callable[[str], float]:
        return lambda region: table[(service, region)]
    ecs_model.copy_seconds, eds_model.copy_seconds = of("ecs"), of("eds")  # type: ignore[assignment]
    sync.copy_seconds, copies.copy_seconds = of("tencent"), of("huawei")  # type: ignore[assignment]
    gallery.replication_seconds = of("azure")  # type: ignore[assignment]
    original = _ORIGINAL.setdefault("at", lifecycle.Lifecycle.at)

    def at(self: Any, now: float) -> Any:
        reading = original(self, now)
        return reading if reading.phase is not lifecycle.Phase.RUNNING else lifecycle.Reading(reading.phase, 0)
    lifecycle.Lifecycle.at = at if progressless else original  # type: ignore[method-assign]


_ORIGINAL: dict[str, Any] = {}


def instrument(log: Log, now: Callable[[], float]) -> None:
    """Record every copy start and every look (job or image read) per region, through the adapters."""
    from imageforge.providers.core import registry
    from imageforge.providers.core.model import Started

    real = getattr(registry.adapter_for, "__wrapped__", registry.adapter_for)

    class Recorded:
        def __init__(self, inner: Any, service: str) -> None:
            self.inner, self.service = inner, service

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def start_copies(self, request: Any, regions: Sequence[str]) -> Any:
            out = self.inner.start_copies(request, regions)
            with log.lock:
                for region, outcome in out.items():
                    if isinstance(outcome, Started):
                        log.started[(self.service, region)] = now()
            return out

        def follow_copy_job(self, region: str, job_id: str) -> Any:
            with log.lock:
                log.reads[(self.service, region)].append(now())
            return self.inner.follow_copy_job(region, job_id)

        def describe_copies(self, copies: Mapping[str, str]) -> Any:
            with log.lock:
                for region in copies:
                    log.reads[(self.service, region)].append(now())
            return self.inner.describe_copies(copies)

    def adapter_for(target: Any, kind: Any) -> Any:
        adapter = real(target, kind)
        return Recorded(adapter, SERVICE_NAMES.get(target.service, target.service))
    adapter_for.__wrapped__ = real  # type: ignore[attr-defined]
    registry.adapter_for = adapter_for  # type: ignore[assignment]


def sources(sim: Any, svcs: Sequence[Service]) -> None:
    """Capture one source image per service (before the measured part)."""
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    from imageforge.providers import CustomImageProvider
    from tests.contract.cases import all_cases
    from tests.contract.cases.azure import SEEDED_VERSION

    cases = {case.vendor: case for case in all_cases().values()}
    for s in svcs:
        case = cases[s.vendor]
        if s.vendor == "azure":
            image_id = SEEDED_VERSION
        else:
            provider = CustomImageProvider()
            provider.configure(ConfigureRequest(Config({"imageforge:endpoint": "sim"}, "imageforge")))
            checked = provider.check({}, {**case.capture, "name": f"bench-{s.name}", "owner": f"bench/sim/{s.name}"})
            assert not checked.failures, checked.failures
            image_id = provider.create(checked.inputs).id
        assert case.copy is not None
        s.inputs = {**case.copy(image_id), "regions": s.regions, "owner": f"bench/sim/{s.name}-regions"}


def run(seed: int, progressless: bool) -> dict[str, dict[str, float]]:
    home = Path(tempfile.mkdtemp(prefix="imageforge-bench-"))
    os.environ["IMAGEFORGE_SIM_HOME"] = str(home)
    os.environ["IMAGEFORGE_PROGRESS_LOG"] = str(home / "progress.log")
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    from imageforge.providers import ImageRegionSetProvider
    from imageforge.simulator import Simulator

    svcs = services()
    table = durations(seed, svcs)
    patch_simulator(table, progressless)
    log = Log()
    with Simulator(home, speed=0.0) as sim:
        sources(sim, svcs)
        sim.advance(3600)
        instrument(log, sim.clock.now)
        marks = sim.mark()
        t0 = sim.clock.now()
        ended: dict[str, float] = {}
        errors: list[str] = []

        def publish(s: Service) -> None:
            provider = ImageRegionSetProvider()
            provider.configure(ConfigureRequest(Config({"imageforge:endpoint": "sim"}, "imageforge")))
            try:
                checked = provider.check({}, s.inputs)
                assert not checked.failures, checked.failures
                provider.create(checked.inputs)
            except Exception as err:  # noqa: BLE001 - reported below
                errors.append(f"{s.name}: {err}")
            ended[s.name] = sim.clock.now()
        threads = [threading.Thread(target=publish, args=(s,)) for s in svcs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        calls = {s.name: len(sim.requests(s.vendor, since=marks)) for s in svcs}
    if errors:
        raise SystemExit("; ".join(errors))
    return {s.name: measure(s, table, log, t0, ended[s.name], calls[s.name]) for s in svcs}


def best(times: Sequence[float], slots: int | None) -> float:
    """Makespan of starting each copy (in order) as soon as a slot is free, each end noticed at once."""
    if slots is None:
        return max(times)
    free = [0.0] * slots
    for d in times:
        free.sort()
        free[0] += d
    return max(free)


def measure(s: Service, table: Mapping[tuple[str, str], float], log: Log, t0: float, end: float,
            calls: int) -> dict[str, float]:
    times = [table[(s.name, r)] for r in s.regions]
    reads, late, pct = [], [], []
    for region in s.regions:
        start = log.started[(s.name, region)]
        done = start + table[(s.name, region)]
        looks = log.reads[(s.name, region)]
        noticed = min((t for t in looks if t >= done), default=math.nan)
        reads.append(len([t for t in looks if t <= noticed]))
        late.append(noticed - done)
        pct.append(100 * (noticed - done) / table[(s.name, region)])
    ideal = best(times, s.slots)
    out = {"regions": len(s.regions), "wall": (end - t0) / ideal, "reads_mean": sum(reads) / len(reads),
           "reads_max": max(reads), "late_mean": sum(late) / len(late), "late_max": max(late),
           "pct_mean": sum(pct) / len(pct), "pct_max": max(pct), "calls": calls,
           "short_reads": max(r for r, d in zip(reads, times) if d <= 600) if min(times) <= 600 else math.nan,
           "long_reads": max(r for r, d in zip(reads, times) if d >= 1800) if max(times) >= 1800 else math.nan}
    for every in (60, 30, 10):
        polls = [math.ceil(d / every) for d in times]
        out[f"fixed{every}_wall"] = best([p * every for p in polls], s.slots) / ideal
        out[f"fixed{every}_reads"] = sum(polls) / len(polls)
        out[f"fixed{every}_pct"] = max(100 * (p * every - d) / d for p, d in zip(polls, times))
    out["serial_wall"] = sum(times) / ideal
    return out


def report(title: str, results: Mapping[str, Mapping[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'service':<9}{'regions':>8}{'wall/best':>10}{'reads mean':>11}{'max':>5}{'<=10min max':>12}{'>=30min max':>12}"
          f"{'late mean s':>12}{'max s':>7}{'mean %':>8}{'max %':>7}{'API calls':>10}")
    for name, r in results.items():
        print(f"{name:<9}{r['regions']:>8.0f}{r['wall']:>10.3f}{r['reads_mean']:>11.1f}{r['reads_max']:>5.0f}"
              f"{r['short_reads']:>12.0f}{r['long_reads']:>12.0f}{r['late_mean']:>12.1f}{r['late_max']:>7.1f}"
              f"{r['pct_mean']:>8.2f}{r['pct_max']:>7.2f}{r['calls']:>10.0f}")
    print(f"{'':<9}{'same copy times, computed:':<40}{'wall/best':>10}{'reads/region':>14}{'max late %':>12}")
    for name, r in results.items():
        for every in (60, 30, 10):
            print(f"{name:<9}{f'fixed {every} s polling':<40}{r[f'fixed{every}_wall']:>10.3f}"
                  f"{r[f'fixed{every}_reads']:>14.1f}{r[f'fixed{every}_pct']:>12.1f}")
        print(f"{name:<9}{'region by region':<40}{r['serial_wall']:>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    args = parser.parse_args()
    summary: dict[str, list[float]] = defaultdict(list)
    for seed in args.seeds:
        for progressless in (False, True):
            results = run(seed, progressless)
            kind = "copies report no progress until done" if progressless else "copies report progress"
            report(f"seed {seed}, copies of {SHORTEST / 60:.0f}-{LONGEST / 60:.0f} min, all five services at once, "
                   f"{kind}", results)
            for name, r in results.items():
                tag = f"{name}{' (no progress)' if progressless else ''}"
                summary[f"{tag} wall/best"].append(r["wall"])
                summary[f"{tag} reads max"].append(r["reads_max"])
                summary[f"{tag} late max %"].append(r["pct_max"])
    if len(args.seeds) > 1:
        print(f"\nspread over seeds {' '.join(map(str, args.seeds))} (min - max):")
        for key, values in summary.items():
            print(f"  {key:<40}{min(values):>8.2f} - {max(values):.2f}")


if __name__ == "__main__":
    main()
