"""IMS image members: the owner adds and removes projects (BatchAddMembers / BatchDeleteMembers, jobs), each
member project accepts or rejects (BatchUpdateMembers), and both sides read the result.

Rules from the IMS API reference ("Restrictions on Image Sharing",
https://support.huaweicloud.com/intl/en-us/api-ims/ims_03_0903.html): sharing is within a region; a system or
data disk image has at most 256 members, a full-ECS image 10 (and only one made from a CBR backup, as every
simulated full-ECS image is); an encrypted image is not shared; shared images can be deleted at any time without
telling the members (members of a project, not of a domain), so GlanceDeleteImage drops the members with the image.

A member starts `pending`; once it accepts, the image is in its ListImages with `__imagetype=shared` (ListImages'
`member_status` defaults to accepted); a rejected member keeps its membership (it can still create servers from
the image) and is listed again with `member_status=rejected`. The owner's account keeps, per image, its members;
a member that is a simulated account keeps a pointer back to the owner. Membership calls answer a job id; the
change is made when the call is accepted and the job reports it (an injected `fail` fault fails the job and
changes nothing). Where the error table has no specific code, the closest one is used (noted at the call).
"""
from __future__ import annotations

import re
from typing import Any

from ..core import ids
from ..core.lifecycle import Lifecycle
from ..core.store import DEFAULT_ACCOUNT, current_account
from .model import VENDOR, ImsModel, bad
from .records import Image, Job, iso
from .regions import ACCOUNT_OF_PROJECT, PROJECTS, SECOND_PROJECTS

MEMBERS = "image-members"  # owner's account: image id -> {"members": {project id: {status, created, updated}}}
RECEIVED = "image-received"  # member's account: image id -> {"owner": owner's account name, "project": member}
PER_IMAGE, PER_WHOLE_IMAGE = 256, 10
STATUSES = ("accepted", "rejected", "pending")
PROJECT = re.compile(r"[0-9a-f]{32}")
JOB_SECONDS = 4.0


class ImsSharing:
    """Members of the signed-in account's images, and the images shared with its projects."""

    def __init__(self, model: ImsModel) -> None:
        self.model = model
        self.store = model.store

    # owner ---------------------------------------------------------------------------
    def members(self, region: str, image_id: str) -> dict[str, dict[str, Any]]:
        found = self.store.get(VENDOR, region, MEMBERS, image_id)
        return {k: dict(v) for k, v in ((found or {}).get("members") or {}).items()}

    def listed(self, region: str, image_id: str) -> list[dict[str, Any]]:
        """ListImageMembers / GlanceListImageMembers `members`, by member id (the image must be the caller's)."""
        image = self.model.image(region, image_id, 404)
        if not image.private:
            raise bad("IMG.0144", "The image does not exist.", 404)
        return [{"status": m["status"], "created_at": m["created_at"], "updated_at": m["updated_at"],
                 "image_id": image_id, "member_id": pid, "schema": "/v2/schemas/member", "member_type": "project"}
                for pid, m in sorted(self.members(region, image_id).items())]

    def change(self, region: str, project: str, images: list[str], projects: list[str], *, add: bool) -> str:
        """BatchAddMembers (`add`) or BatchDeleteMembers: checked now, made now, reported by a job."""
        with self.store.transaction():
            if not images or not projects:
                raise bad("IMG.0001", "The request message format is invalid: images and projects are required.")
            for pid in projects:
                if not isinstance(pid, str) or not PROJECT.fullmatch(pid):
                    raise bad("IMG.0001", f"The request message format is invalid: {pid!r} is not a project ID.")
                if add and pid == project:
                    # no specific code in the table: the image's own project cannot be its member
                    raise bad("IMG.0001", "The request message format is invalid: an image cannot be shared with "
                                          "its own project.")
            found = [self._shareable(region, image_id, projects, add) for image_id in images]
            job_type = "addImageMembers" if add else "deleteImageMembers"
            job_id, failed = self._job(region, job_type, "BatchAddMembers" if add else "BatchDeleteMembers")
            if not failed:
                for image in found:
                    self._apply(region, image, projects, add)
            return job_id

    def _shareable(self, region: str, image_id: str, projects: list[str], add: bool) -> Image:
        image = self.model.image(region, image_id)  # IMG.0144 for an image not in this project
        if not image.private:
            raise bad("IMG.0144", "The image does not exist.")
        if add:
            if self.model.image_status(image) != "active":
                raise bad("IMG.0046", "The image is not in the active state and cannot be shared.")
            if image.cmk_id:
                # "Encrypted images cannot be shared" (no specific code in the table: the closest capability refusal)
                raise bad("IMG.0105", "The operation is not supported: encrypted images cannot be shared.")
            members = self.members(region, image.id)
            limit = PER_WHOLE_IMAGE if image.whole else PER_IMAGE
            if len(members) + len({p for p in projects if p not in members}) > limit:
                # the closest quota code of the table
                raise bad("IMG.0088", f"The number of image members exceeds the quota ({limit} for this image).")
        return image

    def _apply(self, region: str, image: Image, projects: list[str], add: bool) -> None:
        members = self.members(region, image.id)
        stamp = iso(self.model.now())
        if add:
            for pid in [p for p in dict.fromkeys(projects) if p not in members]:
                members[pid] = {"status": "pending", "created_at": stamp, "updated_at": stamp}
                account = self._account(pid)
                if account is not None:
                    pointer = {"owner": current_account(), "image_id": image.id, "project": pid}
                    self.store.put(VENDOR, region, RECEIVED, image.id, pointer, account=account)
        else:
            for pid in projects:
                if members.pop(pid, None) is not None and (account := self._account(pid)) is not None:
                    self.store.delete(VENDOR, region, RECEIVED, image.id, account=account)
        self._save(region, image.id, members)

    def _save(self, region: str, image_id: str, members: dict[str, dict[str, Any]]) -> None:
        if members:
            self.store.put(VENDOR, region, MEMBERS, image_id, {"image_id": image_id, "members": members})
        else:
            self.store.delete(VENDOR, region, MEMBERS, image_id)

    def forget(self, region: str, image_id: str) -> None:
        """The image is deleted: its members go with it (IMS deletes a project-shared image without asking)."""
        self._save(region, image_id, {})

    @staticmethod
    def _account(project: str) -> str | None:
        """The store's account name of a simulated project (None: a project no simulated account has)."""
        if project in ACCOUNT_OF_PROJECT:
            return ACCOUNT_OF_PROJECT[project]
        return DEFAULT_ACCOUNT if project in PROJECTS.values() else None

    # member --------------------------------------------------------------------------
    def answer(self, region: str, project: str, images: list[str], member: str, status: str, vault: str) -> str:
        """BatchUpdateMembers, signed by the member project: accept or reject images shared with it."""
        with self.store.transaction():
            if status not in ("accepted", "rejected"):
                raise bad("IMG.0001", "The request message format is invalid: status is accepted or rejected.")
            if member != project:
                raise bad("IMG.0001", "The request message format is invalid: project_id is not the caller's "
                                      "project.")
            if not images:
                raise bad("IMG.0001", "The request message format is invalid: images is required.")
            pointers = []
            for image_id in images:
                pointer = self.store.get(VENDOR, region, RECEIVED, image_id)
                owner = str((pointer or {}).get("owner", ""))
                record = self.store.get(VENDOR, region, "image", image_id, account=owner) if pointer else None
                if record is None:
                    raise bad("IMG.0144", "The image does not exist.")
                if Image.from_record(record).whole and status == "accepted" and not vault:
                    raise bad("IMG.0001", "The request message format is invalid: vault_id is required to accept "
                                          "a full-ECS image.")
                pointers.append((owner, image_id))
            job_id, failed = self._job(region, "updateMemberStatus", "BatchUpdateMembers")
            if not failed:
                for owner, image_id in pointers:
                    found = self.store.get(VENDOR, region, MEMBERS, image_id, account=owner) or {}
                    members = dict(found.get("members") or {})
                    if project in members:
                        members[project] = {**members[project], "status": status,
                                            "updated_at": iso(self.model.now())}
                        self.store.put(VENDOR, region, MEMBERS, image_id, {"image_id": image_id, "members": members},
                                       account=owner)
            return job_id

    def received(self, region: str, member_status: str) -> list[Image]:
        """ListImages `__imagetype=shared` for the caller's project in `region`: images shared with it whose
        membership has `member_status` (accepted when not given)."""
        wanted = member_status or "accepted"
        if wanted not in STATUSES:
            raise bad("IMG.0001", "The request message format is invalid: member_status.")
        out = []
        for pointer in self.store.list(VENDOR, region, RECEIVED):
            owner, image_id, project = str(pointer.get("owner")), str(pointer.get("image_id")), pointer.get("project")
            record = self.store.get(VENDOR, region, "image", image_id, account=owner)
            found = self.store.get(VENDOR, region, MEMBERS, image_id, account=owner) or {}
            member = (found.get("members") or {}).get(project)
            if record is not None and member is not None and member.get("status") == wanted:
                image = Image.from_record(record)
                image.imagetype, image.tags = "shared", {}
                out.append(image)
        return out

    # jobs ----------------------------------------------------------------------------
    def _job(self, region: str, job_type: str, action: str) -> tuple[str, bool]:
        """A membership job: (its id, whether an injected fault fails it)."""
        now = self.model.now()
        fault = self.model.ctx.take_failure(VENDOR, action, region)
        job_id = ids.token(self.store, "huawei.job", 32, "0123456789abcdef")
        life = Lifecycle.start(now, JOB_SECONDS, fault is not None, 0.5)
        job = Job(job_id, job_type, region, life,
                  error_code=fault.code if fault and fault.code else "IMG.0014",
                  fail_reason=fault.message if fault and fault.message else "The image member task failed.",
                  image_id="", image_name="")
        self.store.put(VENDOR, region, "job", job_id, job.to_record())
        return job_id, fault is not None


__all__ = ["ImsSharing", "SECOND_PROJECTS"]
