"""The one polling loop: backoff, cap, jitter, deadline, retryable errors, progress-bounded sleeps."""
from __future__ import annotations

import random

import pytest

from imageforge.providers.core.errors import InvalidArgument, Throttled, Timeout
from imageforge.providers.core.waiting import Backoff, Done, Pending, Waiter


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def waiter(clock: FakeClock, **kw: object) -> Waiter:
    return Waiter(clock=clock, backoff=Backoff(initial=5, factor=2, cap=60, jitter=0.0), rng=random.Random(1), **kw)  # type: ignore[arg-type]


def job(duration: float, clock: FakeClock, report_progress: bool = True):  # type: ignore[no-untyped-def]
    def poll() -> Pending | Done[str]:
        if clock.now() >= duration:
            return Done("ok")
        return Pending(100 * clock.now() / duration if report_progress else None)
    return poll


def test_backoff_grows_to_the_cap() -> None:
    clock = FakeClock()
    assert waiter(clock).wait("job", job(1000, clock, report_progress=False), 3600) == "ok"
    assert clock.sleeps[:5] == [5, 10, 20, 40, 60]
    assert max(clock.sleeps) == 60


def test_ten_minute_job_polls_about_twenty_times_and_notices_completion_quickly() -> None:
    clock = FakeClock()
    w = waiter(clock)
    w.wait("copy", job(600, clock), 3600)
    assert w.polls <= 20
    assert clock.t - 600 <= 60  # noticed within 10 % of the job's length


def test_deadline_raises_timeout_naming_the_wait() -> None:
    clock = FakeClock()
    with pytest.raises(Timeout) as caught:
        waiter(clock).wait("capture of m-1", job(10_000, clock), 300)
    assert "capture of m-1" in str(caught.value) and clock.t <= 300


def test_retryable_errors_are_retried_others_raised() -> None:
    clock = FakeClock()
    calls = iter([Throttled("slow down", code="Throttling"), Throttled("again"), Done("ok")])

    def poll() -> Pending | Done[str]:
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    assert waiter(clock).wait("job", poll, 600) == "ok"
    with pytest.raises(InvalidArgument):
        waiter(clock).call("call", lambda: (_ for _ in ()).throw(InvalidArgument("bad")))


def test_progress_is_reported() -> None:
    clock = FakeClock()
    seen: list[tuple[str, float | None]] = []
    waiter(clock, on_progress=lambda what, p, d: seen.append((what, p))).wait("copy", job(120, clock), 600)
    assert seen and seen[0][0] == "copy" and all(p is not None and 0 <= p < 100 for _, p in seen)


def test_jitter_only_shortens() -> None:
    backoff = Backoff(initial=10, factor=2, cap=60, jitter=0.5)
    rng = random.Random(7)
    delays = [backoff.delay(3, rng) for _ in range(100)]
    assert all(30 <= d <= 60 for d in delays) and len(set(delays)) > 50


def test_retry_after_is_honoured() -> None:
    clock = FakeClock()
    attempts = iter([Throttled("busy", code="TooManyRequests", retry_after=17.0), "ok"])

    def fn() -> str:
        item = next(attempts)
        if isinstance(item, Exception):
            raise item
        return item

    assert waiter(clock).call("get", fn) == "ok"
    assert clock.sleeps == [17.0]
