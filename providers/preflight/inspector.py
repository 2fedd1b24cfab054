"""`inspect(path)`: open the container, read the guest's first sectors through it, return a DiskImage."""
from __future__ import annotations

import os

from . import partitions
from .container import Container, GuestUnreadable
from .detect import open_image
from .model import DiskImage, Finding, GuestLayout
from .reader import DEFAULT_BUDGET, ReadStats


def inspect(path: str | os.PathLike[str], *, budget: int = DEFAULT_BUDGET) -> DiskImage:
    """Inspect a disk image file from its headers and a few guest sectors; never reads the whole file.

    Raises InspectError (with a message saying what is wrong) when the file is not a readable disk image.
    """
    stats = ReadStats(budget=budget)
    container = open_image(path, stats)
    try:
        layout = _layout(container)
    finally:
        container.close()
    modes = layout.boot_modes
    return DiskImage(
        path=os.fspath(path),
        format=container.format,
        virtual_size=container.virtual_size,
        file_size=container.file_size,
        subformat=container.subformat,
        format_version=container.format_version,
        encrypted=container.encrypted,
        encryption=container.encryption,
        backing_file=container.backing_file,
        external_files=tuple(container.external_files),
        partition_table=layout.table,
        partitions=layout.partitions,
        boot_mode="bios" if "bios" in modes else ("uefi" if "uefi" in modes else "unknown"),
        boot_modes=modes,
        boot_partition=layout.boot_partition,
        findings=tuple(container.findings) + layout.findings,
        bytes_read=stats.bytes_read,
    )


def _layout(container: Container) -> GuestLayout:
    try:
        return partitions.read_layout(container.read, container.virtual_size)
    except GuestUnreadable as exc:
        return GuestLayout("unknown", findings=(Finding(
            "warning", "guest_unreadable", f"the partition table cannot be checked: {exc}"),))
