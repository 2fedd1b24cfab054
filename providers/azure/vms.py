"""Azure VM generalization steps: read the instance view, Run Command, power off, deallocate, generalize."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..core.model import CommandResult, VmInfo
from . import mapping, scripts
from .base import AzureBase, _enum
from .lro import poll_operation, run_command_result

RUN_COMMAND_TIMEOUT = 90 * 60.0  # Run Command's own limit


class VmOperations(AzureBase):
    """VmGeneralizer: each step is one call; only Run Command waits (its output ends its operation)."""

    # VmGeneralizer -----------------------------------------------------------------
    def get_vm(self, vm_id: str) -> VmInfo:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/get ($expand=instanceView)"""
        ref = self.vm_ref(vm_id)
        vm = self._call("get vm", lambda: self.client.virtual_machines.get(ref.resource_group, ref.name, expand="instanceView"), ref.id)
        props = vm.properties
        view = props.instance_view
        os_disk = props.storage_profile.os_disk
        disks = (view.disks or []) if view else []
        encrypted = bool(os_disk.encryption_settings and os_disk.encryption_settings.enabled) or any(
            bool(s.enabled) for d in disks for s in (d.encryption_settings or []))
        os_type = _enum(os_disk.os_type)
        return VmInfo(vm_id=vm.id, region=mapping.region(vm.location),
                      power_state=mapping.power_state(view.statuses if view else None), os_type=os_type.lower(),
                      generalized=mapping.is_generalized(view.statuses if view else None), encrypted=encrypted,
                      name=vm.name, extra={"resource_group": ref.resource_group, "tags": dict(vm.tags or {}),
                                           "hyper_v_generation": _enum(getattr(view, "hyper_v_generation", "")),
                                           "vm_size": _enum(props.hardware_profile.vm_size if props.hardware_profile else ""),
                                           "provisioning_state": _enum(props.provisioning_state)})

    def run_command(self, vm_id: str, os_type: str, script: Sequence[str]) -> CommandResult:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/run-command"""
        ref = self.vm_ref(vm_id)
        body = {"commandId": scripts.COMMAND_ID[os_type.lower()], "script": list(script)}
        started = self._start("run command", lambda **kw: self.client.virtual_machines.begin_run_command(
            ref.resource_group, ref.name, body, **kw), ref.id)
        output = self.waiter.wait(f"run command on {ref.name}",
                                  lambda: self._call("run command", lambda: poll_operation(self.client, started), ref.id),
                                  RUN_COMMAND_TIMEOUT)
        return run_command_result(os_type.lower(), output)

    def stop_vm(self, vm_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/power-off"""
        ref = self.vm_ref(vm_id)
        self._start("power off", lambda **kw: self.client.virtual_machines.begin_power_off(ref.resource_group, ref.name, **kw), ref.id)

    def deallocate_vm(self, vm_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/deallocate"""
        ref = self.vm_ref(vm_id)
        self._start("deallocate", lambda **kw: self.client.virtual_machines.begin_deallocate(ref.resource_group, ref.name, **kw), ref.id)

    def mark_generalized(self, vm_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/generalize"""
        ref = self.vm_ref(vm_id)
        self._call("generalize", lambda: self.client.virtual_machines.generalize(ref.resource_group, ref.name), ref.id)

    def tag_vm(self, vm_id: str, tags: Mapping[str, str]) -> None:
        """Merge tags onto the VM (GeneralizedVM records its progress and ownership there).

        https://learn.microsoft.com/rest/api/compute/virtual-machines/update
        """
        ref = self.vm_ref(vm_id)
        vm = self._call("get vm", lambda: self.client.virtual_machines.get(ref.resource_group, ref.name), ref.id)
        merged = {**dict(vm.tags or {}), **tags}
        self._start("tag vm", lambda **kw: self.client.virtual_machines.begin_update(
            ref.resource_group, ref.name, {"tags": merged}, **kw), ref.id)

    def delete_vm(self, vm_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/delete"""
        ref = self.vm_ref(vm_id)
        self._start("delete vm", lambda **kw: self.client.virtual_machines.begin_delete(ref.resource_group, ref.name, **kw), ref.id)
