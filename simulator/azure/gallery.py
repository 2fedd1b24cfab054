"""Azure Compute Gallery: galleries, image definitions and image versions with per-region replication.

The model takes typed requests (wire.py parses the ARM bodies) and keeps the records of
gallery_records.py; a version's regions replicate on their own Lifecycles, after the capture in
the version's own region.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..core.context import SimContext
from ..core.lifecycle import Lifecycle
from ..core.wire import SimError
from . import arm
from .gallery_records import (CAPTURE_SECONDS, FAIL_AT, SHORT_OP_SECONDS, Gallery, GalleryImage, GalleryVersion,
                              Replica)
from .lro import VENDOR, Operation, Operations
from .model import GALLERY, GENERALIZED_VM, LOCATION, RESOURCE_GROUP, SUBSCRIPTION, VmModel
from .records import Table, ends, gone
from .regions import LOCATIONS, display_name, normalize, replication_seconds
from .vm import DELETE_SECONDS, VirtualMachine

GALLERY_NAME = re.compile(r"^[A-Za-z0-9_.]{1,80}$")
VERSION_NAME = re.compile(r"^(\d{1,10})\.(\d{1,10})\.(\d{1,10})$")
STORAGE_TYPES = ("Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS")
REPLICA_CHANGE_SECONDS = 180.0
MAX_REPLICAS = 100
SEEDED_VERSION = "0.1.0"
NESTED = "Can not delete resource before nested resources are deleted."


@dataclass(frozen=True)
class TargetRegion:
    """One entry of publishingProfile.targetRegions; `name` as sent (display or short form)."""

    name: str
    replicas: int | None = None
    storage: str = ""


@dataclass(frozen=True)
class VersionRequest:
    """An image version's PUT or PATCH body: None, "" or [] where the body leaves a field out."""

    location: str = ""
    tags: dict[str, str] | None = None
    source: str = ""  # storageProfile.source: virtualMachineId (or id)
    replica_count: int | None = None
    exclude_from_latest: bool | None = None  # a PATCH that leaves it out keeps it
    end_of_life: str | None = None  # publishingProfile.endOfLifeDate
    storage: str = ""
    mode: str = ""
    targets: list[TargetRegion] = field(default_factory=list)
    allow_deletion: bool | None = None  # safetyProfile.allowDeletionOfReplicatedLocations
    block_deletion: bool | None = None  # safetyProfile.blockDeletionBeforeEndOfLife


@dataclass(frozen=True)
class DefinitionRequest:
    """An image definition's PUT body; `other` = its other properties, kept and shown as sent."""

    location: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    os_type: str = ""
    os_state: str = ""
    identifier: dict[str, Any] = field(default_factory=dict)
    hyperv: str = ""
    architecture: str = ""
    other: dict[str, Any] = field(default_factory=dict)


class GalleryModel:
    def __init__(self, ctx: SimContext, ops: Operations, vms: VmModel) -> None:
        self.ctx = ctx
        self.ops = ops
        self.vms = vms
        self.galleries: Table[Gallery] = Table(ctx, "gallery", Gallery.from_record)
        self.definitions: Table[GalleryImage] = Table(ctx, "gallery_image", GalleryImage.from_record)
        self.versions: Table[GalleryVersion] = Table(ctx, "gallery_version", GalleryVersion.from_record)

    def seed(self) -> None:
        now = self.ctx.now()
        gid = arm.resource_id(SUBSCRIPTION, RESOURCE_GROUP, f"galleries/{GALLERY}")
        self.galleries.put(Gallery(gid, GALLERY, LOCATION, "Golden images built by imageforge",
                                   f"{SUBSCRIPTION}-{GALLERY.upper()}", Lifecycle.start(now, 0.0)))
        for name, os_type, state in (("linux-generalized", "Linux", "Generalized"), ("linux-specialized", "Linux", "Specialized"),
                                     ("windows-generalized", "Windows", "Generalized")):
            identifier = {"publisher": "imageforge", "offer": f"golden-{os_type.lower()}", "sku": name}
            self.definitions.put(GalleryImage(f"{gid}/images/{name}", name, LOCATION, os_type, state, identifier, "V2",
                                              "x64", Lifecycle.start(now, 0.0)))
        # Version 0.1.0 of linux-generalized, replicated in its own region long ago (copies start from it).
        captured = Lifecycle(now - 86400, CAPTURE_SECONDS)
        self.versions.put(GalleryVersion(
            f"{gid}/images/linux-generalized/versions/{SEEDED_VERSION}", SEEDED_VERSION, LOCATION,
            arm.resource_id(SUBSCRIPTION, RESOURCE_GROUP, f"virtualMachines/{GENERALIZED_VM}"), 30,
            arm.iso(now - 86400), {LOCATION: Replica(1, "Standard_LRS", captured)}, captured, allow_deletion=True))

    # shared --------------------------------------------------------------------------
    def _live(self, table: Table[Any], rid: str, subscription: str) -> Any:
        found = table.get(rid, subscription)
        return None if found is None or gone(found.deleting, self.ctx.now()) else found

    def _live_under(self, table: Table[Any], subscription: str, prefix: str) -> list[Any]:
        now = self.ctx.now()
        return [r for r in table.under(subscription, prefix) if not gone(r.deleting, now)]

    def _delete(self, table: Table[Any], record: Any) -> Operation:
        """A second delete while deleting reports the same end."""
        now = self.ctx.now()
        if record.deleting is None:
            record.deleting = Lifecycle.start(now, DELETE_SECONDS)
            table.put(record)
        return self.ops.start(arm.subscription_of(record.id), record.location, ends(record.deleting) - now,
                              target=record.id)

    def _location(self, location: str) -> str:
        location = normalize(location)
        if not location:
            raise SimError("LocationRequired", "The location property is required for this definition.", 400)
        return location

    def document(self, record: Gallery | GalleryImage) -> dict[str, Any]:
        return record.document(self.ctx.now())

    def version_document(self, version: GalleryVersion, *, replication_status: bool = False) -> dict[str, Any]:
        return version.document(self.ctx.now(), replication_status)

    # galleries and definitions ----------------------------------------------------------
    def gallery(self, path: arm.ArmPath) -> Gallery:
        found: Gallery | None = self._live(self.galleries, path.resource_id(1), path.subscription)
        if found is None:
            raise arm.not_found("galleries", path.names[0], path.resource_group)
        return found

    def definition(self, path: arm.ArmPath) -> GalleryImage:
        self.gallery(path)
        found: GalleryImage | None = self._live(self.definitions, path.resource_id(2), path.subscription)
        if found is None:
            raise arm.not_found("galleries/images", "/".join(path.names[:2]), path.resource_group)
        return found

    def gallery_list(self, subscription: str, resource_group: str) -> list[Gallery]:
        prefix = f"/subscriptions/{subscription}/" + (f"resourceGroups/{resource_group}/" if resource_group else "")
        return self._live_under(self.galleries, subscription, prefix)

    def definition_list(self, path: arm.ArmPath) -> list[GalleryImage]:
        return self._live_under(self.definitions, path.subscription, self.gallery(path).id + "/")

    def put_gallery(self, path: arm.ArmPath, *, location: str, tags: dict[str, str],
                    description: str | None) -> tuple[int, Gallery, Operation]:
        if not GALLERY_NAME.match(path.name):
            raise arm.invalid(f"The gallery name '{path.name}' is invalid: use letters, digits, underscores and "
                              "periods (at most 80 characters).", "galleryName")
        location = self._location(location)
        unique = f"{path.subscription}-{path.name.upper()}"
        existing: Gallery | None = self._live(self.galleries, path.resource_id(), path.subscription)
        if existing is not None:
            existing.description, existing.unique_name, existing.tags = description, unique, dict(tags)
            self.galleries.put(existing)
            return 200, existing, self.ops.start(path.subscription, location, 0.0, target=existing.id)
        now = self.ctx.now()
        gallery = Gallery(path.resource_id(), path.name, location, description, unique,
                          Lifecycle.start(now, SHORT_OP_SECONDS), dict(tags))
        self.galleries.put(gallery)
        return 201, gallery, self.ops.start(path.subscription, location, SHORT_OP_SECONDS, target=gallery.id)

    def put_definition(self, path: arm.ArmPath, request: DefinitionRequest) -> tuple[int, GalleryImage, Operation]:
        if self._live(self.galleries, path.resource_id(1), path.subscription) is None:
            raise arm.parent_not_found("galleries", path.names[0])
        for name, value in (("osType", request.os_type), ("osState", request.os_state), ("identifier", request.identifier)):
            if not value:
                raise arm.invalid(f"Required parameter 'properties.{name}' is missing (null).", f"properties.{name}")
        if request.os_state not in ("Generalized", "Specialized"):
            raise arm.invalid(f"osState must be Generalized or Specialized; got '{request.os_state}'.", "properties.osState")
        location = self._location(request.location)
        hyperv, architecture = request.hyperv or "V1", request.architecture or "x64"
        existing: GalleryImage | None = self._live(self.definitions, path.resource_id(), path.subscription)
        if existing is not None:
            for name, asked, has in (("osType", request.os_type, existing.os_type), ("osState", request.os_state, existing.os_state),
                                     ("identifier", request.identifier, existing.identifier),
                                     ("hyperVGeneration", hyperv, existing.hyperv)):
                if asked != has:
                    raise arm.change_not_allowed(f"properties.{name}")
            existing.architecture, existing.tags = architecture, dict(request.tags)
            existing.other.update(request.other)
            self.definitions.put(existing)
            return 200, existing, self.ops.start(path.subscription, location, 0.0, target=existing.id)
        now = self.ctx.now()
        definition = GalleryImage(path.resource_id(), path.name, location, request.os_type, request.os_state,
                                  dict(request.identifier), hyperv, architecture, Lifecycle.start(now, SHORT_OP_SECONDS),
                                  dict(request.other), dict(request.tags))
        self.definitions.put(definition)
        return 201, definition, self.ops.start(path.subscription, location, SHORT_OP_SECONDS, target=definition.id)

    def delete_gallery(self, path: arm.ArmPath) -> Operation | None:
        gallery: Gallery | None = self._live(self.galleries, path.resource_id(), path.subscription)
        if gallery is None:
            return None
        if self._live_under(self.definitions, path.subscription, gallery.id + "/"):
            raise SimError("CannotDeleteResource", NESTED, 409)
        return self._delete(self.galleries, gallery)

    def delete_definition(self, path: arm.ArmPath) -> Operation | None:
        definition: GalleryImage | None = self._live(self.definitions, path.resource_id(), path.subscription)
        if definition is None:
            return None
        if self._live_under(self.versions, path.subscription, definition.id + "/"):
            raise SimError("CannotDeleteResource", NESTED, 409)
        return self._delete(self.definitions, definition)

    # versions ------------------------------------------------------------------------
    def version(self, path: arm.ArmPath) -> GalleryVersion:
        self.definition(path)
        found: GalleryVersion | None = self._live(self.versions, path.resource_id(3), path.subscription)
        if found is None:
            raise arm.not_found("galleries/images/versions", "/".join(path.names[:3]), path.resource_group)
        return found

    def version_list(self, path: arm.ArmPath) -> list[GalleryVersion]:
        return self._live_under(self.versions, path.subscription, self.definition(path).id + "/")

    def _targets(self, location: str, request: VersionRequest, default_storage: str) -> dict[str, Replica]:
        """targetRegions as region -> replica (not started yet); validated; the version's own region included."""
        count = request.replica_count or 1
        wanted = request.targets or [TargetRegion(location)]
        out: dict[str, Replica] = {}
        for item in wanted:
            region = normalize(item.name)
            if region not in LOCATIONS:
                raise arm.invalid(f"The target region '{item.name}' is not a valid Azure region.", "targetRegions")
            if region in out:
                raise arm.invalid(f"The target region '{item.name}' is listed more than once.", "targetRegions")
            replicas = item.replicas or count
            if not 1 <= replicas <= MAX_REPLICAS:
                raise arm.invalid(f"regionalReplicaCount for '{region}' must be between 1 and {MAX_REPLICAS}; got {replicas}.",
                                  "regionalReplicaCount")
            storage = item.storage or default_storage
            if storage not in STORAGE_TYPES:
                raise arm.invalid(f"storageAccountType must be one of {', '.join(STORAGE_TYPES)}; got '{storage}'.",
                                  "storageAccountType")
            out[region] = Replica(replicas, storage, Lifecycle(0.0, 0.0))
        if location not in out:
            raise arm.invalid(f"The gallery image version publishing profile regions '{', '.join(out)}' must contain "
                              f"the location of the image version '{location}'.", "targetRegions")
        return out

    def put_version(self, path: arm.ArmPath, request: VersionRequest) -> tuple[int, GalleryVersion, Operation]:
        sub = path.subscription
        definition: GalleryImage | None = self._live(self.definitions, path.resource_id(2), sub)
        if definition is None:
            raise arm.parent_not_found("galleries/images", "/".join(path.names[:2]))
        if not VERSION_NAME.match(path.name) or any(int(p) > 2**31 - 1 for p in path.name.split(".")):
            raise arm.invalid(f"The gallery image version name '{path.name}' is invalid. It must follow the format "
                              "Major(int32).Minor(int32).Patch(int32).", "galleryImageVersionName")
        existing: GalleryVersion | None = self._live(self.versions, path.resource_id(), sub)
        if existing is not None:
            if request.source and request.source.lower() != existing.source_vm.lower():
                raise arm.change_not_allowed("properties.storageProfile.source.virtualMachineId")
            return (200, *self._update(existing, request, "GalleryImageVersions_CreateOrUpdate"))
        location = normalize(request.location)
        if location != normalize(definition.location):
            raise arm.invalid(f"The gallery image version must be created in the location of its image definition "
                              f"('{definition.location}'); got '{location}'.", "location")
        vm = self.vms.find(request.source, sub) if request.source else None
        if vm is None:
            raise arm.invalid(f"The source '{request.source}' of the gallery image version is not an existing virtual "
                              "machine.", "storageProfile.source")
        self._check_source(vm, definition, location)
        storage = request.storage or "Standard_LRS"
        now = self.ctx.now()
        regions = {}
        for region, target in self._targets(location, request, storage).items():
            start, duration = (now, CAPTURE_SECONDS) if region == location else (now + CAPTURE_SECONDS, self._duration(region, target))
            error = self._fault("GalleryImageVersions_CreateOrUpdate", region)
            regions[region] = replace(target, lifecycle=Lifecycle(start, duration, FAIL_AT if error else None), error=error)
        end = max(ends(e.lifecycle) for e in regions.values())
        version = GalleryVersion(
            path.resource_id(), path.name, location, vm.id, int(vm.properties["storageProfile"]["osDisk"]["diskSizeGB"]),
            arm.iso(now), regions, Lifecycle(now, end - now), request.replica_count or 1,
            bool(request.exclude_from_latest), storage, request.mode or "Full", bool(request.allow_deletion),
            request.block_deletion, tags=dict(request.tags or {}), end_of_life=request.end_of_life or "")
        self.versions.put(version)
        return 201, version, self._operation(version, list(regions.values()))

    def _check_source(self, vm: VirtualMachine, definition: GalleryImage, location: str) -> None:
        if normalize(vm.location) != location:
            raise arm.invalid(f"The source virtual machine is in '{vm.location}'; the image version must be created "
                              f"in the same region (got '{location}').", "storageProfile.source")
        if vm.os_type != definition.os_type:
            raise arm.invalid(f"The source virtual machine runs {vm.os_type}, but the image definition "
                              f"'{definition.name}' is for {definition.os_type}.", "storageProfile.source")
        generalized = self.vms.state(vm).generalized
        if definition.os_state == "Generalized" and not generalized:
            raise arm.invalid(f"The image definition '{definition.name}' is Generalized, but the source virtual machine "
                              f"'{vm.name}' is not generalized: generalize it first or use a Specialized definition.",
                              "storageProfile.source")
        if definition.os_state == "Specialized" and generalized:
            raise arm.invalid(f"The image definition '{definition.name}' is Specialized, but the source virtual machine "
                              f"'{vm.name}' is generalized: use a Generalized definition.", "storageProfile.source")

    def _duration(self, region: str, target: Replica) -> float:
        return replication_seconds(region) + 30.0 * (target.replicas - 1)

    def _fault(self, action: str, region: str) -> dict[str, str] | None:
        fault = self.ctx.take_failure(VENDOR, action, region)
        if fault is None:
            return None
        return {"code": fault.code or "ReplicationFailed",
                "message": fault.message or f"Replication to region '{display_name(region)}' failed in the simulated cloud."}

    def _operation(self, version: GalleryVersion, changed: list[Replica]) -> Operation:
        """Ends when the last changed region does; fails with the first failing one's error."""
        now = self.ctx.now()
        end = max([ends(e.lifecycle) for e in changed] + [now])
        error = next((e.error for e in changed if e.error), None)
        return self.ops.start(arm.subscription_of(version.id), version.location, end - now, target=version.id, error=error)

    def update_version(self, path: arm.ArmPath, request: VersionRequest) -> tuple[GalleryVersion, Operation]:
        return self._update(self.version(path), request, "GalleryImageVersions_Update")

    def _update(self, version: GalleryVersion, request: VersionRequest, action: str) -> tuple[GalleryVersion, Operation]:
        """Apply tags, safety and target-region changes in place; only changed regions replicate again."""
        if request.tags is not None:
            version.tags = dict(request.tags)
        if request.allow_deletion is not None:
            version.allow_deletion = request.allow_deletion
        if request.block_deletion is not None:
            version.block_deletion = request.block_deletion
        if request.exclude_from_latest is not None:
            version.exclude_from_latest = request.exclude_from_latest
        if request.end_of_life is not None:
            version.end_of_life = request.end_of_life
        if request.mode and request.mode != version.mode:
            raise arm.change_not_allowed("properties.publishingProfile.replicationMode")
        changed: list[Replica] = []
        if request.targets:
            targets = self._targets(version.location, request, version.storage)
            regions = version.regions
            removed = [r for r in regions if r not in targets]
            if removed and not version.allow_deletion:
                raise arm.not_allowed(f"Removing replicated regions ({', '.join(map(display_name, removed))}) from the "
                                      "gallery image version is blocked: set safetyProfile.allowDeletionOfReplicatedLocations "
                                      "to true to allow it.")
            now = self.ctx.now()
            source_done = ends(regions[version.location].lifecycle)
            for region in removed:
                del regions[region]
            for region, target in targets.items():
                old = regions.get(region)
                if old is not None and old.storage != target.storage:
                    raise arm.change_not_allowed("properties.publishingProfile.targetRegions.storageAccountType")
                if old is None:
                    error = self._fault(action, region)
                    lc = Lifecycle(max(now, source_done), self._duration(region, target), FAIL_AT if error else None)
                    regions[region] = replace(target, lifecycle=lc, error=error)
                elif old.replicas != target.replicas:
                    lc = old.lifecycle
                    lc = (replace(lc, duration=lc.duration + REPLICA_CHANGE_SECONDS) if ends(lc) > now  # still running
                          else replace(lc, started_at=now, duration=REPLICA_CHANGE_SECONDS))
                    regions[region] = replace(old, replicas=target.replicas, lifecycle=lc)
                else:
                    continue
                changed.append(regions[region])
        self.versions.put(version)
        return version, self._operation(version, changed)

    def delete_version(self, path: arm.ArmPath) -> Operation | None:
        version: GalleryVersion | None = self._live(self.versions, path.resource_id(), path.subscription)
        return None if version is None else self._delete(self.versions, version)
