"""What earlier runs of this family made but never recorded (a run that died between a capture and its state).

Every version's captured image carries the family and version tags and that version's own identity key
(`owner@version`), and its copies carry the copies' key: an image is this stack's version only when the key
it carries is the one this family's inputs give for the version it names. Nothing else is ever adopted, so
another stack's versions of a family with the same name are never touched.
"""
from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import Any

from ..core import registry
from ..core.errors import UserInputError
from ..core.families import VERSION_FORM, VERSION_TAG, FamilyFinder, cloud_time
from ..core.model import ImageInfo, ImageStatus
from ..core.protocol import ImageAdapter, ImageCopier
from . import common, releases
from .image_region_set import ImageRegionSetProvider, copy_request, region_names


def found_versions(inputs: Mapping[str, Any], known: Collection[str],
                   default_endpoint: str | None) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The versions this stack made that are not in `known`: (complete ones, unfinished ones), as records.

    Complete: the captured image is available and so is its copy in every region of `regions`. Anything else
    (a capture still running or failed, a copy missing or unfinished) is unfinished: the caller removes it.
    Empty where the service cannot list images by tag (the README lists which).
    """
    adapter = registry.adapter_for(common.target(inputs), ImageAdapter)
    if not isinstance(adapter, FamilyFinder) or not common.spec_of(inputs).traits.tags:
        return {}, {}
    family, home = str(inputs["family"]), str(inputs["region"])
    wait = common.waiter(inputs, f"ImageFamily {family}")
    members = wait.call(f"the images of family {family} in {home}",
                        functools.partial(adapter.family_members, home, family))
    complete: dict[str, dict[str, Any]] = {}
    unfinished: dict[str, dict[str, Any]] = {}
    for info in members:
        version = str(dict(info.tags).get(VERSION_TAG) or "")
        if version in known or not VERSION_FORM.match(version) or info.status is ImageStatus.DELETED:
            continue
        try:
            capture = releases.checked_capture(inputs, version, default_endpoint)
        except UserInputError:
            continue  # a version these inputs could not have made (another stack's, or by hand)
        if not common.identity(capture).matches(dict(info.tags), info.description):
            continue  # another stack's version of a family with the same name
        record, done = _record(inputs, version, info, capture, default_endpoint, wait)
        (complete if done else unfinished)[version] = record
    return complete, unfinished


def _record(inputs: Mapping[str, Any], version: str, info: ImageInfo, capture: dict[str, Any],
            default_endpoint: str | None, wait: Any) -> tuple[dict[str, Any], bool]:
    """A version's record as `releases.publish` makes it, from what the cloud holds; and whether it is complete."""
    regions = region_names(inputs.get("regions"))
    copies: dict[str, ImageInfo] = {}
    published: dict[str, Any] | None = None
    if regions:
        props, _ = releases.checked(ImageRegionSetProvider(), releases.publish_inputs(inputs, version, info.image_id),
                                    default_endpoint)
        copier = registry.adapter_for(common.target(inputs), ImageCopier)
        ident = common.identity(props)
        request = copy_request(props, common.spec_of(props), ident)
        found = wait.call(f"the copies of version {version}",
                          lambda: copier.find_copies(request, regions, ident))
        newest = {r: _newest(found.get(r) or []) for r in regions}
        copies = {r: c for r, c in newest.items() if c is not None}
        images = {r: {"image_id": c.image_id} for r, c in copies.items()}
        published = {"id": "", **props, "images": images, "image_ids": {r: c.image_id for r, c in copies.items()}}
    available = info.status is ImageStatus.AVAILABLE and set(copies) == set(regions) and all(
        c.status is ImageStatus.AVAILABLE for c in copies.values())
    created = cloud_time(info.created)
    return ({"image_id": info.image_id, "images": {str(inputs["region"]): info.image_id,
                                                   **{r: c.image_id for r, c in copies.items()}},
             "created": created, "created_at": created, "retired_at": None, "deprecated": False,
             "capture": {**capture, "image_id": info.image_id, "created": info.created}, "publish": published,
             "found": True}, available)


def _newest(infos: list[ImageInfo]) -> ImageInfo | None:
    live = [i for i in infos if i.status is not ImageStatus.DELETED]
    return max(live, key=lambda i: i.created) if live else None


def remove(inputs: Mapping[str, Any], record: Mapping[str, Any]) -> None:
    """Delete an unfinished version's copies, then its capture (each waits for a running copy or capture)."""
    releases.retire(inputs, record)

