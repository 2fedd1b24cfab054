"""Long-running operations the ARM way: 201/202 + Azure-AsyncOperation, status documents, monitor URLs.

An operation is stored with the simulated time it ends, its outcome and (for run command) its
result; its status is computed from the clock whenever it is read.
"""
from __future__ import annotations

from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.wire import SimError, SimResponse
from .arm import PROVIDER, iso

VENDOR = "azure"
API_VERSION = "2026-04-01"
IN_PROGRESS, SUCCEEDED, FAILED = "InProgress", "Succeeded", "Failed"


class Operations:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def start(self, subscription: str, location: str, duration: float, *, target: str = "",
              result: dict[str, Any] | None = None, error: dict[str, str] | None = None) -> dict[str, Any]:
        """Record an operation that ends `duration` simulated seconds from now."""
        now = self.ctx.now()
        op: dict[str, Any] = {"name": ids.uuid_like(self.store, "azure.operation"), "subscription": subscription,
              "location": location, "started_at": now, "done_at": now + max(0.0, duration),
              "target": target, "result": result, "error": error}
        self.store.put(VENDOR, location, "operation", op["name"], op, account=subscription)
        return op

    def get(self, subscription: str, location: str, name: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, location.lower(), "operation", name, account=subscription)
        if found is None:
            raise SimError("NotFound", f"The operation '{name}' was not found.", 404)
        return found

    def status(self, op: dict[str, Any]) -> str:
        if self.ctx.now() < op["done_at"]:
            return IN_PROGRESS
        return FAILED if op.get("error") else SUCCEEDED

    def document(self, op: dict[str, Any]) -> dict[str, Any]:
        """The operation status document the Azure-AsyncOperation URL returns."""
        status = self.status(op)
        doc: dict[str, Any] = {"name": op["name"], "status": status, "startTime": iso(op["started_at"])}
        if status != IN_PROGRESS:
            doc["endTime"] = iso(op["done_at"])
        if status == FAILED:
            doc["error"] = op["error"]
        if status == SUCCEEDED and op.get("result") is not None:
            doc["properties"] = {"output": op["result"]}
        return doc

    def monitor(self, op: dict[str, Any], base: str) -> SimResponse:
        """The Location URL: 202 while running, then the operation's result (or an empty 200)."""
        status = self.status(op)
        if status == IN_PROGRESS:
            return SimResponse(202, b"", {"Location": self.url(op, base, monitor=True)})
        if status == FAILED:
            return SimResponse.json(400, {"error": op["error"]})
        if op.get("result") is not None:
            return SimResponse.json(200, op["result"])
        return SimResponse(200, b"", {})

    def url(self, op: dict[str, Any], base: str, monitor: bool = False) -> str:
        query = f"monitor=true&api-version={API_VERSION}" if monitor else f"api-version={API_VERSION}"
        return (f"{base}/subscriptions/{op['subscription']}/providers/{PROVIDER}/locations/{op['location']}"
                f"/operations/{op['name']}?{query}")

    def headers(self, op: dict[str, Any], base: str, location_header: bool = True) -> dict[str, str]:
        out = {"Azure-AsyncOperation": self.url(op, base)}
        if location_header:
            out["Location"] = self.url(op, base, monitor=True)
        return out

    def accepted(self, op: dict[str, Any], base: str, status: int = 202, body: Any = None,
                 location_header: bool = True) -> SimResponse:
        """The first reply of a long-running operation: 201/202 (or 200) plus the polling headers."""
        headers = self.headers(op, base, location_header)
        if body is None:
            return SimResponse(status, b"", headers)
        return SimResponse.json(status, body, **headers)
