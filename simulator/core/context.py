"""What every vendor model shares: the store, the clock, faults, ids and the request log."""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import ids
from .clock import SimClock
from .faults import FAIL, Fault, Faults
from .store import DEFAULT_ACCOUNT, Store, as_account
from .wire import Call, SimRequest, SimResponse


@dataclass(frozen=True)
class LoggedRequest:
    seq: int
    at: float
    vendor: str
    region: str
    action: str
    params: dict[str, Any]
    status: int
    error: str


Hook = Callable[[str, str, Call], None]  # (phase "before" | "after", vendor, call)


class SimContext:
    def __init__(self, store: Store, clock: SimClock) -> None:
        self.store = store
        self.clock = clock
        self.faults = Faults(store)
        self.hooks: list[Hook] = []  # in-process observers (crash tests stop a client at a chosen request)
        self._request = threading.local()  # the instant the request being handled on this thread reads

    def run_hooks(self, phase: str, vendor: str, call: Call) -> None:
        for hook in list(self.hooks):
            hook(phase, vendor, call)

    @contextmanager
    def request(self) -> Iterator[None]:
        """Handle one request at one instant: the clock (several reads from the store) is read once, on
        first use, and every view, filter and record of the request sees that same time."""
        outer = not hasattr(self._request, "now")
        if outer:
            self._request.now = None
        try:
            yield
        finally:
            if outer:
                del self._request.now

    @contextmanager
    def signed_in(self, vendor: str, account: str, seed: Callable[[], None] | None = None) -> Iterator[None]:
        """Handle the rest of a request inside the account that signed it; an account's first request
        seeds what the vendor gives every account (public images, networks), as the default got at start."""
        with as_account(account):
            marker = f"seeded.{vendor}.{account}"
            if seed is not None and account != DEFAULT_ACCOUNT and self.store.meta_get(marker) is None:
                with self.store.transaction():
                    if self.store.meta_get(marker) is None:  # another thread may have seeded meanwhile
                        seed()
                        self.store.meta_set(marker, "1")
            yield

    def now(self) -> float:
        if not hasattr(self._request, "now"):
            return self.clock.now()
        if self._request.now is None:
            self._request.now = self.clock.now()
        return float(self._request.now)

    def request_id(self) -> str:
        return ids.request_id(self.store)

    def take_failure(self, vendor: str, action: str, region: str) -> Fault | None:
        """Consume an injected `fail` fault: the operation is accepted and fails later."""
        return self.faults.take(vendor, action, region, FAIL)

    # request log ---------------------------------------------------------------
    def log_request(self, vendor: str, call: Call | None, status: int, error: str) -> None:
        if call is None:
            call = Call("?", "", {})
        self.store.execute(
            "INSERT INTO requests (at, vendor, region, action, params, status, error) VALUES (?,?,?,?,?,?,?)",
            (self.clock.now(), vendor, call.region, call.action, json.dumps(dict(call.params), default=str), status, error),
        )

    def requests(self, vendor: str | None = None, action: str | None = None, since: int = 0) -> list[LoggedRequest]:
        sql = "SELECT seq, at, vendor, region, action, params, status, error FROM requests WHERE seq > ?"
        args: list[Any] = [since]
        if vendor:
            sql += " AND vendor=?"
            args.append(vendor)
        if action:
            sql += " AND action=?"
            args.append(action)
        rows = self.store.execute(sql + " ORDER BY seq", tuple(args))
        return [LoggedRequest(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows]

    def last_request_seq(self) -> int:
        return int(self.store.execute("SELECT coalesce(max(seq), 0) FROM requests")[0][0])

    # control API for a simulator in another process ---------------------------------
    def control(self, request: SimRequest) -> SimResponse:
        body = request.json() if request.body else {}
        if request.path == "/_sim/requests" and request.method == "GET":
            since = int(request.query.get("since", "0"))
            rows = self.requests(request.query.get("vendor"), request.query.get("action"), since)
            return SimResponse.json(200, [r.__dict__ for r in rows])
        if request.path == "/_sim/advance" and request.method == "POST":
            return SimResponse.json(200, {"now": self.clock.advance(float(body.get("seconds", 0)))})
        if request.path == "/_sim/faults" and request.method == "POST":
            return SimResponse.json(200, {"id": self.faults.inject(Fault(**body))})
        if request.path == "/_sim/faults" and request.method == "DELETE":
            self.faults.clear()
            return SimResponse.json(200, {})
        if request.path == "/_sim/clock" and request.method == "GET":
            return SimResponse.json(200, {"now": self.clock.now(), "speed": self.clock.speed})
        return SimResponse.json(404, {"error": f"unknown control path {request.path}"})
