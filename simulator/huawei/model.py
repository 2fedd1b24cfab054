"""Huawei Cloud IMS and ECS: servers, private images and asynchronous jobs, with IMS error codes.

Every IMS write is a job: the request answers `{"job_id"}` at once; the job reads INIT, then
RUNNING, then SUCCESS or FAIL (ShowJob and ShowJobProgress), and names its image once it runs.
The image is listed from the moment the job is accepted (queued -> saving -> active, or killed
when the job fails); a job that fails while still in INIT never made an image. Jobs and images
share one lazy lifecycle record (simulator/core/lifecycle.py), read against the simulated clock.
CreateImage with `image_url` registers an OBS file (files.py); copies are in copies.py. Codes
come from the IMS API reference error table; where it has no specific code the closest one is
used (noted at the call).
"""
from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.lifecycle import KEY as LIFECYCLE, Lifecycle, Phase
from ..core.wire import SimError
from .files import file_image
from .regions import REGIONS, SEEDED_REGIONS, server_id, vault_id

VENDOR = "huawei-ims"
CAPTURE_SECONDS = {"Linux": 600.0, "Windows": 900.0}
WHOLE_IMAGE_EXTRA = 600.0
JOB_INIT_SECONDS = 10.0  # INIT before RUNNING; the job names its image from then on
QUEUED_SECONDS = 30.0  # the image reads queued, then saving
DEFAULT_FAIL = ("IMG.0014", "An exception occurred when IaaS OpenStack was executing the task.")
NAME_RE = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff._\- ]+$")
ACTIVE_JOB = ("INIT", "RUNNING")


def iso(ts: float | None) -> str | None:
    return None if ts is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def bad(code: str, message: str, status: int = 400) -> SimError:
    return SimError(code, message, status)


def check_name(name: Any) -> str:
    if not name:
        raise bad("IMG.0013", "The image name is not specified.")
    if not isinstance(name, str):
        raise bad("IMG.0003", "The image name format is invalid.")
    if len(name) > 128:
        raise bad("IMG.0002", "The image name contains more than 128 characters.")
    if name != name.strip() or not NAME_RE.match(name):
        raise bad("IMG.0003", "The image name format is invalid.")
    return name


def check_description(text: Any) -> str:
    text = text or ""
    if len(text) > 1024:
        raise bad("IMG.0004", "The description contains more than 1024 characters.")
    if any(c in text for c in "<>\r\n"):
        raise bad("IMG.0054", "The image description format is invalid.")
    return str(text)


def parse_tags(body: dict[str, Any]) -> dict[str, str]:
    """`tags: ["key.value"]` or `image_tags: [{"key","value"}]`, never both; at most 10."""
    if body.get("tags") and body.get("image_tags"):
        raise bad("IMG.0001", "The request message format is invalid.")
    out: dict[str, str] = {}
    for tag in body.get("tags") or []:
        key, _, value = str(tag).partition(".")
        out[key] = value
    for tag in body.get("image_tags") or []:
        out[str(tag.get("key", "")).strip()] = str(tag.get("value", "")).strip()
    for key, value in out.items():
        if not key or len(key) > 36 or len(value) > 43:
            raise bad("IMG.0115", "The image tag is invalid.")
    if len(out) > 10:
        raise bad("IMG.0116", "The number of image tags exceeds the quota.")
    return out


class ImsModel:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # seeds ---------------------------------------------------------------------
    def seed(self) -> None:
        created = self.ctx.now() - 86400 * 30
        for region in REGIONS:
            for os_type, name in (("Linux", "CentOS 7.9 64bit"), ("Windows", "Windows Server 2022 Standard 64bit")):
                gid = self._public_image_id(region, os_type)
                self.store.put(VENDOR, region, "image", gid, {
                    "id": gid, "name": name, "description": "", "region": region, "imagetype": "gold",
                    "created": created, LIFECYCLE: Lifecycle.start(created, 0.0).record(), "os_type": os_type,
                    "os_version": name, "platform": os_type if os_type == "Windows" else "CentOS",
                    "min_disk": 40, "tags": {}, "whole": False, "cmk_id": "", "source": "", "job_id": "",
                })
        for region in SEEDED_REGIONS:
            for kind, os_type, disk, status in (("linux", "Linux", 40, "ACTIVE"), ("windows", "Windows", 60, "SHUTOFF"),
                                                ("bigdisk", "Linux", 200, "ACTIVE")):
                sid = server_id(region, kind)
                self.store.put(VENDOR, region, "server", sid, {
                    "id": sid, "name": f"golden-{kind}", "region": region, "status": status, "os_type": os_type,
                    "os_version": "Windows Server 2022 Standard 64bit" if os_type == "Windows" else "CentOS 7.9 64bit",
                    "image_id": self._public_image_id(region, os_type), "system_disk_gb": disk,
                    "created": iso(created), "flavor": "s6.large.2",
                })
            vid = vault_id(region)
            self.store.put(VENDOR, region, "vault", vid, {"id": vid, "name": "imageforge-vault", "region": region})

    @staticmethod
    def _public_image_id(region: str, os_type: str) -> str:
        digest = hashlib.sha256(f"gold/{region}/{os_type}".encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"

    # servers -------------------------------------------------------------------
    def server(self, region: str, sid: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "server", sid)
        if found is None:
            raise SimError("Ecs.0114", f"Instance[{sid}] could not be found.", 404, shape="ecs")
        return found

    def server_task(self, region: str, sid: str) -> str:
        """`image_snapshot` while a capture of this server runs (ECS shows it as task_state)."""
        return "image_snapshot" if self._capture_running(region, sid) else ""

    def _capture_running(self, region: str, sid: str) -> bool:
        return any(j.get("server_id") == sid and self.job_status(j) in ACTIVE_JOB
                   for j in self.store.list(VENDOR, region, "job"))

    # jobs ----------------------------------------------------------------------
    def job_status(self, job: dict[str, Any]) -> str:
        now = self.ctx.now()
        phase = Lifecycle.of(job).at(now).phase
        if phase is Phase.FAILED:
            return "FAIL"
        if phase is Phase.DONE:
            return "SUCCESS"
        return "INIT" if now - Lifecycle.of(job).started_at < JOB_INIT_SECONDS else "RUNNING"

    def job(self, region: str, job_id: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "job", job_id)
        if found is None:
            # The job table has no "not found" code; IMG.0023 (task query failed) is the closest.
            raise bad("IMG.0023", "An exception occurred during task query.", 404)
        return found

    def job_view(self, job: dict[str, Any]) -> dict[str, Any]:
        """The ShowJob / ShowJobProgress reply (the same fields, `entities` as JobProgressEntities)."""
        life = Lifecycle.of(job)
        reading = life.at(self.ctx.now())
        status = self.job_status(job)
        entities: dict[str, Any] = {}
        if job["image_id"] and status != "INIT":
            entities.update(image_id=job["image_id"], image_name=job["image_name"])
        if status == "RUNNING":
            entities.update(process_percent=round(reading.progress / 100.0, 2), current_task=job["job_type"])
        end = {"SUCCESS": life.started_at + life.duration,
               "FAIL": life.started_at + life.duration * (life.fails_at or 0.0)}.get(status)
        failed = status == "FAIL"
        return {
            "status": status, "job_id": job["job_id"], "job_type": job["job_type"],
            "begin_time": iso(life.started_at), "end_time": iso(end),
            "error_code": job["error_code"] if failed else None,
            "fail_reason": job["fail_reason"] if failed else None,
            "entities": entities,
        }

    def start_job(self, region: str, job_type: str, action: str, image: dict[str, Any], duration: float,
                  fault_region: str = "", **extra: Any) -> str:
        """Accept a job that makes `image`: an injected `fail` fault (params {"after": seconds}, by default
        half-way) fails it; failing while still in INIT, it never makes its image."""
        now = self.ctx.now()
        job_id = ids.token(self.store, "huawei.job", 32, "0123456789abcdef")
        fault = self.ctx.take_failure(VENDOR, action, fault_region or region)
        after = float(fault.params.get("after", duration * 0.5)) if fault is not None else duration
        life = Lifecycle.start(now, duration, fault is not None, min(0.99, max(0.0, after / duration)))
        made = fault is None or after >= JOB_INIT_SECONDS
        if made:
            image.update({LIFECYCLE: life.record(), "job_id": job_id, "created": now, "updated": now})
            self.store.put(VENDOR, image["region"], "image", image["id"], image)
        self.store.put(VENDOR, region, "job", job_id, {
            "job_id": job_id, "job_type": job_type, "region": region, LIFECYCLE: life.record(),
            "error_code": (fault.code if fault and fault.code else DEFAULT_FAIL[0]),
            "fail_reason": (fault.message if fault and fault.message else DEFAULT_FAIL[1]),
            "image_id": image["id"] if made else "", "image_name": image["name"], **extra,
        })
        return job_id

    def copies_in_flight(self) -> int:
        return sum(1 for j in self.store.list(VENDOR, None, "job")
                   if j.get("dest_region") and self.job_status(j) in ACTIVE_JOB)

    # images --------------------------------------------------------------------
    def image_status(self, image: dict[str, Any]) -> str:
        life = Lifecycle.of(image)
        now = self.ctx.now()
        phase = life.at(now).phase
        if phase is Phase.FAILED:
            return "killed"
        if phase is Phase.DONE:
            return "active"
        return "queued" if now - life.started_at < QUEUED_SECONDS else "saving"

    def image(self, region: str, image_id: str, status: int = 400) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "image", image_id)
        if found is None:
            raise bad("IMG.0144", "The image does not exist.", status)
        return found

    def images(self, region: str) -> list[dict[str, Any]]:
        return self.store.list(VENDOR, region, "image")

    def new_image(self, region: str, name: str, description: str, tags: dict[str, str], **fields: Any) -> dict[str, Any]:
        return {"id": ids.uuid_like(self.store, "huawei.image"), "name": name, "description": description,
                "region": region, "imagetype": "private", "tags": tags, "whole": False, "cmk_id": "", **fields}

    def create_image(self, region: str, body: dict[str, Any], whole: bool = False) -> str:
        with self.store.transaction():  # the busy-server check and the new job are one step
            return self._create_image(region, body, whole)

    def _create_image(self, region: str, body: dict[str, Any], whole: bool) -> str:
        name = check_name(body.get("name"))
        description = check_description(body.get("description"))
        tags = parse_tags(body)
        if body.get("image_url") and not whole:
            if body.get("instance_id") or body.get("volume_id"):
                raise bad("IMG.0001", "The request message format is invalid: give image_url or instance_id, not both.")
            fields, duration = file_image(body)
            image = self.new_image(region, name, description, tags, **fields)
            return self.start_job(region, "createImageByFile", "CreateImage", image, duration,
                                  image_url=str(body["image_url"]))
        if not body.get("instance_id"):
            if body.get("image_url") or body.get("volume_id") or body.get("data_images"):
                raise bad("IMG.0105", "The operation is not supported (not implemented by the simulator).")
            raise bad("IMG.0012", "The ECS ID is not specified.")
        try:
            server = self.server(region, body["instance_id"])
        except SimError:
            raise bad("IMG.0005", "The ECS does not exist.") from None
        if server["status"] not in ("ACTIVE", "SHUTOFF"):
            raise bad("IMG.0126" if whole else "IMG.0008", "The ECS in the current status cannot be used to create an image.")
        if self._capture_running(region, server["id"]):
            raise bad("IMG.0010", "The ECS cannot be used to create an image because it has in-progress tasks.")
        if whole:
            if not body.get("vault_id"):
                raise bad("IMG.0001", "The request message format is invalid: vault_id is required to create a full-ECS image from an ECS.")
            if self.store.get(VENDOR, region, "vault", body["vault_id"]) is None:
                raise bad("IMG.0184", "Failed to obtain the vault.")
        image = self.new_image(
            region, name, description, tags, os_type=server["os_type"], os_version=server["os_version"],
            platform="Windows" if server["os_type"] == "Windows" else "CentOS", min_disk=server["system_disk_gb"],
            whole=whole, cmk_id=body.get("cmk_id") or "", source=f"instance,{server['id']}",
            vault_id=body.get("vault_id") or "", backup_id=ids.uuid_like(self.store, "huawei.backup") if whole else "",
        )
        duration = CAPTURE_SECONDS[server["os_type"]] + (WHOLE_IMAGE_EXTRA if whole else 0.0)
        job_type = "createWholeImageByInstance" if whole else "createImageByInstance"
        action = "CreateWholeImage" if whole else "CreateImage"
        return self.start_job(region, job_type, action, image, duration, server_id=server["id"])

    def update_image(self, region: str, image_id: str, ops: Any) -> dict[str, Any]:
        image = self.image(region, image_id)
        if not isinstance(ops, list) or not ops:
            raise bad("IMG.0001", "The request message format is invalid.")
        if image["imagetype"] != "private":
            raise bad("IMG.0047", "This operation can be performed only by the image owner.")
        if self.image_status(image) != "active":
            raise bad("IMG.0046", "The image is unavailable.")
        for op in ops:
            kind, path, value = op.get("op"), op.get("path"), op.get("value")
            if kind not in ("add", "replace", "remove") or not isinstance(path, str) or not path.startswith("/"):
                raise bad("IMG.0001", "The request message format is invalid.")
            if path == "/name":
                if kind == "remove":
                    raise bad("IMG.0013", "The image name is not specified.")
                image["name"] = check_name(value)
            elif path == "/__description":
                image["description"] = "" if kind == "remove" else check_description(value)
            else:
                extras = image.setdefault("extras", {})
                if kind == "remove":
                    extras.pop(path[1:], None)
                else:
                    extras[path[1:]] = value
        image["updated"] = self.ctx.now()
        self.store.put(VENDOR, region, "image", image_id, image)
        return image

    def set_tags(self, region: str, image_id: str, action: str, tags: list[dict[str, Any]]) -> None:
        image = self.image(region, image_id, 404)
        if action not in ("create", "delete"):
            raise bad("IMG.0001", "The request message format is invalid.")
        merged = dict(image["tags"])
        for tag in tags:
            key = str(tag.get("key", "")).strip()
            if action == "create":
                merged[key] = str(tag.get("value", "")).strip()
            else:
                merged.pop(key, None)
        image["tags"] = parse_tags({"image_tags": [{"key": k, "value": v} for k, v in merged.items()]})
        self.store.put(VENDOR, region, "image", image_id, image)

    def delete_image(self, region: str, image_id: str) -> None:
        image = self.image(region, image_id, 404)
        if image["imagetype"] != "private":
            raise bad("IMG.0094", "The public image cannot be deleted.")
        if self.image_status(image) in ("queued", "saving"):
            raise bad("IMG.0090", "The image being created cannot be deleted.")
        self.store.delete(VENDOR, region, "image", image_id)
