"""VHDX: file identifier, headers, region table, metadata, and BAT lookup for guest reads.

Layout: [MS-VHDX] https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-vhdx/
"""
from __future__ import annotations

import struct
import uuid

from .container import Container, Opener, Parent
from .model import MiB
from .reader import FileReader

SIGNATURE = b"vhdxfile"
HEADER_OFFSETS = (64 * 1024, 128 * 1024)
REGION_OFFSETS = (192 * 1024, 256 * 1024)
HEADER_SIZE = 4096
REGION_SIZE = 64 * 1024

BAT_GUID = uuid.UUID("2DC27766-F623-4200-9D64-115E9BFD4A08")
METADATA_GUID = uuid.UUID("8B7CA206-4790-4B9A-B8FE-575F050F886E")
FILE_PARAMETERS = uuid.UUID("CAA16737-FA36-4D43-B3B6-33F0AA44E76B")
VIRTUAL_DISK_SIZE = uuid.UUID("2FA54224-CD1B-4876-B211-5DBED83BF4B8")
LOGICAL_SECTOR_SIZE = uuid.UUID("8141BF1D-A96F-4709-BA47-F233A8FAAB5F")
PARENT_LOCATOR = uuid.UUID("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C")

FULLY_PRESENT, PARTIALLY_PRESENT = 6, 7


def probe(head: bytes) -> bool:
    return head[:8] == SIGNATURE


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), which VHDX uses for headers and region tables; zlib has only CRC-32."""
    crc = 0xFFFF_FFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFF_FFFF


def _valid(block: bytes, signature: bytes) -> bool:
    if block[:len(signature)] != signature or len(block) < 8:
        return False
    stored = int.from_bytes(block[4:8], "little")
    return crc32c(block[:4] + b"\0\0\0\0" + block[8:]) == stored


class Vhdx(Container):
    """An opened VHDX; guest reads map payload blocks through the BAT (sector-bitmap entries skipped)."""

    format = "vhdx"

    def __init__(self, reader: FileReader, opener: Opener | None = None) -> None:
        super().__init__(reader)
        self.format_version = 1
        self._parse_header()
        regions = self._parse_regions()
        if BAT_GUID not in regions or METADATA_GUID not in regions:
            raise self.fail("corrupt VHDX: the region table lacks the BAT or the metadata region")
        self._parse_metadata(*regions[METADATA_GUID], opener)
        self.bat_offset, bat_length = regions[BAT_GUID]
        self.chunk_ratio = (1 << 23) * self.logical_sector // self.unit
        blocks = -(-self.virtual_size // self.unit)
        needed = blocks + (blocks - 1) // self.chunk_ratio if blocks else 0
        if needed * 8 > bat_length:
            raise self.fail(f"corrupt VHDX: the BAT holds {bat_length // 8} entries, the disk needs {needed}")
        if self.bat_offset + needed * 8 > self.file_size:
            raise self.fail(f"truncated: the VHDX BAT ends at {self.bat_offset + needed * 8} "
                            f"but the file ends at {self.file_size}")

    def _parse_header(self) -> None:
        best: tuple[int, bytes] | None = None
        for offset in HEADER_OFFSETS:
            block = self.reader.read(offset, HEADER_SIZE)
            if len(block) == HEADER_SIZE and _valid(block, b"head"):
                sequence = int.from_bytes(block[8:16], "little")
                if best is None or sequence > best[0]:
                    best = (sequence, block)
        if best is None:
            if self.file_size < HEADER_OFFSETS[1] + HEADER_SIZE:
                raise self.fail(f"truncated: a VHDX needs its headers at 64 KiB and 128 KiB, "
                                f"the file is {self.file_size} bytes")
            raise self.fail("corrupt VHDX: neither header at 64 KiB nor at 128 KiB has a valid 'head' checksum")
        header = best[1]
        log_guid = header[48:64]
        version = int.from_bytes(header[66:68], "little")
        if version != 1:
            raise self.fail(f"unsupported VHDX version {version} (expected 1)")
        if any(log_guid):
            self.note("warning", "vhdx_log", "the VHDX has a log that was not replayed (not closed cleanly); "
                      "its data may be inconsistent", "attach and detach it once in Hyper-V, or run "
                      "`qemu-img check -r all IN`, before uploading")

    def _parse_regions(self) -> dict[uuid.UUID, tuple[int, int]]:
        for offset in REGION_OFFSETS:
            block = self.reader.read(offset, REGION_SIZE)
            if len(block) == REGION_SIZE and _valid(block, b"regi"):
                count = int.from_bytes(block[8:12], "little")
                if count > 2047:
                    raise self.fail(f"corrupt VHDX region table: {count} entries")
                regions = {}
                for i in range(count):
                    raw = block[16 + 32 * i:48 + 32 * i]
                    guid = uuid.UUID(bytes_le=raw[:16])
                    file_offset, length, _ = struct.unpack("<QII", raw[16:32])
                    regions[guid] = (file_offset, length)
                return regions
        if self.file_size < REGION_OFFSETS[0] + REGION_SIZE:
            raise self.fail(f"truncated: a VHDX needs its region table at 192 KiB, the file is "
                            f"{self.file_size} bytes")
        raise self.fail("corrupt VHDX: neither region table (192 KiB, 256 KiB) has a valid checksum")

    def _parse_metadata(self, offset: int, length: int, opener: Opener | None) -> None:
        head = self.reader.read_exact(offset, 32, "VHDX metadata table")
        if head[:8] != b"metadata":
            raise self.fail(f"corrupt VHDX: no metadata table signature at {offset}")
        count = int.from_bytes(head[10:12], "little")
        if count > 2047:
            raise self.fail(f"corrupt VHDX metadata table: {count} entries")
        table = self.reader.read_exact(offset + 32, 32 * count, "VHDX metadata entries")
        items: dict[uuid.UUID, bytes] = {}
        for i in range(count):
            raw = table[32 * i:32 * i + 32]
            item_offset, item_length = struct.unpack("<II", raw[16:24])
            if item_offset + item_length > length:
                raise self.fail("corrupt VHDX: a metadata item lies outside the metadata region")
            if item_length <= 64 * 1024:
                items[uuid.UUID(bytes_le=raw[:16])] = self.reader.read_exact(
                    offset + item_offset, item_length, "VHDX metadata item")
        for needed, name in ((FILE_PARAMETERS, "file parameters"), (VIRTUAL_DISK_SIZE, "virtual disk size"),
                             (LOGICAL_SECTOR_SIZE, "logical sector size")):
            if needed not in items:
                raise self.fail(f"corrupt VHDX: the metadata has no {name}")
        block_size, flags = struct.unpack("<II", items[FILE_PARAMETERS][:8])
        if block_size < MiB or block_size > 256 * MiB or block_size & (block_size - 1):
            raise self.fail(f"corrupt VHDX metadata: block size {block_size}")
        self.unit = block_size
        self.virtual_size = int.from_bytes(items[VIRTUAL_DISK_SIZE][:8], "little")
        self.logical_sector = int.from_bytes(items[LOGICAL_SECTOR_SIZE][:4], "little")
        if self.logical_sector not in (512, 4096):
            raise self.fail(f"corrupt VHDX metadata: logical sector size {self.logical_sector}")
        self.subformat = "differencing" if flags & 2 else ("fixed" if flags & 1 else "dynamic")
        if flags & 2:
            locator = _parent_locator(items.get(PARENT_LOCATOR, b""))
            self.backing_file = locator.get("relative_path") or locator.get("absolute_win32_path") or \
                "(unnamed parent)"
            self.parent = Parent(self.backing_file.replace("\\", "/"), self.path, opener)

    def _bat(self, index: int) -> int:
        raw = self.reader.read_exact(self.bat_offset + 8 * index, 8, "VHDX BAT entry")
        return int.from_bytes(raw, "little")

    def _read_unit(self, offset: int, size: int) -> bytes:
        block, within = divmod(offset, self.unit)
        entry = self._bat(block + block // self.chunk_ratio)
        state, host = entry & 7, (entry >> 20) * MiB
        if state == PARTIALLY_PRESENT and self.parent is not None:
            return self._partial(block, host, offset, within, size)
        if state not in (FULLY_PRESENT, PARTIALLY_PRESENT):
            if self.parent is not None and state == 0:
                return self.parent.read(offset, size)
            return bytes(size)
        if host + within + size > self.file_size:
            raise self.fail(f"truncated: VHDX block {block} (guest offset {offset}) lies at file offset "
                            f"{host}, past the end of the file ({self.file_size} bytes)")
        return self.reader.read(host + within, size)

    def _partial(self, block: int, host: int, offset: int, within: int, size: int) -> bytes:
        """A differencing block: the chunk's sector bitmap says which sectors are here."""
        chunk = block // self.chunk_ratio
        bitmap_entry = self._bat(chunk * (self.chunk_ratio + 1) + self.chunk_ratio)
        bitmap_at = (bitmap_entry >> 20) * MiB
        sector = self.logical_sector
        out = bytearray()
        pos = within
        while pos < within + size:
            end = min(within + size, (pos // sector + 1) * sector)
            bit = (block % self.chunk_ratio) * (self.unit // sector) + pos // sector
            byte = self.reader.read_exact(bitmap_at + bit // 8, 1, "VHDX sector bitmap")[0]
            if byte & (1 << (bit % 8)) or self.parent is None:
                out += self.reader.read(host + pos, end - pos)
            else:
                out += self.parent.read(offset - within + pos, end - pos)
            pos = end
        return bytes(out)


def _parent_locator(data: bytes) -> dict[str, str]:
    """Key/value pairs (UTF-16LE) of the VHDX parent locator metadata item."""
    if len(data) < 20:
        return {}
    count = int.from_bytes(data[18:20], "little")
    pairs = {}
    for i in range(min(count, 64)):
        raw = data[20 + 12 * i:32 + 12 * i]
        if len(raw) < 12:
            break
        key_off, value_off, key_len, value_len = struct.unpack("<IIHH", raw)
        key = data[key_off:key_off + key_len].decode("utf-16-le", "replace")
        pairs[key] = data[value_off:value_off + value_len].decode("utf-16-le", "replace")
    return pairs
