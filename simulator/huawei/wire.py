"""Huawei Cloud IMS + ECS on the wire: REST paths, project ids, JSON replies, `X-Request-Id`.

The region of a request is the region of its project id (`X-Project-Id` header, or the
`{project_id}` path segment for ShowJob, ShowServer and tag calls). Jobs are read with
ShowJobProgress (`GET /v1/cloudimages/job/{job_id}`) or the deprecated ShowJob: the same fields.
Errors: IMS answers `{"error_code","error_msg"}`, ECS `{"error":{"code","message"}}`, API
Gateway throttling is `429` with `APIGW.0308`; every reply carries `X-Request-Id`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core import ids
from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse
from .copies import copy_cross_region
from .model import VENDOR, ImsModel
from .regions import PROJECTS, REGION_OF_PROJECT
from .views import image_view, server_view

PID = r"(?P<project_id>[0-9a-f]{32})"
ID = r"(?P<id>[^/]+)"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    action: str


ROUTES: tuple[Route, ...] = tuple(Route(m, re.compile(f"^{p}$"), a) for m, p, a in (
    ("GET", f"/v1/{PID}/cloudservers/{ID}", "ShowServer"),
    ("GET", f"/v1/{PID}/jobs/{ID}", "ShowJob"),
    ("GET", f"/v1/cloudimages/job/{ID}", "ShowJobProgress"),
    ("POST", "/v2/cloudimages/action", "CreateImage"),
    ("POST", "/v1/cloudimages/wholeimages/action", "CreateWholeImage"),
    ("GET", "/v2/cloudimages", "ListImages"),
    ("PATCH", f"/v2/cloudimages/{ID}", "UpdateImage"),
    ("POST", f"/v1/cloudimages/{ID}/cross_region_copy", "CopyImageCrossRegion"),
    ("DELETE", f"/v2/images/{ID}", "GlanceDeleteImage"),
    ("POST", f"/v2/{PID}/images/{ID}/tags/action", "BatchAddOrDeleteTags"),
))
PREFIXES = ("/v1/cloudimages", "/v2/cloudimages", "/v2/images")
Handler = Callable[[Call, Any], SimResponse]


class HuaweiWire:
    vendor = VENDOR
    throttle_code = "APIGW.0308"
    throttle_status = 429

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = ImsModel(ctx)
        self.actions: dict[str, Handler] = {
            "ShowServer": self.show_server, "ShowJob": self.show_job, "ShowJobProgress": self.show_job,
            "CreateImage": self.create_image,
            "CreateWholeImage": self.create_whole_image, "ListImages": self.list_images,
            "UpdateImage": self.update_image, "CopyImageCrossRegion": self.copy_cross_region,
            "GlanceDeleteImage": self.delete_image, "BatchAddOrDeleteTags": self.tags_action,
        }

    def seed(self) -> None:
        self.model.seed()

    def endpoint_extras(self) -> dict[str, Any]:
        return {"huawei_projects": dict(PROJECTS)}

    # dispatch ----------------------------------------------------------------------
    def matches(self, request: SimRequest) -> bool:
        if request.header("authorization").startswith("SDK-HMAC-SHA256"):
            return True
        return request.path.startswith(PREFIXES) or any(r.pattern.match(request.path) for r in ROUTES)

    def identify(self, request: SimRequest) -> Call:
        for route in ROUTES:
            found = route.pattern.match(request.path)
            if found and route.method == request.method:
                params = {k: v for k, v in found.groupdict().items() if k != "project_id"}
                project = found.groupdict().get("project_id") or request.header("x-project-id")
                params.update(request.query)
                body = request.json() if request.body else {}
                params.update(body if isinstance(body, dict) else {"ops": body})
                params["project_id"] = project or ""
                return Call(route.action, REGION_OF_PROJECT.get(project, ""), params)
        return Call(f"{request.method} {request.path}", REGION_OF_PROJECT.get(request.header("x-project-id"), ""), {})

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        handler = self.actions.get(call.action)
        if handler is None:
            raise SimError("APIGW.0101", "The API does not exist or has not been published in the environment "
                           "(not implemented by the simulator).", 404)
        if not call.region:
            raise SimError("APIGW.0301", "Incorrect IAM authentication information: the project id "
                           f"{call.params.get('project_id', '')!r} is not a project of this account.", 401)
        body = request.json() if request.body else {}
        return handler(call, body)

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        rid = self._rid()
        if error.extra.get("throttled"):
            body: dict[str, Any] = {"error_code": error.code, "error_msg": error.message, "request_id": rid}
        elif error.extra.get("shape") == "ecs":
            body = {"error": {"code": error.code, "message": error.message}}
        else:
            body = {"error_code": error.code, "error_msg": error.message}
        return SimResponse.json(error.status, body, **{"X-Request-Id": rid})

    def _rid(self) -> str:
        return ids.token(self.ctx.store, "huawei.request", 32, "0123456789abcdef")

    def _ok(self, payload: Any, status: int = 200) -> SimResponse:
        if status == 204:
            return SimResponse(204, b"", {"X-Request-Id": self._rid()})
        return SimResponse.json(status, payload, **{"X-Request-Id": self._rid()})

    # actions -------------------------------------------------------------------------
    def show_server(self, call: Call, body: Any) -> SimResponse:
        return self._ok(server_view(self.model, self.model.server(call.region, call.params["id"])))

    def show_job(self, call: Call, body: Any) -> SimResponse:
        return self._ok(self.model.job_view(self.model.job(call.region, call.params["id"])))

    def create_image(self, call: Call, body: Any) -> SimResponse:
        return self._ok({"job_id": self.model.create_image(call.region, _object(body))})

    def create_whole_image(self, call: Call, body: Any) -> SimResponse:
        return self._ok({"job_id": self.model.create_image(call.region, _object(body), whole=True)})

    def list_images(self, call: Call, body: Any) -> SimResponse:
        q = call.params
        views = [image_view(self.model, i) for i in self.model.images(call.region)]
        for key, field in (("__imagetype", "__imagetype"), ("name", "name"), ("id", "id"), ("status", "status"),
                           ("__os_type", "__os_type"), ("__platform", "__platform"), ("visibility", "visibility")):
            if q.get(key):
                views = [v for v in views if str(v.get(field)) == q[key]]
        if q.get("tag"):
            views = [v for v in views if q["tag"] in v["tags"]]
        sort_key = q.get("sort_key") or "created_at"
        if sort_key not in ("name", "container_format", "disk_format", "status", "id", "size", "created_at"):
            raise SimError("IMG.0001", "The request message format is invalid.", 400)
        views.sort(key=lambda v: (str(v.get(sort_key) or ""), v["id"]), reverse=(q.get("sort_dir") or "desc") == "desc")
        if q.get("marker"):
            marks = [n for n, v in enumerate(views) if v["id"] == q["marker"]]
            views = views[marks[0] + 1:] if marks else []
        limit = int(q.get("limit") or 500)
        if not 0 < limit <= 1000:
            raise SimError("IMG.0001", "The request message format is invalid.", 400)
        return self._ok({"images": views[:limit]})

    def update_image(self, call: Call, body: Any) -> SimResponse:
        image = self.model.update_image(call.region, call.params["id"], body)
        return self._ok(image_view(self.model, image))

    def copy_cross_region(self, call: Call, body: Any) -> SimResponse:
        return self._ok({"job_id": copy_cross_region(self.model, call.region, call.params["id"], _object(body))})

    def delete_image(self, call: Call, body: Any) -> SimResponse:
        self.model.delete_image(call.region, call.params["id"])
        return self._ok(None, 204)

    def tags_action(self, call: Call, body: Any) -> SimResponse:
        body = _object(body)
        self.model.set_tags(call.region, call.params["id"], str(body.get("action", "")), list(body.get("tags") or []))
        return self._ok(None, 204)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not body:
        raise SimError("IMG.0007", "The request body is empty.", 400)
    return body
