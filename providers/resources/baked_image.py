"""BakedImage: an image baked from a base image on a temporary build VM that never outlives the bake.

One create does the whole loop: find the base image, launch a build VM carrying this resource's
identity tag, wait until it runs and its guest agent answers, run the `provision` scripts and the
OS's generalization through the service's guest channel (GeneralizedVM's steps), stop and mark it,
capture it (CustomImage's capture), then delete the VM with its disks, NICs and public IPs. The VM
is removed whatever step fails; a run that died leaves a tagged VM the next run finds: one already
generalized by this resource is captured, any other is removed and a fresh one launched, so a bake
never runs provisioning twice in one guest. Read, update and delete are CustomImage's, and delete
also removes any build VM still carrying the identity. The import path of BakedImageProvider is
public API.
"""
from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, overload

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from ..core import progress, registry
from ..core.errors import CloudError, InvalidState, NotFound, OperationFailed, ServiceUnavailable
from ..core.model import BaseImage, Identity, ImageStatus, LaunchRequest, Started, VmInfo
from ..core.protocol import ImageAdapter, VmBuilder
from ..core.service import ServiceSpec
from ..core.timeouts import BUILD_DEFAULTS, Timeouts
from ..core.validation import Failure, is_unknown
from ..core.waiting import Done, Pending, PollResult, Waiter
from . import common, lifecycle
from .args import BakedImageArgs, BakedImageOutputs, CredentialsArgs, TimeoutsArgs
from .custom_image import CustomImageProvider
from .custom_image import OUTPUT_KEYS as IMAGE_OUTPUT_KEYS
from .custom_image import outputs as image_outputs
from .generalized_vm import STATE_TAG, Guest, _stop_and_mark
from .schemas import BAKED_IMAGE

OUTPUT_KEYS = (*IMAGE_OUTPUT_KEYS, "base", "build")
VANISHED_READS = 5  # a launched VM the cloud stops reporting this many reads in a row was given up


class BakedImageProvider(CustomImageProvider):
    """check / diff from the declarations; create bakes; read / update / delete are the captured image's."""

    kind = "BakedImage"
    verb = "bake"
    schema = BAKED_IMAGE
    limits: Timeouts = BUILD_DEFAULTS

    def output_keys(self) -> tuple[str, ...]:
        return OUTPUT_KEYS

    def check_own(self, olds: Mapping[str, Any], inputs: dict[str, Any], spec: ServiceSpec) -> list[Failure]:
        return network_failures(spec, inputs.get("network"))

    # create ------------------------------------------------------------------------
    @common.safe_errors("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = common.clean(props)
        limits = common.timeouts(inputs, self.limits)
        label = f"{self.kind} {inputs['name']}"
        wait = common.waiter(inputs, label, limits.create)
        bake = Bake(self, inputs, wait, label)
        found = lifecycle.recover(bake.images, wait, bake.ident)
        if found is not None:  # an earlier run got as far as the capture
            info = self._settled(bake.images, wait, found.image_id)
            if info.status is ImageStatus.AVAILABLE:
                bake.sweep("an earlier run's build VM")
                bake.base = bake.base_or_none()
                return CreateResult(found.image_id, bake.outputs(info, ["an earlier run's bake was adopted: "
                                                                        f"image {found.image_id}"]))
            self._discard(inputs, bake.images, limits, found.image_id, None)
        base = wait.call("find the base image", lambda: bake.vms.resolve_base_image(str(inputs["region"]),
                                                                                   str(inputs["base_image"])))
        bake.base = base
        vm = bake.reuse_or_sweep()
        try:
            if vm is None:
                vm = bake.launch(base)
                bake.prepare(vm)
            image_id, info, warnings = bake.capture(vm)
        except BaseException as err:
            bake.cleanup_after(err)
            raise
        bake.sweep("the build VM")
        return CreateResult(image_id, bake.outputs(info, warnings))

    # read / update keep what only the bake knew ----------------------------------------------
    @common.safe_errors("read")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        found = super().read(id_, props)
        if not found.id:
            return found
        kept = {k: props.get(k) for k in ("base", "build") if props.get(k) is not None}
        return ReadResult(found.id, {**(found.outs or {}), **kept}, found.inputs)

    @common.safe_errors("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        done = super().update(id_, olds, news)
        kept = {k: olds.get(k) for k in ("base", "build") if olds.get(k) is not None}
        return UpdateResult({**(done.outs or {}), **kept})

    # delete ---------------------------------------------------------------------------
    @common.safe_errors("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """The image, and any build VM an interrupted bake of this resource left behind."""
        inputs = common.clean(props)
        if inputs.get("key") and inputs.get("deletion_protection") is not True:
            wait = common.waiter(inputs, f"{self.kind} {inputs.get('name', id_)}",
                                 common.timeouts(inputs, self.limits).delete)
            Bake(self, inputs, wait, f"{self.kind} {inputs.get('name', id_)}").sweep("a build VM left behind")
        super().delete(id_, props)


class Bake:
    """The steps of one bake, each through the service's VmBuilder or ImageAdapter, each waited on by one Waiter."""

    def __init__(self, provider: BakedImageProvider, inputs: dict[str, Any], wait: Waiter, label: str) -> None:
        self.provider, self.inputs, self.wait, self.label = provider, inputs, wait, label
        self.spec = common.spec_of(inputs)
        self.region = str(inputs["region"])
        self.vms = registry.adapter_for(common.target(inputs), VmBuilder)
        self.images = registry.adapter_for(common.target(inputs), ImageAdapter)
        self.ident: Identity = common.identity(inputs)
        self.base: BaseImage | None = None
        self.vm: VmInfo | None = None
        self.commands: list[dict[str, Any]] = []
        self.removed: list[str] = []

    def base_or_none(self) -> BaseImage | None:
        """The base image for the outputs of an adopted bake: None when the cloud no longer lists it."""
        try:
            return self.wait.call("find the base image", lambda: self.vms.resolve_base_image(
                self.region, str(self.inputs["base_image"])))
        except CloudError:
            return None

    # the build VM -------------------------------------------------------------------------
    def reuse_or_sweep(self) -> VmInfo | None:
        """An earlier run's build VM already generalized by this resource is captured; any other is removed."""
        keep: VmInfo | None = None
        for vm in self.wait.call("find earlier build VMs", lambda: self.vms.find_build_vms(self.region, self.ident)):
            if keep is None and vm.generalized and _state(vm) == f"{self.ident.key}/done":
                progress.write(f"{self.label}: an earlier run's build VM {vm.vm_id} is generalized: capturing it")
                keep = vm
            else:
                self._remove(vm.vm_id, "an earlier run's build VM")
        self._remove_leftovers()
        self.vm = keep
        return keep

    def launch(self, base: BaseImage) -> VmInfo:
        inputs = self.inputs
        request = LaunchRequest(
            region=self.region, name=f"imageforge-build-{self.ident.key[:12]}", base_image=base,
            instance_type=str(inputs["instance_type"]), network={k: str(v) for k, v in dict(inputs["network"]).items()},
            disk_size_gb=int(inputs["disk_size_gb"]) if inputs.get("disk_size_gb") else None,
            tags={**{str(k): str(v) for k, v in dict(inputs.get("tags") or {}).items()}, **self.ident.tags},
            client_token=uuid.uuid4().hex, resource_group=str(inputs.get("resource_group") or ""),
            admin_secret=_one_time_secret(), options=dict(inputs.get("options") or {}))
        warnings = self.wait.call("check the launch", lambda: self.vms.prepare_launch(request))
        for warning in warnings:
            progress.write(f"{self.label}: {warning}")
        progress.write(f"{self.label}: launching a build VM ({request.instance_type}) from {base.name or base.image_id}")
        started = self._start_launch(request)
        vm_id = started.vm_id or self._launched_by_identity(started)
        self.vm = VmInfo(vm_id, self.region, "pending", base.os_type)
        vm = self._wait_running(vm_id)
        self.vm = vm
        progress.write(f"{self.label}: build VM {vm_id} is running; waiting for its guest agent")

        def agent() -> PollResult[bool]:
            return Done(True) if self.vms.agent_online(vm_id, vm.os_type) else Pending(None, "guest agent not online")

        self.wait.wait(f"the guest agent of {vm_id}", agent)
        return vm

    def _start_launch(self, request: LaunchRequest) -> Started:
        """Launch once: a reply lost to a 5xx is looked for by the identity tag before the call is made again."""
        def attempt() -> PollResult[Started]:
            try:
                return Done(self.vms.launch_vm(request))
            except ServiceUnavailable:
                found = self.vms.find_build_vms(self.region, self.ident)
                if found:
                    return Done(Started(vm_id=found[0].vm_id))
                raise

        return self.wait.wait("launch of the build VM", attempt)

    def _launched_by_identity(self, started: Started) -> str:
        """A launch whose reply named no VM (a job): the VM is the one carrying the identity."""
        def named() -> PollResult[str]:
            found = self.vms.find_build_vms(self.region, self.ident)
            return Done(found[0].vm_id) if found else Pending(None, f"launch job {started.job_id or '?'} running")

        return self.wait.wait("the build VM to appear", named)

    def _wait_running(self, vm_id: str) -> VmInfo:
        missing = [0]

        def running() -> PollResult[VmInfo]:
            try:
                vm = self.vms.get_vm(vm_id)
            except NotFound:
                missing[0] += 1
                if missing[0] >= VANISHED_READS:
                    raise OperationFailed(f"the cloud no longer reports the build VM {vm_id} it accepted to launch",
                                          vendor=str(self.inputs["cloud"]), operation="launch",
                                          resource_id=vm_id) from None
                return Pending(None, "not visible yet")
            missing[0] = 0
            if vm.power_state == "failed":
                raise OperationFailed(f"build VM {vm_id} failed to launch: {vm.extra.get('reason') or 'no reason given'}",
                                      vendor=str(self.inputs["cloud"]), operation="launch", resource_id=vm_id)
            return Done(vm) if vm.power_state == "running" else Pending(None, f"power state {vm.power_state}")

        return self.wait.wait(f"build VM {vm_id} to run", running)

    def prepare(self, vm: VmInfo) -> None:
        """Provision and generalize through the guest channel, then stop and mark the VM: GeneralizedVM's steps."""
        guest_inputs = {"cloud": self.inputs["cloud"], "finalize_scripts": list(self.inputs.get("provision") or []),
                        "keep_user": self.inputs.get("keep_user")}
        guest = Guest(self.vms, self.wait, guest_inputs, vm, self.label)
        guest.commands = self.commands
        guest.prepare()
        key = self.ident.key
        self.wait.call("record the guest as prepared", lambda: self.vms.tag_vm(vm.vm_id, {STATE_TAG: f"{key}/prepared"}))
        _stop_and_mark(self.vms, self.wait, vm, self.label, self.spec.traits.vm_deallocate)
        self.wait.call("record the VM as generalized", lambda: self.vms.tag_vm(vm.vm_id, {STATE_TAG: f"{key}/done"}))

    # the image ------------------------------------------------------------------------------
    def capture(self, vm: VmInfo) -> tuple[str, Any, list[str]]:
        """CustomImage's capture of the generalized build VM, under this resource's identity."""
        provider, inputs = self.provider, self.inputs
        base = self.base
        source = {self.spec.traits.vm_source: vm.vm_id, "os_state": "Generalized",
                  **({"os_type": base.os_type} if base and base.os_type else {})}
        capture_inputs = {k: v for k, v in inputs.items() if k not in ("options", "network", "provision")}
        capture_inputs["source"] = source
        capture_op = self.spec.capture
        # options a service declares for both its launch and its capture (an Azure gallery target) reach both
        capture_inputs["options"] = {k: v for k, v in dict(inputs.get("options") or {}).items()
                                     if capture_op is not None and capture_op.option(k) is not None}
        progress.write(f"{self.label}: capturing build VM {vm.vm_id}")
        started, warnings = provider._begin(capture_inputs, self.spec, self.ident, self.wait, self.images)
        image_id = lifecycle.resolve(self.images, self.wait, started, self.ident, f"the capture of {vm.vm_id}")
        info = provider._settled(self.images, self.wait, image_id)
        if info.status is not ImageStatus.AVAILABLE:
            limits = common.timeouts(inputs, provider.limits)
            provider._discard(inputs, self.images, limits, image_id, OperationFailed(
                f"image {image_id} ended {info.raw_status or info.status.value}; it was deleted so nothing is left "
                "behind. Run `pulumi up` again to bake again", vendor=str(inputs["cloud"]), operation="capture",
                code=info.raw_status, request_id=started.request_id, resource_id=image_id))
        provider._share(inputs, self.wait, image_id)
        return image_id, info, warnings

    # clean-up ---------------------------------------------------------------------------------
    def sweep(self, what: str) -> None:
        """Remove every build VM and leftover carrying this identity, waiting until each is gone."""
        for vm in self.wait.call("find build VMs", lambda: self.vms.find_build_vms(self.region, self.ident)):
            self._remove(vm.vm_id, what)
        self._remove_leftovers()

    def cleanup_after(self, cause: BaseException) -> None:
        """A failed step: remove the build VM (and what came with it) within the delete timeout, then re-raise."""
        if not isinstance(cause, Exception):
            return  # interrupted: the next run finds the VM by its tag
        limits = common.timeouts(self.inputs, self.provider.limits)
        cleanup = common.waiter(self.inputs, self.label, limits.delete)
        saved, self.wait = self.wait, cleanup
        try:
            self.sweep("the build VM of the failed bake")
            if self.vm is not None and self.vm.vm_id not in self.removed:
                self._remove(self.vm.vm_id, "the build VM of the failed bake")
        except CloudError as err:
            left = {self.region: self.vm.vm_id} if self.vm is not None else {}
            why = cause if isinstance(cause, CloudError) else OperationFailed(str(cause), operation="bake")
            raise lifecycle.cleanup_failed(why, err, left) from None
        finally:
            self.wait = saved

    def _remove(self, vm_id: str, what: str) -> None:
        progress.write(f"{self.label}: deleting {what} {vm_id} with its disks and network interfaces")

        def start() -> PollResult[bool]:
            try:
                self.vms.remove_build_vm(vm_id)
            except NotFound:
                return Done(False)
            except InvalidState as err:  # still launching: the cloud deletes it once it has booted or failed
                return Pending(None, f"not deletable yet: {err.message}")
            return Done(True)

        if not self.wait.wait(f"the deletion of {vm_id} to start", start):
            self.removed.append(vm_id)
            return

        def gone() -> PollResult[bool]:
            try:
                self.vms.get_vm(vm_id)
            except NotFound:
                return Done(True)
            return Pending(None, "deleting")

        self.wait.wait(f"deletion of {vm_id}", gone)
        self.removed.append(vm_id)

    def _remove_leftovers(self) -> None:
        for object_id in self.wait.call("find leftovers", lambda: self.vms.find_build_leftovers(self.region, self.ident)):
            progress.write(f"{self.label}: deleting {object_id}, left by an earlier build VM")
            try:
                self.wait.call(f"delete {object_id}", lambda: self.vms.remove_leftover(object_id))
            except NotFound:
                pass

    # outputs --------------------------------------------------------------------------------
    def outputs(self, info: Any, warnings: list[str]) -> dict[str, Any]:
        base = self.base
        vm = self.vm
        return {
            **image_outputs(self.inputs, info, warnings),
            "base": {"image_id": base.image_id, "name": base.name, "os_type": base.os_type, "owner": base.owner}
            if base else {"image_id": "", "name": str(self.inputs.get("base_image") or ""), "os_type": "", "owner": ""},
            "build": {"vm_id": vm.vm_id if vm else "", "vm_name": vm.name if vm else "",
                      "instance_type": str(self.inputs.get("instance_type") or ""), "commands": self.commands,
                      "removed": True},
        }


def network_failures(spec: ServiceSpec, network: object) -> list[Failure]:
    """The `network` keys against the service's declaration: unknown keys and missing required ones, with the fix."""
    op = spec.build
    if op is None or network is None or is_unknown(network) or not isinstance(network, Mapping):
        return []
    known = {p.name: p for p in op.network}
    taken = ", ".join(f"network.{k}" for k in sorted(known))
    out: list[Failure] = []
    for key, value in sorted(network.items(), key=lambda kv: str(kv[0])):
        if key not in known:
            out.append(Failure(f"network.{key}", f"{spec.label} does not take network.{key}; it takes {taken}. "
                                                 f"Fix: remove network.{key}."))
        elif not is_unknown(value) and (not isinstance(value, str) or not value.strip()):
            out.append(Failure(f"network.{key}", f"must be a non-empty id string ({known[key].doc or known[key].vendor}); "
                                                 f"got {value!r}."))
    for param in op.network:
        if param.required and network.get(param.name) is None:
            out.append(Failure(f"network.{param.name}", f"is required on {spec.label}: {param.doc or param.vendor}. "
                                                        f"Fix: add network.{param.name}"
                                                        + (f", for example {param.example!r}." if param.example else ".")))
    return out


def _state(vm: VmInfo) -> str:
    tags = vm.extra.get("tags")
    return str(tags.get(STATE_TAG, "")) if isinstance(tags, Mapping) else ""


def _one_time_secret() -> str:
    """A login credential for the one launch where the API requires one: never stored, logged or shown.

    The guest is generalized (accounts' credentials reset) and the VM deleted, so nobody ever needs it.
    """
    alphabet = string.ascii_letters + string.digits
    return ("Aa1!" + "".join(secrets.choice(alphabet) for _ in range(20)))


class BakedImage(Resource, BakedImageOutputs, module="imageforge", name="BakedImage"):
    """An image baked from `base_image` on a temporary build VM: provisioned, generalized, captured, removed."""

    @overload
    def __init__(self, resource_name: str, args: BakedImageArgs, opts: pulumi.ResourceOptions | None = None) -> None: ...

    @overload
    def __init__(self, resource_name: str, *,
                 cloud: pulumi.Input[str],
                 region: pulumi.Input[str],
                 name: pulumi.Input[str],
                 base_image: pulumi.Input[str],
                 instance_type: pulumi.Input[str],
                 network: pulumi.Input[Mapping[str, pulumi.Input[str]]],
                 service: pulumi.Input[str] | None = None,
                 endpoint: pulumi.Input[str] | None = None,
                 timeouts: pulumi.Input[TimeoutsArgs] | None = None,
                 credentials: pulumi.Input[CredentialsArgs] | None = None,
                 description: pulumi.Input[str] | None = None,
                 tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
                 disk_size_gb: pulumi.Input[int] | None = None,
                 resource_group: pulumi.Input[str] | None = None,
                 provision: pulumi.Input[Sequence[pulumi.Input[str | Sequence[pulumi.Input[str]]]]] | None = None,
                 keep_user: pulumi.Input[bool] | None = None,
                 share_with: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
                 options: pulumi.Input[Mapping[str, Any]] | None = None,
                 deletion_protection: pulumi.Input[bool] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None: ...

    def __init__(self, resource_name: str, args: BakedImageArgs | None = None, opts: pulumi.ResourceOptions | None = None,
                 **inputs: Any) -> None:
        """Inputs as a BakedImageArgs or as keywords; every one is checked by `check` before any cloud call."""
        props = common.given_inputs("BakedImage", resource_name, BAKED_IMAGE, args, inputs)
        outputs = dict.fromkeys((*OUTPUT_KEYS, "key"))
        super().__init__(BakedImageProvider(), resource_name, {**outputs, **props},
                         common.resource_options("BakedImage", resource_name, opts,
                                                 {"image_tags": props["tags"], "build": props["provision"]}))
