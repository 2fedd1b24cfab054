"""ImageRegionSet: the regions one image is published to, copied concurrently, kept in sync."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ..core import registry
from ..core.errors import CloudError, InvalidState, NotFound, OperationFailed, Timeout, UserInputError
from ..core.model import CopyRequest, ImageInfo, ImageStatus
from ..core.timeouts import COPY_DEFAULTS
from ..core.validation import Failure, is_unknown
from ..core.waiting import Done, Pending, Waiter
from . import common

REPLACE_ON = ("cloud", "service", "region", "image_id", "encrypted", "options", "endpoint")
UPDATE_ON = ("regions", "name", "description", "tags", "deletion_protection")


def region_names(regions: Any) -> list[str]:
    """Regions as plain ids; entries may be ids or maps with a `region` key (replica settings)."""
    out = []
    for item in regions or []:
        out.append(str(item.get("region")) if isinstance(item, Mapping) else str(item))
    return out


def region_specs(regions: Any) -> dict[str, dict[str, Any]]:
    return {name: (dict(item) if isinstance(item, Mapping) else {"region": name})
            for name, item in zip(region_names(regions), regions or [])}


class ImageRegionSetProvider(common.ProviderBase):
    """Copies one source image to N regions inside one operation, and removes only what it copied."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = common.normalize_common(self, news)
        regions = inputs.get("regions")
        if not is_unknown(regions):
            if not isinstance(regions, list):
                failures.append(Failure("regions", "must be a list of region ids, for example ['cn-shanghai', 'cn-beijing']."))
            else:
                names = region_names(regions)
                dupes = sorted({r for r in names if names.count(r) > 1})
                if dupes:
                    failures.append(Failure("regions", f"lists {', '.join(dupes)} more than once; list each region once."))
                if inputs.get("region") in names and inputs.get("cloud") != "azure":
                    failures.append(Failure("regions", f"contains the source region {inputs['region']!r}: the image is "
                                                       "already there. Remove it from regions."))
        if not inputs.get("image_id") and not is_unknown(inputs.get("image_id")):
            failures.append(Failure("image_id", "is required: the id of the image to publish (a CustomImage's image_id)."))
        failures += common.check_timeouts(inputs, COPY_DEFAULTS)
        if not failures:
            failures += common.service_failures(inputs, registry.COPY, "copy images across regions", "validate_copy")
        if not failures:
            common.with_key(inputs, REPLACE_ON)
        return CheckResult(inputs, common.to_check_failures(failures))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = common.diff(olds, news, REPLACE_ON, UPDATE_ON)
        before, after = region_specs(olds.get("regions")), region_specs(news.get("regions"))
        if news.get("cloud") == "azure" and any(r in before and before[r].get("storage") != s.get("storage")
                                                for r, s in after.items()):
            # Azure cannot change a replica's storage account type in place
            return DiffResult(changes=True, replaces=sorted({*(result.replaces or []), "regions"}), stables=[],
                              delete_before_replace=True)
        return result

    # create ------------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = common.clean(props)
        wait = common.waiter(inputs, f"ImageRegionSet {inputs['image_id']}")
        limits = common.timeouts(inputs, COPY_DEFAULTS)
        copier = common.adapter(inputs, wait)
        copies = self._publish(copier, wait, inputs, region_names(inputs.get("regions")), limits.create, {})
        infos = wait.call("describe", lambda: copier.describe_copies(copies))
        return CreateResult(f"{inputs['image_id']}:{inputs['key']}", _outputs(inputs, copies, infos))

    def _publish(self, copier: Any, wait: Waiter, inputs: Mapping[str, Any], regions: list[str], timeout: float,
                 kept: Mapping[str, str]) -> dict[str, str]:
        """Start copies to `regions`, wait for all; on any failure remove exactly these new copies."""
        if not regions:
            return {}
        request = CopyRequest(
            source_image_id=str(inputs["image_id"]), source_region=str(inputs["region"]), regions=tuple(regions),
            name=str(inputs.get("name") or ""), description=str(inputs.get("description") or ""),
            tags={**dict(inputs.get("tags") or {}), common.TAG_KEY: str(inputs["key"])},
            client_token=uuid.uuid4().hex,
            options={**dict(inputs.get("options") or {}), "targets": region_specs(inputs.get("regions")),
                     "existing": dict(kept)},
        )
        adopted = self._adopt_copies(copier, wait, regions, {common.TAG_KEY: str(inputs["key"])})
        missing = tuple(r for r in regions if r not in adopted)
        try:
            started = wait.call("copy", lambda: copier.copy_image(dataclasses.replace(request, regions=missing))) if missing else {}
        except CloudError as err:
            self._discard(copier, wait, {**adopted, **dict(getattr(err, "partial", {}) or {})}, timeout)
            raise
        started = {**adopted, **started}
        try:
            self._wait_copies(copier, wait, started, timeout, request)
        except (CloudError, KeyboardInterrupt) as err:
            self._discard(copier, wait, started, timeout)
            if isinstance(err, Timeout):
                raise Timeout(f"{err.message}; the unfinished copies were cancelled so none is left behind") from None
            raise
        return dict(started)

    @staticmethod
    def _adopt_copies(copier: Any, wait: Waiter, regions: list[str], key_tags: Mapping[str, str]) -> dict[str, str]:
        """Copies an interrupted run of this same set started, where the copier can find them by tag."""
        finder = getattr(copier, "find_copies", None)
        if finder is None:
            return {}
        return dict(wait.call("find earlier copies", lambda: finder(regions, key_tags)))

    def _wait_copies(self, copier: Any, wait: Waiter, copies: dict[str, str], timeout: float,
                     request: CopyRequest) -> None:
        """Wait for every copy; a region the copier left queued ("" id, a per-account limit) is offered again each poll."""
        pending = dict(copies)

        def poll() -> Pending | Done[bool]:
            queued = tuple(r for r, i in pending.items() if not i)
            if queued:
                try:
                    more = copier.copy_image(dataclasses.replace(request, regions=queued))
                except CloudError as err:
                    copies.update({r: i for r, i in dict(getattr(err, "partial", {}) or {}).items() if i})
                    raise
                started = {r: i for r, i in more.items() if i}
                copies.update(started)
                pending.update(started)
            infos = copier.describe_copies(pending)
            for region, image_id in list(pending.items()):
                info = infos.get(region)
                if info is None:
                    raise OperationFailed(f"the copy {image_id} in {region} disappeared before it was ready",
                                          operation="copy", resource_id=image_id)
                if info.status is ImageStatus.FAILED:
                    raise OperationFailed(f"the copy to {region} failed ({info.raw_status}"
                                          f"{': ' + info.failure if info.failure else ''}); no copy of this update "
                                          "is left behind", operation="copy", code=info.raw_status, resource_id=image_id)
                if info.status is ImageStatus.AVAILABLE:
                    del pending[region]
            if not pending:
                return Done(True)
            progresses = [infos[r].progress or 0.0 for r in pending if r in infos]
            detail = ", ".join(f"{r} {infos[r].progress or 0:.0f}%" for r in sorted(pending) if r in infos)
            return Pending(min(progresses) if progresses else None, detail, max(progresses) if progresses else None)

        wait.wait(f"copies to {len(copies)} region(s)", poll, timeout)

    def _discard(self, copier: Any, wait: Waiter, copies: Mapping[str, str], timeout: float) -> None:
        """Cancel copies still running and delete finished ones, then wait until all are gone."""
        copies = {r: i for r, i in copies.items() if i}  # a queued region ("" id) never started
        for region, image_id in copies.items():
            def cancel_or_delete(region: str = region, image_id: str = image_id) -> None:
                info = copier.describe_copies({region: image_id}).get(region)
                if info is None:
                    return
                try:
                    if info.status is ImageStatus.CREATING:
                        copier.cancel_copy(region, image_id)
                    else:
                        copier.delete_copy(region, image_id)
                except NotFound:
                    return
            _until_accepted(wait, f"remove copy {image_id} in {region}", cancel_or_delete, timeout)
        remaining = dict(copies)

        def gone() -> Pending | Done[bool]:
            present = copier.describe_copies(remaining)
            for region in list(remaining):
                if region not in present:
                    del remaining[region]
            return Done(True) if not remaining else Pending(None, "removing " + ", ".join(sorted(remaining)))

        wait.wait("removal of copies", gone, timeout)

    # read / update / delete -----------------------------------------------------------
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = common.clean(props)
        wait = common.waiter(inputs, f"ImageRegionSet {inputs.get('image_id', id_)}")
        copies = _copies_of(props)
        infos = wait.call("describe", lambda: common.adapter(inputs, wait).describe_copies(copies))
        live = {r: i for r, i in copies.items() if r in infos}
        if copies and not live:
            return ReadResult("", {})
        # a copy deleted out of band drops out of `regions`, so the next update copies it again
        inputs["regions"] = [item for item, name in zip(inputs.get("regions") or [], region_names(inputs.get("regions")))
                             if name in live or name not in copies]
        outs = _outputs(inputs, live, infos)
        return ReadResult(id_, outs, {k: v for k, v in outs.items() if k not in ("images", "image_ids")})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = common.clean(news)
        inputs["key"] = olds.get("key", inputs.get("key"))
        wait = common.waiter(inputs, f"ImageRegionSet {inputs['image_id']}")
        limits = common.timeouts(inputs, COPY_DEFAULTS)
        copier = common.adapter(inputs, wait)
        copies = _copies_of(olds)
        wanted = region_names(inputs.get("regions"))
        removed = {r: i for r, i in copies.items() if r not in wanted}
        self._discard(copier, wait, removed, limits.update)
        kept = {r: i for r, i in copies.items() if r in wanted}
        reconfigure = getattr(copier, "reconfigure_copies", None)
        if reconfigure is not None and region_specs(olds.get("regions")) != region_specs(inputs.get("regions")):
            wait.call("reconfigure", lambda: reconfigure(kept, region_specs(inputs.get("regions"))))
        added = [r for r in wanted if r not in copies]
        kept.update(self._publish(copier, wait, inputs, added, limits.update, kept))
        changed = {k: inputs.get(k) for k in ("name", "description", "tags") if inputs.get(k) != olds.get(k)}
        for region, image_id in kept.items() if changed else ():
            self._rename(common.adapter(inputs, wait, region), wait, image_id, changed)
        infos = wait.call("describe", lambda: copier.describe_copies(kept))
        return UpdateResult(_outputs(inputs, kept, infos))

    @staticmethod
    def _rename(regional: Any, wait: Waiter, image_id: str, changed: Mapping[str, Any]) -> None:
        wait.call(f"update {image_id}", lambda: regional.update_image(
            image_id, changed.get("name"), changed.get("description"), changed.get("tags")))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = common.clean(props)
        if inputs.get("deletion_protection"):
            raise UserInputError("deletion_protection", f"the copies of {inputs.get('image_id')} are protected from deletion.",
                                 "set deletion_protection to false, run `pulumi up`, then delete.")
        wait = common.waiter(inputs, f"ImageRegionSet {inputs.get('image_id', id_)}")
        limits = common.timeouts(inputs, COPY_DEFAULTS)
        self._discard(common.adapter(inputs, wait), wait, _copies_of(props), limits.delete)


def _until_accepted(wait: Waiter, what: str, fn: Any, timeout: float) -> None:
    def attempt() -> Pending | Done[bool]:
        try:
            fn()
        except InvalidState as err:
            return Pending(None, f"waiting: {err.message}")
        return Done(True)

    wait.wait(what, attempt, timeout)


def _copies_of(props: Mapping[str, Any]) -> dict[str, str]:
    return {r: str(v.get("image_id")) for r, v in dict(props.get("images") or {}).items() if v.get("image_id")}


def _outputs(inputs: Mapping[str, Any], copies: Mapping[str, str], infos: Mapping[str, ImageInfo]) -> dict[str, Any]:
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


class ImageRegionSet(Resource, module="imageforge", name="ImageRegionSet"):
    """The set of regions an image is published to; regions added or removed update in place."""

    images: pulumi.Output[dict]
    image_ids: pulumi.Output[dict]

    def __init__(self, resource_name: str, *, cloud: Any, region: Any, image_id: Any, regions: Any,
                 service: Any = None, name: Any = None, description: Any = None, tags: Any = None,
                 encrypted: Any = None, options: Any = None, deletion_protection: Any = None,
                 timeouts: Any = None, endpoint: Any = None, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "cloud": cloud, "service": service, "region": region, "image_id": image_id, "regions": regions,
            "name": name, "description": description, "tags": tags, "encrypted": encrypted, "options": options,
            "deletion_protection": deletion_protection, "timeouts": timeouts, "endpoint": endpoint,
            "owner": f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}",
        }
        super().__init__(ImageRegionSetProvider(), resource_name, {"images": None, "image_ids": None, "key": None, **props}, opts)
