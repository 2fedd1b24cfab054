"""The one polling loop: deadline, exponential backoff with jitter and cap, progress reports."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from .errors import CloudError, Timeout

T = TypeVar("T")



# Benchmarks: told of every wait that ended, as (what, started, last pending look or None, done), in the clock's time.
OBSERVERS: list[Callable[[str, float, float | None, float], None]] = []

class Clock(Protocol):
    """Where the waiter reads time and how it sleeps: injectable for tests and simulations."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time; with a speed factor > 1 a simulated cloud's minutes pass in real seconds."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._start = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._start) * self.speed

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.speed)


@dataclass(frozen=True)
class Backoff:
    """Delays between polls: initial * factor**n, capped, with jitter that only shortens."""

    initial: float = 5.0
    factor: float = 2.0
    cap: float = 60.0
    jitter: float = 0.2

    def delay(self, attempt: int, rng: random.Random) -> float:
        base = min(self.cap, self.initial * self.factor ** max(0, attempt))
        return base * (1.0 - self.jitter * rng.random())


@dataclass(frozen=True)
class Pending:
    """Not done yet; `progress` is a percentage when the cloud reports one.

    `lead` is the progress of the item nearest completion when one wait covers several (copies
    to many regions): it bounds the next sleep so each completion is noticed promptly.
    `next_in` is set by a poll that schedules its own looks (each region at its own pace): the
    waiter then sleeps exactly that long (within the deadline) instead of backing off.
    """

    progress: float | None = None
    detail: str = ""
    lead: float | None = None
    next_in: float | None = None


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T


PollResult = Pending | Done[T]
ProgressFn = Callable[[str, float | None, str], None]


def _quiet(_what: str, _progress: float | None, _detail: str) -> None:
    return None


@dataclass
class Waiter:
    """The one place that waits: polls until done, retrying retryable cloud errors, all inside one deadline.

    A resource sets `deadline` from the user's `timeouts` when an operation starts (`bound`); every
    `wait` and `call` after that ends by it, so no step can outlast what the user allowed.
    """

    clock: Clock = field(default_factory=SystemClock)
    backoff: Backoff = field(default_factory=Backoff)
    rng: random.Random = field(default_factory=random.Random)
    on_progress: ProgressFn = _quiet
    polls: int = 0
    deadline: float | None = None
    last_error: CloudError | None = None

    def bound(self, timeout: float) -> "Waiter":
        """Start the operation's deadline: `timeout` seconds from now."""
        self.deadline = self.clock.now() + timeout
        return self

    def remaining(self, default: float) -> float:
        """Seconds left before the deadline (`default` when no deadline is set)."""
        if self.deadline is None:
            return default
        return max(0.0, self.deadline - self.clock.now())

    def _end(self, start: float, timeout: float) -> float:
        end = start + timeout
        return end if self.deadline is None else min(end, self.deadline)

    def wait(self, what: str, poll: Callable[[], "PollResult[T]"], timeout: float | None = None) -> T:
        """Call `poll` until it returns Done; raise Timeout naming `what` (and the last error) at the deadline.

        When the cloud reports progress, the next sleep is bounded by the time the remaining
        percentage should take, so completion is noticed soon after it happens.
        """
        with _held(self.clock):
            return self._wait(what, poll, timeout)

    def _wait(self, what: str, poll: Callable[[], "PollResult[T]"], timeout: float | None) -> T:
        start = self.clock.now()
        deadline = self._end(start, timeout if timeout is not None else float("inf"))
        attempt = 0
        last: CloudError | None = None
        pending_at: float | None = None
        while True:
            self.polls += 1
            asked = 0.0
            try:
                result = poll()
            except CloudError as err:
                if not err.retryable:
                    raise
                last = self.last_error = err
                asked = err.retry_after or 0.0
                result = Pending(None, f"retrying after {err.code or type(err).__name__}")
            if isinstance(result, Done):
                for observer in OBSERVERS:
                    observer(what, start, pending_at, self.clock.now())
                return result.value
            now = pending_at = self.clock.now()
            self.on_progress(what, result.progress, result.detail)
            if now >= deadline:
                cause = f"; the last attempt failed: {last}" if last is not None else ""
                raise Timeout(
                    f"{what} did not finish within {deadline - start:.0f}s (last progress "
                    f"{_pct(result.progress)}{', ' + result.detail if result.detail else ''}){cause}; it may still "
                    "finish in the cloud: raise the timeout and run again", code=last.code if last else "")
            if result.next_in is not None:
                delay = max(result.next_in, asked, 1.0)
            else:
                delay = self.backoff.delay(attempt, self.rng)
                lead = result.lead if result.lead is not None else result.progress
                delay = max(min(delay, _eta(lead, now - start)), asked)
            self.clock.sleep(max(min(delay, deadline - now), 0.0))
            attempt += 1

    def call(self, what: str, fn: Callable[[], T], timeout: float = 300.0) -> T:
        """Run one API call, retrying only retryable errors (throttling, 5xx) with backoff, within the deadline."""
        with _held(self.clock):
            return self._call(what, fn, timeout)

    def _call(self, what: str, fn: Callable[[], T], timeout: float) -> T:
        start = self.clock.now()
        end = self._end(start, timeout)
        attempt = 0
        while True:
            try:
                return fn()
            except CloudError as err:
                now = self.clock.now()
                if not err.retryable or now >= end:
                    raise
                self.last_error = err
                self.on_progress(what, None, f"retrying after {err.code or type(err).__name__}")
                delay = max(self.backoff.delay(attempt, self.rng), err.retry_after or 0.0)
                self.clock.sleep(min(delay, max(0.0, end - now)))
                attempt += 1


def _held(clock: Clock) -> AbstractContextManager[object]:
    """A clock shared by several waiters (a stopped simulated one) holds time while one works."""
    held = getattr(clock, "held", None)
    return held() if callable(held) else nullcontext()


def _pct(progress: float | None) -> str:
    return "unknown" if progress is None else f"{progress:.0f}%"


def _eta(progress: float | None, elapsed: float) -> float:
    """Seconds the remaining work should take at the observed rate; infinity when unknown."""
    if progress is None or progress <= 0 or progress >= 100 or elapsed <= 0:
        return float("inf")
    return max(1.0, elapsed * (100.0 - progress) / progress)
