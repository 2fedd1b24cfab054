"""Huawei Cloud IMS + ECS on the wire: REST paths, project ids, JSON bodies parsed into typed model calls.

The region of a request is the region of its project id (`X-Project-Id` header, or the
`{project_id}` path segment for ShowJob, ShowServer and tag calls). Jobs are read with
ShowJobProgress (`GET /v1/cloudimages/job/{job_id}`) or the deprecated ShowJob: the same fields.
A body field of the wrong JSON type is refused here, before the model looks at any value (the
field's own format code where IMS has one, else IMG.0001). API Gateway answers first: an unknown
API is `APIGW.0101` (404), a missing or wrong SDK-HMAC-SHA256 signature `APIGW.0301` (401,
signing.py), throttling `APIGW.0308` (429), all as `{"error_code","error_msg","request_id"}`.
IMS and ECS answer `{"error":{"code","message"}}` (the IMS and ECS error-code references); every
reply carries `X-Request-Id`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core import ids
from ..core.accounts import KeyRing
from ..core.context import SimContext
from ..core.store import current_account
from ..core.wire import Call, SimError, SimRequest, SimResponse
from . import launch, servers
from .copies import copy_cross_region
from .files import FileImport, bad_disk
from .model import VENDOR, ImsModel, Patch
from .regions import ACCOUNT_OF_PROJECT, PROJECTS, REGION_OF_PROJECT, SECOND_PROJECTS
from .sharing import ImsSharing
from .signing import ACCOUNTS, verify
from .views import image_view, job_view, server_view

PID = r"(?P<project_id>[0-9a-f]{32})"
ID = r"(?P<id>[^/]+)"
SORT_KEYS = ("name", "container_format", "disk_format", "status", "id", "size", "created_at")
BAD_NAME = ("IMG.0003", "The image name format is invalid.")
BAD_DESCRIPTION = ("IMG.0054", "The image description format is invalid.")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    action: str


ROUTES: tuple[Route, ...] = tuple(Route(m, re.compile(f"^{p}$"), a) for m, p, a in (
    ("GET", f"/v1/{PID}/cloudservers/detail", "ListServersDetails"),
    ("GET", f"/v1/{PID}/cloudservers/flavors", "ListFlavors"),
    ("POST", f"/v1.1/{PID}/cloudservers", "CreateServers"),
    ("GET", f"/v1/{PID}/cloudservers/{ID}", "ShowServer"),
    ("POST", f"/v1/{PID}/cloudservers/action", "BatchStopServers"),
    ("POST", f"/v1/{PID}/cloudservers/delete", "DeleteServers"),
    ("POST", f"/v1/{PID}/cloudservers/{ID}/tags/action", "BatchCreateServerTags"),
    ("GET", f"/v1/{PID}/jobs/{ID}", "ShowJob"),
    ("GET", f"/v1/cloudimages/job/{ID}", "ShowJobProgress"),
    ("POST", "/v2/cloudimages/action", "CreateImage"),
    ("POST", "/v1/cloudimages/wholeimages/action", "CreateWholeImage"),
    ("GET", "/v2/cloudimages", "ListImages"),
    ("PATCH", f"/v2/cloudimages/{ID}", "UpdateImage"),
    ("POST", f"/v1/cloudimages/{ID}/cross_region_copy", "CopyImageCrossRegion"),
    ("DELETE", f"/v2/images/{ID}", "GlanceDeleteImage"),
    ("POST", f"/v2/{PID}/images/{ID}/tags/action", "BatchAddOrDeleteTags"),
    ("POST", "/v1/cloudimages/members", "BatchAddMembers"),
    ("DELETE", "/v1/cloudimages/members", "BatchDeleteMembers"),
    ("PUT", "/v1/cloudimages/members", "BatchUpdateMembers"),
    ("GET", f"/v1/{PID}/cloudimages/{ID}/members", "ListImageMembers"),
    ("GET", f"/v2/images/{ID}/members", "GlanceListImageMembers"),
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
        self.keys = KeyRing(ctx.store, VENDOR, ACCOUNTS)
        self.actions: dict[str, Handler] = {
            "ShowServer": self.show_server, "ShowJob": self.show_job, "ShowJobProgress": self.show_job,
            "CreateImage": self.create_image,
            "CreateWholeImage": self.create_whole_image, "ListImages": self.list_images,
            "UpdateImage": self.update_image, "CopyImageCrossRegion": self.copy_cross_region,
            "GlanceDeleteImage": self.delete_image, "BatchAddOrDeleteTags": self.tags_action,
            "BatchAddMembers": self.add_members, "BatchDeleteMembers": self.delete_members,
            "BatchUpdateMembers": self.update_members, "ListImageMembers": self.list_members,
            "GlanceListImageMembers": self.list_members,
            "BatchStopServers": self.stop_servers, "DeleteServers": self.delete_servers,
            "BatchCreateServerTags": self.tag_server,
            "CreateServers": self.create_servers, "ListServersDetails": self.list_servers, "ListFlavors": self.flavors,
        }
        self.sharing = ImsSharing(self.model)

    def seed(self) -> None:
        self.model.seed()

    def gone(self, kind: str, region: str, ident: str, data: dict[str, Any]) -> bool:
        """Whether a server (or what sits beside it) has ended: a deletion shows `deleting`, then the server is gone."""
        if kind not in ("server", "server_state", "launch"):
            return False
        try:
            servers.server(self.model, region, ident)
        except SimError:
            return True
        return False

    def endpoint_extras(self) -> dict[str, Any]:
        """Each test key's projects (what IAM's KeystoneListProjects would answer it), the first key's by default."""
        by_key = {ACCOUNTS[0].key_id: dict(PROJECTS), ACCOUNTS[1].key_id: dict(SECOND_PROJECTS)}
        return {"huawei_projects": dict(PROJECTS), "huawei_projects_by_key": by_key}

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
                if route.action == "CreateServers":  # the idempotency header; the password never reaches the log
                    params["X-Client-Token"] = request.header("x-client-token")
                    launched = params.get("server")
                    if isinstance(launched, dict) and "adminPass" in launched:
                        params["server"] = {**launched, "adminPass": "******"}
                return Call(route.action, REGION_OF_PROJECT.get(project, ""), params)
        return Call(f"{request.method} {request.path}", REGION_OF_PROJECT.get(request.header("x-project-id"), ""), {})

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        handler = self.actions.get(call.action)
        if handler is None:
            raise SimError("APIGW.0101", "The API does not exist or has not been published in the environment "
                           "(not implemented by the simulator).", 404, gateway=True)
        account = self.keys.get_key(verify(request, self.keys)).account
        with self.ctx.signed_in(VENDOR, account, self.seed):
            return self._handle(call, request)

    def _handle(self, call: Call, request: SimRequest) -> SimResponse:
        handler = self.actions[call.action]
        if not call.region:
            raise SimError("APIGW.0301", "Incorrect IAM authentication information: the project id "
                           f"{call.params.get('project_id', '')!r} is not a project of this account.", 401,
                           gateway=True)
        owner = ACCOUNT_OF_PROJECT.get(str(call.params.get("project_id", "")), ACCOUNTS[0].uid)
        if self.keys.account_name(owner) != current_account():
            raise SimError("APIGW.0301", "Incorrect IAM authentication information: the project id "
                           f"{call.params.get('project_id', '')!r} is not a project of this account.", 401,
                           gateway=True)
        body = request.json() if request.body else {}
        return handler(call, body)

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        rid = self._rid()
        if error.extra.get("throttled") or error.extra.get("gateway") or error.code.startswith("APIGW."):
            body: dict[str, Any] = {"error_code": error.code, "error_msg": error.message, "request_id": rid}
        else:
            body = {"error": {"code": error.code, "message": error.message}}
        return SimResponse.json(error.status, body, **{"X-Request-Id": rid})

    def _rid(self) -> str:
        return ids.token(self.ctx.store, "huawei.request", 32, "0123456789abcdef")

    def _ok(self, payload: Any, status: int = 200) -> SimResponse:
        if status == 204:
            return SimResponse(204, b"", {"X-Request-Id": self._rid()})
        return SimResponse.json(status, payload, **{"X-Request-Id": self._rid()})

    # actions -------------------------------------------------------------------------
    def show_server(self, call: Call, body: Any) -> SimResponse:
        return self._ok(self._server_view(call.region, call.params["id"]))

    def _server_view(self, region: str, sid: str) -> dict[str, Any]:
        server = servers.server(self.model, region, sid)
        view = server_view(server, self.model.server_task(region, server.id))
        return launch.decorate(self.model, region, servers.overlay(self.model, region, view))

    def create_servers(self, call: Call, body: Any) -> SimResponse:
        """ECS CreateServers (launch.py): `dry_run` answers 202 once the request passes its checks."""
        reply = launch.create(self.model, call.region, body, str(call.params.get("X-Client-Token") or ""))
        return self._ok({}, 202) if reply is None else self._ok(reply)

    def list_servers(self, call: Call, body: Any) -> SimResponse:
        return self._ok(launch.details(self.model, call.region, dict(call.params),
                                       lambda sid: self._server_view(call.region, sid)))

    def flavors(self, call: Call, body: Any) -> SimResponse:
        return self._ok(launch.flavors(call.region, str(call.params.get("availability_zone") or "")))

    def stop_servers(self, call: Call, body: Any) -> SimResponse:
        """ECS BatchStopServers (`os-stop`); other server actions are not simulated."""
        if not isinstance(body, dict) or "os-stop" not in body:
            raise SimError("Ecs.0005", "Invalid parameter: only the os-stop action is simulated.")
        return self._ok({"job_id": servers.stop(self.model, call.region, body)})

    def delete_servers(self, call: Call, body: Any) -> SimResponse:
        return self._ok({"job_id": servers.delete(self.model, call.region, body)})

    def tag_server(self, call: Call, body: Any) -> SimResponse:
        servers.retag(self.model, call.region, call.params["id"], body)
        return self._ok(None, 204)

    def show_job(self, call: Call, body: Any) -> SimResponse:
        ecs_job = launch.job(self.model, call.region, call.params["id"]) if call.action == "ShowJob" else None
        if ecs_job is not None:  # ECS and IMS's old ShowJob share the path; the job id tells them apart
            return self._ok(ecs_job)
        return self._ok(job_view(self.model.job(call.region, call.params["id"]), self.model.now()))

    def create_image(self, call: Call, body: Any) -> SimResponse:
        """One action, two operations: an `image_url` registers an OBS file, otherwise a server is captured."""
        b = _object(body)
        name, description, tags = _text(b, "name", BAD_NAME), _text(b, "description", BAD_DESCRIPTION), _tags(b)
        if b.get("image_url"):
            spec = FileImport(
                image_url=_text(b, "image_url"), min_disk=_disk(b), image_type=_text(b, "type"),
                architecture=_text(b, "architecture"), firmware=_text(b, "hw_firmware_type"),
                quick=b.get("is_quick_import") is True, os_version=_text(b, "os_version"),
                cmk_id=_text(b, "cmk_id"), is_config=b.get("is_config") is True)
            job_id = self.model.register_file(call.region, name=name, description=description, tags=tags, spec=spec,
                                              instance_id=_text(b, "instance_id"), volume_id=_text(b, "volume_id"))
        else:
            job_id = self._capture(call, b, name, description, tags, whole=False)
        return self._ok({"job_id": job_id})

    def create_whole_image(self, call: Call, body: Any) -> SimResponse:
        b = _object(body)
        name, description, tags = _text(b, "name", BAD_NAME), _text(b, "description", BAD_DESCRIPTION), _tags(b)
        return self._ok({"job_id": self._capture(call, b, name, description, tags, whole=True)})

    def _capture(self, call: Call, b: dict[str, Any], name: str, description: str, tags: dict[str, str], *,
                 whole: bool) -> str:
        return self.model.capture(
            call.region, name=name, description=description, tags=tags, instance_id=_text(b, "instance_id"),
            whole=whole, vault=_text(b, "vault_id"), cmk_id=_text(b, "cmk_id"), image_url=_text(b, "image_url"),
            volume_id=_text(b, "volume_id"), data_images=bool(b.get("data_images")))

    def list_images(self, call: Call, body: Any) -> SimResponse:
        q = call.params
        shared = q.get("__imagetype") == "shared" or q.get("visibility") == "shared"
        images = self.sharing.received(call.region, q.get("member_status") or "") if shared else self.model.images(
            call.region, image_id=q.get("id") or "", name=q.get("name") or "", imagetype=q.get("__imagetype") or "",
            status=q.get("status") or "", os_type=q.get("__os_type") or "", platform=q.get("__platform") or "",
            visibility=q.get("visibility") or "", tag=q.get("tag") or "")
        now = self.model.now()
        views = [image_view(i, now) for i in images]
        sort_key = q.get("sort_key") or "created_at"
        if sort_key not in SORT_KEYS:
            raise _invalid()
        views.sort(key=lambda v: (str(v.get(sort_key) or ""), v["id"]), reverse=(q.get("sort_dir") or "desc") == "desc")
        if q.get("marker"):
            marks = [n for n, v in enumerate(views) if v["id"] == q["marker"]]
            views = views[marks[0] + 1:] if marks else []
        try:
            limit = int(q.get("limit") or 500)
        except ValueError:
            raise _invalid() from None
        if not 0 < limit <= 1000:
            raise _invalid()
        return self._ok({"images": views[:limit]})

    def update_image(self, call: Call, body: Any) -> SimResponse:
        """The body is a JSON Patch list; whatever is not a valid patch the model refuses in its turn."""
        patches = [_patch(op) for op in body] if isinstance(body, list) else []
        image = self.model.update_image(call.region, call.params["id"], patches)
        return self._ok(image_view(image, self.model.now()))

    def copy_cross_region(self, call: Call, body: Any) -> SimResponse:
        b = _object(body)
        job_id = copy_cross_region(
            self.model, call.region, call.params["id"], name=_text(b, "name", BAD_NAME),
            description=_text(b, "description", BAD_DESCRIPTION), destination=_text(b, "region"),
            project_name=_text(b, "project_name"), agency_name=_text(b, "agency_name"), vault=_text(b, "vault_id"))
        return self._ok({"job_id": job_id})

    def delete_image(self, call: Call, body: Any) -> SimResponse:
        self.model.delete_image(call.region, call.params["id"])
        self.sharing.forget(call.region, call.params["id"])
        return self._ok(None, 204)

    def tags_action(self, call: Call, body: Any) -> SimResponse:
        b = _object(body)
        pairs = [(str(t.get("key", "")), str(t.get("value", ""))) for t in _dicts(b, "tags")]
        self.model.set_tags(call.region, call.params["id"], action=str(b.get("action", "")), tags=pairs)
        return self._ok(None, 204)


    # image members (sharing.py) ------------------------------------------------------------
    def add_members(self, call: Call, body: Any) -> SimResponse:
        return self._members(call, body, add=True)

    def delete_members(self, call: Call, body: Any) -> SimResponse:
        return self._members(call, body, add=False)

    def _members(self, call: Call, body: Any, *, add: bool) -> SimResponse:
        b = _object(body)
        if b.get("domains") or b.get("organizations"):
            raise SimError("IMG.0105", "The operation is not supported (sharing with accounts or organizations is "
                           "not implemented by the simulator).", 400)
        job_id = self.sharing.change(call.region, str(call.params.get("project_id", "")), _strings(b, "images"),
                                     _strings(b, "projects"), add=add)
        return self._ok({"job_id": job_id})

    def update_members(self, call: Call, body: Any) -> SimResponse:
        b = _object(body)
        job_id = self.sharing.answer(call.region, str(call.params.get("project_id", "")), _strings(b, "images"),
                                     _text(b, "project_id"), _text(b, "status"), _text(b, "vault_id"))
        return self._ok({"job_id": job_id})

    def list_members(self, call: Call, body: Any) -> SimResponse:
        members = self.sharing.listed(call.region, call.params["id"])
        if call.params.get("marker"):
            marks = [n for n, m in enumerate(members) if m["member_id"] == call.params["marker"]]
            members = members[marks[0] + 1:] if marks else []
        try:
            limit = int(call.params.get("limit") or 1000)
        except ValueError:
            raise _invalid() from None
        return self._ok({"members": members[:limit], "schema": "/v2/schemas/members"})


# parsing -----------------------------------------------------------------------------
def _invalid(detail: str = "") -> SimError:
    return SimError("IMG.0001", "The request message format is invalid" + (f": {detail}." if detail else "."), 400)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not body:
        raise SimError("IMG.0007", "The request body is empty.", 400)
    return body


def _text(body: dict[str, Any], key: str, error: tuple[str, str] | None = None) -> str:
    """A text field; absent or null is empty text."""
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SimError(*error, 400) if error else _invalid(f"{key} must be a string")
    return value


def _list(body: dict[str, Any], key: str) -> list[Any]:
    value = body.get(key)
    if not value:
        return []
    if not isinstance(value, list):
        raise _invalid(f"{key} must be a list")
    return value


def _strings(body: dict[str, Any], key: str) -> list[str]:
    items = _list(body, key)
    if not all(isinstance(item, str) for item in items):
        raise _invalid(f"each of {key} must be a string")
    return items


def _dicts(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = _list(body, key)
    if not all(isinstance(item, dict) for item in items):
        raise _invalid(f"each of {key} must be an object")
    return items


def _tags(body: dict[str, Any]) -> dict[str, str]:
    """`tags: ["key.value"]` or `image_tags: [{"key","value"}]`, never both (IMS rejects the pair)."""
    if body.get("tags") and body.get("image_tags"):
        raise _invalid()
    out: dict[str, str] = {}
    for tag in _list(body, "tags"):
        key, _, value = str(tag).partition(".")
        out[key] = value
    for pair in _dicts(body, "image_tags"):
        out[str(pair.get("key", "")).strip()] = str(pair.get("value", "")).strip()
    return out


def _disk(body: dict[str, Any]) -> int | None:
    """`min_disk` in GB: a JSON whole number (true and false are not), or None when absent."""
    value = body.get("min_disk")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad_disk(value)
    return value


def _patch(op: Any) -> Patch:
    """One JSON Patch operation; a malformed one becomes a patch the model refuses (IMG.0001)."""
    if not isinstance(op, dict):
        return Patch("", "")
    kind, path = op.get("op"), op.get("path")
    return Patch(kind if isinstance(kind, str) else "", path if isinstance(path, str) else "", op.get("value"))
