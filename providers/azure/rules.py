"""Azure Compute rules checked before any call: names, sources, gallery settings, target regions, tags."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.validation import Failure, NameRule, check_region, collect, is_unknown
from . import ids

REGIONS: frozenset[str] = frozenset({
    "australiaeast", "australiasoutheast", "brazilsouth", "canadacentral", "canadaeast", "centralindia",
    "centralus", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral", "italynorth",
    "japaneast", "japanwest", "koreacentral", "koreasouth", "northcentralus", "northeurope", "norwayeast",
    "polandcentral", "qatarcentral", "southafricanorth", "southcentralus", "southeastasia", "southindia",
    "spaincentral", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "ukwest", "westcentralus",
    "westeurope", "westindia", "westus", "westus2", "westus3",
})
TARGETS = ("managed", "gallery")
OS_STATES = ("Generalized", "Specialized")
GENERATIONS = ("V1", "V2")
STORAGE = ("Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS")
REPLICATION_MODES = ("Full", "Shallow")
MAX_REPLICAS = 100
CAPTURE_OPTIONS = frozenset({"resource_group", "target", "gallery", "gallery_image", "version", "hyper_v_generation",
                             "os_state", "storage", "replicas", "replication_mode", "subscription"})
REGION_KEYS = frozenset({"region", "replicas", "storage"})
IMAGE_NAME = NameRule("An Azure image name", 1, 80, r"A-Za-z0-9_.\-", "letters, digits, '_', '.' and '-'",
                      first="A-Za-z0-9", first_text="a letter or digit")
_BAD_TAG = re.compile(r"[<>%&\\?/]")


def _str(value: Any) -> str | None:
    return None if value is None or is_unknown(value) else str(value)


def region_of(value: Any) -> str:
    return str(value).replace(" ", "").lower()


class AzureComputeRules:
    service_label = "Azure Compute"
    regions = REGIONS

    # CustomImage -------------------------------------------------------------------
    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]:
        options = inputs.get("options") or {}
        if is_unknown(options):
            options = {}
        failures = collect(
            self._region("region", inputs.get("region")),
            IMAGE_NAME.check("name", inputs.get("name")),
            self._name_end(inputs.get("name")),
            self._tags(inputs.get("tags")),
        )
        if not isinstance(options, Mapping):
            return failures + [Failure("options", "must be a map of Azure settings, for example {'target': 'gallery'}.")]
        unknown = sorted(set(options) - CAPTURE_OPTIONS)
        if unknown:
            failures.append(Failure("options", f"unknown Azure option(s) {unknown}; known: {sorted(CAPTURE_OPTIONS)}."))
        failures += self._source(inputs.get("source"), options)
        failures += self._target(options, inputs.get("source"))
        return failures

    def _region(self, field: str, value: Any) -> Failure | None:
        if value is None or is_unknown(value):
            return None
        return check_region(field, region_of(value), REGIONS, self.service_label)

    def _name_end(self, name: Any) -> Failure | None:
        text = _str(name)
        if text and not re.search(r"[A-Za-z0-9_]$", text):
            return Failure("name", f"{text!r} must end with a letter, digit or '_' (Azure image naming rule).")
        return None

    def _tags(self, tags: Any) -> list[Failure]:
        if tags is None or is_unknown(tags) or not isinstance(tags, Mapping):
            return []
        out = []
        if len(tags) > 50:
            out.append(Failure("tags", f"has {len(tags)} tags; Azure allows at most 50 per resource."))
        for key, value in tags.items():
            if len(str(key)) > 512 or _BAD_TAG.search(str(key)):
                out.append(Failure("tags", f"tag name {key!r} must be at most 512 characters without < > % & \\ ? /."))
            if value is not None and not is_unknown(value) and len(str(value)) > 256:
                out.append(Failure("tags", f"the value of tag {key!r} is {len(str(value))} characters; Azure allows 256."))
        return out

    def _source(self, source: Any, options: Mapping[str, Any]) -> list[Failure]:
        if source is None or is_unknown(source) or not isinstance(source, Mapping):
            return []
        other = sorted(k for k in ("desktop", "snapshot", "snapshots") if source.get(k))
        instance = source.get("instance")
        if other or not instance:
            return [Failure("source", "Azure captures images from a virtual machine: use {'instance': <VM resource id>} "
                                      "(or the VM name with options.resource_group)" + (f"; {other} are not supported." if other else "."))]
        if is_unknown(instance):
            return []
        text = str(instance)
        if text.startswith("/") and ids.parse(text) is None:
            return [Failure("source.instance", f"{text!r} is not a VM resource id (/subscriptions/<id>/resourceGroups/<rg>/"
                                               "providers/Microsoft.Compute/virtualMachines/<name>).")]
        if not text.startswith("/") and "/" not in text and not options.get("resource_group"):
            return [Failure("options.resource_group", f"is required when source.instance is a VM name ({text!r}); "
                                                      "or give the VM's resource id.")]
        return []

    def _target(self, options: Mapping[str, Any], source: Any) -> list[Failure]:
        out: list[Failure] = []
        target = options.get("target", "managed")
        if is_unknown(target):
            return out
        if target not in TARGETS:
            return [Failure("options.target", f"must be 'managed' (a managed image) or 'gallery' (a Compute Gallery image "
                                              f"version); got {target!r}.")]
        state = options.get("os_state")
        if state is not None and not is_unknown(state) and state not in OS_STATES:
            out.append(Failure("options.os_state", f"must be Generalized or Specialized; got {state!r}."))
        gen = options.get("hyper_v_generation")
        if gen is not None and not is_unknown(gen) and gen not in GENERATIONS:
            out.append(Failure("options.hyper_v_generation", f"must be V1 or V2; got {gen!r}."))
        source_state = source.get("os_state") if isinstance(source, Mapping) else None
        if target == "managed":
            if state == "Specialized" or source_state == "Specialized":
                out.append(Failure("options.target", "a managed image needs a generalized VM; a specialized VM can only be "
                                                     "captured to a Compute Gallery: set options.target='gallery' with a "
                                                     "Specialized image definition, or generalize the VM first (GeneralizedVM)."))
            for key in ("gallery", "gallery_image", "version", "replicas", "replication_mode"):
                if options.get(key) is not None:
                    out.append(Failure(f"options.{key}", "applies to a gallery image version only: set options.target='gallery'."))
            return out
        for key in ("gallery", "gallery_image", "version"):
            if not options.get(key) and not is_unknown(options.get(key)):
                out.append(Failure(f"options.{key}", "is required when options.target is 'gallery' (the gallery, the image "
                                                     "definition and the version name such as '1.0.0')."))
        gallery, version = _str(options.get("gallery")), _str(options.get("version"))
        if gallery and not ids.GALLERY_NAME.match(gallery):
            out.append(Failure("options.gallery", f"{gallery!r}: gallery names use letters, digits, '_' and '.' (1-80)."))
        if version and not ids.VERSION_NAME.match(version):
            out.append(Failure("options.version", f"{version!r} must be Major.Minor.Patch with 32-bit integers, e.g. '1.0.0'."))
        out += collect(self._storage("options.storage", options.get("storage")),
                       self._replicas("options.replicas", options.get("replicas")),
                       self._mode(options.get("replication_mode")))
        if gen is not None and not is_unknown(gen):
            out.append(Failure("options.hyper_v_generation", "is set by the gallery image definition for a gallery version: "
                                                             "remove it (or use options.target='managed')."))
        if state == "Generalized" and source_state == "Specialized":
            out.append(Failure("options.os_state", "the source VM is Specialized but the definition is Generalized: "
                                                   "generalize the VM first (GeneralizedVM)."))
        return out

    def _storage(self, field: str, value: Any) -> Failure | None:
        if value is None or is_unknown(value) or value in STORAGE:
            return None
        return Failure(field, f"must be one of {', '.join(STORAGE)}; got {value!r}.")

    def _replicas(self, field: str, value: Any) -> Failure | None:
        if value is None or is_unknown(value):
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or not 1 <= value <= MAX_REPLICAS:
            return Failure(field, f"must be a whole number from 1 to {MAX_REPLICAS}; got {value!r}.")
        return None

    def _mode(self, value: Any) -> Failure | None:
        if value is None or is_unknown(value) or value in REPLICATION_MODES:
            return None
        return Failure("options.replication_mode", f"must be Full or Shallow; got {value!r}.")

    # ImageRegionSet ------------------------------------------------------------------
    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        failures = collect(self._region("region", inputs.get("region")), self._tags(inputs.get("tags")))
        image_id = _str(inputs.get("image_id"))
        if image_id:
            ref = ids.parse(image_id)
            if ref is None or ref.kind != "version":
                failures.append(Failure("image_id", f"{image_id!r} is not a Compute Gallery image version id; Azure replicates "
                                                    "gallery versions only (capture with options.target='gallery')."))
        regions = inputs.get("regions")
        if regions is None or is_unknown(regions) or not isinstance(regions, list):
            return failures
        for n, item in enumerate(regions):
            field = f"regions[{n}]"
            if is_unknown(item):
                continue
            if not isinstance(item, (Mapping, str)):
                failures.append(Failure(field, "must be a region id or a map {'region', 'replicas', 'storage'}."))
                continue
            spec = dict(item) if isinstance(item, Mapping) else {"region": item}
            unknown = sorted(set(spec) - REGION_KEYS)
            if unknown:
                failures.append(Failure(field, f"unknown key(s) {unknown}; use 'region', 'replicas' and 'storage'."))
            failures += collect(self._region(f"{field}.region", spec.get("region")),
                                self._replicas(f"{field}.replicas", spec.get("replicas")),
                                self._storage(f"{field}.storage", spec.get("storage")))
        options = inputs.get("options") or {}
        if isinstance(options, Mapping):
            failures += collect(self._mode(options.get("replication_mode")))
        return failures

    # GeneralizedVM -------------------------------------------------------------------
    def validate_generalize(self, inputs: Mapping[str, Any]) -> list[Failure]:
        failures = collect(self._region("region", inputs.get("region")))
        vm = inputs.get("vm")
        if vm is not None and not is_unknown(vm):
            text = str(vm)
            if text.startswith("/") and (ids.parse(text) is None or ids.parse(text).kind != "vm"):  # type: ignore[union-attr]
                failures.append(Failure("vm", f"{text!r} is not a VM resource id."))
            elif not text.startswith("/") and "/" not in text and not inputs.get("resource_group"):
                failures.append(Failure("resource_group", f"is required when vm is a name ({text!r}); or give the VM's resource id."))
        scripts = inputs.get("finalize_scripts")
        if scripts is not None and not is_unknown(scripts):
            if not isinstance(scripts, list):
                failures.append(Failure("finalize_scripts", "must be a list of scripts (each a string or a list of lines)."))
            else:
                for n, script in enumerate(scripts):
                    if not is_unknown(script) and not isinstance(script, (str, list)):
                        failures.append(Failure(f"finalize_scripts[{n}]", "must be a string or a list of lines."))
        return failures


RULES = AzureComputeRules()
