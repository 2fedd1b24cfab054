"""Huge images are inspected from their headers: well under 1 MiB read, whatever the disk size."""
from __future__ import annotations

import preflight_builders as b
from preflight_tools import qemu_info, run, sfdisk

from imageforge.providers.preflight import inspect, rules_for

GiB = 1 << 30
LIMIT = 1 << 20


def test_130_gib_sparse_raw_with_mbr(tmp_path):
    path = tmp_path / "big.raw"
    b.sparse(path, 130 * GiB)
    sfdisk(path, "label: dos\nstart=2048, type=7, bootable\n")
    b.write_at(path, 2048 * 512, b.ntfs_boot())
    image = inspect(path)
    assert image.bytes_read < LIMIT
    assert (image.format, image.virtual_size, image.file_size) == ("raw", 130 * GiB, 130 * GiB)
    assert image.partition_table == "mbr" and image.boot_filesystem == "ntfs"
    assert [i.rule for i in rules_for("huawei").evaluate(image) if i.severity == "error"] == ["huawei.file_size"]
    assert "huawei.file_size" not in [i.rule for i in rules_for("huawei", quick_import=True).evaluate(image)]


def test_200_gib_virtual_qcow2(tmp_path):
    empty = tmp_path / "empty.qcow2"
    run("qemu-img", "create", "-q", "-f", "qcow2", str(empty), "200G")
    image = inspect(empty)
    assert image.bytes_read < LIMIT
    assert image.virtual_size == qemu_info(empty)["virtual-size"] == 200 * GiB
    assert image.partition_table == "none"


def test_200_gib_virtual_qcow2_with_a_gpt(tmp_path):
    raw = tmp_path / "big.raw"
    b.sparse(raw, 200 * GiB)
    b.write_gpt(raw, 200 * GiB, [(b.BIOS_BOOT, 2048, 4095, 0, ""), (b.LINUX, 4096, 200 * GiB // 512 - 34, 0, "")])
    b.write_at(raw, 4096 * 512, b.xfs_superblock())
    qcow = tmp_path / "big.qcow2"
    run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(qcow))
    image = inspect(qcow)
    assert image.bytes_read < LIMIT
    assert image.file_size < 4 << 20
    assert image.partition_table == "gpt" and image.findings == ()  # the backup GPT at 200 GiB was found
    assert image.boot_filesystem == "xfs"
