"""The rule engine: declarative rules (id, severity, predicate, message and fix templates) evaluated per cloud."""
from __future__ import annotations

import math
import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .filesystems import ENCRYPTED_VOLUMES, VOLUME_CONTAINERS
from .model import DiskImage, GiB, Issue, MiB, verdict

# Our format names -> qemu-img's driver names (qemu calls VHD "vpc").
QEMU_FORMAT = {"raw": "raw", "qcow2": "qcow2", "vhd": "vpc", "vhdx": "vhdx", "vmdk": "vmdk"}
EXTENSION = {"raw": "raw", "qcow2": "qcow2", "vpc": "vhd", "vhdx": "vhdx", "vmdk": "vmdk"}


@dataclass(frozen=True)
class Options:
    """Import choices that change the rules (Huawei's quick import, an Arm guest)."""

    quick_import: bool = False
    arm: bool = False  # Arm guests boot through UEFI by design


Predicate = Callable[[DiskImage, Options], bool]


@dataclass(frozen=True)
class Rule:
    """One requirement: when `when` holds, the image gets an issue with this id and severity.

    `message` and `fix` are templates filled from `context(image)` (path, fmt, gib, commands...).
    A cloud rule may `replace` common rules it states more precisely for that cloud.
    """

    id: str
    severity: str
    when: Predicate
    message: str
    fix: str = ""
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """Every rule one cloud applies, with the options it was asked for."""

    cloud: str
    rules: tuple[Rule, ...]
    options: Options = field(default_factory=Options)
    params: Callable[[DiskImage, Options], dict[str, Any]] | None = None

    def evaluate(self, image: DiskImage) -> list[Issue]:
        """Issues this cloud raises against `image`: inspector findings first, then the rules in order."""
        issues = [Issue(self.cloud, f.severity, f"image.{f.code}", f.message, f.fix) for f in image.findings]
        ctx = context(image, self.options)
        for rule in self.rules:
            if rule.when(image, self.options):
                issues.append(Issue(self.cloud, rule.severity, rule.id, rule.message.format_map(ctx),
                                    rule.fix.format_map(ctx)))
        return issues

    def verdict(self, image: DiskImage) -> str:
        return verdict(self.evaluate(image))

    def import_params(self, image: DiskImage) -> dict[str, Any]:
        """Values the cloud's import call should carry for this image (format, boot mode, disk size)."""
        return self.params(image, self.options) if self.params is not None else {}


def combine(common: tuple[Rule, ...], own: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """Common rules (minus those a cloud rule replaces) followed by the cloud's own."""
    replaced = {rid for rule in own for rid in rule.replaces}
    return tuple(rule for rule in common if rule.id not in replaced) + own


# -- templates' context ---------------------------------------------------------------------------

def gib(size: int) -> int:
    """Whole GiB needed to hold `size` bytes."""
    return max(1, math.ceil(size / GiB))


def output_name(image: DiskImage, qemu_format: str) -> str:
    stem = os.path.splitext(os.path.basename(image.path))[0] or "disk"
    suffix = "-fixed" if qemu_format == "vpc" else ""
    name = f"{stem}{suffix}.{EXTENSION[qemu_format]}"
    if name == os.path.basename(image.path):
        name = f"{stem}-converted.{EXTENSION[qemu_format]}"
    return shlex.quote(name)


def convert(image: DiskImage, qemu_format: str, options: str = "") -> str:
    """The exact `qemu-img convert` command producing `qemu_format` from this image."""
    opts = f" -o {options}" if options else ""
    return (f"qemu-img convert -p -f {QEMU_FORMAT[image.format]} -O {qemu_format}{opts} "
            f"{shlex.quote(image.path)} {output_name(image, qemu_format)}")


def azure_vhd(image: DiskImage) -> str:
    """Fixed VHD with the size rounded up to a whole MiB, as Azure requires."""
    fixed = "subformat=fixed,force_size=on"
    if image.virtual_size % MiB == 0:
        return convert(image, "vpc", fixed)
    rounded = -(-image.virtual_size // MiB) * MiB
    raw = shlex.quote(os.path.splitext(os.path.basename(image.path))[0] + "-resize.raw")
    return (f"qemu-img convert -p -f {QEMU_FORMAT[image.format]} -O raw {shlex.quote(image.path)} {raw} && "
            f"qemu-img resize -f raw {raw} {rounded} && "
            f"qemu-img convert -p -f raw -O vpc -o {fixed} {raw} {output_name(image, 'vpc')}")


def decrypt(image: DiskImage) -> str:
    driver = "qcow2" if image.format == "qcow2" else "luks"
    secret = "encrypt.key-secret" if driver == "qcow2" else "key-secret"
    out = output_name(image, "qcow2" if driver == "qcow2" else "raw")
    return (f"qemu-img convert -p --object secret,id=sec0,file=PASSPHRASE_FILE --image-opts "
            f"driver={driver},{secret}=sec0,file.filename={shlex.quote(image.path)} "
            f"-O {'qcow2' if driver == 'qcow2' else 'raw'} {out}")


def flatten(image: DiskImage) -> str:
    target = "vmdk" if image.format == "vmdk" else QEMU_FORMAT[image.format]
    return convert(image, target, "subformat=streamOptimized" if target == "vmdk" else "")


def boot_partition_text(image: DiskImage) -> str:
    for part in image.partitions:
        if part.index == image.boot_partition:
            return f"{part.index} ({part.type_name})"
    return "(none)"


def context(image: DiskImage, options: Options) -> Mapping[str, Any]:
    """Everything a message or fix template may name."""
    encrypted_parts = [p for p in image.partitions if p.filesystem in ENCRYPTED_VOLUMES]
    return {
        "path": image.path,
        "fmt": image.format,
        "partition_table": image.partition_table,
        "subformat": image.subformat or "",
        "file_gib": f"{image.file_size / GiB:.1f}",
        "virtual_gib": f"{image.virtual_size / GiB:.1f}",
        "virtual_size": image.virtual_size,
        "min_gib": max(40, gib(image.virtual_size)),
        "encryption": image.encryption or "unknown",
        "backing": image.backing_file or "",
        "external": ", ".join(image.external_files),
        "boot_mode_upper": image.boot_mode.upper(),
        "boot_modes": " and ".join(m.upper() for m in image.boot_modes) or "unknown",
        "boot_part": boot_partition_text(image),
        "encrypted_parts": ", ".join(f"{p.index} ({VOLUME_CONTAINERS[p.filesystem or '']})"
                                     for p in encrypted_parts),
        "to_qcow2": convert(image, "qcow2"),
        "to_raw": convert(image, "raw"),
        "to_fixed_vhd": azure_vhd(image),
        "decrypt": decrypt(image),
        "flatten": flatten(image),
        "nbd_check": f"qemu-nbd -r -c /dev/nbd0 {shlex.quote(image.path)} && mount -o ro /dev/nbd0p"
                     f"{image.boot_partition or 1} /mnt",
    }


# -- predicates shared by several clouds ----------------------------------------------------------

def has_table(image: DiskImage, _: Options) -> bool:
    return image.partition_table in ("mbr", "gpt")


def uefi_only(image: DiskImage, _: Options) -> bool:
    return image.boot_modes == ("uefi",)


def boot_unknown(image: DiskImage, _: Options) -> bool:
    return image.boot_mode == "unknown" and bool(image.partitions)


def boot_known(image: DiskImage, _: Options) -> bool:
    return image.boot_mode != "unknown"


def format_not_in(*formats: str) -> Predicate:
    return lambda image, _: image.format not in formats


def unrecognized_boot_fs(image: DiskImage, _: Options) -> bool:
    return image.boot_partition is not None and image.boot_filesystem is None


COMMON: tuple[Rule, ...] = (
    Rule("common.encrypted", "error", lambda i, _: i.encrypted,
         "the image is encrypted ({encryption}): no cloud can read an encrypted image file",
         "decrypt it: {decrypt}"),
    Rule("common.backing_file", "error", lambda i, _: i.backing_file is not None,
         "the image has a backing file ({backing}): it is not self-contained",
         "flatten the chain into one file: {flatten}"),
    Rule("common.external_files", "error", lambda i, _: bool(i.external_files),
         "the disk's data is in other files ({external}): clouds import one self-contained file",
         "write one file: {flatten}"),
    Rule("common.no_partition_table", "error", lambda i, _: i.partition_table == "none",
         "no partition table: this is a bare file system or an empty disk, not a bootable system disk",
         "export the whole system disk (every partition and the table), not one volume"),
    Rule("common.boot_filesystem", "warning", unrecognized_boot_fs,
         "the boot partition {boot_part} holds no recognizable file system (NTFS, ext2/3/4, XFS, FAT): "
         "it may be damaged",
         "check it before uploading: {nbd_check}"),
    Rule("common.volume_encryption", "warning",
         lambda i, _: any(p.filesystem in ENCRYPTED_VOLUMES for p in i.partitions),
         "partition {encrypted_parts} is encrypted inside the guest: the cloud cannot inject drivers or "
         "reset passwords, and the guest may not boot without its key",
         "decrypt the volume in the guest before export (Windows: `manage-bde -off C:`)"),
)
