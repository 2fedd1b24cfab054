"""Azure Compute rules checked before any call: names, sources, gallery settings, target regions, tags, guest scripts, imports.

Types, unknown inputs and unknown options are refused by the declarations (spec.py); these are
Azure's own rules on values and combinations.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.validation import BaseRules, Failure, NameRule, check_region, collect, is_unknown
from . import ids, mapping
from .families import family_capture

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
GALLERY_ONLY = ("gallery", "gallery_image", "version", "replicas", "storage", "replication_mode", "os_state")
# ImageOSDisk.storageAccountType values an OS disk can use (UltraSSD_LRS and PremiumV2_LRS hold data disks only)
IMPORT_STORAGE = ("Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS")
IMPORT_ARCHITECTURES = ("x86_64", "x64")
MAX_OS_DISK_GB = 4095
MAX_TAGS = 50  # per Azure resource
OWN_TAGS = 4  # at most: the identity, the name, the description, and one region's owner tag
TAG_VALUE_MAX = 256
RESERVED_PREFIX = "imageforge-"
HERE_STRING_END = "'@"  # ends the here-string a Windows step is wrapped in
SUBSCRIPTION = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
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


def _known(mapping_: Any) -> Mapping[str, Any]:
    """A map whose value is known, else an empty one (preview)."""
    return mapping_ if isinstance(mapping_, Mapping) and not is_unknown(mapping_) else {}


class AzureComputeRules(BaseRules):
    service_label = "Azure Compute"
    regions = REGIONS
    family_capture = staticmethod(family_capture)  # with a gallery, an ImageFamily's versions are its versions

    # CustomImage -------------------------------------------------------------------
    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]:
        options = _known(inputs.get("options"))
        gallery = _gallery_target(options)
        failures = collect(
            self._region("region", inputs.get("region")),
            _text_tag("description", inputs.get("description")),
            *((_text_tag("name", inputs.get("name")),) if gallery else
              (IMAGE_NAME.check("name", inputs.get("name")), self._name_end(inputs.get("name")))),
        )
        failures += self._tags(inputs.get("tags"))
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

    def _tags(self, tags: Any, room: int = MAX_TAGS - OWN_TAGS) -> list[Failure]:
        if tags is None or is_unknown(tags) or not isinstance(tags, Mapping):
            return []
        out = []
        if len(tags) > room:
            out.append(Failure("tags", f"has {len(tags)} tags; Azure allows {MAX_TAGS} per resource and imageforge "
                                       f"keeps up to {MAX_TAGS - room} of its own there: give at most {room}."))
        for key, value in tags.items():
            if len(str(key)) > 512 or _BAD_TAG.search(str(key)):
                out.append(Failure("tags", f"tag name {key!r} must be at most 512 characters without < > % & \\ ? /."))
            elif str(key).lower().startswith(RESERVED_PREFIX):
                out.append(Failure("tags", f"tag name {key!r} starts with {RESERVED_PREFIX!r}, which imageforge "
                                           "keeps for its own tags: rename it."))
            if value is not None and not is_unknown(value) and len(str(value)) > TAG_VALUE_MAX:
                out.append(Failure("tags", f"the value of tag {key!r} is {len(str(value))} characters; Azure allows "
                                           f"{TAG_VALUE_MAX}."))
        return out

    def _source(self, source: Any, options: Mapping[str, Any]) -> list[Failure]:
        if source is None or is_unknown(source) or not isinstance(source, Mapping):
            return []
        instance = source.get("instance")
        if not instance:
            return [Failure("source.instance", "is required: Azure captures images from a virtual machine; give "
                                               "{'instance': <VM resource id>} (or the VM name with "
                                               "options.resource_group).")]
        if is_unknown(instance):
            return []
        text = str(instance)
        parsed = ids.parse(text)
        if text.startswith("/") and (parsed is None or parsed.kind != "vm"):
            return [Failure("source.instance", f"{text!r} is not a VM resource id (/subscriptions/<id>/resourceGroups/"
                                               "<rg>/providers/Microsoft.Compute/virtualMachines/<name>).")]
        if not text.startswith("/") and "/" not in text and not options.get("resource_group"):
            return [Failure("options.resource_group", f"is required when source.instance is a VM name ({text!r}); "
                                                      "or give the VM's resource id.")]
        subscription = _str(options.get("subscription"))
        if subscription and parsed is not None and parsed.subscription.lower() != subscription.lower():
            return [Failure("options.subscription", f"is {subscription} but source.instance names a VM in subscription "
                                                    f"{parsed.subscription}: remove options.subscription (the id "
                                                    "carries it).")]
        return []

    def _target(self, options: Mapping[str, Any], source: Any) -> list[Failure]:
        out: list[Failure] = []
        target = options.get("target")
        if is_unknown(target):
            return out
        subscription = _str(options.get("subscription"))
        if subscription and not SUBSCRIPTION.match(subscription):
            out.append(Failure("options.subscription", f"{subscription!r} is not a subscription id (a GUID)."))
        state = options.get("os_state")
        source_state = _known(source).get("os_state")
        if not _gallery_target(options):
            if state == "Specialized" or source_state == "Specialized":
                out.append(Failure("options.target", "a managed image needs a generalized VM; a specialized VM can only "
                                                     "be captured to a Compute Gallery: set options.gallery, "
                                                     "gallery_image and version with a Specialized image definition, "
                                                     "or generalize the VM first (GeneralizedVM)."))
            for key in GALLERY_ONLY:  # os_state: Generalized holds for a managed image, Specialized is refused above
                if options.get(key) is not None and key != "os_state":
                    out.append(Failure(f"options.{key}", "applies to a Compute Gallery image version only: set "
                                                         "options.gallery, gallery_image and version (target "
                                                         "'gallery')."))
            return out
        for key in ("gallery", "gallery_image", "version"):
            if not options.get(key) and not is_unknown(options.get(key)):
                out.append(Failure(f"options.{key}", "is required for a Compute Gallery image version (the gallery, "
                                                     "the image definition and the version name such as '1.0.0')."))
        gallery, version = _str(options.get("gallery")), _str(options.get("version"))
        if gallery and not ids.GALLERY_NAME.match(gallery):
            out.append(Failure("options.gallery", f"{gallery!r}: gallery names use letters, digits, '_' and '.' (1-80)."))
        if version and not _version_ok(version):
            out.append(Failure("options.version", f"{version!r} must be Major.Minor.Patch with 32-bit integers, e.g. "
                                                  "'1.0.0'."))
        if options.get("hyper_v_generation") is not None and not is_unknown(options.get("hyper_v_generation")):
            out.append(Failure("options.hyper_v_generation", "is set by the gallery image definition for a gallery "
                                                             "version: remove it (it applies to a managed image)."))
        if state == "Generalized" and source_state == "Specialized":
            out.append(Failure("options.os_state", "the source VM is Specialized but the definition is Generalized: "
                                                   "generalize the VM first (GeneralizedVM)."))
        return out

    # ImageRegionSet ------------------------------------------------------------------
    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        failures = collect(self._region("region", inputs.get("region")), _text_tag("name", inputs.get("name")),
                           _text_tag("description", inputs.get("description")))
        regions = inputs.get("regions")
        listed = regions if isinstance(regions, list) else []
        failures += self._tags(inputs.get("tags"), MAX_TAGS - OWN_TAGS - len(listed))
        image_id = _str(inputs.get("image_id"))
        if image_id:
            ref = ids.parse(image_id)
            if ref is None or ref.kind != "version":
                failures.append(Failure("image_id", f"{image_id!r} is not a Compute Gallery image version id; Azure "
                                                    "replicates gallery versions only (capture with options.gallery, "
                                                    "gallery_image and version)."))
        if len(listed) > MAX_TAGS - OWN_TAGS:
            failures.append(Failure("regions", f"lists {len(listed)} regions; the version records each region's owner "
                                               f"in a tag and Azure allows {MAX_TAGS} tags: split the regions over "
                                               "versions."))
        for n, item in enumerate(listed):
            if is_unknown(item):
                continue
            entry = dict(item) if isinstance(item, Mapping) else {"region": item}
            failures += collect(self._region(f"regions[{n}].region" if isinstance(item, Mapping) else f"regions[{n}]",
                                             entry.get("region")),
                                _one_of(f"regions[{n}].storage", entry.get("storage"), STORAGE,
                                        "a replica's storage account type"))
        return failures

    # GeneralizedVM -------------------------------------------------------------------
    def validate_generalize(self, inputs: Mapping[str, Any]) -> list[Failure]:
        failures = collect(self._region("region", inputs.get("region")))
        vm = inputs.get("vm")
        if vm is not None and not is_unknown(vm):
            text = str(vm)
            parsed = ids.parse(text)
            if text.startswith("/") and (parsed is None or parsed.kind != "vm"):
                failures.append(Failure("vm", f"{text!r} is not a VM resource id (/subscriptions/<id>/resourceGroups/"
                                              "<rg>/providers/Microsoft.Compute/virtualMachines/<name>)."))
            elif not text.startswith("/") and "/" not in text and not inputs.get("resource_group"):
                failures.append(Failure("resource_group", f"is required when vm is a name ({text!r}); or give the VM's "
                                                          "resource id."))
        scripts = inputs.get("finalize_scripts")
        for n, script in enumerate(scripts if isinstance(scripts, list) else []):
            lines = script.splitlines() if isinstance(script, str) else script if isinstance(script, list) else []
            if any(isinstance(line, str) and line.lstrip().startswith(HERE_STRING_END) for line in lines):
                failures.append(Failure(f"finalize_scripts[{n}]", f"a line starts with {HERE_STRING_END!r}, which ends "
                                                                  "the PowerShell here-string each step is wrapped in "
                                                                  "to read its exit code: write it another way."))
        return failures

    # ImportedImage -------------------------------------------------------------------
    def validate_import(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """Images_CreateOrUpdate from a VHD blob: a Generalized managed image of a fixed VHD, x64, Linux or Windows."""
        options = inputs.get("options") or {}
        if is_unknown(options):  # preview: every option passes, resource_group included
            options = {"resource_group": options}
        failures = collect(self._region("region", inputs.get("region")), IMAGE_NAME.check("name", inputs.get("name")),
                           self._name_end(inputs.get("name")), _text_tag("description", inputs.get("description")))
        failures += self._tags(inputs.get("tags"))
        failures += collect(self._resource_group(options.get("resource_group")))
        failures += self._blob(inputs.get("object"), options.get("blob_uri"))
        failures += collect(
            _import_format(inputs.get("format"), inputs.get("inspection")),
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


def _import_format(value: Any, inspection: Any) -> Failure | None:
    if value is None or is_unknown(value) or value == "vhd":
        return None
    if isinstance(inspection, Mapping) and inspection.get("format") == value:
        return None  # read from the file, whose own check (`file`) already refuses it with the same fix
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


def _gallery_target(options: Mapping[str, Any]) -> bool:
    """options.target, defaulting to 'gallery' when a gallery is named (as the adapter does)."""
    target = options.get("target")
    return (target or ("gallery" if options.get("gallery") else "managed")) == "gallery"


def _version_ok(version: str) -> bool:
    return bool(ids.VERSION_NAME.match(version)) and all(int(p) <= 2**31 - 1 for p in version.split("."))


def _text_tag(field: str, value: Any) -> Failure | None:
    """A name or description kept in a tag: Azure tag values hold 256 characters."""
    text = _str(value)
    if text is not None and len(text) > TAG_VALUE_MAX:
        return Failure(field, f"is {len(text)} characters; Azure keeps it in a tag, whose value holds at most "
                              f"{TAG_VALUE_MAX}. Shorten it.")
    return None
