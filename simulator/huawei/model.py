"""Huawei Cloud IMS and ECS: servers, private images and asynchronous jobs, with IMS error codes.

Every IMS write is a job: the request answers `{"job_id"}` at once; the job reads INIT, then
RUNNING, then SUCCESS or FAIL (ShowJob and ShowJobProgress), and names its image once it runs.
The image is listed from the moment the job is accepted (queued -> saving -> active, or killed
when the job fails); a job that fails while still in INIT never made an image. Jobs and images
share one lazy lifecycle (records.py), read against the simulated clock. The methods take typed
values the wire parsed; CreateImage from an OBS file is checked in files.py, copies in copies.py.
Codes come from the IMS API reference error table; where it has no specific code the closest one
is used (noted at the call).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import Lifecycle
from ..core.store import ANY
from ..core.wire import SimError
from .files import FileImport, file_image
from .records import JOB_INIT_SECONDS, Image, Job, Server, iso
from .regions import REGIONS, SEEDED_REGIONS, server_id, vault_id

VENDOR = "huawei-ims"
CAPTURE_SECONDS = {"Linux": 600.0, "Windows": 900.0}
WHOLE_IMAGE_EXTRA = 600.0
DEFAULT_FAIL = ("IMG.0014", "An exception occurred when IaaS OpenStack was executing the task.")
NAME_RE = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff._\- ]+$")
MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE = 10, 36, 43


def bad(code: str, message: str, status: int = 400) -> SimError:
    return SimError(code, message, status)


def check_name(name: object) -> str:
    """IMS image names: 1-128 letters, digits, CJK, '.', '_', '-' and inner spaces."""
    if not name:
        raise bad("IMG.0013", "The image name is not specified.")
    if not isinstance(name, str):
        raise bad("IMG.0003", "The image name format is invalid.")
    if len(name) > 128:
        raise bad("IMG.0002", "The image name contains more than 128 characters.")
    if name != name.strip() or not NAME_RE.match(name):
        raise bad("IMG.0003", "The image name format is invalid.")
    return name


def check_description(text: str) -> str:
    if len(text) > 1024:
        raise bad("IMG.0004", "The description contains more than 1024 characters.")
    if any(c in text for c in "<>\r\n"):
        raise bad("IMG.0054", "The image description format is invalid.")
    return text


def check_tags(tags: dict[str, str]) -> dict[str, str]:
    """Keys 1-36 characters, values up to 43, at most ten tags on an image."""
    for key, value in tags.items():
        if not key or len(key) > MAX_TAG_KEY or len(value) > MAX_TAG_VALUE:
            raise bad("IMG.0115", "The image tag is invalid.")
    if len(tags) > MAX_TAGS:
        raise bad("IMG.0116", "The number of image tags exceeds the quota.")
    return tags


@dataclass(frozen=True)
class Patch:
    """One UpdateImage operation (JSON Patch): `op` add/replace/remove on an attribute `path`."""

    op: str
    path: str
    value: Any = None


def image_keys(record: dict[str, Any]) -> list[tuple[str, str]]:
    """What ListImages looks images up by: the id and name it shows and each tag ("key.value") it lists;
    tags shown as anything but a list (an UpdateImage attribute) match every tag lookup."""
    image = Image.from_record(record)
    tags = image.shown("tags", 0.0)
    listed = [("tag", t) for t in tags if isinstance(t, str)] if isinstance(tags, (list, dict)) else [("tag", ANY)]
    return [("id", str(image.shown("id", 0.0))), ("name", str(image.shown("name", 0.0))), *listed]


def job_keys(record: dict[str, Any]) -> list[tuple[str, str]]:
    """Jobs are looked up by the server a capture reads and by being a cross-region copy."""
    job = Job.from_record(record)
    return [("server", job.server_id)] + ([("copy", "1")] if job.dest_region else [])


class ImsModel:
    """One tenant's IMS and ECS over the shared store: every call reads records, never cached state."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.store.index(VENDOR, "image", image_keys, "1")
        self.store.index(VENDOR, "job", job_keys, "1")

    def now(self) -> float:
        return self.ctx.now()

    # seeds ---------------------------------------------------------------------
    def seed(self) -> None:
        created = self.now() - 86400 * 30
        for region in REGIONS:
            for os_type, name in (("Linux", "CentOS 7.9 64bit"), ("Windows", "Windows Server 2022 Standard 64bit")):
                self._put_image(Image(
                    self._public_image_id(region, os_type), name, region, imagetype="gold", os_type=os_type,
                    os_version=name, platform=os_type if os_type == "Windows" else "CentOS", created=created,
                    life=Lifecycle.start(created, 0.0)))
        for region in SEEDED_REGIONS:
            for kind, os_type, disk, status in (("linux", "Linux", 40, "ACTIVE"), ("windows", "Windows", 60, "SHUTOFF"),
                                                ("bigdisk", "Linux", 200, "ACTIVE")):
                server = Server(
                    server_id(region, kind), f"golden-{kind}", region, status, os_type,
                    "Windows Server 2022 Standard 64bit" if os_type == "Windows" else "CentOS 7.9 64bit",
                    self._public_image_id(region, os_type), disk, iso(created) or "", "s6.large.2")
                self.store.put(VENDOR, region, "server", server.id, server.to_record())
            vid = vault_id(region)
            self.store.put(VENDOR, region, "vault", vid, {"id": vid, "name": "imageforge-vault", "region": region})

    @staticmethod
    def _public_image_id(region: str, os_type: str) -> str:
        digest = hashlib.sha256(f"gold/{region}/{os_type}".encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"

    # servers and vaults ----------------------------------------------------------
    def server(self, region: str, sid: str) -> Server:
        found = self.store.get(VENDOR, region, "server", sid)
        if found is None:
            raise SimError("Ecs.0114", f"Instance[{sid}] could not be found.", 404)
        return Server.from_record(found)

    def server_task(self, region: str, sid: str) -> str:
        """`image_snapshot` while a capture of this server runs (ECS shows it as task_state)."""
        return "image_snapshot" if self._capture_running(region, sid) else ""

    def _capture_running(self, region: str, sid: str) -> bool:
        now = self.now()
        found = map(Job.from_record, self.store.lookup(VENDOR, region, "job", "server", [sid]))
        return any(job.server_id == sid and job.active(now) for job in found)

    def _check_vault(self, region: str, vault: str, what: str) -> None:
        if not vault:
            raise bad("IMG.0001", f"The request message format is invalid: vault_id is required to {what}.")
        if self.store.get(VENDOR, region, "vault", vault) is None:
            raise bad("IMG.0184", "Failed to obtain the vault.")

    # jobs ----------------------------------------------------------------------
    def job(self, region: str, job_id: str) -> Job:
        found = self.store.get(VENDOR, region, "job", job_id)
        if found is None:
            # The job table has no "not found" code; IMG.0023 (task query failed, 400) is the closest.
            raise bad("IMG.0023", "An exception occurred during task query.")
        return Job.from_record(found)

    def jobs(self, region: str | None) -> list[Job]:
        """The jobs of `region` (None: every region of the tenant)."""
        return [Job.from_record(r) for r in self.store.list(VENDOR, region, "job")]

    def job_status(self, job: Job) -> str:
        return job.status(self.now())

    def start_job(self, region: str, job_type: str, action: str, image: Image, duration: float, *,
                  fault_region: str = "", server_id: str = "", dest_region: str = "", source_image_id: str = "",
                  image_url: str = "") -> str:
        """Accept a job that makes `image`: an injected `fail` fault (params {"after": seconds}, by default
        half-way) fails it; failing while still in INIT, it never makes its image."""
        now = self.now()
        job_id = ids.token(self.store, "huawei.job", 32, "0123456789abcdef")
        fault = self.ctx.take_failure(VENDOR, action, fault_region or region)
        after = float(fault.params.get("after", duration * 0.5)) if fault is not None else duration
        life = Lifecycle.start(now, duration, fault is not None, min(0.99, max(0.0, after / duration)))
        made = fault is None or after >= JOB_INIT_SECONDS
        if made:
            image.life, image.job_id, image.created, image.updated = life, job_id, now, now
            self._put_image(image)
        job = Job(job_id, job_type, region, life,
                  error_code=fault.code if fault and fault.code else DEFAULT_FAIL[0],
                  fail_reason=fault.message if fault and fault.message else DEFAULT_FAIL[1],
                  image_id=image.id if made else "", image_name=image.name, server_id=server_id,
                  dest_region=dest_region, source_image_id=source_image_id, image_url=image_url)
        self.store.put(VENDOR, region, "job", job_id, job.to_record())
        return job_id

    def copies_in_flight(self) -> int:
        """Cross-region copy jobs in INIT or RUNNING, in every region of the tenant."""
        now = self.now()
        found = map(Job.from_record, self.store.lookup(VENDOR, None, "job", "copy", ["1"]))
        return sum(1 for job in found if job.dest_region and job.active(now))

    # images --------------------------------------------------------------------
    def image_status(self, image: Image) -> str:
        return image.status(self.now())

    def image(self, region: str, image_id: str, status: int = 400) -> Image:
        found = self.store.get(VENDOR, region, "image", image_id)
        if found is None:
            raise bad("IMG.0144", "The image does not exist.", status)
        return Image.from_record(found)

    def images(self, region: str, *, image_id: str = "", name: str = "", imagetype: str = "", status: str = "",
               os_type: str = "", platform: str = "", visibility: str = "", tag: str = "") -> list[Image]:
        """The images of `region` that show each given value (and carry `tag`, "key.value"), filtered
        on the records before any view is built; an empty filter matches everything."""
        wanted = {"id": image_id, "name": name, "__imagetype": imagetype, "status": status, "__os_type": os_type,
                  "__platform": platform, "visibility": visibility}
        if image_id or name or tag:  # the store's indexes narrow the records read to those that can match
            key, value = ("id", image_id) if image_id else ("name", name) if name else ("tag", tag)
            records = self.store.lookup(VENDOR, region, "image", key, [value])
        else:
            records = self.store.list(VENDOR, region, "image")
        now, out = self.now(), []
        for record in records:
            image = Image.from_record(record)
            if any(value and str(image.shown(key, now)) != value for key, value in wanted.items()):
                continue
            if tag and tag not in image.shown("tags", now):
                continue
            out.append(image)
        return out

    def _put_image(self, image: Image) -> None:
        self.store.put(VENDOR, image.region, "image", image.id, image.to_record())

    def new_image(self, region: str, name: str, description: str, tags: dict[str, str], **fields: Any) -> Image:
        """A private image, not stored yet: `start_job` stores it once its job has made it."""
        return Image(ids.uuid_like(self.store, "huawei.image"), name, region, description=description, tags=tags,
                     **fields)

    def capture(self, region: str, *, name: str, description: str = "", tags: dict[str, str] | None = None,
                instance_id: str = "", whole: bool = False, vault: str = "", cmk_id: str = "",
                image_url: str = "", volume_id: str = "", data_images: bool = False) -> str:
        """CreateImage (or CreateWholeImage, `whole`) from an ECS server: the job's id."""
        with self.store.transaction():  # the busy-server check and the new job are one step
            name, description = check_name(name), check_description(description)
            tags = check_tags(tags or {})
            if not instance_id:
                if image_url or volume_id or data_images:
                    raise bad("IMG.0105", "The operation is not supported (not implemented by the simulator).")
                raise bad("IMG.0012", "The ECS ID is not specified.")
            found = self.store.get(VENDOR, region, "server", instance_id)
            if found is None:
                raise bad("IMG.0005", "The ECS does not exist.")
            server = Server.from_record(found)
            if server.status not in ("ACTIVE", "SHUTOFF"):
                raise (bad("IMG.0126", "The VM in the current stage cannot be used to create a full-ECS image.") if whole
                       else bad("IMG.0008", "The ECS cannot be used to create images because it is not in stopped "
                                "state."))
            if self._capture_running(region, server.id):
                raise bad("IMG.0010", "The ECS cannot be used to create an image because it has in-progress tasks.")
            if whole:
                self._check_vault(region, vault, "create a full-ECS image from an ECS")
            image = self.new_image(
                region, name, description, tags, os_type=server.os_type, os_version=server.os_version,
                platform="Windows" if server.os_type == "Windows" else "CentOS", min_disk=server.system_disk_gb,
                whole=whole, cmk_id=cmk_id, source=f"instance,{server.id}", vault_id=vault,
                backup_id=ids.uuid_like(self.store, "huawei.backup") if whole else "")
            duration = CAPTURE_SECONDS[server.os_type] + (WHOLE_IMAGE_EXTRA if whole else 0.0)
            job_type = "createWholeImageByInstance" if whole else "createImageByInstance"
            action = "CreateWholeImage" if whole else "CreateImage"
            return self.start_job(region, job_type, action, image, duration, server_id=server.id)

    def register_file(self, region: str, *, name: str, description: str = "", tags: dict[str, str] | None = None,
                      spec: FileImport, instance_id: str = "", volume_id: str = "") -> str:
        """CreateImage with `image_url`: an image registered from an OBS file, as a job."""
        with self.store.transaction():
            name, description = check_name(name), check_description(description)
            tags = check_tags(tags or {})
            if instance_id or volume_id:
                raise bad("IMG.0001", "The request message format is invalid: give image_url or instance_id, not both.")
            image, duration = file_image(self.new_image(region, name, description, tags), spec)
            return self.start_job(region, "createImageByFile", "CreateImage", image, duration,
                                  image_url=spec.image_url)

    def update_image(self, region: str, image_id: str, patches: list[Patch]) -> Image:
        """UpdateImage: every patch applies, or none does."""
        image = self.image(region, image_id)
        if not patches:
            raise bad("IMG.0001", "The request message format is invalid.")
        if not image.private:
            raise bad("IMG.0047", "This operation can be performed only by the image owner.")
        if self.image_status(image) != "active":
            raise bad("IMG.0046", "The image is unavailable.")
        extras = dict(image.extras)
        for patch in patches:
            if patch.op not in ("add", "replace", "remove") or not patch.path.startswith("/"):
                raise bad("IMG.0001", "The request message format is invalid.")
            if patch.path == "/name":
                if patch.op == "remove":
                    raise bad("IMG.0013", "The image name is not specified.")
                image.name = check_name(patch.value)
            elif patch.path == "/__description":
                image.description = "" if patch.op == "remove" else check_description(_text(patch.value))
            elif patch.op == "remove":
                extras.pop(patch.path[1:], None)
            else:
                extras[patch.path[1:]] = patch.value
        image.extras, image.updated = extras, self.now()
        self._put_image(image)
        return image

    def set_tags(self, region: str, image_id: str, *, action: str, tags: list[tuple[str, str]]) -> None:
        """BatchAddOrDeleteTags: `create` adds or overwrites each (key, value), `delete` removes each key."""
        image = self.image(region, image_id, 404)
        if action not in ("create", "delete"):
            raise bad("IMG.0001", "The request message format is invalid.")
        merged = dict(image.tags)
        for key, value in tags:
            if action == "create":
                merged[key.strip()] = value.strip()
            else:
                merged.pop(key.strip(), None)
        image.tags = check_tags(merged)
        self._put_image(image)

    def delete_image(self, region: str, image_id: str) -> None:
        image = self.image(region, image_id, 404)
        if not image.private:
            raise bad("IMG.0094", "The public image cannot be deleted.")
        if self.image_status(image) in ("queued", "saving"):
            raise bad("IMG.0090", "The image being created cannot be deleted.")
        self.store.delete(VENDOR, region, "image", image_id)


def _text(value: object) -> str:
    """A description given in a patch: text, or nothing."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise bad("IMG.0054", "The image description format is invalid.")
    return value
