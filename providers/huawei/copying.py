"""IMS cross-region copies (CopyImageCrossRegion): start per region, follow the job, label, find, delete.

Each copy is a job that runs in the source region and makes the copy in the destination's
project. The call takes a name and a description but no tags, so the copy is recognised by the
identity marker in its description and labelled (identity tag + the user's tags) once the job
names it. IMS runs at most five copies per tenant and cannot cancel one; the shared copy state
machine queues the rest and deletes an unwanted copy once it ended.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..core.errors import CloudError, InvalidArgument, NotFound, Unsupported
from ..core.model import TAG_KEY, CopyRequest, Deferred, Identity, ImageInfo, ImageStatus, JobStatus, Started
from ..core.protocol import CopyStart
from . import mapping
from .client import remember_projects
from .images import ImsImages, identity_tags, whole

LIVE = (ImageStatus.CREATING, ImageStatus.AVAILABLE)
DOC = "https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=CopyImageCrossRegion"


class ImsCopies(ImsImages):
    """The ImageCopier half of the IMS adapter; the source region is the adapter's region."""

    def start_copies(self, request: CopyRequest, regions: Sequence[str]) -> dict[str, CopyStart]:
        """One CopyImageCrossRegion per region (DOC). A full tenant (IMG.0060) defers that region and the
        rest until one of the copies ends; a retryable refusal defers the rest to the next poll; any
        other refusal is that region's error. Never raises."""
        remember_projects(request.options.get("project_ids"))
        out: dict[str, CopyStart] = {}
        try:
            source = self._source(request)
        except CloudError as err:
            return {region: err for region in regions}
        for n, region in enumerate(regions):
            outcome = self._start_copy(request, region, source)
            out[region] = outcome
            if isinstance(outcome, Deferred) or (isinstance(outcome, CloudError) and outcome.retryable):
                reason = (outcome.reason if isinstance(outcome, Deferred)
                          else f"not tried after {outcome.code} in {region}")
                until_slot = isinstance(outcome, Deferred) and outcome.until_slot
                out.update({later: Deferred(reason, until_slot) for later in regions[n + 1:]})
                break
        return out

    def _source(self, request: CopyRequest) -> Any:
        """The source image, read once per call: its name (the copies' default), encryption and kind."""
        from huaweicloudsdkims.v2 import ListImagesRequest

        ims = self.clients.ims(self.region)
        found = self._call("ListImages", lambda: ims.list_images(ListImagesRequest(
            imagetype="private", id=request.source_image_id))).images or []
        if not found:
            raise NotFound(f"the source image {request.source_image_id} is not in {self.region}", vendor=mapping.VENDOR,
                           operation="copy", resource_id=request.source_image_id)
        return found[0]

    def _start_copy(self, request: CopyRequest, region: str, source: Any) -> CopyStart:
        from huaweicloudsdkims.v2 import CopyImageCrossRegionRequest, CopyImageCrossRegionRequestBody

        refusal = _refusal(request, region, source)
        if refusal:
            return InvalidArgument(refusal, vendor=mapping.VENDOR, operation=f"copy to {region}",
                                   resource_id=request.source_image_id)
        options = request.options
        body = CopyImageCrossRegionRequestBody(
            name=request.name or str(source.name), description=request.description or None, region=region,
            project_name=str(_get(options, "project_names", region) or region),
            agency_name=str(options.get("agency_name") or ""), vault_id=_get(options, "vault_ids", region) or None)
        ims = self.clients.ims(self.region)
        try:
            reply = self._call("CopyImageCrossRegion", lambda: ims.copy_image_cross_region(
                CopyImageCrossRegionRequest(image_id=request.source_image_id, body=body)))
        except CloudError as err:
            if err.code == mapping.COPY_SLOTS_FULL:
                return Deferred(f"waiting for one of the {mapping.COPY_SLOTS} IMS copy slots ({err.code})", True)
            return err
        return Started(job_id=str(reply.job_id), request_id=self.clients.last_request_id)

    def follow_copy_job(self, region: str, job_id: str) -> JobStatus:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ShowJobProgress: the job runs in the source region."""
        return self._job(self.region, job_id)

    def label_copy(self, request: CopyRequest, region: str, image_id: str) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=BatchAddOrDeleteTags on the copy: the identity tag (from the description's marker) and the
        user's tags."""
        remember_projects(request.options.get("project_ids"))
        self._tags(region, image_id, "create", {**request.tags, **identity_tags(request.description)})

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImages in each copy's region (its own project), by id."""
        out: dict[str, ImageInfo] = {}
        for region, image_id in copies.items():
            found = self._describe(region, [image_id]).get(image_id)
            if found is not None:
                out[region] = found
        return out

    def find_copies(self, request: CopyRequest, regions: Sequence[str],
                    identity: Identity) -> dict[str, list[ImageInfo]]:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImages in each region by the copies' name (marker in the description) and by the
        identity tag.

        A live copy that carries the marker but not yet the identity tag was started by a call whose
        reply (or whose caller) was lost before it was labelled; the copy board adopts it as labelled
        because its marker matches, so it is labelled here, once, before it is returned.
        """
        remember_projects(request.options.get("project_ids"))
        name = request.name
        if not name:
            try:
                name = str(self._source(request).name)
            except NotFound:
                name = ""  # the source is gone: labelled copies are still found by their tag
        out: dict[str, list[ImageInfo]] = {}
        for region in regions:
            found = self._find(region, identity, name)
            for n, copy in enumerate(found):
                if copy.status in LIVE and copy.tags.get(TAG_KEY) != identity.key:
                    self.label_copy(request, region, copy.image_id)
                    found[n] = replace(copy, tags={**copy.tags, **request.tags, **identity.tags})
            out[region] = found
        return out

    def update_copy(self, region: str, image_id: str, name: str | None, description: str | None,
                    tags: Mapping[str, str] | None) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=UpdateImage and https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=BatchAddOrDeleteTags in the copy's region."""
        self._update(region, image_id, name, description, tags)

    def reconfigure_copies(self, copies: Mapping[str, str], entries: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """IMS copies have no per-region settings (DOC takes none): the traits declare no region settings."""
        raise Unsupported("IMS copies have no per-region settings", vendor=mapping.VENDOR, operation="reconfigure")

    def cancel_copy(self, region: str, image_id: str) -> None:
        """IMS has no way to cancel CopyImageCrossRegion (DOC): the copy is deleted once it ends."""
        raise Unsupported("IMS cannot cancel a cross-region copy; it is deleted once it ends", vendor=mapping.VENDOR,
                          operation="cancel copy", resource_id=image_id)

    def delete_copy(self, region: str, image_id: str) -> None:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=GlanceDeleteImage in the copy's region."""
        self._delete(region, image_id)


def _get(options: Mapping[str, object], key: str, region: str) -> str:
    value = options.get(key)
    return str(value.get(region) or "") if isinstance(value, Mapping) else ""


def _refusal(request: CopyRequest, region: str, source: Any) -> str:
    """What IMS would refuse for this region, said with the fix, before the call."""
    if getattr(source, "system__cmkid", None):
        return (f"image {request.source_image_id} is encrypted and IMS does not copy encrypted images across regions. "
                "Fix: publish an image captured without encryption (no options.cmk_id)")
    size = mapping.gigabytes(source.min_disk) or 0
    if size > mapping.MAX_COPY_GB:
        return (f"image {request.source_image_id} has a {size} GB system disk and IMS copies images of at most "
                f"{mapping.MAX_COPY_GB} GB across regions. Fix: capture from a smaller system disk")
    vault = _get(request.options, "vault_ids", region)
    if whole(source) and not vault:
        return (f"image {request.source_image_id} is a full-ECS image: IMS copies it with its CBR backup into a vault "
                f"of the destination. Fix: set options.vault_ids {{'{region}': '<CBR vault id in {region}>'}}")
    if vault and not whole(source):
        return (f"options.vault_ids names a vault for {region}, but image {request.source_image_id} is not a full-ECS "
                "image, so IMS would not use it. Fix: remove options.vault_ids")
    return ""
