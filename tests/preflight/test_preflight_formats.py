"""Every container format, written by qemu-img, read back and checked against qemu-img info and sfdisk."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from preflight_tools import VARIANTS, qemu_info, run, sfdisk_table

from imageforge.providers.preflight import inspect

QEMU_NAME = {"vpc": "vhd", "qcow2": "qcow2", "vhdx": "vhdx", "vmdk": "vmdk", "raw": "raw"}
EXPECTED_FS = {
    "mbr_bios": {1: "ext4", 2: "ntfs", 3: None, 5: "xfs", 6: "fat16"},
    "gpt_hybrid": {1: None, 2: "fat16", 3: "ntfs"},
}
EXPECTED_BOOT = {"mbr_bios": ("bios",), "gpt_hybrid": ("bios", "uefi")}


def expected_partitions(raw: Path) -> list[tuple[int, int, int, str, bool]]:
    """(index, start, size, type, bootable) as sfdisk reports the raw source."""
    table = sfdisk_table(raw)
    out = []
    for part in table["partitions"]:
        index = int(re.search(r"(\d+)$", part["node"])[1])
        kind = part["type"] if table["label"] == "gpt" else f"0x{int(part['type'], 16):02x}"
        bootable = part.get("bootable", False) or "LegacyBIOSBootable" in part.get("attrs", "")
        out.append((index, part["start"] * 512, part["size"] * 512, kind, bootable))
    return out


@pytest.mark.parametrize("source", ["mbr_bios", "gpt_hybrid"])
@pytest.mark.parametrize("variant", [v[0] for v in VARIANTS])
def test_container_matches_qemu_img_and_sfdisk(converted, corpus, source, variant):
    path = converted[(source, variant)]
    _, _, fmt, read_as = next(v for v in VARIANTS if v[0] == variant)
    info = qemu_info(path, read_as)
    image = inspect(path)

    assert image.format == fmt == QEMU_NAME[info["format"]]
    assert image.virtual_size == info["virtual-size"]
    assert image.file_size == path.stat().st_size
    assert image.encrypted is info.get("encrypted", False) is False
    assert image.backing_file is None and "backing-filename" not in info

    assert image.partition_table == ("mbr" if source.startswith("mbr") else "gpt")
    got = [(p.index, p.start, p.size, p.type, p.bootable) for p in image.partitions]
    assert got == expected_partitions(corpus[source])
    assert {p.index: p.filesystem for p in image.partitions} == EXPECTED_FS[source]
    assert image.boot_modes == EXPECTED_BOOT[source]
    assert image.boot_mode == "bios"
    assert image.bytes_read < 256 * 1024
    assert [f.code for f in image.findings] == []


@pytest.mark.parametrize("variant,version", [("qcow2-v2", 2), ("qcow2-v3", 3)])
def test_qcow2_version_matches_compat(converted, variant, version):
    path = converted[("mbr_bios", variant)]
    compat = qemu_info(path)["format-specific"]["data"]["compat"]
    assert {"0.10": 2, "1.1": 3}[compat] == version == inspect(path).format_version


@pytest.mark.parametrize("variant,create_type", [
    ("vmdk-sparse", "monolithicSparse"), ("vmdk-stream", "streamOptimized"), ("vmdk-flat", "monolithicFlat")])
def test_vmdk_create_type_matches_qemu(converted, variant, create_type):
    path = converted[("gpt_hybrid", variant)]
    assert qemu_info(path)["format-specific"]["data"]["create-type"] == create_type
    image = inspect(path)
    assert image.subformat == create_type
    assert image.self_contained is (create_type != "monolithicFlat")


def test_vmdk_descriptor_names_its_extent(converted):
    image = inspect(converted[("mbr_bios", "vmdk-flat")])
    assert image.external_files == ("mbr_bios.vmdk-flat-flat.vmdk",)
    assert image.file_size < 4096  # the descriptor alone


def test_vmdk_descriptor_without_its_extent_reports_unknown_table(converted, tmp_path):
    descriptor = converted[("mbr_bios", "vmdk-flat")]
    lonely = tmp_path / descriptor.name
    shutil.copy(descriptor, lonely)
    image = inspect(lonely)
    assert image.format == "vmdk" and image.virtual_size == qemu_info(descriptor)["virtual-size"]
    assert image.partition_table == "unknown"
    assert [f.code for f in image.findings] == ["guest_unreadable"]


@pytest.mark.parametrize("subformat", ["dynamic", "fixed"])
def test_vhd_type(corpus, tmp_path, subformat):
    path = tmp_path / f"{subformat}.vhd"
    run("qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o", f"subformat={subformat}", str(corpus["mbr_uefi"]),
        str(path))
    image = inspect(path)
    assert image.vhd_type == subformat
    assert image.virtual_size == qemu_info(path, "vpc")["virtual-size"]
    assert image.virtual_size % (1 << 20) != 0  # qemu's CHS rounding without force_size
    assert image.boot_modes == ("uefi",)


def test_fixed_vhd_is_found_by_its_footer_not_its_name(corpus, tmp_path):
    path = tmp_path / "disk.img"
    run("qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o", "subformat=fixed,force_size=on",
        str(corpus["gpt_uefi"]), str(path))
    assert qemu_info(path)["format"] == "raw"  # qemu-img's own probe misses a fixed VHD
    image = inspect(path)
    assert (image.format, image.subformat) == ("vhd", "fixed")
    assert image.virtual_size == 64 << 20


@pytest.mark.parametrize("source,table,modes,names", [
    ("gpt_uefi", "gpt", ("uefi",), ["EFI system", "root"]),
    ("gpt_bios", "gpt", ("bios",), ["", ""]),
    ("mbr_uefi", "mbr", ("uefi",), ["", ""]),
])
def test_raw_sources(corpus, source, table, modes, names):
    image = inspect(corpus[source])
    assert image.format == "raw" and qemu_info(corpus[source])["format"] == "raw"
    assert image.partition_table == table
    assert image.boot_modes == modes
    assert [p.name for p in image.partitions] == names
    expected = expected_partitions(corpus[source])
    assert [(p.index, p.start, p.size, p.type, p.bootable) for p in image.partitions] == expected


@pytest.mark.parametrize("source", ["blank", "fs_only"])
def test_raw_without_partition_table(corpus, source):
    image = inspect(corpus[source])
    assert (image.format, image.partition_table, image.partitions) == ("raw", "none", ())
    assert image.boot_mode == "unknown"
