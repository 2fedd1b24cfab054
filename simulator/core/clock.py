"""Simulated time: wall clock times a speed factor, plus manual and per-request advances.

Nothing ticks in the background: lifecycles compute their state from timestamps whenever
they are read, so a test advances the clock (or lets each request advance it) instead of
sleeping.
"""
from __future__ import annotations

import time

from .store import Store


class SimClock:
    """now = start + (wall - wall_start) * speed + offset; all of it persisted in the store."""

    def __init__(self, store: Store, speed: float | None = None, advance_on_read: float | None = None,
                 wall: "callable[[], float] | None" = None) -> None:  # type: ignore[valid-type]
        self.store = store
        self._wall = wall or time.time
        if store.meta_get("clock.start") is None:
            now = self._wall()
            store.meta_set("clock.start", repr(now))
            store.meta_set("clock.wall_start", repr(now))
            store.meta_set("clock.offset", "0.0")
            store.meta_set("clock.speed", repr(1.0))
            store.meta_set("clock.step", "0.0")
        if speed is not None:
            self.set_speed(speed)
        if advance_on_read is not None:
            store.meta_set("clock.step", repr(float(advance_on_read)))

    def _f(self, key: str) -> float:
        return float(self.store.meta_get(key, "0") or 0)

    def now(self) -> float:
        speed = self._f("clock.speed")
        return self._f("clock.start") + (self._wall() - self._f("clock.wall_start")) * speed + self._f("clock.offset")

    @property
    def speed(self) -> float:
        return self._f("clock.speed")

    def set_speed(self, speed: float) -> None:
        """Change speed without a jump: rebase start on the current simulated time."""
        with self.store.transaction():
            current = self.now()
            self.store.meta_set("clock.start", repr(current - self._f("clock.offset")))
            self.store.meta_set("clock.wall_start", repr(self._wall()))
            self.store.meta_set("clock.speed", repr(float(speed)))

    def advance(self, seconds: float) -> float:
        with self.store.transaction():
            self.store.meta_set("clock.offset", repr(self._f("clock.offset") + float(seconds)))
            return self.now()

    def on_request(self) -> None:
        """Advance-on-read mode: every request moves time forward by the configured step."""
        step = self._f("clock.step")
        if step:
            self.advance(step)
