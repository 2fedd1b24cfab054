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
class CredentialChoice:
    """What a resource's `credentials` input names: a profile and/or a role to assume, never a secret."""

    profile: str = ""
    role_arn: str = ""
    role_session_name: str = ""

    @classmethod
    def of(cls, value: object) -> CredentialChoice | None:
        if not isinstance(value, dict) or not any(value.get(k) for k in ("profile", "role_arn")):
            return None
        return cls(str(value.get("profile") or ""), str(value.get("role_arn") or ""),
                   str(value.get("role_session_name") or ""))

    def describe(self) -> str:
        parts = [f"profile {self.profile!r}"] if self.profile else []
        if self.role_arn:
            parts.append(f"role {self.role_arn!r}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Target:
    """Where an adapter works: cloud, service, region and endpoint profile (`cloud` or `sim`)."""

    cloud: str
    service: str
    region: str
    profile: str = "cloud"
    credentials: CredentialChoice | None = None  # the resource's `credentials` input; None: the default chain

    @property
    def simulated(self) -> bool:
        return self.profile == "sim"


TAG_KEY = "imageforge-key"
MARKER_PREFIX = "imageforge:"


@dataclass(frozen=True)
class Identity:
    """How a re-run with no state recognises what this resource made: its key, as a tag or a description marker.

    The key is a digest of the stack, the resource and every replace-on input, so only the same
    resource asking for the same thing finds it.
    """

    key: str
    name: str = ""

    @property
    def tags(self) -> dict[str, str]:
        return {TAG_KEY: self.key}

    @property
    def marker(self) -> str:
        return f"[{MARKER_PREFIX}{self.key}]"

    def mark(self, description: str) -> str:
        """The description with the marker appended (services whose images take no tags)."""
        return f"{description} {self.marker}".strip() if self.marker not in description else description

    def matches(self, tags: Mapping[str, str], description: str = "") -> bool:
        return tags.get(TAG_KEY) == self.key or self.marker in description


def unmarked(description: str) -> str:
    """A description as the user wrote it: without imageforge's identity marker."""
    start = description.find(f"[{MARKER_PREFIX}")
    if start < 0:
        return description
    end = description.find("]", start)
    return (description[:start] + description[end + 1:]).strip() if end >= 0 else description


@dataclass(frozen=True)
class Started:
    """What a call that starts something returns at once: the new id, or the job that will name it.

    Neither set means the cloud accepted the call without naming anything (Tencent ImportImage):
    the object is then found by its identity.
    """

    image_id: str = ""
    request_id: str = ""
    job_id: str = ""
    vm_id: str = ""  # a launch: the new VM, when the call names it at once


@dataclass(frozen=True)
class JobStatus:
    """One look at a vendor job (IMS): running, succeeded or failed, and the image it names."""

    state: str  # RUNNING, SUCCEEDED or FAILED
    image_id: str = ""
    progress: float | None = None
    reason: str = ""
    code: str = ""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class Deferred:
    """A copy the cloud cannot start yet: no free copy slot, or the source is busy. Offered again later.

    `until_slot`: offer it again only when one of this operation's copies has finished.
    """

    reason: str
    until_slot: bool = False


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
    """One capture as the adapter sends it; tags and description already carry the identity.

    `scope` None means the service's own default (ECS: every disk of an instance; elsewhere the
    system disk). `source_facts` are what the user stated about the source (os_state, os_type,
    disk_type, encrypted), which the adapter checks against what the cloud says.
    """

    name: str
    source: Source
    description: str = ""
    scope: Scope | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    client_token: str = ""
    clean_personal_data: bool = True
    sysprep: bool = False
    force_poweroff: bool = False
    encrypted: bool = False
    architecture: str = ""
    source_facts: Mapping[str, object] = field(default_factory=dict)
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
    """Copy one source image to other regions; the regions are named per call (`start_copies`).

    `tags` and `description` already carry the identity where copies take them; `entries` holds
    each region's settings (replicas, storage) where the service has them.
    """

    source_image_id: str
    source_region: str
    name: str = ""
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    client_token: str = ""
    encrypted: bool = False
    entries: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class BaseImage:
    """The image a build VM starts from, as the cloud names it: what a baked image's outputs trace back to."""

    image_id: str
    name: str
    os_type: str  # linux or windows
    owner: str = ""  # "public", "marketplace", "self", "shared": where the cloud says it comes from
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class LaunchRequest:
    """One temporary build VM as the adapter launches it; `tags` already carry the identity.

    `network` holds the keys the service declares in its build OperationSpec.network (vSwitch,
    VPC, subnet, security group, zone...); `client_token` is derived from the resource's key, so a
    retried launch call returns the VM an earlier call made. `admin_secret` is generated for the
    one launch, never stored: services that require a login credential get it, the others ignore it.
    """

    region: str
    name: str
    base_image: BaseImage
    instance_type: str
    network: Mapping[str, str] = field(default_factory=dict)
    disk_size_gb: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    client_token: str = ""
    resource_group: str = ""
    admin_secret: str = field(default="", repr=False)
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
