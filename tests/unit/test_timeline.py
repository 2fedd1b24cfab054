"""One event queue for waiters sharing a stopped clock: concurrent sleeps move time once, in order."""
from __future__ import annotations

import threading

from imageforge.providers.core.timeline import Timeline


class StoppedClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.advances: list[float] = []

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.advances.append(seconds)
        self.t += seconds


def test_a_lone_sleeper_moves_time_at_once() -> None:
    clock = StoppedClock()
    line = Timeline(clock.now, clock.advance)
    with line.held():
        line.sleep(60)
    assert clock.t == 60


def test_waiters_sleeping_together_move_time_once_and_each_wakes_at_its_own_time() -> None:
    clock = StoppedClock()
    line = Timeline(clock.now, clock.advance)
    woke: dict[str, list[float]] = {"a": [], "b": []}
    ready = threading.Barrier(2)

    def waiter(name: str, step: float, steps: int) -> None:
        with line.held():
            ready.wait()
            for _ in range(steps):
                line.sleep(step)
                woke[name].append(clock.now())

    threads = [threading.Thread(target=waiter, args=("a", 60.0, 4)), threading.Thread(target=waiter, args=("b", 100.0, 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert woke["a"] == [60.0, 120.0, 180.0, 240.0]  # as if alone, though b sleeps at the same time
    assert woke["b"] == [100.0, 200.0]
    assert clock.t == 240.0


def test_a_working_waiter_holds_time_for_the_others() -> None:
    clock = StoppedClock()
    asked = threading.Event()

    def now() -> float:
        asked.set()
        return clock.now()
    line = Timeline(now, clock.advance)
    working, done = threading.Event(), threading.Event()
    seen: list[float] = []

    def busy() -> None:
        with line.held():
            working.set()
            done.wait(timeout=30)  # doing calls: simulated time must not move under it

    def sleeper() -> None:
        with line.held():
            line.sleep(30)
            seen.append(clock.now())

    first = threading.Thread(target=busy)
    first.start()
    working.wait(timeout=30)
    second = threading.Thread(target=sleeper)
    second.start()
    asked.wait(timeout=30)
    with line._cond:  # free only once the sleeper blocks on it: it is asleep, and time has not moved
        assert clock.t == 0.0 and not seen
    done.set()
    for t in (first, second):
        t.join(timeout=30)
    assert seen == [30.0]
