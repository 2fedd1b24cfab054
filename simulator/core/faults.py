"""Fault injection per vendor, operation and region: throttling, 5xx, latency, operation failure."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .store import Store

THROTTLE = "throttle"
SERVER_ERROR = "5xx"
LATENCY = "latency"
FAIL = "fail"  # the operation is accepted, then fails (image CreateFailed, copy fails, job FAIL)
LOST = "lost"  # the request is applied, then answered with a 5xx: the caller cannot know it took effect
KINDS = (THROTTLE, SERVER_ERROR, LATENCY, FAIL, LOST)


@dataclass(frozen=True)
class Fault:
    vendor: str
    action: str  # vendor action name, or "*"
    kind: str
    region: str = "*"
    times: int = 1  # -1 = every matching request
    code: str = ""
    message: str = ""
    status: int = 0
    latency: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)
    id: int = 0


class Faults:
    def __init__(self, store: Store) -> None:
        self.store = store

    def inject(self, fault: Fault) -> int:
        if fault.kind not in KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; use one of {KINDS}")
        self.store.execute(
            "INSERT INTO faults (vendor, action, region, kind, code, message, status, remaining, latency, params)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (fault.vendor, fault.action, fault.region, fault.kind, fault.code, fault.message, fault.status,
             fault.times, fault.latency, json.dumps(fault.params)),
        )
        return int(self.store.execute("SELECT max(id) FROM faults")[0][0])

    def clear(self) -> None:
        self.store.execute("DELETE FROM faults")

    def take(self, vendor: str, action: str, region: str, kind: str) -> Fault | None:
        """Consume one matching fault (most specific first) or return None."""
        with self.store.transaction():
            rows = self.store.execute(
                "SELECT id, vendor, action, region, kind, code, message, status, remaining, latency, params FROM faults"
                " WHERE vendor=? AND kind=? AND (action=? OR action='*') AND (region=? OR region='*' OR region='')"
                " AND remaining != 0 ORDER BY (action='*'), (region='*' OR region=''), id LIMIT 1",
                (vendor, kind, action, region),
            )
            if not rows:
                return None
            r = rows[0]
            if r[8] > 0:
                self.store.execute("UPDATE faults SET remaining = remaining - 1 WHERE id=?", (r[0],))
        return Fault(vendor=r[1], action=r[2], region=r[3], kind=r[4], code=r[5], message=r[6], status=r[7],
                     times=r[8], latency=r[9], params=json.loads(r[10] or "{}"), id=r[0])
