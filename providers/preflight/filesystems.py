"""File-system and volume signatures at the start of a partition (what blkid would call them)."""
from __future__ import annotations

from collections.abc import Callable

Read = Callable[[int, int], bytes]

# Found on a partition but not a file system a cloud can mount to check or inject drivers.
VOLUME_CONTAINERS = {"swap": "Linux swap", "lvm2": "LVM2 physical volume", "luks": "LUKS-encrypted volume",
                     "bitlocker": "BitLocker-encrypted volume"}
ENCRYPTED_VOLUMES = ("luks", "bitlocker")

_EXT3_INCOMPAT = 0x0002 | 0x0004 | 0x0010  # filetype, recover, meta_bg
_EXT3_RO_COMPAT = 0x0001 | 0x0002 | 0x0004  # sparse_super, large_file, btree_dir
_HAS_JOURNAL = 0x0004


def detect(read: Read) -> str | None:
    """Name of the file system or volume at offset 0 of `read`, or None if nothing is recognized."""
    head = read(0, 4096)
    if len(head) < 512:
        return None
    found = _boot_sector(head) or _superblocks(head)
    if found is None and read(65536 + 64, 8) == b"_BHRfS_M":
        return "btrfs"
    return found


def _boot_sector(head: bytes) -> str | None:
    oem = head[3:11]
    if oem == b"NTFS    ":
        return "ntfs"
    if oem == b"EXFAT   ":
        return "exfat"
    if oem == b"-FVE-FS-":
        return "bitlocker"
    if oem[:4] == b"ReFS":
        return "refs"
    if head[510:512] == b"\x55\xaa" and head[0] in (0xEB, 0xE9):
        bytes_per_sector = int.from_bytes(head[11:13], "little")
        if bytes_per_sector in (512, 1024, 2048, 4096):
            if head[82:90] == b"FAT32   ":
                return "fat32"
            if head[54:59] in (b"FAT12", b"FAT16"):
                return head[54:59].decode().lower()
            if head[54:57] == b"FAT":
                return "fat16"
    return None


def _superblocks(head: bytes) -> str | None:
    if head[:4] == b"XFSB":
        return "xfs"
    if head[:6] == b"LUKS\xba\xbe":
        return "luks"
    if head[512:520] == b"LABELONE" and head[536:544] == b"LVM2 001":
        return "lvm2"
    if len(head) >= 2048 and head[1024 + 56:1024 + 58] == b"\x53\xef":
        sb = head[1024:2048]
        compat = int.from_bytes(sb[92:96], "little")
        incompat = int.from_bytes(sb[96:100], "little")
        ro_compat = int.from_bytes(sb[100:104], "little")
        if incompat & ~_EXT3_INCOMPAT or ro_compat & ~_EXT3_RO_COMPAT:
            return "ext4"
        return "ext3" if compat & _HAS_JOURNAL else "ext2"
    if len(head) >= 4096 and head[4086:4096] in (b"SWAPSPACE2", b"SWAP-SPACE"):
        return "swap"
    return None


def is_filesystem(name: str | None) -> bool:
    return name is not None and name not in VOLUME_CONTAINERS
