"""Huawei Cloud IMS images through huaweicloudsdkims (and ECS for the source server): capture, import, describe, delete.

Every IMS write is an asynchronous job: a start returns `Started(job_id=...)` at once and the
resource follows the job (`follow_job`, one ShowJobProgress read) until it names the image. The
identity tag rides on the creating call itself (CreateImage and CreateWholeImage take
`image_tags`), so a re-run finds the image in any state. Nothing here waits; copies are in
copying.py.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import CloudError, InvalidState
from ..core.model import (TAG_KEY, CaptureRequest, Identity, ImageInfo, ImageStatus, ImportRequest, JobStatus, Scope,
                          Started)
from . import importing, mapping
from .client import remember_projects
from .copying import ImsCopies
from .families import ImsFamilies
from .share import ImsSharer
from .vms import EcsVmOperations
from .build import EcsBuilder

LIVE = (ImageStatus.CREATING, ImageStatus.AVAILABLE)


def _tag_list(tags: Mapping[str, str]) -> list[Any] | None:
    from huaweicloudsdkims.v2 import TagKeyValue

    return [TagKeyValue(key=k, value=v) for k, v in sorted(tags.items())] or None


class ImsAdapter(ImsSharer, ImsCopies, ImsFamilies, EcsVmOperations, EcsBuilder):
    """One region of IMS; copies reach other regions through their own projects."""

    # ImageAdapter ---------------------------------------------------------------------
    def prepare_capture(self, request: CaptureRequest) -> list[str]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/ECS/doc?api=ShowServer: IMS captures a running or stopped ECS."""
        from huaweicloudsdkecs.v2 import ShowServerRequest

        remember_projects(request.options.get("project_ids"))
        server_id = request.source.instance
        ecs = self.clients.ecs(self.region)
        server = self._call("ShowServer", lambda: ecs.show_server(ShowServerRequest(server_id=server_id))).server
        if server.status not in ("ACTIVE", "SHUTOFF"):
            raise InvalidState(f"ECS {server_id} is {server.status}; IMS captures a running (ACTIVE) or stopped "
                               "(SHUTOFF) server", vendor=mapping.VENDOR, operation="capture", resource_id=server_id)
        if request.source_facts.get("os_state") == "Generalized" and server.status != "SHUTOFF":
            raise InvalidState(f"ECS {server_id} is {server.status} but source.os_state says Generalized: a server "
                               "started after its guest was generalized has set itself up again. Fix: capture a "
                               "server stopped by its GeneralizedVM, or capture it as Specialized",
                               vendor=mapping.VENDOR, operation="capture", resource_id=server_id)
        if server.status == "ACTIVE":
            return [f"ECS {server_id} is running: IMS captures its disks as they are; stop it first for an image "
                    "whose file systems were cleanly shut down"]
        return []

    def start_capture(self, request: CaptureRequest) -> Started:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=CreateImage, or
        https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=CreateWholeImage for system+data.

        A server busy with another image task (IMG.0010) may be busy with this very capture, started by
        an earlier call whose reply was lost: the image carrying this request's identity is adopted;
        otherwise the refusal is retryable (IMS: "try again after the tasks are complete").
        """
        from huaweicloudsdkims.v2 import (CreateImageRequest, CreateImageRequestBody, CreateWholeImageRequest,
                                          CreateWholeImageRequestBody)

        opts = request.options
        common = dict(name=request.name, instance_id=request.source.instance, description=request.description or None,
                      image_tags=_tag_list(request.tags))
        ims = self.clients.ims(self.region)
        try:
            if request.scope is Scope.SYSTEM_AND_DATA:
                whole = CreateWholeImageRequestBody(vault_id=str(opts.get("vault_id") or "") or None, **common)
                reply = self._call("CreateWholeImage",
                                   lambda: ims.create_whole_image(CreateWholeImageRequest(body=whole)))
            else:
                cmk = str(opts.get("cmk_id") or "") or None
                body = CreateImageRequestBody(cmk_id=cmk, **common)
                reply = self._call("CreateImage", lambda: ims.create_image(CreateImageRequest(body=body)))
        except CloudError as err:
            if err.code != mapping.SERVER_BUSY:
                raise
            return self._busy(request.tags, err)
        return Started(job_id=str(reply.job_id), request_id=self.clients.last_request_id)

    def _busy(self, tags: Mapping[str, str], err: CloudError) -> Started:
        key = tags.get(TAG_KEY, "")
        mine = [i for i in self._find(self.region, Identity(key)) if i.status in LIVE] if key else []
        if mine:
            return Started(image_id=mine[0].image_id)
        raise InvalidState(f"{err.message} (the ECS is busy with another image task; retried until it ends)",
                           vendor=err.vendor, operation=err.operation, code=err.code, request_id=err.request_id,
                           retryable=True)

    def follow_job(self, job_id: str) -> JobStatus:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ShowJobProgress (one read)."""
        return self._job(self.region, job_id)

    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImages (one id filter, or one private listing)."""
        return self._describe(self.region, image_ids)

    def find_images(self, identity: Identity) -> list[ImageInfo]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImages filtered by the imageforge-key tag (`tag=key.value`), every state."""
        return self._find(self.region, identity)

    def update_image(self, image_id: str, name: str | None, description: str | None,
                     tags: Mapping[str, str] | None) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=UpdateImage and https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=BatchAddOrDeleteTags"""
        self._update(self.region, image_id, name, description, tags)

    def delete_image(self, image_id: str) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=GlanceDeleteImage (404 is NotFound)."""
        self._delete(self.region, image_id)

    # ImageImporter --------------------------------------------------------------------
    def prepare_import(self, request: ImportRequest) -> list[str]:
        """Nothing to read first: https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=CreateImage refuses an unreadable OBS object in its job."""
        remember_projects(request.options.get("project_ids"))
        return []

    def start_import(self, request: ImportRequest) -> Started:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=CreateImage with image_url (a file in OBS)."""
        from huaweicloudsdkims.v2 import CreateImageRequest, CreateImageRequestBody

        body = CreateImageRequestBody(image_tags=_tag_list(request.tags), **importing.create_image_fields(request))
        ims = self.clients.ims(self.region)
        reply = self._call("CreateImage", lambda: ims.create_image(CreateImageRequest(body=body)))
        return Started(job_id=str(reply.job_id), request_id=self.clients.last_request_id)


__all__ = ["ImsAdapter"]
