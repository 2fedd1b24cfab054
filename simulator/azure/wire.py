"""Azure Resource Manager (Microsoft.Compute) on the wire: REST paths, bearer auth, LRO headers, ARM errors."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse
from . import arm
from .gallery import GalleryModel
from .images import ImageModel
from .lro import VENDOR, Operations
from .model import SUBSCRIPTION, VmModel

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
KIND_OF = {"virtualmachines": "vm", "images": "image", "galleries": "gallery"}


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
        out = {(i["location"], i["id"]) for i in self.images.all("image", SUBSCRIPTION) if i.get("_deleted_at") is None}
        for version in self.gallery.all("gallery_version", SUBSCRIPTION):
            if version.get("_deleted_at") is None:
                out |= {(region, version["id"]) for region in version["_regions"]}
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
        if path.types[0] == "locations":
            return path.names[0].lower() if path.names else ""
        if isinstance(body, dict) and body.get("location"):
            return str(body["location"]).replace(" ", "").lower()
        if path.names:
            doc = self.vms.load(KIND_OF.get(path.types[0], ""), path.resource_id(1), path.subscription)
            if doc is not None:
                return str(doc["location"])
        return ""

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        if not request.header("authorization").lower().startswith("bearer "):
            raise SimError("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", 401)
        if "api-version" not in {k.lower() for k in request.query}:
            raise SimError("MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.", 400)
        path = arm.parse(request.path)
        if path is None or call.action == "Unknown":
            raise SimError("InvalidResourceType", f"The resource type or operation '{request.method} {request.path}' "
                           "could not be found (not implemented by the simulator).", 404)
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
        return SimResponse.json(error.status, {"error": body}, **headers)

    # virtual machines -------------------------------------------------------------
    def virtualmachines_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, self.vms.document(self.vms.vm(path), _query(req, "$expand")))

    def virtualmachines_list(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        prefix = f"/subscriptions/{path.subscription}/resourcegroups/{path.resource_group}/".lower()
        vms = [v for v in self.vms.all("vm", path.subscription) if self.vms.find(v["id"], path.subscription)
               and (not path.resource_group or v["id"].lower().startswith(prefix))]
        return SimResponse.json(200, {"value": [self.vms.document(v) for v in vms]})

    def virtualmachines_instanceview(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, self.vms.instance_view(self.vms.vm(path)))

    def _vm_op(self, fn: Callable[[dict[str, Any], str], dict[str, Any]], path: arm.ArmPath, base: str) -> SimResponse:
        return self.ops.accepted(fn(self.vms.vm(path), path.subscription), base)

    def virtualmachines_poweroff(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return self._vm_op(self.vms.power_off, path, base)

    def virtualmachines_deallocate(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return self._vm_op(self.vms.deallocate, path, base)

    def virtualmachines_start(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return self._vm_op(self.vms.start, path, base)

    def virtualmachines_update(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        vm = self.vms.vm(path)
        op = self.vms.update(vm, path.subscription, _body(req))
        return self.ops.accepted(op, base, 200, self.vms.document(vm), location_header=False)

    def virtualmachines_delete(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        if self.vms.find(path.resource_id(1), path.subscription) is None:
            return SimResponse(204)
        return self._vm_op(self.vms.delete, path, base)

    def virtualmachines_generalize(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        self.vms.generalize(self.vms.vm(path), path.subscription)
        return SimResponse(200)

    def virtualmachines_runcommand(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        op = self.vms.run_command(self.vms.vm(path), path.subscription, _body(req))
        return self.ops.accepted(op, base)

    # managed images --------------------------------------------------------------
    def images_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, self.images.document(self.images.get(path)))

    def images_list(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, {"value": self.images.list(path.subscription, path.resource_group)})

    def images_createorupdate(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        status, image, op = self.images.put(path, _body(req))
        return self.ops.accepted(op, base, status, self.images.document(image), location_header=False)

    def images_update(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        image, op = self.images.patch(path, _body(req))
        return self.ops.accepted(op, base, 200, self.images.document(image), location_header=False)

    def images_delete(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        op = self.images.delete(path)
        return SimResponse(204) if op is None else self.ops.accepted(op, base)

    # galleries -------------------------------------------------------------------
    def galleries_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, self.gallery.simple_document(self.gallery.gallery(path)))

    def galleries_list(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        prefix = f"/subscriptions/{path.subscription}/" + (f"resourceGroups/{path.resource_group}/" if path.resource_group else "")
        return SimResponse.json(200, {"value": self.gallery.listing("gallery", path.subscription, prefix)})

    def galleries_createorupdate(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        status, doc, op = self.gallery.put_gallery(path, _body(req))
        return self.ops.accepted(op, base, status, self.gallery.simple_document(doc), location_header=False)

    def galleries_delete(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        op = self.gallery.delete_gallery(path)
        return SimResponse(204) if op is None else self.ops.accepted(op, base)

    def galleryimages_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, self.gallery.simple_document(self.gallery.definition(path)))

    def galleryimages_listbygallery(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        gallery = self.gallery.gallery(path)
        return SimResponse.json(200, {"value": self.gallery.listing("gallery_image", path.subscription, gallery["id"] + "/")})

    def galleryimages_createorupdate(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        status, doc, op = self.gallery.put_definition(path, _body(req))
        return self.ops.accepted(op, base, status, self.gallery.simple_document(doc), location_header=False)

    def galleryimages_delete(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        op = self.gallery.delete_definition(path)
        return SimResponse(204) if op is None else self.ops.accepted(op, base)

    def galleryimageversions_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        return SimResponse.json(200, self.gallery.version_document(self.gallery.version(path), _query(req, "$expand")))

    def galleryimageversions_listbygalleryimage(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        definition = self.gallery.definition(path)
        return SimResponse.json(200, {"value": self.gallery.listing("gallery_version", path.subscription, definition["id"] + "/")})

    def galleryimageversions_createorupdate(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        status, doc, op = self.gallery.put_version(path, _body(req))
        return self.ops.accepted(op, base, status, self.gallery.version_document(doc), location_header=False)

    def galleryimageversions_update(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        doc, op = self.gallery.patch_version(path, _body(req))
        return self.ops.accepted(op, base, 200, self.gallery.version_document(doc), location_header=False)

    def galleryimageversions_delete(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        op = self.gallery.delete_version(path)
        return SimResponse(204) if op is None else self.ops.accepted(op, base)

    # operations ------------------------------------------------------------------
    def operations_get(self, path: arm.ArmPath, req: SimRequest, base: str) -> SimResponse:
        op = self.ops.get(path.subscription, path.names[0], path.names[1])
        if _query(req, "monitor").lower() == "true":
            return self.ops.monitor(op, base)
        return SimResponse.json(200, self.ops.document(op))


def _query(request: SimRequest, name: str) -> str:
    return next((v for k, v in request.query.items() if k.lower() == name.lower()), "")


def _body(request: SimRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise SimError("InvalidRequestContent", "The request content was invalid and could not be deserialized.", 400) from None
    if not isinstance(body, dict):
        raise SimError("InvalidRequestContent", "The request content must be a JSON object.", 400)
    return body
