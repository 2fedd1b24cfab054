"""Bounded, counted reads: the only way the preflight touches a file, so it can never read a whole disk."""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from .model import InspectError, MiB

# A safety net far above what any inspection needs (tests hold real images under 1 MiB).
DEFAULT_BUDGET = 16 * MiB


@dataclass
class ReadStats:
    """Bytes and calls across every file one inspection opens (an image and its extent files)."""

    bytes_read: int = 0
    reads: int = 0
    budget: int = DEFAULT_BUDGET

    def charge(self, size: int, path: str) -> None:
        if self.bytes_read + size > self.budget:
            raise InspectError(
                f"inspection would read more than {self.budget} bytes; the headers are inconsistent", path
            )
        self.bytes_read += size
        self.reads += 1


class FileReader:
    """Positioned reads from one file, charged to shared ReadStats; short reads only at end of file."""

    def __init__(self, path: str, stats: ReadStats | None = None) -> None:
        self.path = path
        self.stats = stats if stats is not None else ReadStats()
        try:
            # O_NONBLOCK: opening a FIFO by mistake must fail below, not wait for a writer.
            self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError:
            raise InspectError("no such file", path) from None
        except PermissionError:
            raise InspectError("permission denied", path) from None
        except OSError as exc:
            raise InspectError(f"cannot open: {exc.strerror}", path) from None
        try:
            mode = os.fstat(self._fd).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISBLK(mode)):
                kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file or block device"
                raise InspectError(f"is {kind}, not a disk image file", path)
            # A block device (a real disk, /dev/nbd0) has no st_size; its end is where seeking stops.
            self.size = os.lseek(self._fd, 0, os.SEEK_END) if stat.S_ISBLK(mode) else os.fstat(self._fd).st_size
        except OSError as exc:
            os.close(self._fd)
            raise InspectError(f"cannot stat: {exc.strerror}", path) from None
        except InspectError:
            os.close(self._fd)
            raise

    def read(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes at `offset` (fewer only past end of file)."""
        if offset < 0 or size < 0:
            raise InspectError(f"negative read ({size} bytes at {offset}): corrupt header", self.path)
        size = max(0, min(size, self.size - offset))
        if size == 0:
            return b""
        self.stats.charge(size, self.path)
        try:
            return os.pread(self._fd, size, offset)
        except OSError as exc:
            raise InspectError(f"read error at offset {offset}: {exc.strerror}", self.path) from None

    def read_exact(self, offset: int, size: int, what: str) -> bytes:
        """Exactly `size` bytes, or an InspectError naming `what` was cut off."""
        data = self.read(offset, size)
        if len(data) != size:
            raise InspectError(
                f"truncated: {what} needs bytes {offset}..{offset + size} but the file ends at {self.size}",
                self.path,
            )
        return data

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> FileReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
