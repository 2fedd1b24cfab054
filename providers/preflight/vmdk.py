"""VMDK: hosted sparse extents (monolithicSparse, streamOptimized) and text descriptors with their extents.

Layout: VMware Virtual Disk Format 1.1 (https://www.vmware.com/app/vmdk/?src=vmdk) and qemu block/vmdk.c
"""
from __future__ import annotations

import os
import re
import struct
import zlib

from .container import SECTOR, Container, GuestUnreadable, Opener, Parent, SliceContainer
from .reader import FileReader

MAGIC = b"KDMV"
COWD = b"COWD"
GD_AT_END = 0xFFFF_FFFF_FFFF_FFFF
FLAG_ZERO_GRAIN = 1 << 2
FLAG_COMPRESSED = 1 << 16
FLAG_MARKERS = 1 << 17
HEADER = struct.Struct("<4sIIQQQQIQQQB4sH")
DESCRIPTOR_MAX = 64 * 1024
EXTENT = re.compile(r'^\s*(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?', re.M)
SELF_CONTAINED = ("monolithicSparse", "streamOptimized")


def probe(head: bytes) -> bool:
    return head[:4] in (MAGIC, COWD)


def probe_descriptor(head: bytes) -> bool:
    """A text descriptor: printable lines with `version=` and `createType=`, nothing binary."""
    sample = head[:DESCRIPTOR_MAX]
    if not sample or b"\0" in sample.rstrip(b"\0"):
        return False
    text = sample.decode("latin-1")
    return bool(re.search(r"^\s*version\s*=", text, re.M) and re.search(r"^\s*createType\s*=", text, re.M))


def descriptor_value(text: str, key: str) -> str | None:
    match = re.search(rf'^\s*{key}\s*=\s*"?([^"\r\n]*)"?', text, re.M)
    return match.group(1).strip() if match else None


class VmdkSparse(Container):
    """A hosted sparse extent; reads go grain directory -> grain table -> grain (deflated if compressed)."""

    format = "vmdk"

    def __init__(self, reader: FileReader, opener: Opener | None = None) -> None:
        super().__init__(reader)
        head = reader.read_exact(0, HEADER.size, "VMDK sparse header")
        if head[:4] == COWD:
            raise self.fail("VMware ESX 'COWD' sparse extent: no cloud imports it; convert with "
                            "`qemu-img convert -O vmdk -o subformat=streamOptimized IN OUT.vmdk`")
        fields = HEADER.unpack(head)
        if fields[9] == GD_AT_END:
            fields = self._footer(fields)
        (_, version, flags, capacity, grain, desc_off, desc_size, gtes, _, gd_off, _, _, _, algo) = fields
        if version not in (1, 2, 3):
            raise self.fail(f"unsupported VMDK sparse version {version} (expected 1..3)")
        if grain < 1 or grain & (grain - 1) or grain > 2048:
            raise self.fail(f"corrupt VMDK header: grain size {grain} sectors")
        if gtes == 0 or gtes > 1 << 16:
            raise self.fail(f"corrupt VMDK header: {gtes} grain table entries per table")
        self.format_version = version
        self.flags = flags
        self.virtual_size = capacity * SECTOR
        self.unit = grain * SECTOR
        self.gtes = gtes
        self.gd_offset = gd_off * SECTOR
        self.compressed = bool(flags & FLAG_COMPRESSED) and algo == 1
        self.markers = bool(flags & FLAG_MARKERS)
        gd_entries = -(-capacity // (grain * gtes))
        if self.gd_offset + 4 * gd_entries > self.file_size:
            raise self.fail(f"truncated: the VMDK grain directory ends at {self.gd_offset + 4 * gd_entries} "
                            f"but the file ends at {self.file_size}")
        self.subformat = "monolithicSparse"
        if desc_off and desc_size:
            size = min(desc_size * SECTOR, DESCRIPTOR_MAX)
            text = reader.read_exact(desc_off * SECTOR, size, "VMDK embedded descriptor")
            self._descriptor(text.split(b"\0", 1)[0].decode("latin-1"), opener)

    def _footer(self, fields: tuple) -> tuple:  # type: ignore[type-arg]
        """streamOptimized files written in one pass keep the real header in a footer before end-of-stream."""
        if self.file_size < 3 * SECTOR:
            raise self.fail("truncated: a streamOptimized VMDK needs its footer before the end-of-stream marker")
        raw = self.reader.read_exact(self.file_size - 2 * SECTOR, HEADER.size, "VMDK footer")
        footer = HEADER.unpack(raw)
        if footer[0] != MAGIC or footer[9] == GD_AT_END:
            raise self.fail("truncated or corrupt streamOptimized VMDK: no valid footer before the "
                            "end-of-stream marker (the upload or export was cut short?)")
        return footer

    def _descriptor(self, text: str, opener: Opener | None) -> None:
        self.subformat = descriptor_value(text, "createType") or self.subformat
        parent_cid = (descriptor_value(text, "parentCID") or "ffffffff").lower()
        hint = descriptor_value(text, "parentFileNameHint")
        if parent_cid != "ffffffff" and hint:
            self.backing_file = hint
            self.parent = Parent(hint, self.path, opener)

    def _read_unit(self, offset: int, size: int) -> bytes:
        grain_index, within = divmod(offset, self.unit)
        gd_index, gt_index = divmod(grain_index, self.gtes)
        raw = self.reader.read_exact(self.gd_offset + 4 * gd_index, 4, "VMDK grain directory entry")
        gt_sector = int.from_bytes(raw, "little")
        grain_sector = 0
        if gt_sector:
            raw = self.reader.read_exact(gt_sector * SECTOR + 4 * gt_index, 4, "VMDK grain table entry")
            grain_sector = int.from_bytes(raw, "little")
        if grain_sector == 0:
            return self.parent.read(offset, size) if self.parent is not None else bytes(size)
        if grain_sector == 1 and self.flags & FLAG_ZERO_GRAIN:
            return bytes(size)
        host = grain_sector * SECTOR
        if host >= self.file_size:
            raise self.fail(f"truncated: the VMDK grain for guest offset {offset} is at file offset {host}, "
                            f"past the end of the file ({self.file_size} bytes)")
        if not self.compressed:
            return self.reader.read(host + within, size)
        return self._inflate(host)[within:within + size]

    def _inflate(self, host: int) -> bytes:
        head = self.reader.read_exact(host, 12, "VMDK grain marker")
        length = int.from_bytes(head[8:12], "little") if self.markers else 0
        if not self.markers:
            head, length = head[:8], self.unit * 2
        data = self.reader.read(host + len(head), length)
        if self.markers and len(data) < length:
            raise self.fail(f"truncated: the compressed VMDK grain at {host} needs {length} bytes, "
                            f"the file ends at {self.file_size}")
        try:
            out = zlib.decompressobj().decompress(data, self.unit)
        except zlib.error as exc:
            raise self.fail(f"corrupt VMDK: compressed grain at {host} does not inflate ({exc})") from None
        return out + bytes(self.unit - len(out))


class VmdkDescriptor(Container):
    """A text descriptor whose extents are other files (monolithicFlat, twoGbMaxExtent*, vmfs...)."""

    format = "vmdk"

    def __init__(self, reader: FileReader, opener: Opener | None = None) -> None:
        super().__init__(reader)
        text = reader.read(0, DESCRIPTOR_MAX).decode("latin-1")
        self.subformat = descriptor_value(text, "createType")
        self.format_version = int((descriptor_value(text, "version") or "1").strip() or 1)
        self.extents: list[tuple[int, int, Container | None, str]] = []
        self.missing: dict[int, str] = {}
        base = os.path.dirname(reader.path)
        start = 0
        for match in EXTENT.finditer(text):
            sectors, kind, name, offset = int(match[2]), match[3].upper(), match[4] or "", int(match[5] or 0)
            size = sectors * SECTOR
            if kind != "ZERO":
                self.external_files.append(name)
            extent = self._open_extent(base, kind, name, offset, size)
            if extent is None and kind != "ZERO":
                self.missing[start] = (f"the extent file {name} is not next to the descriptor"
                                       if not os.path.isfile(os.path.join(base, name))
                                       else f"{kind} extents ({name}) are not supported here")
            self.extents.append((start, size, extent, kind))
            start += size
        if not self.extents:
            raise self.fail("corrupt VMDK descriptor: no extent lines (RW <sectors> <type> \"file\")")
        self.virtual_size = start
        parent_cid = (descriptor_value(text, "parentCID") or "ffffffff").lower()
        hint = descriptor_value(text, "parentFileNameHint")
        if parent_cid != "ffffffff" and hint:
            self.backing_file = hint
            self.parent = Parent(hint, self.path, opener)

    def _open_extent(self, base: str, kind: str, name: str, offset: int, size: int) -> Container | None:
        path = os.path.join(base, name)
        if kind == "ZERO" or not name or not os.path.isfile(path):
            return None
        reader = FileReader(path, self.reader.stats)
        if kind in ("FLAT", "VMFS", "VMFSRAW", "VMFSRDM"):
            return SliceContainer(reader, offset * SECTOR, size)
        if kind in ("SPARSE", "VMFSSPARSE"):
            return VmdkSparse(reader)
        reader.close()
        return None

    def _read_unit(self, offset: int, size: int) -> bytes:
        out = bytearray()
        pos, end = offset, offset + size
        for start, length, extent, kind in self.extents:
            if pos >= end:
                break
            if not start <= pos < start + length:
                continue
            take = min(end, start + length) - pos
            if kind == "ZERO":
                out += bytes(take)
            elif extent is None:
                raise GuestUnreadable(self.missing.get(start, f"no readable extent at guest offset {pos}"))
            else:
                out += extent.read(pos - start, take)
            pos += take
        return bytes(out)

    def close(self) -> None:
        for _, _, extent, _ in self.extents:
            if extent is not None:
                extent.close()
        super().close()
