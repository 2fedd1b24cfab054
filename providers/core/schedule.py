"""When to look at one long-running item again, from its own start and its own progress.

Each copy of a many-region publish keeps its own `Pace`, so a region is described at the pace of
its own estimated finish instead of the pace of the copy nearest completion. With progress the
next look is where the copy must have ended (progress is read as a floor, so `elapsed * 100 / p`
is the latest consistent finish), approached by at most doubling the elapsed time; without
progress the looks are spaced by a fixed fraction of the elapsed time (geometric backoff), which
bounds how late a completion is noticed to that fraction of the copy's length.
"""
from __future__ import annotations

from dataclasses import dataclass

FIRST = 30.0  # first look after a start: few copies end sooner
MIN_GAP = 15.0  # never look again sooner than this (bounds lateness of short progress-less copies)
LATE = 0.045  # a completion is noticed at most this fraction of its length late
REPORT_EVERY = 300.0  # a long wait still reports (the last known) progress this often, without a call


@dataclass
class Pace:
    """One item's schedule: its anchor (start, or first sight of an adopted copy) and when it is due."""

    anchor: float
    base: float = 0.0  # progress at the anchor (an adopted copy already part-way)
    due: float = 0.0
    last: float | None = None  # progress at the previous look: unchanged progress says nothing
    looks: int = 0

    @classmethod
    def start(cls, now: float, progress: float | None = None) -> "Pace":
        base = progress if progress is not None and 0 < progress < 100 else 0.0
        return cls(now, base, now + FIRST, None)

    def is_due(self, now: float) -> bool:
        """Due now, or so soon (1 % of the elapsed time) that looking now costs nothing in lateness."""
        return self.due <= now + max(1.0, 0.01 * (now - self.anchor))

    def seen(self, now: float, progress: float | None) -> None:
        """Record one look and schedule the next."""
        self.looks += 1
        moved = progress is not None and progress != self.last
        self.last = progress
        self.due = now + gap(now - self.anchor, self._relative(progress) if moved else None)

    def _relative(self, progress: float | None) -> float | None:
        if progress is None or self.base <= 0:
            return progress
        return 100.0 * (progress - self.base) / (100.0 - self.base)


def gap(elapsed: float, progress: float | None) -> float:
    """Seconds until the next look at an item `elapsed` seconds in, that last reported `progress` percent."""
    elapsed = max(elapsed, 0.0)
    if elapsed < FIRST:
        return max(FIRST - elapsed, 1.0)
    fallback = max(LATE * elapsed, MIN_GAP)
    if progress is None or progress <= 0:
        return fallback  # nothing to estimate from: geometric backoff on the elapsed time
    if progress >= 100:
        return fallback  # "100 %" but not yet done: finishing touches
    latest = elapsed * 100.0 / progress  # the longest duration consistent with this (floored) reading
    earliest = elapsed * 100.0 / (progress + 1.0)
    if latest - earliest <= LATE * earliest:
        target = latest  # precise enough: look once, just when it must have ended
    else:
        target = latest * 0.25  # read progress again at about a quarter, where it is precise
    return max(min(target - elapsed, elapsed), fallback)
