"""Azure virtual machines: power lifecycle, run command, generalize, seeds and Compute error codes."""
from __future__ import annotations

import copy
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import KEY as LIFECYCLE, Lifecycle, Phase
from ..core.wire import SimError
from . import arm, guest
from .lro import VENDOR, Operations

SUBSCRIPTION = "00000000-0000-0000-0000-00000000000a"
RESOURCE_GROUP = "imageforge-rg"
LOCATION = "westeurope"
GALLERY = "imageforge_gallery"
OTHER_RESOURCE_GROUPS = ("imageforge-build-rg", "imageforge-images-rg")
GENERALIZED_VM = "generalized-linux"

POWER_OFF_SECONDS = 30.0
DEALLOCATE_SECONDS = 60.0
START_SECONDS = 45.0
DELETE_SECONDS = 60.0
RUN_COMMAND_SECONDS = 40.0
SYSPREP_SECONDS = 240.0
SYSPREP_SHUTDOWN_SECONDS = 120.0
RUN_COMMAND_LIMIT = 90 * 60.0  # Run Command gives up on a command after 90 minutes

POWER_DISPLAY = {"running": "VM running", "stopping": "VM stopping", "stopped": "VM stopped",
                 "deallocating": "VM deallocating", "deallocated": "VM deallocated", "starting": "VM starting"}
SETTLED_POWER = ("running", "stopped", "deallocated")


class Base:
    """Store access shared by the VM and gallery models (keys are lower-cased ARM ids)."""

    def __init__(self, ctx: SimContext, ops: Operations) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.ops = ops

    def load(self, kind: str, rid: str, sub: str) -> dict[str, Any] | None:
        found = self.store.find(VENDOR, kind, arm.key(rid), account=sub)
        return found[1] if found else None

    def save(self, kind: str, doc: dict[str, Any], sub: str) -> None:
        self.store.put(VENDOR, doc["location"], kind, arm.key(doc["id"]), doc, account=sub)

    def drop(self, kind: str, doc: dict[str, Any], sub: str) -> None:
        self.store.delete(VENDOR, doc["location"], kind, arm.key(doc["id"]), account=sub)

    def all(self, kind: str, sub: str) -> list[dict[str, Any]]:
        return self.store.list(VENDOR, None, kind, account=sub)

    @staticmethod
    def public(doc: dict[str, Any]) -> dict[str, Any]:
        """The document without the simulator's private fields (those start with `_`)."""
        return {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}


class VmModel(Base):
    # seeds ---------------------------------------------------------------------
    def seed(self) -> None:
        for name, os_type, encrypted in (("golden-linux", "Linux", False), ("golden-windows", "Windows", False),
                                         ("golden-windows-encrypted", "Windows", True)):
            self.add_vm(name, os_type, encrypted)
        for rg in (RESOURCE_GROUP, *OTHER_RESOURCE_GROUPS):  # deprovisioned, deallocated and generalized already
            self.add_vm(GENERALIZED_VM, "Linux", resource_group=rg, generalized=True)

    def add_vm(self, name: str, os_type: str, encrypted: bool = False, resource_group: str = RESOURCE_GROUP,
               location: str = LOCATION, generalized: bool = False) -> dict[str, Any]:
        """A running VM made from a marketplace image, or one generalized already (seeds, and tests)."""
        vm = self._new_vm(name, os_type, encrypted, resource_group, location)
        if generalized:
            done = {"deprovisioned": "deprovision+user"} if os_type == "Linux" else {
                "sysprepped": True, "panther_removed": True, "image_state": guest.SEALED}
            vm["_state"].update(power="deallocated", generalized=True, **done)
        self.save("vm", vm, SUBSCRIPTION)
        return vm

    def _new_vm(self, name: str, os_type: str, encrypted: bool, rg: str, location: str) -> dict[str, Any]:
        rid = arm.resource_id(SUBSCRIPTION, rg, f"virtualMachines/{name}")
        disk = f"{name}_OsDisk_1"
        os_disk: dict[str, Any] = {
            "osType": os_type, "name": disk, "createOption": "FromImage", "caching": "ReadWrite", "diskSizeGB": 30 if os_type == "Linux" else 127,
            "managedDisk": {"storageAccountType": "Premium_LRS", "id": arm.resource_id(SUBSCRIPTION, rg, f"disks/{disk}")},
        }
        if encrypted:
            os_disk["encryptionSettings"] = {"enabled": True}
        if os_type == "Linux":
            image = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"}
            os_profile = {"computerName": name, "adminUsername": "azureuser",
                          "linuxConfiguration": {"disablePasswordAuthentication": True, "provisionVMAgent": True}}
        else:
            image = {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter-g2", "version": "latest"}
            os_profile = {"computerName": name[:15], "adminUsername": "azureadmin",
                          "windowsConfiguration": {"provisionVMAgent": True, "enableAutomaticUpdates": True}}
        return {
            "id": rid, "name": name, "type": "Microsoft.Compute/virtualMachines", "location": location,
            "tags": {"purpose": "golden-image"},
            "properties": {
                "vmId": ids.uuid_like(self.store, "azure.vm"), "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
                "storageProfile": {"imageReference": image, "osDisk": os_disk, "dataDisks": []},
                "osProfile": os_profile,
                "networkProfile": {"networkInterfaces": [{"id": rid.replace("Microsoft.Compute/virtualMachines", "Microsoft.Network/networkInterfaces") + "-nic"}]},
                "provisioningState": "Succeeded", "timeCreated": arm.iso(self.ctx.now() - 86400),
            },
            "_state": {"power": "running", "generalized": False, "deprovisioned": "", "sysprepped": False,
                       "panther_removed": False},
            "_timeline": [], "_encrypted": encrypted, "_hyperv": "V2",
        }

    # lookups -------------------------------------------------------------------
    def vm(self, path: arm.ArmPath) -> dict[str, Any]:
        found = self.load("vm", path.resource_id(1), path.subscription)
        if found is None or self._gone(found):
            raise arm.not_found("virtualMachines", path.names[0], path.resource_group)
        return found

    def find(self, rid: str, sub: str) -> dict[str, Any] | None:
        found = self.load("vm", rid, sub)
        return None if found is None or self._gone(found) else found

    def _gone(self, vm: dict[str, Any]) -> bool:
        deleted_at = vm.get("_deleted_at")
        return deleted_at is not None and self.ctx.now() >= deleted_at

    def state(self, vm: dict[str, Any]) -> dict[str, Any]:
        """The VM's state now: its base state with every event that has happened applied in order."""
        now = self.ctx.now()
        current = dict(vm["_state"])
        for event in vm["_timeline"]:
            if event["at"] <= now:
                current.update(event["set"])
        return current

    def os_type(self, vm: dict[str, Any]) -> str:
        return str(vm["properties"]["storageProfile"]["osDisk"]["osType"])

    def _schedule(self, vm: dict[str, Any], events: list[tuple[float, dict[str, Any]]], replace_power: bool = True) -> None:
        now = self.ctx.now()
        if replace_power:  # a new power operation supersedes power changes still to come
            vm["_timeline"] = [e for e in vm["_timeline"] if e["at"] <= now or "power" not in e["set"]]
        vm["_timeline"] += [{"at": at, "set": change} for at, change in events]
        vm["_timeline"].sort(key=lambda e: e["at"])

    # views ---------------------------------------------------------------------
    def document(self, vm: dict[str, Any], expand: str = "") -> dict[str, Any]:
        doc = self.public(vm)
        st = self.state(vm)
        doc["properties"]["provisioningState"] = "Succeeded" if st["power"] in SETTLED_POWER else "Updating"
        if expand.lower() == "instanceview":
            doc["properties"]["instanceView"] = self.instance_view(vm)
        return doc

    def instance_view(self, vm: dict[str, Any]) -> dict[str, Any]:
        st = self.state(vm)
        now = arm.iso(self.ctx.now())
        settled = st["power"] in SETTLED_POWER
        prov = ({"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "time": now}
                if settled else {"code": "ProvisioningState/updating", "level": "Info", "displayStatus": "Updating"})
        statuses = [prov, {"code": f"PowerState/{st['power']}", "level": "Info", "displayStatus": POWER_DISPLAY[st["power"]]}]
        if st["generalized"]:
            statuses.append({"code": "OSState/generalized", "level": "Info", "displayStatus": "VM generalized"})
        os_disk = vm["properties"]["storageProfile"]["osDisk"]
        disk: dict[str, Any] = {"name": os_disk["name"], "statuses": [
            {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "time": now}]}
        if vm["_encrypted"]:
            disk["encryptionSettings"] = [{"enabled": True}]
        view: dict[str, Any] = {"computerName": vm["properties"]["osProfile"]["computerName"],
                                "hyperVGeneration": vm["_hyperv"], "disks": [disk], "statuses": statuses}
        if st["power"] == "running":
            view.update(osName="ubuntu" if self.os_type(vm) == "Linux" else "Windows Server 2022 Datacenter",
                        vmAgent={"vmAgentVersion": "2.9.1.1", "statuses": [
                            {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Ready",
                             "message": "Guest Agent is running", "time": now}]})
        return view

    # power ---------------------------------------------------------------------
    def power_off(self, vm: dict[str, Any], sub: str) -> dict[str, Any]:
        st, now = self.state(vm), self.ctx.now()
        duration = 0.0 if st["power"] in ("stopped", "deallocated") else POWER_OFF_SECONDS
        if duration:
            self._schedule(vm, [(now, {"power": "stopping"}), (now + duration, {"power": "stopped"})])
        return self._finish(vm, sub, duration)

    def deallocate(self, vm: dict[str, Any], sub: str) -> dict[str, Any]:
        st, now = self.state(vm), self.ctx.now()
        duration = 0.0 if st["power"] == "deallocated" else DEALLOCATE_SECONDS
        if duration:
            self._schedule(vm, [(now, {"power": "deallocating"}), (now + duration, {"power": "deallocated"})])
        return self._finish(vm, sub, duration)

    def start(self, vm: dict[str, Any], sub: str) -> dict[str, Any]:
        st, now = self.state(vm), self.ctx.now()
        if st["generalized"]:
            raise arm.not_allowed(f"Operation 'start' is not allowed on VM '{vm['name']}' since the VM is generalized.")
        duration = 0.0 if st["power"] == "running" else START_SECONDS
        if duration:
            self._schedule(vm, [(now, {"power": "starting"}), (now + duration, {"power": "running"})])
        return self._finish(vm, sub, duration)

    def generalize(self, vm: dict[str, Any], sub: str) -> None:
        st = self.state(vm)
        if st["generalized"]:
            return
        if st["power"] not in ("stopped", "deallocated"):
            raise arm.not_allowed(f"Operation 'generalize' is not allowed on VM '{vm['name']}' since the VM is "
                                  f"{st['power']}. Stop (deallocate) the VM and retry.")
        vm["_state"] = {**self.state(vm), "generalized": True}
        vm["_timeline"] = [e for e in vm["_timeline"] if e["at"] > self.ctx.now()]
        self.save("vm", vm, sub)

    def update(self, vm: dict[str, Any], sub: str, body: dict[str, Any]) -> dict[str, Any]:
        """PATCH: the simulator changes tags only; other properties are refused, not ignored."""
        other = sorted(set(body) - {"tags"}) + sorted(f"properties.{k}" for k in (body.get("properties") or {}))
        if other:
            raise arm.invalid(f"The simulator updates only the tags of a virtual machine; got {other}.", other[0])
        vm["tags"] = dict(body.get("tags") or {})
        return self._finish(vm, sub, 0.0)

    def delete(self, vm: dict[str, Any], sub: str) -> dict[str, Any]:
        vm["_deleted_at"] = self.ctx.now() + DELETE_SECONDS
        self._schedule(vm, [(self.ctx.now(), {"power": "deallocating"})])
        return self._finish(vm, sub, DELETE_SECONDS)

    def _finish(self, vm: dict[str, Any], sub: str, duration: float, **kw: Any) -> dict[str, Any]:
        self.save("vm", vm, sub)
        return self.ops.start(sub, vm["location"], duration, target=vm["id"], **kw)

    # run command ---------------------------------------------------------------
    def run_command(self, vm: dict[str, Any], sub: str, body: dict[str, Any]) -> dict[str, Any]:
        """The action Run Command: one at a time per VM; its result carries no exit status.

        Sysprep with /shutdown stops the VM inside the command, so the command never reports: its
        operation fails when Run Command gives up on the VM agent.
        """
        command_id = str(body.get("commandId") or "")
        script = [str(line) for line in body.get("script") or []]
        os_type = self.os_type(vm)
        if command_id not in guest.COMMANDS:
            raise arm.invalid(f"The command id '{command_id}' is not supported by the simulator; use "
                              f"{' or '.join(guest.COMMANDS)}.", "commandId")
        if guest.COMMANDS[command_id] != os_type:
            raise arm.invalid(f"Command '{command_id}' is not supported for OS type '{os_type}'.", "commandId")
        st = self.state(vm)
        if st["power"] != "running":
            raise arm.not_allowed("The operation requires the VM to be running (or set to run).")
        now = self.ctx.now()
        if any(r["vm"] == arm.key(vm["id"]) and Lifecycle.of(r).at(now).phase is Phase.RUNNING for r in self.run_log(sub)):
            raise SimError("Conflict", "Run command extension execution is in progress. Please wait for "
                               "completion before invoking a run command.", 409)
        user = vm["properties"]["osProfile"]["adminUsername"]
        fail = self.ctx.take_failure(VENDOR, "VirtualMachines_RunCommand", vm["location"]) is not None
        outcome = guest.run(os_type, script, st, vm["_encrypted"], user, fail=fail)
        duration = SYSPREP_SECONDS if outcome.sysprep else RUN_COMMAND_SECONDS
        done = now + duration
        events: list[tuple[float, dict[str, Any]]] = [(done, outcome.effects)] if outcome.effects else []
        if outcome.shutdown:  # the guest stops itself mid-command: no result ever returns
            events += [(done, {"power": "stopping"}), (done + SYSPREP_SHUTDOWN_SECONDS, {"power": "stopped"})]
            duration = RUN_COMMAND_LIMIT
        self._schedule(vm, events, replace_power=outcome.shutdown)
        seq = self.store.counter("azure.runcommand")
        self.store.put(VENDOR, vm["location"], "runcommand", f"{seq:06d}", {
            "seq": seq, "vm": arm.key(vm["id"]), "vm_name": vm["name"], "command_id": command_id, "script": script,
            "started_at": now, "done_at": now + duration, "exit_code": outcome.exit_code, "stdout": outcome.stdout,
            "stderr": outcome.stderr, "shutdown": outcome.shutdown,
            LIFECYCLE: Lifecycle.start(now, duration).record()}, account=sub)
        if outcome.shutdown:
            return self._finish(vm, sub, duration, error={
                "code": "VMAgentStatusCommunicationError",
                "message": f"VM '{vm['name']}' has not reported status for VM agent or extensions. Verify that the OS "
                           "is up and healthy, the VM has a running VM agent, and that it can establish outbound "
                           "connections to Azure storage."})
        return self._finish(vm, sub, duration, result=guest.result_document(os_type, outcome))

    def run_log(self, sub: str = SUBSCRIPTION) -> list[dict[str, Any]]:
        """Every run command in the order it was invoked."""
        return sorted(self.all("runcommand", sub), key=lambda r: r["seq"])


def run_command_log(store: Any, subscription: str = SUBSCRIPTION) -> list[dict[str, Any]]:
    """For tests and demos: the ordered run-command log of a simulator's store."""
    return sorted(store.list(VENDOR, None, "runcommand", account=subscription), key=lambda r: r["seq"])
