"""CustomImage: capture an image from a VM, a cloud computer or snapshots, on any supported cloud.

The import path of CustomImageProvider is public API: stacks pickle it by reference.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, overload

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from ..core import registry
from ..core.errors import CloudError, NotFound, OperationFailed, Timeout, UserInputError
from ..core.model import TAG_KEY, CaptureRequest, Identity, ImageInfo, ImageStatus, Scope, Source, Started, unmarked
from ..core.protocol import ImageAdapter
from ..core.service import ServiceSpec
from ..core.timeouts import CAPTURE_DEFAULTS, Timeouts
from ..core.waiting import Waiter
from . import common, lifecycle, sharing
from .args import CredentialsArgs, CustomImageArgs, CustomImageOutputs, SourceArgs, TimeoutsArgs
from .schemas import CUSTOM_IMAGE

OUTPUT_KEYS = ("image_id", "status", "vendor_status", "progress", "size_gb", "image_os_type", "image_platform",
               "image_architecture", "created", "image_tags", "warnings", "share_status")
IN_PLACE = ("name", "description", "tags")


class CustomImageProvider(common.ProviderBase):
    """check / diff / create / read / update / delete for one custom image."""

    kind = "CustomImage"
    verb = "capture"
    schema = CUSTOM_IMAGE
    limits: Timeouts = CAPTURE_DEFAULTS

    # create ------------------------------------------------------------------------
    @common.safe_errors("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = common.clean(props)
        spec = common.spec_of(inputs)
        limits = common.timeouts(inputs, self.limits)
        label = f"{self.kind} {inputs['name']}"
        wait = common.waiter(inputs, label, limits.create)
        adapter = registry.adapter_for(common.target(inputs), ImageAdapter)
        ident = common.identity(inputs)
        found = lifecycle.recover(adapter, wait, ident)
        warnings: list[str] = []
        if found is not None:  # an earlier run's capture: adopt it if it ends available
            info = self._settled(adapter, wait, found.image_id)
            if info.status is ImageStatus.AVAILABLE:
                self._share(inputs, wait, found.image_id)
                answered = sharing.answers(inputs, wait, {str(inputs["region"]): found.image_id})
                return CreateResult(found.image_id, {**outputs(inputs, info, warnings), **answered})
            self._discard(inputs, adapter, limits, found.image_id, None)
            warnings.append(f"an earlier run's {self.verb} ({found.image_id}) ended {info.raw_status or 'failed'}: "
                            f"it was deleted and the {self.verb} started again")
        started, more = self._begin(inputs, spec, ident, wait, adapter)
        image_id = lifecycle.resolve(adapter, wait, started, ident, f"the {self.verb} started for {inputs['name']}")
        info = self._settled(adapter, wait, image_id)
        if info.status is not ImageStatus.AVAILABLE:
            reason = info.failure or self._job_reason(adapter, wait, started)
            self._discard(inputs, adapter, limits, image_id, OperationFailed(
                f"image {image_id} ended {info.raw_status or info.status.value}"
                + (f": {reason}" if reason else "")
                + f"; it was deleted so nothing is left behind. Run `pulumi up` again to retry the {self.verb}",
                vendor=str(inputs["cloud"]), operation=self.verb, code=info.raw_status,
                request_id=started.request_id, resource_id=image_id))
        self._share(inputs, wait, image_id)
        return CreateResult(image_id, {**outputs(inputs, info, warnings + more),
                                       **sharing.answers(inputs, wait, {str(inputs["region"]): image_id})})

    @staticmethod
    def _share(inputs: Mapping[str, Any], wait: Waiter, image_id: str) -> None:
        """Share the available image with `share_with` (a re-run after a crash here adopts it and shares again)."""
        if sharing.managed(inputs):
            sharing.converge(inputs, wait, {str(inputs["region"]): image_id}, sharing.wanted(inputs))

    @staticmethod
    def _job_reason(adapter: ImageAdapter, wait: Waiter, started: Started) -> str:
        """The job's own account of a failure (IMS names the cause there, not on the image)."""
        if not started.job_id:
            return ""
        try:
            status = wait.call("read the failed job", lambda: adapter.follow_job(started.job_id))
        except CloudError:
            return ""
        return f"job {started.job_id}: {status.reason}" + (f" ({status.code})" if status.code else "") if status.reason else ""

    def _settled(self, adapter: ImageAdapter, wait: Waiter, image_id: str) -> ImageInfo:
        try:
            return lifecycle.settle(adapter, wait, image_id, f"{self.verb} of {image_id}")
        except Timeout as err:
            raise lifecycle.adopt_hint(err, image_id) from None

    def _begin(self, inputs: dict[str, Any], spec: ServiceSpec, ident: Identity, wait: Waiter,
               adapter: ImageAdapter) -> tuple[Started, list[str]]:
        """Read the source (refusing what the cloud would refuse), then start the capture once."""
        request = capture_request(inputs, spec, ident)
        warnings = wait.call("check the source", lambda: adapter.prepare_capture(request))
        started = lifecycle.start(wait, f"start of the {self.verb}", lambda: adapter.start_capture(request),
                                  lambda: adapter.find_images(ident))
        return started, list(warnings)

    def _discard(self, inputs: Mapping[str, Any], adapter: ImageAdapter, limits: Timeouts, image_id: str,
                 cause: CloudError | None) -> None:
        """Delete a failed image within the delete timeout, then raise the cause (or both causes and the id left)."""
        cleanup = common.waiter(inputs, f"{self.kind} {inputs.get('name', image_id)}", limits.delete)
        try:
            lifecycle.remove(adapter, cleanup, image_id, f"removal of the failed image {image_id}")
        except CloudError as err:
            why = cause or OperationFailed(f"an earlier run's {self.verb} {image_id} failed", resource_id=image_id)
            raise lifecycle.cleanup_failed(why, err, {str(inputs["region"]): image_id}) from None
        if cause is not None:
            raise cause

    # read / update / delete -----------------------------------------------------------
    @common.safe_errors("read")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = common.clean(props) if props.get("name") else common.looked_up(self, props)
        wait = common.waiter(inputs, f"{self.kind} {inputs.get('name', id_)}", common.timeouts(inputs, self.limits).update)
        adapter = registry.adapter_for(common.target(inputs), ImageAdapter)
        info = wait.call("describe", lambda: adapter.describe_images([id_]).get(id_))
        if info is None or info.status is ImageStatus.DELETED:
            return ReadResult("", {})
        # drift in what can be updated in place shows up in the next diff; a `get` (no name given) takes the cloud's
        looked_up = not inputs.get("name")
        drifted: dict[str, Any] = {k: v for k, v in (("name", info.name), ("description", unmarked(info.description)))
                                   if (inputs.get(k) or looked_up) and v}
        if looked_up:
            drifted["tags"] = {k: v for k, v in dict(info.tags).items() if k != TAG_KEY}
        drifted.update(sharing.drift(inputs, wait, {str(inputs["region"]): id_}))
        outs = {**outputs({**inputs, **drifted}, info, common.kept_warnings(props)),
                **sharing.answers(inputs, wait, {str(inputs["region"]): id_})}
        return ReadResult(id_, outs, {k: v for k, v in outs.items() if k not in self.output_keys()})

    def output_keys(self) -> tuple[str, ...]:
        return OUTPUT_KEYS

    @common.safe_errors("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = common.clean(news)
        inputs["key"] = olds.get("key", inputs.get("key"))
        changed = {k: inputs.get(k) for k in IN_PLACE if inputs.get(k) != olds.get(k)}
        reshare = sharing.changed(olds, inputs)
        if not changed and not reshare:  # only recorded settings changed: no cloud call
            return UpdateResult({**{k: olds.get(k) for k in self.output_keys()}, **inputs})
        spec = common.spec_of(inputs)
        wait = common.waiter(inputs, f"{self.kind} {inputs['name']}", common.timeouts(inputs, self.limits).update)
        adapter = registry.adapter_for(common.target(inputs), ImageAdapter)
        description = changed.get("description")
        if "description" in changed:
            description = common.described(str(description or ""), common.identity(inputs),
                                           spec.traits.recognised_by == "description")
        tags = dict(changed.get("tags") or {}) if "tags" in changed else None
        if changed:
            wait.call("update", lambda: adapter.update_image(id_, changed.get("name"), description, tags))
        if reshare:  # only the accounts added or removed are touched
            sharing.converge(inputs, wait, {str(inputs["region"]): id_}, sharing.wanted(inputs))
        info = wait.call("describe", lambda: adapter.describe_images([id_]).get(id_))
        if info is None:
            raise NotFound(f"image {id_} no longer exists; run `pulumi refresh`", operation="update", resource_id=id_)
        return UpdateResult({**outputs(inputs, info, common.kept_warnings(olds)),
                             **sharing.answers(inputs, wait, {str(inputs["region"]): id_})})

    @common.safe_errors("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = common.clean(props)
        if inputs.get("deletion_protection") is True:
            raise UserInputError("deletion_protection", f"image {id_} is protected from deletion.",
                                 "set deletion_protection to false, run `pulumi up`, then delete.")
        wait = common.waiter(inputs, f"{self.kind} {inputs.get('name', id_)}", common.timeouts(inputs, self.limits).delete)
        adapter = registry.adapter_for(common.target(inputs), ImageAdapter)
        sharing.release(inputs, wait, {str(inputs["region"]): id_})  # clouds refuse to delete a shared image
        lifecycle.remove(adapter, wait, id_, f"deletion of {id_}")


def capture_request(inputs: Mapping[str, Any], spec: ServiceSpec, ident: Identity) -> CaptureRequest:
    """What the adapter sends: the user's inputs, with the identity carried as the service recognises it."""
    source = dict(inputs.get("source") or {})
    options = dict(inputs.get("options") or {})
    return CaptureRequest(
        name=str(inputs["name"]),
        description=common.described(str(inputs.get("description") or ""), ident,
                                     spec.traits.recognised_by == "description"),
        source=Source(
            instance=str(source.get("instance") or ""), desktop=str(source.get("desktop") or ""),
            snapshot=str(source.get("snapshot") or ""), snapshots=tuple(source.get("snapshots") or ()),
            data_snapshots=tuple(source.get("data_snapshots") or ()), data_disks=tuple(source.get("data_disks") or ()),
        ),
        scope=Scope(inputs["scope"]) if inputs.get("scope") else None,
        tags=common.merged_tags(inputs.get("tags"), ident, spec.traits.recognised_by == "tag"),
        client_token=uuid.uuid4().hex,
        clean_personal_data=inputs.get("clean_personal_data") is not False,
        sysprep=inputs.get("sysprep") is True,
        force_poweroff=inputs.get("force_poweroff") is True,
        encrypted=inputs.get("encrypted") is True,
        architecture=str(inputs.get("architecture") or ""),
        source_facts={k: v for k, v in source.items() if k in ("os_state", "os_type", "disk_type", "encrypted")},
        options=options,
    )


def outputs(inputs: Mapping[str, Any], info: ImageInfo, warnings: list[str]) -> dict[str, Any]:
    user_tags = {k: v for k, v in dict(info.tags).items() if k != TAG_KEY}
    return {
        **inputs,
        "image_id": info.image_id,
        "status": info.status.value,
        "vendor_status": info.raw_status,
        "progress": info.progress if info.progress is not None else (100.0 if info.status is ImageStatus.AVAILABLE else None),
        "size_gb": info.size_gb,
        "image_os_type": info.os_type,
        "image_platform": info.platform,
        "image_architecture": info.architecture,
        "created": info.created,
        "image_tags": user_tags,
        "warnings": warnings,
    }


class CustomImage(Resource, CustomImageOutputs, module="imageforge", name="CustomImage"):
    """A custom image captured from a VM, a cloud computer (EDS desktop) or snapshots."""

    @overload
    def __init__(self, resource_name: str, args: CustomImageArgs, opts: pulumi.ResourceOptions | None = None) -> None: ...

    @overload
    def __init__(self, resource_name: str, *,
                 cloud: pulumi.Input[str],
                 region: pulumi.Input[str],
                 name: pulumi.Input[str],
                 source: pulumi.Input[SourceArgs],
                 service: pulumi.Input[str] | None = None,
                 endpoint: pulumi.Input[str] | None = None,
                 timeouts: pulumi.Input[TimeoutsArgs] | None = None,
                 credentials: pulumi.Input[CredentialsArgs] | None = None,
                 description: pulumi.Input[str] | None = None,
                 tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
                 scope: pulumi.Input[str] | None = None,
                 clean_personal_data: pulumi.Input[bool] | None = None,
                 sysprep: pulumi.Input[bool] | None = None,
                 encrypted: pulumi.Input[bool] | None = None,
                 architecture: pulumi.Input[str] | None = None,
                 force_poweroff: pulumi.Input[bool] | None = None,
                 share_with: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
                 options: pulumi.Input[Mapping[str, Any]] | None = None,
                 deletion_protection: pulumi.Input[bool] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None: ...

    def __init__(self, resource_name: str, args: CustomImageArgs | None = None, opts: pulumi.ResourceOptions | None = None,
                 **inputs: Any) -> None:
        """Inputs as a CustomImageArgs or as keywords; every one is checked by `check` before any cloud call."""
        props = common.given_inputs("CustomImage", resource_name, CUSTOM_IMAGE, args, inputs)
        outputs = dict.fromkeys((*OUTPUT_KEYS, "key"))
        super().__init__(CustomImageProvider(), resource_name, {**outputs, **props},
                         common.resource_options("CustomImage", resource_name, opts, {"image_tags": props["tags"]}))

    @classmethod
    def get(cls, resource_name: str, id: pulumi.Input[str], *, cloud: pulumi.Input[str],  # noqa: A002
            region: pulumi.Input[str], service: pulumi.Input[str] | None = None,
            endpoint: pulumi.Input[str] | None = None, credentials: pulumi.Input[CredentialsArgs] | None = None,
            opts: pulumi.ResourceOptions | None = None) -> CustomImage:
        """An existing image by id, with its outputs (name, status, tags...) as the cloud reports them.

        The stack reads it on every `up` and never changes or deletes it (Pulumi's `get`).
        """
        props = {"cloud": cloud, "service": service, "region": region, "endpoint": endpoint, "credentials": credentials}
        return existing(cls, CustomImageProvider(), resource_name, id, props, OUTPUT_KEYS, opts)  # type: ignore[no-any-return]


def existing(cls: Any, provider: Any, resource_name: str, image_id: pulumi.Input[str], props: dict[str, Any],
             outputs: tuple[str, ...], opts: pulumi.ResourceOptions | None) -> Any:
    """An image that exists already, read by id: in the state as external, never changed or deleted by the stack.

    The engine reads it with these inputs (cloud, region...), so the serialized provider travels with them;
    `import_` cannot do that (see common.resource_options).
    """
    resource = cls.__new__(cls)
    declared = dict.fromkeys(f.name for f in provider.schema.fields if not f.internal)
    Resource.__init__(resource, provider, resource_name, {**dict.fromkeys((*outputs, "key")), **declared, **props,
                                                         "owner": common.owner_of(resource_name)},
                      pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=image_id)))
    return resource
