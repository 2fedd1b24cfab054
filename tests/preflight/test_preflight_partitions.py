"""Partition tables, boot modes and file systems: hand-built corner cases the tools do not write."""
from __future__ import annotations

import os

import preflight_builders as b
import pytest
from preflight_tools import sfdisk

from imageforge.providers.preflight import inspect

DISK = 64 * b.MiB


@pytest.fixture
def disk(tmp_path):
    path = tmp_path / "disk.raw"
    b.sparse(path, DISK)
    return path


def test_gpt_with_4096_byte_sectors(disk):
    b.write_gpt(disk, DISK, [(b.ESP, 256, 2815, 0, "esp"), (b.LINUX, 2816, 8191, 0, "root")], sector=4096)
    image = inspect(disk)
    assert image.partition_table == "gpt"
    assert [(p.start, p.size) for p in image.partitions] == [(256 * 4096, 2560 * 4096), (2816 * 4096, 5376 * 4096)]
    assert image.boot_modes == ("uefi",)


def test_damaged_primary_gpt_falls_back_to_backup(disk):
    b.write_gpt(disk, DISK, [(b.BIOS_BOOT, 2048, 4095, 0, ""), (b.LINUX, 4096, 8191, 0, "")])
    b.write_at(disk, 512 + 40, b"\xff")  # inside the CRC'd header
    image = inspect(disk)
    assert image.partition_table == "gpt"
    assert [p.start for p in image.partitions] == [2048 * 512, 4096 * 512]
    assert [f.code for f in image.findings] == ["gpt_primary_damaged"]
    assert "header CRC mismatch at LBA 1" in image.findings[0].message


def test_gpt_damaged_in_both_copies_is_unknown_with_an_error(disk):
    b.write_gpt(disk, DISK, [(b.LINUX, 2048, 8191, 0, "")])
    b.write_at(disk, 2 * 512 + 40, b"\x5a")  # the entries array of the primary
    b.write_at(disk, DISK - 512 + 40, b"\x5a")  # the backup header
    image = inspect(disk)
    assert image.partition_table == "unknown"
    (finding,) = image.findings
    assert finding.severity == "error" and finding.code == "gpt_corrupt"
    assert "entries CRC mismatch" in finding.message and "header CRC mismatch" in finding.message


def test_missing_backup_gpt_is_reported(disk):
    b.write_gpt(disk, DISK, [(b.LINUX, 2048, 8191, 0, "")], backup=False)
    image = inspect(disk)
    assert image.partition_table == "gpt"
    assert [f.code for f in image.findings] == ["gpt_backup_missing"]


def test_gpt_without_protective_mbr(disk):
    b.write_gpt(disk, DISK, [(b.ESP, 2048, 8191, 0, "")], protective=False)
    image = inspect(disk)
    assert image.partition_table == "gpt"
    assert [f.code for f in image.findings] == ["gpt_no_protective_mbr"]


def test_gpt_legacy_bios_bootable_attribute_means_bios(disk):
    b.write_gpt(disk, DISK, [(b.LINUX, 2048, 8191, 1 << 2, "boot")])
    image = inspect(disk)
    assert image.partitions[0].bootable and image.boot_modes == ("bios",)


def test_truncated_raw_has_partitions_past_the_end(tmp_path):
    path = tmp_path / "cut.raw"
    b.sparse(path, DISK)
    sfdisk(path, "label: dos\nstart=2048, type=83, bootable\n")
    os.truncate(path, DISK // 2)
    image = inspect(path)
    (finding,) = image.findings
    assert (finding.severity, finding.code) == ("error", "partition_past_end")
    assert f"past the end of the {DISK // 2}-byte disk" in finding.message


@pytest.mark.parametrize("entries,boot_code,modes", [
    ([(0x83, 2048, 4096, False)], b"", ()),
    ([(0x83, 2048, 4096, False)], b"\xeb\x63\x90", ("bios",)),
    ([(0x83, 2048, 4096, True)], b"", ("bios",)),
    ([(0xEF, 2048, 4096, False), (0x83, 6144, 4096, False)], b"", ("uefi",)),
    ([(0xEF, 2048, 4096, False), (0x83, 6144, 4096, True)], b"", ("bios", "uefi")),
])
def test_mbr_boot_modes(disk, entries, boot_code, modes):
    b.write_at(disk, 0, b.mbr(entries, boot_code))
    image = inspect(disk)
    assert image.partition_table == "mbr"
    assert image.boot_modes == modes
    assert image.boot_mode == (modes[0] if modes else "unknown")


def test_boot_partition_prefers_active_then_esp_and_skips_bios_boot(disk):
    b.write_at(disk, 0, b.mbr([(0x83, 2048, 2048, False), (0x07, 4096, 2048, True)]))
    assert inspect(disk).boot_partition == 2
    b.write_gpt(disk, DISK, [(b.BIOS_BOOT, 2048, 4095, 0, ""), (b.ESP, 4096, 6143, 0, ""),
                             (b.LINUX, 6144, 8191, 0, "")])
    assert inspect(disk).boot_partition == 2
    b.write_gpt(disk, DISK, [(b.BIOS_BOOT, 2048, 4095, 0, ""), (b.LINUX, 6144, 8191, 0, "")])
    assert inspect(disk).boot_partition == 2


def test_only_a_bios_boot_partition_has_no_boot_file_system(disk):
    b.write_gpt(disk, DISK, [(b.BIOS_BOOT, 2048, 4095, 0, "")])
    image = inspect(disk)
    assert image.boot_partition is None and image.boot_filesystem is None


@pytest.mark.parametrize("payload,offset,name", [
    (b.ntfs_boot(), 0, "ntfs"),
    (b.fat32_boot(), 0, "fat32"),
    (b.xfs_superblock(), 0, "xfs"),
    (b.ext4_superblock(), 0, "ext4"),
    (b.bitlocker_boot(), 0, "bitlocker"),
    (b"LUKS\xba\xbe\x00\x02", 0, "luks"),
    (b"LABELONE" + bytes(16) + b"LVM2 001", 512, "lvm2"),
    (b"SWAPSPACE2", 4086, "swap"),
    (b"_BHRfS_M", 65536 + 64, "btrfs"),
    (b"\x00" * 16, 0, None),
])
def test_file_system_signatures_on_a_partition(disk, payload, offset, name):
    b.write_at(disk, 0, b.mbr([(0x83, 2048, 20480, True)]))
    b.write_at(disk, 2048 * 512 + offset, payload)
    image = inspect(disk)
    assert image.partitions[0].filesystem == name
    assert image.boot_filesystem == name


def test_whole_disk_file_system_is_not_a_partition_table(disk):
    b.write_at(disk, 0, b.ntfs_boot())  # a boot sector ends in 55 AA like an MBR
    image = inspect(disk)
    assert (image.format, image.partition_table) == ("raw", "none")


def test_mbr_signature_with_garbage_entries_is_no_table(disk):
    sector = bytearray(os.urandom(512))
    sector[446] = 0x42  # not a valid status byte
    sector[510:512] = b"\x55\xaa"
    b.write_at(disk, 0, bytes(sector))
    assert inspect(disk).partition_table == "none"


def test_logical_partitions_follow_the_ebr_chain_and_a_loop_ends(disk):
    b.write_at(disk, 0, b.mbr([(0x83, 2048, 2048, True), (0x05, 8192, 40960, False)]))
    # EBR 1 at 8192: logical at +2048, next EBR at extended+8192; EBR 2 names itself as next (a loop).
    b.write_at(disk, 8192 * 512, b.mbr([(0x83, 2048, 2048, False), (0x05, 8192, 4096, False)]))
    b.write_at(disk, 16384 * 512, b.mbr([(0x82, 2048, 2048, False), (0x05, 8192, 4096, False)]))
    image = inspect(disk)
    assert [(p.index, p.start // 512, p.type) for p in image.partitions] == [
        (1, 2048, "0x83"), (2, 8192, "0x05"), (5, 10240, "0x83"), (6, 18432, "0x82")]
