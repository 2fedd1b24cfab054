"""The embedded clouds: start in-thread (tests, demo) or serve from the command line."""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .clock import SimClock
from .context import LoggedRequest, SimContext
from .faults import Fault
from .server import Dispatcher, Listener
from .store import Store
from .tls import server_context
from .wire import VendorWire

# Every vendor's wire module; loaded when the simulator starts, never by the providers.
WIRES: tuple[str, ...] = (
    "imageforge.simulator.alibaba.sts_wire:StsWire",  # before ECS, which answers every other RPC version
    "imageforge.simulator.alibaba.ecs_wire:EcsWire",
    "imageforge.simulator.alibaba.eds_wire:EdsWire",
    "imageforge.simulator.tencent.tat_wire:TatWire",  # before CVM's: API 3.0 requests signed for service `tat`
    "imageforge.simulator.tencent.wire:CvmWire",
    "imageforge.simulator.huawei.coc_wire:CocWire",  # before IMS's, which answers every SDK-HMAC-SHA256 request
    "imageforge.simulator.huawei.wire:HuaweiWire",
    "imageforge.simulator.azure.wire:AzureWire",
    "imageforge.simulator.azure.entra:EntraWire",
)


def _load_wires(ctx: SimContext) -> list[VendorWire]:
    wires = []
    for path in WIRES:
        module, _, name = path.partition(":")
        if importlib.util.find_spec(module) is None:
            continue  # a vendor not simulated yet
        wires.append(getattr(importlib.import_module(module), name)(ctx))
    return wires


class Simulator:
    """State in `home/state.db`; endpoints published in `home/endpoints.json` for the providers."""

    def __init__(self, home: Path | str, *, speed: float = 1.0, advance_on_read: float | None = None,
                 port: int = 0, tls_port: int = 0, seed: str | None = None) -> None:
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.home / "state.db")
        if seed is not None and self.store.meta_get("ids.seed") is None:
            self.store.meta_set("ids.seed", seed)
        self.clock = SimClock(self.store, speed=speed, advance_on_read=advance_on_read)
        self.ctx = SimContext(self.store, self.clock)
        self.wires = _load_wires(self.ctx)
        for wire in self.wires:
            seed_fn = getattr(wire, "seed", None)
            if seed_fn is not None and self.store.meta_get(f"seeded.{wire.vendor}") is None:
                with self.store.transaction():  # one commit for the whole seed
                    seed_fn()
                    self.store.meta_set(f"seeded.{wire.vendor}", "1")
        self._ports = (port, tls_port)
        self._listeners: list[Listener] = []
        self.endpoints: dict[str, Any] = {}

    def start(self) -> dict[str, Any]:
        dispatcher = Dispatcher(self.ctx, self.wires)
        http = Listener(dispatcher, self._ports[0]).start()
        self._listeners.append(http)
        self.endpoints = {"http": http.url, "speed": self.clock.speed}
        tls = server_context(self.home)
        if tls is not None:
            https = Listener(dispatcher, self._ports[1], tls[0]).start()
            self._listeners.append(https)
            self.endpoints.update(https=https.url, ca_file=str(tls[1]))
        for wire in self.wires:
            extras = getattr(wire, "endpoint_extras", None)
            if extras is not None:
                self.endpoints.update(extras())
        path = self.home / "endpoints.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.endpoints, indent=2))
        os.replace(tmp, path)
        return self.endpoints

    def stop(self) -> None:
        for listener in self._listeners:
            listener.stop()
        self._listeners.clear()
        (self.home / "endpoints.json").unlink(missing_ok=True)
        self.store.close()

    def __enter__(self) -> "Simulator":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # test and demo controls ------------------------------------------------------
    def advance(self, seconds: float) -> float:
        return self.clock.advance(seconds)

    def inject(self, vendor: str, action: str, kind: str, **kwargs: Any) -> int:
        return self.ctx.faults.inject(Fault(vendor=vendor, action=action, kind=kind, **kwargs))

    def clear_faults(self) -> None:
        self.ctx.faults.clear()

    def requests(self, vendor: str | None = None, action: str | None = None, since: int = 0) -> list[LoggedRequest]:
        return self.ctx.requests(vendor, action, since)

    def mark(self) -> int:
        """The current end of the request log, to ask later what happened after it."""
        return self.ctx.last_request_seq()

    def inventory(self) -> set[tuple[str, str, str]]:
        """Every live image and copy, as (vendor, region, id): what a crash test counts for leaks.

        A wire may define `inventory()` (a copy that lives inside another object, such as a gallery
        version's target region); otherwise its objects of kind "image" not marked deleted count.
        """
        out: set[tuple[str, str, str]] = set()
        for wire in self.wires:
            own = getattr(wire, "inventory", None)
            if own is not None:
                out |= {(wire.vendor, region, ident) for region, ident in own()}
                continue
            rows = self.store.execute("SELECT region, id, data FROM objects WHERE vendor=? AND kind='image'",
                                      (wire.vendor,))
            out |= {(wire.vendor, r[0], r[1]) for r in rows if '"_deleted_at"' not in r[2]}
        return out

    def build_objects(self) -> set[tuple[str, str, str, str]]:
        """Every live object other than an image carrying imageforge's identity tag (a build VM, its disks, NICs,
        public IPs), as (vendor, kind, region, id): what a bake must never leave behind."""
        rows = self.store.execute("SELECT vendor, kind, region, id, data FROM objects WHERE kind != 'image' "
                                  "AND data LIKE '%imageforge-key%'")
        gone = {wire.vendor: getattr(wire, "gone", None) for wire in self.wires}
        out = set()
        for vendor, kind, region, ident, data in rows:
            if '"_deleted_at"' in data:
                continue
            ended = gone.get(vendor)  # a wire whose objects end lazily (terminating, then gone) says when
            if ended is not None and ended(kind, region, ident, json.loads(data)):
                continue
            out.add((vendor, kind, region, ident))
        return out

    def hook(self, fn: Callable[[str, str, Any], None]) -> Callable[[], None]:
        """Call fn(phase, vendor, call) before and after every cloud request; returns the function that removes it."""
        self.ctx.hooks.append(fn)
        return lambda: self.ctx.hooks.remove(fn) if fn in self.ctx.hooks else None
