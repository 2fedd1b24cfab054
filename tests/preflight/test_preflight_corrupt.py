"""Truncated and corrupt headers, and files that are not disk images: a clear InspectError, never a traceback."""
from __future__ import annotations

import gzip
import os
import random
import shutil
import struct
import tarfile
import zipfile
from pathlib import Path

import preflight_builders as b
import pytest
from preflight_tools import create_encrypted, qemu_info, run

from imageforge.providers.preflight import DiskImage, InspectError, inspect
from imageforge.providers.preflight.vhdx import crc32c


def copy(converted: dict, key: tuple[str, str], tmp_path: Path) -> Path:
    src = converted[key]
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    return dst


def error_of(path: Path) -> str:
    with pytest.raises(InspectError) as info:
        inspect(path)
    return str(info.value)


# -- qcow2 ----------------------------------------------------------------------------------------

def test_qcow2_truncated_header(converted, tmp_path):
    path = copy(converted, ("mbr_bios", "qcow2-v3"), tmp_path)
    os.truncate(path, 50)
    assert "truncated: qcow2 header needs bytes 0..72 but the file ends at 50" in error_of(path)


@pytest.mark.parametrize("offset,value,expected", [
    (4, struct.pack(">I", 1), "QCOW version 1"),
    (4, struct.pack(">I", 9), "unsupported qcow2 version 9"),
    (20, struct.pack(">I", 30), "cluster_bits 30"),
    (32, struct.pack(">I", 7), "unknown encryption method 7"),
    (36, struct.pack(">I", 0), "L1 table has 0 entries"),
    (72, struct.pack(">Q", 1 << 40), "incompatible features unknown here"),
    (40, struct.pack(">Q", 12345), "L1 table offset 12345 is not cluster-aligned"),
])
def test_qcow2_corrupt_header_fields(converted, tmp_path, offset, value, expected):
    path = copy(converted, ("mbr_bios", "qcow2-v3"), tmp_path)
    b.write_at(path, offset, value)
    assert expected in error_of(path)


def test_qcow2_cut_before_its_data(converted, tmp_path):
    path = copy(converted, ("mbr_bios", "qcow2-v3"), tmp_path)
    os.truncate(path, 5 * 65536)  # headers and tables survive, the guest data clusters do not
    assert "truncated: the data for guest offset 0" in error_of(path)


def test_qcow2_cut_inside_the_l1_table(converted, tmp_path):
    path = copy(converted, ("mbr_bios", "qcow2-v3"), tmp_path)
    l1 = struct.unpack(">Q", open(path, "rb").read(48)[40:48])[0]
    os.truncate(path, l1 + 4)
    assert "truncated" in error_of(path)


@pytest.mark.parametrize("bit,code,severity", [(1, "qcow2_corrupt", "error"), (0, "qcow2_dirty", "warning")])
def test_qcow2_corrupt_and_dirty_flags(converted, tmp_path, bit, code, severity):
    path = copy(converted, ("mbr_bios", "qcow2-v3"), tmp_path)
    b.write_at(path, 72, struct.pack(">Q", 1 << bit))
    image = inspect(path)
    assert [(f.code, f.severity) for f in image.findings] == [(code, severity)]
    assert image.partition_table == "mbr"


def test_qcow2_garbled_compressed_cluster(converted, tmp_path):
    path = copy(converted, ("mbr_bios", "qcow2-compressed"), tmp_path)
    data = path.read_bytes()
    cluster_bits, = struct.unpack(">I", data[20:24])
    l1_offset, = struct.unpack(">Q", data[40:48])
    l2_offset = struct.unpack(">Q", data[l1_offset:l1_offset + 8])[0] & 0x00FF_FFFF_FFFF_FE00
    entry, = struct.unpack(">Q", data[l2_offset:l2_offset + 8])
    assert entry & (1 << 62)  # guest cluster 0 is compressed
    host = entry & ((1 << (62 - (cluster_bits - 8))) - 1)
    b.write_at(path, host, b"\xff" * 64)  # deflate block type 3 does not exist
    assert f"corrupt qcow2: compressed cluster at {host} does not inflate" in error_of(path)


# -- VHD ------------------------------------------------------------------------------------------

def test_dynamic_vhd_without_trailing_footer(tmp_path):
    path = tmp_path / "cut.vhd"
    b.dynamic_vhd(path, 64 * b.MiB, {0: b.mbr([(0x83, 2048, 4096, True)])}, trailing_footer=False)
    image = inspect(path)
    assert [(f.code, f.severity) for f in image.findings] == [("vhd_truncated", "error")]


def test_dynamic_vhd_cut_inside_its_blocks(tmp_path):
    path = tmp_path / "cut.vhd"
    b.dynamic_vhd(path, 64 * b.MiB, {0: b.mbr([(0x83, 2048, 4096, True)])})
    os.truncate(path, 4096)
    assert "truncated: VHD block 0" in error_of(path)


def test_vhd_bad_checksum_is_a_warning(tmp_path):
    path = tmp_path / "bad.vhd"
    b.dynamic_vhd(path, 64 * b.MiB, {0: b.mbr([(0x83, 2048, 4096, True)])})
    footer = b.vhd_footer(64 * b.MiB, 3, 512, good_checksum=False)
    b.write_at(path, 0, footer)
    b.write_at(path, path.stat().st_size - 512, footer)
    assert [f.code for f in inspect(path).findings] == ["vhd_checksum"]


@pytest.mark.parametrize("offset,value,expected", [
    (60, struct.pack(">I", 9), "disk type 9"),
    (512, b"notsparse", "no dynamic disk header"),
    (12, struct.pack(">I", 0x20000), "file format version"),
])
def test_vhd_corrupt_fields(tmp_path, offset, value, expected):
    path = tmp_path / "bad.vhd"
    b.dynamic_vhd(path, 64 * b.MiB, {0: b.mbr([(0x83, 2048, 4096, True)])})
    b.write_at(path, offset, value)
    assert expected in error_of(path)


# -- VHDX -----------------------------------------------------------------------------------------

def test_vhdx_both_headers_damaged(converted, tmp_path):
    path = copy(converted, ("mbr_bios", "vhdx"), tmp_path)
    b.write_at(path, 64 * 1024 + 100, b"\x5a\x5a")
    b.write_at(path, 128 * 1024 + 100, b"\x5a\x5a")
    assert "neither header at 64 KiB nor at 128 KiB has a valid 'head' checksum" in error_of(path)


def test_vhdx_one_header_damaged_still_reads(converted, tmp_path):
    path = copy(converted, ("mbr_bios", "vhdx"), tmp_path)
    b.write_at(path, 64 * 1024 + 100, b"\x5a\x5a")
    assert inspect(path).partition_table == "mbr"


@pytest.mark.parametrize("size,expected", [
    (60 * 1024, "truncated: a VHDX needs its headers at 64 KiB and 128 KiB"),
    (100 * 1024, "truncated: a VHDX needs its region table at 192 KiB"),
])
def test_vhdx_truncated(converted, tmp_path, size, expected):
    path = copy(converted, ("mbr_bios", "vhdx"), tmp_path)
    os.truncate(path, size)
    assert expected in error_of(path)


def test_vhdx_region_tables_damaged(converted, tmp_path):
    path = copy(converted, ("mbr_bios", "vhdx"), tmp_path)
    b.write_at(path, 192 * 1024 + 20, b"\x5a\x5a")
    b.write_at(path, 256 * 1024 + 20, b"\x5a\x5a")
    assert "neither region table" in error_of(path)


def test_vhdx_pending_log_is_a_warning(converted, tmp_path):
    path = copy(converted, ("mbr_bios", "vhdx"), tmp_path)
    for offset in (64 * 1024, 128 * 1024):
        with open(path, "rb") as f:
            header = bytearray(os.pread(f.fileno(), 4096, offset))
        header[48:64] = b"\x11" * 16  # LogGuid
        header[4:8] = b"\0\0\0\0"
        header[4:8] = struct.pack("<I", crc32c(bytes(header)))
        b.write_at(path, offset, bytes(header))
    image = inspect(path)
    assert [f.code for f in image.findings] == ["vhdx_log"]


# -- VMDK -----------------------------------------------------------------------------------------

def test_vmdk_sparse_truncated(converted, tmp_path):
    path = copy(converted, ("mbr_bios", "vmdk-sparse"), tmp_path)
    os.truncate(path, 2048)
    assert "truncated" in error_of(path)


def test_vmdk_stream_optimized_with_directory_at_end_but_no_footer(converted, tmp_path):
    """A one-pass export keeps the grain directory offset in a footer; a cut file has none."""
    path = copy(converted, ("mbr_bios", "vmdk-stream"), tmp_path)
    b.write_at(path, 56, struct.pack("<Q", 0xFFFF_FFFF_FFFF_FFFF))  # gdOffset = GD_AT_END
    assert "no valid footer before the end-of-stream marker" in error_of(path)


def test_vmdk_stream_optimized_cut_inside_a_grain(converted, tmp_path):
    path = copy(converted, ("mbr_bios", "vmdk-stream"), tmp_path)
    data = path.read_bytes()
    marker = data.index(b"\x78\x9c") - 12  # the first deflated grain, after its 12-byte marker
    os.truncate(path, marker + 40)
    assert "truncated: the compressed VMDK grain" in error_of(path)


def test_vmdk_cowd_and_empty_descriptor(tmp_path):
    cowd = tmp_path / "esx.vmdk"
    cowd.write_bytes(b"COWD" + bytes(2044))
    assert "COWD" in error_of(cowd)
    desc = tmp_path / "empty.vmdk"
    desc.write_text('# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\n')
    assert "no extent lines" in error_of(desc)


# -- not disk images ------------------------------------------------------------------------------

def _gzip(path: Path) -> None:
    path.write_bytes(gzip.compress(bytes(4096)))


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("disk.raw", bytes(1024))


def _tar(path: Path) -> None:
    inner = path.parent / "disk.vmdk"
    inner.write_bytes(bytes(1024))
    with tarfile.open(path, "w") as t:
        t.add(inner, arcname="disk.vmdk")


def _iso(path: Path) -> None:
    b.sparse(path, 64 * 1024)
    b.write_at(path, 32768, b"\x01CD001\x01")


def _text(path: Path) -> None:
    path.write_text("hello, this is not a disk\n" * 512)


@pytest.mark.parametrize("make,expected", [
    (lambda p: p.write_bytes(b""), "the file is empty"),
    (_gzip, "gzip-compressed"),
    (_zip, "zip archive"),
    (_tar, "tar archive"),
    (_iso, "ISO 9660"),
    (_text, "no partition table and no file system"),
    (lambda p: p.write_bytes(b"x" * 1000), "not a whole number of 512-byte sectors"),
    (lambda p: p.write_bytes(b"QED\x00" + bytes(4092)), "QED image"),
])
def test_not_a_disk_image(tmp_path, make, expected):
    path = tmp_path / "disk.qcow2"  # the name means nothing
    make(path)
    message = error_of(path)
    assert "not a disk image" in message and expected in message


def test_vdi_written_by_qemu_img_is_not_supported(tmp_path):
    path = tmp_path / "disk.vdi"
    run("qemu-img", "create", "-q", "-f", "vdi", str(path), "64M")
    assert "VirtualBox VDI" in error_of(path)


def test_missing_file_directory_and_fifo(tmp_path):
    assert "no such file" in error_of(tmp_path / "nothere.img")
    assert "is a directory" in error_of(tmp_path)
    os.mkfifo(tmp_path / "pipe")
    assert "not a regular file or block device" in error_of(tmp_path / "pipe")


def test_luks_container_is_raw_and_encrypted(tmp_path):
    path = tmp_path / "disk.luks"
    create_encrypted("-f", "luks", "-o", "key-secret=s0,iter-time=10,hash-alg=sha512", str(path), "16M")
    info = qemu_info(path)
    image = inspect(path)
    assert info["format"] == "luks" and info["encrypted"] is True
    assert (image.format, image.encrypted, image.encryption) == ("raw", True, "luks")
    assert image.partition_table == "unknown"


def test_read_budget_stops_runaway_reads(converted):
    with pytest.raises(InspectError, match="would read more than 1024 bytes"):
        inspect(converted[("mbr_bios", "qcow2-v3")], budget=1024)


@pytest.mark.parametrize("variant", ["qcow2-v3", "qcow2-compressed", "vhd-dynamic", "vhd-fixed", "vhdx",
                                     "vmdk-sparse", "vmdk-stream"])
def test_random_header_damage_never_escapes_as_a_traceback(converted, tmp_path, variant):
    """Overwrite bytes in the first and last 64 KiB: every outcome is a DiskImage or an InspectError."""
    path = copy(converted, ("gpt_hybrid", variant), tmp_path)
    size = path.stat().st_size
    rng = random.Random(variant)
    outcomes = set()
    for _ in range(60):
        offsets = [rng.randrange(*rng.choice([(0, min(size, 65536)), (max(0, size - 65536), size)]))
                   for _ in range(rng.randint(1, 8))]
        with open(path, "rb") as f:
            saved = [(off, os.pread(f.fileno(), 1, off)) for off in offsets]
        for off in offsets:
            b.write_at(path, off, bytes([rng.randrange(256)]))
        try:
            outcomes.add(type(inspect(path)))
        except InspectError as exc:
            assert str(exc).startswith(str(path))
            outcomes.add(InspectError)
        for off, byte in reversed(saved):
            b.write_at(path, off, byte)
    assert outcomes <= {DiskImage, InspectError} and outcomes
    assert inspect(path).partition_table == "gpt"  # restored intact
