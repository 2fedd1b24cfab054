"""Alibaba EDS custom images through alibabacloud-ecd20200930 (API 2020-09-30): capture, describe, copy, delete.

Guest preparation of a cloud computer (RunCommand, StopDesktops) is the VmGeneralizer half in eds_vms.py.

Single calls only: the resources wait. EDS images take no tags and CreateImage no idempotency
token, so everything this makes carries the resource's identity as a marker in the description
of the creating call itself (CreateImage Description, CopyImage DestinationDescription); a re-run
finds it by that marker in any state.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.errors import CloudError, NotFound, Unsupported, UserInputError
from ..core.model import (CaptureRequest, CopyRequest, Identity, ImageInfo, JobStatus, Scope, Started, Target,
                          VmInfo)
from ..core.protocol import CopyStart
from .eds_share import EdsSharer
from .eds_vms import EdsVmOperations
from . import eds_client, eds_mapping as mapping

PAGE = 100  # DescribeImages: MaxResults at most 100; ImageId takes up to 100 ids
PERSONAL_DATA_WARNING = ("clean_personal_data is false: personal data of the cloud computer's users may be captured "
                         "in the image")
REGIONAL = "check the id and the region (EDS images are regional: capture in the source's region)."


def _models() -> Any:
    from alibabacloud_ecd20200930 import models

    return models


@dataclass(frozen=True)
class SourceFacts:
    """What the cloud says of a capture's source: the facts EDS's capture rules depend on."""

    label: str  # how messages name the computer
    os_type: str
    encrypted: bool
    disk_type: str = ""  # a snapshot's disk: system or data


class EdsAdapter(EdsSharer, EdsVmOperations):
    """One region of Elastic Desktop Service; copies address other regions by id."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.region = target.region

    def _call(self, operation: str, fn: Any, region: str | None = None) -> Any:
        return eds_client.call(self.target, region or self.region, operation, lambda c: fn(c).body)

    # the source -----------------------------------------------------------------------
    def _desktop(self, desktop_id: str) -> VmInfo:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describedesktops"""
        m = _models()
        try:
            body = self._call("DescribeDesktops", lambda c: c.describe_desktops(
                m.DescribeDesktopsRequest(region_id=self.region, desktop_id=[desktop_id])))
        except NotFound:  # a malformed id is refused rather than listed as absent
            body = None
        found = [d for d in (body.desktops if body else None) or [] if d.desktop_id == desktop_id]
        if not found:
            raise UserInputError("source.desktop", f"cloud computer {desktop_id} does not exist in {self.region}.", REGIONAL)
        d = found[0]
        return VmInfo(vm_id=str(d.desktop_id), region=self.region, power_state=str(d.desktop_status or ""),
                      os_type=str(d.os_type or ""), encrypted=bool(d.volume_encryption_enabled),
                      name=str(d.desktop_name or ""))

    def _snapshot(self, snapshot_id: str, field: str) -> SourceFacts:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describesnapshots"""
        m = _models()
        try:
            body = self._call("DescribeSnapshots", lambda c: c.describe_snapshots(
                m.DescribeSnapshotsRequest(region_id=self.region, snapshot_id=snapshot_id)))
        except NotFound:
            body = None
        found = [s for s in (body.snapshots if body else None) or [] if s.snapshot_id == snapshot_id]
        if not found:
            raise UserInputError(field, f"snapshot {snapshot_id} does not exist in {self.region}.", REGIONAL)
        s = found[0]
        return SourceFacts(f"{s.desktop_id or 'a cloud computer'} (snapshot {snapshot_id})", str(s.os_type or ""),
                           bool(s.volume_encryption_enabled), str(s.source_disk_type or "").lower())

    # ImageAdapter ---------------------------------------------------------------
    def prepare_capture(self, request: CaptureRequest) -> list[str]:
        """Read the computer or snapshots (DescribeDesktops, DescribeSnapshots) and refuse what CreateImage would."""
        source = request.source
        warnings: list[str] = []
        with_data = request.scope is Scope.SYSTEM_AND_DATA
        if source.desktop:
            desktop = self._desktop(source.desktop)
            if desktop.power_state not in mapping.CAPTURABLE_DESKTOP:
                raise UserInputError("source.desktop", f"cloud computer {desktop.vm_id} is {desktop.power_state}; EDS "
                                                       "creates images only from a Running or Stopped computer.",
                                     "wait until it is Running (or stop it), then run again.")
            facts = SourceFacts(desktop.vm_id, desktop.os_type, desktop.encrypted)
            self._check_os_state(str(request.source_facts.get("os_state") or ""), source.desktop)
            warnings.append(f"do not shut down or restart cloud computer {desktop.vm_id} until the image is Available: "
                            "a restart makes the capture fail.")
        elif source.snapshot:
            facts = self._snapshot(source.snapshot, "source.snapshot")
            if facts.disk_type != "system":
                raise UserInputError("source.snapshot", f"{source.snapshot} is a {facts.disk_type or 'non-system'}-disk "
                                                        "snapshot; EDS creates images only from system-disk snapshots.",
                                     "use the computer's system-disk snapshot; list data-disk snapshots in "
                                     "source.data_snapshots.")
            for data_id in source.data_snapshots:
                if self._snapshot(data_id, "source.data_snapshots").disk_type != "data":
                    raise UserInputError("source.data_snapshots", f"{data_id} is not a data-disk snapshot.",
                                         "list only data-disk snapshots in source.data_snapshots.")
            with_data = with_data or bool(source.data_snapshots)
        else:
            raise UserInputError("source", "EDS images come from source.desktop or source.snapshot.",
                                 "give a cloud computer id (ecd-...) or a system-disk snapshot id (s-...).")
        _check_facts(request.source_facts, facts)
        return warnings + _cleanup(request.clean_personal_data, facts, with_data, bool(source.desktop))

    def _check_os_state(self, stated: str, desktop_id: str) -> None:
        """A stated source.os_state must hold: Generalized is a computer a GeneralizedVM generalized, still Stopped."""
        if not stated:
            return
        generalized = self.get_vm(desktop_id).generalized
        if stated == "Generalized" and not generalized:
            raise UserInputError("source.os_state", f"says Generalized, but cloud computer {desktop_id} is not (it was "
                                                    "not generalized by a GeneralizedVM, or was started since).",
                                 "generalize it first (GeneralizedVM with service='eds'), or remove source.os_state.")
        if stated == "Specialized" and generalized:
            raise UserInputError("source.os_state", f"says Specialized, but cloud computer {desktop_id} is generalized.",
                                 "set source.os_state to Generalized.")

    def start_capture(self, request: CaptureRequest) -> Started:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-createimage"""
        m = _models()
        source = request.source
        scope = Scope.SYSTEM_AND_DATA if source.data_snapshots else request.scope
        req = m.CreateImageRequest(region_id=self.region, image_name=request.name,
                                   description=request.description or None,
                                   auto_clean_userdata=bool(request.clean_personal_data),
                                   disk_type=mapping.DISK_TYPE[scope])
        if source.desktop:
            req.desktop_id = source.desktop
        else:
            req.snapshot_id = source.snapshot
            if source.data_snapshots:
                req.data_snapshot_ids = list(source.data_snapshots)
        body = self._call("CreateImage", lambda c: c.create_image(req))
        return Started(image_id=str(body.image_id), request_id=str(body.request_id or ""))

    def follow_job(self, job_id: str) -> JobStatus:
        """EDS image operations have no jobs: CreateImage names the image at once."""
        raise Unsupported("EDS image operations have no jobs", vendor=mapping.VENDOR, operation="job")

    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describeimages"""
        return self._describe(self.region, image_ids)

    def _describe(self, region: str, image_ids: Sequence[str], copies: bool = False) -> dict[str, ImageInfo]:
        out: dict[str, ImageInfo] = {}
        ids = list(dict.fromkeys(i for i in image_ids if i))
        for start in range(0, len(ids), PAGE):
            for raw in self._pages(region, image_id=ids[start:start + PAGE]):
                info = _info(raw, region, copies)
                out[info.image_id] = info
        return out

    def _pages(self, region: str, **filters: Any) -> list[Any]:
        """Every page of one DescribeImages query (NextToken paging)."""
        m = _models()
        found: list[Any] = []
        token: str | None = None
        while True:
            req = m.DescribeImagesRequest(region_id=region, max_results=PAGE, next_token=token, **filters)
            body = self._call("DescribeImages", lambda c: c.describe_images(req), region)
            found += body.images or []
            token = body.next_token or None
            if not token:
                return found

    def _marked(self, region: str, identity: Identity, copies: bool = False) -> list[ImageInfo]:
        """Custom images whose description carries this identity's marker, in every state.

        Not narrowed by name: the key survives a rename between a crash and the re-run, the name does not.
        """
        infos = [_info(raw, region, copies) for raw in self._pages(region, image_type="CUSTOM")]
        return [i for i in infos if identity.marker in i.description]

    def find_images(self, identity: Identity) -> list[ImageInfo]:
        """DescribeImages (every custom image, paged) filtered by the identity marker in the description.

        https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describeimages
        """
        return self._marked(self.region, identity)

    def update_image(self, image_id: str, name: str | None, description: str | None,
                     tags: Mapping[str, str] | None) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-modifyimageattribute"""
        self._update(self.region, image_id, name, description, tags)

    def _update(self, region: str, image_id: str, name: str | None, description: str | None,
                tags: Mapping[str, str] | None) -> None:
        if tags:  # check refuses tags on EDS; an empty set (tags removed) needs no call
            raise Unsupported("EDS images cannot carry tags", vendor=mapping.VENDOR, operation="ModifyImageAttribute",
                              resource_id=image_id)
        if name is None and description is None:
            return
        m = _models()
        req = m.ModifyImageAttributeRequest(region_id=region, image_id=image_id, name=name, description=description)
        self._call("ModifyImageAttribute", lambda c: c.modify_image_attribute(req), region)

    def delete_image(self, image_id: str) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-deleteimages"""
        self._delete(self.region, image_id)

    def _delete(self, region: str, image_id: str) -> None:
        m = _models()
        req = m.DeleteImagesRequest(region_id=region, image_id=[image_id])
        self._call("DeleteImages", lambda c: c.delete_images(req), region)

    # ImageCopier -------------------------------------------------------------------
    def start_copies(self, request: CopyRequest, regions: Sequence[str]) -> dict[str, CopyStart]:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-copyimage

        One call per destination region; name and description (with the identity marker) ride on
        CopyImage itself. EDS requires a name: without one the source image's name is read first.
        """
        if request.encrypted:
            raise Unsupported("EDS CopyImage cannot encrypt a copy", vendor=mapping.VENDOR, operation="CopyImage")
        m = _models()
        name = request.name or self._source_name(request)
        out: dict[str, CopyStart] = {}
        for region in regions:
            req = m.CopyImageRequest(region_id=request.source_region, image_id=request.source_image_id,
                                     destination_region_id=region, destination_image_name=name,
                                     destination_description=request.description or None)
            try:
                body = self._call("CopyImage", lambda c: c.copy_image(req), request.source_region)
            except CloudError as err:
                out[region] = err
                continue
            out[region] = Started(image_id=str(body.image_id), request_id=str(body.request_id or ""))
        return out

    def _source_name(self, request: CopyRequest) -> str:
        found = self._describe(request.source_region, [request.source_image_id]).get(request.source_image_id)
        if found is None:
            raise NotFound(f"the source image {request.source_image_id} does not exist in {request.source_region}",
                           vendor=mapping.VENDOR, operation="DescribeImages", code="InvalidImageId.NotFound",
                           resource_id=request.source_image_id)
        return found.name

    def follow_copy_job(self, region: str, job_id: str) -> JobStatus:
        """EDS copies have no jobs: CopyImage names the copy at once."""
        raise Unsupported("EDS copies have no jobs", vendor=mapping.VENDOR, operation="job")

    def label_copy(self, request: CopyRequest, region: str, image_id: str) -> None:
        """Nothing: CopyImage carried the name and the description with the identity marker."""

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        """DescribeImages per destination region; Creating means `copying`.

        https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describeimages
        """
        out: dict[str, ImageInfo] = {}
        for region, image_id in copies.items():
            found = self._describe(region, [image_id], copies=True)
            if image_id in found:
                out[region] = found[image_id]
        return out

    def find_copies(self, request: CopyRequest, regions: Sequence[str], identity: Identity) -> dict[str, list[ImageInfo]]:
        """Copies whose description carries this identity's marker, per destination region, in every state.

        https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describeimages
        """
        return {region: self._marked(region, identity, copies=True) for region in regions}

    def update_copy(self, region: str, image_id: str, name: str | None, description: str | None,
                    tags: Mapping[str, str] | None) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-modifyimageattribute"""
        self._update(region, image_id, name, description, tags)

    def reconfigure_copies(self, copies: Mapping[str, str], entries: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """EDS copies have no per-region settings (the service declares none)."""
        raise Unsupported("EDS copies have no per-region settings", vendor=mapping.VENDOR, operation="reconfigure")

    def cancel_copy(self, region: str, image_id: str) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-cancelcopyimage"""
        m = _models()
        req = m.CancelCopyImageRequest(region_id=region, image_id=image_id)
        self._call("CancelCopyImage", lambda c: c.cancel_copy_image(req), region)

    def delete_copy(self, region: str, image_id: str) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-deleteimages"""
        self._delete(region, image_id)


def _check_facts(stated: Mapping[str, object], facts: SourceFacts) -> None:
    """What the user stated about the source (check's rules relied on it) must be what the cloud says."""
    said = {"os_type": facts.os_type.lower(), "encrypted": facts.encrypted, "disk_type": facts.disk_type}
    for key, actual in said.items():
        value = stated.get(key)
        if value is None or actual == "":
            continue
        given = value.lower() if isinstance(value, str) else value
        if given != actual:
            raise UserInputError(f"source.{key}", f"says {value!r}, but {facts.label} has {key} {actual!r}.",
                                 f"set source.{key} to {actual!r} (check's rules depend on it), or remove it.")


def _cleanup(clean: bool, facts: SourceFacts, with_data: bool, desktop: bool) -> list[str]:
    """Refuse the clean-up where EDS cannot do it; otherwise the warnings it implies."""
    if not clean:
        return [PERSONAL_DATA_WARNING]
    if facts.encrypted:
        raise UserInputError("clean_personal_data", f"cloud computer {facts.label} is encrypted, and clean personal "
                                                    "residual data is not available for encrypted cloud computers.",
                             "set clean_personal_data: false (the image may then contain personal data).")
    if facts.os_type.lower() == "linux" and with_data:
        raise UserInputError("clean_personal_data", f"cloud computer {facts.label} runs Linux, and clean personal "
                                                    "residual data is not available for Linux computers when the image "
                                                    "includes data disks (scope 'system+data').",
                             "use scope 'system', or set clean_personal_data: false (the image may then contain "
                             "personal data).")
    return ["cleaning personal data adds about 20 minutes to the capture."] if desktop else []


def _info(raw: Any, region: str, copy: bool = False) -> ImageInfo:
    status = str(raw.status or "")
    return ImageInfo(
        image_id=str(raw.image_id or ""), region=region, status=mapping.image_status(status),
        name=str(raw.name or ""), description=str(raw.description or ""), progress=mapping.progress(raw.progress or ""),
        raw_status=status, size_gb=int(raw.size) if raw.size is not None else None,
        os_type=str(raw.os_type or ""), platform=str(raw.platform or ""),
        encrypted=bool(raw.volume_encryption_enabled) if raw.volume_encryption_enabled is not None else None,
        created=str(raw.creation_time or ""), failure=mapping.failure_reason(status, copy),
        copying=copy and status == mapping.CREATING,
    )
