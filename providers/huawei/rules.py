"""Huawei Cloud IMS rules that `check` enforces before any call (pure Python, no SDK).

What the generic layers already refuse (unknown options, wrong types, inputs IMS does not take,
the source region listed as a destination) is not repeated here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.model import Identity
from ..core.validation import BaseRules, Failure, NameRule, check_region, collect, is_unknown, script_failures
from . import importing

# Regions with an IMS endpoint in huaweicloudsdkims 3.1.219 (ImsRegion).
REGIONS = frozenset({
    "af-south-1", "cn-north-4", "cn-north-1", "cn-east-2", "cn-east-3", "cn-south-1", "cn-southwest-2",
    "ap-southeast-2", "ap-southeast-1", "ap-southeast-3", "cn-north-2", "cn-south-2", "cn-north-9", "la-south-2",
    "sa-brazil-1", "la-north-2", "na-mexico-1", "ap-southeast-4", "cn-south-4", "tr-west-1", "me-east-1", "ae-ad-1",
    "cn-east-4", "eu-west-101", "cn-east-5", "eu-west-0", "my-kualalumpur-1", "af-north-1", "ru-moscow-1",
    "ap-southeast-5", "cn-north-12", "cn-north-11", "cn-southwest-3",
})
CHINESE = "\u4e00-\u9fff"
# IMS image names: 1-128 characters of letters, digits, Chinese, "-", ".", "_" and spaces; no space
# at either end (CreateWholeImageRequestBody.name, IMS error IMG.0075).
NAME = NameRule("IMS image name", 1, 128, f"A-Za-z0-9{CHINESE}._\\- ",
                "letters, digits, Chinese characters, '-', '.', '_' and spaces", first=f"A-Za-z0-9{CHINESE}._\\-",
                first_text="a letter, digit, Chinese character, '-', '.' or '_' (not a space)", forbid_http=False)
MAX_DESCRIPTION = 1024  # IMS: at most 1024 characters, no '<', '>' or line breaks
MARKER_ROOM = len(Identity("0" * 24).mark("x")) - 1  # " [imageforge:<key>]": 38 characters on a copy's description
MAX_COPY_DESCRIPTION = MAX_DESCRIPTION - MARKER_ROOM
MAX_TAGS = 9  # IMS allows 10 tags per image; imageforge adds one (imageforge-key)
PROJECT_ID = re.compile(r"^[0-9a-f]{32}$")
WHOLE_IMAGE_MEMBERS = 10  # a full-ECS image is shared with at most 10 projects (IMS restrictions on image sharing)


def _name(field: str, value: object) -> Failure | None:
    failure = NAME.check(field, value)
    if failure is None and isinstance(value, str) and value != value.rstrip():
        return Failure(field, f"{value!r} ends with a space. Rule: an IMS image name must not start or end with a "
                              "space.")
    return failure


def _description(value: object, limit: int = MAX_DESCRIPTION, why: str = "") -> Failure | None:
    if not isinstance(value, str):
        return None
    if len(value) > limit:
        return Failure("description", f"is {len(value)} characters; IMS allows at most {limit}{why}. Shorten it.")
    bad = sorted({c for c in value if c in "<>\r\n"})
    if bad:
        return Failure("description", f"contains {''.join(bad)!r}; IMS descriptions may not contain '<', '>' or "
                                      "line breaks. Remove them.")
    return None


def _tags(value: object) -> list[Failure]:
    if not isinstance(value, Mapping):
        return []
    out = []
    if len(value) > MAX_TAGS:
        out.append(Failure("tags", f"has {len(value)} tags; an IMS image holds 10 and imageforge uses one, "
                                   f"so give at most {MAX_TAGS}."))
    for key, val in value.items():
        if is_unknown(key) or is_unknown(val):
            continue
        if len(str(key)) > 36 or len(str(val)) > 43:
            out.append(Failure(f"tags.{key}", "IMS tag keys are 1-36 characters and values at most 43. Shorten it."))
        elif "." in str(key):
            out.append(Failure(f"tags.{key}", "IMS lists tags as 'key.value', so a key may not contain '.'. "
                                              "Rename it."))
    return out


def _options(inputs: Mapping[str, Any]) -> Mapping[str, Any]:
    options = inputs.get("options")
    return options if isinstance(options, Mapping) and not is_unknown(options) else {}


def _project_ids(options: Mapping[str, Any]) -> list[Failure]:
    project_ids = options.get("project_ids")
    if not isinstance(project_ids, Mapping):
        return []
    return [Failure(f"options.project_ids.{region}", f"{pid!r} is not a project id (32 lowercase hex characters, "
                                                     "from IAM 'My Credentials').")
            for region, pid in project_ids.items()
            if not is_unknown(pid) and not (isinstance(pid, str) and PROJECT_ID.match(pid))]


def _sharing(inputs: Mapping[str, Any]) -> list[object]:
    """The listed share_with ids (none when unknown or not given)."""
    value = inputs.get("share_with")
    return list(value) if isinstance(value, list) and not is_unknown(value) else []


def _region_names(regions: object) -> list[object]:
    if not isinstance(regions, list):
        return []
    return [r.get("region") if isinstance(r, Mapping) else r for r in regions]


class ImsRules(BaseRules):
    service_label = "Huawei Cloud IMS"
    regions = REGIONS

    def _common(self, inputs: Mapping[str, Any]) -> list[Failure]:
        return collect(check_region("region", inputs.get("region"), self.regions, self.service_label),
                       _tags(inputs.get("tags")), _project_ids(_options(inputs)))

    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """An ECS; system+data is a full-ECS image from a CBR vault; encryption is a KMS key on CreateImage."""
        options = _options(inputs)
        failures = self._common(inputs) + collect(_name("name", inputs.get("name")),
                                                  _description(inputs.get("description")))
        source = inputs.get("source")
        if isinstance(source, Mapping) and not is_unknown(source) and not source.get("instance"):
            failures.append(Failure("source", "IMS captures an ECS: give {'instance': '<server id>'}."))
        scope, encrypted, cmk = inputs.get("scope"), inputs.get("encrypted"), options.get("cmk_id")
        whole = scope == "system+data"
        if whole and options.get("vault_id") is None:
            failures.append(Failure("options.vault_id", "scope 'system+data' makes a full-ECS image, which IMS builds "
                                                        "from a CBR backup: set options.vault_id to the server's CBR "
                                                        "vault."))
        if not whole and options.get("vault_id") is not None:
            failures.append(Failure("options.vault_id", "is used only for a full-ECS image: set scope 'system+data', "
                                                        "or remove options.vault_id."))
        if whole and (encrypted is True or cmk is not None):
            failures.append(Failure("encrypted" if encrypted is True else "options.cmk_id",
                                    "IMS encrypts a system-disk image (CreateImage.cmk_id); CreateWholeImage takes "
                                    "no key. Fix: set scope 'system', or remove encrypted and options.cmk_id."))
        elif encrypted is True and cmk is None:
            failures.append(Failure("encrypted", "IMS encrypts an image with a KMS key: set options.cmk_id to the "
                                                 "key's id, or remove encrypted. Encrypted images cannot be copied to "
                                                 "other regions."))
        elif encrypted is False and cmk is not None:
            failures.append(Failure("options.cmk_id", "encrypts the image, but encrypted is false. Fix: remove "
                                                      "options.cmk_id, or set encrypted true."))
        if cmk is not None and encrypted is not True and not whole and _sharing(inputs):
            failures.append(Failure("share_with", "IMS does not share encrypted images, and options.cmk_id encrypts "
                                                  "this one. Fix: remove options.cmk_id, or remove share_with."))
        if whole and len(_sharing(inputs)) > WHOLE_IMAGE_MEMBERS:
            failures.append(Failure("share_with", f"lists {len(_sharing(inputs))} projects; IMS shares a full-ECS image "
                                                  f"(scope 'system+data') with at most {WHOLE_IMAGE_MEMBERS}. Fix: list "
                                                  f"at most {WHOLE_IMAGE_MEMBERS}, or capture scope 'system'."))
        return failures

    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """The destinations are IMS regions; the description leaves room for the identity marker."""
        options = _options(inputs)
        why = f" on a copy (1024, less the {MARKER_ROOM} characters of the identity marker imageforge appends)"
        failures = self._common(inputs) + collect(
            _name("name", inputs.get("name")) if inputs.get("name") else None,
            _description(inputs.get("description"), MAX_COPY_DESCRIPTION, why))
        destinations = _region_names(inputs.get("regions"))
        for n, dest in enumerate(destinations):
            if not is_unknown(dest) and (found := check_region(f"regions[{n}]", dest, self.regions,
                                                               self.service_label)) is not None:
                failures.append(found)
        agency = options.get("agency_name")
        if isinstance(agency, str) and not agency.strip():
            failures.append(Failure("options.agency_name", "is blank: IMS copies across regions through an IAM agency "
                                                           "that delegates IMS (for example 'ims_admin_agency')."))
        listed = {d for d in destinations if isinstance(d, str)}
        if _sharing(inputs) and len(destinations) > 1:
            failures.append(Failure("share_with", f"is shared on {len(destinations)} regions, but IMS shares an image "
                                                  "only with projects of its own region and a project id names one "
                                                  "region's project. Fix: one ImageRegionSet per region, each with "
                                                  "that region's project ids."))
        for key in ("project_names", "vault_ids"):
            given = options.get(key)
            if isinstance(given, Mapping) and not any(is_unknown(d) for d in destinations):
                failures += [Failure(f"options.{key}.{region}", f"names a region that is not in regions ("
                                                                f"{', '.join(sorted(listed))}). Remove it.")
                             for region in given if region not in listed]
        return failures

    def validate_generalize(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """GeneralizedVM: an ECS server id, and finalize scripts a COC script (4096 characters) can hold."""
        from . import coc
        from .vms import SERVER_ID

        failures = collect(check_region("region", inputs.get("region"), self.regions, self.service_label))
        vm = inputs.get("vm")
        if isinstance(vm, str) and not is_unknown(vm) and not SERVER_ID.match(vm):
            failures.append(Failure("vm", f"{vm!r} is not an ECS server id. Rule: ECS addresses a server by its "
                                          "UUID. Fix: give the server id, for example "
                                          "'11111111-0000-4000-8000-000000000001'."))
        failures += script_failures(inputs.get("finalize_scripts"), coc.SCRIPT_LIMIT)
        return failures

    def validate_import(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """CreateImage from a file in OBS: image_url '<bucket>:<object>', min_disk 40-1024 GB, BIOS boot on x86."""
        failures = self._common(inputs) + collect(
            _name("name", inputs.get("name")), _description(inputs.get("description")),
            _disk_size(inputs.get("disk_size_gb")))
        if _options(inputs).get("cmk_id") is not None and _sharing(inputs):
            failures.append(Failure("share_with", "IMS does not share encrypted images, and options.cmk_id encrypts "
                                                  "this one. Fix: remove options.cmk_id, or remove share_with."))
        return failures + _import_object(inputs.get("object")) + _import_choices(inputs) + \
            _import_options(inputs, _options(inputs))


OBJECT_RULE = ("give the uploaded file as {'bucket': '<OBS bucket>', 'key': '<object name>'}: IMS registers it as "
               "image_url '<bucket>:<object name>'. The bucket must be in the image's region, and the bucket and the "
               "object must use the OBS Standard storage class")


def _import_object(source: object) -> list[Failure]:
    if is_unknown(source) or not isinstance(source, Mapping):
        return []
    bucket, key = source.get("bucket"), source.get("key")
    out = []
    if isinstance(bucket, str) and (problem := importing.bucket_problem(bucket)):
        out.append(Failure("object.bucket", f"{bucket!r}: {problem}. Rule: {OBJECT_RULE}."))
    if isinstance(key, str) and (problem := importing.key_problem(key)):
        out.append(Failure("object.key", f"{key!r}: {problem}. Rule: {OBJECT_RULE}."))
    return out


def _known(inputs: Mapping[str, Any], field: str) -> str | None:
    value = inputs.get(field)
    return None if value is None or value == "" or is_unknown(value) else str(value)


def _import_choices(inputs: Mapping[str, Any]) -> list[Failure]:
    """os_type, architecture and boot_mode take the values CreateImage understands."""
    out = []
    os_type, arch, boot = _known(inputs, "os_type"), _known(inputs, "architecture"), _known(inputs, "boot_mode")
    if os_type is not None and os_type not in importing.DEFAULT_OS_VERSION:
        out.append(Failure("os_type", f"is {os_type!r}; IMS imports 'linux' or 'windows' system disks. Set one of "
                                      "them."))
    if arch is not None and arch.lower() not in importing.ARCHITECTURES:
        out.append(Failure("architecture", f"is {arch!r}; IMS images are 'x86' or 'arm' (x86_64, arm64 and aarch64 "
                                           "are read as those). Set one of them."))
    arm = arch is not None and importing.ARCHITECTURES.get(arch.lower()) == "arm"
    if boot is not None and boot.upper() not in importing.FIRMWARE:
        out.append(Failure("boot_mode", f"is {boot!r}; IMS takes 'BIOS' or 'UEFI'. Set one of them or leave it out."))
    elif boot is not None and boot.upper() == "UEFI" and not arm and not _from_file(inputs, "boot_mode"):
        out.append(Failure("boot_mode", "is 'UEFI'; Huawei IMS registers external x86 image files with BIOS boot, "
                                        "not UEFI. Rebuild the guest to boot in BIOS mode (an MBR disk with an "
                                        "active partition, or GPT with a BIOS boot partition) and set boot_mode "
                                        "'BIOS', or set architecture 'arm' for an arm64 image."))
    elif boot is not None and boot.upper() == "BIOS" and arm:
        out.append(Failure("boot_mode", "is 'BIOS' but IMS boots arm images with UEFI. Set boot_mode 'UEFI' or leave "
                                        "it out for architecture 'arm'."))
    return out


def _from_file(inputs: Mapping[str, Any], field: str) -> bool:
    """The value was read from the local file, whose preflight rules already judged it (on `file`)."""
    inspection = inputs.get("inspection")
    return isinstance(inspection, Mapping) and str(inspection.get(field, "")).upper() == str(inputs.get(field)).upper()


def _disk_size(value: object) -> Failure | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= importing.MAX_DISK_GB:
        return None
    return Failure("disk_size_gb", f"is {int(value)} GB. Rule: IMS min_disk (the system disk) is "
                                   f"{importing.MIN_DISK_GB}-{importing.MAX_DISK_GB} GB; a smaller disk_size_gb (the "
                                   f"file's virtual size) is registered as {importing.MIN_DISK_GB}. Fix: shrink the "
                                   "guest's last partition and file system, then `qemu-img resize --shrink` the disk "
                                   "to at most 1024 GiB.")


def _import_options(inputs: Mapping[str, Any], options: Mapping[str, Any]) -> list[Failure]:
    out = []
    fmt = _known(inputs, "format")
    if options.get("quick_import") is True:
        if fmt is not None and fmt not in importing.QUICK_IMPORT_FORMATS:
            out.append(Failure("options.quick_import", f"is true but the file is {fmt!r}; IMS quick import takes RAW "
                                                       "(with its bitmap file) or ZVHD2. Convert it: `qemu-img convert "
                                                       "-O raw disk.img disk.raw`, make its bitmap file and upload "
                                                       "both; or drop quick_import (files up to "
                                                       f"{importing.MAX_FILE_GB} GB import in any format)."))
    version = options.get("os_version")
    os_type = (_known(inputs, "os_type") or "linux").lower()
    if isinstance(version, str) and not is_unknown(version):
        windows = "windows" in version.lower()
        if not version.strip():
            out.append(Failure("options.os_version", "must name the OS as IMS lists it (ListOsVersions), for example "
                                                     f"'{importing.DEFAULT_OS_VERSION['windows']}'."))
        elif windows != (os_type == "windows"):
            out.append(Failure("options.os_version", f"{version!r} does not match os_type {os_type!r}: IMS takes the "
                                                     "OS type from os_version. Make the two agree."))
    return out


RULES = ImsRules()
