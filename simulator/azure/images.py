"""Managed images captured from generalized VMs or made from a VHD blob: PUT/PATCH/GET/DELETE, lazy lifecycles."""
from __future__ import annotations

import hashlib
import re
from typing import Any

from ..core.wire import SimError
from . import arm
from .lro import VENDOR
from .model import DELETE_SECONDS, Base, VmModel
from .regions import normalize

CAPTURE_SECONDS = 600.0
HYPER_V = ("V1", "V2")
OS_TYPES = ("Linux", "Windows")
OS_STATES = ("Generalized", "Specialized")
OS_DISK_STORAGE = ("Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS")
BLOB_URI = re.compile(r"^https?://(?P<account>[a-z0-9]{3,24})\.(?:blob\.core\.windows\.net|z\d{2}\.blob\.storage\.azure\.net)"
                      r"/(?P<container>[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9])/(?P<blob>[^?#]+)$")


def import_seconds(blob_uri: str) -> float:
    """Each blob imports in its own, repeatable time: 15 to 30 minutes."""
    return 900.0 + (hashlib.sha256(blob_uri.encode()).digest()[0] % 16) * 60.0


def source_of(image: dict[str, Any]) -> str:
    """What an image was made from: its VM's id (lower-cased, ARM ids ignore case) or its OS disk's blob URI."""
    props = image["properties"]
    if props.get("sourceVirtualMachine"):
        return str(props["sourceVirtualMachine"]["id"]).lower()
    return str(props["storageProfile"]["osDisk"].get("blobUri") or "")


class ImageModel(Base):
    def __init__(self, ctx: Any, ops: Any, vms: VmModel) -> None:
        super().__init__(ctx, ops)
        self.vms = vms

    def get(self, path: arm.ArmPath) -> dict[str, Any]:
        found = self.load("image", path.resource_id(), path.subscription)
        if found is None or self._gone(found):
            raise arm.not_found("images", path.name, path.resource_group)
        return found

    def list(self, sub: str, resource_group: str = "") -> list[dict[str, Any]]:
        prefix = f"/subscriptions/{sub}/resourcegroups/{resource_group}/".lower()
        return [self.document(i) for i in self.all("image", sub)
                if not self._gone(i) and (not resource_group or i["id"].lower().startswith(prefix))]

    def _gone(self, image: dict[str, Any]) -> bool:
        at = image.get("_deleted_at")
        return at is not None and self.ctx.now() >= at

    def document(self, image: dict[str, Any]) -> dict[str, Any]:
        doc = self.public(image)
        now = self.ctx.now()
        if image.get("_deleted_at") is not None:
            state = "Deleting"
        elif now < image["_ready_at"]:
            state = "Creating"
        else:
            state = "Failed" if image.get("_error") else "Succeeded"
        doc["properties"]["provisioningState"] = state
        return doc

    def put(self, path: arm.ArmPath, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
        """Create (201) or update tags of (200) a managed image; returns status, image and operation."""
        sub = path.subscription
        location = normalize(str(body.get("location") or ""))
        if not location:
            raise SimError("LocationRequired", "The location property is required for this definition.", 400)
        props = body.get("properties") or {}
        source = str((props.get("sourceVirtualMachine") or {}).get("id") or "")
        os_disk = (props.get("storageProfile") or {}).get("osDisk") or {}
        blob = "" if source else str(os_disk.get("blobUri") or "")
        existing = self.load("image", path.resource_id(), sub)
        if existing is not None and not self._gone(existing):
            wanted = source.lower() if source else blob
            if wanted and wanted != source_of(existing):
                raise arm.change_not_allowed("properties.sourceVirtualMachine.id" if source
                                             else "properties.storageProfile.osDisk.blobUri")
            existing["tags"] = dict(body.get("tags") or {})
            self.save("image", existing, sub)
            return 200, existing, self.ops.start(sub, existing["location"], 0.0, target=existing["id"])
        if blob:
            return self._from_blob(path, body, location, os_disk)
        if not source:
            raise arm.invalid("Required parameter 'sourceVirtualMachine' (or 'storageProfile.osDisk') is missing "
                              "(null); the simulator makes images from virtual machines and VHD blobs only.",
                              "sourceVirtualMachine")
        vm = self.vms.find(source, sub)
        if vm is None:
            src = arm.parse(source)
            raise arm.not_found("virtualMachines", src.name if src else source, src.resource_group if src else "")
        if normalize(vm["location"]) != location:
            raise arm.invalid(f"The source virtual machine '{source}' is in location '{vm['location']}'; the image "
                              f"must be created in the same location (got '{location}').", "location")
        generation = str(props.get("hyperVGeneration") or vm["_hyperv"])
        if generation not in HYPER_V:
            raise arm.invalid(f"hyperVGeneration must be one of {', '.join(HYPER_V)}; got '{generation}'.", "hyperVGeneration")
        if generation != vm["_hyperv"]:
            raise arm.invalid(f"The hyperVGeneration '{generation}' of the image does not match the source virtual "
                              f"machine, which is '{vm['_hyperv']}'.", "hyperVGeneration")
        if not self.vms.state(vm)["generalized"]:
            raise arm.not_allowed(
                f"The source virtual machine '{source}' is not generalized, so a managed image cannot be created "
                "from it. Generalize the VM first (Sysprep on Windows or 'waagent -deprovision+user' on Linux, then "
                "the generalize operation), or capture it to an Azure Compute Gallery as a Specialized image.")
        os_disk = vm["properties"]["storageProfile"]["osDisk"]
        fault = self.ctx.take_failure(VENDOR, "Images_CreateOrUpdate", location)
        now = self.ctx.now()
        image: dict[str, Any] = {
            "id": path.resource_id(), "name": path.name, "type": "Microsoft.Compute/images", "location": location,
            "tags": dict(body.get("tags") or {}),
            "properties": {
                "sourceVirtualMachine": {"id": vm["id"]}, "hyperVGeneration": generation,
                "storageProfile": {"zoneResilient": False, "dataDisks": [], "osDisk": {
                    "osType": os_disk["osType"], "osState": "Generalized", "caching": os_disk["caching"],
                    "diskSizeGB": os_disk["diskSizeGB"], "storageAccountType": os_disk["managedDisk"]["storageAccountType"],
                    "managedDisk": {"id": os_disk["managedDisk"]["id"]}}},
            },
            "_created_at": now, "_ready_at": now + CAPTURE_SECONDS,
            "_error": {"code": fault.code or "InternalExecutionError",
                       "message": fault.message or "The image capture failed in the simulated cloud."} if fault else None,
        }
        self.save("image", image, sub)
        op = self.ops.start(sub, location, CAPTURE_SECONDS, target=image["id"], error=image["_error"])
        return 201, image, op

    def _from_blob(self, path: arm.ArmPath, body: dict[str, Any], location: str,
                   os_disk: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
        """A managed image whose OS disk is read from a VHD page blob (the blob itself is trusted to exist)."""
        blob = str(os_disk["blobUri"])
        if not BLOB_URI.match(blob):
            raise arm.invalid(f"The value '{blob}' of parameter 'blobUri' is not a valid blob URI. Expected "
                              "https://<storage account>.blob.core.windows.net/<container>/<blob>.", "blobUri")
        if not blob.lower().endswith(".vhd"):
            raise arm.invalid(f"Blob name in URL {blob} must end with '.vhd' extension.", "blobUri")
        for name, allowed in (("osType", OS_TYPES), ("osState", OS_STATES)):
            value = os_disk.get(name)
            if not value:
                raise arm.invalid(f"Required parameter 'osDisk.{name}' is missing (null).", f"osDisk.{name}")
            if value not in allowed:
                raise arm.invalid(f"The value '{value}' of parameter 'osDisk.{name}' is invalid; allowed values: "
                                  f"{', '.join(allowed)}.", f"osDisk.{name}")
        storage = str(os_disk.get("storageAccountType") or "Standard_LRS")
        if storage not in OS_DISK_STORAGE:
            raise arm.invalid(f"Storage account type '{storage}' is not supported for an OS disk; use one of "
                              f"{', '.join(OS_DISK_STORAGE)}.", "osDisk.storageAccountType")
        size = os_disk.get("diskSizeGB")
        if size is not None and (not isinstance(size, int) or not 1 <= size <= 4095):
            raise arm.invalid(f"The value '{size}' of parameter 'osDisk.diskSizeGB' is invalid: use 1 to 4095.",
                              "osDisk.diskSizeGB")
        generation = str((body.get("properties") or {}).get("hyperVGeneration") or "V1")
        if generation not in HYPER_V:
            raise arm.invalid(f"hyperVGeneration must be one of {', '.join(HYPER_V)}; got '{generation}'.", "hyperVGeneration")
        fault = self.ctx.take_failure(VENDOR, "Images_CreateOrUpdate", location)
        now, duration = self.ctx.now(), import_seconds(blob)
        disk: dict[str, Any] = {"osType": os_disk["osType"], "osState": os_disk["osState"], "blobUri": blob,
                                "caching": str(os_disk.get("caching") or "ReadWrite"), "storageAccountType": storage}
        if size is not None:
            disk["diskSizeGB"] = size
        image: dict[str, Any] = {
            "id": path.resource_id(), "name": path.name, "type": "Microsoft.Compute/images", "location": location,
            "tags": dict(body.get("tags") or {}),
            "properties": {"hyperVGeneration": generation,
                           "storageProfile": {"zoneResilient": False, "dataDisks": [], "osDisk": disk}},
            "_created_at": now, "_ready_at": now + duration,
            "_error": {"code": fault.code or "InternalExecutionError",
                       "message": fault.message or "The image could not be created from the VHD blob in the "
                                                   "simulated cloud."} if fault else None,
        }
        self.save("image", image, path.subscription)
        return 201, image, self.ops.start(path.subscription, location, duration, target=image["id"], error=image["_error"])

    def patch(self, path: arm.ArmPath, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        image = self.get(path)
        if "tags" in body:
            image["tags"] = dict(body.get("tags") or {})
        gen = (body.get("properties") or {}).get("hyperVGeneration")
        if gen and gen != image["properties"]["hyperVGeneration"]:
            raise arm.change_not_allowed("properties.hyperVGeneration")
        self.save("image", image, path.subscription)
        return image, self.ops.start(path.subscription, image["location"], 0.0, target=image["id"])

    def delete(self, path: arm.ArmPath) -> dict[str, Any] | None:
        image = self.load("image", path.resource_id(), path.subscription)
        if image is None or self._gone(image):
            return None
        if image.get("_deleted_at") is None:
            image["_deleted_at"] = self.ctx.now() + DELETE_SECONDS
            self.save("image", image, path.subscription)
        return self.ops.start(path.subscription, image["location"], image["_deleted_at"] - self.ctx.now(), target=image["id"])
