"""Long-running operations the ARM way: 201/202 + Azure-AsyncOperation, status documents, monitor URLs.

An operation is an `Operation` record: its Lifecycle, its outcome (an error, or for run command a
result) and the object it acts on; its status is computed from the clock whenever it is read.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import Lifecycle, Phase
from ..core.wire import SimError, SimResponse
from .arm import PROVIDER, iso
from .records import VENDOR, between, ends, lifecycle

__all__ = ["API_VERSION", "FAILED", "IN_PROGRESS", "SUCCEEDED", "VENDOR", "Operation", "Operations"]

API_VERSION = "2026-04-01"
IN_PROGRESS, SUCCEEDED, FAILED = "InProgress", "Succeeded", "Failed"


@dataclass(frozen=True)
class Operation:
    """One long-running operation; it ends when its lifecycle does, failed when it carries an error."""

    name: str
    subscription: str
    location: str
    lifecycle: Lifecycle
    target: str = ""
    result: dict[str, Any] | None = None
    error: dict[str, str] | None = None

    def to_record(self) -> dict[str, Any]:
        return {"name": self.name, "subscription": self.subscription, "location": self.location,
                "lifecycle": self.lifecycle.record(), "target": self.target, "result": self.result,
                "error": self.error}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "Operation":
        """This version's records, and the `started_at` / `done_at` ones of 0.1.0."""
        lc = lifecycle(r.get("lifecycle")) or between(float(r["started_at"]), float(r["done_at"]))
        return cls(str(r["name"]), str(r["subscription"]), str(r["location"]), lc, str(r.get("target") or ""),
                   r.get("result"), r.get("error"))

    def status(self, now: float) -> str:
        if self.lifecycle.at(now).phase is Phase.RUNNING:
            return IN_PROGRESS
        return FAILED if self.error else SUCCEEDED


class Operations:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def start(self, subscription: str, location: str, duration: float, *, target: str = "",
              result: dict[str, Any] | None = None, error: dict[str, str] | None = None) -> Operation:
        """Record an operation that ends `duration` simulated seconds from now."""
        op = Operation(ids.uuid_like(self.store, "azure.operation"), subscription, location,
                       Lifecycle.start(self.ctx.now(), duration), target, result, error)
        self.store.put(VENDOR, location, "operation", op.name, op.to_record(), account=subscription)
        return op

    def get(self, subscription: str, location: str, name: str) -> Operation:
        found = self.store.get(VENDOR, location.lower(), "operation", name, account=subscription)
        if found is None:
            raise SimError("NotFound", f"The operation '{name}' was not found.", 404)
        return Operation.from_record(found)

    # on the wire -----------------------------------------------------------------
    def document(self, op: Operation) -> dict[str, Any]:
        """The operation status document the Azure-AsyncOperation URL returns."""
        status = op.status(self.ctx.now())
        doc: dict[str, Any] = {"name": op.name, "status": status, "startTime": iso(op.lifecycle.started_at)}
        if status != IN_PROGRESS:
            doc["endTime"] = iso(ends(op.lifecycle))
        if status == FAILED:
            doc["error"] = op.error
        if status == SUCCEEDED and op.result is not None:
            doc["properties"] = {"output": op.result}
        return doc

    def monitor(self, op: Operation, base: str) -> SimResponse:
        """The Location URL: 202 while running, then the operation's result (or an empty 200)."""
        status = op.status(self.ctx.now())
        if status == IN_PROGRESS:
            return SimResponse(202, b"", {"Location": self.url(op, base, monitor=True)})
        if status == FAILED:
            return SimResponse.json(400, {"error": op.error})
        if op.result is not None:
            return SimResponse.json(200, op.result)
        return SimResponse(200, b"", {})

    def url(self, op: Operation, base: str, monitor: bool = False) -> str:
        query = f"monitor=true&api-version={API_VERSION}" if monitor else f"api-version={API_VERSION}"
        return (f"{base}/subscriptions/{op.subscription}/providers/{PROVIDER}/locations/{op.location}"
                f"/operations/{op.name}?{query}")

    def headers(self, op: Operation, base: str, location_header: bool = True) -> dict[str, str]:
        out = {"Azure-AsyncOperation": self.url(op, base)}
        if location_header:
            out["Location"] = self.url(op, base, monitor=True)
        return out

    def accepted(self, op: Operation, base: str, status: int = 202, body: Any = None,
                 location_header: bool = True) -> SimResponse:
        """The first reply of a long-running operation: 201/202 (or 200) plus the polling headers."""
        headers = self.headers(op, base, location_header)
        if body is None:
            return SimResponse(status, b"", headers)
        return SimResponse.json(status, body, **headers)
