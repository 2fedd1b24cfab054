"""Huawei Cloud IMS rules that `check` enforces before any call (pure Python, no SDK)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.validation import Failure, NameRule, check_region, collect, is_unknown
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
MAX_DESCRIPTION = 1024
MAX_COPY_GB = 128
MAX_TAGS = 9  # IMS allows 10 tags per image; imageforge adds one (imageforge-key)
PROJECT_ID = re.compile(r"^[0-9a-f]{32}$")
OTHER_SOURCES = ("desktop", "snapshot", "snapshots", "data_snapshots", "data_disks")


def _name(field: str, value: object) -> Failure | None:
    failure = NAME.check(field, value)
    if failure is None and isinstance(value, str) and value != value.rstrip():
        return Failure(field, f"{value!r} ends with a space. Rule: an IMS image name must not start or end with a space.")
    return failure


def _description(value: object) -> Failure | None:
    if value is None or is_unknown(value):
        return None
    if not isinstance(value, str):
        return Failure("description", f"must be a string, got {type(value).__name__}.")
    if len(value) > MAX_DESCRIPTION:
        return Failure("description", f"is {len(value)} characters; IMS allows at most {MAX_DESCRIPTION}. Shorten it.")
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
        if not str(key) or len(str(key)) > 36 or len(str(val)) > 43:
            out.append(Failure("tags", f"tag {key!r}: IMS tag keys are 1-36 characters and values at most 43. Shorten it."))
    return out


def _options(inputs: Mapping[str, Any]) -> Mapping[str, Any]:
    options = inputs.get("options")
    return options if isinstance(options, Mapping) else {}


def _region_names(regions: object) -> list[object]:
    if not isinstance(regions, list):
        return []
    return [r.get("region") if isinstance(r, Mapping) else r for r in regions]


class ImsRules:
    service_label = "Huawei Cloud IMS"
    regions = REGIONS

    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]:
        options = _options(inputs)
        source = inputs.get("source")
        failures = collect(
            check_region("region", inputs.get("region"), self.regions, self.service_label),
            _name("name", inputs.get("name")),
            _description(inputs.get("description")),
            _tags(inputs.get("tags")),
        )
        if isinstance(source, Mapping) and not is_unknown(source):
            other = sorted(k for k, v in source.items() if v and k in OTHER_SOURCES)
            if other or not source.get("instance"):
                failures.append(Failure("source", "IMS captures from an ECS: give {'instance': '<server id>'} "
                                                  f"(got {sorted(source)}). Snapshots and desktops are not IMS sources."))
        if inputs.get("scope") == "system+data" and not options.get("vault_id") and not is_unknown(options.get("vault_id")):
            failures.append(Failure("options", "scope 'system+data' makes a full-ECS image, which IMS builds from a CBR "
                                               "backup: set options.vault_id to the CBR vault of the server."))
        if inputs.get("encrypted") is True and not options.get("cmk_id"):
            failures.append(Failure("encrypted", "an encrypted IMS image needs a KMS key: set options.cmk_id, or drop "
                                                 "encrypted. Note that encrypted images cannot be copied to other regions."))
        return failures

    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        options = _options(inputs)
        source = inputs.get("region")
        failures = collect(
            check_region("region", source, self.regions, self.service_label),
            _name("name", inputs.get("name")) if inputs.get("name") else None,
            _description(inputs.get("description")),
            _tags(inputs.get("tags")),
        )
        for dest in _region_names(inputs.get("regions")):
            if is_unknown(dest):
                continue
            if dest == source:
                failures.append(Failure("regions", f"contains the source region {source!r}: an IMS cross-region copy must "
                                                   "go to another region. Remove it."))
            elif (found := check_region("regions", dest, self.regions, self.service_label)) is not None:
                failures.append(found)
        if inputs.get("encrypted") is True:
            failures.append(Failure("encrypted", "IMS cannot copy encrypted images to other regions. Publish an "
                                                 "unencrypted image (re-capture without a KMS key)."))
        size = options.get("size_gb")
        if isinstance(size, (int, float)) and not isinstance(size, bool) and size > MAX_COPY_GB:
            failures.append(Failure("options", f"size_gb is {size}: IMS copies images of at most {MAX_COPY_GB} GB across "
                                               "regions. Capture from a smaller system disk."))
        agency = options.get("agency_name")
        if not is_unknown(inputs.get("options")) and not is_unknown(agency) and not (isinstance(agency, str) and agency.strip()):
            failures.append(Failure("options", "agency_name is required: IMS copies across regions through an IAM agency "
                                               "that delegates IMS (for example 'ims_admin_agency'). Set options.agency_name."))
        return failures + _project_ids(options)

    def validate_import(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """CreateImage from a file in OBS: image_url '<bucket>:<object>', min_disk 40-1024 GB, BIOS boot on x86."""
        options = _options(inputs)
        failures = collect(
            check_region("region", inputs.get("region"), self.regions, self.service_label),
            _name("name", inputs.get("name")),
            _description(inputs.get("description")),
            _tags(inputs.get("tags")),
            _disk_size(inputs.get("disk_size_gb")),
        )
        failures += _import_object(inputs.get("object")) + _import_choices(inputs)
        if not is_unknown(inputs.get("options")):
            failures += _import_options(inputs, options) + _project_ids(options)
        return failures


def _project_ids(options: Mapping[str, Any]) -> list[Failure]:
    project_ids = options.get("project_ids")
    if not isinstance(project_ids, Mapping):
        return []
    return [Failure("options", f"project_ids[{region!r}] = {pid!r} is not a project id "
                               "(32 lowercase hex characters, from IAM 'My Credentials').")
            for region, pid in project_ids.items()
            if not is_unknown(pid) and not (isinstance(pid, str) and PROJECT_ID.match(pid))]


OBJECT_RULE = ("give the uploaded file as {'bucket': '<OBS bucket>', 'key': '<object name>'}: IMS registers it as "
               "image_url '<bucket>:<object name>'. The bucket must be in the image's region, and the bucket and the "
               "object must use the OBS Standard storage class")


def _import_object(source: object) -> list[Failure]:
    if is_unknown(source):
        return []
    if not isinstance(source, Mapping) or not source.get("bucket") or not source.get("key"):
        return [Failure("object", f"{OBJECT_RULE} (got {source!r}).")]
    bucket, key = source["bucket"], source["key"]
    out = []
    if not is_unknown(bucket) and (problem := importing.bucket_problem(str(bucket))):
        out.append(Failure("object", f"bucket {bucket!r}: {problem}. Rule: {OBJECT_RULE}."))
    if not is_unknown(key) and (problem := importing.key_problem(str(key))):
        out.append(Failure("object", f"key {key!r}: {problem}. Rule: {OBJECT_RULE}."))
    return out


def _known(inputs: Mapping[str, Any], field: str) -> str | None:
    value = inputs.get(field)
    return None if value is None or value == "" or is_unknown(value) else str(value)


def _import_choices(inputs: Mapping[str, Any]) -> list[Failure]:
    """os_type, architecture and boot_mode take the values CreateImage understands; platform is not an input."""
    out = []
    os_type, arch, boot = _known(inputs, "os_type"), _known(inputs, "architecture"), _known(inputs, "boot_mode")
    if os_type is not None and os_type not in importing.DEFAULT_OS_VERSION:
        out.append(Failure("os_type", f"is {os_type!r}; IMS imports 'linux' or 'windows' system disks. Set one of them."))
    if arch is not None and arch.lower() not in importing.ARCHITECTURES:
        out.append(Failure("architecture", f"is {arch!r}; IMS images are 'x86' or 'arm' (x86_64, arm64 and aarch64 "
                                           "are read as those). Set one of them."))
    arm = arch is not None and importing.ARCHITECTURES.get(arch.lower()) == "arm"
    if boot is not None and boot.upper() not in importing.FIRMWARE:
        out.append(Failure("boot_mode", f"is {boot!r}; IMS takes 'BIOS' or 'UEFI'. Set one of them or leave it out."))
    elif boot is not None and boot.upper() == "UEFI" and not arm:
        out.append(Failure("boot_mode", "is 'UEFI'; Huawei IMS registers external x86 image files with BIOS boot, "
                                        "not UEFI. Rebuild the guest to boot in BIOS mode (an MBR disk with an "
                                        "active partition, or GPT with a BIOS boot partition) and set boot_mode "
                                        "'BIOS', or set architecture 'arm' for an arm64 image."))
    elif boot is not None and boot.upper() == "BIOS" and arm:
        out.append(Failure("boot_mode", "is 'BIOS' but IMS boots arm images with UEFI. Set boot_mode 'UEFI' or leave "
                                        "it out for architecture 'arm'."))
    if _known(inputs, "platform") is not None:
        out.append(Failure("platform", "IMS takes no platform: it reads the OS from the OS version. Remove platform "
                                       "and set options.os_version (for example 'Ubuntu 22.04 server 64bit')."))
    return out


def _disk_size(value: object) -> Failure | None:
    if value is None or is_unknown(value):
        return None
    lo, hi = importing.MIN_DISK_GB, importing.MAX_DISK_GB
    rule = (f"Rule: IMS min_disk (the system disk) is {lo}-{hi} GB; a smaller disk_size_gb (the file's virtual "
            f"size) is registered as {lo}")
    # the wire carries numbers as floats: 60.0 is 60 GB
    size = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if size is None or size < 1 or size != int(size):
        return Failure("disk_size_gb", f"must be a whole number of GB from 1 to {hi}, got {value!r}. {rule}.")
    if size > hi:
        return Failure("disk_size_gb", f"is {int(size)} GB. {rule}. Fix: shrink the guest's last partition and file "
                                       "system, then `qemu-img resize --shrink` the disk to at most 1024 GiB.")
    return None


def _flag(options: Mapping[str, Any], key: str, meaning: str) -> Failure | None:
    value = options.get(key)
    if value is None or is_unknown(value) or isinstance(value, bool):
        return None
    return Failure("options", f"{key} must be true or false ({meaning}), got {value!r}.")


def _import_options(inputs: Mapping[str, Any], options: Mapping[str, Any]) -> list[Failure]:
    out = collect(_flag(options, "quick_import", "IMS quick import of a RAW file, for files over 128 GB"),
                  _flag(options, "is_config", "let IMS configure the guest's drivers and network after import"))
    fmt = _known(inputs, "format")
    if options.get("quick_import") is True and fmt is not None and fmt not in importing.QUICK_IMPORT_FORMATS:
        out.append(Failure("options", f"quick_import is true but the file is {fmt!r}; IMS quick import takes RAW (or "
                                      "ZVHD2) files only. Convert it: `qemu-img convert -O raw disk.img disk.raw`, make "
                                      "its bitmap file and upload both; or drop quick_import (files up to "
                                      f"{importing.MAX_FILE_GB} GB import in any format)."))
    version = options.get("os_version")
    os_type = (_known(inputs, "os_type") or "linux").lower()
    if version is not None and not is_unknown(version):
        windows = isinstance(version, str) and "windows" in version.lower()
        if not isinstance(version, str) or not version.strip() or len(version) > 255:
            out.append(Failure("options", f"os_version must name the OS as IMS lists it (ListOsVersions), for example "
                                          f"'{importing.DEFAULT_OS_VERSION['windows']}'; got {version!r}."))
        elif windows != (os_type == "windows"):
            out.append(Failure("options", f"os_version {version!r} does not match os_type {os_type!r}: IMS takes the "
                                          "OS type from os_version. Make the two agree."))
    cmk = options.get("cmk_id")
    if cmk is not None and not is_unknown(cmk) and not (isinstance(cmk, str) and cmk.strip()):
        out.append(Failure("options", f"cmk_id must be the id of a KMS key to encrypt the image with; got {cmk!r}. "
                                      "Set it or remove it."))
    return out


RULES = ImsRules()
