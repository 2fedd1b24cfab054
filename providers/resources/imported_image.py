"""ImportedImage: register an uploaded qcow2 / vhd / vmdk / raw file as an image, checked before any call."""
from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, overload

import pulumi
from pulumi.dynamic import Resource

from ..core import registry
from ..core.model import Identity, ImportRequest, Started
from ..core.protocol import ImageAdapter, ImageImporter
from ..core.service import ServiceSpec
from ..core.timeouts import IMPORT_DEFAULTS, Timeouts
from ..core.validation import Failure, is_unknown
from ..core.waiting import Waiter
from . import common, lifecycle
from .args import CredentialsArgs, ImportedImageArgs, ImportedImageOutputs, StorageObjectArgs, TimeoutsArgs
from .custom_image import OUTPUT_KEYS, CustomImageProvider, existing
from .schemas import IMPORTED_IMAGE

DERIVED = ("format", "boot_mode", "disk_size_gb")  # read from the file when not given
GiB = 1024 ** 3


class ImportedImageProvider(CustomImageProvider):
    """A CustomImage whose start is an import; `check` inspects the local copy of the file first.

    The import path of this class is public API: stacks pickle it by reference.
    """

    kind = "ImportedImage"
    verb = "import"
    schema = IMPORTED_IMAGE
    limits: Timeouts = IMPORT_DEFAULTS

    def output_keys(self) -> tuple[str, ...]:
        return (*OUTPUT_KEYS, "inspection")

    def check_own(self, olds: Mapping[str, Any], inputs: dict[str, Any], spec: ServiceSpec) -> list[Failure]:
        failures: list[Failure] = []
        path = inputs.get("file")
        if is_unknown(path):
            return []  # preview: the file is checked once it is known
        if path is not None:
            if Path(str(path)).exists():
                failures += self._inspect(str(path), inputs)
            elif all(olds.get(k) is not None for k in DERIVED):
                for key in DERIVED:  # checked when the image was made; the file need not stay here
                    inputs.setdefault(key, olds[key])
                if olds.get("inspection") is not None:
                    inputs.setdefault("inspection", olds["inspection"])
            elif inputs.get("format") is not None:  # a replacement's second check, or a file moved away: say so
                inputs["inspection"] = {"checked": False, "warnings": [
                    f"{path} is not on this machine, so the file was not checked with the import rules"]}
            else:
                failures.append(Failure("file", f"no such file {path!r}: give the path of the disk image you uploaded, "
                                                "so it can be checked before the import, or give format (and "
                                                "boot_mode, disk_size_gb) to import it unchecked."))
        if inputs.get("format") is None and not failures:
            failures.append(Failure("format", "is required without `file`: raw, qcow2, vhd or vmdk "
                                              "(or give `file` and it is read from the image)."))
        return failures

    def _inspect(self, path: str, inputs: dict[str, Any]) -> list[Failure]:
        """The preflight rules of this cloud: every error is a failure on `file`, with its fix."""
        from ..preflight import InspectError, inspect, rules_for

        found = registry.entry(str(inputs["cloud"]), str(inputs.get("service") or ""))
        if found is None or not found.preflight:
            return []
        try:
            image = inspect(path)
        except InspectError as err:
            return [Failure("file", f"{err.message}. Fix: give the disk image file itself (raw, qcow2, vhd or vmdk).")]
        options = inputs.get("options")
        quick = isinstance(options, Mapping) and options.get("quick_import") is True
        arm = str(inputs.get("architecture") or "").lower() in ("arm", "arm64", "aarch64", "arm_64")
        issues = rules_for(found.preflight, quick_import=quick, arm=arm).evaluate(image)
        failures = [Failure("file", f"[{i.rule}] {i.message}." + (f" Fix: {i.fix}" if i.fix else ""))
                    for i in issues if i.severity == "error"]
        given = inputs.get("format")
        if given and given != image.format:
            failures.append(Failure("format", f"says {given!r} but {path} is {image.format!r}: set format to "
                                              f"{image.format!r} or upload the right file."))
        inputs.setdefault("format", image.format)
        if image.boot_mode != "unknown":
            inputs.setdefault("boot_mode", image.boot_mode.upper())
        inputs.setdefault("disk_size_gb", max(1, math.ceil(image.virtual_size / GiB)))
        inputs["inspection"] = {
            "format": image.format, "virtual_size": image.virtual_size, "boot_mode": image.boot_mode,
            "partition_table": image.partition_table,
            "warnings": [f"[{i.rule}] {i.message}" for i in issues if i.severity == "warning"],
            # what the file cannot prove but the vendor asks for (drivers, agents, boot mode to pass)
            "guidance": [f"[{i.rule}] {i.message}" + (f" ({i.fix})" if i.fix else "")
                         for i in issues if i.severity == "info"],
        }
        return failures

    def _begin(self, inputs: dict[str, Any], spec: ServiceSpec, ident: Identity, wait: Waiter,
               adapter: ImageAdapter) -> tuple[Started, list[str]]:
        importer = registry.adapter_for(common.target(inputs), ImageImporter)
        request = import_request(inputs, spec, ident)
        warnings = list((inputs.get("inspection") or {}).get("warnings") or [])
        warnings += wait.call("check the import", lambda: importer.prepare_import(request))
        started = lifecycle.start(wait, "start of the import", lambda: importer.start_import(request),
                                  lambda: importer.find_images(ident))
        return started, warnings


def import_request(inputs: Mapping[str, Any], spec: ServiceSpec, ident: Identity) -> ImportRequest:
    source = dict(inputs.get("object") or {})  # a cloud's rules may accept a URL in options instead
    return ImportRequest(
        name=str(inputs["name"]), bucket=str(source.get("bucket") or ""), key=str(source.get("key") or ""),
        format=str(inputs["format"]), os_type=str(inputs.get("os_type") or "linux"),
        description=common.described(str(inputs.get("description") or ""), ident,
                                     spec.traits.recognised_by == "description"),
        platform=str(inputs.get("platform") or ""), architecture=str(inputs.get("architecture") or ""),
        boot_mode=str(inputs.get("boot_mode") or ""),
        disk_size_gb=int(inputs["disk_size_gb"]) if inputs.get("disk_size_gb") else None,
        tags=common.merged_tags(inputs.get("tags"), ident, spec.traits.recognised_by == "tag"),
        client_token=uuid.uuid4().hex, options=dict(inputs.get("options") or {}),
    )


class ImportedImage(Resource, ImportedImageOutputs, module="imageforge", name="ImportedImage"):
    """An image registered from a disk-image file already uploaded to the cloud's object storage."""

    @overload
    def __init__(self, resource_name: str, args: ImportedImageArgs, opts: pulumi.ResourceOptions | None = None) -> None: ...

    @overload
    def __init__(self, resource_name: str, *,
                 cloud: pulumi.Input[str],
                 region: pulumi.Input[str],
                 name: pulumi.Input[str],
                 service: pulumi.Input[str] | None = None,
                 endpoint: pulumi.Input[str] | None = None,
                 timeouts: pulumi.Input[TimeoutsArgs] | None = None,
                 credentials: pulumi.Input[CredentialsArgs] | None = None,
                 description: pulumi.Input[str] | None = None,
                 tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
                 object: pulumi.Input[StorageObjectArgs] | None = None,  # noqa: A002
                 file: pulumi.Input[str] | None = None,
                 format: pulumi.Input[str] | None = None,  # noqa: A002
                 os_type: pulumi.Input[str] | None = None,
                 platform: pulumi.Input[str] | None = None,
                 architecture: pulumi.Input[str] | None = None,
                 boot_mode: pulumi.Input[str] | None = None,
                 disk_size_gb: pulumi.Input[int] | None = None,
                 share_with: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
                 options: pulumi.Input[Mapping[str, Any]] | None = None,
                 deletion_protection: pulumi.Input[bool] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None: ...

    def __init__(self, resource_name: str, args: ImportedImageArgs | None = None, opts: pulumi.ResourceOptions | None = None,
                 **inputs: Any) -> None:
        """Inputs as a ImportedImageArgs or as keywords; every one is checked by `check` before any cloud call."""
        props = common.given_inputs("ImportedImage", resource_name, IMPORTED_IMAGE, args, inputs)
        outputs = dict.fromkeys((*OUTPUT_KEYS, "key", "inspection"))
        super().__init__(ImportedImageProvider(), resource_name, {**outputs, **props},
                         common.resource_options("ImportedImage", resource_name, opts, {"image_tags": props["tags"]}))

    @classmethod
    def get(cls, resource_name: str, id: pulumi.Input[str], *, cloud: pulumi.Input[str],  # noqa: A002
            region: pulumi.Input[str], service: pulumi.Input[str] | None = None,
            endpoint: pulumi.Input[str] | None = None, credentials: pulumi.Input[CredentialsArgs] | None = None,
            opts: pulumi.ResourceOptions | None = None) -> ImportedImage:
        """An existing image by id, read and never changed or deleted by the stack (Pulumi's `get`)."""
        props = {"cloud": cloud, "service": service, "region": region, "endpoint": endpoint, "credentials": credentials}
        return existing(cls, ImportedImageProvider(), resource_name, id, props, (*OUTPUT_KEYS, "inspection"),  # type: ignore[no-any-return]
                        opts)
