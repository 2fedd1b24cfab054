"""Sharing IMS images with other projects: image members added and removed by jobs, and each member's answer.

IMS shares an image within its region with projects (32 hex characters). BatchAddMembers and BatchDeleteMembers
are asynchronous: they answer a job id, which the resource follows (ShowJobProgress) until the change is made.
A member then accepts (or rejects) the image with BatchUpdateMembers signed in its own project: imageforge, signed
into the owner's project, cannot answer for it, so it reports each member's status (pending, accepted, rejected)
and counts a rejected member as a member, as IMS does (a rejected image still launches servers for that project;
removing the member is the only way to stop sharing).
https://support.huaweicloud.com/intl/en-us/api-ims/ims_03_0903.html (restrictions on image sharing).
"""
from __future__ import annotations

from collections.abc import Sequence

from ..core.model import JobStatus, Started
from .images import ImsImages

PAGE = 100  # ListImageMembers `limit` per page


class ImsSharer(ImsImages):
    """The MemberSharer half of the IMS adapter; every call is made in the image's own region (its project)."""

    def shared_with(self, region: str, image_id: str) -> set[str]:
        """Every member project, whatever it answered (a rejected member still holds the image)."""
        return set(self.member_states(region, image_id))

    def member_states(self, region: str, image_id: str) -> dict[str, str]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImageMembers: project id ->
        pending / accepted / rejected, every page (an image that is gone is NotFound, IMG.0144)."""
        from huaweicloudsdkims.v2 import ListImageMembersRequest

        ims = self.clients.ims(region)
        out: dict[str, str] = {}
        marker = None
        while True:
            request = ListImageMembersRequest(image_id=image_id, limit=PAGE, marker=marker)
            page = list(self._call("ListImageMembers", lambda: ims.list_image_members(request)).members or [])
            out.update({str(m.member_id): str(m.status or "") for m in page if m.member_id})
            if len(page) < PAGE:
                return out
            marker = str(page[-1].member_id)

    def share(self, region: str, image_id: str, add: Sequence[str], remove: Sequence[str]) -> Started | None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=BatchAddMembers or
        https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=BatchDeleteMembers: one job for the
        projects of one direction; the resource follows it with `follow_share_job`."""
        from huaweicloudsdkims.v2 import BatchAddMembersRequest, BatchAddMembersRequestBody, BatchDeleteMembersRequest

        ims = self.clients.ims(region)
        if remove:
            body = BatchAddMembersRequestBody(images=[image_id], projects=list(remove))
            reply = self._call("BatchDeleteMembers", lambda: ims.batch_delete_members(BatchDeleteMembersRequest(
                body=body)))
            job = str(reply.job_id or "")
        elif add:
            body = BatchAddMembersRequestBody(images=[image_id], projects=list(add))
            reply = self._call("BatchAddMembers", lambda: ims.batch_add_members(BatchAddMembersRequest(body=body)))
            job = str(reply.job_id or "")
        else:
            return None
        return Started(job_id=job, request_id=self.clients.last_request_id)

    def follow_share_job(self, region: str, job_id: str) -> JobStatus:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ShowJobProgress in the image's
        region (one read)."""
        return self._job(region, job_id)


__all__ = ["ImsSharer"]
