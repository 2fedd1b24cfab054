"""Azure Compute adapter: managed images (captured from a VM or imported from a VHD blob) and gallery image versions.

Single calls only: the resources wait. Everything this makes is a PUT by name whose body carries
the imageforge-key tag, so the creating call itself records the identity; a repeated PUT of the
same body is idempotent, and an object of that name that is not ours is refused before any PUT.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core import errors
from ..core.model import TAG_KEY, CaptureRequest, Identity, ImageInfo, ImageStatus, ImportRequest, JobStatus, Started
from . import ids, mapping
from .base import DESCRIPTION_TAG, NAME_TAG, kept_tags, labelled_tags, user_tags, whole
from .copies import CopyOperations
from .families import AzureFamilies
from .vms import VmOperations

GENERALIZE_FIRST = ("(with an imageforge GeneralizedVM, or Sysprep / 'waagent -deprovision+user' then "
                    "'az vm generalize')")


class ComputeAdapter(CopyOperations, VmOperations, AzureFamilies):
    """ImageAdapter + ImageImporter + ImageCopier + VmGeneralizer for Azure Compute in one region."""

    # ImageAdapter ------------------------------------------------------------------
    def _capture_ref(self, request: CaptureRequest) -> tuple[ids.Ref, ids.Ref]:
        """(the VM, the image or version to make): managed images land in options.resource_group or the VM's."""
        opts = request.options
        subscription = str(opts.get("subscription") or self.subscription)
        vm = ids.vm_ref(request.source.instance, str(opts.get("resource_group") or ""), subscription)
        if vm is None:
            raise errors.InvalidArgument(f"{request.source.instance!r} does not name a VM", vendor=mapping.VENDOR,
                                         operation="capture")
        rg = str(opts.get("resource_group") or vm.resource_group)
        if gallery_target(opts):
            return vm, ids.Ref("version", vm.subscription, rg, str(opts["version"]), str(opts["gallery"]),
                               str(opts["gallery_image"]))
        return vm, ids.Ref("image", vm.subscription, rg, request.name)

    def prepare_capture(self, request: CaptureRequest) -> list[str]:
        """Refuse what Azure would refuse, before the PUT: a name taken by another object, a VM in the wrong state.

        https://learn.microsoft.com/rest/api/compute/virtual-machines/get
        """
        vm_ref, ref = self._capture_ref(request)
        self._refuse_taken(ref, request.tags, "capture")
        vm = self.get_vm(vm_ref.id)
        stated = request.source_facts.get("os_state")
        if stated == "Generalized" and not vm.generalized:
            raise errors.InvalidState(f"source.os_state says Generalized but VM {vm.name} is not generalized: "
                                      f"generalize it first {GENERALIZE_FIRST}", vendor=mapping.VENDOR,
                                      operation="capture", resource_id=vm.vm_id)
        if stated == "Specialized" and vm.generalized:
            raise errors.InvalidArgument(f"source.os_state says Specialized but VM {vm.name} is generalized: set "
                                         "source.os_state to Generalized", vendor=mapping.VENDOR, operation="capture",
                                         resource_id=vm.vm_id)
        if ref.kind == "image":
            if not vm.generalized:
                raise errors.InvalidState(
                    f"VM {vm.name} is not generalized, and a managed image can only be captured from a generalized VM. "
                    f"Generalize it first {GENERALIZE_FIRST}; or capture it to a Compute Gallery (options.gallery, "
                    "gallery_image, version) with a Specialized image definition",
                    vendor=mapping.VENDOR, operation="capture", code="OperationNotAllowed", resource_id=vm.vm_id)
            return []
        self._check_definition(ref, vm.name, vm.generalized, vm.os_type, request.options)
        return []

    def _refuse_taken(self, ref: ids.Ref, tags: Mapping[str, str], operation: str) -> None:
        """A PUT by name would overwrite an object that is not this resource's: refuse, naming it."""
        existing = self._get(ref)
        if existing is None or dict(existing.tags or {}).get(TAG_KEY) == tags.get(TAG_KEY):
            return  # free, or ours (the PUT is then idempotent)
        raise errors.Conflict(f"{ref.id} already exists and was not made by this resource: choose another "
                              f"{'version' if ref.kind == 'version' else 'name'}, delete it, or `pulumi import` it",
                              vendor=mapping.VENDOR, operation=operation, code="Conflict", resource_id=ref.id)

    def _check_definition(self, ref: ids.Ref, vm_name: str, generalized: bool, os_type: str,
                          opts: Mapping[str, Any]) -> None:
        """The definition's osState and osType must match the VM; options.os_state must match the definition.

        https://learn.microsoft.com/rest/api/compute/gallery-images/get
        """
        client = self.client_for(ref.subscription)
        definition = self._call("get image definition", lambda: client.gallery_images.get(
            ref.resource_group, ref.gallery, ref.image), ref.id)
        state = mapping.enum_value(definition.properties.os_state)
        kind = mapping.enum_value(definition.properties.os_type).lower()
        wanted = str(opts.get("os_state") or state)
        if wanted.lower() != state.lower():
            raise errors.InvalidArgument(f"options.os_state is {wanted} but image definition {ref.image} is {state}",
                                         vendor=mapping.VENDOR, operation="capture", resource_id=ref.id)
        if kind and os_type and kind != os_type:
            raise errors.InvalidArgument(f"VM {vm_name} runs {os_type} but image definition {ref.image} holds {kind} "
                                         "images", vendor=mapping.VENDOR, operation="capture", resource_id=ref.id)
        if state.lower() == "generalized" and not generalized:
            raise errors.InvalidState(f"image definition {ref.image} holds Generalized images but VM {vm_name} is not "
                                      f"generalized: generalize it first {GENERALIZE_FIRST}, or use a "
                                      "Specialized image definition",
                                      vendor=mapping.VENDOR, operation="capture", code="OperationNotAllowed",
                                      resource_id=ref.id)
        if state.lower() == "specialized" and generalized:
            raise errors.InvalidArgument(f"VM {vm_name} is generalized but image definition {ref.image} is "
                                         "Specialized: use a Generalized image definition", vendor=mapping.VENDOR,
                                         operation="capture", resource_id=ref.id)

    def start_capture(self, request: CaptureRequest) -> Started:
        """https://learn.microsoft.com/rest/api/compute/images/create-or-update
        (gallery: https://learn.microsoft.com/rest/api/compute/gallery-image-versions/create-or-update)"""
        vm, ref = self._capture_ref(request)
        opts = request.options
        client = self.client_for(ref.subscription)
        if ref.kind == "image":
            tags = labelled_tags(request.tags, None, request.description)
            props: dict[str, Any] = {"sourceVirtualMachine": {"id": vm.id}}
            if opts.get("hyper_v_generation"):
                props["hyperVGeneration"] = str(opts["hyper_v_generation"])
            body = {"location": self.region, "tags": tags, "properties": props}
            begun = self._start("capture", lambda **kw: client.images.begin_create_or_update(
                ref.resource_group, ref.name, body, **kw), ref.id)
            return Started(image_id=ref.id, request_id=begun.request_id)
        storage = str(opts.get("storage") or "Standard_LRS")
        replicas = whole(opts.get("replicas"), 1)
        profile: dict[str, Any] = {"replicaCount": replicas, "storageAccountType": storage, "targetRegions": [
            {"name": self.region, "regionalReplicaCount": replicas, "storageAccountType": storage}]}
        if opts.get("replication_mode"):
            profile["replicationMode"] = str(opts["replication_mode"])
        version = {"location": self.region, "tags": labelled_tags(request.tags, request.name, request.description),
                   "properties": {"storageProfile": {"source": {"virtualMachineId": vm.id}},
                                  "publishingProfile": profile,
                                  "safetyProfile": {"allowDeletionOfReplicatedLocations": True}}}
        begun = self._start("capture", lambda **kw: client.gallery_image_versions.begin_create_or_update(
            ref.resource_group, ref.gallery, ref.image, ref.name, version, **kw), ref.id)
        return Started(image_id=ref.id, request_id=begun.request_id)

    def follow_job(self, job_id: str) -> JobStatus:
        raise errors.Unsupported("Azure image operations have no jobs", vendor=mapping.VENDOR, operation="job")

    # ImageImporter: a managed image whose OS disk is a VHD page blob ---------------------------
    def _import_ref(self, request: ImportRequest) -> ids.Ref:
        rg = str(request.options.get("resource_group") or "")
        if not rg:
            raise errors.InvalidArgument("options.resource_group is required: Azure creates the managed image in a "
                                         "resource group", vendor=mapping.VENDOR, operation="import")
        return ids.Ref("image", self.subscription, rg, request.name)

    def prepare_import(self, request: ImportRequest) -> list[str]:
        """https://learn.microsoft.com/rest/api/compute/images/get (the name must be free, or ours)"""
        self._refuse_taken(self._import_ref(request), request.tags, "import")
        return []

    def start_import(self, request: ImportRequest) -> Started:
        """https://learn.microsoft.com/rest/api/compute/images/create-or-update (storageProfile.osDisk.blobUri)"""
        opts = request.options
        ref = self._import_ref(request)
        blob = str(opts.get("blob_uri") or ids.blob_of(request.bucket, request.key).uri)
        os_disk: dict[str, Any] = {"osType": mapping.OS_TYPES.get(request.os_type.lower(), request.os_type),
                                   "osState": "Generalized", "blobUri": blob}
        if request.disk_size_gb:
            os_disk["diskSizeGB"] = whole(request.disk_size_gb, 0)
        if opts.get("storage_account_type"):
            os_disk["storageAccountType"] = str(opts["storage_account_type"])
        body: dict[str, Any] = {"location": self.region, "tags": labelled_tags(request.tags, None, request.description),
                                "properties": {"storageProfile": {"osDisk": os_disk}, "hyperVGeneration":
                                               mapping.hyper_v_generation(request.boot_mode,
                                                                          opts.get("hyper_v_generation"))}}
        begun = self._start("import", lambda **kw: self.client.images.begin_create_or_update(
            ref.resource_group, ref.name, body, **kw), ref.id)
        return Started(image_id=ref.id, request_id=begun.request_id)

    # describe / find / update / delete ---------------------------------------------------------
    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """Managed images: one list per resource group (an image gone is absent, not a 404); versions: one GET each.

        https://learn.microsoft.com/rest/api/compute/images/list-by-resource-group and
        https://learn.microsoft.com/rest/api/compute/gallery-image-versions/get ($expand=ReplicationStatus)
        """
        out: dict[str, ImageInfo] = {}
        groups: dict[tuple[str, str], list[str]] = {}
        for image_id in dict.fromkeys(image_ids):
            ref = self._ref(image_id)
            if ref.kind == "image":
                groups.setdefault((ref.subscription, ref.resource_group), []).append(image_id)
                continue
            found = self._get_version(ref, "ReplicationStatus")
            if found is not None:
                out[image_id] = version_info(image_id, found)
        for (subscription, group), wanted in groups.items():
            client = self.client_for(subscription)
            listed = {str(i.id).lower(): i for i in self._call("list images", lambda: list(
                client.images.list_by_resource_group(group)))}
            for image_id in wanted:
                if image_id.lower() in listed:
                    out[image_id] = image_info(image_id, listed[image_id.lower()])
        return out

    def find_images(self, identity: Identity) -> list[ImageInfo]:
        """Managed images and gallery versions in this region carrying the identity tag, in any state.

        https://learn.microsoft.com/rest/api/compute/images/list and gallery-image-versions/list-by-gallery-image
        """
        def ours(found: Any) -> bool:
            return mapping.region(found.location) == self.region and identity.matches(dict(found.tags or {}))

        client = self.client
        out = [image_info(i.id, i) for i in self._call("list images", lambda: list(client.images.list())) if ours(i)]
        for gallery in self._call("list galleries", lambda: list(client.galleries.list())):
            where = ids.parse(f"{gallery.id}/images/x")
            if where is None or mapping.region(gallery.location) != self.region:
                continue
            definitions = self._call("list image definitions", lambda: list(client.gallery_images.list_by_gallery(
                where.resource_group, gallery.name)))
            for definition in definitions:
                versions = self._call("list image versions", lambda: list(
                    client.gallery_image_versions.list_by_gallery_image(where.resource_group, gallery.name,
                                                                        definition.name)))
                out += [version_info(v.id, v) for v in versions if ours(v)]
        return out

    def update_image(self, image_id: str, name: str | None, description: str | None,
                     tags: Mapping[str, str] | None) -> None:
        """Tags, and the name / description tags (images/update, gallery-image-versions/update).

        https://learn.microsoft.com/rest/api/compute/images/update
        """
        ref = self._ref(image_id)
        if ref.kind == "image" and name is not None and name != ref.name:
            raise errors.InvalidArgument(
                f"Azure fixes a managed image's name when it is created ({ref.name!r}); renaming it to {name!r} "
                "needs a new image: run `pulumi up --replace` on this resource, or set the name back",
                vendor=mapping.VENDOR, operation="update", resource_id=image_id)
        current = self._get(ref)
        if current is None:
            raise errors.NotFound(f"{image_id} does not exist", vendor=mapping.VENDOR, operation="update",
                                  resource_id=image_id)
        have = dict(current.tags or {})
        base = {**kept_tags(have), **({TAG_KEY: have[TAG_KEY]} if TAG_KEY in have else {})}
        wanted = labelled_tags({**base, **(dict(tags) if tags is not None else user_tags(have))},
                               name if ref.kind == "version" else None, description)
        if wanted != have:
            self._patch(ref, {"tags": wanted}, "update")

    def delete_image(self, image_id: str) -> None:
        """https://learn.microsoft.com/rest/api/compute/images/delete (gallery-image-versions/delete)

        ARM answers 204 No Content for an object that is already gone: that is NotFound here.
        """
        ref = self._ref(image_id)
        client = self.client_for(ref.subscription)
        if ref.kind == "image":
            begun = self._start("delete", lambda **kw: client.images.begin_delete(ref.resource_group, ref.name, **kw),
                                image_id)
        else:
            begun = self._start("delete", lambda **kw: client.gallery_image_versions.begin_delete(
                ref.resource_group, ref.gallery, ref.image, ref.name, **kw), image_id)
        if begun.status == 204:
            raise errors.NotFound(f"{image_id} is already gone", vendor=mapping.VENDOR, operation="delete",
                                  resource_id=image_id)


def gallery_target(opts: Mapping[str, Any]) -> bool:
    """options.target, defaulting to 'gallery' when a gallery is named."""
    return str(opts.get("target") or ("gallery" if opts.get("gallery") else "managed")) == "gallery"


def image_info(image_id: str, image: Any) -> ImageInfo:
    props = image.properties
    raw = mapping.enum_value(props.provisioning_state)
    os_disk = props.storage_profile.os_disk if props.storage_profile else None
    status = mapping.image_status(raw)
    tags = dict(image.tags or {})
    return ImageInfo(image_id=image_id, region=mapping.region(image.location), status=status, name=image.name,
                     description=tags.get(DESCRIPTION_TAG, ""),
                     progress=100.0 if status is ImageStatus.AVAILABLE else None, raw_status=raw,
                     size_gb=getattr(os_disk, "disk_size_gb", None),
                     os_type=mapping.enum_value(getattr(os_disk, "os_type", "")).lower(), tags=user_tags(tags),
                     failure="the image ended Failed" if status is ImageStatus.FAILED else "")


def version_info(image_id: str, version: Any) -> ImageInfo:
    props = version.properties
    raw = mapping.enum_value(props.provisioning_state)
    status = mapping.image_status(raw)
    own = mapping.region(version.location)
    progress, failure = (100.0 if status is ImageStatus.AVAILABLE else None), ""
    for item in (props.replication_status.summary or []) if props.replication_status else []:
        if mapping.region(item.region) == own and status is ImageStatus.CREATING:
            progress = float(item.progress or 0)
        if mapping.enum_value(item.state).lower() == "failed":
            failure = f"{item.region}: {item.details}"
    disk = props.storage_profile.os_disk_image if props.storage_profile else None
    tags = dict(version.tags or {})
    published = props.publishing_profile.published_date if props.publishing_profile else None
    return ImageInfo(image_id=image_id, region=own, status=status, name=tags.get(NAME_TAG, version.name),
                     description=tags.get(DESCRIPTION_TAG, ""), progress=progress, raw_status=raw,
                     size_gb=getattr(disk, "size_in_gb", None), created=str(published or ""), tags=user_tags(tags),
                     failure=failure)
