"""Recognize a disk image by its content (never its name) and open it with the right format module."""
from __future__ import annotations

import os

from . import filesystems, qcow2, vhd, vhdx, vmdk
from .container import Container, Opener, RawContainer
from .model import InspectError
from .reader import FileReader, ReadStats

MAX_CHAIN = 16

# Files people upload by mistake, recognized so the message can say what to do instead.
NOT_DISK_IMAGES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x1f\x8b", "a gzip-compressed file: decompress it first (`gunzip`)"),
    (0, b"\xfd7zXZ\x00", "an xz-compressed file: decompress it first (`unxz`)"),
    (0, b"BZh", "a bzip2-compressed file: decompress it first (`bunzip2`)"),
    (0, b"\x28\xb5\x2f\xfd", "a zstd-compressed file: decompress it first (`unzstd`)"),
    (0, b"PK\x03\x04", "a zip archive: extract the disk image from it first"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: extract the disk image from it first"),
    (257, b"ustar", "a tar archive (an OVA is one): extract the .vmdk from it first (`tar xf`)"),
    (0, b"QED\x00", "a QED image: convert it with `qemu-img convert -f qed -O qcow2 IN OUT.qcow2`"),
    (64, b"\x7f\x10\xda\xbe",
     "a VirtualBox VDI image: convert it with `qemu-img convert -f vdi -O qcow2 IN OUT.qcow2`"),
    (0, b"WithoutFreeSpace",
     "a Parallels image: convert it with `qemu-img convert -f parallels -O qcow2 IN OUT.qcow2`"),
    (32769, b"CD001",
     "an ISO 9660 CD/DVD image, not a disk image: install from it into a VM and export that disk"),
)


def open_image(path: str | os.PathLike[str], stats: ReadStats | None = None, depth: int = 0) -> Container:
    """Open `path` as whichever supported format its bytes say it is; InspectError if none."""
    if depth > MAX_CHAIN:
        raise InspectError(f"backing chain deeper than {MAX_CHAIN} files (a loop?)", os.fspath(path))
    stats = stats if stats is not None else ReadStats()
    reader = FileReader(os.fspath(path), stats)
    try:
        return _open(reader, lambda parent: open_image(parent, stats, depth + 1))
    except BaseException:
        reader.close()
        raise


def _open(reader: FileReader, opener: Opener) -> Container:
    if reader.size == 0:
        raise InspectError("not a disk image: the file is empty (0 bytes)", reader.path)
    head = reader.read(0, 4096)
    if qcow2.probe(head):
        return qcow2.Qcow2(reader, opener)
    if vhdx.probe(head):
        return vhdx.Vhdx(reader, opener)
    if vmdk.probe(head):
        return vmdk.VmdkSparse(reader, opener)
    if vhd.probe(head):
        return vhd.Vhd(reader, opener, footer_at_start=True)
    if reader.size <= vmdk.DESCRIPTOR_MAX and vmdk.probe_descriptor(head + reader.read(4096, vmdk.DESCRIPTOR_MAX)):
        return vmdk.VmdkDescriptor(reader, opener)
    if vhd.probe_tail(reader):
        return vhd.Vhd(reader, opener, footer_at_start=False)
    for offset, magic, what in NOT_DISK_IMAGES:
        sample = head[offset:offset + len(magic)] if offset + len(magic) <= len(head) else \
            reader.read(offset, len(magic))
        if sample == magic:
            raise InspectError(f"not a disk image: {what}", reader.path)
    if head[:6] == b"LUKS\xba\xbe":
        return _luks(reader)
    return _raw(reader, head)


def _luks(reader: FileReader) -> Container:
    """A LUKS container used as a disk: raw to an uploader, encrypted to the guest."""
    container = RawContainer(reader)
    container.subformat = "luks"
    container.encrypted = True
    container.encryption = "luks"
    container.unreadable = "the whole file is a LUKS-encrypted volume"
    return container


def _raw(reader: FileReader, head: bytes) -> Container:
    """Raw only when something says disk: a partition table, a file system, or a blank first sector."""
    if reader.size % 512:
        raise InspectError(f"not a disk image: no qcow2, VHD, VHDX or VMDK header, and {reader.size} bytes is "
                           "not a whole number of 512-byte sectors", reader.path)
    sector0 = head[:512]
    looks_like_disk = (
        sector0[510:512] == b"\x55\xaa"
        or head[512:520] == b"EFI PART"
        or reader.read(4096, 8) == b"EFI PART"
        or not any(sector0)
        or filesystems.detect(reader.read) is not None
    )
    if not looks_like_disk:
        raise InspectError("not a disk image: no qcow2, VHD, VHDX or VMDK header, no partition table and "
                           "no file system at the start of the file", reader.path)
    return RawContainer(reader)
