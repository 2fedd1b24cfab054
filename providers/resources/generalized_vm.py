"""GeneralizedVM: prepare a VM's guest, stop it, deallocate it and mark it generalized, once and for good.

The Azure procedure ("Generalize a VM before creating an image"): optional finalize scripts,
then `waagent -deprovision+user -force` (Linux) or Panther removal + Sysprep /generalize /oobe
/shutdown /mode:vm (Windows) through Run Command; wait for the VM to stop, deallocate it, call
`generalize`, and read the instance view back. Generalizing is one-way, so every input that
says what to do replaces; delete leaves the VM alone unless `delete_vm` is true.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ..core import progress, registry
from ..core.errors import InvalidState, NotFound, OperationFailed, Timeout, UserInputError
from ..core.model import CommandResult, VmInfo
from ..core.timeouts import GENERALIZE_DEFAULTS
from ..core.validation import Failure, is_unknown
from ..core.waiting import Done, Pending, Waiter
from . import common

REPLACE_ON = ("cloud", "service", "region", "vm", "resource_group", "keep_user", "finalize_scripts",
              "guest_prepared", "endpoint")
UPDATE_ON = ("delete_vm",)  # how delete behaves, not what was done: changing it never touches the VM
BOOLEANS = ("keep_user", "guest_prepared", "delete_vm")
STATE_TAG = "imageforge-generalizedvm"  # "<key>/prepared" once the guest steps ran, "<key>/done" when generalized
SYSPREP_LOGS = r"C:\Windows\System32\Sysprep\Panther\setuperr.log"


class GeneralizedVMProvider(common.ProviderBase):
    """check / diff / create / read / update / delete for one generalized VM."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        news = {"cloud": "azure", **{k: v for k, v in news.items() if v is not None}}
        inputs, failures = common.normalize_common(self, news)
        if not inputs.get("vm") and not is_unknown(inputs.get("vm")):
            failures.append(Failure("vm", "is required: the VM's resource id, or its name with resource_group."))
        for name in BOOLEANS:
            value = inputs.get(name)
            if value is not None and not is_unknown(value) and not isinstance(value, bool):
                failures.append(Failure(name, f"must be true or false; got {value!r}."))
        failures += common.check_timeouts(inputs, GENERALIZE_DEFAULTS)
        cloud, service = inputs.get("cloud"), inputs.get("service")
        if not failures and not is_unknown(cloud) and not is_unknown(service):
            entry = registry.entry(str(cloud), str(service))
            if entry is None or registry.GENERALIZE not in entry.capabilities:
                failures.append(Failure("cloud", f"{cloud}/{service} has no generalize step; GeneralizedVM supports "
                                                 "cloud 'azure' (service 'compute')."))
            else:
                rules = registry.rules_for(str(cloud), str(service))
                validate = getattr(rules, "validate_generalize", None)
                failures += validate(inputs) if validate is not None else []
        if not failures:
            common.with_key(inputs, REPLACE_ON)
        return CheckResult(inputs, common.to_check_failures(failures))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return common.diff(olds, news, REPLACE_ON, UPDATE_ON)

    # create ------------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = common.clean(props)
        label = f"GeneralizedVM {inputs['vm']}"
        wait = common.waiter(inputs, label)
        limits = common.timeouts(inputs, GENERALIZE_DEFAULTS)
        adapter = common.adapter(inputs, wait)
        vm_id = adapter.vm_ref(str(inputs["vm"]), str(inputs.get("resource_group") or "")).id
        vm: VmInfo = wait.call("get vm", lambda: adapter.get_vm(vm_id))
        if vm.region != str(inputs["region"]).replace(" ", "").lower():
            raise UserInputError("region", f"VM {vm.name} is in {vm.region}, not {inputs['region']}.",
                                 f"set region to {vm.region!r}.")
        key, commands, warnings = str(inputs["key"]), [], []
        state = str(dict(vm.extra.get("tags") or {}).get(STATE_TAG, ""))  # type: ignore[call-overload]
        adopted = vm.generalized
        if adopted:
            if inputs.get("finalize_scripts"):
                warnings.append(f"VM {vm.name} was already generalized: it was adopted as it is and the finalize "
                                "scripts did not run (a generalized VM cannot be started again).")
        else:
            resumed = state == f"{key}/prepared"
            if not resumed and not inputs.get("guest_prepared"):
                _refuse_unprepared(vm)
                wait.call("record progress", lambda: adapter.tag_vm(vm_id, {STATE_TAG: f"{key}/prepared"}))
                commands = _guest_steps(adapter, wait, inputs, vm, label)
            self._stop_and_mark(adapter, wait, vm, label, limits.create, sysprep_shuts_down=vm.os_type == "windows"
                                and not inputs.get("guest_prepared"))
        final = wait.call("verify", lambda: adapter.get_vm(vm_id))
        if not final.generalized:
            raise OperationFailed(f"VM {vm.name} does not read back as generalized (instance view power state "
                                  f"{final.power_state})", vendor="azure", operation="generalize", resource_id=vm_id)
        wait.call("record ownership", lambda: adapter.tag_vm(vm_id, {STATE_TAG: f"{key}/done"}))
        progress.write(f"{label}: generalized and {final.power_state}; never start this VM again")
        return CreateResult(final.vm_id, _outputs(inputs, final, commands, adopted, warnings))

    def _stop_and_mark(self, adapter: Any, wait: Waiter, vm: VmInfo, label: str, timeout: float,
                       sysprep_shuts_down: bool) -> None:
        """Wait for the VM to stop (Sysprep shuts Windows down itself), deallocate, then generalize."""
        current = wait.call("get vm", lambda: adapter.get_vm(vm.vm_id))
        if current.power_state in ("running", "starting") and not sysprep_shuts_down:
            progress.write(f"{label}: powering off")
            wait.call("power off", lambda: adapter.stop_vm(vm.vm_id))
        try:
            _wait_power(adapter, wait, vm.vm_id, ("stopped", "deallocated"), "to stop", timeout)
        except Timeout as err:
            hint = f"; Sysprep may have failed inside the guest: read {SYSPREP_LOGS}" if sysprep_shuts_down else ""
            raise Timeout(f"{err.message}{hint}", vendor="azure", operation="generalize", resource_id=vm.vm_id) from None
        progress.write(f"{label}: deallocating")
        wait.call("deallocate", lambda: adapter.deallocate_vm(vm.vm_id))
        _wait_power(adapter, wait, vm.vm_id, ("deallocated",), "to deallocate", timeout)
        progress.write(f"{label}: marking generalized")
        wait.call("generalize", lambda: adapter.mark_generalized(vm.vm_id))

    # read / update / delete -----------------------------------------------------------
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = common.clean(props)
        wait = common.waiter(inputs, f"GeneralizedVM {inputs.get('vm', id_)}")
        adapter = common.adapter(inputs, wait)
        try:
            vm = wait.call("get vm", lambda: adapter.get_vm(id_))
        except NotFound:
            return ReadResult("", {})
        return ReadResult(id_, _outputs(inputs, vm, list(props.get("commands") or []), bool(props.get("adopted")),
                                        list(props.get("warnings") or [])))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Only delete_vm changes in place: nothing is done to the VM, the outputs are re-read."""
        inputs = common.clean(news)
        inputs["key"] = olds.get("key", inputs.get("key"))
        wait = common.waiter(inputs, f"GeneralizedVM {inputs['vm']}")
        vm = wait.call("get vm", lambda: common.adapter(inputs, wait).get_vm(id_))
        return UpdateResult(_outputs(inputs, vm, list(olds.get("commands") or []), bool(olds.get("adopted")),
                                     list(olds.get("warnings") or [])))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Generalizing cannot be undone: the VM stays as it is unless delete_vm is true and this resource owns it."""
        inputs = common.clean(props)
        label = f"GeneralizedVM {inputs.get('vm', id_)}"
        if not inputs.get("delete_vm"):
            progress.write(f"{label}: delete leaves VM {id_} as it is (generalized and deallocated; delete_vm is "
                           "false). Delete it in Azure when no image needs it, or set delete_vm=true first.")
            return
        wait = common.waiter(inputs, label)
        limits = common.timeouts(inputs, GENERALIZE_DEFAULTS)
        adapter = common.adapter(inputs, wait)
        try:
            vm = wait.call("get vm", lambda: adapter.get_vm(id_))
        except NotFound:
            return
        owner = str(dict(vm.extra.get("tags") or {}).get(STATE_TAG, ""))  # type: ignore[call-overload]
        if not owner.startswith(f"{inputs.get('key')}/"):
            progress.write(f"{label}: VM {id_} now belongs to another GeneralizedVM ({owner or 'untagged'}); not deleted.")
            return
        progress.write(f"{label}: deleting VM {id_} (delete_vm is true)")
        wait.call("delete vm", lambda: adapter.delete_vm(id_))

        def gone() -> Pending | Done[bool]:
            try:
                adapter.get_vm(id_)
            except NotFound:
                return Done(True)
            return Pending(None, "deleting")

        wait.wait(f"deletion of {id_}", gone, limits.delete)


def _refuse_unprepared(vm: VmInfo) -> None:
    """What the procedure forbids, refused with the reason before anything runs."""
    if vm.os_type == "windows" and vm.encrypted:
        raise UserInputError("vm", f"VM {vm.name} has encrypted disks, and Sysprep needs fully decrypted drives.",
                             "turn disk encryption off (Azure Disk Encryption / BitLocker) and wait for decryption, "
                             "then run `pulumi up` again.")
    if vm.power_state != "running":
        raise InvalidState(f"VM {vm.name} is {vm.power_state} and not generalized: the guest steps need it running. "
                           "Start it if Sysprep / waagent has not run in it; if it has, set guest_prepared=true",
                           vendor="azure", operation="generalize", resource_id=vm.vm_id)


def _guest_steps(adapter: Any, wait: Waiter, inputs: Mapping[str, Any], vm: VmInfo, label: str) -> list[dict[str, Any]]:
    """Finalize scripts in order, then the deprovision / Sysprep step; the first failure stops everything."""
    from ..azure import scripts  # the Azure command lines; plain strings, no SDK

    steps = [(f"finalize[{n}]", scripts.as_lines(s)) for n, s in enumerate(inputs.get("finalize_scripts") or [])]
    steps.append(("generalize", scripts.generalize_script(vm.os_type, bool(inputs.get("keep_user")))))
    done: list[dict[str, Any]] = []
    for step, lines in steps:
        progress.write(f"{label}: run command {step}")
        result: CommandResult = adapter.run_command(vm.vm_id, vm.os_type, lines)
        done.append({"step": step, "script": lines, "exit_code": result.exit_code,
                     "stdout_tail": result.stdout_tail, "stderr_tail": result.stderr_tail})
        if result.exit_code != 0:
            raise OperationFailed(
                f"{step} exited {result.exit_code} on VM {vm.name}; the VM was not generalized and can be fixed and "
                f"retried. stdout: {result.stdout_tail or '(empty)'} | stderr: {result.stderr_tail or '(empty)'}",
                vendor="azure", operation="run command", code=str(result.exit_code), resource_id=vm.vm_id)
    return done


def _wait_power(adapter: Any, wait: Waiter, vm_id: str, states: tuple[str, ...], what: str, timeout: float) -> None:
    def poll() -> Pending | Done[bool]:
        power = adapter.get_vm(vm_id).power_state
        return Done(True) if power in states else Pending(None, f"power state {power}")

    wait.wait(f"VM {what}", poll, timeout)


def _outputs(inputs: Mapping[str, Any], vm: VmInfo, commands: list[dict[str, Any]], adopted: bool,
             warnings: list[str]) -> dict[str, Any]:
    return {
        **inputs,
        "vm_id": vm.vm_id,
        "vm_name": vm.name,
        "os_type": vm.os_type,
        "power_state": vm.power_state,
        "generalized": vm.generalized,
        "os_state": "Generalized" if vm.generalized else "Specialized",
        "hyper_v_generation": str(vm.extra.get("hyper_v_generation") or ""),
        "adopted": adopted,
        "commands": commands,
        "source": {"instance": vm.vm_id, "os_state": "Generalized" if vm.generalized else "Specialized"},
        "warnings": warnings,
    }


class GeneralizedVM(Resource, module="imageforge", name="GeneralizedVM"):
    """An Azure VM generalized for capture: guest prepared, deallocated, marked generalized. One way."""

    vm_id: pulumi.Output[str]
    generalized: pulumi.Output[bool]
    power_state: pulumi.Output[str]
    source: pulumi.Output[dict]
    commands: pulumi.Output[list]
    warnings: pulumi.Output[list]

    def __init__(self, resource_name: str, *, vm: Any, region: Any, cloud: Any = "azure", service: Any = None,
                 resource_group: Any = None, keep_user: Any = None, finalize_scripts: Any = None,
                 guest_prepared: Any = None, delete_vm: Any = None, timeouts: Any = None, endpoint: Any = None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "cloud": cloud, "service": service, "region": region, "vm": vm, "resource_group": resource_group,
            "keep_user": keep_user, "finalize_scripts": finalize_scripts, "guest_prepared": guest_prepared,
            "delete_vm": delete_vm, "timeouts": timeouts, "endpoint": endpoint,
            "owner": f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}",
        }
        outputs = dict.fromkeys(("vm_id", "vm_name", "os_type", "power_state", "generalized", "os_state",
                                 "hyper_v_generation", "adopted", "commands", "source", "warnings", "key"))
        super().__init__(GeneralizedVMProvider(), resource_name, {**outputs, **props}, opts)
