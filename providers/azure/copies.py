"""ImageCopier on Azure: a copy is one target region of a Compute Gallery image version.

The copies share the version's id. Which ImageRegionSet owns a region is recorded on the version
as the tag `imageforge-region-<region>` = the set's key, written in the same PATCH that adds the
region, so a re-run with no state finds exactly its own regions. The version's own region is
always there (Azure requires it): a set that lists it only sets its replica count and tracks it,
and releasing it drops the tag.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core import errors
from ..core.model import TAG_KEY, CopyRequest, Identity, ImageInfo, JobStatus, Started
from ..core.protocol import CopyStart
from . import ids, mapping
from .base import NAME_TAG, AzureBase, labelled_tags, user_tags, whole

REGION_TAG = "imageforge-region-"  # + region: the key of the ImageRegionSet that owns that region's replicas
LEGACY_SOURCE_TAG = "imageforge-source-region"  # set by earlier releases while a set listed the version's own region


class CopyOperations(AzureBase):
    """The ImageCopier half of the Compute adapter: target regions of a gallery version, one PATCH at a time."""

    def _version(self, image_id: str, operation: str, expand: str | None = None) -> tuple[ids.Ref, Any]:
        ref = self._ref(image_id)
        if ref.kind != "version":
            raise errors.Unsupported(f"{image_id} is a managed image; Azure replicates only Compute Gallery image "
                                     "versions (capture with options.gallery, gallery_image and version)",
                                     vendor=mapping.VENDOR, operation=operation, resource_id=image_id)
        found = self._get_version(ref, expand)
        if found is None:
            raise errors.NotFound(f"gallery image version {image_id} does not exist", vendor=mapping.VENDOR,
                                  operation=operation, resource_id=image_id)
        return ref, found

    def start_copies(self, request: CopyRequest, regions: Sequence[str]) -> dict[str, CopyStart]:
        """Add the regions to targetRegions, with their owner tags, in one PATCH.

        A region of ours whose replication failed (an earlier run died cleaning it up) is removed
        first, in its own PATCH: the same target list again would not replicate it again.
        https://learn.microsoft.com/rest/api/compute/gallery-image-versions/update
        """
        ref, version = self._version(request.source_image_id, "copy", "ReplicationStatus")
        key = str(request.tags.get(TAG_KEY, ""))
        tags = dict(version.tags or {})
        targets = target_regions(version)
        source = mapping.region(version.location)
        failed = [mapping.region(r) for r in regions if mapping.region(r) != source
                  and tags.get(REGION_TAG + mapping.region(r)) == key and _state(version, r) == "failed"]
        if failed:
            for name in failed:
                del targets[name]
                tags.pop(REGION_TAG + name, None)
            self._patch(ref, {"tags": tags, "properties": {
                "publishingProfile": {"targetRegions": target_list(targets)},
                "safetyProfile": {"allowDeletionOfReplicatedLocations": True}}}, "copy")
        profile = version.properties.publishing_profile
        default: dict[str, Any] = {"replicas": int(profile.replica_count or 1),
                                   "storage": mapping.enum_value(profile.storage_account_type) or "Standard_LRS"}
        out: dict[str, CopyStart] = {}
        started: list[str] = []
        for region in regions:
            name = mapping.region(region)
            entry, have, owner = request.entries.get(region, {}), targets.get(name), tags.get(REGION_TAG + name)
            refusal = _refusal(region, name, source, have, owner, key, entry, ref.id)
            if refusal is not None:
                out[region] = refusal
                continue
            base: Mapping[str, Any] = have or default
            targets[name] = {"replicas": whole(entry.get("replicas"), int(base["replicas"])),
                             "storage": str(entry.get("storage") or base["storage"])}
            tags[REGION_TAG + name] = key
            started.append(region)
        if not started:
            return out
        extra = {k: v for k, v in request.tags.items() if k != TAG_KEY}
        body = {"tags": labelled_tags({**tags, **extra}, request.name or None, request.description or None),
                "properties": {"publishingProfile": {"targetRegions": target_list(targets)}}}
        begun = self._patch(ref, body, "copy")
        return {**out, **{r: Started(image_id=ref.id, request_id=begun.request_id) for r in started}}

    def follow_copy_job(self, region: str, job_id: str) -> JobStatus:
        raise errors.Unsupported("Azure copies have no jobs", vendor=mapping.VENDOR, operation="job")

    def label_copy(self, request: CopyRequest, region: str, image_id: str) -> None:
        """Nothing: the PATCH that added the region carried the owner tag, the name, the description and the tags."""

    def find_copies(self, request: CopyRequest, regions: Sequence[str],
                    identity: Identity) -> dict[str, list[ImageInfo]]:
        """The regions whose owner tag names this identity, in any state.

        https://learn.microsoft.com/rest/api/compute/gallery-image-versions/get ($expand=ReplicationStatus)
        """
        ref = self._ref(request.source_image_id)
        version = self._get_version(ref, "ReplicationStatus") if ref.kind == "version" else None
        if version is None:
            return {region: [] for region in regions}
        tags, targets = dict(version.tags or {}), target_regions(version)
        return {region: [_region_info(ref.id, version, region)]
                if mapping.region(region) in targets and tags.get(REGION_TAG + mapping.region(region)) == identity.key
                else [] for region in regions}

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        """Each region's replication state; the version's own region only while a set tracks it.

        https://learn.microsoft.com/rest/api/compute/gallery-image-versions/get ($expand=ReplicationStatus)
        """
        out: dict[str, ImageInfo] = {}
        for image_id in dict.fromkeys(copies.values()):
            ref = self._ref(image_id)
            version = self._get_version(ref, "ReplicationStatus") if ref.kind == "version" else None
            if version is None:
                continue
            targets = target_regions(version)
            for region, wanted in copies.items():
                if wanted == image_id and mapping.region(region) in targets and _listed(version, region):
                    out[region] = _region_info(image_id, version, region)
        return out

    def update_copy(self, region: str, image_id: str, name: str | None, description: str | None,
                    tags: Mapping[str, str] | None) -> None:
        """The copies are regions of one version: their name, description and tags are set on it (merged).

        https://learn.microsoft.com/rest/api/compute/gallery-image-versions/update
        """
        ref, version = self._version(image_id, "update copy")
        have = dict(version.tags or {})
        extra = {k: v for k, v in dict(tags or {}).items() if k != TAG_KEY}
        wanted = labelled_tags({**have, **extra}, name, description)
        if wanted != have:
            self._patch(ref, {"tags": wanted}, "update copy")

    def reconfigure_copies(self, copies: Mapping[str, str], entries: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """Replica counts changed in place, one PATCH per version; the regions changed (they re-replicate).

        https://learn.microsoft.com/rest/api/compute/gallery-image-versions/update
        """
        changed: list[str] = []
        for image_id in dict.fromkeys(copies.values()):
            ref, version = self._version(image_id, "reconfigure")
            targets = target_regions(version)
            mine: list[str] = []
            for region, entry in entries.items():
                have = targets.get(mapping.region(region))
                if have is None or copies.get(region) != image_id:
                    continue
                if entry.get("storage") and str(entry["storage"]) != have["storage"]:
                    raise errors.InvalidArgument(
                        f"region {region} holds {image_id} on {have['storage']}; Azure cannot change a replica's "
                        f"storage type in place (asked: {entry['storage']}): the ImageRegionSet must be replaced",
                        vendor=mapping.VENDOR, operation="reconfigure", resource_id=image_id)
                if entry.get("replicas") and whole(entry["replicas"], 1) != have["replicas"]:
                    have["replicas"] = whole(entry["replicas"], 1)
                    mine.append(region)
            if mine:
                self._patch(ref, {"properties": {"publishingProfile": {"targetRegions": target_list(targets)}}},
                            "reconfigure")
                changed += mine
        return changed

    def cancel_copy(self, region: str, image_id: str) -> None:
        """A replicating region is cancelled by removing it (gallery-image-versions/update)."""
        self.delete_copy(region, image_id)

    def delete_copy(self, region: str, image_id: str) -> None:
        """Remove the region and its owner tag in one PATCH; the version's own region is only released.

        https://learn.microsoft.com/rest/api/compute/gallery-image-versions/update
        """
        ref, version = self._version(image_id, "delete copy")
        name = mapping.region(region)
        tags = dict(version.tags or {})
        targets = target_regions(version)
        if name not in targets or not _listed(version, region):
            raise errors.NotFound(f"{image_id} is not replicated to {region} for an ImageRegionSet",
                                  vendor=mapping.VENDOR, operation="delete copy", resource_id=image_id)
        tags.pop(REGION_TAG + name, None)
        if name == mapping.region(version.location):
            tags.pop(LEGACY_SOURCE_TAG, None)
            self._patch(ref, {"tags": tags}, "delete copy")
            return
        del targets[name]
        self._patch(ref, {"tags": tags, "properties": {
            "publishingProfile": {"targetRegions": target_list(targets)},
            "safetyProfile": {"allowDeletionOfReplicatedLocations": True}}}, "delete copy")


def _refusal(region: str, name: str, source: str, have: Mapping[str, Any] | None, owner: str | None, key: str,
             entry: Mapping[str, Any], image_id: str) -> errors.CloudError | None:
    """Why a region cannot be taken by this set: another owner, or a storage type that cannot change."""
    if owner is not None and owner != key:
        return errors.Conflict(f"{region} of {image_id} belongs to another ImageRegionSet (key {owner}): list each "
                               "region in one set only", vendor=mapping.VENDOR, operation="copy", code="Conflict",
                               resource_id=image_id)
    if have is not None and owner is None and name != source:
        return errors.Conflict(f"{image_id} is already replicated to {region} outside imageforge: remove {region} "
                               "from this set, or from the version's target regions first", vendor=mapping.VENDOR,
                               operation="copy", code="Conflict", resource_id=image_id)
    if have is not None and entry.get("storage") and str(entry["storage"]) != have["storage"]:
        fix = "set options.storage on the CustomImage" if name == source else "leave storage out"
        return errors.InvalidArgument(f"{region} already holds {image_id} on {have['storage']} and Azure cannot change "
                                      f"a replica's storage type ({entry['storage']} asked): {fix}",
                                      vendor=mapping.VENDOR, operation="copy", resource_id=image_id)
    return None


def _listed(version: Any, region: str) -> bool:
    """A region an ImageRegionSet holds: any region but the version's own, which only while a set tracks it."""
    name, tags = mapping.region(region), dict(version.tags or {})
    if name != mapping.region(version.location):
        return True
    return REGION_TAG + name in tags or tags.get(LEGACY_SOURCE_TAG) == "tracked"


def target_regions(version: Any) -> dict[str, dict[str, Any]]:
    profile = version.properties.publishing_profile
    default = mapping.enum_value(profile.storage_account_type) or "Standard_LRS"
    return {mapping.region(t.name): {"replicas": int(t.regional_replica_count or profile.replica_count or 1),
                                     "storage": mapping.enum_value(t.storage_account_type) or default}
            for t in (profile.target_regions or [])}


def target_list(targets: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": r, "regionalReplicaCount": t["replicas"], "storageAccountType": t["storage"]}
            for r, t in targets.items()]


def _state(version: Any, region: str) -> str:
    """A region's replication state, lower-cased ("" when the version was read without it)."""
    props = version.properties
    for item in (props.replication_status.summary or []) if props.replication_status else []:
        if mapping.region(item.region) == mapping.region(region):
            return mapping.enum_value(item.state).lower()
    return ""


def _region_info(image_id: str, version: Any, region: str) -> ImageInfo:
    props = version.properties
    summary = {mapping.region(s.region): s for s in (props.replication_status.summary or [])} \
        if props.replication_status else {}
    state = summary.get(mapping.region(region))
    raw = mapping.enum_value(state.state) if state is not None else ""
    tags = dict(version.tags or {})
    return ImageInfo(image_id=image_id, region=region, status=mapping.replication_status(raw),
                     name=tags.get(NAME_TAG, version.name),
                     progress=float(state.progress) if state is not None and state.progress is not None else None,
                     raw_status=raw, failure=str(state.details or "") if state is not None else "",
                     tags=user_tags(tags), copying=raw.lower() == "replicating")
