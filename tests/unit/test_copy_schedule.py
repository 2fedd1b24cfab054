"""The copy board's per-region schedules against a fake service: looks per region, lateness, slots, jobs."""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from imageforge.providers.core.copies import CopyBoard
from imageforge.providers.core.errors import Timeout
from imageforge.providers.core.model import (CopyRequest, Deferred, Identity, ImageInfo, ImageStatus, JobStatus,
                                             Started)
from imageforge.providers.core.protocol import CopyStart
from imageforge.providers.core.service import Traits
from imageforge.providers.core.waiting import Backoff, Waiter


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


class FakeCopies:
    """Copies that take `times[region]` seconds; at most `slots` in flight; optional jobs and progress."""

    def __init__(self, clock: Clock, times: Mapping[str, float], slots: int | None = None, jobs: bool = False,
                 progress: bool = True) -> None:
        self.clock, self.times, self.slots, self.jobs, self.progress = clock, times, slots, jobs, progress
        self.started: dict[str, float] = {}
        self.reads: Counter[str] = Counter()
        self.noticed: dict[str, float] = {}
        self.refused = 0

    def _done(self, region: str) -> bool:
        return self.clock.t >= self.started[region] + self.times[region]

    def _pct(self, region: str) -> float | None:
        if not self.progress:
            return None
        return float(min(99, int(100 * (self.clock.t - self.started[region]) / self.times[region])))

    def start_copies(self, request: CopyRequest, regions: Sequence[str]) -> dict[str, CopyStart]:
        out: dict[str, CopyStart] = {}
        for region in regions:
            busy = sum(1 for r in self.started if not self._done(r))
            if self.slots is not None and busy >= self.slots:
                self.refused += 1
                out[region] = Deferred("slots full", True)
                continue
            self.started[region] = self.clock.t
            out[region] = Started(job_id=f"job-{region}") if self.jobs else Started(image_id=f"img-{region}")
        return out

    def follow_copy_job(self, region: str, job_id: str) -> JobStatus:
        self.reads[region] += 1
        if self._done(region):
            return JobStatus(JobStatus.SUCCEEDED, image_id=f"img-{region}")
        return JobStatus(JobStatus.RUNNING, progress=self._pct(region))

    def label_copy(self, request: CopyRequest, region: str, image_id: str) -> None:
        return None

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        out = {}
        for region, image_id in copies.items():
            self.reads[region] += 1
            done = self._done(region)
            if done:
                self.noticed.setdefault(region, self.clock.t)
            out[region] = ImageInfo(image_id, region, ImageStatus.AVAILABLE if done else ImageStatus.CREATING,
                                    progress=None if done else self._pct(region))
        return out

    def find_copies(self, request: CopyRequest, regions: Sequence[str], identity: Identity) -> dict[str, list[ImageInfo]]:
        return {region: [] for region in regions}

    def update_copy(self, *args: Any) -> None:
        return None

    def reconfigure_copies(self, *args: Any) -> list[str]:
        return []

    def cancel_copy(self, region: str, image_id: str) -> None:
        return None

    def delete_copy(self, region: str, image_id: str) -> None:
        return None


def publish(copies: FakeCopies, clock: Clock, traits: Traits, regions: Sequence[str], timeout: float = 86_400) -> Waiter:
    wait = Waiter(clock=clock, backoff=Backoff(jitter=0.0), rng=random.Random(1)).bound(timeout)
    board = CopyBoard(copies, traits, wait, CopyRequest("img-src", "r0"), Identity("k"))  # type: ignore[arg-type]
    board.adopt(list(regions))
    board.publish("copies")
    return wait


def times(n: int, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    return {f"r{i}": float(round(rng.uniform(360, 2400))) for i in range(1, n + 1)}


@pytest.mark.parametrize("progress", [True, False])
def test_each_region_is_read_at_its_own_pace_and_its_end_seen_within_five_percent(progress: bool) -> None:
    clock, spread = Clock(), times(20)
    copies = FakeCopies(clock, spread, progress=progress)
    publish(copies, clock, Traits(), list(spread))
    for region, length in spread.items():
        assert copies.noticed[region] - copies.started[region] - length <= 0.05 * length, region
        if progress:
            assert copies.reads[region] <= (20 if length <= 600 else 30)
    assert clock.t <= 1.05 * max(spread.values())


def test_queued_regions_start_when_a_slot_frees_without_refused_requests() -> None:
    clock, spread = Clock(), times(15)
    copies = FakeCopies(clock, spread, slots=5, jobs=True)
    publish(copies, clock, Traits(copy_slots=5, jobs=True), list(spread))
    assert copies.refused == 0 and set(copies.started) == set(spread)
    free, ends = [0.0] * 5, []
    for length in spread.values():  # the best schedule: each copy starts the instant a slot frees
        free.sort()
        free[0] += length
        ends.append(free[0])
    assert clock.t <= 1.05 * max(ends)
    for region, length in spread.items():
        assert copies.noticed[region] - copies.started[region] - length <= 0.05 * length
        assert copies.reads[region] <= 16  # job reads while copying, then one image read at the end


def test_the_users_timeout_still_bounds_the_wait() -> None:
    clock = Clock()
    copies = FakeCopies(clock, {"r1": 7200.0})
    with pytest.raises(Timeout):
        publish(copies, clock, Traits(), ["r1"], timeout=1800)
    assert clock.t <= 1800
