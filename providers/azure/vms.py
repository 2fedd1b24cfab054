"""VmGeneralizer on Azure: read the instance view, Run Command with exit markers, power off, deallocate, generalize.

Guest commands use the action Run Command (virtualMachines/runCommand) rather than managed run
commands: it needs no child resource that a crash could leave behind, and Azure runs one at a
time per VM (a second gets 409 Conflict), which keeps the guest steps in order. It reports no exit
code, so every script is wrapped to print its own (scripts.py). Each method is one call.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..core import errors
from ..core.model import CommandResult, Started, VmInfo
from . import ids, mapping, scripts
from .base import AzureBase
from .lro import read_operation


class VmOperations(AzureBase):
    """The VmGeneralizer half of the Compute adapter."""

    def resolve_vm(self, vm: str, resource_group: str) -> str:
        """A VM's resource id from its id, 'resource-group/name', or its name plus the resource group (no call)."""
        return self._vm(vm, resource_group).id

    def _vm(self, value: str, resource_group: str = "") -> ids.Ref:
        ref = ids.vm_ref(value, resource_group, self.subscription)
        if ref is None:
            raise errors.InvalidArgument(
                f"{value!r} does not name a VM: give its resource id, 'resource-group/name', or the name with "
                "resource_group", vendor=mapping.VENDOR, operation="vm id")
        return ref

    def get_vm(self, vm_id: str) -> VmInfo:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/get ($expand=instanceView)"""
        ref = self._vm(vm_id)
        client = self.client_for(ref.subscription)
        vm = self._call("get vm", lambda: client.virtual_machines.get(ref.resource_group, ref.name,
                                                                      expand="instanceView"), ref.id)
        props = vm.properties
        view = props.instance_view
        os_disk = props.storage_profile.os_disk
        disks = (view.disks or []) if view else []
        encrypted = bool(os_disk.encryption_settings and os_disk.encryption_settings.enabled) or any(
            bool(s.enabled) for d in disks for s in (d.encryption_settings or []))
        statuses = view.statuses if view else None
        return VmInfo(vm_id=vm.id, region=mapping.region(vm.location), power_state=mapping.power_state(statuses),
                      os_type=mapping.enum_value(os_disk.os_type).lower(), generalized=mapping.is_generalized(statuses),
                      encrypted=encrypted, name=vm.name,
                      extra={"resource_group": ref.resource_group, "tags": dict(vm.tags or {}),
                             "hyper_v_generation": mapping.enum_value(getattr(view, "hyper_v_generation", "")),
                             "vm_size": mapping.enum_value(props.hardware_profile.vm_size if props.hardware_profile
                                                           else ""),
                             "provisioning_state": mapping.enum_value(props.provisioning_state)})

    def guest_script(self, step: str, os_type: str, keep_user: bool) -> list[str]:
        """Azure's own lines for "generalize" (waagent / Sysprep /quit, then the probe) and "probe"."""
        return scripts.guest_script(step, os_type, keep_user)

    def start_command(self, vm_id: str, os_type: str, script: Sequence[str]) -> Started:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/run-command

        The script is wrapped to print its exit marker; the job id is the operation's status URL.
        """
        ref = self._vm(vm_id)
        client = self.client_for(ref.subscription)
        body = {"commandId": scripts.COMMAND_ID[os_type.lower()], "script": scripts.wrapped(os_type.lower(), script)}
        begun = self._start("run command", lambda **kw: client.virtual_machines.begin_run_command(
            ref.resource_group, ref.name, body, **kw), ref.id)
        if not begun.async_url:
            raise errors.OperationFailed("Run Command was accepted without an operation to follow",
                                         vendor=mapping.VENDOR, operation="run command", request_id=begun.request_id,
                                         resource_id=ref.id)
        return Started(request_id=begun.request_id, job_id=begun.async_url)

    def command_result(self, vm_id: str, os_type: str, job_id: str) -> CommandResult | None:
        """One read of the Run Command operation; its result read through the exit marker once it ended.

        https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations
        """
        ref = self._vm(vm_id)
        client = self.client_for(ref.subscription)
        state = self._call("run command", lambda: read_operation(client, job_id, "run command", ref.id), ref.id)
        return scripts.result(os_type.lower(), state.output) if state.done else None

    def stop_vm(self, vm_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/power-off"""
        ref = self._vm(vm_id)
        client = self.client_for(ref.subscription)
        self._start("power off", lambda **kw: client.virtual_machines.begin_power_off(ref.resource_group, ref.name,
                                                                                       **kw), ref.id)

    def deallocate_vm(self, vm_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/deallocate"""
        ref = self._vm(vm_id)
        client = self.client_for(ref.subscription)
        self._start("deallocate", lambda **kw: client.virtual_machines.begin_deallocate(ref.resource_group, ref.name,
                                                                                         **kw), ref.id)

    def mark_generalized(self, vm_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/generalize"""
        ref = self._vm(vm_id)
        client = self.client_for(ref.subscription)
        self._call("generalize", lambda: client.virtual_machines.generalize(ref.resource_group, ref.name), ref.id)

    def tag_vm(self, vm_id: str, tags: Mapping[str, str]) -> None:
        """Merge tags onto the VM (GET, then PATCH of the whole tag set).

        https://learn.microsoft.com/rest/api/compute/virtual-machines/update
        """
        ref = self._vm(vm_id)
        client = self.client_for(ref.subscription)
        vm = self._call("get vm", lambda: client.virtual_machines.get(ref.resource_group, ref.name), ref.id)
        merged = {**dict(vm.tags or {}), **tags}
        self._start("tag vm", lambda **kw: client.virtual_machines.begin_update(
            ref.resource_group, ref.name, {"tags": merged}, **kw), ref.id)

    def delete_vm(self, vm_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/virtual-machines/delete"""
        ref = self._vm(vm_id)
        client = self.client_for(ref.subscription)
        self._start("delete vm", lambda **kw: client.virtual_machines.begin_delete(ref.resource_group, ref.name,
                                                                                    **kw), ref.id)
