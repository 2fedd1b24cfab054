"""IMS reads and writes shared by images and copies: list, describe, find, update, tag, delete, and jobs, in any region.

Single calls only (a listing follows IMS's pages); nothing here waits.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.model import MARKER_PREFIX, TAG_KEY, Identity, ImageInfo, ImageStatus, JobStatus, Target
from . import mapping
from .client import Clients

PAGE = 500  # ListImages `limit` (default 500, at most 1000)
OWN_PREFIX = "imageforge-"  # imageforge's own tags: kept when the user's tags change


class ImsImages:
    """One IMS account seen from `target.region`; other regions are reached through their own projects."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.region = target.region
        self.clients = Clients(target)

    def _call(self, operation: str, fn: Any) -> Any:
        return self.clients.call(operation, fn)

    # jobs ----------------------------------------------------------------------------
    def _job(self, region: str, job_id: str) -> JobStatus:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ShowJobProgress (one read)."""
        from huaweicloudsdkims.v2 import ShowJobProgressRequest

        ims = self.clients.ims(region)
        job = self._call("ShowJobProgress", lambda: ims.show_job_progress(ShowJobProgressRequest(job_id=job_id)))
        entities = job.entities
        image_id = str(getattr(entities, "image_id", "") or "") if entities is not None else ""
        state = mapping.job_state(str(job.status or ""))
        reason = str(job.fail_reason or "IMS gave no reason") if state == JobStatus.FAILED else ""
        return JobStatus(state=state, image_id=image_id, reason=reason, code=str(job.error_code or ""),
                         progress=mapping.job_percent(getattr(entities, "process_percent", None)) if entities else None)

    # reads ---------------------------------------------------------------------------
    def _list(self, region: str, **filters: str) -> list[Any]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImages (private images, every page)."""
        from huaweicloudsdkims.v2 import ListImagesRequest

        ims = self.clients.ims(region)
        out: list[Any] = []
        marker = None
        while True:
            request = ListImagesRequest(imagetype="private", limit=PAGE, marker=marker, **filters)
            images = list(self._call("ListImages", lambda: ims.list_images(request)).images or [])
            out.extend(images)
            if len(images) < PAGE:
                return out
            marker = str(images[-1].id)

    def _describe(self, region: str, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """One id: ListImages filtered by id; several: one private listing, filtered here."""
        wanted = list(dict.fromkeys(i for i in image_ids if i))
        if not wanted:
            return {}
        raws = self._list(region, id=wanted[0]) if len(wanted) == 1 else self._list(region)
        return {str(raw.id): info(region, raw) for raw in raws if str(raw.id) in wanted}

    def _find(self, region: str, identity: Identity, name: str = "") -> list[ImageInfo]:
        """Images carrying the identity's tag or, where a name is given, named so and carrying its marker."""
        found = {str(raw.id): raw for raw in self._list(region, tag=f"{TAG_KEY}.{identity.key}")}
        if name:
            found.update({str(raw.id): raw for raw in self._list(region, name=name)})
        infos = [info(region, raw) for raw in found.values()]
        return [i for i in infos if identity.matches(i.tags, i.description)]

    # writes --------------------------------------------------------------------------
    def _update(self, region: str, image_id: str, name: str | None, description: str | None,
                tags: Mapping[str, str] | None) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=UpdateImage, then the tags.

        `tags` is the user's whole set: keys not listed are removed, imageforge's own are kept.
        """
        from huaweicloudsdkims.v2 import UpdateImageRequest, UpdateImageRequestBody

        ops = []
        if name is not None:
            ops.append(UpdateImageRequestBody(op="replace", path="/name", value=name))
        if description is not None:
            ops.append(UpdateImageRequestBody(op="replace", path="/__description", value=description))
        if ops:
            ims = self.clients.ims(region)
            self._call("UpdateImage", lambda: ims.update_image(UpdateImageRequest(image_id=image_id, body=ops)))
        if tags is None:
            return
        current = self._describe(region, [image_id]).get(image_id)
        have = dict(current.tags) if current is not None else {}
        drop = sorted(k for k in have if k not in tags and not k.startswith(OWN_PREFIX))
        self._tags(region, image_id, "delete", {k: have[k] for k in drop})
        self._tags(region, image_id, "create", {k: v for k, v in tags.items() if have.get(k) != v})

    def _tags(self, region: str, image_id: str, action: str, tags: Mapping[str, str]) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=BatchAddOrDeleteTags ("create" adds or replaces)."""
        from huaweicloudsdkims.v2 import BatchAddOrDeleteTagsRequest, BatchAddOrDeleteTagsRequestBody, ResourceTag

        if not tags:
            return
        ims = self.clients.ims(region)
        body = BatchAddOrDeleteTagsRequestBody(action=action, tags=[ResourceTag(key=k, value=v)
                                                                    for k, v in sorted(tags.items())])
        self._call("BatchAddOrDeleteTags", lambda: ims.batch_add_or_delete_tags(
            BatchAddOrDeleteTagsRequest(image_id=image_id, body=body)))

    def _delete(self, region: str, image_id: str) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=GlanceDeleteImage (404 is NotFound).

        delete_backup: the CBR backup IMS made for a full-ECS image goes with it, so nothing keeps billing.
        """
        from huaweicloudsdkims.v2 import GlanceDeleteImageRequest, GlanceDeleteImageRequestBody

        ims = self.clients.ims(region)
        request = GlanceDeleteImageRequest(image_id=image_id, body=GlanceDeleteImageRequestBody(delete_backup=True))
        self._call("GlanceDeleteImage", lambda: ims.glance_delete_image(request))


def info(region: str, raw: Any) -> ImageInfo:
    """ImageInfo from one ListImages element (no job is read: a killed image says only that it was killed)."""
    status = mapping.image_status(str(raw.status or ""))
    return ImageInfo(
        image_id=str(raw.id), region=region, status=status, name=str(raw.name or ""),
        description=str(raw.description or ""), raw_status=str(raw.status or ""),
        progress=100.0 if status is ImageStatus.AVAILABLE else None,
        size_gb=mapping.gigabytes(raw.min_disk), os_type=str(raw.os_type or "").lower(),
        platform=str(raw.platform or ""), architecture="arm" if raw.support_arm == "true" else "x86",
        encrypted=bool(raw.system__cmkid), created=str(raw.created_at or ""), tags=mapping.tags_of(raw.tags),
        failure=(f"IMS reports the image {raw.status}: the job that made it failed"
                 if status is ImageStatus.FAILED else ""),
    )


def identity_tags(description: str) -> dict[str, str]:
    """The identity tag for a copy whose description carries the marker (CopyImageCrossRegion takes no tags)."""
    start = description.find(f"[{MARKER_PREFIX}")
    end = description.find("]", start)
    if start < 0 or end < 0:
        return {}
    return {TAG_KEY: description[start + len(MARKER_PREFIX) + 1:end]}


def whole(raw: Any) -> bool:
    """A full-ECS image: IMS made it from a CBR backup (`__backup_id`)."""
    return bool(getattr(raw, "backup_id", None))


__all__ = ["ImsImages", "identity_tags", "info", "whole"]
