"""The common shape of an opened disk image: its header facts and a way to read guest bytes."""
from __future__ import annotations

import os
from collections.abc import Callable

from .model import Finding, InspectError
from .reader import FileReader

SECTOR = 512


class GuestUnreadable(Exception):
    """Guest sectors exist but this inspector cannot decode them (encryption, zstd...): partitions unknown."""


class Container:
    """An image file opened by one format module; `read` returns guest (virtual disk) bytes.

    Subclasses fill in the header facts and implement `_read_unit`, which reads inside one
    allocation unit (cluster, block, grain) so that the lookup happens once per unit.
    """

    format = "raw"
    unit = 1 << 20

    def __init__(self, reader: FileReader) -> None:
        self.reader = reader
        self.path = reader.path
        self.file_size = reader.size
        self.virtual_size = 0
        self.subformat: str | None = None
        self.format_version: int | None = None
        self.encrypted = False
        self.encryption: str | None = None
        self.backing_file: str | None = None
        self.external_files: list[str] = []
        self.findings: list[Finding] = []
        # Why guest sectors cannot be read (encryption, unsupported compression...); None if they can.
        self.unreadable: str | None = None
        self.parent: Parent | None = None

    def note(self, severity: str, code: str, message: str, fix: str = "") -> None:
        self.findings.append(Finding(severity, code, message, fix))

    def fail(self, message: str) -> InspectError:
        return InspectError(message, self.path)

    def read(self, offset: int, size: int) -> bytes:
        """Guest bytes [offset, offset+size), clipped to the virtual size."""
        if self.unreadable is not None:
            raise GuestUnreadable(self.unreadable)
        end = min(offset + size, self.virtual_size)
        parts: list[bytes] = []
        pos = offset
        while pos < end:
            chunk = min(end - pos, self.unit - pos % self.unit)
            data = self._read_unit(pos, chunk)
            if len(data) != chunk:
                raise self.fail(f"guest read at {pos} returned {len(data)} of {chunk} bytes")
            parts.append(data)
            pos += chunk
        return b"".join(parts)

    def _read_unit(self, offset: int, size: int) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        if self.parent is not None:
            self.parent.close()
        self.reader.close()


class RawContainer(Container):
    """A raw disk: guest offset equals file offset; a sparse hole reads as zeros like any other."""

    format = "raw"

    def __init__(self, reader: FileReader) -> None:
        super().__init__(reader)
        self.virtual_size = reader.size

    def _read_unit(self, offset: int, size: int) -> bytes:
        return self.reader.read(offset, size)


class SliceContainer(Container):
    """A byte range of another file read as a disk (a VMDK FLAT extent, a fixed VHD's data area)."""

    def __init__(self, reader: FileReader, offset: int, size: int) -> None:
        super().__init__(reader)
        self.base = offset
        self.virtual_size = size

    def _read_unit(self, offset: int, size: int) -> bytes:
        data = self.reader.read(self.base + offset, size)
        # A flat extent shorter than its declared size reads as zeros past its end, as hypervisors do.
        return data + bytes(size - len(data))


Opener = Callable[[str], Container]


class Parent:
    """A backing/parent image, opened only when a guest read falls through to it."""

    def __init__(self, name: str, child_path: str, opener: Opener | None) -> None:
        self.name = name
        self.path = name if os.path.isabs(name) else os.path.join(os.path.dirname(child_path), name)
        self._opener = opener
        self._container: Container | None = None

    def read(self, offset: int, size: int) -> bytes:
        if self._container is None:
            if self._opener is None or not os.path.isfile(self.path):
                raise GuestUnreadable(f"the guest data lives partly in the backing file {self.name}, "
                                      "which is not here")
            self._container = self._opener(self.path)
        data = self._container.read(offset, size)
        return data + bytes(size - len(data))

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
