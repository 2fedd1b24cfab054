"""The waiter's clock when talking to the simulator: simulated time, read from the simulator.

With a running simulated clock (speed > 0) sleeping is real but shortened by the speed factor;
with a stopped clock (speed 0, the test mode) sleeping advances the simulator's clock instead,
so waits are exact and instant while the backoff behaves as it would against a real cloud. The
waiters of one process share one event queue (core/timeline.py), so resources waiting at once
move time together instead of each adding its own sleeps.
"""
from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from .endpoints import SimEndpoints, load_sim_endpoints
from .errors import ServiceUnavailable
from .timeline import timeline_for
from .waiting import Clock, SystemClock


class SimulatorClock:
    def __init__(self, endpoints: SimEndpoints) -> None:
        self.base = endpoints.http.rstrip("/")
        self.speed = endpoints.speed
        self.timeline = timeline_for(self.base, self.now, self._advance) if self.speed <= 0 else None

    def _call(self, method: str, path: str, body: dict[str, float] | None = None) -> dict[str, float]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return json.loads(reply.read())
        except (OSError, ValueError) as exc:  # URLError is an OSError
            raise ServiceUnavailable(
                f"the simulator at {self.base} does not answer ({type(exc).__name__}: {exc}): start it with "
                "`imageforge sim serve` (or use endpoint 'cloud')", vendor="simulator", operation="clock",
                retryable=False) from None

    def now(self) -> float:
        return float(self._call("GET", "/_sim/clock")["now"])

    def _advance(self, seconds: float) -> object:
        return self._call("POST", "/_sim/advance", {"seconds": seconds})

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self.timeline is None:
            time.sleep(seconds / self.speed)
        else:
            self.timeline.sleep(seconds)

    @contextmanager
    def held(self) -> Iterator[None]:
        """A wait or call in progress: simulated time waits for it (with a stopped clock)."""
        with self.timeline.held() if self.timeline is not None else nullcontext():
            yield


def clock_for(profile: str) -> Clock:
    """The clock a waiter uses for an endpoint profile: the simulator's for `sim`, real time otherwise."""
    return SimulatorClock(load_sim_endpoints()) if profile == "sim" else SystemClock()
