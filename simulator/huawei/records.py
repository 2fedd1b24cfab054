"""What the simulated IMS and ECS keep: images, jobs and servers as records, each job's lifecycle shared.

An image and the job that makes it share one lazy `Lifecycle` (simulator/core/lifecycle.py): the job
reads INIT, RUNNING, then SUCCESS or FAIL; its image reads queued, saving, then active or killed. The
store keeps the records under the keys the previous release wrote, so its state files still load:
`from_record` reads those keys (and `Lifecycle.of` the flat timestamps of 0.1.0: begin/created,
end_at/done_at, fail_at); keys this version no longer reads (visible_at, saving_at, running_at) are dropped.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

from ..core.lifecycle import KEY as LIFECYCLE, Lifecycle, Phase

JOB_INIT_SECONDS = 10.0  # INIT before RUNNING; the job names its image from then on
QUEUED_SECONDS = 30.0  # the image reads queued, then saving
ACTIVE_JOB = ("INIT", "RUNNING")

Record = TypeVar("Record", "Image", "Job", "Server")


def iso(ts: float | None) -> str | None:
    return None if ts is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _load(cls: type[Record], record: dict[str, Any], **extra: Any) -> Record:
    """The dataclass from a stored record: keys it does not know (older or newer) are left out."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in record.items() if k in names}, **extra)


def _dump(obj: Image | Job) -> dict[str, Any]:
    data = asdict(obj)
    data[LIFECYCLE] = obj.life.record()
    del data["life"]
    return data


@dataclass
class Image:
    """A gold (public) or private image; `source` is how IMS names its origin (`instance,<id>`, ...)."""

    id: str
    name: str
    region: str
    imagetype: str = "private"
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    os_type: str = ""
    os_version: str = ""
    platform: str = ""
    min_disk: int = 40
    whole: bool = False  # a full-ECS image (system and data disks, backed by CBR)
    cmk_id: str = ""  # the KMS key that encrypts it
    source: str = ""
    job_id: str = ""
    created: float = 0.0
    updated: float | None = None
    life: Lifecycle = field(default_factory=lambda: Lifecycle(0.0, 0.0))
    vault_id: str = ""
    backup_id: str = ""
    root_origin: str = ""  # "file" for an image registered from OBS
    architecture: str = ""
    firmware: str = "bios"
    is_config: bool = False
    quick_import: bool = False
    extras: dict[str, Any] = field(default_factory=dict)  # attributes set by UpdateImage, shown as given

    @property
    def private(self) -> bool:
        return self.imagetype == "private"

    def status(self, now: float) -> str:
        phase = self.life.at(now).phase
        if phase is Phase.FAILED:
            return "killed"
        if phase is Phase.DONE:
            return "active"
        return "queued" if now - self.life.started_at < QUEUED_SECONDS else "saving"

    def shown(self, key: str, now: float) -> Any:
        """What ListImages shows under `key` (a filter compares it), without building the whole view."""
        base = {
            "id": self.id, "name": self.name, "__imagetype": self.imagetype, "__os_type": self.os_type,
            "__platform": self.platform, "visibility": "private" if self.private else "public",
        }
        if key in self.extras:  # UpdateImage attributes override what the view would show
            return self.extras[key]
        if key == "status":
            return self.status(now)
        if key == "tags":
            return self.tag_list()
        return base.get(key)

    def tag_list(self) -> list[str]:
        """Tags as IMS lists them: "key.value", sorted."""
        return [f"{k}.{v}" for k, v in sorted(self.tags.items())]

    def to_record(self) -> dict[str, Any]:
        return _dump(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Image:
        return _load(cls, record, life=Lifecycle.of(record))


@dataclass
class Job:
    """One IMS asynchronous job; `image_id` is empty when it failed before making its image."""

    job_id: str
    job_type: str
    region: str
    life: Lifecycle
    error_code: str
    fail_reason: str
    image_id: str
    image_name: str
    server_id: str = ""  # the server a capture reads (busy while the job runs)
    dest_region: str = ""  # a cross-region copy's destination (copies count against the tenant's slots)
    source_image_id: str = ""
    image_url: str = ""

    def status(self, now: float) -> str:
        phase = self.life.at(now).phase
        if phase is Phase.FAILED:
            return "FAIL"
        if phase is Phase.DONE:
            return "SUCCESS"
        return "INIT" if now - self.life.started_at < JOB_INIT_SECONDS else "RUNNING"

    def active(self, now: float) -> bool:
        return self.status(now) in ACTIVE_JOB

    def ended_at(self, now: float) -> float | None:
        """When the job succeeded or failed (None while it runs)."""
        status, life = self.status(now), self.life
        if status == "SUCCESS":
            return life.started_at + life.duration
        if status == "FAIL":
            return life.started_at + life.duration * (life.fails_at or 0.0)
        return None

    def to_record(self) -> dict[str, Any]:
        return _dump(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Job:
        return _load(cls, record, life=Lifecycle.of(record))


@dataclass
class Server:
    """A seeded ECS server to capture from; `created` is already ISO text, as ECS shows it."""

    id: str
    name: str
    region: str
    status: str
    os_type: str
    os_version: str
    image_id: str
    system_disk_gb: int
    created: str
    flavor: str

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Server:
        return _load(cls, record)
