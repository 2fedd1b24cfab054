"""Helpers that drive the real tools (qemu-img, sfdisk, sgdisk, mkfs) to build the preflight test corpus."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import preflight_builders as b

SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin"])
DISK = 64 * b.MiB


def tool(name: str) -> str:
    """Path of a tool the corpus is built with.

    CI installs .ci/apt-packages-preflight.txt and sets IMAGEFORGE_REQUIRE_DISK_TOOLS=1, so there a
    missing tool fails the test; on a machine without them the comparison tests are skipped.
    """
    path = shutil.which(name, path=SEARCH_PATH)
    if path is None:
        message = f"{name} is not installed: apt-get install $(cat .ci/apt-packages-preflight.txt)"
        if os.environ.get("IMAGEFORGE_REQUIRE_DISK_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def run(*cmd: str, stdin: str | None = None, cwd: Path | None = None) -> str:
    proc = subprocess.run([tool(cmd[0]), *cmd[1:]], input=stdin, capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def qemu_info(path: Path, fmt: str | None = None) -> dict[str, Any]:
    args = ["qemu-img", "info", "--output=json"] + (["-f", fmt] if fmt else []) + [str(path)]
    return json.loads(run(*args))


def sfdisk_table(path: Path) -> dict[str, Any]:
    return json.loads(run("sfdisk", "--json", str(path)))["partitiontable"]


def sfdisk(path: Path, script: str) -> None:
    run("sfdisk", "-q", "--no-reread", "--no-tell-kernel", str(path), stdin=script)


def make_fs(kind: str, workdir: Path, size: int) -> Path:
    """A small real file system made by its own mkfs, to be spliced into a partition."""
    path = workdir / f"fs-{kind}-{size}.img"
    if path.exists():
        return path
    if kind == "vfat":
        run("mkfs.vfat", "-C", str(path), str(size // 1024))
        return path
    b.sparse(path, size)
    if kind == "ntfs":
        run("mkntfs", "-q", "-F", "-Q", str(path))
    elif kind == "xfs":
        run("mkfs.xfs", "-q", "-f", str(path))
    else:
        run(f"mkfs.{kind}", "-q", "-F", str(path))
    return path


def splice(disk: Path, fs: Path, offset: int, limit: int = 4 * b.MiB) -> None:
    """Copy the start of a file-system image (its superblocks) into the disk at `offset`."""
    with open(fs, "rb") as src:
        b.write_at(disk, offset, src.read(limit))


def build_sources(root: Path) -> dict[str, Path]:
    """The raw disks every container format is made from (partition tables written by sfdisk/sgdisk)."""
    fsdir = root / "fs"
    fsdir.mkdir()
    out: dict[str, Path] = {}

    # MBR, BIOS: active ext4 partition, an NTFS one, an extended partition with XFS and FAT logicals.
    path = out["mbr_bios"] = root / "mbr_bios.raw"
    b.sparse(path, DISK)
    sfdisk(path, "label: dos\n"
                 "start=2048, size=32768, type=83, bootable\n"
                 "start=34816, size=20480, type=7\n"
                 "start=55296, type=5\n"
                 "start=57344, size=20480, type=83\n"
                 "start=79872, size=20480, type=e\n")
    splice(path, make_fs("ext4", fsdir, 16 * b.MiB), 2048 * 512)
    splice(path, make_fs("ntfs", fsdir, 10 * b.MiB), 34816 * 512)
    splice(path, make_fs("xfs", fsdir, 300 * b.MiB), 57344 * 512, limit=b.MiB)
    splice(path, make_fs("vfat", fsdir, 10 * b.MiB), 79872 * 512)

    # MBR, UEFI: an 0xEF partition with FAT, no active partition.
    path = out["mbr_uefi"] = root / "mbr_uefi.raw"
    b.sparse(path, DISK)
    sfdisk(path, "label: dos\nstart=2048, size=20480, type=ef\nstart=22528, type=83\n")
    splice(path, make_fs("vfat", fsdir, 10 * b.MiB), 2048 * 512)
    splice(path, make_fs("ext4", fsdir, 16 * b.MiB), 22528 * 512)

    # GPT, UEFI only (sgdisk): ESP with FAT, Linux root with ext4.
    path = out["gpt_uefi"] = root / "gpt_uefi.raw"
    b.sparse(path, DISK)
    run("sgdisk", "-n1:2048:+10M", "-t1:ef00", "-c1:EFI system", "-n2:0:0", "-t2:8300", "-c2:root", str(path))
    part = sfdisk_table(path)["partitions"]
    splice(path, make_fs("vfat", fsdir, 10 * b.MiB), part[0]["start"] * 512)
    splice(path, make_fs("ext4", fsdir, 16 * b.MiB), part[1]["start"] * 512)

    # GPT, BIOS and UEFI (sgdisk): BIOS boot, ESP, Windows basic data with NTFS.
    path = out["gpt_hybrid"] = root / "gpt_hybrid.raw"
    b.sparse(path, DISK)
    run("sgdisk", "-n1:2048:+1M", "-t1:ef02", "-n2:0:+10M", "-t2:ef00", "-n3:0:0", "-t3:0700", str(path))
    part = sfdisk_table(path)["partitions"]
    splice(path, make_fs("vfat", fsdir, 10 * b.MiB), part[1]["start"] * 512)
    splice(path, make_fs("ntfs", fsdir, 10 * b.MiB), part[2]["start"] * 512)

    # GPT, BIOS only (sfdisk): BIOS boot partition and an XFS root.
    path = out["gpt_bios"] = root / "gpt_bios.raw"
    b.sparse(path, DISK)
    sfdisk(path, f"label: gpt\nstart=2048, size=2048, type={b.BIOS_BOOT}\nstart=4096, type={b.LINUX}\n")
    splice(path, make_fs("xfs", fsdir, 300 * b.MiB), 4096 * 512, limit=b.MiB)

    # No partition table: a blank disk, and a whole-disk file system.
    path = out["blank"] = root / "blank.raw"
    run("qemu-img", "create", "-q", "-f", "raw", str(path), "64M")
    out["fs_only"] = make_fs("ext4", fsdir, 16 * b.MiB)
    return out


# Container variants: (name, qemu-img convert options, our format, qemu-img -f to read it back).
VARIANTS: list[tuple[str, list[str], str, str | None]] = [
    ("qcow2-v3", ["-O", "qcow2", "-o", "compat=1.1"], "qcow2", None),
    ("qcow2-v2", ["-O", "qcow2", "-o", "compat=0.10"], "qcow2", None),
    ("qcow2-compressed", ["-c", "-O", "qcow2"], "qcow2", None),
    ("qcow2-small-clusters", ["-O", "qcow2", "-o", "cluster_size=4096"], "qcow2", None),
    ("qcow2-extended-l2", ["-O", "qcow2", "-o", "extended_l2=on"], "qcow2", None),
    ("vhd-dynamic", ["-O", "vpc"], "vhd", None),
    ("vhd-fixed", ["-O", "vpc", "-o", "subformat=fixed,force_size=on"], "vhd", "vpc"),
    ("vhdx", ["-O", "vhdx"], "vhdx", None),
    ("vmdk-sparse", ["-O", "vmdk"], "vmdk", None),
    ("vmdk-stream", ["-O", "vmdk", "-o", "subformat=streamOptimized"], "vmdk", None),
    ("vmdk-flat", ["-O", "vmdk", "-o", "subformat=monolithicFlat"], "vmdk", None),
    ("raw", ["-O", "raw"], "raw", None),
]


def create_encrypted(*args: str) -> None:
    """`qemu-img create` with LUKS: qemu times its key derivation with the thread CPU clock, which
    can read zero on a coarse clock ("Unable to get accurate CPU usage", about a third of runs with
    SHA-256 here). Callers pick SHA-512, whose slower rounds make the timed window readable, and
    that one failure is retried: a failed attempt costs milliseconds."""
    for _ in range(60):
        proc = subprocess.run([tool("qemu-img"), "create", "-q", "--object", "secret,id=s0,data=abc", *args],
                              capture_output=True, text=True)
        if proc.returncode == 0:
            return
        if "Unable to get accurate CPU usage" not in proc.stderr:
            break
    raise AssertionError(f"qemu-img create {' '.join(args)} failed: {proc.stderr.strip()}")
