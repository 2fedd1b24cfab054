"""ImageRegionSet: the regions one image is published to, copied concurrently, kept in sync.

Every region moves through the per-region state machine in core/copies.py. The import path of
ImageRegionSetProvider is public API: stacks pickle it by reference.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, overload

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from ..core import registry
from ..core.copies import CopyBoard, CopyState, timed_out
from ..core.errors import CloudError, OperationFailed, Timeout, UserInputError
from ..core.model import CopyRequest, Identity, ImageInfo, ImageStatus
from ..core.plan import region_entries
from ..core.protocol import ImageCopier
from ..core.service import ServiceSpec
from ..core.timeouts import COPY_DEFAULTS, Timeouts
from ..core.validation import Failure, is_unknown
from . import common, lifecycle, sharing
from .args import CredentialsArgs, ImageRegionSetArgs, ImageRegionSetOutputs, RegionArgs, TimeoutsArgs
from .schemas import IMAGE_REGION_SET

OUTPUT_KEYS = ("images", "image_ids", "share_status")


def region_names(regions: Any) -> list[str]:
    """Regions as plain ids; entries may be ids or maps with a `region` key (replica settings)."""
    return list(region_entries(regions))


class ImageRegionSetProvider(common.ProviderBase):
    """Copies one source image to N regions inside one operation, and removes only what it copied."""

    kind = "ImageRegionSet"
    schema = IMAGE_REGION_SET
    limits: Timeouts = COPY_DEFAULTS

    def check_own(self, olds: Mapping[str, Any], inputs: dict[str, Any], spec: ServiceSpec) -> list[Failure]:
        """Each region once; the source region only where the service copies there; settings only where it has them."""
        regions = inputs.get("regions")
        if is_unknown(regions) or not isinstance(regions, list):
            return []
        failures: list[Failure] = []
        seen: set[str] = set()
        for n, item in enumerate(regions):
            if is_unknown(item):
                continue
            entry = dict(item) if isinstance(item, Mapping) else {"region": item}
            region = entry.get("region")
            extra = sorted(k for k in entry if k != "region" and entry[k] is not None and k not in spec.traits.region_settings)
            if extra:
                taken = ", ".join(spec.traits.region_settings) or "none"
                failures.append(Failure(f"regions[{n}]", f"{spec.label} takes no {', '.join(extra)} per region (region "
                                                         f"settings it takes: {taken}). Fix: give the plain region id."))
            if region in seen:
                failures.append(Failure(f"regions[{n}]", f"{region!r} is listed twice; list each region once."))
            seen.add(str(region))
            if region == inputs.get("region") and not spec.traits.source_region_copyable:
                failures.append(Failure(f"regions[{n}]", f"{region!r} is the source image's region: the image is "
                                                         "already there. Fix: remove it from regions."))
        return failures

    # create ------------------------------------------------------------------------
    @common.safe_errors("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = common.clean(props)
        limits = common.timeouts(inputs, self.limits)
        board = self._board(inputs, limits.create)
        regions = region_names(inputs.get("regions"))
        board.adopt(regions)
        board.remove_stale()
        self._publish(board, inputs, limits, regions)
        if sharing.managed(inputs):  # every copy, adopted or new (a re-run after a crash shares what is missing)
            sharing.converge(inputs, board.wait, board.images(), sharing.wanted(inputs))
        infos = board.wait.call("describe", lambda: board.copier.describe_copies(board.images()))
        return CreateResult(f"{inputs['image_id']}:{inputs['key']}", {**outputs(inputs, board.images(), infos),
                                                                    **sharing.answers(inputs, board.wait, board.images())})

    def _board(self, inputs: Mapping[str, Any], timeout: float) -> CopyBoard:
        spec = common.spec_of(inputs)
        wait = common.waiter(inputs, f"{self.kind} {inputs['image_id']}", timeout)
        copier = registry.adapter_for(common.target(inputs), ImageCopier)
        ident = common.identity(inputs)
        return CopyBoard(copier, spec.traits, wait, copy_request(inputs, spec, ident), ident)

    def _publish(self, board: CopyBoard, inputs: Mapping[str, Any], limits: Timeouts, regions: list[str]) -> None:
        """Copy and wait; on any failure remove exactly this operation's copies (within the delete timeout)."""
        try:
            board.publish(f"copies to {len(regions)} region(s)")
        except CloudError as err:
            cause: CloudError = timed_out(err, board) if isinstance(err, Timeout) else err
            board.wait = common.waiter(inputs, f"{self.kind} {inputs['image_id']}", limits.delete)
            try:
                sharing.release(inputs, board.wait, board.images())  # an adopted copy may be shared already
                board.remove("removal of the copies this operation started", regions)
            except CloudError as cleanup:
                raise lifecycle.cleanup_failed(cause, cleanup, board.left()) from None
            kind = type(cause) if isinstance(cause, (Timeout, OperationFailed)) else OperationFailed
            raise kind(f"{cause.message}; every copy this operation started was removed, so none is left behind",
                       vendor=cause.vendor or str(inputs["cloud"]), operation=cause.operation or "copy",
                       code=cause.code, request_id=cause.request_id, resource_id=cause.resource_id) from None

    # read / update / delete -----------------------------------------------------------
    @common.safe_errors("read")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = common.clean(props)
        wait = common.waiter(inputs, f"{self.kind} {inputs.get('image_id', id_)}",
                             common.timeouts(inputs, self.limits).update)
        copier = registry.adapter_for(common.target(inputs), ImageCopier)
        copies = copies_of(props)
        infos = wait.call("describe", lambda: copier.describe_copies(copies)) if copies else {}
        live = {r: i for r, i in copies.items() if r in infos}
        if copies and not live:
            return ReadResult("", {})
        # a copy deleted out of band drops out of `regions`, so the next update copies it again
        inputs["regions"] = [item for item, name in zip(inputs.get("regions") or [], region_names(inputs.get("regions")))
                             if name in live or name not in copies]
        inputs.update(sharing.drift(inputs, wait, live))
        outs = {**outputs(inputs, live, infos), **sharing.answers(inputs, wait, live)}
        return ReadResult(id_, outs, {k: v for k, v in outs.items() if k not in OUTPUT_KEYS})

    @common.safe_errors("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = common.clean(news)
        inputs["key"] = olds.get("key", inputs.get("key"))
        copies = copies_of(olds)
        wanted = region_names(inputs.get("regions"))
        removed = {r: i for r, i in copies.items() if r not in wanted}
        kept = {r: i for r, i in copies.items() if r in wanted}
        added = [r for r in wanted if r not in copies]
        renamed = {k: inputs.get(k) for k in ("name", "description", "tags") if inputs.get(k) != olds.get(k)}
        before, after = region_entries(olds.get("regions")), region_entries(inputs.get("regions"))
        resettled = {r: after[r] for r in kept if before.get(r) != after.get(r)}
        reshare = sharing.changed(olds, inputs)
        if not (removed or added or renamed or resettled or reshare):  # only recorded settings changed: no cloud call
            return UpdateResult({**{k: olds.get(k) for k in OUTPUT_KEYS}, **inputs})
        limits = common.timeouts(inputs, self.limits)
        board = self._board(inputs, limits.update)
        for region, image_id in removed.items():
            board.add(region, image_id)
        if removed and sharing.managed(inputs, olds):
            sharing.converge(inputs, board.wait, removed, [])  # un-shared before they are deleted
        board.remove("removal of the regions taken out", list(removed))
        for region, image_id in kept.items():
            board.add(region, image_id)
        if resettled:
            changed = board.wait.call("reconfigure", lambda: board.copier.reconfigure_copies(kept, resettled))
            board.settle("region settings changed in place", changed)
        if added:
            fresh = CopyBoard(board.copier, board.traits, board.wait, board.request, board.identity)
            fresh.adopt(added)
            fresh.remove_stale()
            self._publish(fresh, inputs, limits, added)
            board.copies.update(fresh.copies)
            if sharing.managed(inputs) and not reshare:  # a new region's copy is shared like the others
                sharing.converge(inputs, board.wait, fresh.images(), sharing.wanted(inputs))
        if reshare:  # every copy; only the accounts added or removed are touched
            sharing.converge(inputs, board.wait, board.images(), sharing.wanted(inputs))
        if renamed:
            self._rename(board, common.spec_of(inputs), kept, renamed)
        images = board.images()
        infos = board.wait.call("describe", lambda: board.copier.describe_copies(images))
        return UpdateResult({**outputs(inputs, images, infos), **sharing.answers(inputs, board.wait, images)})

    @staticmethod
    def _rename(board: CopyBoard, spec: ServiceSpec, kept: Mapping[str, str], changed: Mapping[str, Any]) -> None:
        description = changed.get("description")
        if "description" in changed:
            description = common.described(str(description or ""), board.identity,
                                           spec.traits.copies_recognised_by == "description")
        tags = dict(changed.get("tags") or {}) if "tags" in changed else None
        for region, image_id in kept.items():
            def rename(region: str = region, image_id: str = image_id) -> None:
                board.copier.update_copy(region, image_id, changed.get("name"), description, tags)
            board.wait.call(f"update the copy in {region}", rename)

    @common.safe_errors("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = common.clean(props)
        if inputs.get("deletion_protection") is True:
            raise UserInputError("deletion_protection", f"the copies of {inputs.get('image_id')} are protected from "
                                 "deletion.", "set deletion_protection to false, run `pulumi up`, then delete.")
        board = self._board(inputs, common.timeouts(inputs, self.limits).delete)
        sharing.release(inputs, board.wait, copies_of(props))  # clouds refuse to delete a shared image
        for region, image_id in copies_of(props).items():
            board.add(region, image_id, CopyState.COPYING)
        board.remove("deletion of every copy")


def copy_request(inputs: Mapping[str, Any], spec: ServiceSpec, ident: Identity) -> CopyRequest:
    traits = spec.traits
    return CopyRequest(
        source_image_id=str(inputs["image_id"]), source_region=str(inputs["region"]),
        name=str(inputs.get("name") or ""),
        description=common.described(str(inputs.get("description") or ""), ident,
                                     traits.copies_recognised_by == "description"),
        tags=common.merged_tags(inputs.get("tags"), ident, traits.copies_recognised_by in ("tag", "intent")),
        client_token=uuid.uuid4().hex, encrypted=inputs.get("encrypted") is True,
        entries=region_entries(inputs.get("regions")), options=dict(inputs.get("options") or {}),
    )


def copies_of(props: Mapping[str, Any]) -> dict[str, str]:
    return {r: str(v.get("image_id")) for r, v in dict(props.get("images") or {}).items() if v.get("image_id")}


def outputs(inputs: Mapping[str, Any], copies: Mapping[str, str], infos: Mapping[str, ImageInfo]) -> dict[str, Any]:
    images = {}
    for region, image_id in copies.items():
        info = infos.get(region)
        images[region] = {
            "image_id": image_id,
            "status": info.status.value if info else ImageStatus.UNKNOWN.value,
            "vendor_status": info.raw_status if info else "",
            "progress": (info.progress if info and info.progress is not None
                         else (100.0 if info and info.status is ImageStatus.AVAILABLE else 0.0)),
        }
    return {**inputs, "images": images, "image_ids": {r: v["image_id"] for r, v in images.items()}}


class ImageRegionSet(Resource, ImageRegionSetOutputs, module="imageforge", name="ImageRegionSet"):
    """The set of regions an image is published to; regions added or removed update in place."""

    @overload
    def __init__(self, resource_name: str, args: ImageRegionSetArgs, opts: pulumi.ResourceOptions | None = None) -> None: ...

    @overload
    def __init__(self, resource_name: str, *,
                 cloud: pulumi.Input[str],
                 region: pulumi.Input[str],
                 image_id: pulumi.Input[str],
                 regions: pulumi.Input[Sequence[pulumi.Input[str | RegionArgs]]],
                 service: pulumi.Input[str] | None = None,
                 endpoint: pulumi.Input[str] | None = None,
                 timeouts: pulumi.Input[TimeoutsArgs] | None = None,
                 credentials: pulumi.Input[CredentialsArgs] | None = None,
                 name: pulumi.Input[str] | None = None,
                 description: pulumi.Input[str] | None = None,
                 tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
                 encrypted: pulumi.Input[bool] | None = None,
                 share_with: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
                 options: pulumi.Input[Mapping[str, Any]] | None = None,
                 deletion_protection: pulumi.Input[bool] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None: ...

    def __init__(self, resource_name: str, args: ImageRegionSetArgs | None = None, opts: pulumi.ResourceOptions | None = None,
                 **inputs: Any) -> None:
        """Inputs as a ImageRegionSetArgs or as keywords; every one is checked by `check` before any cloud call."""
        props = common.given_inputs("ImageRegionSet", resource_name, IMAGE_REGION_SET, args, inputs)
        super().__init__(ImageRegionSetProvider(), resource_name, {"images": None, "image_ids": None, "key": None, **props},
                         common.resource_options("ImageRegionSet", resource_name, opts))
