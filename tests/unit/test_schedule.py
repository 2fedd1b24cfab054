"""Per-region schedules: few looks per copy, completions noticed within 5 % of each copy's length."""
from __future__ import annotations

import pytest

from imageforge.providers.core.schedule import FIRST, LATE, Pace, gap


def follow(duration: float, progress: str = "floor") -> tuple[int, float]:
    """Looks a Pace makes at a copy of `duration` seconds, and how late it sees the end (seconds)."""
    pace, now = Pace.start(0.0), 0.0
    while True:
        now = pace.due
        if now >= duration:
            return pace.looks + 1, now - duration
        elapsed = now
        if progress == "floor":
            seen: float | None = int(100 * elapsed / duration)
        elif progress == "round":
            seen = min(100, round(100 * elapsed / duration))
        elif progress == "stuck":
            seen = min(int(100 * elapsed / duration), 99 if elapsed > 0.5 * duration else 50)
        else:
            seen = None
        pace.seen(now, seen)


@pytest.mark.parametrize("minutes", [6, 10, 17, 25, 40, 90])
def test_a_copy_reporting_progress_is_looked_at_a_few_times_and_its_end_seen_promptly(minutes: int) -> None:
    looks, late = follow(60.0 * minutes)
    assert looks <= (20 if minutes <= 10 else 30)
    assert looks <= 12  # grows with the log of the length, not linearly
    assert late <= 0.05 * 60 * minutes


@pytest.mark.parametrize("minutes", [6, 10, 17, 40, 90])
def test_rounded_or_stalling_progress_still_ends_within_five_percent(minutes: int) -> None:
    for kind in ("round", "stuck"):
        looks, late = follow(60.0 * minutes, kind)
        assert late <= 0.05 * 60 * minutes, kind
        assert looks <= 60, kind


@pytest.mark.parametrize("minutes", [6, 10, 40, 90])
def test_a_copy_without_progress_backs_off_geometrically_within_five_percent(minutes: int) -> None:
    looks, late = follow(60.0 * minutes, "none")
    assert late <= 0.05 * 60 * minutes
    shorter, _ = follow(60.0 * minutes / 2, "none")
    assert looks - shorter <= 20  # doubling the length adds a constant number of looks (log growth)


def test_an_adopted_copy_part_way_estimates_from_what_is_left() -> None:
    pace = Pace.start(1000.0, 50.0)  # first seen half done; 600 s left at a steady pace
    pace.seen(1000.0 + FIRST, 52.5)
    assert pace.due <= 1000.0 + 600.0 * (1 + LATE) + 1


def test_the_first_look_comes_soon_and_never_in_the_past() -> None:
    assert gap(0.0, None) == FIRST
    assert gap(10_000.0, 99.0) > 0
