"""Azure Compute rules checked before any call: names, sources, gallery settings, target regions, tags, imports."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.validation import Failure, NameRule, check_region, collect, is_unknown
from . import ids, mapping

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
IMPORT_OPTIONS = frozenset({"resource_group", "blob_uri", "hyper_v_generation", "storage_account_type"})
# ImageOSDisk.storageAccountType values an OS disk can use (UltraSSD_LRS and PremiumV2_LRS hold data disks only)
IMPORT_STORAGE = ("Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS")
IMPORT_ARCHITECTURES = ("x86_64", "x64")
MAX_OS_DISK_GB = 4095
GiB = 1 << 30
OBJECT_SHAPE = ("{'bucket': '<storage account>/<container>', 'key': '<blob name>.vhd'}, the page blob "
                "https://<storage account>.blob.core.windows.net/<container>/<blob name>.vhd in a storage account "
                "in the image's region")
TO_FIXED_VHD = ("convert it with `qemu-img convert -O vpc -o subformat=fixed,force_size=on <file> <name>.vhd`, "
                "upload it as a page blob (azcopy, or `az storage blob upload --type page`) and set format: vhd")
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


    # ImportedImage -------------------------------------------------------------------
    def validate_import(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """Images_CreateOrUpdate from a VHD blob: a Generalized managed image of a fixed VHD, x64, Linux or Windows."""
        options = inputs.get("options") or {}
        pending = is_unknown(options)  # preview: every option passes, resource_group included
        if pending:
            options = {"resource_group": options}
        failures = collect(self._region("region", inputs.get("region")), IMAGE_NAME.check("name", inputs.get("name")),
                           self._name_end(inputs.get("name")))
        failures += self._tags(inputs.get("tags"))
        if not isinstance(options, Mapping):
            return failures + [Failure("options", "must be a map of Azure settings, for example "
                                                  "{'resource_group': 'images-rg'}.")]
        unknown = sorted(set(options) - IMPORT_OPTIONS)
        if unknown and not pending:
            failures.append(Failure("options", f"unknown Azure import option(s) {unknown}; known: {sorted(IMPORT_OPTIONS)}."))
        failures += collect(self._resource_group(options.get("resource_group")))
        failures += self._blob(inputs.get("object"), options.get("blob_uri"))
        failures += collect(
            _import_format(inputs.get("format")),
            _one_of("os_type", inputs.get("os_type"), tuple(mapping.OS_TYPES), "Azure's osType is Linux or Windows"),
            _architecture(inputs.get("architecture")),
            _one_of("options.storage_account_type", options.get("storage_account_type"), IMPORT_STORAGE,
                    "the image's OS disk storage type"),
            _disk_size(inputs.get("disk_size_gb"), inputs.get("inspection")),
        )
        failures += _generation(inputs.get("boot_mode"), options.get("hyper_v_generation"), inputs.get("inspection"))
        return failures

    def _resource_group(self, value: Any) -> Failure | None:
        if is_unknown(value):
            return None
        if not value:
            return Failure("options.resource_group", "is required: Azure creates the managed image in a resource group "
                                                     "(/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/"
                                                     "images/<name>); set options.resource_group, e.g. 'images-rg'.")
        if not ids.RESOURCE_GROUP.match(str(value)):
            return Failure("options.resource_group", f"{value!r}: resource group names are 1 to 90 letters, digits, "
                                                     "'_', '-', '.', '(' and ')', and do not end with '.'.")
        return None

    def _blob(self, source: Any, uri: Any) -> list[Failure]:
        """`object` names the blob; options.blob_uri (e.g. an Azure DNS zone endpoint) must name the same one."""
        given = None if uri is None or is_unknown(uri) else str(uri)
        if is_unknown(source):
            return self._blob_uri(given, None)
        if not (isinstance(source, Mapping) and source.get("bucket") and source.get("key")):
            extra = " (also with options.blob_uri: `object` records which blob the image is made from)" if given else ""
            return [Failure("object", f"give the uploaded VHD as {OBJECT_SHAPE}{extra}.")]
        bucket, key = source["bucket"], source["key"]
        if is_unknown(bucket) or is_unknown(key):
            return self._blob_uri(given, None)
        if str(bucket).strip("/").count("/") != 1:
            return [Failure("object.bucket", f"must be '<storage account>/<container>' (Azure names a blob by storage "
                                             f"account, container and blob name); got {bucket!r}. Give {OBJECT_SHAPE}.")]
        blob = ids.blob_of(str(bucket), str(key))
        problem = ids.blob_problem(blob)
        if problem is not None:
            field = "object.key" if problem[0] == "name" else "object.bucket"
            return [Failure(field, f"{problem[1]}. Give {OBJECT_SHAPE}.")]
        return self._blob_uri(given, blob)

    def _blob_uri(self, uri: str | None, blob: ids.Blob | None) -> list[Failure]:
        if uri is None:
            return []
        parsed = ids.parse_blob_uri(uri)
        if parsed is None:
            return [Failure("options.blob_uri", f"must be the blob's URL, https://<storage account>.blob.core.windows.net/"
                                                f"<container>/<blob name>.vhd (or the account's Azure DNS zone endpoint "
                                                f"https://<account>.zNN.blob.storage.azure.net/...), without a SAS token "
                                                f"or other query; got {uri!r}.")]
        problem = ids.blob_problem(parsed)
        if problem is not None:
            return [Failure("options.blob_uri", f"{problem[1]}; got {uri!r}.")]
        if blob is not None and (parsed.account, parsed.container, parsed.name) != (blob.account, blob.container, blob.name):
            return [Failure("options.blob_uri", f"names blob {parsed.account}/{parsed.container}/{parsed.name} but object "
                                                f"names {blob.account}/{blob.container}/{blob.name}: point both at the same "
                                                "blob, or leave options.blob_uri out (it is built from object).")]
        return []


def _one_of(field: str, value: Any, allowed: tuple[str, ...], what: str) -> Failure | None:
    if value is None or is_unknown(value) or value in allowed:
        return None
    return Failure(field, f"{what}: set it to one of {', '.join(repr(a) for a in allowed)}; got {value!r}.")


def _import_format(value: Any) -> Failure | None:
    if value is None or is_unknown(value) or value == "vhd":
        return None
    return Failure("format", f"Azure imports fixed VHD files only (a fixed-size VHD whose size is a whole number of "
                             f"MiB); got {value!r}: {TO_FIXED_VHD}.")


def _architecture(value: Any) -> Failure | None:
    if value is None or is_unknown(value) or value in IMPORT_ARCHITECTURES:
        return None
    return Failure("architecture", f"an Azure managed image holds an x64 guest only; got {value!r}. Set architecture to "
                                   "'x86_64' (or leave it out); Arm64 images live in a Compute Gallery image definition "
                                   "with architecture Arm64, which ImportedImage does not create.")


def _disk_size(value: Any, inspection: Any) -> Failure | None:
    if value is None or is_unknown(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or not 1 <= value <= MAX_OS_DISK_GB:
        return Failure("disk_size_gb", f"must be a whole number of GiB from 1 to {MAX_OS_DISK_GB} (Azure's OS disk "
                                       f"limit); got {value!r}.")
    size = inspection.get("virtual_size") if isinstance(inspection, Mapping) else None
    if isinstance(size, int) and value * GiB < size:
        need = -(-size // GiB)
        return Failure("disk_size_gb", f"is {int(value)} GiB but the VHD's disk is {size} bytes: Azure can grow the OS "
                                       f"disk, never shrink it. Set disk_size_gb to at least {need}, or leave it out.")
    return None


def _generation(boot_mode: Any, generation: Any, inspection: Any) -> list[Failure]:
    """boot_mode UEFI means hyperVGeneration V2; a file that boots only through UEFI needs it."""
    boot = None if boot_mode is None or is_unknown(boot_mode) else str(boot_mode)
    gen = None if generation is None or is_unknown(generation) else str(generation)
    if boot is not None and boot not in mapping.GENERATION:
        return [Failure("boot_mode", f"must be BIOS or UEFI (UEFI makes a Hyper-V generation 2 image, BIOS generation 1); "
                                     f"got {boot!r}.")]
    if gen is not None and gen not in GENERATIONS:
        return [Failure("options.hyper_v_generation", f"must be V1 or V2; got {gen!r}.")]
    if boot is not None and gen is not None and mapping.GENERATION[boot] != gen:
        return [Failure("options.hyper_v_generation", f"is {gen} but boot_mode {boot} needs {mapping.GENERATION[boot]} "
                                                      "(UEFI guests boot on Hyper-V generation 2, BIOS guests on 1): "
                                                      "make them agree, or give only one of them.")]
    found = inspection.get("boot_mode") if isinstance(inspection, Mapping) else None
    if found == "uefi" and (gen or mapping.GENERATION.get(boot or "")) != "V2":
        field = "options.hyper_v_generation" if gen else "boot_mode"
        return [Failure(field, "the file boots only through UEFI (an EFI System Partition, no BIOS boot path), so the "
                               "image must be Hyper-V generation 2: set boot_mode to 'UEFI' (or "
                               "options.hyper_v_generation to 'V2')" + (f"; got {boot or gen!r}." if boot or gen else "."))]
    return []


RULES = AzureComputeRules()
