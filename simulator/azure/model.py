"""Azure virtual machines: power lifecycle, run command, generalize, seeds and Compute error codes.

The model takes typed arguments (wire.py parses the ARM requests) and keeps `VirtualMachine` and
`RunCommand` records (vm.py). Tests and demos use three calls of it directly:
- `VmModel.add_vm(name, os_type, encrypted=False, *, resource_group=..., location=..., generalized=False)`
  makes a running VM (or one generalized already) and returns its record (`.id`, `.name`);
- `VmModel.state_of(vm_id)` is that VM's `VmState` now: power, generalized, deprovisioned,
  sysprepped, panther_removed, image_state;
- `run_command_log(store)` lists every Run Command sent (`RunCommand`: vm_name, script, exit_code...).
"""
from __future__ import annotations

from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import Lifecycle, Phase
from ..core.store import Store
from ..core.wire import SimError
from . import arm, guest
from .lro import VENDOR, Operation, Operations
from .records import Table
from .vm import DELETE_SECONDS, GuestChange, RunCommand, VirtualMachine, VmState

SUBSCRIPTION = "00000000-0000-0000-0000-00000000000a"
RESOURCE_GROUP = "imageforge-rg"
LOCATION = "westeurope"
GALLERY = "imageforge_gallery"
OTHER_RESOURCE_GROUPS = ("imageforge-build-rg", "imageforge-images-rg")
GENERALIZED_VM = "generalized-linux"

POWER_OFF_SECONDS = 30.0
DEALLOCATE_SECONDS = 60.0
START_SECONDS = 45.0
RUN_COMMAND_SECONDS = 40.0
SYSPREP_SECONDS = 240.0
SYSPREP_SHUTDOWN_SECONDS = 120.0
RUN_COMMAND_LIMIT = 90 * 60.0  # Run Command gives up on a command after 90 minutes
AGENT_LOST = ("VM '{name}' has not reported status for VM agent or extensions. Verify that the OS is up and healthy, "
              "the VM has a running VM agent, and that it can establish outbound connections to Azure storage.")


class VmModel:
    def __init__(self, ctx: SimContext, ops: Operations) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.ops = ops
        self.table: Table[VirtualMachine] = Table(ctx, "vm", VirtualMachine.from_record)

    # seeds and tests ---------------------------------------------------------------
    def seed(self) -> None:
        for name, os_type, encrypted in (("golden-linux", "Linux", False), ("golden-windows", "Windows", False),
                                         ("golden-windows-encrypted", "Windows", True)):
            self.add_vm(name, os_type, encrypted)
        for rg in (RESOURCE_GROUP, *OTHER_RESOURCE_GROUPS):  # deprovisioned, deallocated and generalized already
            self.add_vm(GENERALIZED_VM, "Linux", resource_group=rg, generalized=True)

    def add_vm(self, name: str, os_type: str, encrypted: bool = False, *, resource_group: str = RESOURCE_GROUP,
               location: str = LOCATION, generalized: bool = False) -> VirtualMachine:
        """A running VM made from a marketplace image, or one generalized already (seeds, and tests)."""
        vm = self._new_vm(name, os_type, encrypted, resource_group, location)
        if generalized:
            vm.base = (VmState("deallocated", True, deprovisioned="deprovision+user") if os_type == "Linux" else
                       VmState("deallocated", True, sysprepped=True, panther_removed=True, image_state=guest.SEALED))
        self.table.put(vm)
        return vm

    def state_of(self, vm_id: str) -> VmState:
        """The state of the VM with this id now (tests read whether its guest was really prepared)."""
        vm = self.table.get(vm_id)
        if vm is None:
            raise KeyError(vm_id)
        return vm.state(self.ctx.now())

    def _new_vm(self, name: str, os_type: str, encrypted: bool, rg: str, location: str) -> VirtualMachine:
        rid = arm.resource_id(SUBSCRIPTION, rg, f"virtualMachines/{name}")
        disk = f"{name}_OsDisk_1"
        os_disk: dict[str, Any] = {
            "osType": os_type, "name": disk, "createOption": "FromImage", "caching": "ReadWrite",
            "diskSizeGB": 30 if os_type == "Linux" else 127,
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
        nic = rid.replace("Microsoft.Compute/virtualMachines", "Microsoft.Network/networkInterfaces") + "-nic"
        properties = {
            "vmId": ids.uuid_like(self.store, "azure.vm"), "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
            "storageProfile": {"imageReference": image, "osDisk": os_disk, "dataDisks": []},
            "osProfile": os_profile, "networkProfile": {"networkInterfaces": [{"id": nic}]},
            "provisioningState": "Succeeded", "timeCreated": arm.iso(self.ctx.now() - 86400),
        }
        return VirtualMachine(rid, name, location, properties, {"purpose": "golden-image"}, encrypted, "V2")

    # lookups -----------------------------------------------------------------------
    def vm(self, path: arm.ArmPath) -> VirtualMachine:
        found = self.find(path.resource_id(1), path.subscription)
        if found is None:
            raise arm.not_found("virtualMachines", path.names[0], path.resource_group)
        return found

    def find(self, rid: str, subscription: str | None = None) -> VirtualMachine | None:
        """A VM not deleted yet (a VM being deleted is still found until its deletion ends)."""
        found = self.table.get(rid, subscription)
        return None if found is None or found.gone(self.ctx.now()) else found

    def location_of(self, rid: str, subscription: str) -> str | None:
        """Where a VM is, even one already gone (the request log names the region of every call)."""
        found = self.table.get(rid, subscription)
        return None if found is None else found.location

    def listing(self, subscription: str, resource_group: str) -> list[VirtualMachine]:
        prefix = f"/subscriptions/{subscription}/resourcegroups/{resource_group}/" if resource_group else ""
        now = self.ctx.now()
        return [v for v in self.table.under(subscription, prefix) if not v.gone(now)]

    def state(self, vm: VirtualMachine) -> VmState:
        return vm.state(self.ctx.now())

    def document(self, vm: VirtualMachine, *, instance_view: bool = False) -> dict[str, Any]:
        return vm.document(self.ctx.now(), instance_view)

    def instance_view(self, vm: VirtualMachine) -> dict[str, Any]:
        return vm.instance_view(self.ctx.now())

    # power -------------------------------------------------------------------------
    def _power(self, vm: VirtualMachine, settled: tuple[str, ...], via: str, to: str, seconds: float) -> Operation:
        """Move to `to` through `via` unless the VM is already in one of `settled`."""
        now = self.ctx.now()
        duration = 0.0 if vm.state(now).power in settled else seconds
        if duration:
            vm.power_change(now, via, to, Lifecycle.start(now, duration))
        return self._finish(vm, duration)

    def power_off(self, vm: VirtualMachine) -> Operation:
        return self._power(vm, ("stopped", "deallocated"), "stopping", "stopped", POWER_OFF_SECONDS)

    def deallocate(self, vm: VirtualMachine) -> Operation:
        return self._power(vm, ("deallocated",), "deallocating", "deallocated", DEALLOCATE_SECONDS)

    def start(self, vm: VirtualMachine) -> Operation:
        if vm.state(self.ctx.now()).generalized:
            raise arm.not_allowed(f"Operation 'start' is not allowed on VM '{vm.name}' since the VM is generalized.")
        return self._power(vm, ("running",), "starting", "running", START_SECONDS)

    def generalize(self, vm: VirtualMachine) -> None:
        now = self.ctx.now()
        st = vm.state(now)
        if st.generalized:
            return
        if st.power not in ("stopped", "deallocated"):
            raise arm.not_allowed(f"Operation 'generalize' is not allowed on VM '{vm.name}' since the VM is "
                                  f"{st.power}. Stop (deallocate) the VM and retry.")
        vm.settle(now, generalized=True)
        self.table.put(vm)

    def set_tags(self, vm: VirtualMachine, tags: dict[str, str]) -> Operation:
        """PATCH: the simulator changes tags only (wire.py refuses other properties)."""
        vm.tags = dict(tags)
        return self._finish(vm, 0.0)

    def delete(self, vm: VirtualMachine) -> Operation:
        now = self.ctx.now()
        vm.deleting = Lifecycle.start(now, DELETE_SECONDS)
        vm.power_change(now, "deallocating", "deallocating", Lifecycle.start(now, 0.0))
        return self._finish(vm, DELETE_SECONDS)

    def _finish(self, vm: VirtualMachine, duration: float, *, result: dict[str, Any] | None = None,
                error: dict[str, str] | None = None) -> Operation:
        self.table.put(vm)
        return self.ops.start(vm.subscription, vm.location, duration, target=vm.id, result=result, error=error)

    # run command -------------------------------------------------------------------
    def run_command(self, vm: VirtualMachine, *, command_id: str, script: list[str]) -> Operation:
        """The action Run Command: one at a time per VM; its result carries no exit status.

        Sysprep with /shutdown stops the VM inside the command, so the command never reports: its
        operation fails when Run Command gives up on the VM agent.
        """
        if command_id not in guest.COMMANDS:
            raise arm.invalid(f"The command id '{command_id}' is not supported by the simulator; use "
                              f"{' or '.join(guest.COMMANDS)}.", "commandId")
        if guest.COMMANDS[command_id] != vm.os_type:
            raise arm.invalid(f"Command '{command_id}' is not supported for OS type '{vm.os_type}'.", "commandId")
        now = self.ctx.now()
        st = vm.state(now)
        if st.power != "running":
            raise arm.not_allowed("The operation requires the VM to be running (or set to run).")
        key = arm.key(vm.id)
        if any(r.vm == key and r.lifecycle.at(now).phase is Phase.RUNNING for r in self.run_log(vm.subscription)):
            raise SimError("Conflict", "Run command extension execution is in progress. Please wait for "
                                       "completion before invoking a run command.", 409)
        fail = self.ctx.take_failure(VENDOR, "VirtualMachines_RunCommand", vm.location) is not None
        outcome = guest.run(vm.os_type, script, st.guest(), vm.encrypted, vm.admin, fail=fail)
        duration = SYSPREP_SECONDS if outcome.sysprep else RUN_COMMAND_SECONDS
        if outcome.effects:
            vm.pending.append(GuestChange(dict(outcome.effects), Lifecycle.start(now, duration)))
        if outcome.shutdown:  # the guest stops itself mid-command: no result ever returns
            vm.power_change(now, "stopping", "stopped", Lifecycle(now + duration, SYSPREP_SHUTDOWN_SECONDS))
            duration = RUN_COMMAND_LIMIT
        seq = self.store.counter("azure.runcommand")
        record = RunCommand(seq, key, vm.name, command_id, script, Lifecycle.start(now, duration), outcome.exit_code,
                            outcome.stdout, outcome.stderr, outcome.shutdown)
        self.store.put(VENDOR, vm.location, "runcommand", f"{seq:06d}", record.to_record(), account=vm.subscription)
        if outcome.shutdown:
            return self._finish(vm, duration, error={"code": "VMAgentStatusCommunicationError",
                                                     "message": AGENT_LOST.format(name=vm.name)})
        return self._finish(vm, duration, result=guest.result_document(vm.os_type, outcome))

    def run_log(self, subscription: str = SUBSCRIPTION) -> list[RunCommand]:
        """Every run command in the order it was invoked."""
        return run_command_log(self.store, subscription)


def run_command_log(store: Store, subscription: str = SUBSCRIPTION) -> list[RunCommand]:
    """For tests and demos: the ordered run-command log of a simulator's store."""
    return sorted((RunCommand.from_record(r) for r in store.list(VENDOR, None, "runcommand", account=subscription)),
                  key=lambda r: r.seq)
