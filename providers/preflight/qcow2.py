"""QCOW2 (v2 and v3): header, extensions, encryption, backing file, and L1/L2 lookup for guest reads.

Layout: https://gitlab.com/qemu-project/qemu/-/blob/master/docs/interop/qcow2.txt
"""
from __future__ import annotations

import struct
import zlib

from .container import SECTOR, Container, GuestUnreadable, Opener, Parent
from .reader import FileReader

MAGIC = b"QFI\xfb"
V2_HEADER = 72
V3_HEADER = 104
OFFSET_MASK = 0x00FF_FFFF_FFFF_FE00
COMPRESSED = 1 << 62
ZERO_FLAG = 1

EXT_END = 0
EXT_BACKING_FORMAT = 0xE2792ACA
EXT_FEATURE_TABLE = 0x6803F857
EXT_FDE = 0x0537BE77
EXT_DATA_FILE = 0x44415441

INCOMPAT_DIRTY = 1 << 0
INCOMPAT_CORRUPT = 1 << 1
INCOMPAT_DATA_FILE = 1 << 2
INCOMPAT_COMPRESSION = 1 << 3
INCOMPAT_EXTENDED_L2 = 1 << 4
INCOMPAT_KNOWN = (1 << 5) - 1

ENCRYPTION = {0: None, 1: "aes", 2: "luks"}
COMPRESSION = {0: "zlib", 1: "zstd"}


def probe(head: bytes) -> bool:
    return head[:4] == MAGIC


class Qcow2(Container):
    """An opened qcow2 file; reads follow L1 -> L2 -> data cluster, one 8-byte entry at a time."""

    format = "qcow2"

    def __init__(self, reader: FileReader, opener: Opener | None = None) -> None:
        super().__init__(reader)
        self._clusters: dict[int, bytes] = {}
        self.backing_format: str | None = None
        self._parse_header(opener)

    def _parse_header(self, opener: Opener | None) -> None:
        r = self.reader
        head = r.read_exact(0, V2_HEADER, "qcow2 header")
        (_, version, backing_off, backing_len, cluster_bits, size, crypt, l1_size, l1_off,
         refcount_off, refcount_clusters, snapshots, _) = struct.unpack(">4sIQIIQIIQQIIQ", head)
        if version == 1:
            raise self.fail("QCOW version 1 image: no cloud imports it; convert with "
                            "`qemu-img convert -f qcow -O qcow2 IN OUT.qcow2`")
        if version not in (2, 3):
            raise self.fail(f"unsupported qcow2 version {version} (expected 2 or 3): corrupt header?")
        if not 9 <= cluster_bits <= 21:
            raise self.fail(f"corrupt qcow2 header: cluster_bits {cluster_bits} outside 9..21")
        if crypt not in ENCRYPTION:
            raise self.fail(f"corrupt qcow2 header: unknown encryption method {crypt}")
        self.format_version = version
        self.virtual_size = size
        self.cluster_bits = cluster_bits
        self.unit = cluster_size = 1 << cluster_bits
        self.encryption = ENCRYPTION[crypt]
        self.encrypted = self.encryption is not None
        self.l1_size, self.l1_offset = l1_size, l1_off

        incompatible, header_length, compression = 0, V2_HEADER, 0
        if version == 3:
            v3 = r.read_exact(V2_HEADER, V3_HEADER - V2_HEADER, "qcow2 v3 header")
            incompatible, _, _, _, header_length = struct.unpack(">QQQII", v3)
            if not V3_HEADER <= header_length <= cluster_size:
                raise self.fail(f"corrupt qcow2 header: header_length {header_length} outside "
                                f"{V3_HEADER}..{cluster_size}")
            if header_length > V3_HEADER and incompatible & INCOMPAT_COMPRESSION:
                compression = r.read_exact(V3_HEADER, 1, "qcow2 compression type")[0]
        unknown = incompatible & ~INCOMPAT_KNOWN
        if unknown:
            raise self.fail(f"qcow2 uses incompatible features unknown here (bits 0x{unknown:x}); "
                            "qemu-img and the clouds may not open it either")
        self.extended_l2 = bool(incompatible & INCOMPAT_EXTENDED_L2)
        self.compression = COMPRESSION.get(compression)
        if self.compression is None:
            raise self.fail(f"corrupt qcow2 header: unknown compression type {compression}")

        self._check_tables(l1_off, l1_size, refcount_off, refcount_clusters, cluster_size)
        if backing_off:
            if backing_len == 0 or backing_len > 1023:
                raise self.fail(f"corrupt qcow2 header: backing file name length {backing_len}")
            raw = r.read_exact(backing_off, backing_len, "qcow2 backing file name")
            self.backing_file = raw.decode("utf-8", "replace")
            self.parent = Parent(self.backing_file, self.path, opener)
        self._read_extensions(header_length, cluster_size, backing_off)
        if incompatible & INCOMPAT_DATA_FILE and not self.external_files:
            self.external_files.append("(unnamed external data file)")

        if incompatible & INCOMPAT_CORRUPT:
            self.note("error", "qcow2_corrupt", "the qcow2 image is marked corrupt by qemu",
                      "run `qemu-img check -r all IN`, then `qemu-img convert -O qcow2 IN OUT.qcow2`")
        if incompatible & INCOMPAT_DIRTY:
            self.note("warning", "qcow2_dirty", "the qcow2 image was not closed cleanly (dirty refcounts)",
                      "run `qemu-img check -r all IN` before uploading")
        if snapshots:
            self.note("info", "qcow2_snapshots", f"the image holds {snapshots} internal snapshot(s); "
                      "clouds import only the current state")
        if self.encrypted:
            self.unreadable = f"the qcow2 image is encrypted ({self.encryption})"
        elif incompatible & INCOMPAT_DATA_FILE:
            self.unreadable = "the guest data lives in an external data file"

    def _check_tables(self, l1_off: int, l1_size: int, rc_off: int, rc_clusters: int, cluster: int) -> None:
        l2_entries = cluster // (16 if self.extended_l2 else 8)
        span = cluster * l2_entries
        needed = -(-self.virtual_size // span)
        if l1_size < needed:
            raise self.fail(f"corrupt qcow2 header: L1 table has {l1_size} entries, "
                            f"a {self.virtual_size}-byte disk needs {needed}")
        if l1_size and (l1_off % cluster or l1_off == 0):
            raise self.fail(f"corrupt qcow2 header: L1 table offset {l1_off} is not cluster-aligned")
        if l1_size and l1_off + 8 * l1_size > self.file_size:
            raise self.fail(f"truncated: the qcow2 L1 table ends at {l1_off + 8 * l1_size} "
                            f"but the file ends at {self.file_size}")
        if rc_off % cluster or rc_off == 0:
            raise self.fail(f"corrupt qcow2 header: refcount table offset {rc_off} is not cluster-aligned")
        if rc_off + rc_clusters * cluster > self.file_size:
            raise self.fail(f"truncated: the qcow2 refcount table ends at {rc_off + rc_clusters * cluster} "
                            f"but the file ends at {self.file_size}")

    def _read_extensions(self, start: int, cluster: int, backing_off: int) -> None:
        end = min(cluster, backing_off) if backing_off else cluster
        pos = start
        while pos + 8 <= end:
            kind, length = struct.unpack(">II", self.reader.read_exact(pos, 8, "qcow2 header extension"))
            if kind == EXT_END:
                return
            if pos + 8 + length > end:
                raise self.fail(f"corrupt qcow2 header: extension 0x{kind:08x} overruns the header cluster")
            if kind == EXT_DATA_FILE:
                name = self.reader.read_exact(pos + 8, length, "qcow2 data file name")
                self.external_files.append(name.decode("utf-8", "replace"))
            elif kind == EXT_BACKING_FORMAT and length <= 16:
                self.backing_format = self.reader.read_exact(pos + 8, length, "backing format").decode(
                    "ascii", "replace")
            pos += 8 + ((length + 7) & ~7)

    # -- guest reads ----------------------------------------------------------------------------

    def _entry(self, offset: int, size: int, what: str) -> int:
        data = self.reader.read_exact(offset, size, what)
        return int.from_bytes(data[:8], "big")

    def _read_unit(self, offset: int, size: int) -> bytes:
        cluster = self.unit
        entry_size = 16 if self.extended_l2 else 8
        l2_entries = cluster // entry_size
        index = offset // cluster
        l1_index, l2_index = divmod(index, l2_entries)
        within = offset % cluster
        if l1_index >= self.l1_size:
            return self._fallthrough(offset, size)
        l2_off = self._entry(self.l1_offset + 8 * l1_index, 8, "qcow2 L1 entry") & OFFSET_MASK
        if l2_off == 0:
            return self._fallthrough(offset, size)
        if l2_off % cluster:
            raise self.fail(f"corrupt qcow2: L2 table offset {l2_off} is not cluster-aligned")
        pos = l2_off + l2_index * entry_size
        raw = self.reader.read_exact(pos, entry_size, f"qcow2 L2 table at {l2_off}")
        entry = int.from_bytes(raw[:8], "big")
        if entry & COMPRESSED:
            return self._compressed(entry)[within:within + size]
        host = entry & OFFSET_MASK
        if self.extended_l2:
            bitmap = int.from_bytes(raw[8:16], "big")
            sub = within // (cluster // 32)
            if bitmap & (1 << sub):
                return self._data(host + within, size, offset)
            if bitmap & (1 << (32 + sub)):
                return bytes(size)
            return self._fallthrough(offset, size)
        if entry & ZERO_FLAG and self.format_version == 3:
            return bytes(size)
        if host == 0:
            return self._fallthrough(offset, size)
        if host % cluster:
            raise self.fail(f"corrupt qcow2: data cluster offset {host} is not cluster-aligned")
        return self._data(host + within, size, offset)

    def _data(self, host: int, size: int, guest: int) -> bytes:
        if host + size > self.file_size:
            raise self.fail(f"truncated: the data for guest offset {guest} is at file offset {host}, "
                            f"past the end of the file ({self.file_size} bytes)")
        return self.reader.read(host, size)

    def _fallthrough(self, offset: int, size: int) -> bytes:
        if self.parent is not None:
            return self.parent.read(offset, size)
        return bytes(size)

    def _compressed(self, entry: int) -> bytes:
        if entry in self._clusters:
            return self._clusters[entry]
        if self.compression == "zstd":
            raise GuestUnreadable("the qcow2 clusters are zstd-compressed (no zstd in the standard library)")
        shift = 62 - (self.cluster_bits - 8)
        host = entry & ((1 << shift) - 1)
        sectors = ((entry >> shift) & ((1 << (self.cluster_bits - 8)) - 1)) + 1
        length = sectors * SECTOR - (host % SECTOR)
        data = self.reader.read(host, length)
        if not data:
            raise self.fail(f"truncated: a compressed cluster at file offset {host} is past the end of the file")
        try:
            out = zlib.decompressobj(-12).decompress(data, self.unit)
        except zlib.error as exc:
            raise self.fail(f"corrupt qcow2: compressed cluster at {host} does not inflate ({exc})") from None
        out = out + bytes(self.unit - len(out))
        self._clusters[entry] = out
        return out
