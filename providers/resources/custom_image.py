"""CustomImage: capture an image from a VM, a cloud computer or snapshots, on any supported cloud."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ..core import registry
from ..core.errors import InvalidState, NotFound, OperationFailed, Timeout, UserInputError
from ..core.model import CaptureRequest, ImageInfo, ImageStatus, Scope, Source
from ..core.timeouts import CAPTURE_DEFAULTS
from ..core.validation import Failure, is_unknown
from ..core.waiting import Done, Pending, Waiter
from . import common

REPLACE_ON = ("cloud", "service", "region", "source", "scope", "clean_personal_data", "sysprep", "encrypted",
              "architecture", "options", "endpoint")
UPDATE_ON = ("name", "description", "tags", "deletion_protection")
SCOPES = tuple(s.value for s in Scope)
NAMES_UNIQUE_PER_REGION = ("tencent",)
OUTPUT_KEYS = ("image_id", "status", "vendor_status", "progress", "size_gb", "image_os_type", "image_platform",
               "image_architecture", "created", "image_tags", "warnings")
PERSONAL_DATA_WARNING = ("clean_personal_data is false: personal data of the cloud computer's users "
                         "may be captured in the image")


class CustomImageProvider(common.ProviderBase):
    """check / diff / create / read / update / delete for one custom image."""

    kind = "CustomImage"
    verb = "capture"
    replace_on: tuple[str, ...] = REPLACE_ON
    update_on: tuple[str, ...] = UPDATE_ON
    defaults = CAPTURE_DEFAULTS

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = common.normalize_common(self, news)
        if not inputs.get("name") and not is_unknown(inputs.get("name")):
            failures.append(Failure("name", "is required: the image name, for example 'golden-2026-11'."))
        failures += self._check_own(olds, inputs)
        failures += common.check_timeouts(inputs, self.defaults)
        if not failures:
            failures += self._check_service(inputs)
        if not failures:
            common.with_key(inputs, self.replace_on)
        return CheckResult(inputs, common.to_check_failures(failures))

    def _check_own(self, olds: dict[str, Any], inputs: dict[str, Any]) -> list[Failure]:
        """What only a capture needs: scope and the shape of `source`."""
        failures = []
        inputs.setdefault("scope", Scope.SYSTEM.value)
        if inputs["scope"] not in SCOPES and not is_unknown(inputs["scope"]):
            failures.append(Failure("scope", f"must be {' or '.join(SCOPES)}; got {inputs['scope']!r}."))
        source = inputs.get("source")
        if not is_unknown(source) and not isinstance(source, Mapping):
            failures.append(Failure("source", "must be a map such as {'instance': 'i-...'} or {'snapshot': 's-...'}."))
        return failures

    def _check_service(self, inputs: dict[str, Any]) -> list[Failure]:
        return common.service_failures(inputs, registry.CAPTURE, "capture images", "validate_capture")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = common.diff(olds, news, self.replace_on, self.update_on)
        if result.replaces and news.get("cloud") in NAMES_UNIQUE_PER_REGION and olds.get("name") == news.get("name"):
            # the new image cannot take the name while the old one holds it
            result.delete_before_replace = True
        return result

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = common.clean(props)
        label = f"{self.kind} {inputs['name']}"
        wait = common.waiter(inputs, label)
        limits = common.timeouts(inputs, self.defaults)
        adapter = common.adapter(inputs, wait)
        image_id, request_id, warnings = self._start(adapter, wait, inputs, {common.TAG_KEY: inputs["key"]})
        info = self._wait_settled(adapter, wait, image_id, limits.create, label)
        if info.status is not ImageStatus.AVAILABLE:
            self._remove(adapter, wait, image_id, limits.delete)
            raise OperationFailed(
                f"image {image_id} ended {info.raw_status or info.status.value}"
                + (f": {info.failure}" if info.failure else "")
                + f"; it was deleted so nothing is left behind. Run `pulumi up` again to retry the {self.verb}",
                vendor=inputs["cloud"], operation=self.verb, code=info.raw_status, request_id=request_id,
                resource_id=image_id)
        return CreateResult(image_id, _outputs(inputs, info, warnings))

    def _start(self, adapter: Any, wait: Waiter, inputs: dict[str, Any],
               key_tags: Mapping[str, str]) -> tuple[str, str, list[str]]:
        """Adopt what an interrupted run started, or start the capture: (image id, request id, warnings)."""
        warnings: list[str] = []
        if inputs.get("clean_personal_data") is False and inputs.get("service") == "eds":
            warnings.append(PERSONAL_DATA_WARNING)
        request = _capture_request(inputs, key_tags)
        image_id = self._adopt(adapter, wait, key_tags, request)
        if image_id:
            return image_id, "", warnings
        preflight = getattr(adapter, "preflight_capture", None)
        if preflight is not None:
            warnings += wait.call("preflight", lambda: preflight(request))
        image_id = wait.call("capture", lambda: adapter.capture(request))
        return image_id, getattr(adapter, "last_request_id", ""), warnings

    def _adopt(self, adapter: Any, wait: Waiter, key_tags: Mapping[str, str],
               request: CaptureRequest | None = None) -> str:
        """An image an earlier, interrupted run started for the same resource and spec.

        Found by the `imageforge-key` tag, or, on a cloud whose images take no tags, by the
        adapter's own `find_started` (a deterministic name).
        """
        finder = getattr(adapter, "find_started", None) if request is not None else None
        found = wait.call(f"find earlier {self.verb}",
                          lambda: finder(request) if finder is not None else adapter.find_images(key_tags))
        for info in found:
            if info.status in (ImageStatus.CREATING, ImageStatus.AVAILABLE):
                return str(info.image_id)
        return ""

    def _wait_settled(self, adapter: Any, wait: Waiter, image_id: str, timeout: float, label: str) -> ImageInfo:
        def poll() -> Pending | Done[ImageInfo]:
            info = adapter.describe_images([image_id]).get(image_id)
            if info is None:
                raise NotFound(f"image {image_id} disappeared while it was being created", operation=self.verb,
                               resource_id=image_id)
            if info.status in (ImageStatus.AVAILABLE, ImageStatus.FAILED):
                return Done(info)
            return Pending(info.progress, info.raw_status)

        try:
            return wait.wait(f"{self.verb} of {image_id}", poll, timeout)
        except Timeout as err:
            raise Timeout(f"{err.message}. The image {image_id} is tagged {common.TAG_KEY}: the next "
                          "`pulumi up` adopts it instead of capturing again", resource_id=image_id) from None

    def _remove(self, adapter: Any, wait: Waiter, image_id: str, timeout: float) -> None:
        """Delete once the image has left Creating, then wait until it is really gone."""
        def settled() -> Pending | Done[bool]:
            info = adapter.describe_images([image_id]).get(image_id)
            if info is None:
                return Done(False)
            if info.status is ImageStatus.CREATING:
                return Pending(info.progress, "waiting for creation to end before deleting")
            return Done(True)

        if not wait.wait(f"creation of {image_id} to end", settled, timeout):
            return

        def delete() -> None:
            try:
                adapter.delete_image(image_id)
            except NotFound:
                pass

        _retry_invalid_state(wait, f"delete {image_id}", delete, timeout)

        def gone() -> Pending | Done[bool]:
            return Done(True) if image_id not in adapter.describe_images([image_id]) else Pending(None, "deleting")

        wait.wait(f"deletion of {image_id}", gone, timeout)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = common.clean(props)
        wait = common.waiter(inputs, f"{self.kind} {inputs.get('name', id_)}")
        info = wait.call("describe", lambda: common.adapter(inputs, wait).describe_images([id_]).get(id_))
        if info is None or info.status is ImageStatus.DELETED:
            return ReadResult("", {})
        # drift in what can be updated in place shows up in the next diff
        drifted = {k: v for k, v in (("name", info.name), ("description", info.description)) if inputs.get(k) and v}
        outs = _outputs({**inputs, **drifted}, info, list(props.get("warnings") or []))
        return ReadResult(id_, outs, {k: v for k, v in outs.items() if k not in OUTPUT_KEYS})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = common.clean(news)
        wait = common.waiter(inputs, f"{self.kind} {inputs['name']}")
        adapter = common.adapter(inputs, wait)
        name = inputs.get("name") if inputs.get("name") != olds.get("name") else None
        description = inputs.get("description") if inputs.get("description") != olds.get("description") else None
        tags = dict(inputs.get("tags") or {}) if inputs.get("tags") != olds.get("tags") else None
        if name is not None or description is not None or tags:
            wait.call("update", lambda: adapter.update_image(id_, name, description, tags))
        info = wait.call("describe", lambda: adapter.describe_images([id_]).get(id_))
        if info is None:
            raise NotFound(f"image {id_} no longer exists; run `pulumi refresh`", operation="update", resource_id=id_)
        return UpdateResult(_outputs(inputs, info, list(olds.get("warnings") or [])))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = common.clean(props)
        if inputs.get("deletion_protection"):
            raise UserInputError("deletion_protection", f"image {id_} is protected from deletion.",
                                 "set deletion_protection to false, run `pulumi up`, then delete.")
        wait = common.waiter(inputs, f"{self.kind} {inputs.get('name', id_)}")
        limits = common.timeouts(inputs, self.defaults)
        self._remove(common.adapter(inputs, wait), wait, id_, limits.delete)


def _retry_invalid_state(wait: Waiter, what: str, fn: Any, timeout: float) -> None:
    """Some refusals end by themselves (an image still being copied): retry them until the deadline."""
    def attempt() -> Pending | Done[bool]:
        try:
            fn()
        except InvalidState as err:
            return Pending(None, f"waiting: {err.message}")
        return Done(True)

    wait.wait(what, attempt, timeout)


def _capture_request(inputs: Mapping[str, Any], key_tags: Mapping[str, str]) -> CaptureRequest:
    source = inputs.get("source") or {}
    return CaptureRequest(
        name=str(inputs["name"]),
        description=str(inputs.get("description") or ""),
        source=Source(
            instance=str(source.get("instance") or ""), desktop=str(source.get("desktop") or ""),
            snapshot=str(source.get("snapshot") or ""), snapshots=tuple(source.get("snapshots") or ()),
            data_snapshots=tuple(source.get("data_snapshots") or ()), data_disks=tuple(source.get("data_disks") or ()),
        ),
        scope=Scope(inputs.get("scope") or "system"),
        tags={**dict(inputs.get("tags") or {}), **key_tags},
        client_token=uuid.uuid4().hex,
        clean_personal_data=inputs.get("clean_personal_data") is not False,
        sysprep=bool(inputs.get("sysprep")),
        force_poweroff=bool(inputs.get("force_poweroff")),
        options={**dict(inputs.get("options") or {}),
                 **({"architecture": inputs["architecture"]} if inputs.get("architecture") else {}),
                 **({"encrypted": inputs["encrypted"]} if inputs.get("encrypted") is not None else {})},
    )


def _outputs(inputs: Mapping[str, Any], info: ImageInfo, warnings: list[str]) -> dict[str, Any]:
    user_tags = {k: v for k, v in dict(info.tags).items() if k != common.TAG_KEY}
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


class CustomImage(Resource, module="imageforge", name="CustomImage"):
    """A custom image captured from a VM, a cloud computer (EDS desktop) or snapshots."""

    image_id: pulumi.Output[str]
    status: pulumi.Output[str]
    progress: pulumi.Output[float]
    warnings: pulumi.Output[list]

    def __init__(self, resource_name: str, *, cloud: Any, region: Any, name: Any, source: Any,
                 service: Any = None, description: Any = None, tags: Any = None, scope: Any = None,
                 clean_personal_data: Any = None, sysprep: Any = None, force_poweroff: Any = None,
                 encrypted: Any = None, architecture: Any = None, options: Any = None,
                 deletion_protection: Any = None, timeouts: Any = None, endpoint: Any = None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "cloud": cloud, "service": service, "region": region, "name": name, "source": source,
            "description": description, "tags": tags, "scope": scope, "clean_personal_data": clean_personal_data,
            "sysprep": sysprep, "force_poweroff": force_poweroff, "encrypted": encrypted,
            "architecture": architecture, "options": options, "deletion_protection": deletion_protection,
            "timeouts": timeouts, "endpoint": endpoint, "owner": _owner(resource_name),
        }
        outputs = dict.fromkeys((*OUTPUT_KEYS, "key"))
        super().__init__(CustomImageProvider(), resource_name, {**outputs, **props}, opts)


def _owner(resource_name: str) -> str:
    return f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}"
