"""Disk-image preflight on huge images: bytes read and seconds per file (a 130 GiB raw, a 200 GiB qcow2).

Run: python bench/bench_preflight.py  (needs qemu-img; everything is built sparse in a temporary directory)
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imageforge.providers.preflight import inspect

GiB = 1 << 30
ROUNDS = 5


def mbr(start: int, sectors: int) -> bytes:
    """An MBR with one active NTFS partition."""
    sector = bytearray(512)
    sector[446:462] = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x07, b"\xfe\xff\xff", start, sectors)
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


def ntfs_boot() -> bytes:
    boot = bytearray(512)
    boot[0:11] = b"\xebR\x90NTFS    "
    boot[510:512] = b"\x55\xaa"
    return bytes(boot)


def build(root: Path) -> list[tuple[str, Path]]:
    raw = root / "system-130G.raw"
    with open(raw, "wb") as f:
        f.truncate(130 * GiB)
        f.write(mbr(2048, 130 * GiB // 512 - 2048))
        f.seek(2048 * 512)
        f.write(ntfs_boot())
    files = [("130 GiB sparse raw, MBR", raw)]
    qemu_img = shutil.which("qemu-img")
    if qemu_img is None:
        print("qemu-img not found: the qcow2 rows are skipped (apt-get install qemu-utils)", file=sys.stderr)
        return files
    empty = root / "empty-200G.qcow2"
    subprocess.run([qemu_img, "create", "-q", "-f", "qcow2", str(empty), "200G"], check=True)
    source = root / "system-200G.raw"
    with open(source, "wb") as f:
        f.truncate(200 * GiB)
        f.write(mbr(2048, 200 * GiB // 512 - 2048))
        f.seek(2048 * 512)
        f.write(ntfs_boot())
    full = root / "system-200G.qcow2"
    subprocess.run([qemu_img, "convert", "-f", "raw", "-O", "qcow2", str(source), str(full)], check=True)
    source.unlink()
    files += [("200 GiB qcow2 (qemu-img create)", empty), ("200 GiB qcow2 with MBR + NTFS", full)]
    return files


def human(n: int) -> str:
    for unit, scale in (("GiB", GiB), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-preflight-") as tmp:
        files = build(Path(tmp))
        rows = [("file", "virtual", "file size", "table", "bytes read", "first run (s)", f"best of {ROUNDS} (s)")]
        for label, path in files:
            times = []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                image = inspect(path)
                times.append(time.perf_counter() - start)
            rows.append((label, human(image.virtual_size), human(image.file_size), image.partition_table,
                         f"{image.bytes_read:,}", f"{times[0]:.6f}", f"{min(times):.6f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
