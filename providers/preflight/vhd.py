"""VHD (Virtual PC / Hyper-V gen 1): footer, fixed/dynamic/differencing, and BAT lookup for guest reads.

Layout: https://learn.microsoft.com/en-us/windows/win32/vstor/about-vhd (VHD Image Format Specification)
"""
from __future__ import annotations

import struct

from .container import SECTOR, Container, Opener, Parent, SliceContainer
from .reader import FileReader

COOKIE = b"conectix"
DYNAMIC_COOKIE = b"cxsparse"
FOOTER_SIZE = 512
DYNAMIC_HEADER_SIZE = 1024
TYPES = {2: "fixed", 3: "dynamic", 4: "differencing"}
UNALLOCATED = 0xFFFF_FFFF
MAX_GEOMETRY = 65535 * 16 * 255
# Creator apps whose size is the CHS geometry rather than the footer's current size (as qemu reads them).
CHS_CREATORS = (b"vpc ", b"qemu")


def probe(head: bytes) -> bool:
    """A dynamic or differencing VHD starts with a copy of its footer."""
    return head[:8] == COOKIE


def probe_tail(reader: FileReader) -> bool:
    """A fixed VHD is raw data followed by a 512-byte footer: look at the end, not the extension."""
    return reader.size >= FOOTER_SIZE and reader.read(reader.size - FOOTER_SIZE, 8) == COOKIE


def checksum(block: bytes, field: int) -> int:
    """Ones' complement of the byte sum, with the 4-byte checksum field at `field` counted as zero."""
    total = sum(block) - sum(block[field:field + 4])
    return ~total & 0xFFFF_FFFF


class Vhd(Container):
    """An opened VHD; a fixed one reads straight through, a dynamic one through its BAT."""

    format = "vhd"

    def __init__(self, reader: FileReader, opener: Opener | None = None, footer_at_start: bool = True) -> None:
        super().__init__(reader)
        self._fixed: SliceContainer | None = None
        where = 0 if footer_at_start else reader.size - FOOTER_SIZE
        self._parse_footer(reader.read_exact(where, FOOTER_SIZE, "VHD footer"))
        if self.subformat == "fixed":
            self._open_fixed()
        else:
            self._open_dynamic(opener)

    def _parse_footer(self, footer: bytes) -> None:
        (_, _, version, data_offset, _, creator, _, _, _, current, cyls, heads, secs, disk_type,
         stored) = struct.unpack(">8sIIQI4sI4sQQHBBII", footer[:68])
        if disk_type not in TYPES:
            raise self.fail(f"corrupt VHD footer: disk type {disk_type} (expected 2 fixed, 3 dynamic, "
                            "4 differencing)")
        if version >> 16 != 1:
            raise self.fail(f"corrupt VHD footer: file format version 0x{version:08x} (expected 0x00010000)")
        if checksum(footer, 64) != stored:
            self.note("warning", "vhd_checksum", "the VHD footer checksum does not match its contents",
                      "re-export the disk, or rewrite it with `qemu-img convert -O vpc IN OUT.vhd`")
        self.subformat = TYPES[disk_type]
        self.format_version = 1
        self.creator = creator
        self.current_size = current
        self.data_offset = data_offset
        geometry = cyls * heads * secs
        # qemu's rule (block/vpc.c): Virtual PC and qemu images use CHS, others the current size;
        # the maximum geometry means "bigger than CHS can say".
        if creator in CHS_CREATORS and geometry != MAX_GEOMETRY:
            self.virtual_size = geometry * SECTOR
        else:
            self.virtual_size = current

    def _open_fixed(self) -> None:
        data = self.file_size - FOOTER_SIZE
        if self.current_size > data:
            raise self.fail(f"truncated: the fixed VHD declares {self.current_size} bytes of disk but holds "
                            f"{data} before its footer")
        self._fixed = SliceContainer(self.reader, 0, self.virtual_size)

    def _open_dynamic(self, opener: Opener | None) -> None:
        r = self.reader
        if self.data_offset + DYNAMIC_HEADER_SIZE > self.file_size:
            raise self.fail(f"truncated: the VHD dynamic header at {self.data_offset} is past the end "
                            f"of the file ({self.file_size} bytes)")
        header = r.read_exact(self.data_offset, DYNAMIC_HEADER_SIZE, "VHD dynamic header")
        cookie, _, bat, _, entries, block, _ = struct.unpack(">8sQQIIII", header[:40])
        if cookie != DYNAMIC_COOKIE:
            raise self.fail(f"corrupt VHD: no dynamic disk header ('cxsparse') at offset {self.data_offset}")
        if block < SECTOR or block & (block - 1):
            raise self.fail(f"corrupt VHD dynamic header: block size {block} is not a power of two")
        if entries * block < self.virtual_size:
            raise self.fail(f"corrupt VHD dynamic header: {entries} blocks of {block} bytes cannot hold "
                            f"a {self.virtual_size}-byte disk")
        if bat + 4 * entries > self.file_size:
            raise self.fail(f"truncated: the VHD block allocation table ends at {bat + 4 * entries} "
                            f"but the file ends at {self.file_size}")
        self.unit = block
        self.bat_offset, self.bat_entries = bat, entries
        self.bitmap_size = -(-(block // SECTOR // 8) // SECTOR) * SECTOR
        if r.read(self.file_size - FOOTER_SIZE, 8) != COOKIE:
            self.note("error", "vhd_truncated", "the footer copy at the end of the VHD is missing: "
                      "the file is truncated or was not fully written", "export or copy the file again")
        if self.subformat == "differencing":
            name = header[64:576].decode("utf-16-be", "replace").rstrip("\x00")
            locator = self._relative_locator(header)
            self.backing_file = name or locator or "(unnamed parent)"
            self.parent = Parent(locator or name, self.path, opener)

    def _relative_locator(self, header: bytes) -> str | None:
        """The parent's relative Windows path (W2ru locator), made usable here."""
        for i in range(8):
            code, _, length, _, offset = struct.unpack(">4sIIIQ", header[576 + 24 * i:600 + 24 * i])
            if code == b"W2ru" and 0 < length <= 4096:
                raw = self.reader.read(offset, length)
                path = raw.decode("utf-16-le", "replace").rstrip("\x00").replace("\\", "/")
                return path[2:] if path.startswith("./") else path
        return None

    def _read_unit(self, offset: int, size: int) -> bytes:
        if self._fixed is not None:
            return self._fixed.read(offset, size)
        index, within = divmod(offset, self.unit)
        if index >= self.bat_entries:
            return bytes(size)
        raw = self.reader.read_exact(self.bat_offset + 4 * index, 4, "VHD block allocation table entry")
        sector = int.from_bytes(raw, "big")
        if sector == UNALLOCATED:
            return self.parent.read(offset, size) if self.parent is not None else bytes(size)
        start = sector * SECTOR + self.bitmap_size
        if start + within + size > self.file_size:
            raise self.fail(f"truncated: VHD block {index} (guest offset {offset}) lies at file offset "
                            f"{start}, past the end of the file ({self.file_size} bytes)")
        if self.parent is None:
            return self.reader.read(start + within, size)
        return self._differencing(sector * SECTOR, start, offset, within, size)

    def _differencing(self, bitmap_at: int, start: int, offset: int, within: int, size: int) -> bytes:
        """Sectors whose bitmap bit is set live in this file; the others in the parent."""
        first, last = within // SECTOR, (within + size - 1) // SECTOR
        bitmap = self.reader.read_exact(bitmap_at + first // 8, last // 8 - first // 8 + 1, "VHD sector bitmap")
        out = bytearray()
        for sector in range(first, last + 1):
            lo = max(within, sector * SECTOR)
            hi = min(within + size, (sector + 1) * SECTOR)
            bit = sector - (first // 8) * 8
            if bitmap[bit // 8] & (0x80 >> (bit % 8)):
                out += self.reader.read(start + lo, hi - lo)
            else:
                out += self.parent.read(offset - within + lo, hi - lo) if self.parent else bytes(hi - lo)
        return bytes(out)
