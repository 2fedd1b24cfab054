"""Azure Resource Manager (Microsoft.Compute) on the wire: REST paths, bearer auth, LRO headers, ARM errors.

Every request is first authenticated (a token the simulator's Entra ID issued, entra.py) and its
api-version checked (versions.py), in ARM's order and with ARM's codes. Handlers are thin: they
find the object a path names, parse the body into typed arguments (bodies.py), call the model and
render its records as ARM documents with the LRO headers.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse
from . import arm, bodies, entra, versions
from .gallery import GalleryModel
from .images import ImageModel
from .lro import VENDOR, Operation, Operations
from .model import SUBSCRIPTION, VmModel
from .records import Table
from .vm import VirtualMachine

RETRY_AFTER_SECONDS = 2
Handler = Callable[[arm.ArmPath, SimRequest, str], SimResponse]

# (method, resource type chain, names given == types, action) -> ARM operation id
ROUTES: dict[tuple[str, tuple[str, ...], bool, str], str] = {
    ("GET", ("virtualmachines",), True, ""): "VirtualMachines_Get",
    ("GET", ("virtualmachines",), False, ""): "VirtualMachines_List",
    ("PATCH", ("virtualmachines",), True, ""): "VirtualMachines_Update",
    ("DELETE", ("virtualmachines",), True, ""): "VirtualMachines_Delete",
    ("GET", ("virtualmachines",), True, "instanceview"): "VirtualMachines_InstanceView",
    ("POST", ("virtualmachines",), True, "poweroff"): "VirtualMachines_PowerOff",
    ("POST", ("virtualmachines",), True, "deallocate"): "VirtualMachines_Deallocate",
    ("POST", ("virtualmachines",), True, "start"): "VirtualMachines_Start",
    ("POST", ("virtualmachines",), True, "generalize"): "VirtualMachines_Generalize",
    ("POST", ("virtualmachines",), True, "runcommand"): "VirtualMachines_RunCommand",
    ("GET", ("images",), True, ""): "Images_Get",
    ("PUT", ("images",), True, ""): "Images_CreateOrUpdate",
    ("PATCH", ("images",), True, ""): "Images_Update",
    ("DELETE", ("images",), True, ""): "Images_Delete",
    ("GET", ("images",), False, ""): "Images_List",
    ("GET", ("galleries",), True, ""): "Galleries_Get",
    ("PUT", ("galleries",), True, ""): "Galleries_CreateOrUpdate",
    ("DELETE", ("galleries",), True, ""): "Galleries_Delete",
    ("GET", ("galleries",), False, ""): "Galleries_List",
    ("GET", ("galleries", "images"), True, ""): "GalleryImages_Get",
    ("PUT", ("galleries", "images"), True, ""): "GalleryImages_CreateOrUpdate",
    ("DELETE", ("galleries", "images"), True, ""): "GalleryImages_Delete",
    ("GET", ("galleries", "images"), False, ""): "GalleryImages_ListByGallery",
    ("GET", ("galleries", "images", "versions"), True, ""): "GalleryImageVersions_Get",
    ("PUT", ("galleries", "images", "versions"), True, ""): "GalleryImageVersions_CreateOrUpdate",
    ("PATCH", ("galleries", "images", "versions"), True, ""): "GalleryImageVersions_Update",
    ("DELETE", ("galleries", "images", "versions"), True, ""): "GalleryImageVersions_Delete",
    ("GET", ("galleries", "images", "versions"), False, ""): "GalleryImageVersions_ListByGalleryImage",
    ("GET", ("locations", "operations"), True, ""): "Operations_Get",
}


class AzureWire:
    vendor = VENDOR
    throttle_code = "TooManyRequests"
    throttle_status = 429

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.ops = Operations(ctx)
        self.vms = VmModel(ctx, self.ops)
        self.images = ImageModel(ctx, self.ops, self.vms)
        self.gallery = GalleryModel(ctx, self.ops, self.vms)
        self.handlers: dict[str, Handler] = {name: getattr(self, name.lower()) for name in ROUTES.values()}

    def seed(self) -> None:
        self.vms.seed()
        self.gallery.seed()

    def inventory(self) -> set[tuple[str, str]]:
        """Every live managed image and every target region of every gallery version, as (region, id)."""
        out = {(i.location, i.id) for i in self.images.table.all(SUBSCRIPTION) if i.deleting is None}
        for version in self.gallery.versions.all(SUBSCRIPTION):
            if version.deleting is None:
                out |= {(region, version.id) for region in version.regions}
        return out

    def endpoint_extras(self) -> dict[str, Any]:
        return {"azure_subscription": SUBSCRIPTION}

    def matches(self, request: SimRequest) -> bool:
        return request.path.lower().startswith("/subscriptions/")

    def identify(self, request: SimRequest) -> Call:
        path = arm.parse(request.path)
        if path is None:
            return Call("Unknown", "", {"path": request.path})
        route = (request.method, path.types, not path.is_collection, path.action.lower())
        action = ROUTES.get(route, "Unknown")
        params: dict[str, Any] = {"path": request.path, "subscription": path.subscription,
                                  "resource_group": path.resource_group, "names": list(path.names)}
        if request.body:
            try:
                params["body"] = json.loads(request.body)
            except ValueError:
                params["body"] = request.body.decode("utf-8", "replace")
        return Call(action, self._region(path, params.get("body")), params, account=path.subscription)

    def _region(self, path: arm.ArmPath, body: Any) -> str:
        """The region a call acts in (for the request log and region-specific faults)."""
        if path.types[0] == "locations":
            return path.names[0].lower() if path.names else ""
        if isinstance(body, dict) and body.get("location"):
            return str(body["location"]).replace(" ", "").lower()
        if path.names:
            tables: dict[str, Table[Any]] = {"virtualmachines": self.vms.table, "images": self.images.table,
                                             "galleries": self.gallery.galleries}
            table = tables.get(path.types[0])
            found = table.get(path.resource_id(1), path.subscription) if table is not None else None
            if found is not None:
                return str(found.location)
        return ""

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        """ARM's order: authenticate, then the api-version, the route, the subscription; then the provider."""
        entra.check_bearer(self.ctx, request)
        version = next((v for k, v in request.query.items() if k.lower() == "api-version"), None)
        path = arm.parse(request.path)
        if version is None or path is None or call.action == "Unknown":
            versions.check(version, ("virtualmachines",), call.region)
            raise SimError("InvalidResourceType", f"The resource type or operation '{request.method} {request.path}' "
                           f"could not be found in the namespace '{arm.PROVIDER}' for api version '{version}' "
                           "(not implemented by the simulator).", 404)
        versions.check(version, path.types, call.region)
        if path.subscription.lower() != SUBSCRIPTION:
            raise SimError("SubscriptionNotFound", f"The subscription '{path.subscription}' could not be found. "
                           f"The simulator serves subscription '{SUBSCRIPTION}'.", 404)
        scheme = "https" if request.tls else "http"
        response = self.handlers[call.action](path, request, f"{scheme}://{request.header('host')}")
        response.headers.setdefault("x-ms-request-id", self.ctx.request_id().lower())
        return response

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        body: dict[str, Any] = {"code": error.code, "message": error.message}
        if error.extra.get("target"):
            body["target"] = error.extra["target"]
        headers = {"x-ms-request-id": self.ctx.request_id().lower()}
        if error.extra.get("throttled"):
            headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if error.extra.get("challenge"):
            headers["WWW-Authenticate"] = str(error.extra["challenge"])
        return SimResponse.json(error.status, {"error": body}, **headers)

    def _created(self, status: int, op: Operation, base: str, document: dict[str, Any]) -> SimResponse:
        """A PUT or PATCH: the object as it is now, with the Azure-AsyncOperation header to poll."""
        return self.ops.accepted(op, base, status, document, location_header=False)

    def _deleted(self, op: Operation | None, base: str) -> SimResponse:
        """A DELETE: 204 when there was nothing to delete, else 202 and the operation to poll."""
        return SimResponse(204) if op is None else self.ops.accepted(op, base)

    # virtual machines ---------------------------------------------------------------
    def virtualmachines_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        expand = _query(req, "$expand").lower() == "instanceview"
        return SimResponse.json(200, self.vms.document(self.vms.vm(path), instance_view=expand))

    def virtualmachines_list(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        vms = self.vms.listing(path.subscription, path.resource_group)
        return SimResponse.json(200, {"value": [self.vms.document(v) for v in vms]})

    def virtualmachines_instanceview(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, self.vms.instance_view(self.vms.vm(path)))

    def _vm_op(self, fn: Callable[[VirtualMachine], Operation], path: arm.ArmPath, base: str) -> SimResponse:
        return self.ops.accepted(fn(self.vms.vm(path)), base)

    def virtualmachines_poweroff(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return self._vm_op(self.vms.power_off, path, base)

    def virtualmachines_deallocate(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return self._vm_op(self.vms.deallocate, path, base)

    def virtualmachines_start(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return self._vm_op(self.vms.start, path, base)

    def virtualmachines_update(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        vm = self.vms.vm(path)
        op = self.vms.set_tags(vm, bodies.vm_tags(bodies.body_of(req)))
        return self._created(200, op, base, self.vms.document(vm))

    def virtualmachines_delete(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        if self.vms.find(path.resource_id(1), path.subscription) is None:
            return SimResponse(204)
        return self._vm_op(self.vms.delete, path, base)

    def virtualmachines_generalize(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        self.vms.generalize(self.vms.vm(path))
        return SimResponse(200)

    def virtualmachines_runcommand(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        vm = self.vms.vm(path)
        command_id, script = bodies.run_command(bodies.body_of(req))
        return self.ops.accepted(self.vms.run_command(vm, command_id=command_id, script=script), base)

    # managed images ---------------------------------------------------------------
    def images_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, self.images.document(self.images.get(path)))

    def images_list(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        images = self.images.listing(path.subscription, path.resource_group)
        return SimResponse.json(200, {"value": [self.images.document(i) for i in images]})

    def images_createorupdate(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        body = bodies.body_of(req)
        status, image, op = self.images.put(
            path, location=bodies.location(body), tags=bodies.tags(body), source_vm=bodies.image_source(body),
            vhd=bodies.vhd(body), hyperv=bodies.hyperv(body))
        return self._created(status, op, base, self.images.document(image))

    def images_update(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        body = bodies.body_of(req)
        image, op = self.images.update(path, tags=bodies.tags_if_sent(body), hyperv=bodies.hyperv(body))
        return self._created(200, op, base, self.images.document(image))

    def images_delete(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return self._deleted(self.images.delete(path), base)

    # galleries -------------------------------------------------------------------
    def galleries_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, self.gallery.document(self.gallery.gallery(path)))

    def galleries_list(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        found = self.gallery.gallery_list(path.subscription, path.resource_group)
        return SimResponse.json(200, {"value": [self.gallery.document(g) for g in found]})

    def galleries_createorupdate(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        body = bodies.body_of(req)
        status, gallery, op = self.gallery.put_gallery(path, location=bodies.location(body), tags=bodies.tags(body),
                                                       description=bodies.description(body))
        return self._created(status, op, base, self.gallery.document(gallery))

    def galleries_delete(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return self._deleted(self.gallery.delete_gallery(path), base)

    def galleryimages_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, self.gallery.document(self.gallery.definition(path)))

    def galleryimages_listbygallery(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, {"value": [self.gallery.document(d) for d in self.gallery.definition_list(path)]})

    def galleryimages_createorupdate(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        status, definition, op = self.gallery.put_definition(path, bodies.definition(bodies.body_of(req)))
        return self._created(status, op, base, self.gallery.document(definition))

    def galleryimages_delete(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return self._deleted(self.gallery.delete_definition(path), base)

    def galleryimageversions_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        expand = _query(req, "$expand").lower() == "replicationstatus"
        return SimResponse.json(200, self.gallery.version_document(self.gallery.version(path), replication_status=expand))

    def galleryimageversions_listbygalleryimage(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, {"value": [self.gallery.version_document(v) for v in self.gallery.version_list(path)]})

    def galleryimageversions_createorupdate(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        status, version, op = self.gallery.put_version(path, bodies.version(bodies.body_of(req)))
        return self._created(status, op, base, self.gallery.version_document(version))

    def galleryimageversions_update(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        version, op = self.gallery.update_version(path, bodies.version(bodies.body_of(req)))
        return self._created(200, op, base, self.gallery.version_document(version))

    def galleryimageversions_delete(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return self._deleted(self.gallery.delete_version(path), base)

    # operations ------------------------------------------------------------------
    def operations_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        op = self.ops.get(path.subscription, path.names[0], path.names[1])
        if _query(req, "monitor").lower() == "true":
            return self.ops.monitor(op, base)
        return SimResponse.json(200, self.ops.document(op))


def _query(request: SimRequest, name: str) -> str:
    return next((v for k, v in request.query.items() if k.lower() == name.lower()), "")
