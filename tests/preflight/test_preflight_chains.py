"""Encryption, backing files and other ways an image is not self-contained, checked against qemu-img info."""
from __future__ import annotations

import shutil
import struct

import preflight_builders as b
import pytest
from preflight_tools import create_encrypted, qemu_info, run

from imageforge.providers.preflight import inspect
from imageforge.providers.preflight.vhdx import FILE_PARAMETERS


@pytest.mark.parametrize("scheme", ["aes", "luks"])
def test_encrypted_qcow2_matches_qemu_img(tmp_path, scheme):
    path = tmp_path / f"{scheme}.qcow2"
    options = f"encrypt.format={scheme},encrypt.key-secret=s0"
    create_encrypted("-f", "qcow2", "-o", options + (",encrypt.iter-time=10,encrypt.hash-alg=sha512" if scheme == "luks" else ""),
                     str(path), "1G")
    info = qemu_info(path)
    image = inspect(path)
    assert info["encrypted"] is image.encrypted is True
    assert info["format-specific"]["data"]["encrypt"]["format"] == image.encryption == scheme
    assert image.virtual_size == info["virtual-size"]
    assert image.partition_table == "unknown"
    assert [f.code for f in image.findings] == ["guest_unreadable"]
    assert f"encrypted ({scheme})" in image.findings[0].message


def test_qcow2_overlay_reads_the_table_through_its_backing_file(corpus, tmp_path):
    base = tmp_path / "base.qcow2"
    run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(corpus["mbr_bios"]), str(base))
    overlay = tmp_path / "overlay.qcow2"
    run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", str(overlay))
    info = qemu_info(overlay)
    image = inspect(overlay)
    assert image.backing_file == info["backing-filename"] == "base.qcow2"
    assert not image.self_contained
    assert image.partition_table == "mbr"
    assert [p.filesystem for p in image.partitions] == [p.filesystem for p in inspect(base).partitions]


def test_qcow2_overlay_without_its_backing_file(corpus, tmp_path):
    base = tmp_path / "base.qcow2"
    run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(corpus["mbr_bios"]), str(base))
    overlay = tmp_path / "overlay.qcow2"
    run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", str(overlay))
    lonely = tmp_path / "alone"
    lonely.mkdir()
    shutil.copy(overlay, lonely / "overlay.qcow2")
    image = inspect(lonely / "overlay.qcow2")
    assert image.backing_file == "base.qcow2"
    assert image.partition_table == "unknown"
    assert "backing file base.qcow2, which is not here" in image.findings[0].message


def test_qcow2_backing_loop_is_bounded(tmp_path):
    a, c = tmp_path / "a.qcow2", tmp_path / "c.qcow2"
    run("qemu-img", "create", "-q", "-f", "qcow2", str(a), "64M")
    run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", str(c))
    run("qemu-img", "rebase", "-u", "-f", "qcow2", "-b", "c.qcow2", "-F", "qcow2", str(a))
    with pytest.raises(Exception) as info:
        inspect(c)
    assert "backing chain deeper than" in str(info.value)


def test_vmdk_child_matches_qemu_img(corpus, tmp_path):
    base = tmp_path / "base.vmdk"
    run("qemu-img", "convert", "-f", "raw", "-O", "vmdk", str(corpus["gpt_hybrid"]), str(base))
    child = tmp_path / "child.vmdk"
    run("qemu-img", "create", "-q", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", str(child))
    info = qemu_info(child)
    image = inspect(child)
    assert image.backing_file == info["backing-filename"] == "base.vmdk"
    assert image.partition_table == "gpt" and image.boot_modes == ("bios", "uefi")


def test_qcow2_external_data_file(tmp_path):
    path = tmp_path / "meta.qcow2"
    # qemu-img creates the data file relative to its working directory, stores the name as given.
    run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=data.raw", str(path), "64M", cwd=tmp_path)
    assert (tmp_path / "data.raw").exists()
    info = qemu_info(path)
    image = inspect(path)
    assert info["format-specific"]["data"]["data-file"] == "data.raw"
    assert image.external_files == ("data.raw",)
    assert not image.self_contained and image.partition_table == "unknown"


def test_differencing_vhd_reads_sectors_from_its_parent(tmp_path):
    table = b.mbr([(0x07, 2048, 20480, True)])
    b.dynamic_vhd(tmp_path / "base.vhd", 64 * b.MiB, {0: table.ljust(2048 * 512, b"\0") + b.ntfs_boot()})
    # The child owns sector 5 of block 0 only; sector 0 (the MBR) must come from the parent.
    b.dynamic_vhd(tmp_path / "child.vhd", 64 * b.MiB, {0: b"\xab" * 4096}, parent="base.vhd",
                  sectors_present={0: {5}})
    image = inspect(tmp_path / "child.vhd")
    assert (image.format, image.vhd_type, image.backing_file) == ("vhd", "differencing", "base.vhd")
    assert image.partition_table == "mbr" and image.boot_filesystem == "ntfs"
    # qemu's vpc driver reads a differencing VHD as if it had no parent, so it reports no backing file.
    assert "backing-filename" not in qemu_info(tmp_path / "child.vhd")


def test_differencing_vhdx_has_a_parent(converted, tmp_path):
    path = tmp_path / "child.vhdx"
    shutil.copy(converted[("mbr_bios", "vhdx")], path)
    data = path.read_bytes()
    # Find the file-parameters metadata item and set its HasParent flag.
    meta = data.index(b"metadata", 256 * 1024)
    count = struct.unpack("<H", data[meta + 10:meta + 12])[0]
    for i in range(count):
        entry = data[meta + 32 + 32 * i:meta + 64 + 32 * i]
        if entry[:16] == FILE_PARAMETERS.bytes_le:
            item = meta + struct.unpack("<I", entry[16:20])[0]
            b.write_at(path, item + 4, struct.pack("<I", 2))
    image = inspect(path)
    assert (image.format, image.subformat) == ("vhdx", "differencing")
    assert image.backing_file is not None and not image.self_contained


def test_qcow2_internal_snapshots_are_noted(converted, tmp_path):
    path = tmp_path / "snap.qcow2"
    shutil.copy(converted[("mbr_bios", "qcow2-v3")], path)
    run("qemu-img", "snapshot", "-c", "before-sysprep", str(path))
    assert [s["name"] for s in qemu_info(path)["snapshots"]] == ["before-sysprep"]
    image = inspect(path)
    assert [(f.severity, f.code) for f in image.findings] == [("info", "qcow2_snapshots")]
    assert image.partition_table == "mbr"
