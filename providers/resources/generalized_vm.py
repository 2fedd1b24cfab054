"""GeneralizedVM: prepare a VM's guest, then stop, deallocate and mark it generalized, once and for good.

The service supplies the guest's own lines (its VmGeneralizer's `guest_script`): "generalize" ends
with the probe, so it exits 0 only when the guest itself reports it is generalized; "probe" alone
reads that. The VM carries `imageforge-generalizedvm = <key>/prepared` only after the guest
confirmed, and `<key>/done` once the cloud marked it generalized: a failed or throttled command,
or a script that exits non-zero, leaves the VM running, startable and unmarked, and a re-run
probes the guest first (an earlier run may have finished before it died). Generalizing is
one-way, so every input that says what to do replaces; delete leaves the VM alone unless
`delete_vm` is true. The import path of GeneralizedVMProvider is public API.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, ReadResult, Resource, UpdateResult

from ..core import progress, registry
from ..core.errors import Conflict, InvalidState, NotFound, OperationFailed, UserInputError
from ..core.guest import as_lines
from ..core.model import CommandResult, Started, VmInfo
from ..core.protocol import VmGeneralizer
from ..core.service import GENERALIZE
from ..core.timeouts import GENERALIZE_DEFAULTS, Timeouts
from ..core.waiting import Done, Pending, PollResult, Waiter
from . import common
from .args import CredentialsArgs, GeneralizedVMArgs, GeneralizedVMOutputs, TimeoutsArgs
from .schemas import GENERALIZED_VM

STATE_TAG = "imageforge-generalizedvm"  # "<key>/prepared" once the guest confirmed, "<key>/done" when generalized
OUTPUT_KEYS = ("vm_id", "vm_name", "os_type", "power_state", "generalized", "os_state", "hyper_v_generation",
               "adopted", "commands", "source", "warnings")
STOPPED = ("stopped", "deallocated")


def generalizing_clouds() -> list[str]:
    """The clouds with a service that generalizes VMs: the default cloud when exactly one does."""
    return sorted({c for (c, s) in registry.SERVICES if GENERALIZE in registry.spec_for(c, s).capabilities})


class GeneralizedVMProvider(common.ProviderBase):
    """check / diff from the declarations; create / read / update / delete for one generalized VM."""

    kind = "GeneralizedVM"
    schema = GENERALIZED_VM
    limits: Timeouts = GENERALIZE_DEFAULTS

    @common.safe_errors("check")
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        able = generalizing_clouds()
        if news.get("cloud") is None and len(able) == 1:
            news = {**news, "cloud": able[0]}
        result = super().check(olds, news)
        if news.get("cloud") is None:
            failures = list(result.failures or [])
            failures.append(CheckFailure("cloud", f"is required: the cloud of the VM ({', '.join(able)} can "
                                                  "generalize VMs)."))
            return CheckResult(result.inputs, failures)
        return result

    # create ------------------------------------------------------------------------
    @common.safe_errors("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = common.clean(props)
        label = f"{self.kind} {inputs['vm']}"
        wait = common.waiter(inputs, label, common.timeouts(inputs, self.limits).create)
        vms = registry.adapter_for(common.target(inputs), VmGeneralizer)
        vm_id = vms.resolve_vm(str(inputs["vm"]), str(inputs.get("resource_group") or ""))
        vm = wait.call("read the VM", lambda: vms.get_vm(vm_id))
        wanted = str(inputs["region"]).replace(" ", "").lower()
        if vm.region != wanted:
            raise UserInputError("region", f"VM {vm.name} is in {vm.region}, not {inputs['region']}.",
                                 f"set region to {vm.region!r}.")
        key = str(inputs["key"])
        state = _state(vm)
        adopted = vm.generalized and state not in (f"{key}/prepared", f"{key}/done")
        commands: list[dict[str, Any]] = []
        warnings: list[str] = []
        if adopted and inputs.get("finalize_scripts"):
            warnings.append(f"VM {vm.name} was already generalized: it was adopted as it is and the finalize scripts "
                            "did not run (a generalized VM cannot be started again).")
        if not vm.generalized:
            if state != f"{key}/prepared":
                commands, warnings = Guest(vms, wait, inputs, vm, label).prepare()
                wait.call("record the guest as prepared", lambda: vms.tag_vm(vm_id, {STATE_TAG: f"{key}/prepared"}))
            _stop_and_mark(vms, wait, vm, label, common.spec_of(inputs).traits.vm_deallocate)
        final = wait.call("verify", lambda: vms.get_vm(vm_id))
        if not final.generalized:
            raise OperationFailed(f"VM {vm.name} does not read back as generalized (power state {final.power_state})",
                                  vendor=str(inputs["cloud"]), operation="generalize", resource_id=vm_id)
        wait.call("record ownership", lambda: vms.tag_vm(vm_id, {STATE_TAG: f"{key}/done"}))
        progress.write(f"{label}: generalized and {final.power_state}; never start this VM again")
        return CreateResult(final.vm_id, outputs(inputs, final, commands, adopted, warnings))

    # read / update / delete -----------------------------------------------------------
    @common.safe_errors("read")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = common.clean(props)
        label = f"{self.kind} {inputs.get('vm', id_)}"
        wait = common.waiter(inputs, label, common.timeouts(inputs, self.limits).update)
        vms = registry.adapter_for(common.target(inputs), VmGeneralizer)
        try:
            vm = wait.call("read the VM", lambda: vms.get_vm(id_))
        except NotFound:
            return ReadResult("", {})
        outs = outputs(inputs, vm, list(props.get("commands") or []), bool(props.get("adopted")),
                       common.kept_warnings(props))
        return ReadResult(id_, outs, {k: v for k, v in outs.items() if k not in OUTPUT_KEYS})

    @common.safe_errors("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Only recorded settings change in place (delete_vm, timeouts): no cloud call."""
        inputs = common.clean(news)
        inputs["key"] = olds.get("key", inputs.get("key"))
        return UpdateResult({**{k: olds.get(k) for k in OUTPUT_KEYS}, **inputs})

    @common.safe_errors("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Generalizing cannot be undone: the VM stays as it is unless delete_vm is true and this resource owns it."""
        inputs = common.clean(props)
        label = f"{self.kind} {inputs.get('vm', id_)}"
        if not inputs.get("delete_vm"):
            progress.write(f"{label}: delete leaves VM {id_} as it is (generalized and powered off; delete_vm "
                           "is false). Delete it once no image depends on it, or set delete_vm=true first.")
            return
        wait = common.waiter(inputs, label, common.timeouts(inputs, self.limits).delete)
        vms = registry.adapter_for(common.target(inputs), VmGeneralizer)
        try:
            vm = wait.call("read the VM", lambda: vms.get_vm(id_))
        except NotFound:
            return
        owner = _state(vm)
        if not owner.startswith(f"{inputs.get('key')}/"):
            progress.write(f"{label}: VM {id_} now belongs to another GeneralizedVM ({owner or 'untagged'}); "
                           "not deleted.")
            return
        progress.write(f"{label}: deleting VM {id_} (delete_vm is true)")
        wait.call("delete the VM", lambda: vms.delete_vm(id_))

        def gone() -> PollResult[bool]:
            try:
                vms.get_vm(id_)
            except NotFound:
                return Done(True)
            return Pending(None, "deleting")

        wait.wait(f"deletion of {id_}", gone)


class Guest:
    """The guest steps of one create: probe, finalize scripts, generalize; each confirmed by its exit code."""

    def __init__(self, vms: VmGeneralizer, wait: Waiter, inputs: Mapping[str, Any], vm: VmInfo, label: str) -> None:
        self.vms, self.wait, self.inputs, self.vm, self.label = vms, wait, inputs, vm, label
        self.keep_user = inputs.get("keep_user") is True
        self.commands: list[dict[str, Any]] = []

    def prepare(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Return the commands run and the warnings; raise, leaving the VM running and unmarked, unless confirmed."""
        if self.inputs.get("guest_prepared") is True:
            return [], []  # the user deprovisioned the guest by hand: nothing runs in it
        self._refuse_unprepared()
        probe = self.run("probe", self.vms.guest_script("probe", self.vm.os_type, self.keep_user))
        if probe.exit_code == 0:
            warnings = [f"the guest of VM {self.vm.name} already reports it is generalized (an earlier run, or by "
                        "hand), so nothing ran in it again" + (": the finalize scripts did not run"
                                                               if self.inputs.get("finalize_scripts") else "")]
            return self.commands, warnings
        for n, script in enumerate(self.inputs.get("finalize_scripts") or []):
            self.require(f"finalize[{n}]", self.run(f"finalize[{n}]", as_lines(script)))
        self.require("generalize", self.run("generalize", self.vms.guest_script("generalize", self.vm.os_type,
                                                                                  self.keep_user)))
        return self.commands, []

    def _refuse_unprepared(self) -> None:
        """What the procedure forbids, refused with the reason before anything runs."""
        vm = self.vm
        if vm.encrypted:
            raise UserInputError("vm", f"VM {vm.name} has disks encrypted in the guest: generalization requires fully "
                                       "decrypted drives, and an image of an encrypted VM cannot be used.",
                                 "turn the guest's disk encryption off and wait for decryption, then run `pulumi up` "
                                 "again.")
        if vm.power_state != "running":
            raise InvalidState(f"VM {vm.name} is {vm.power_state} and not generalized: the guest steps need it running "
                               "(nothing waits for a shutdown the guest never started). Start it and run `pulumi up` "
                               "again; if its guest was already generalized by hand, set guest_prepared=true",
                               vendor=str(self.inputs["cloud"]), operation="generalize", resource_id=vm.vm_id)

    def run(self, step: str, lines: Sequence[str]) -> CommandResult:
        """Start one command (waiting out another still running in the guest), then wait for its result."""
        vm, vms = self.vm, self.vms
        progress.write(f"{self.label}: guest step {step}")

        def begin() -> PollResult[Started]:
            try:
                return Done(vms.start_command(vm.vm_id, vm.os_type, lines))
            except Conflict as err:
                return Pending(None, f"another command is running in the guest: {err.message}")

        job = self.wait.wait(f"start of {step}", begin)

        def finished() -> PollResult[CommandResult]:
            found = vms.command_result(vm.vm_id, vm.os_type, job.job_id)
            return Done(found) if found is not None else Pending(None, f"{step} running")

        result = self.wait.wait(f"{step} in the guest", finished)
        self.commands.append({"step": step, "script": list(lines), "exit_code": result.exit_code,
                              "stdout_tail": result.stdout_tail, "stderr_tail": result.stderr_tail})
        return result

    def require(self, step: str, result: CommandResult) -> None:
        if result.exit_code == 0:
            return
        confirm = " and the guest did not confirm it is generalized" if step == "generalize" else ""
        raise OperationFailed(
            f"{step} exited {result.exit_code} on VM {self.vm.name}{confirm}; the VM was left running and unmarked, "
            f"so it can be fixed and `pulumi up` run again. stdout: {result.stdout_tail or '(empty)'} | stderr: "
            f"{result.stderr_tail or '(empty)'}", vendor=str(self.inputs["cloud"]), operation="guest command",
            code=str(result.exit_code), resource_id=self.vm.vm_id)


def _stop_and_mark(vms: VmGeneralizer, wait: Waiter, vm: VmInfo, label: str, deallocate: bool = True) -> None:
    """Power off (the guest is confirmed generalized), deallocate where the service has that step, then mark it."""
    current = wait.call("read the VM", lambda: vms.get_vm(vm.vm_id))
    if current.power_state not in (*STOPPED, "stopping", "deallocating"):
        progress.write(f"{label}: powering off")
        wait.call("power off", lambda: vms.stop_vm(vm.vm_id))
    _wait_power(vms, wait, vm.vm_id, STOPPED, "to stop")
    if deallocate and wait.call("read the VM", lambda: vms.get_vm(vm.vm_id)).power_state != "deallocated":
        progress.write(f"{label}: deallocating")
        wait.call("deallocate", lambda: vms.deallocate_vm(vm.vm_id))
        _wait_power(vms, wait, vm.vm_id, ("deallocated",), "to deallocate")
    progress.write(f"{label}: marking generalized")
    wait.call("generalize", lambda: vms.mark_generalized(vm.vm_id))


def _wait_power(vms: VmGeneralizer, wait: Waiter, vm_id: str, states: tuple[str, ...], what: str) -> None:
    def poll() -> PollResult[bool]:
        power = vms.get_vm(vm_id).power_state
        return Done(True) if power in states else Pending(None, f"power state {power}")

    wait.wait(f"VM {what}", poll)


def _state(vm: VmInfo) -> str:
    tags = vm.extra.get("tags")
    return str(tags.get(STATE_TAG, "")) if isinstance(tags, Mapping) else ""


def outputs(inputs: Mapping[str, Any], vm: VmInfo, commands: list[dict[str, Any]], adopted: bool,
            warnings: list[str]) -> dict[str, Any]:
    os_state = "Generalized" if vm.generalized else "Specialized"
    return {
        **inputs,
        "vm_id": vm.vm_id,
        "vm_name": vm.name,
        "os_type": vm.os_type,
        "power_state": vm.power_state,
        "generalized": vm.generalized,
        "os_state": os_state,
        "hyper_v_generation": str(vm.extra.get("hyper_v_generation") or ""),
        "adopted": adopted,
        "commands": commands,
        "source": {common.spec_of(inputs).traits.vm_source: vm.vm_id, "os_state": os_state},
        "warnings": warnings,
    }


class GeneralizedVM(Resource, GeneralizedVMOutputs, module="imageforge", name="GeneralizedVM"):
    """A VM generalized for capture: guest prepared and confirmed, deallocated, marked generalized. One way.

    `cloud` defaults to the one cloud whose service generalizes VMs.
    """

    @overload
    def __init__(self, resource_name: str, args: GeneralizedVMArgs, opts: pulumi.ResourceOptions | None = None) -> None: ...

    @overload
    def __init__(self, resource_name: str, *,
                 region: pulumi.Input[str],
                 vm: pulumi.Input[str],
                 cloud: pulumi.Input[str] | None = None,
                 service: pulumi.Input[str] | None = None,
                 endpoint: pulumi.Input[str] | None = None,
                 timeouts: pulumi.Input[TimeoutsArgs] | None = None,
                 credentials: pulumi.Input[CredentialsArgs] | None = None,
                 resource_group: pulumi.Input[str] | None = None,
                 keep_user: pulumi.Input[bool] | None = None,
                 finalize_scripts: pulumi.Input[Sequence[pulumi.Input[str | Sequence[pulumi.Input[str]]]]] | None = None,
                 guest_prepared: pulumi.Input[bool] | None = None,
                 delete_vm: pulumi.Input[bool] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None: ...

    def __init__(self, resource_name: str, args: GeneralizedVMArgs | None = None, opts: pulumi.ResourceOptions | None = None,
                 **inputs: Any) -> None:
        """Inputs as a GeneralizedVMArgs or as keywords; every one is checked by `check` before any cloud call."""
        props = common.given_inputs("GeneralizedVM", resource_name, GENERALIZED_VM, args, inputs)
        outs = dict.fromkeys((*OUTPUT_KEYS, "key"))
        super().__init__(GeneralizedVMProvider(), resource_name, {**outs, **props},
                         common.resource_options("GeneralizedVM", resource_name, opts,
                                                 {"commands": props["finalize_scripts"]}))
