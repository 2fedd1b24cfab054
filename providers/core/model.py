"""Plain values passed between resources and adapters: frozen dataclasses and enums."""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class ImageStatus(str, enum.Enum):
    """Our image lifecycle; each adapter maps its vendor's states onto it in mapping.py."""

    CREATING = "creating"
    AVAILABLE = "available"
    FAILED = "failed"
    DELETING = "deleting"
    DELETED = "deleted"
    UNKNOWN = "unknown"

    @property
    def settled(self) -> bool:
        return self in (ImageStatus.AVAILABLE, ImageStatus.FAILED, ImageStatus.DELETED)


class Scope(str, enum.Enum):
    SYSTEM = "system"
    SYSTEM_AND_DATA = "system+data"


@dataclass(frozen=True)
class Target:
    """Where an adapter works: cloud, service, region and endpoint profile (`cloud` or `sim`)."""

    cloud: str
    service: str
    region: str
    profile: str = "cloud"

    @property
    def simulated(self) -> bool:
        return self.profile == "sim"


@dataclass(frozen=True)
class Source:
    """What an image is captured from; exactly the fields the cloud needs are set."""

    instance: str = ""
    desktop: str = ""
    snapshot: str = ""
    snapshots: tuple[str, ...] = ()
    data_snapshots: tuple[str, ...] = ()
    data_disks: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        for name in ("instance", "desktop", "snapshot", "snapshots"):
            if getattr(self, name):
                return name
        return ""


@dataclass(frozen=True)
class CaptureRequest:
    name: str
    source: Source
    description: str = ""
    scope: Scope = Scope.SYSTEM
    tags: Mapping[str, str] = field(default_factory=dict)
    client_token: str = ""
    clean_personal_data: bool = True
    sysprep: bool = False
    force_poweroff: bool = False
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportRequest:
    """Register a disk-image file already in the cloud's object storage as an image."""

    name: str
    bucket: str
    key: str
    format: str  # raw, qcow2, vhd, vmdk
    os_type: str = "linux"
    description: str = ""
    platform: str = ""
    architecture: str = ""
    boot_mode: str = ""  # BIOS or UEFI
    disk_size_gb: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    client_token: str = ""
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ImageInfo:
    """One image as the cloud describes it now."""

    image_id: str
    region: str
    status: ImageStatus
    name: str = ""
    description: str = ""
    progress: float | None = None
    raw_status: str = ""
    size_gb: int | None = None
    os_type: str = ""
    platform: str = ""
    architecture: str = ""
    encrypted: bool | None = None
    created: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    failure: str = ""
    copying: bool = False


@dataclass(frozen=True)
class CopyRequest:
    """Copy one source image to several regions (one call per region or one batched call)."""

    source_image_id: str
    source_region: str
    regions: tuple[str, ...]
    name: str = ""
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    client_token: str = ""
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class VmInfo:
    vm_id: str
    region: str
    power_state: str
    os_type: str = ""
    generalized: bool = False
    encrypted: bool = False
    name: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CommandResult:
    """The outcome of one script run inside a VM."""

    exit_code: int
    stdout_tail: str = ""
    stderr_tail: str = ""
