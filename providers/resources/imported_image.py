"""ImportedImage: register an uploaded qcow2 / vhd / vmdk / raw file as an image, checked before any call."""
from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from ..core import registry
from ..core.model import ImportRequest
from ..core.timeouts import IMPORT_DEFAULTS
from ..core.validation import Failure, is_unknown
from ..core.waiting import Waiter
from . import common
from .custom_image import OUTPUT_KEYS, CustomImageProvider

REPLACE_ON = ("cloud", "service", "region", "object", "format", "os_type", "platform", "architecture", "boot_mode",
              "disk_size_gb", "options", "endpoint")
UPDATE_ON = ("name", "description", "tags", "deletion_protection")
DERIVED = ("format", "boot_mode", "disk_size_gb")  # read from the file when not given
GiB = 1024 ** 3
FORMATS = ("raw", "qcow2", "vhd", "vmdk", "vhdx")


class ImportedImageProvider(CustomImageProvider):
    """A CustomImage whose start is an import; `check` inspects the local copy of the file first."""

    kind = "ImportedImage"
    verb = "import"
    replace_on = REPLACE_ON
    update_on = UPDATE_ON
    defaults = IMPORT_DEFAULTS

    def _check_own(self, olds: dict[str, Any], inputs: dict[str, Any]) -> list[Failure]:
        failures: list[Failure] = []
        fmt = inputs.get("format")
        if fmt is not None and not is_unknown(fmt) and fmt not in FORMATS:
            failures.append(Failure("format", f"must be one of {', '.join(FORMATS)}; got {fmt!r}."))
        path = inputs.get("file")
        if path is not None and not is_unknown(path) and not is_unknown(inputs.get("cloud")):
            if Path(str(path)).exists():
                failures += self._inspect(str(path), inputs)
            elif all(olds.get(k) is not None for k in DERIVED):
                for key in DERIVED:  # checked when the image was made; the file need not stay here
                    inputs.setdefault(key, olds[key])
            else:
                failures.append(Failure("file", f"no such file {path!r}: give the path of the disk image you uploaded, "
                                                "so it can be checked before the import."))
        if not inputs.get("format") and not is_unknown(inputs.get("format")) and not failures:
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
        rules = rules_for(found.preflight, quick_import=quick, arm=arm)
        issues = rules.evaluate(image)
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

    def _check_service(self, inputs: dict[str, Any]) -> list[Failure]:
        return common.service_failures(inputs, registry.IMPORT, "import disk images", "validate_import")

    def _start(self, adapter: Any, wait: Waiter, inputs: dict[str, Any],
               key_tags: Mapping[str, str]) -> tuple[str, str, list[str]]:
        warnings = list((inputs.get("inspection") or {}).get("warnings") or [])
        image_id = self._adopt(adapter, wait, key_tags)
        if image_id:
            return image_id, "", warnings
        source = dict(inputs.get("object") or {})  # a cloud's rules may accept a URL in options instead
        request = ImportRequest(
            name=str(inputs["name"]), bucket=str(source.get("bucket") or ""), key=str(source.get("key") or ""),
            format=str(inputs["format"]), os_type=str(inputs.get("os_type") or "linux"),
            description=str(inputs.get("description") or ""), platform=str(inputs.get("platform") or ""),
            architecture=str(inputs.get("architecture") or ""), boot_mode=str(inputs.get("boot_mode") or ""),
            disk_size_gb=int(inputs["disk_size_gb"]) if inputs.get("disk_size_gb") else None,
            tags={**dict(inputs.get("tags") or {}), **key_tags}, client_token=uuid.uuid4().hex,
            options=dict(inputs.get("options") or {}),
        )
        image_id = wait.call("import", lambda: adapter.import_image(request))
        return image_id, getattr(adapter, "last_request_id", ""), warnings


class ImportedImage(Resource, module="imageforge", name="ImportedImage"):
    """An image registered from a disk-image file already uploaded to the cloud's object storage."""

    image_id: pulumi.Output[str]
    status: pulumi.Output[str]
    inspection: pulumi.Output[dict]
    warnings: pulumi.Output[list]

    def __init__(self, resource_name: str, *, cloud: Any, region: Any, name: Any, object: Any,  # noqa: A002
                 file: Any = None, format: Any = None, service: Any = None, description: Any = None,  # noqa: A002
                 tags: Any = None, os_type: Any = None, platform: Any = None, architecture: Any = None,
                 boot_mode: Any = None, disk_size_gb: Any = None, options: Any = None, deletion_protection: Any = None,
                 timeouts: Any = None, endpoint: Any = None, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "cloud": cloud, "service": service, "region": region, "name": name, "object": object, "file": file,
            "format": format, "description": description, "tags": tags, "os_type": os_type, "platform": platform,
            "architecture": architecture, "boot_mode": boot_mode, "disk_size_gb": disk_size_gb, "options": options,
            "deletion_protection": deletion_protection, "timeouts": timeouts, "endpoint": endpoint,
            "owner": f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}",
        }
        outputs = dict.fromkeys((*OUTPUT_KEYS, "key", "inspection"))
        super().__init__(ImportedImageProvider(), resource_name, {**outputs, **props}, opts)
