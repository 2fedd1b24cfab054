"""Tencent CVM rules `check` enforces before any call (from the cvm 2017-03-12 SDK's parameter docs)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.validation import Failure, NameRule, check_region, collect, is_unknown
from . import mapping

PUBLIC_REGIONS = frozenset({
    "ap-guangzhou", "ap-shanghai", "ap-nanjing", "ap-beijing", "ap-chengdu", "ap-chongqing",
    "ap-hongkong", "ap-singapore", "ap-jakarta", "ap-seoul", "ap-tokyo", "ap-bangkok",
    "na-siliconvalley", "na-ashburn", "eu-frankfurt", "sa-saopaulo",
})
# Finance zones are isolated: images live there but are not synced into them from public regions.
FINANCE_REGIONS = frozenset({"ap-shanghai-fsi", "ap-shenzhen-fsi", "ap-beijing-fsi"})
REGIONS = PUBLIC_REGIONS | FINANCE_REGIONS
LABEL = "Tencent Cloud CVM"

# CreateImageRequest.ImageName / ModifyImageAttributeRequest.ImageName: "最多支持60个字符" (at most 60 characters).
IMAGE_NAME = NameRule("a CVM image name", 1, 60, r"^\x00-\x1f\x7f", "printable characters",
                      first="", first_text="any printable character", forbid_http=False)
# CreateImageRequest.ImageDescription: "最多支持 256 个字符" (at most 256 characters).
DESCRIPTION_MAX = 256
RESERVED_TAG_PREFIXES = ("qcloud", "tencent", "project")
IDS = {"instance": re.compile(r"^ins-[a-z0-9]{8}$"), "snapshot": re.compile(r"^snap-[a-z0-9]{8}$"),
       "disk": re.compile(r"^disk-[a-z0-9]{8}$"), "image": re.compile(r"^img-[a-z0-9]{8}$")}
OPTIONS = frozenset({"image_family"})
IMPORT_OPTIONS = frozenset({"image_url", "os_version", "license_type", "force", "image_family"})
IMPORT_FORMATS = ("raw", "qcow2", "vhd", "vmdk")
OBJECT_SHAPE = ("give the uploaded file as {'bucket': '<COS bucket with its APPID, e.g. golden-1250000000>', "
                "'key': '<object key>'}: ImportImage reads https://<bucket>.cos.<region>.myqcloud.com/<key>, so the "
                "bucket must be in the image's region; or set options.image_url to the object's own COS URL, which "
                "is sent instead (then object may be left out)")
SNAPSHOT_KEYS = ("snapshot", "snapshots", "data_snapshots")


def check_description(field: str, value: object) -> Failure | None:
    if value is None or is_unknown(value) or value == "":
        return None
    if not isinstance(value, str):
        return Failure(field, "must be a string.")
    if len(value) > DESCRIPTION_MAX:
        return Failure(field, f"a CVM image description is at most {DESCRIPTION_MAX} characters (got {len(value)}). "
                              "Fix: shorten it.")
    return None


def check_id(field: str, value: object, kind: str, example: str) -> Failure | None:
    if value is None or is_unknown(value):
        return None
    if not isinstance(value, str) or not IDS[kind].match(value):
        return Failure(field, f"{value!r} is not a Tencent Cloud {kind} id. Fix: use the id form {example}.")
    return None


def check_tags(field: str, tags: object) -> list[Failure]:
    if tags is None or is_unknown(tags):
        return []
    if not isinstance(tags, Mapping):
        return [Failure(field, "must be a map of tag keys to values.")]
    return [Failure(field, f"the tag key {k!r} starts with a prefix Tencent Cloud reserves "
                           f"({', '.join(RESERVED_TAG_PREFIXES)}). Fix: rename the key.")
            for k in tags if isinstance(k, str) and k.lower().startswith(RESERVED_TAG_PREFIXES)]


def _ids(value: object) -> list[object]:
    if value is None or is_unknown(value):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass(frozen=True)
class CvmRules:
    service_label: str = LABEL
    regions: frozenset[str] = REGIONS

    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]:
        failures = collect(
            check_region("region", inputs.get("region"), self.regions, LABEL),
            IMAGE_NAME.check("name", inputs.get("name")),
            check_description("description", inputs.get("description")),
            check_tags("tags", inputs.get("tags")),
        )
        source = inputs.get("source")
        if isinstance(source, Mapping) and not is_unknown(source):
            failures += self._source(source, inputs)
        if inputs.get("clean_personal_data") is True:
            failures.append(Failure("clean_personal_data", "CVM CreateImage has no personal-data cleanup: nothing would be "
                                    "removed. Fix: clean the instance before capture (Sysprep for Windows: sysprep=true) "
                                    "and remove this input."))
        options = inputs.get("options")
        if isinstance(options, Mapping) and not is_unknown(options):
            unknown = sorted(set(options) - OPTIONS)
            if unknown:
                failures.append(Failure("options", f"{LABEL} does not know {', '.join(map(str, unknown))}; "
                                                   f"it accepts {', '.join(sorted(OPTIONS))}."))
        return failures

    def _source(self, source: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Failure]:
        snapshots = [k for k in SNAPSHOT_KEYS if source.get(k)]
        if source.get("desktop"):
            return [Failure("source", f"{LABEL} captures from source.instance or snapshots; desktops are Alibaba "
                                      "Elastic Desktop Service (cloud='alibaba', service='eds').")]
        if source.get("instance") and snapshots:
            return [Failure("source", f"snapshots ({', '.join(snapshots)}) must not be combined with source.instance: "
                                      "CreateImage takes InstanceId or SnapshotIds, never both. Fix: keep one.")]
        if not source.get("instance") and not snapshots:
            return [Failure("source", "give source.instance (ins-...) or snapshots: source.snapshot (the system-disk "
                                      "snapshot, snap-...) with optional source.data_snapshots, or source.snapshots.")]
        failures = collect(
            check_id("source.instance", source.get("instance"), "instance", "ins-xxxxxxxx") if source.get("instance") else None,
            *(check_id(f"source.{k}", v, "snapshot", "snap-xxxxxxxx") for k in SNAPSHOT_KEYS for v in _ids(source.get(k))),
            *(check_id("source.data_disks", v, "disk", "disk-xxxxxxxx") for v in _ids(source.get("data_disks"))),
        )
        scope = inputs.get("scope") or "system"
        with_data = bool(source.get("data_disks") or source.get("data_snapshots"))
        if source.get("data_disks") and not source.get("instance"):
            failures.append(Failure("source.data_disks", "data disks are captured from an instance (DataDiskIds). "
                                                         "Fix: give source.instance, or use source.data_snapshots."))
        if with_data and scope == "system":
            failures.append(Failure("scope", "scope 'system' captures only the system disk, but data disks or data "
                                             "snapshots are listed. Fix: set scope 'system+data' or remove them."))
        if scope == "system+data" and snapshots == ["snapshot"]:
            failures.append(Failure("source.data_snapshots", "scope 'system+data' from snapshots needs the data-disk "
                                                             "snapshots. Fix: list them in source.data_snapshots."))
        for flag, what in (("sysprep", "Sysprep runs in the instance"), ("force_poweroff", "a power-off applies to an instance")):
            if inputs.get(flag) is True and not source.get("instance"):
                failures.append(Failure(flag, f"{what}; it needs source.instance. Fix: remove {flag} for snapshot sources."))
        return failures

    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        source_region = inputs.get("region")
        failures = collect(
            check_region("region", source_region, self.regions, LABEL),
            check_id("image_id", inputs.get("image_id"), "image", "img-xxxxxxxx"),
            IMAGE_NAME.check("name", inputs.get("name")) if inputs.get("name") else None,
            check_description("description", inputs.get("description")),
            check_tags("tags", inputs.get("tags")),
        )
        if inputs.get("encrypted") is True:
            failures.append(Failure("encrypted", "encrypted custom images cannot be synced to other regions "
                                                 "(SyncImages makes an encrypted copy only inside the source region). "
                                                 "Fix: publish an unencrypted image, or keep this one in its region."))
        regions = inputs.get("regions")
        if isinstance(regions, list):
            for i, region in enumerate(regions):
                failures += self._destination(f"regions[{i}]", region, source_region)
        return failures

    def _destination(self, field: str, region: object, source_region: object) -> list[Failure]:
        if is_unknown(region):
            return []
        if not isinstance(region, str):
            return [Failure(field, f"{LABEL} takes region ids such as 'ap-shanghai'; replica settings are Azure-only.")]
        if region == source_region:
            return [Failure(field, f"{region!r} is the source region: SyncImages refuses it. Fix: remove it from regions.")]
        if region in FINANCE_REGIONS:
            return [Failure(field, f"{region!r} is an isolated finance zone: custom images are not synced into it.")]
        return collect(check_region(field, region, PUBLIC_REGIONS, LABEL))

    def validate_import(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """ImportImage (cvm 2017-03-12): a COS URL, OsType/OsVersion, Architecture, BootMode, name and description."""
        failures = collect(
            check_region("region", inputs.get("region"), self.regions, LABEL),
            IMAGE_NAME.check("name", inputs.get("name")),
            check_description("description", inputs.get("description")),
            check_tags("tags", inputs.get("tags")),
        )
        raw_options = inputs.get("options")
        options = raw_options if isinstance(raw_options, Mapping) and not is_unknown(raw_options) else {}
        failures += _object("object", inputs.get("object"), by_url=options.get("image_url") is not None)
        failures += _import_options(options)
        fmt = _given(inputs.get("format"))
        if fmt and fmt not in IMPORT_FORMATS:
            failures.append(Failure("format", f"Tencent Cloud imports {', '.join(IMPORT_FORMATS)} files; {fmt!r} is refused "
                                              "(disk2vhd: untick 'Use Vhdx'). Fix: `qemu-img convert -O qcow2 ...`."))
        architecture = _given(inputs.get("architecture"))
        if architecture and architecture not in mapping.IMPORT_ARCHITECTURES:
            failures.append(Failure("architecture", f"ImportImage takes x86_64, i386 or arm64 (Tencent's arm_64); "
                                                    f"got {architecture!r}."))
        os_fields = (inputs.get("os_type"), inputs.get("platform"), options.get("os_version"))
        known = not is_unknown(raw_options) and not any(is_unknown(v) for v in os_fields)
        if known and all(v is None or isinstance(v, (str, int)) for v in os_fields):
            chosen = mapping.import_os(*(str(v or "") for v in os_fields))
            if chosen.problem:
                failures.append(Failure(chosen.field, chosen.problem))
        boot_mode = _given(inputs.get("boot_mode"))
        if boot_mode:
            if boot_mode not in mapping.IMPORT_BOOT_MODES:
                failures.append(Failure("boot_mode", f"ImportImage takes BIOS (Tencent's 'Legacy BIOS') or UEFI; "
                                                     f"got {boot_mode!r}."))
            elif boot_mode == "UEFI" and inputs.get("os_type") == "windows":
                failures.append(Failure("boot_mode", "Tencent Cloud's Windows import guide does not support a system "
                                                     "that boots through EFI (`bcdedit /enum {current}` shows a path "
                                                     "with efi). Fix: export a BIOS-booting system on an MBR disk, or "
                                                     "open a ticket with Tencent Cloud."))
        return failures


def _given(value: object) -> str:
    """A known, non-empty string input, else "" (unset, unknown during preview, or not a string: checked elsewhere)."""
    return value if isinstance(value, str) and value and not is_unknown(value) else ""


def _object(field: str, value: object, by_url: bool) -> list[Failure]:
    """`by_url`: options.image_url names the file, so object may be absent and its bucket in any form."""
    if is_unknown(value):
        return []
    if value is None:
        return [] if by_url else [Failure(field, f"is required: {OBJECT_SHAPE}.")]
    if not isinstance(value, Mapping):
        return [Failure(field, f"must be a map: {OBJECT_SHAPE}.")]
    bucket, key = value.get("bucket"), value.get("key")
    if is_unknown(bucket) or is_unknown(key):
        return []
    if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
        return [Failure(field, f"needs both bucket and key: {OBJECT_SHAPE}.")]
    failures = []
    if not by_url and (len(bucket) > mapping.COS_BUCKET_MAX or not mapping.COS_BUCKET.match(bucket)):
        failures.append(Failure(f"{field}.bucket", f"{bucket!r} is not a COS bucket name: lower-case letters, digits and "
                                                   f"hyphens ending in -<APPID>, at most {mapping.COS_BUCKET_MAX} characters "
                                                   f"(e.g. golden-1250000000). Rule: {OBJECT_SHAPE}."))
    if key.startswith("/"):
        failures.append(Failure(f"{field}.key", f"{key!r} starts with '/'. Fix: give the object key without it "
                                                f"({key.lstrip('/')!r})."))
    return failures


def _import_options(options: Mapping[str, Any]) -> list[Failure]:
    failures = []
    unknown = sorted(set(map(str, options)) - IMPORT_OPTIONS)
    if unknown:
        failures.append(Failure("options", f"{LABEL} import does not know {', '.join(unknown)}; "
                                           f"it accepts {', '.join(sorted(IMPORT_OPTIONS))}."))
    url = options.get("image_url")
    if url is not None and not is_unknown(url):
        problem = mapping.cos_url_problem(url) if isinstance(url, str) else "must be a string"
        if problem:
            failures.append(Failure("options.image_url", f"{problem} (options.image_url replaces the URL made from object)."))
    license_type = options.get("license_type")
    if license_type is not None and not is_unknown(license_type) and license_type not in mapping.LICENSE_TYPES:
        failures.append(Failure("options.license_type", f"ImportImage takes {' or '.join(mapping.LICENSE_TYPES)} "
                                                        f"(bring your own license); got {license_type!r}."))
    force = options.get("force")
    if force is not None and not is_unknown(force) and not isinstance(force, bool):
        failures.append(Failure("options.force", f"must be true or false (Force: skip Tencent's image checks); got {force!r}."))
    version = options.get("os_version")
    if version is not None and not is_unknown(version) and (isinstance(version, bool) or not isinstance(version, (str, int))):
        failures.append(Failure("options.os_version", f"must be a version such as '7' or '2012'; got {version!r}."))
    return failures


RULES = CvmRules()
