"""Virtual machine and run-command records: power and guest state as lifecycles, and how ARM shows them.

A VM's state is its `base` state (as of the last power operation) plus a pending power change
(stopping -> stopped over its Lifecycle) and guest changes (what a command did to the guest, in
effect once the command has run). Nothing ticks: `VirtualMachine.state(now)` reads them.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from ..core.lifecycle import Lifecycle
from . import arm
from .records import between, ends, finished, lifecycle, stored, until

DELETE_SECONDS = 60.0
POWER_DISPLAY = {"running": "VM running", "stopping": "VM stopping", "stopped": "VM stopped",
                 "deallocating": "VM deallocating", "deallocated": "VM deallocated", "starting": "VM starting"}
SETTLED_POWER = ("running", "stopped", "deallocated")
GUEST_KEYS = ("deprovisioned", "sysprepped", "panther_removed", "image_state")


@dataclass(frozen=True)
class VmState:
    """What a VM is at one moment: its power state, whether ARM marked it generalized, and its guest's state.

    `deprovisioned` is the waagent mode that ran ("deprovision+user"), `image_state` the Windows
    registry's ImageState once Sysprep set it ("" until then).
    """

    power: str = "running"
    generalized: bool = False
    deprovisioned: str = ""
    sysprepped: bool = False
    panther_removed: bool = False
    image_state: str = ""

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "VmState":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in r.items() if k in names})

    def guest(self) -> dict[str, Any]:
        """The state a script in the guest reads (guest.py)."""
        return asdict(self)


@dataclass(frozen=True)
class PowerChange:
    """A power operation: `via` while it runs, `to` once it ends; nothing before it starts."""

    via: str
    to: str
    lifecycle: Lifecycle

    def power(self, now: float, before: str) -> str:
        if now < self.lifecycle.started_at:
            return before
        return self.to if finished(self.lifecycle, now) else self.via


@dataclass(frozen=True)
class GuestChange:
    """What a command changes in the guest, in effect once the command has run."""

    effects: dict[str, Any]
    lifecycle: Lifecycle


@dataclass
class VirtualMachine:
    """One VM. `properties` is its ARM description (profiles, disks), fixed when the VM is made."""

    id: str
    name: str
    location: str
    properties: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    encrypted: bool = False
    hyperv: str = "V2"
    base: VmState = VmState()
    change: PowerChange | None = None
    pending: list[GuestChange] = field(default_factory=list)
    deleting: Lifecycle | None = None

    # the store ---------------------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        change = None if self.change is None else {"via": self.change.via, "to": self.change.to,
                                                   "lifecycle": self.change.lifecycle.record()}
        return {"id": self.id, "name": self.name, "location": self.location, "properties": self.properties,
                "tags": self.tags, "encrypted": self.encrypted, "hyperv": self.hyperv, "state": asdict(self.base),
                "power_change": change,
                "guest_changes": [{"effects": g.effects, "lifecycle": g.lifecycle.record()} for g in self.pending],
                "deleting": stored(self.deleting)}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "VirtualMachine":
        """This version's records, and the ARM documents with `_state` / `_timeline` that 0.1.0 stored."""
        if "_state" in r:
            return cls._legacy(r)
        change = r.get("power_change")
        return cls(r["id"], r["name"], r["location"], dict(r["properties"]), dict(r.get("tags") or {}),
                   bool(r.get("encrypted")), str(r.get("hyperv") or "V2"), VmState.from_record(r["state"]),
                   None if change is None else PowerChange(change["via"], change["to"], Lifecycle.of(change)),
                   [GuestChange(dict(g["effects"]), Lifecycle.of(g)) for g in r.get("guest_changes") or []],
                   lifecycle(r.get("deleting")))

    @classmethod
    def _legacy(cls, r: Mapping[str, Any]) -> "VirtualMachine":
        """The 0.1.0 timeline of (at, changes) events: guest changes keep their times; the power events fold
        into the base state but for the last step (the last two events). Readings from that step's start on
        are exact; earlier ones are in the past of any clock that reads a store an earlier version left."""
        base = VmState.from_record(r["_state"])
        events = sorted(r.get("_timeline") or [], key=lambda e: float(e["at"]))
        pending = [GuestChange({k: v for k, v in e["set"].items() if k != "power"}, Lifecycle(float(e["at"]), 0.0))
                   for e in events if set(e["set"]) - {"power"}]
        powers = [(float(e["at"]), str(e["set"]["power"])) for e in events if "power" in e["set"]]
        change = None
        if powers:
            for _, power in powers[:-2]:
                base = replace(base, power=power)
            (start, via), (end, to) = (powers[-2] if len(powers) > 1 else powers[-1]), powers[-1]
            change = PowerChange(via, to, between(start, end))
        deleted_at = r.get("_deleted_at")
        return cls(r["id"], r["name"], r["location"], dict(r["properties"]), dict(r.get("tags") or {}),
                   bool(r.get("_encrypted")), str(r.get("_hyperv") or "V2"), base, change, pending,
                   None if deleted_at is None else until(float(deleted_at), DELETE_SECONDS))

    # state -----------------------------------------------------------------------
    def state(self, now: float) -> VmState:
        """The state now: the power change read at `now`, and every guest change that has taken effect, in order."""
        current = self.base
        if self.change is not None:
            current = replace(current, power=self.change.power(now, current.power))
        for change in sorted(self.pending, key=lambda g: ends(g.lifecycle)):
            if finished(change.lifecycle, now):
                current = replace(current, **change.effects)
        return current

    def settle(self, now: float, **changes: Any) -> None:
        """Fold what has happened by `now` into the base state (plus `changes`); keep what is still to come."""
        self.base = replace(self.state(now), **changes)
        if self.change is not None and finished(self.change.lifecycle, now):
            self.change = None
        self.pending = [g for g in self.pending if not finished(g.lifecycle, now)]

    def power_change(self, now: float, via: str, to: str, lc: Lifecycle) -> None:
        """A new power operation supersedes power changes still to come."""
        self.base = replace(self.base, power=self.state(now).power)
        self.change = PowerChange(via, to, lc)

    def gone(self, now: float) -> bool:
        return self.deleting is not None and finished(self.deleting, now)

    @property
    def subscription(self) -> str:
        return arm.subscription_of(self.id)

    @property
    def os_type(self) -> str:
        return str(self.properties["storageProfile"]["osDisk"]["osType"])

    @property
    def admin(self) -> str:
        return str(self.properties["osProfile"]["adminUsername"])

    # on the wire -------------------------------------------------------------------
    def document(self, now: float, instance_view: bool = False) -> dict[str, Any]:
        power = self.state(now).power
        properties = copy.deepcopy(self.properties)
        properties["provisioningState"] = "Succeeded" if power in SETTLED_POWER else "Updating"
        if instance_view:
            properties["instanceView"] = self.instance_view(now)
        return {"id": self.id, "name": self.name, "type": "Microsoft.Compute/virtualMachines",
                "location": self.location, "tags": dict(self.tags), "properties": properties}

    def instance_view(self, now: float) -> dict[str, Any]:
        st = self.state(now)
        at = arm.iso(now)
        settled = st.power in SETTLED_POWER
        prov = ({"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "time": at}
                if settled else {"code": "ProvisioningState/updating", "level": "Info", "displayStatus": "Updating"})
        statuses = [prov, {"code": f"PowerState/{st.power}", "level": "Info", "displayStatus": POWER_DISPLAY[st.power]}]
        if st.generalized:
            statuses.append({"code": "OSState/generalized", "level": "Info", "displayStatus": "VM generalized"})
        os_disk = self.properties["storageProfile"]["osDisk"]
        disk: dict[str, Any] = {"name": os_disk["name"], "statuses": [
            {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "time": at}]}
        if self.encrypted:
            disk["encryptionSettings"] = [{"enabled": True}]
        view: dict[str, Any] = {"computerName": self.properties["osProfile"]["computerName"],
                                "hyperVGeneration": self.hyperv, "disks": [disk], "statuses": statuses}
        if st.power == "running":
            view.update(osName="ubuntu" if self.os_type == "Linux" else "Windows Server 2022 Datacenter",
                        vmAgent={"vmAgentVersion": "2.9.1.1", "statuses": [
                            {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Ready",
                             "message": "Guest Agent is running", "time": at}]})
        return view


@dataclass(frozen=True)
class RunCommand:
    """One Run Command invocation: the script sent and what it did (the exit code never reaches the caller)."""

    seq: int
    vm: str  # the VM's store key (lower-cased id)
    vm_name: str
    command_id: str
    script: list[str]
    lifecycle: Lifecycle
    exit_code: int = 0
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    shutdown: bool = False

    def to_record(self) -> dict[str, Any]:
        return {"seq": self.seq, "vm": self.vm, "vm_name": self.vm_name, "command_id": self.command_id,
                "script": self.script, "lifecycle": self.lifecycle.record(), "exit_code": self.exit_code,
                "stdout": self.stdout, "stderr": self.stderr, "shutdown": self.shutdown}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "RunCommand":
        """This version's records, and 0.1.0's with `started_at` / `done_at` instead of a lifecycle."""
        lc = lifecycle(r.get("lifecycle")) or between(float(r["started_at"]), float(r["done_at"]))
        return cls(int(r["seq"]), str(r["vm"]), str(r["vm_name"]), str(r["command_id"]), list(r["script"]), lc,
                   int(r.get("exit_code") or 0), list(r.get("stdout") or []), list(r.get("stderr") or []),
                   bool(r.get("shutdown")))
