"""The guest's partition table (MBR with logical partitions, or GPT with its CRCs) and the boot mode it implies."""
from __future__ import annotations

import binascii
import struct
import uuid
from collections.abc import Callable

from . import filesystems
from .model import Finding, GuestLayout, Partition

Read = Callable[[int, int], bytes]

ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
BIOS_BOOT = "21686148-6449-6E6F-744E-656564454649"
MSR = "E3C9E316-0B5C-4DB8-817D-F92DF00215AE"
GPT_TYPES = {
    ESP: "EFI System",
    BIOS_BOOT: "BIOS boot",
    MSR: "Microsoft reserved",
    "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7": "Microsoft basic data",
    "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC": "Windows recovery",
    "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3": "Windows LDM metadata",
    "AF9B60A0-1431-4F62-BC68-3311714A69AD": "Windows LDM data",
    "0FC63DAF-8483-4772-8E79-3D69D8477DE4": "Linux filesystem",
    "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709": "Linux root (x86-64)",
    "B921B045-1DF0-41C3-AF44-4C6F280D3FAE": "Linux root (ARM64)",
    "BC13C2FF-59E6-4262-A352-B275FD6F7172": "Linux extended boot",
    "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F": "Linux swap",
    "E6D6D379-F507-44C2-A23C-238F2A3DF928": "Linux LVM",
    "A19D880F-05FC-4D3B-A006-743F0F84911E": "Linux RAID",
    "933AC7E1-2EB4-4F13-B844-0E14E2AEF915": "Linux home",
}
MBR_TYPES = {
    0x01: "FAT12", 0x04: "FAT16 <32M", 0x05: "Extended", 0x06: "FAT16", 0x07: "NTFS/exFAT",
    0x0B: "FAT32", 0x0C: "FAT32 (LBA)", 0x0E: "FAT16 (LBA)", 0x0F: "Extended (LBA)", 0x17: "Hidden NTFS",
    0x27: "Windows recovery", 0x42: "Windows dynamic (LDM)", 0x82: "Linux swap", 0x83: "Linux",
    0x85: "Linux extended", 0x8E: "Linux LVM", 0xEE: "GPT protective", 0xEF: "EFI System",
    0xFD: "Linux RAID",
}
EXTENDED = (0x05, 0x0F, 0x85)
# Partitions that never hold the file system a machine boots from.
NOT_BOOT = {BIOS_BOOT, MSR, "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3",
            "0x82", "0x05", "0x0f", "0x85", "0x42"}
GPT_LEGACY_BOOTABLE = 1 << 2
MAX_ENTRIES_BYTES = 128 * 1024
MAX_LOGICAL = 128
FS_PROBE_LIMIT = 16


def read_layout(read: Read, disk_size: int) -> GuestLayout:
    """Find the table at the start of the guest disk, its partitions, their file systems and the boot mode."""
    mbr = read(0, 512)
    if len(mbr) < 512:
        return GuestLayout("none")
    findings: list[Finding] = []
    types = _mbr_types(mbr)
    if 0xEE in types or (mbr[510:512] != b"\x55\xaa" and _has_gpt_header(read)):
        if 0xEE not in types:
            findings.append(Finding("warning", "gpt_no_protective_mbr",
                                    "GPT disk without a protective MBR: some firmware will not boot it",
                                    "rewrite the protective MBR with `sgdisk -e`/`gdisk` (expert menu)"))
        return _gpt(read, disk_size, findings)
    if mbr[510:512] != b"\x55\xaa" or not _plausible_mbr(mbr) or filesystems.detect(read) is not None:
        return GuestLayout("none")
    return _mbr(read, mbr, disk_size, findings)


def _mbr_types(mbr: bytes) -> list[int]:
    return [mbr[446 + 16 * i + 4] for i in range(4)] if mbr[510:512] == b"\x55\xaa" else []


def _plausible_mbr(mbr: bytes) -> bool:
    return all(mbr[446 + 16 * i] in (0x00, 0x80) for i in range(4))


def _has_gpt_header(read: Read) -> bool:
    return read(512, 8) == b"EFI PART" or read(4096, 8) == b"EFI PART"


# -- MBR --------------------------------------------------------------------------------------------

def _mbr(read: Read, mbr: bytes, disk_size: int, findings: list[Finding]) -> GuestLayout:
    parts: list[Partition] = []
    for i in range(4):
        status, kind, start, count = struct.unpack("<B3xB3xII", mbr[446 + 16 * i:462 + 16 * i])
        if kind == 0 or count == 0:
            continue
        parts.append(_mbr_partition(i + 1, kind, start, count, status == 0x80))
        if kind in EXTENDED:
            parts.extend(_logical(read, start, findings))
    modes = set()
    if any(p.type == "0xef" for p in parts):
        modes.add("uefi")
    if any(p.bootable for p in parts) or any(mbr[:440]):
        modes.add("bios")
    _check_bounds(parts, disk_size, findings)
    parts = _with_filesystems(read, parts)
    return GuestLayout("mbr", tuple(parts), _ordered(modes), _boot_partition(parts), tuple(findings))


def _mbr_partition(index: int, kind: int, start: int, count: int, active: bool) -> Partition:
    return Partition(index, start * 512, count * 512, f"0x{kind:02x}", MBR_TYPES.get(kind, "unknown"), active)


def _logical(read: Read, ext_start: int, findings: list[Finding]) -> list[Partition]:
    """Walk the EBR chain of an extended partition (numbered from 5, as Linux does)."""
    out: list[Partition] = []
    seen: set[int] = set()
    ebr = ext_start
    while len(out) < MAX_LOGICAL and ebr not in seen:
        seen.add(ebr)
        sector = read(ebr * 512, 512)
        if len(sector) < 512 or sector[510:512] != b"\x55\xaa":
            findings.append(Finding("warning", "mbr_bad_ebr", f"extended boot record at sector {ebr} is damaged"))
            break
        status, kind, start, count = struct.unpack("<B3xB3xII", sector[446:462])
        if kind and count:
            out.append(_mbr_partition(5 + len(out), kind, ebr + start, count, status == 0x80))
        _, next_kind, next_start, _ = struct.unpack("<B3xB3xII", sector[462:478])
        if next_kind not in EXTENDED or next_start == 0:
            break
        ebr = ext_start + next_start
    return out


# -- GPT --------------------------------------------------------------------------------------------

def _gpt(read: Read, disk_size: int, findings: list[Finding]) -> GuestLayout:
    sector = 4096 if read(512, 8) != b"EFI PART" and read(4096, 8) == b"EFI PART" else 512
    primary = _gpt_table(read, sector, 1)
    if isinstance(primary, str):
        backup_lba = disk_size // sector - 1
        backup = _gpt_table(read, sector, backup_lba)
        if isinstance(backup, str):
            findings.append(Finding("error", "gpt_corrupt", f"the GPT is damaged: primary {primary}; "
                                    f"backup {backup}", "repair the table with `sgdisk -v`/`gdisk` on a copy"))
            return GuestLayout("unknown", findings=tuple(findings))
        findings.append(Finding("warning", "gpt_primary_damaged", f"the primary GPT is damaged ({primary}); "
                                "the backup at the end of the disk was used", "repair it with `gdisk` (w)"))
        header, parts = backup
    else:
        header, parts = primary
        backup_lba = header[1]
        if backup_lba * sector >= disk_size or read(backup_lba * sector, 8) != b"EFI PART":
            findings.append(Finding("warning", "gpt_backup_missing",
                                    f"no backup GPT header at LBA {backup_lba}: the image is truncated or was "
                                    "resized without moving it", "run `sgdisk -e` on the disk (or a raw copy)"))
    modes = set()
    if any(p.type == ESP for p in parts):
        modes.add("uefi")
    if any(p.type == BIOS_BOOT or p.bootable for p in parts):
        modes.add("bios")
    _check_bounds(parts, disk_size, findings)
    parts = _with_filesystems(read, parts)
    return GuestLayout("gpt", tuple(parts), _ordered(modes), _boot_partition(parts), tuple(findings))


def _gpt_table(read: Read, sector: int, lba: int) -> tuple[tuple[int, ...], list[Partition]] | str:
    """(header fields, partitions) of the GPT header at `lba`, or a string saying what is wrong."""
    raw = read(lba * sector, 512)
    if len(raw) < 92 or raw[:8] != b"EFI PART":
        return f"no 'EFI PART' header at LBA {lba}"
    size, crc = struct.unpack("<II", raw[12:20])
    if not 92 <= size <= 512:
        return f"header size {size} at LBA {lba}"
    if binascii.crc32(raw[:16] + b"\0\0\0\0" + raw[20:size]) != crc:
        return f"header CRC mismatch at LBA {lba}"
    current, backup, first, last = struct.unpack("<QQQQ", raw[24:56])
    entries_lba, count, entry_size, entries_crc = struct.unpack("<QIII", raw[72:92])
    if entry_size < 128 or entry_size % 8 or count * entry_size > MAX_ENTRIES_BYTES:
        return f"{count} entries of {entry_size} bytes"
    table = read(entries_lba * sector, count * entry_size)
    if len(table) != count * entry_size or binascii.crc32(table) != entries_crc:
        return f"partition entries CRC mismatch at LBA {entries_lba}"
    parts = []
    for i in range(count):
        entry = table[i * entry_size:(i + 1) * entry_size]
        if not any(entry[:16]):
            continue
        kind = str(uuid.UUID(bytes_le=entry[:16])).upper()
        start, end, attrs = struct.unpack("<QQQ", entry[32:56])
        name = entry[56:128].decode("utf-16-le", "replace").split("\x00", 1)[0]
        parts.append(Partition(i + 1, start * sector, (end - start + 1) * sector, kind,
                               GPT_TYPES.get(kind, "unknown"), bool(attrs & GPT_LEGACY_BOOTABLE), name))
    return (current, backup, first, last), parts


# -- shared -----------------------------------------------------------------------------------------

def _check_bounds(parts: list[Partition], disk_size: int, findings: list[Finding]) -> None:
    for part in parts:
        if part.start + part.size > disk_size and part.type not in ("0x05", "0x0f", "0x85"):
            findings.append(Finding("error", "partition_past_end",
                                    f"partition {part.index} ends at byte {part.start + part.size}, past the end "
                                    f"of the {disk_size}-byte disk: the image is truncated or its table is wrong",
                                    "export the whole disk again"))


def _within(read: Read, part: Partition) -> Read:
    """Reads relative to a partition's start, clipped to its end."""
    return lambda offset, size: read(part.start + offset, max(0, min(size, part.size - offset)))


def _with_filesystems(read: Read, parts: list[Partition]) -> list[Partition]:
    out = []
    for n, part in enumerate(parts):
        fs = None
        if n < FS_PROBE_LIMIT and part.type not in NOT_BOOT:
            fs = filesystems.detect(_within(read, part))
        out.append(Partition(part.index, part.start, part.size, part.type, part.type_name, part.bootable,
                             part.name, fs))
    return out


def _boot_partition(parts: list[Partition]) -> int | None:
    """The partition the firmware starts from: the active one, else the ESP, else the first real one."""
    candidates = ([p for p in parts if p.bootable and p.type not in NOT_BOOT]
                  + [p for p in parts if p.type in (ESP, "0xef")]
                  + [p for p in parts if p.type not in NOT_BOOT])
    return candidates[0].index if candidates else None


def _ordered(modes: set[str]) -> tuple[str, ...]:
    return tuple(m for m in ("bios", "uefi") if m in modes)
