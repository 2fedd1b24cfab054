"""Huawei Cloud IMS images through huaweicloudsdkims (and ECS for the source server).

Every IMS write is an asynchronous job. `capture` and `import_image` (CreateImage from a file in
OBS) start the job and poll ShowJob with the constructor's waiter only until the job names its
image, then return that id, so the id is recorded even when the wait for `active` later times
out. A job that ends FAIL raises OperationFailed naming the job id and IMS's fail reason, after
deleting any image it made.

Copies and the five-in-flight limit (the chosen design): IMS runs at most five cross-region
copies per tenant and refuses the sixth (IMG.0060). `copy_image` starts the requested regions
in order, at most five per call, stops at the first refusal, and returns EVERY requested
region: a started region maps to its new image id, a region it could not start yet maps to ""
(queued). The caller calls `copy_image` again with the queued regions as earlier copies finish;
`describe_copies` reports a region given with an empty id as CREATING, progress 0, "queued".
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import CloudError, InvalidArgument, InvalidState, NotFound, OperationFailed, Timeout
from ..core.model import CaptureRequest, CopyRequest, ImageInfo, ImageStatus, ImportRequest, Scope, Target
from ..core.simclock import clock_for
from ..core.waiting import Done, Pending, PollResult, Waiter
from . import importing, mapping
from .client import ERROR_VENDOR, Clients, remember_projects

JOB_NAMES_IMAGE_WITHIN = 30 * 60.0  # IMS names the image soon after the job starts
PAGE = 500
QUEUED = "queued: waiting for one of the five IMS copy slots"
_JOBS: dict[str, tuple[str, str]] = {}  # image id -> (region of its job, job id); per process, never pickled


class ImsAdapter:
    """One region of IMS; copies reach other regions through their own projects."""

    max_copies_in_flight = mapping.MAX_COPIES_IN_FLIGHT

    def __init__(self, target: Target, waiter: Waiter | None = None) -> None:
        self.target = target
        self.region = target.region
        self.waiter = waiter or Waiter(clock=clock_for(target.profile))
        self.clients = Clients(target)

    @property
    def last_request_id(self) -> str:
        return self.clients.last_request_id

    def _call(self, operation: str, fn: Any) -> Any:
        return self.clients.call(operation, fn)

    # ImageAdapter ---------------------------------------------------------------
    def capture(self, request: CaptureRequest) -> str:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=CreateImage (CreateWholeImage for system+data)"""
        from huaweicloudsdkims.v2 import (CreateImageRequest, CreateImageRequestBody, CreateWholeImageRequest,
                                          CreateWholeImageRequestBody, TagKeyValue)

        remember_projects(dict(request.options.get("project_ids") or {}))  # type: ignore[call-overload]
        server_id = request.source.instance
        if not server_id:
            raise InvalidArgument("IMS captures from an ECS: give source {'instance': '<server id>'}",
                                  vendor=ERROR_VENDOR, operation="capture")
        self._server(server_id)
        ims = self.clients.ims(self.region)
        common = dict(name=request.name, instance_id=server_id, description=request.description or None,
                      image_tags=[TagKeyValue(key=k, value=v) for k, v in sorted(request.tags.items())] or None)
        if request.scope is Scope.SYSTEM_AND_DATA:
            body = CreateWholeImageRequestBody(vault_id=str(request.options.get("vault_id") or ""), **common)
            reply = self._call("CreateWholeImage", lambda: ims.create_whole_image(CreateWholeImageRequest(body=body)))
        else:
            cmk = str(request.options.get("cmk_id") or "") or None
            body = CreateImageRequestBody(cmk_id=cmk, **common)
            reply = self._call("CreateImage", lambda: ims.create_image(CreateImageRequest(body=body)))
        return self._image_of_job(self.region, str(reply.job_id), "capture")

    def import_image(self, request: ImportRequest) -> str:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=CreateImage (image_url: a file in OBS)"""
        from huaweicloudsdkims.v2 import CreateImageRequest, CreateImageRequestBody, TagKeyValue

        remember_projects(dict(request.options.get("project_ids") or {}))  # type: ignore[call-overload]
        problem = importing.bucket_problem(request.bucket) or importing.key_problem(request.key)
        if problem:
            raise InvalidArgument(f"IMS reads the file as '<bucket>:<object>': {problem}", vendor=ERROR_VENDOR,
                                  operation="import")
        tags = [TagKeyValue(key=k, value=v) for k, v in sorted(request.tags.items())] or None
        body = CreateImageRequestBody(image_tags=tags, **importing.create_image_fields(request))
        ims = self.clients.ims(self.region)
        reply = self._call("CreateImage", lambda: ims.create_image(CreateImageRequest(body=body)))
        return self._image_of_job(self.region, str(reply.job_id), "import")

    def _server(self, server_id: str) -> Any:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/ECS/doc?api=ShowServer"""
        from huaweicloudsdkecs.v2 import ShowServerRequest

        ecs = self.clients.ecs(self.region)
        server = self._call("ShowServer", lambda: ecs.show_server(ShowServerRequest(server_id=server_id))).server
        if server.status not in ("ACTIVE", "SHUTOFF"):
            raise InvalidState(f"ECS {server_id} is {server.status}; IMS captures a running or stopped server",
                               vendor=ERROR_VENDOR, operation="capture", resource_id=server_id)
        return server

    def _job(self, region: str, job_id: str) -> Any:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ShowJob"""
        from huaweicloudsdkims.v2 import ShowJobRequest

        ims = self.clients.ims(region)
        with warnings.catch_warnings():  # marked deprecated in the SDK, still IMS's documented job query
            warnings.simplefilter("ignore", DeprecationWarning)
            return self._call("ShowJob", lambda: ims.show_job(ShowJobRequest(job_id=job_id)))

    def _image_of_job(self, region: str, job_id: str, operation: str, image_region: str = "") -> str:
        """Poll the job until it names its image; a FAIL cleans up and raises with the job's reason.

        `region` is where the job runs (the source region for copies), `image_region` where its
        image lives (the destination region for copies).
        """
        named: dict[str, str] = {}

        def poll() -> PollResult[str]:
            job = self._job(region, job_id)
            state = mapping.job_state(str(job.status))
            image_id = str(getattr(job.entities, "image_id", "") or "")
            if image_id:
                named["image"] = image_id
            if state is mapping.JobState.FAIL:
                raise self._failure(job, operation)
            if image_id:
                return Done(image_id)
            if state is mapping.JobState.SUCCESS:
                raise OperationFailed(f"IMS job {job_id} succeeded without naming an image", vendor=ERROR_VENDOR,
                                      operation=operation, resource_id=job_id)
            return Pending(_percent(job), f"job {job_id} {job.status}")

        try:
            image_id = self.waiter.wait(f"IMS job {job_id}", poll, JOB_NAMES_IMAGE_WITHIN)
        except OperationFailed:
            if named.get("image"):
                self._delete_quietly(image_region or region, named["image"])
            raise
        _JOBS[image_id] = (region, job_id)
        return image_id

    def _failure(self, job: Any, operation: str) -> OperationFailed:
        return OperationFailed(_failure_text(job) + "; no image is left behind", vendor=ERROR_VENDOR,
                               operation=operation, code=str(job.error_code or ""), resource_id=str(job.job_id))

    def _delete_quietly(self, region: str, image_id: str) -> None:
        try:
            self._delete(region, image_id)
        except CloudError:
            return

    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImages (one id filter, or one private listing)."""
        return self._describe(self.region, image_ids)

    def _describe(self, region: str, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        wanted = [i for i in image_ids if i]
        if not wanted:
            return {}
        raws = self._list(region, id=wanted[0]) if len(wanted) == 1 else self._list(region)
        return {str(raw.id): self._info(region, raw) for raw in raws if str(raw.id) in wanted}

    def _list(self, region: str, **filters: str) -> list[Any]:
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

    def _info(self, region: str, raw: Any) -> ImageInfo:
        status = mapping.image_status(str(raw.status))
        progress, failure = None, ""
        job = _JOBS.get(str(raw.id))
        if job is not None and status in (ImageStatus.CREATING, ImageStatus.FAILED):
            try:
                details = self._job(*job)
            except CloudError:
                details = None
            if details is not None:
                progress = _percent(details)
                if mapping.job_state(str(details.status)) is mapping.JobState.FAIL:
                    failure = _failure_text(details)
        if status is ImageStatus.FAILED and not failure:
            failure = f"the image ended {raw.status}"
        return ImageInfo(
            image_id=str(raw.id), region=region, status=status, name=str(raw.name or ""),
            description=str(raw.description or ""), progress=progress, raw_status=str(raw.status or ""),
            size_gb=mapping.gigabytes(raw.min_disk), os_type=str(raw.os_type or "").lower(),
            platform=str(raw.platform or ""), architecture="arm" if raw.support_arm == "true" else "x86",
            encrypted=bool(raw.system__cmkid), created=str(raw.created_at or ""), tags=mapping.tags_of(raw.tags),
            failure=failure,
        )

    def find_images(self, tags: Mapping[str, str]) -> list[ImageInfo]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImages by `tag=key.value`."""
        first = next(iter(sorted(tags.items())), None)
        raws = self._list(self.region, tag=f"{first[0]}.{first[1]}") if first else self._list(self.region)
        infos = [self._info(self.region, raw) for raw in raws]
        return [i for i in infos if all(i.tags.get(k) == v for k, v in tags.items())]

    def update_image(self, image_id: str, name: str | None, description: str | None, tags: Mapping[str, str] | None) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=UpdateImage and BatchAddOrDeleteTags"""
        from huaweicloudsdkims.v2 import UpdateImageRequest, UpdateImageRequestBody

        ims = self.clients.ims(self.region)
        ops = []
        if name is not None:
            ops.append(UpdateImageRequestBody(op="replace", path="/name", value=name))
        if description is not None:
            ops.append(UpdateImageRequestBody(op="replace", path="/__description", value=description))
        if ops:
            self._call("UpdateImage", lambda: ims.update_image(UpdateImageRequest(image_id=image_id, body=ops)))
        if tags:
            self._tag(self.region, image_id, tags)

    def _tag(self, region: str, image_id: str, tags: Mapping[str, str]) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=BatchAddOrDeleteTags (add or replace)."""
        from huaweicloudsdkims.v2 import BatchAddOrDeleteTagsRequest, BatchAddOrDeleteTagsRequestBody, ResourceTag

        if not tags:
            return
        ims = self.clients.ims(region)
        body = BatchAddOrDeleteTagsRequestBody(action="create", tags=[ResourceTag(key=k, value=v) for k, v in sorted(tags.items())])
        self._call("BatchAddOrDeleteTags", lambda: ims.batch_add_or_delete_tags(
            BatchAddOrDeleteTagsRequest(image_id=image_id, body=body)))

    def delete_image(self, image_id: str) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=GlanceDeleteImage (404 is NotFound)."""
        self._delete(self.region, image_id)

    def _delete(self, region: str, image_id: str) -> None:
        from huaweicloudsdkims.v2 import GlanceDeleteImageRequest, GlanceDeleteImageRequestBody

        ims = self.clients.ims(region)
        # delete_backup: the CBR backup IMS made for a full-ECS image goes with it, so nothing keeps billing.
        request = GlanceDeleteImageRequest(image_id=image_id, body=GlanceDeleteImageRequestBody(delete_backup=True))
        self._call("GlanceDeleteImage", lambda: ims.glance_delete_image(request))
        _JOBS.pop(image_id, None)

    # ImageCopier -------------------------------------------------------------------
    def copy_image(self, request: CopyRequest) -> dict[str, str]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=CopyImageCrossRegion

        Returns every requested region: its new image id, or "" when it is queued (no free
        copy slot yet; call again with those regions later). When a start fails, the error
        carries `partial` (region -> id of the copies that did start) and is not retryable.
        """
        options = request.options
        remember_projects(dict(options.get("project_ids") or {}))  # type: ignore[call-overload]
        agency = str(options.get("agency_name") or "")
        if not agency:
            raise InvalidArgument("IMS copies across regions through an IAM agency: set options.agency_name",
                                  vendor=ERROR_VENDOR, operation="copy")
        name = request.name or self._source_name(request.source_image_id)
        jobs: dict[str, str] = {}
        for region in request.regions:
            if len(jobs) >= self.max_copies_in_flight:
                break
            try:
                job_id = self.waiter.call(f"start copy to {region}",
                                          functools.partial(self._start_copy, request, region, name, agency))
            except CloudError as err:
                err.message = f"copy to {region} failed to start: {err.message}"
                raise self._with_partial(err, request.source_region, jobs) from None
            if job_id is None:
                break  # the tenant's five copy slots are taken: the rest stay queued
            jobs[region] = job_id
        started = self._images_of(request.source_region, jobs)
        for region, image_id in started.items():
            try:
                self.waiter.call(f"tag copy in {region}", functools.partial(self._tag, region, image_id, request.tags))
            except CloudError as err:
                setattr(err, "partial", dict(started))
                err.retryable = False
                raise
        return {region: started.get(region, "") for region in request.regions}

    def _source_name(self, image_id: str) -> str:
        found = self._describe(self.region, [image_id]).get(image_id)
        if found is None:
            raise NotFound(f"source image {image_id} not found in {self.region}", vendor=ERROR_VENDOR,
                           operation="copy", resource_id=image_id)
        return found.name

    def _start_copy(self, request: CopyRequest, region: str, name: str, agency: str) -> str | None:
        from huaweicloudsdkims.v2 import CopyImageCrossRegionRequest, CopyImageCrossRegionRequestBody

        options = request.options
        project_names = dict(options.get("project_names") or {})  # type: ignore[call-overload]
        body = CopyImageCrossRegionRequestBody(
            name=name, description=request.description or None, region=region,
            project_name=str(project_names.get(region) or region), agency_name=agency,
            vault_id=str(options.get("vault_id") or "") or None)
        ims = self.clients.ims(request.source_region)
        try:
            reply = self._call("CopyImageCrossRegion", lambda: ims.copy_image_cross_region(
                CopyImageCrossRegionRequest(image_id=request.source_image_id, body=body)))
        except CloudError as err:
            if err.code == mapping.COPY_SLOTS_FULL:
                return None
            raise
        return str(reply.job_id)

    def _images_of(self, source_region: str, jobs: Mapping[str, str]) -> dict[str, str]:
        """The new image id of each started copy; a FAIL or timeout raises with the others as `partial`."""
        found: dict[str, str] = {}
        for region, job_id in jobs.items():
            try:
                found[region] = self._image_of_job(source_region, job_id, f"copy to {region}", region)
            except (OperationFailed, Timeout) as err:
                rest = {r: j for r, j in jobs.items() if r not in found and r != region}
                found.update(self._images_quietly(source_region, rest))
                setattr(err, "partial", found)
                raise
        return found

    def _images_quietly(self, source_region: str, jobs: Mapping[str, str]) -> dict[str, str]:
        out = {}
        for region, job_id in jobs.items():
            try:
                out[region] = self._image_of_job(source_region, job_id, f"copy to {region}", region)
            except CloudError:
                continue
        return out

    def _with_partial(self, err: CloudError, source_region: str, jobs: Mapping[str, str]) -> CloudError:
        setattr(err, "partial", self._images_quietly(source_region, jobs))
        err.retryable = False  # copies started: a blind retry would duplicate them
        err.args = (err._render(),)
        return err

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImages per destination project; "" is queued."""
        out: dict[str, ImageInfo] = {}
        for region, image_id in copies.items():
            if not image_id:
                out[region] = ImageInfo(image_id="", region=region, status=ImageStatus.CREATING, progress=0.0,
                                        raw_status=QUEUED)
                continue
            found = self._describe(region, [image_id]).get(image_id)
            if found is not None:
                out[region] = found
        return out

    def cancel_copy(self, region: str, image_id: str) -> None:
        """IMS has no cancel for CopyImageCrossRegion (https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=CopyImageCrossRegion): a running copy is InvalidState until it ends."""
        if not image_id:
            return
        info = self._describe(region, [image_id]).get(image_id)
        if info is None:
            raise NotFound(f"copy {image_id} in {region} is gone", vendor=ERROR_VENDOR, operation="cancel copy",
                           resource_id=image_id)
        if info.status is ImageStatus.CREATING:
            raise InvalidState(f"IMS cannot cancel the copy {image_id} in {region}; it is deleted once it finishes",
                               vendor=ERROR_VENDOR, operation="cancel copy", resource_id=image_id)
        self._delete(region, image_id)

    def delete_copy(self, region: str, image_id: str) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=GlanceDeleteImage in the copy's region."""
        if not image_id:
            raise NotFound(f"the copy to {region} never started", vendor=ERROR_VENDOR, operation="delete copy")
        self._delete(region, image_id)


def _percent(job: Any) -> float | None:
    value = getattr(job.entities, "process_percent", None) if job.entities is not None else None
    return None if value is None else round(float(value) * 100.0, 1)


def _failure_text(job: Any) -> str:
    code = str(job.error_code or "")
    return f"IMS job {job.job_id} failed: {job.fail_reason or 'no reason given'}" + (f" ({code})" if code else "")
