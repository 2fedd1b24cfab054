"""Managed images captured from generalized VMs or made from a VHD blob: records, rules and lazy lifecycles."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core.context import SimContext
from ..core.lifecycle import Lifecycle, Phase
from ..core.wire import SimError
from . import arm
from .lro import VENDOR, Operation, Operations
from .model import VmModel
from .records import Table, between, ends, gone, lifecycle, stored, until
from .regions import normalize
from .vm import DELETE_SECONDS

CAPTURE_SECONDS = 600.0
HYPER_V = ("V1", "V2")
OS_TYPES = ("Linux", "Windows")
OS_STATES = ("Generalized", "Specialized")
OS_DISK_STORAGE = ("Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS")
BLOB_URI = re.compile(r"^https?://(?P<account>[a-z0-9]{3,24})\.(?:blob\.core\.windows\.net|z\d{2}\.blob\.storage\.azure\.net)"
                      r"/(?P<container>[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9])/(?P<blob>[^?#]+)$")
NOT_GENERALIZED = (
    "The source virtual machine '{source}' is not generalized, so a managed image cannot be created from it. Generalize "
    "the VM first (Sysprep on Windows or 'waagent -deprovision+user' on Linux, then the generalize operation), or "
    "capture it to an Azure Compute Gallery as a Specialized image.")


def import_seconds(blob_uri: str) -> float:
    """Each blob imports in its own, repeatable time: 15 to 30 minutes."""
    return 900.0 + (hashlib.sha256(blob_uri.encode()).digest()[0] % 16) * 60.0


@dataclass(frozen=True)
class VhdDisk:
    """`storageProfile.osDisk` of a request that makes an image from a VHD; "" where the request left a field out.

    `bad_size` is diskSizeGB as sent when it is not a whole number: refused in its turn, after the
    fields ARM checks first.
    """

    blob_uri: str
    os_type: str = ""
    os_state: str = ""
    storage: str = ""
    caching: str = ""
    size: int | None = None
    bad_size: str = ""


@dataclass(frozen=True)
class ImageDisk:
    """An image's OS disk: a captured VM's managed disk, or the VHD blob it was made from."""

    os_type: str
    os_state: str
    caching: str
    storage: str
    size: int | None = None
    managed_disk: str = ""
    blob_uri: str = ""

    def document(self) -> dict[str, Any]:
        out: dict[str, Any] = {"osType": self.os_type, "osState": self.os_state}
        if self.blob_uri:
            out["blobUri"] = self.blob_uri
        out.update(caching=self.caching, storageAccountType=self.storage)
        if self.size is not None:
            out["diskSizeGB"] = self.size
        if self.managed_disk:
            out["managedDisk"] = {"id": self.managed_disk}
        return out


@dataclass
class ManagedImage:
    """One managed image; it fails when its lifecycle ends if it carries an error (an injected fault)."""

    id: str
    name: str
    location: str
    hyperv: str
    disk: ImageDisk
    lifecycle: Lifecycle
    tags: dict[str, str] = field(default_factory=dict)
    source_vm: str = ""
    error: dict[str, str] | None = None
    deleting: Lifecycle | None = None

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "location": self.location, "hyperv": self.hyperv,
                "disk": asdict(self.disk), "lifecycle": self.lifecycle.record(), "tags": self.tags,
                "source_vm": self.source_vm, "error": self.error, "deleting": stored(self.deleting)}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "ManagedImage":
        """This version's records, and the ARM documents with `_created_at` / `_ready_at` that 0.1.0 stored."""
        if "properties" not in r:
            return cls(r["id"], r["name"], r["location"], r["hyperv"], ImageDisk(**r["disk"]), Lifecycle.of(r),
                       dict(r.get("tags") or {}), str(r.get("source_vm") or ""), r.get("error"),
                       lifecycle(r.get("deleting")))
        props = r["properties"]
        os_disk = props["storageProfile"]["osDisk"]
        disk = ImageDisk(os_disk["osType"], os_disk["osState"], os_disk.get("caching", "ReadWrite"),
                         os_disk.get("storageAccountType", ""), os_disk.get("diskSizeGB"),
                         (os_disk.get("managedDisk") or {}).get("id", ""), os_disk.get("blobUri", ""))
        deleted_at = r.get("_deleted_at")
        return cls(r["id"], r["name"], r["location"], str(props.get("hyperVGeneration") or "V1"), disk,
                   between(float(r["_created_at"]), float(r["_ready_at"])), dict(r.get("tags") or {}),
                   str((props.get("sourceVirtualMachine") or {}).get("id") or ""), r.get("_error"),
                   None if deleted_at is None else until(float(deleted_at), DELETE_SECONDS))

    @property
    def source(self) -> str:
        """What it was made from: its VM's id (lower-cased, ARM ids ignore case) or its OS disk's blob URI."""
        return self.source_vm.lower() if self.source_vm else self.disk.blob_uri

    def state(self, now: float) -> str:
        if self.deleting is not None:
            return "Deleting"
        if self.lifecycle.at(now).phase is Phase.RUNNING:
            return "Creating"
        return "Failed" if self.error else "Succeeded"

    def document(self, now: float) -> dict[str, Any]:
        props: dict[str, Any] = {}
        if self.source_vm:
            props["sourceVirtualMachine"] = {"id": self.source_vm}
        props.update(hyperVGeneration=self.hyperv, provisioningState=self.state(now),
                     storageProfile={"zoneResilient": False, "dataDisks": [], "osDisk": self.disk.document()})
        return {"id": self.id, "name": self.name, "type": "Microsoft.Compute/images", "location": self.location,
                "tags": dict(self.tags), "properties": props}


class ImageModel:
    def __init__(self, ctx: SimContext, ops: Operations, vms: VmModel) -> None:
        self.ctx = ctx
        self.ops = ops
        self.vms = vms
        self.table: Table[ManagedImage] = Table(ctx, "image", ManagedImage.from_record)

    def get(self, path: arm.ArmPath) -> ManagedImage:
        found = self.table.get(path.resource_id(), path.subscription)
        if found is None or gone(found.deleting, self.ctx.now()):
            raise arm.not_found("images", path.name, path.resource_group)
        return found

    def listing(self, subscription: str, resource_group: str = "") -> list[ManagedImage]:
        prefix = f"/subscriptions/{subscription}/resourcegroups/{resource_group}/" if resource_group else ""
        now = self.ctx.now()
        return [i for i in self.table.under(subscription, prefix) if not gone(i.deleting, now)]

    def document(self, image: ManagedImage) -> dict[str, Any]:
        return image.document(self.ctx.now())

    def put(self, path: arm.ArmPath, *, location: str, tags: dict[str, str], source_vm: str, vhd: VhdDisk | None,
            hyperv: str) -> tuple[int, ManagedImage, Operation]:
        """Create (201) or update the tags of (200) a managed image; returns status, image and operation.

        A source VM wins over a VHD when a request names both; the source cannot change."""
        location = normalize(location)
        if not location:
            raise SimError("LocationRequired", "The location property is required for this definition.", 400)
        blob = "" if source_vm or vhd is None else vhd.blob_uri
        existing = self.table.get(path.resource_id(), path.subscription)
        if existing is not None and not gone(existing.deleting, self.ctx.now()):
            wanted = source_vm.lower() if source_vm else blob
            if wanted and wanted != existing.source:
                raise arm.change_not_allowed("properties.sourceVirtualMachine.id" if source_vm
                                             else "properties.storageProfile.osDisk.blobUri")
            existing.tags = dict(tags)
            self.table.put(existing)
            return 200, existing, self.ops.start(path.subscription, existing.location, 0.0, target=existing.id)
        if blob and vhd is not None:
            return self._from_blob(path, location, tags, vhd, hyperv)
        if not source_vm:
            raise arm.invalid("Required parameter 'sourceVirtualMachine' (or 'storageProfile.osDisk') is missing "
                              "(null); the simulator makes images from virtual machines and VHD blobs only.",
                              "sourceVirtualMachine")
        return self._capture(path, location, tags, source_vm, hyperv)

    def _capture(self, path: arm.ArmPath, location: str, tags: dict[str, str], source: str,
                 hyperv: str) -> tuple[int, ManagedImage, Operation]:
        vm = self.vms.find(source, path.subscription)
        if vm is None:
            src = arm.parse(source)
            raise arm.not_found("virtualMachines", src.name if src else source, src.resource_group if src else "")
        if normalize(vm.location) != location:
            raise arm.invalid(f"The source virtual machine '{source}' is in location '{vm.location}'; the image "
                              f"must be created in the same location (got '{location}').", "location")
        generation = hyperv or vm.hyperv
        if generation not in HYPER_V:
            raise arm.invalid(f"hyperVGeneration must be one of {', '.join(HYPER_V)}; got '{generation}'.", "hyperVGeneration")
        if generation != vm.hyperv:
            raise arm.invalid(f"The hyperVGeneration '{generation}' of the image does not match the source virtual "
                              f"machine, which is '{vm.hyperv}'.", "hyperVGeneration")
        if not self.vms.state(vm).generalized:
            raise arm.not_allowed(NOT_GENERALIZED.format(source=source))
        os_disk = vm.properties["storageProfile"]["osDisk"]
        disk = ImageDisk(os_disk["osType"], "Generalized", os_disk["caching"], os_disk["managedDisk"]["storageAccountType"],
                         os_disk["diskSizeGB"], managed_disk=os_disk["managedDisk"]["id"])
        error = self._fault(location, "The image capture failed in the simulated cloud.")
        image = ManagedImage(path.resource_id(), path.name, location, generation, disk,
                             Lifecycle.start(self.ctx.now(), CAPTURE_SECONDS), dict(tags), vm.id, error)
        self.table.put(image)
        return 201, image, self.ops.start(path.subscription, location, CAPTURE_SECONDS, target=image.id, error=error)

    def _from_blob(self, path: arm.ArmPath, location: str, tags: dict[str, str], vhd: VhdDisk,
                   hyperv: str) -> tuple[int, ManagedImage, Operation]:
        """A managed image whose OS disk is read from a VHD page blob (the blob itself is trusted to exist)."""
        blob = vhd.blob_uri
        if not BLOB_URI.match(blob):
            raise arm.invalid(f"The value '{blob}' of parameter 'blobUri' is not a valid blob URI. Expected "
                              "https://<storage account>.blob.core.windows.net/<container>/<blob>.", "blobUri")
        if not blob.lower().endswith(".vhd"):
            raise arm.invalid(f"Blob name in URL {blob} must end with '.vhd' extension.", "blobUri")
        for name, value, allowed in (("osType", vhd.os_type, OS_TYPES), ("osState", vhd.os_state, OS_STATES)):
            if not value:
                raise arm.invalid(f"Required parameter 'osDisk.{name}' is missing (null).", f"osDisk.{name}")
            if value not in allowed:
                raise arm.invalid(f"The value '{value}' of parameter 'osDisk.{name}' is invalid; allowed values: "
                                  f"{', '.join(allowed)}.", f"osDisk.{name}")
        storage = vhd.storage or "Standard_LRS"
        if storage not in OS_DISK_STORAGE:
            raise arm.invalid(f"Storage account type '{storage}' is not supported for an OS disk; use one of "
                              f"{', '.join(OS_DISK_STORAGE)}.", "osDisk.storageAccountType")
        if vhd.bad_size or (vhd.size is not None and not 1 <= vhd.size <= 4095):
            raise arm.invalid(f"The value '{vhd.bad_size or vhd.size}' of parameter 'osDisk.diskSizeGB' is invalid: "
                              "use 1 to 4095.", "osDisk.diskSizeGB")
        generation = hyperv or "V1"
        if generation not in HYPER_V:
            raise arm.invalid(f"hyperVGeneration must be one of {', '.join(HYPER_V)}; got '{generation}'.", "hyperVGeneration")
        error = self._fault(location, "The image could not be created from the VHD blob in the simulated cloud.")
        duration = import_seconds(blob)
        disk = ImageDisk(vhd.os_type, vhd.os_state, vhd.caching or "ReadWrite", storage, vhd.size, blob_uri=blob)
        image = ManagedImage(path.resource_id(), path.name, location, generation, disk,
                             Lifecycle.start(self.ctx.now(), duration), dict(tags), error=error)
        self.table.put(image)
        return 201, image, self.ops.start(path.subscription, location, duration, target=image.id, error=error)

    def _fault(self, location: str, message: str) -> dict[str, str] | None:
        """An injected `fail` fault: the image is accepted and its creation ends Failed."""
        fault = self.ctx.take_failure(VENDOR, "Images_CreateOrUpdate", location)
        if fault is None:
            return None
        return {"code": fault.code or "InternalExecutionError", "message": fault.message or message}

    def update(self, path: arm.ArmPath, *, tags: dict[str, str] | None, hyperv: str) -> tuple[ManagedImage, Operation]:
        """PATCH: tags (None: left as they are); the generation cannot change."""
        image = self.get(path)
        if tags is not None:
            image.tags = dict(tags)
        if hyperv and hyperv != image.hyperv:
            raise arm.change_not_allowed("properties.hyperVGeneration")
        self.table.put(image)
        return image, self.ops.start(path.subscription, image.location, 0.0, target=image.id)

    def delete(self, path: arm.ArmPath) -> Operation | None:
        """None when there is nothing to delete (204); a second delete while deleting reports the same end."""
        image = self.table.get(path.resource_id(), path.subscription)
        now = self.ctx.now()
        if image is None or gone(image.deleting, now):
            return None
        if image.deleting is None:
            image.deleting = Lifecycle.start(now, DELETE_SECONDS)
            self.table.put(image)
        return self.ops.start(path.subscription, image.location, ends(image.deleting) - now, target=image.id)
