"""Tencent CVM rules `check` enforces before any call (from the cvm 2017-03-12 SDK's parameter docs)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.validation import BaseRules, Failure, NameRule, check_region, collect, is_unknown, script_failures
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
# Tag API limits (https://www.tencentcloud.com/document/product/651/13354): keys 1-127 characters, values 1-255,
# 50 tags per resource; imageforge sets up to two of its own (imageforge-key, imageforge-owns-snapshots).
TAG_KEY_MAX, TAG_VALUE_MAX, TAGS_MAX = 127, 255, 48
IDS = {"instance": re.compile(r"^ins-[a-z0-9]{8}$"), "snapshot": re.compile(r"^snap-[a-z0-9]{8}$"),
       "disk": re.compile(r"^disk-[a-z0-9]{8}$"), "image": re.compile(r"^img-[a-z0-9]{8}$")}
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
    if tags is None or is_unknown(tags) or not isinstance(tags, Mapping):
        return []  # a wrong type is refused by the declarations
    out = []
    if len(tags) > TAGS_MAX:
        out.append(Failure(field, f"{len(tags)} tags: a CVM image takes 50, two of them imageforge's, so at most "
                                  f"{TAGS_MAX}. Fix: drop some."))
    for key, value in tags.items():
        if not isinstance(key, str) or is_unknown(key) or is_unknown(value):
            continue
        if key.lower().startswith(RESERVED_TAG_PREFIXES):
            out.append(Failure(field, f"the tag key {key!r} starts with a prefix Tencent Cloud reserves "
                                      f"({', '.join(RESERVED_TAG_PREFIXES)}). Fix: rename the key."))
        elif len(key) > TAG_KEY_MAX:
            out.append(Failure(field, f"the tag key {key[:20]!r}... is {len(key)} characters; Tencent Cloud takes at "
                                      f"most {TAG_KEY_MAX}. Fix: shorten it."))
        elif isinstance(value, str) and not 1 <= len(value) <= TAG_VALUE_MAX:
            out.append(Failure(f"{field}.{key}", f"a Tencent Cloud tag value is 1 to {TAG_VALUE_MAX} characters (got "
                                                 f"{len(value)}). Fix: " + ("give a value." if not value else "shorten it.")))
    return out


def _ids(value: object) -> list[object]:
    if value is None or is_unknown(value):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass(frozen=True)
class CvmRules(BaseRules):
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
        return failures

    def _source(self, source: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Failure]:
        snapshots = [k for k in SNAPSHOT_KEYS if source.get(k)]
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
        if inputs.get("sysprep") is True and source.get("os_state") == "Generalized":
            failures.append(Failure("sysprep", "source.os_state says the instance is Generalized: Sysprep already ran in "
                                               "its guest (GeneralizedVM read IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE), "
                                               "and CreateImage's Sysprep would run it again. Fix: remove sysprep."))
        return failures

    def validate_generalize(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """GeneralizedVM: an instance id, and finalize scripts TAT's RunCommand can take (64 KB Base64)."""
        from . import guest

        failures = collect(check_region("region", inputs.get("region"), self.regions, LABEL),
                           check_id("vm", inputs.get("vm"), "instance", "ins-xxxxxxxx"))
        failures += script_failures(inputs.get("finalize_scripts"), guest.SCRIPT_LIMIT)
        return failures

    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """SyncImages: public destination regions other than the source's; an encrypted copy only in the source's."""
        source_region = inputs.get("region")
        encrypted = inputs.get("encrypted") is True
        failures = collect(
            check_region("region", source_region, self.regions, LABEL),
            check_id("image_id", inputs.get("image_id"), "image", "img-xxxxxxxx"),
            IMAGE_NAME.check("name", inputs.get("name")) if inputs.get("name") else None,
            check_description("description", inputs.get("description")),
            check_tags("tags", inputs.get("tags")),
        )
        regions = inputs.get("regions")
        if isinstance(regions, list):
            for i, region in enumerate(regions):
                failures += self._destination(f"regions[{i}]", region, source_region, encrypted)
        if encrypted and not inputs.get("name"):
            failures.append(Failure("name", "an encrypted copy is made in the source image's own region, where image "
                                            "names are unique (SyncImages would reuse the source's name). Fix: give the "
                                            "copy a name."))
        options = inputs.get("options")
        kms = options.get("kms_key_id") if isinstance(options, Mapping) else None
        if kms is not None and not is_unknown(kms) and not encrypted:
            failures.append(Failure("options.kms_key_id", "SyncImages uses KmsKeyId only for an encrypted copy. Fix: "
                                                          "set encrypted=true, or remove options.kms_key_id."))
        return failures

    def _destination(self, field: str, entry: object, source_region: object, encrypted: bool) -> list[Failure]:
        region = entry.get("region") if isinstance(entry, Mapping) else entry
        if is_unknown(region) or is_unknown(source_region) or not isinstance(region, str):
            return []
        if encrypted and region != source_region:
            return [Failure(field, f"SyncImages makes an encrypted copy only in the image's own region "
                                   f"({source_region}); {region!r} would get none. Fix: list only {source_region!r} "
                                   "here, and publish unencrypted copies to other regions with another ImageRegionSet.")]
        if region == source_region and not encrypted:
            return [Failure(field, f"{region!r} is the source region: SyncImages refuses it for an unencrypted copy. "
                                   "Fix: remove it from regions (or set encrypted=true for an encrypted copy there).")]
        if region in FINANCE_REGIONS and region != source_region:
            return [Failure(field, f"{region!r} is an isolated finance zone: custom images are not synced into it.")]
        return collect(check_region(field, region, self.regions if encrypted else PUBLIC_REGIONS, LABEL))

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
            elif boot_mode == "UEFI" and inputs.get("os_type") == "windows" and not _read_from_file(inputs, boot_mode):
                failures.append(Failure("boot_mode", "Tencent Cloud's Windows import guide does not support a system "
                                                     "that boots through EFI (`bcdedit /enum {current}` shows a path "
                                                     "with efi). Fix: export a BIOS-booting system on an MBR disk, or "
                                                     "open a ticket with Tencent Cloud."))
        return failures


def _read_from_file(inputs: Mapping[str, Any], boot_mode: str) -> bool:
    """The boot mode came from the file's inspection, whose own rules (tencent.uefi) already refuse it on `file`."""
    inspection = inputs.get("inspection")
    return isinstance(inspection, Mapping) and str(inspection.get("boot_mode") or "").upper() == boot_mode


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
    """The option values' meaning (their types are checked by the declarations)."""
    url = options.get("image_url")
    if isinstance(url, str) and not is_unknown(url):
        problem = mapping.cos_url_problem(url)
        if problem:
            return [Failure("options.image_url", f"{problem} (options.image_url replaces the URL made from object).")]
    return []


RULES = CvmRules()
