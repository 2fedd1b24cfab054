"""Plain result types of the disk-image preflight: what a file is, and what a cloud thinks of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMATS = ("raw", "qcow2", "vhd", "vhdx", "vmdk")
PARTITION_TABLES = ("mbr", "gpt", "none", "unknown")
BOOT_MODES = ("bios", "uefi", "unknown")
SEVERITIES = ("error", "warning", "info")
VERDICTS = ("ok", "warning", "error")

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


class InspectError(Exception):
    """The file cannot be read as a disk image; the message says what is wrong and where."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True)
class Partition:
    """One guest partition; offsets and sizes in bytes, `type` as the table stores it."""

    index: int
    start: int
    size: int
    type: str
    type_name: str
    bootable: bool = False
    name: str = ""
    filesystem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start": self.start,
            "size": self.size,
            "type": self.type,
            "type_name": self.type_name,
            "bootable": self.bootable,
            "name": self.name,
            "filesystem": self.filesystem,
        }


@dataclass(frozen=True)
class Finding:
    """Something wrong or notable in the file itself, true whatever the cloud."""

    severity: str
    code: str
    message: str
    fix: str = ""


@dataclass(frozen=True)
class DiskImage:
    """Everything the preflight learned from a file's headers and first guest sectors."""

    path: str
    format: str
    virtual_size: int
    file_size: int
    subformat: str | None = None
    format_version: int | None = None
    encrypted: bool = False
    encryption: str | None = None
    backing_file: str | None = None
    external_files: tuple[str, ...] = ()
    partition_table: str = "unknown"
    partitions: tuple[Partition, ...] = ()
    boot_mode: str = "unknown"
    boot_modes: tuple[str, ...] = ()
    boot_partition: int | None = None
    findings: tuple[Finding, ...] = ()
    bytes_read: int = 0

    @property
    def vhd_type(self) -> str | None:
        """`fixed`, `dynamic` or `differencing` for a VHD, else None."""
        return self.subformat if self.format == "vhd" else None

    @property
    def boot_filesystem(self) -> str | None:
        """File system found on the boot partition (None when unrecognized or no partition)."""
        for part in self.partitions:
            if part.index == self.boot_partition:
                return part.filesystem
        return None

    @property
    def self_contained(self) -> bool:
        """True when this one file holds the whole disk (no backing file, no extent or data files)."""
        return self.backing_file is None and not self.external_files

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "subformat": self.subformat,
            "format_version": self.format_version,
            "virtual_size": self.virtual_size,
            "file_size": self.file_size,
            "encrypted": self.encrypted,
            "encryption": self.encryption,
            "backing_file": self.backing_file,
            "external_files": list(self.external_files),
            "partition_table": self.partition_table,
            "partitions": [p.to_dict() for p in self.partitions],
            "boot_mode": self.boot_mode,
            "boot_modes": list(self.boot_modes),
            "boot_partition": self.boot_partition,
            "boot_filesystem": self.boot_filesystem,
            "findings": [
                {"severity": f.severity, "code": f.code, "message": f.message, "fix": f.fix}
                for f in self.findings
            ],
            "bytes_read": self.bytes_read,
        }


@dataclass(frozen=True)
class Issue:
    """One rule's objection for one cloud: what is wrong and the command or step that fixes it."""

    cloud: str
    severity: str
    rule: str
    message: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "cloud": self.cloud,
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "fix": self.fix,
        }


def verdict(issues: list[Issue] | tuple[Issue, ...]) -> str:
    """`error` if any issue is an error, `warning` if any is a warning, else `ok` (info never counts)."""
    severities = {issue.severity for issue in issues}
    if "error" in severities:
        return "error"
    if "warning" in severities:
        return "warning"
    return "ok"


@dataclass(frozen=True)
class GuestLayout:
    """What partitions.py found inside the guest disk."""

    table: str
    partitions: tuple[Partition, ...] = ()
    boot_modes: tuple[str, ...] = ()
    boot_partition: int | None = None
    findings: tuple[Finding, ...] = field(default_factory=tuple)
