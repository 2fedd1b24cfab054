"""Pure-Python writers for the hand-built corner cases: partition tables, VHD variants, file-system signatures."""
from __future__ import annotations

import binascii
import os
import struct
import uuid

SECTOR = 512
MiB = 1 << 20

ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
BIOS_BOOT = "21686148-6449-6E6F-744E-656564454649"
LINUX = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
MS_DATA = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"


def write_at(path: str | os.PathLike[str], offset: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def sparse(path: str | os.PathLike[str], size: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size)


# -- partition tables -----------------------------------------------------------------------------

def mbr(entries: list[tuple[int, int, int, bool]], boot_code: bytes = b"") -> bytes:
    """A 512-byte MBR; entries are (type, start LBA, sectors, active)."""
    sector = bytearray(SECTOR)
    sector[:len(boot_code)] = boot_code
    for i, (kind, start, count, active) in enumerate(entries):
        sector[446 + 16 * i:462 + 16 * i] = struct.pack("<B3sB3sII", 0x80 if active else 0, b"\xfe\xff\xff",
                                                        kind, b"\xfe\xff\xff", start, count)
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


def gpt_partition_entry(kind: str, first: int, last: int, attrs: int = 0, name: str = "") -> bytes:
    return (uuid.UUID(kind).bytes_le + uuid.uuid4().bytes_le + struct.pack("<QQQ", first, last, attrs)
            + name.encode("utf-16-le").ljust(72, b"\0"))


def gpt_header(lba: int, backup: int, first: int, last: int, entries_lba: int, entries: bytes,
               count: int = 128) -> bytes:
    head = bytearray(struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 0, lba, backup, first, last,
                                 uuid.uuid4().bytes_le, entries_lba, count, 128, binascii.crc32(entries)))
    head[16:20] = struct.pack("<I", binascii.crc32(bytes(head)))
    return bytes(head)


def write_gpt(path: str | os.PathLike[str], disk_size: int,
              parts: list[tuple[str, int, int, int, str]], sector: int = SECTOR,
              protective: bool = True, backup: bool = True) -> None:
    """Protective MBR, primary and backup GPT; parts are (type GUID, first LBA, last LBA, attrs, name)."""
    lbas = disk_size // sector
    table = b"".join(gpt_partition_entry(*p) for p in parts).ljust(128 * 128, b"\0")
    entry_lbas = len(table) // sector
    first, last = 2 + entry_lbas, lbas - 2 - entry_lbas
    if protective:
        write_at(path, 0, mbr([(0xEE, 1, min(lbas - 1, 0xFFFFFFFF), False)]))
    write_at(path, sector, gpt_header(1, lbas - 1, first, last, 2, table).ljust(sector, b"\0"))
    write_at(path, 2 * sector, table)
    if backup:
        write_at(path, (lbas - 1 - entry_lbas) * sector, table)
        write_at(path, (lbas - 1) * sector,
                 gpt_header(lbas - 1, 1, first, last, lbas - 1 - entry_lbas, table).ljust(sector, b"\0"))


# -- file-system signatures -----------------------------------------------------------------------

def ntfs_boot() -> bytes:
    boot = bytearray(SECTOR)
    boot[0:3] = b"\xeb\x52\x90"
    boot[3:11] = b"NTFS    "
    boot[11:13] = struct.pack("<H", 512)
    boot[510:512] = b"\x55\xaa"
    return bytes(boot)


def fat32_boot() -> bytes:
    boot = bytearray(SECTOR)
    boot[0:3] = b"\xeb\x58\x90"
    boot[3:11] = b"MSDOS5.0"
    boot[11:13] = struct.pack("<H", 512)
    boot[82:90] = b"FAT32   "
    boot[510:512] = b"\x55\xaa"
    return bytes(boot)


def xfs_superblock() -> bytes:
    return b"XFSB" + struct.pack(">I", 4096) + bytes(504)


def ext4_superblock() -> bytes:
    """1024 bytes of padding plus a superblock with the ext magic and the `extents` incompat feature."""
    sb = bytearray(1024)
    sb[56:58] = b"\x53\xef"
    sb[92:96] = struct.pack("<I", 0x4)       # has_journal
    sb[96:100] = struct.pack("<I", 0x40 | 0x2)  # extents, filetype
    return bytes(1024) + bytes(sb)


def bitlocker_boot() -> bytes:
    boot = bytearray(SECTOR)
    boot[0:3] = b"\xeb\x58\x90"
    boot[3:11] = b"-FVE-FS-"
    boot[510:512] = b"\x55\xaa"
    return bytes(boot)


# -- VHD ------------------------------------------------------------------------------------------

def vhd_checksum(block: bytes, field: int) -> int:
    return ~(sum(block) - sum(block[field:field + 4])) & 0xFFFF_FFFF


def vhd_footer(size: int, disk_type: int, data_offset: int, creator: bytes = b"win ",
               good_checksum: bool = True) -> bytes:
    cyls, heads, secs = 65535, 16, 255  # "maximum geometry": readers use current_size
    footer = bytearray(struct.pack(">8sIIQI4sI4sQQHBBII16sB", b"conectix", 2, 0x10000, data_offset, 0, creator,
                                   0x000A0000, b"Wi2k", size, size, cyls, heads, secs, disk_type, 0,
                                   uuid.uuid4().bytes, 0).ljust(SECTOR, b"\0"))
    checksum = vhd_checksum(bytes(footer), 64) if good_checksum else 0x1234
    footer[64:68] = struct.pack(">I", checksum)
    return bytes(footer)


def fixed_vhd(path: str | os.PathLike[str], disk: bytes, size: int) -> None:
    """Raw data of `size` bytes (starting with `disk`) followed by a fixed-disk footer."""
    sparse(path, size + SECTOR)
    write_at(path, 0, disk)
    write_at(path, size, vhd_footer(size, 2, 0xFFFF_FFFF_FFFF_FFFF))


def dynamic_vhd(path: str | os.PathLike[str], size: int, blocks: dict[int, bytes], block_size: int = 2 * MiB,
                parent: str | None = None, sectors_present: dict[int, set[int]] | None = None,
                trailing_footer: bool = True) -> None:
    """A dynamic (or, with `parent`, differencing) VHD whose block N starts with blocks[N]."""
    entries = -(-size // block_size)
    bat_offset = 1536
    bat_bytes = -(-(entries * 4) // SECTOR) * SECTOR
    bitmap = -(-(block_size // SECTOR // 8) // SECTOR) * SECTOR
    data_start = bat_offset + bat_bytes + (SECTOR if parent else 0)
    footer = vhd_footer(size, 4 if parent else 3, 512)
    header = bytearray(1024)
    header[:40] = struct.pack(">8sQQIIII", b"cxsparse", 0xFFFF_FFFF_FFFF_FFFF, bat_offset, 0x10000, entries,
                              block_size, 0)
    bat = [0xFFFF_FFFF] * entries
    body = bytearray()
    cursor = data_start
    for index in sorted(blocks):
        bat[index] = cursor // SECTOR
        bits = bytearray(bitmap)
        present = (sectors_present or {}).get(index)
        for s in range(block_size // SECTOR):
            if present is None or s in present:
                bits[s // 8] |= 0x80 >> (s % 8)
        body += bits + blocks[index].ljust(block_size, b"\0")
        cursor += bitmap + block_size
    locator = b""
    if parent:
        header[64:576] = parent.encode("utf-16-be").ljust(512, b"\0")
        locator = (".\\" + parent).encode("utf-16-le")
        header[576:600] = struct.pack(">4sIIIQ", b"W2ru", SECTOR, len(locator), 0, bat_offset + bat_bytes)
    header[36:40] = struct.pack(">I", vhd_checksum(bytes(header), 36))
    with open(path, "wb") as f:
        f.write(footer + bytes(header))
        f.write(b"".join(struct.pack(">I", e) for e in bat).ljust(bat_bytes, b"\xff"))
        if parent:
            f.write(locator.ljust(SECTOR, b"\0"))
        f.write(bytes(body))
        if trailing_footer:
            f.write(footer)
