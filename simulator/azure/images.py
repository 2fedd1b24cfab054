"""Managed images captured from generalized VMs: PUT/PATCH/GET/DELETE with a lazy capture lifecycle."""
from __future__ import annotations

from typing import Any

from ..core.wire import SimError
from . import arm
from .lro import VENDOR
from .model import DELETE_SECONDS, Base, VmModel
from .regions import normalize

CAPTURE_SECONDS = 600.0
HYPER_V = ("V1", "V2")


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
        existing = self.load("image", path.resource_id(), sub)
        if existing is not None and not self._gone(existing):
            if source and source.lower() != existing["properties"]["sourceVirtualMachine"]["id"].lower():
                raise arm.change_not_allowed("properties.sourceVirtualMachine.id")
            existing["tags"] = dict(body.get("tags") or {})
            self.save("image", existing, sub)
            return 200, existing, self.ops.start(sub, existing["location"], 0.0, target=existing["id"])
        if not source:
            raise arm.invalid("Required parameter 'sourceVirtualMachine' (or 'storageProfile.osDisk') is missing "
                              "(null); the simulator captures images from virtual machines only.", "sourceVirtualMachine")
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
