"""Cloud Operations Center (COC, `coc.myhuaweicloud.com`) on the wire: script and script-job REST paths, ListResources.

Same signing as IMS and ECS (SDK-HMAC-SHA256, signing.py, the same account keys); the region is
the one of the `X-Project-Id` header the SDK's BasicCredentials send. The simulator serves every
product on one address, so COC is told apart by its paths (`/v1/job/...`, `/v1/resources`), as
the real host name would; this wire is listed before IMS's. COC answers errors as
`{"error_code","error_msg"}` (https://support.huaweicloud.com/intl/en-us/api-coc/coc_api_05_01.html).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..core import ids
from ..core.accounts import KeyRing
from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse
from . import servers
from .coc import VENDOR, CocModel, bad, ms
from .model import VENDOR as IMS_VENDOR
from .regions import REGION_OF_PROJECT
from .signing import ACCOUNTS, verify

ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple((m, re.compile(f"^{p}$"), a) for m, p, a in (
    ("POST", "/v1/job/scripts", "CreateScript"),
    ("GET", "/v1/job/scripts", "ListScripts"),
    ("GET", "/v1/job/scripts/(?P<id>[^/]+)", "GetScript"),
    ("POST", "/v1/job/scripts/(?P<id>[^/]+)", "ExecuteScript"),
    ("DELETE", "/v1/job/scripts/(?P<id>[^/]+)", "DeleteScript"),
    ("GET", "/v1/job/script/orders", "ListScriptJobs"),
    ("GET", "/v1/job/script/orders/(?P<id>[^/]+)", "GetScriptJobInfo"),
    ("GET", "/v1/job/script/orders/(?P<id>[^/]+)/batches/(?P<batch>[^/]+)", "GetScriptJobBatch"),
    ("GET", "/v1/resources", "ListResources"),
))
Handler = Callable[[str, dict[str, Any], Any], Any]


class CocWire:
    vendor = VENDOR
    throttle_code = "APIGW.0308"
    throttle_status = 429

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = CocModel(ctx)
        self.keys = KeyRing(ctx.store, IMS_VENDOR, ACCOUNTS)
        self.actions: dict[str, Handler] = {
            "CreateScript": self.create_script, "ListScripts": self.list_scripts, "GetScript": self.get_script,
            "ExecuteScript": self.execute_script, "DeleteScript": self.delete_script,
            "ListScriptJobs": self.list_jobs, "GetScriptJobInfo": self.job_info, "GetScriptJobBatch": self.job_batch,
            "ListResources": self.list_resources}

    def matches(self, request: SimRequest) -> bool:
        return request.path.startswith("/v1/job/") or request.path == "/v1/resources"

    def identify(self, request: SimRequest) -> Call:
        region = REGION_OF_PROJECT.get(request.header("x-project-id"), "")
        for method, pattern, action in ROUTES:
            found = pattern.match(request.path)
            if found and method == request.method:
                try:
                    body = request.json() if request.body else {}
                except ValueError:
                    body = {}
                logged = body if isinstance(body, dict) else {}  # the request log shows the body's fields
                return Call(action, region, {**logged, **request.query, **found.groupdict()})
        return Call(f"{request.method} {request.path}", region, {})

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        handler = self.actions.get(call.action)
        if handler is None:
            raise SimError("APIGW.0101", "The API does not exist or has not been published in the environment "
                           "(not implemented by the simulator).", 404)
        account = self.keys.get_key(verify(request, self.keys)).account
        if not call.region:
            raise SimError("APIGW.0301", "Incorrect IAM authentication information: no project id of this account "
                           "(X-Project-Id).", 401)
        try:
            body = request.json() if request.body else {}
        except ValueError:
            raise bad("The request body is not JSON.") from None
        with self.ctx.signed_in(IMS_VENDOR, account, self.model.ims.seed):
            return self._ok(handler(call.region, dict(call.params), body))

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        rid = self._rid()
        return SimResponse.json(error.status, {"error_code": error.code, "error_msg": error.message},
                                **{"X-Request-Id": rid})

    def _rid(self) -> str:
        return ids.token(self.ctx.store, "huawei.request", 32, "0123456789abcdef")

    def _ok(self, payload: Any) -> SimResponse:
        return SimResponse.json(200, payload, **{"X-Request-Id": self._rid()})

    # scripts -------------------------------------------------------------------------
    def create_script(self, region: str, p: dict[str, Any], body: Any) -> Any:
        if not isinstance(body, dict):
            raise bad("The request body must be a JSON object.")
        return {"data": self.model.create_script(region, body)}

    def list_scripts(self, region: str, p: dict[str, Any], body: Any) -> Any:
        found = self.model.scripts(region, str(p.get("name_like") or ""))
        if p.get("type"):
            found = [s for s in found if s["type"] == p["type"]]
        marker = p.get("marker")
        if marker:
            found = [s for s in found if s["id"] > int(marker)]
        limit = _limit(p, 100)
        keys = ("id", "script_uuid", "enterprise_project_id", "name", "type", "status", "gmt_created", "gmt_modified",
                "creator", "creator_id", "operator", "properties")
        return {"data": {"total": len(found), "data": [{k: s.get(k) for k in keys} for s in found[:limit]]}}

    def get_script(self, region: str, p: dict[str, Any], body: Any) -> Any:
        s = self.model.script(region, p["id"])
        return {"data": {**{k: s.get(k) for k in ("script_uuid", "name", "description", "type", "content", "status",
                                                   "gmt_created", "gmt_modified", "creator", "creator_id", "operator",
                                                   "properties", "enterprise_project_id")}, "script_params": []}}

    def delete_script(self, region: str, p: dict[str, Any], body: Any) -> Any:
        self.model.delete_script(region, p["id"])
        return {"data": p["id"]}

    def execute_script(self, region: str, p: dict[str, Any], body: Any) -> Any:
        if not isinstance(body, dict):
            raise bad("The request body must be a JSON object.")
        return {"data": self.model.execute(region, p["id"], body)}

    # jobs ----------------------------------------------------------------------------
    def _order(self, job: dict[str, Any], now: float) -> dict[str, Any]:
        status = self.model.job_status(job, now)
        ended = status != "PROCESSING"
        finished = max(self.model.ends(job, i) for i in job["instances"]) if ended else None
        return {"execute_uuid": job["execute_uuid"], "gmt_created": ms(job["created"]), "gmt_finished": ms(finished),
                "execute_costs": int(finished - job["created"]) if finished is not None else None,
                "creator": "imageforge", "status": status}

    def list_jobs(self, region: str, p: dict[str, Any], body: Any) -> Any:
        now = self.ctx.now()
        found = [j for j in self.model.jobs(region)
                 if not p.get("status") or self.model.job_status(j, now) == p["status"]]
        if p.get("marker"):
            found = [j for j in found if j["order_id"] < int(p["marker"])]
        rows = [{**self._order(j, now), "order_id": j["order_id"], "order_name": j["script_name"],
                 "properties": {"region_ids": region}} for j in found[:_limit(p, 100)]]
        return {"data": {"total": len(found), "data": rows}}

    def job_info(self, region: str, p: dict[str, Any], body: Any) -> Any:
        job = self.model.job(region, p["id"])
        return {"data": {**self._order(job, self.ctx.now()), "properties": {
            "script_uuid": job["script_uuid"], "script_name": job["script_name"],
            "script_version_uuid": job.get("script_id", 0), "script_version_name": "1.0.0",
            "current_execute_batch_index": 1, "execute_param": {
                "timeout": job["timeout"], "execute_user": job["execute_user"], "success_rate": 100.0}}}}

    def job_batch(self, region: str, p: dict[str, Any], body: Any) -> Any:
        job = self.model.job(region, p["id"])
        if p.get("batch") != "1":
            raise bad(f"The job has no batch {p.get('batch')}.")
        now = self.ctx.now()
        rows = []
        for inst in job["instances"]:
            status, message = self.model.instance_status(job, inst, now)
            if p.get("status") and status != p["status"]:
                continue
            ended = status != "PROCESSING"
            rows.append({"id": inst["id"], "target_instance": {
                "resource_id": inst["resource_id"], "provider": "ECS", "region_id": inst["region_id"],
                "type": "CLOUDSERVER", "custom_attributes": [], "agent_sn": "", "agent_status": ""},
                "gmt_created": ms(job["created"]), "gmt_finished": ms(self.model.ends(job, inst)) if ended else None,
                "execute_costs": int(self.model.ends(job, inst) - job["created"]) if ended else None,
                "status": status, "message": message})
        return {"data": {"batch_index": 1, "total_instances": len(job["instances"]),
                         "execute_instances": rows[:_limit(p, 100)]}}

    # resources -----------------------------------------------------------------------
    def list_resources(self, region: str, p: dict[str, Any], body: Any) -> Any:
        if p.get("provider") != "ecs" or p.get("type") != "cloudservers":
            raise bad("Only provider 'ecs' with type 'cloudservers' is simulated.")
        wanted = [w for w in str(p.get("resource_id_list") or "").split(",") if w]
        where = str(p.get("region_id") or region)
        rows: list[dict[str, Any]] = []
        for sid in wanted:
            try:
                server = servers.server(self.model.ims, where, sid)
            except SimError:
                continue
            state = servers.agent(self.model.ims, where, sid)
            if p.get("agent_state") and state != p["agent_state"]:
                continue
            rows.append({"id": sid.replace("-", "")[:24], "resource_id": sid, "domain_id": "0" * 32,
                         "name": server.name, "provider": "ecs", "type": "cloudservers",
                         "project_id": "", "region_id": where, "agent_id": sid if state else None,
                         "agent_state": state or None, "is_delegated": False, "inner_ip": "",
                         "properties": {"os_type": server.os_type.lower()}, "tags": []})
        return {"data": rows[:_limit(p, 500)]}


def _limit(p: dict[str, Any], most: int) -> int:
    try:
        return max(1, min(int(p.get("limit") or most), most))
    except ValueError:
        raise bad("limit must be an integer.") from None
