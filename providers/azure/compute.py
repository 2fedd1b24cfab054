"""Azure Compute adapter: managed images (captured or imported from a VHD blob), gallery versions, generalization.

Each method makes single SDK calls (long-running ones started with `polling=False`); the
resources poll with the one Waiter. Run Command is the exception: its result exists only at the
end of its operation, so `run_command` polls the operation through the waiter it was given.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core import errors
from ..core.model import CaptureRequest, CopyRequest, ImageInfo, ImageStatus, ImportRequest
from ..core.timeouts import COPY_DEFAULTS
from ..core.waiting import Done, Pending
from . import ids, mapping
from .base import _enum
from .vms import VmOperations

TRACK_SOURCE_TAG = "imageforge-source-region"  # set while an ImageRegionSet lists the version's own region
KEPT_TAG_PREFIX = "imageforge-"


class ComputeAdapter(VmOperations):
    """ImageAdapter + ImageCopier + VmGeneralizer for Azure Compute in one region (the image's location)."""

    def capture(self, request: CaptureRequest) -> str:
        """https://learn.microsoft.com/rest/api/compute/images/create-or-update (or gallery-image-versions/create-or-update)"""
        opts = dict(request.options)
        vm = self.vm_ref(request.source.instance, str(opts.get("resource_group") or ""))
        rg = str(opts.get("resource_group") or vm.resource_group)
        if str(opts.get("target") or "managed") == "gallery":
            return self._capture_version(request, vm, rg, opts)
        return self._capture_managed(request, vm, rg, opts)

    def _capture_managed(self, request: CaptureRequest, vm: ids.Ref, rg: str, opts: Mapping[str, Any]) -> str:
        image = ids.Ref("image", vm.subscription, rg, request.name)
        existing = self._get_image(image)
        if existing is not None:
            return self._adopt(image.id, _image_source(existing), vm.id)
        body: dict[str, Any] = {"location": self.region, "tags": dict(request.tags),
                                "properties": {"sourceVirtualMachine": {"id": vm.id}}}
        if opts.get("hyper_v_generation"):
            body["properties"]["hyperVGeneration"] = str(opts["hyper_v_generation"])
        try:
            self._start("capture", lambda **kw: self.client.images.begin_create_or_update(rg, request.name, body, **kw), image.id)
        except errors.InvalidState as err:
            raise errors.InvalidState(
                f"VM {vm.name} is not generalized, and a managed image can only be captured from a generalized VM. "
                "Generalize it first (an imageforge GeneralizedVM, or Sysprep / 'waagent -deprovision+user' then "
                f"'az vm generalize'), or capture it to a Compute Gallery with options.target='gallery' and a "
                f"Specialized image definition. Azure said: {err.message}",
                vendor=mapping.VENDOR, operation="capture", code=err.code, request_id=err.request_id,
                resource_id=vm.id) from None
        return image.id

    def _capture_version(self, request: CaptureRequest, vm: ids.Ref, rg: str, opts: Mapping[str, Any]) -> str:
        version = ids.Ref("version", vm.subscription, rg, str(opts["version"]), str(opts["gallery"]), str(opts["gallery_image"]))
        existing = self._get_version(version)
        if existing is not None:
            return self._adopt(version.id, existing.properties.storage_profile.source.virtual_machine_id, vm.id)
        self._check_os_state(version, vm, opts)
        storage = str(opts.get("storage") or "Standard_LRS")
        profile: dict[str, Any] = {"targetRegions": [{"name": self.region, "regionalReplicaCount": int(opts.get("replicas") or 1),
                                                      "storageAccountType": storage}],
                                   "storageAccountType": storage}
        if opts.get("replication_mode"):
            profile["replicationMode"] = str(opts["replication_mode"])
        body = {"location": self.region, "tags": dict(request.tags),
                "properties": {"storageProfile": {"source": {"virtualMachineId": vm.id}}, "publishingProfile": profile,
                               "safetyProfile": {"allowDeletionOfReplicatedLocations": True}}}
        self._start("capture", lambda **kw: self.client.gallery_image_versions.begin_create_or_update(
            rg, version.gallery, version.image, version.name, body, **kw), version.id)
        return version.id

    def _check_os_state(self, version: ids.Ref, vm: ids.Ref, opts: Mapping[str, Any]) -> None:
        """The definition's osState must match the VM: Generalized needs a generalized VM, Specialized a live one."""
        definition = self._call("get image definition", lambda: self.client.gallery_images.get(
            version.resource_group, version.gallery, version.image))
        state = _enum(definition.properties.os_state)
        wanted = str(opts.get("os_state") or state)
        if wanted.lower() != state.lower():
            raise errors.InvalidArgument(f"options.os_state is {wanted} but image definition {version.image} is {state}",
                                         vendor=mapping.VENDOR, operation="capture", resource_id=version.id)
        generalized = self.get_vm(vm.id).generalized
        if state.lower() == "generalized" and not generalized:
            raise errors.InvalidState(
                f"image definition {version.image} holds Generalized images but VM {vm.name} is not generalized: "
                "generalize it first (GeneralizedVM) or use a Specialized image definition",
                vendor=mapping.VENDOR, operation="capture", code="OperationNotAllowed", resource_id=vm.id)
        if state.lower() == "specialized" and generalized:
            raise errors.InvalidArgument(f"VM {vm.name} is generalized but image definition {version.image} is Specialized: "
                                         "use a Generalized image definition", vendor=mapping.VENDOR, operation="capture",
                                         resource_id=vm.id)

    def _adopt(self, image_id: str, found_source: str, wanted_source: str, operation: str = "capture") -> str:
        if _source_key(found_source) != _source_key(wanted_source):
            raise errors.Conflict(f"{image_id} already exists and was made from {found_source or 'another source'}, not "
                                  f"{wanted_source}: choose another name (or version), or import the existing one",
                                  vendor=mapping.VENDOR, operation=operation, resource_id=image_id)
        return image_id

    # ImageImporter: a managed image whose OS disk is a VHD page blob ---------------------------
    def import_image(self, request: ImportRequest) -> str:
        """https://learn.microsoft.com/rest/api/compute/images/create-or-update (storageProfile.osDisk.blobUri)"""
        opts = dict(request.options)
        rg = str(opts.get("resource_group") or "")
        if not rg:
            raise errors.InvalidArgument("options.resource_group is required: Azure creates the managed image in a "
                                         "resource group", vendor=mapping.VENDOR, operation="import")
        blob = str(opts.get("blob_uri") or ids.blob_of(request.bucket, request.key).uri)
        image = ids.Ref("image", self.subscription, rg, request.name)
        existing = self._get_image(image)
        if existing is not None:  # an earlier attempt's PUT got through: adopt it if it reads the same blob
            return self._adopt(image.id, _image_source(existing), blob, "import")
        os_disk: dict[str, Any] = {"osType": mapping.OS_TYPES.get(request.os_type.lower(), request.os_type),
                                   "osState": "Generalized", "blobUri": blob}
        if request.disk_size_gb:
            os_disk["diskSizeGB"] = int(request.disk_size_gb)
        if opts.get("storage_account_type"):
            os_disk["storageAccountType"] = str(opts["storage_account_type"])
        body: dict[str, Any] = {"location": self.region, "tags": dict(request.tags), "properties": {
            "storageProfile": {"osDisk": os_disk},
            "hyperVGeneration": mapping.hyper_v_generation(request.boot_mode, opts.get("hyper_v_generation"))}}
        self._start("import", lambda **kw: self.client.images.begin_create_or_update(rg, request.name, body, **kw), image.id)
        return image.id

    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """https://learn.microsoft.com/rest/api/compute/images/get (gallery versions with $expand=ReplicationStatus)"""
        out: dict[str, ImageInfo] = {}
        for image_id in image_ids:
            ref = self._ref(image_id)
            if ref.kind == "image":
                found = self._get_image(ref)
                if found is not None:
                    out[image_id] = _image_info(image_id, found)
            else:
                found = self._get_version(ref, "ReplicationStatus")
                if found is not None:
                    out[image_id] = _version_info(image_id, found)
        return out

    def find_images(self, tags: Mapping[str, str]) -> list[ImageInfo]:
        """https://learn.microsoft.com/rest/api/compute/images/list (and the gallery listings)"""
        def matches(found: Any) -> bool:
            have = dict(found.tags or {})
            return mapping.region(found.location) == self.region and all(have.get(k) == v for k, v in tags.items())

        out = [_image_info(i.id, i) for i in self._call("list images", lambda: list(self.client.images.list())) if matches(i)]
        for gallery in self._call("list galleries", lambda: list(self.client.galleries.list())):
            g = ids.parse(gallery.id + "/images/x")
            if g is None or mapping.region(gallery.location) != self.region:
                continue
            for definition in self._call("list definitions", lambda: list(self.client.gallery_images.list_by_gallery(g.resource_group, gallery.name))):
                versions = self._call("list versions", lambda: list(self.client.gallery_image_versions.list_by_gallery_image(
                    g.resource_group, gallery.name, definition.name)))
                out += [_version_info(v.id, v) for v in versions if matches(v)]
        return out

    def update_image(self, image_id: str, name: str | None, description: str | None, tags: Mapping[str, str] | None) -> None:
        """https://learn.microsoft.com/rest/api/compute/images/update (gallery-image-versions/update)"""
        ref = self._ref(image_id)
        if name is not None and name != ref.name:
            raise errors.InvalidArgument(
                f"Azure fixes an image's name when it is created ({ref.name!r}); renaming to {name!r} needs a new "
                "image: replace the resource (`pulumi up --replace`)", vendor=mapping.VENDOR, operation="update",
                resource_id=image_id)
        if tags is None:
            return  # Azure images and versions have no description: it lives only in the resource's inputs
        current = self._get_image(ref) if ref.kind == "image" else self._get_version(ref)
        if current is None:
            raise errors.NotFound(f"{image_id} does not exist", vendor=mapping.VENDOR, operation="update", resource_id=image_id)
        merged = {k: v for k, v in dict(current.tags or {}).items() if k.startswith(KEPT_TAG_PREFIX)}
        merged.update(tags)
        self._patch(ref, {"tags": merged}, "update tags")

    def delete_image(self, image_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/images/delete (gallery-image-versions/delete)"""
        ref = self._ref(image_id)
        if (self._get_image(ref) if ref.kind == "image" else self._get_version(ref)) is None:
            raise errors.NotFound(f"{image_id} is already gone", vendor=mapping.VENDOR, operation="delete", resource_id=image_id)
        if ref.kind == "image":
            self._start("delete", lambda **kw: self.client.images.begin_delete(ref.resource_group, ref.name, **kw), image_id)
        else:
            self._start("delete", lambda **kw: self.client.gallery_image_versions.begin_delete(
                ref.resource_group, ref.gallery, ref.image, ref.name, **kw), image_id)

    # ImageCopier: a gallery version's targetRegions ---------------------------------------------
    def _version_for_copy(self, image_id: str, expand: str | None = None) -> tuple[ids.Ref, Any]:
        ref = self._ref(image_id)
        if ref.kind != "version":
            raise errors.Unsupported(f"{image_id} is a managed image; Azure replicates only Compute Gallery image versions "
                                     "(capture with options.target='gallery')", vendor=mapping.VENDOR, operation="copy")
        found = self._get_version(ref, expand)
        if found is None:
            raise errors.NotFound(f"gallery image version {image_id} does not exist", vendor=mapping.VENDOR,
                                  operation="copy", resource_id=image_id)
        return ref, found

    def copy_image(self, request: CopyRequest) -> dict[str, str]:
        """https://learn.microsoft.com/rest/api/compute/gallery-image-versions/update (publishingProfile.targetRegions)"""
        ref, version = self._version_for_copy(request.source_image_id)
        given: Any = request.options.get("targets") or {}
        specs: Mapping[str, Mapping[str, Any]] = dict(given)
        current = _targets(version)
        default_storage = _enum(version.properties.publishing_profile.storage_account_type) or "Standard_LRS"
        source = mapping.region(version.location)
        for region in request.regions:
            spec, have = specs.get(region, {}), current.get(mapping.region(region), {})
            current[mapping.region(region)] = {
                "replicas": int(spec.get("replicas") or have.get("replicas") or 1),
                "storage": str(spec.get("storage") or have.get("storage") or default_storage)}
        body: dict[str, Any] = {"properties": {"publishingProfile": {"targetRegions": _target_list(current)}}}
        if any(mapping.region(r) == source for r in request.regions):
            body["tags"] = {**dict(version.tags or {}), TRACK_SOURCE_TAG: "tracked"}
        self._patch(ref, body, "copy")
        return {region: request.source_image_id for region in request.regions}

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        """https://learn.microsoft.com/rest/api/compute/gallery-image-versions/get ($expand=ReplicationStatus)"""
        out: dict[str, ImageInfo] = {}
        for image_id in set(copies.values()):
            ref = self._ref(image_id)
            version = self._get_version(ref, "ReplicationStatus") if ref.kind == "version" else None
            if version is None:
                continue
            source = mapping.region(version.location)
            tracked = dict(version.tags or {}).get(TRACK_SOURCE_TAG) == "tracked"
            summary = {mapping.region(s.region): s for s in (version.properties.replication_status.summary or [])} \
                if version.properties.replication_status else {}
            targets = _targets(version)
            for region, wanted in copies.items():
                key = mapping.region(region)
                if wanted != image_id or key not in targets or (key == source and not tracked):
                    continue
                state = summary.get(key)
                raw = _enum(state.state) if state is not None else ""
                out[region] = ImageInfo(image_id=image_id, region=region, status=mapping.replication_status(raw),
                                        name=ref.name, progress=float(state.progress) if state is not None and state.progress is not None else None,
                                        raw_status=raw, failure=str(state.details or "") if state is not None else "",
                                        tags=dict(version.tags or {}), copying=raw.lower() == "replicating")
        return out

    def delete_copy(self, region: str, image_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/gallery-image-versions/update (a region removed)"""
        ref, version = self._version_for_copy(image_id)
        current = _targets(version)
        key = mapping.region(region)
        if key == mapping.region(version.location):  # Azure keeps the version's own region: only stop tracking it
            tags = {k: v for k, v in dict(version.tags or {}).items() if k != TRACK_SOURCE_TAG}
            self._patch(ref, {"tags": tags}, "delete copy")
            return
        if key not in current:
            raise errors.NotFound(f"{image_id} is not replicated to {region}", vendor=mapping.VENDOR,
                                  operation="delete copy", resource_id=image_id)
        del current[key]
        self._patch(ref, {"properties": {"publishingProfile": {"targetRegions": _target_list(current)},
                                         "safetyProfile": {"allowDeletionOfReplicatedLocations": True}}}, "delete copy")

    def cancel_copy(self, region: str, image_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/gallery-image-versions/update (a replicating region removed)"""
        self.delete_copy(region, image_id)

    def reconfigure_copies(self, copies: Mapping[str, str], specs: Mapping[str, Mapping[str, Any]]) -> None:
        """Change replica counts of regions already replicated, in place, and wait until they settle.

        https://learn.microsoft.com/rest/api/compute/gallery-image-versions/update
        """
        for image_id in set(copies.values()):
            ref, version = self._version_for_copy(image_id)
            current = _targets(version)
            changed = []
            for region, spec in specs.items():
                have = current.get(mapping.region(region))
                if have is None or copies.get(region) != image_id:
                    continue
                if spec.get("storage") and str(spec["storage"]) != have["storage"]:
                    raise errors.InvalidArgument(
                        f"region {region} already holds {image_id} on {have['storage']}; Azure cannot change the "
                        f"storage type in place (asked: {spec['storage']}): replace the ImageRegionSet",
                        vendor=mapping.VENDOR, operation="reconfigure", resource_id=image_id)
                if spec.get("replicas") and int(spec["replicas"]) != have["replicas"]:
                    have["replicas"] = int(spec["replicas"])
                    changed.append(region)
            if not changed:
                continue
            self._patch(ref, {"properties": {"publishingProfile": {"targetRegions": _target_list(current)}}}, "reconfigure")

            def settled(image_id: str = image_id, changed: list[str] = changed) -> Pending | Done[bool]:
                infos = self.describe_copies({r: image_id for r in changed})
                busy = [r for r in changed if r in infos and infos[r].status is ImageStatus.CREATING]
                failed = [r for r in changed if r in infos and infos[r].status is ImageStatus.FAILED]
                if failed:
                    raise errors.OperationFailed(f"replica change failed in {', '.join(failed)}", vendor=mapping.VENDOR,
                                                 operation="reconfigure", resource_id=image_id)
                return Done(True) if not busy else Pending(min(infos[r].progress or 0.0 for r in busy), ", ".join(busy))

            self.waiter.wait(f"replica changes of {ref.name}", settled, COPY_DEFAULTS.update)



def _targets(version: Any) -> dict[str, dict[str, Any]]:
    profile = version.properties.publishing_profile
    return {mapping.region(t.name): {"replicas": int(t.regional_replica_count or profile.replica_count or 1),
                                     "storage": _enum(t.storage_account_type) or _enum(profile.storage_account_type) or "Standard_LRS"}
            for t in (profile.target_regions or [])}


def _target_list(targets: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": r, "regionalReplicaCount": t["replicas"], "storageAccountType": t["storage"]} for r, t in targets.items()]


def _image_source(image: Any) -> str:
    """What a managed image was made from: the VM's id, or the blob URI of its OS disk."""
    props = image.properties
    if props.source_virtual_machine is not None and props.source_virtual_machine.id:
        return str(props.source_virtual_machine.id)
    os_disk = props.storage_profile.os_disk if props.storage_profile else None
    return str(getattr(os_disk, "blob_uri", "") or "")


def _source_key(source: str) -> str:
    """ARM ids ignore case; in a blob URI only the scheme and host do (container and blob names keep it)."""
    scheme, sep, rest = str(source).partition("://")
    if not sep:
        return str(source).lower()
    host, _, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}/{path}"


def _image_info(image_id: str, image: Any) -> ImageInfo:
    props = image.properties
    raw = _enum(props.provisioning_state)
    os_disk = props.storage_profile.os_disk if props.storage_profile else None
    status = mapping.image_status(raw)
    return ImageInfo(image_id=image_id, region=mapping.region(image.location), status=status, name=image.name,
                     progress=100.0 if status is ImageStatus.AVAILABLE else None, raw_status=raw,
                     size_gb=getattr(os_disk, "disk_size_gb", None), os_type=_enum(getattr(os_disk, "os_type", "")).lower(),
                     tags=dict(image.tags or {}), architecture=_enum(props.hyper_v_generation))


def _version_info(image_id: str, version: Any) -> ImageInfo:
    props = version.properties
    raw = _enum(props.provisioning_state)
    status = mapping.image_status(raw)
    own = mapping.region(version.location)
    progress, failure = (100.0 if status is ImageStatus.AVAILABLE else None), ""
    for item in (props.replication_status.summary or []) if props.replication_status else []:
        if mapping.region(item.region) == own and status is ImageStatus.CREATING:
            progress = float(item.progress or 0)
        if _enum(item.state).lower() == "failed":
            failure = f"{item.region}: {item.details}"
    disk = props.storage_profile.os_disk_image if props.storage_profile else None
    return ImageInfo(image_id=image_id, region=own, status=status, name=version.name, progress=progress, raw_status=raw,
                     size_gb=getattr(disk, "size_in_gb", None), created=str(props.publishing_profile.published_date or "")
                     if props.publishing_profile else "", tags=dict(version.tags or {}), failure=failure)
