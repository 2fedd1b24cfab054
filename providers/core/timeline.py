"""One event queue for every waiter of this process that shares a stopped simulated clock.

With a stopped clock a waiter's sleep moves the simulator's time. Two waiters sleeping a minute
each at once must move it one minute, not two: each sleeper registers when it wants to wake, and
time moves (to the earliest wake) only once every waiter that is working has gone to sleep. So
concurrent resources see the same time a single resource would see alone. A waiter is "working"
from the start of a wait or call to its end (`held`); a thread that sleeps outside one counts
only while it sleeps. Nothing sleeps in real time: threads block on a condition until their turn.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Timeline:
    """The shared simulated time of one simulator, advanced only when every working waiter sleeps."""

    def __init__(self, now: Callable[[], float], advance: Callable[[float], object]) -> None:
        self._now, self._advance = now, advance
        self._cond = threading.Condition()
        self._working: dict[int, int] = {}  # thread -> nesting depth of waits and calls
        self._sleeping: dict[int, float] = {}  # thread -> simulated time it wakes at

    @contextmanager
    def held(self) -> Iterator[None]:
        """While inside, this thread's work keeps time still for the others."""
        me = threading.get_ident()
        with self._cond:
            self._working[me] = self._working.get(me, 0) + 1
        try:
            yield
        finally:
            with self._cond:
                self._working[me] -= 1
                if not self._working[me]:
                    del self._working[me]
                self._cond.notify_all()  # one fewer worker: a sleeper may now move time

    def sleep(self, seconds: float) -> None:
        """Block until simulated time reaches now + seconds, moving it when this is the earliest wake."""
        me = threading.get_ident()
        with self._cond:
            wake = self._now() + seconds
            self._sleeping[me] = wake
            self._cond.notify_all()
            try:
                while True:
                    now = self._now()
                    if now >= wake:
                        return
                    awake = any(t not in self._sleeping for t in self._working)
                    if not awake and wake <= min(self._sleeping.values()):
                        self._advance(wake - now)
                        return
                    self._cond.wait()
            finally:
                del self._sleeping[me]
                self._cond.notify_all()


_timelines: dict[str, Timeline] = {}
_lock = threading.Lock()


def timeline_for(key: str, now: Callable[[], float], advance: Callable[[float], object]) -> Timeline:
    """The one timeline of the simulator at `key` (its address) in this process."""
    with _lock:
        if key not in _timelines:
            _timelines[key] = Timeline(now, advance)
        return _timelines[key]
