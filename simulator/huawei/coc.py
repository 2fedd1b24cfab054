"""Cloud Operations Center (COC) scripts and script jobs on the simulated ECS servers, run by their UniAgent.

Scripts (CreateScript) are per project: a name of at most 64 letters, digits, '_' or Chinese
characters, unique (COC.00040601), type SHELL, PYTHON or BAT, content 1-4096 characters,
description 1-256, properties.risk_level LOW/MEDIUM/HIGH and version 1-10 characters. ExecuteScript
takes `timeout` with 5 < t < 1800 and at most 200 instances in batches of up to 10 ... (one batch
is simulated, as imageforge sends). Each instance runs the script in its guest at once (coc_guest.py
over simulator/core/guest.py) for the script's duration on the simulated clock: PROCESSING, then
FINISHED (exit 0) or ABNORMAL (any other exit, past the timeout, or a guest that powered itself off,
which COC only learns at the timeout). An instance whose UniAgent is not ONLINE is ABNORMAL at once,
with nothing run. The log (`message`) keeps the last LOG_MAX bytes. What the script changed in the
guest takes effect when it ends. An injected `fail` fault on ExecuteScript makes the script exit 1.
Docs: https://support.huaweicloud.com/intl/en-us/api-coc/CreateScript.html, ExecuteScript.html,
GetScriptJobBatch.html, coc_api_05_01.html (error codes).
"""
from __future__ import annotations

import re
from typing import Any

from ..core import guest, ids
from ..core.context import SimContext
from ..core.guest import GuestRecord
from ..core.wire import SimError
from . import coc_guest, servers
from .model import ImsModel

VENDOR = "huawei-coc"
CONTENT_MAX = 4096
LOG_MAX = 1024 * 1024
TIMEOUT_MIN, TIMEOUT_MAX = 5, 1800  # exclusive: "5 < timeout < 1800"
MAX_INSTANCES = 200
NAME = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9_]{1,64}$")
TYPES = ("SHELL", "PYTHON", "BAT")
RUNS_ON = {"SHELL": "Linux", "PYTHON": "Linux", "BAT": "Windows"}
RISK = ("LOW", "MEDIUM", "HIGH")
PARAM = "COC.00040601"  # COC's code for an invalid parameter and for a duplicate script name


def bad(message: str, status: int = 400) -> SimError:
    return SimError(PARAM, message, status)



def ms(ts: float | None) -> int | None:
    return None if ts is None else int(ts * 1000)


class CocModel:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.ims = ImsModel(ctx)

    # guests ------------------------------------------------------------------------
    def guest_record(self, region: str, sid: str) -> GuestRecord:
        found = self.store.get(VENDOR, region, "guest", sid)
        family = "windows" if found is None and self.ims.server(region, sid).os_type == "Windows" else "linux"
        return GuestRecord.from_record(found, family)

    def guest_state(self, region: str, sid: str) -> guest.GuestState:
        """The guest now (tests and the fault campaign read it)."""
        return self.guest_record(region, sid).at(self.ctx.now())

    # scripts -----------------------------------------------------------------------
    def create_script(self, region: str, body: dict[str, Any]) -> str:
        name, kind, content = body.get("name"), body.get("type"), body.get("content")
        if not isinstance(name, str) or not NAME.match(name):
            raise bad("The script name must be 1-64 Chinese characters, letters, digits or '_'.")
        if kind not in TYPES:
            raise bad(f"The script type must be one of {', '.join(TYPES)}.")
        if not isinstance(content, str) or not 1 <= len(content) <= CONTENT_MAX:
            raise bad(f"The script content must be 1-{CONTENT_MAX} characters.")
        description = body.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad("The script description must be 1-256 characters.")
        props = body.get("properties")
        if not isinstance(props, dict) or props.get("risk_level") not in RISK or not isinstance(props.get("version"), str) \
                or not 1 <= len(props["version"]) <= 10:
            raise bad("properties.risk_level (LOW, MEDIUM, HIGH) and properties.version (1-10 characters) are required.")
        if any(s["name"] == name for s in self.store.list(VENDOR, region, "script")):
            raise bad(f"Exist script with same name: {name}.")
        now = self.ctx.now()
        uuid_ = "SC" + ids.token(self.store, "coc.script", 23, "0123456789abcdef")
        record = {"id": self.store.counter("coc.script.id"), "script_uuid": uuid_, "name": name, "type": kind,
                  "content": content, "description": description, "properties": {
                      "risk_level": props["risk_level"], "version": props["version"], "reviewers": [], "protocol": None},
                  "status": "APPROVED", "gmt_created": ms(now), "gmt_modified": None, "creator": "imageforge",
                  "creator_id": "0" * 32, "operator": None, "enterprise_project_id": str(body.get("enterprise_project_id")
                                                                                       or "0")}
        self.store.put(VENDOR, region, "script", uuid_, record)
        return uuid_

    def script(self, region: str, uuid_: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "script", uuid_)
        if found is None:
            raise SimError("COC.00040404", f"The script {uuid_} does not exist.", 404)
        return found

    def scripts(self, region: str, name_like: str = "") -> list[dict[str, Any]]:
        found = [s for s in self.store.list(VENDOR, region, "script") if name_like in s["name"]]
        return sorted(found, key=lambda s: s["id"])

    def delete_script(self, region: str, uuid_: str) -> None:
        self.script(region, uuid_)
        self.store.delete(VENDOR, region, "script", uuid_)

    # jobs --------------------------------------------------------------------------
    def execute(self, region: str, uuid_: str, body: dict[str, Any]) -> str:
        script = self.script(region, uuid_)
        param = body.get("execute_param") if isinstance(body, dict) else None
        if not isinstance(param, dict):
            raise bad("execute_param is required.")
        timeout = param.get("timeout")
        if not isinstance(timeout, int) or not TIMEOUT_MIN < timeout < TIMEOUT_MAX:
            raise bad(f"execute_param.timeout must be an integer with {TIMEOUT_MIN} < timeout < {TIMEOUT_MAX}.")
        if not isinstance(param.get("execute_user"), str) or not param["execute_user"]:
            raise bad("execute_param.execute_user is required.")
        batches = body.get("execute_batches")
        if not isinstance(batches, list) or not batches:
            raise bad("execute_batches is required.")
        targets = [t for b in batches for t in (b or {}).get("target_instances") or []]
        if not targets or len(targets) > MAX_INSTANCES:
            raise bad(f"execute_batches must name 1-{MAX_INSTANCES} instances.")
        failing = self.ctx.take_failure(VENDOR, "ExecuteScript", region) is not None
        now = self.ctx.now()
        instances = []
        for n, target in enumerate(targets, start=1):
            sid = str((target or {}).get("resource_id", ""))
            where = str((target or {}).get("region_id") or region)
            instances.append(self._run(where, sid, script, failing, now, n, timeout))
        execute_uuid = "SCRIPT" + ids.token(self.store, "coc.execute", 26, "0123456789abcdef")
        self.store.put(VENDOR, region, "job", execute_uuid, {
            "order_id": self.store.counter("coc.order.id"), "execute_uuid": execute_uuid, "script_uuid": uuid_,
            "script_name": script["name"], "script_id": script["id"], "created": now, "timeout": timeout, "instances": instances,
            "execute_user": param["execute_user"]})
        return execute_uuid

    def _run(self, region: str, sid: str, script: dict[str, Any], failing: bool, now: float, n: int,
             timeout: int) -> dict[str, Any]:
        record = {"id": n, "resource_id": sid, "region_id": region, "seconds": 0.0, "exit_code": 1, "output": "",
                  "shutdown": False, "note": ""}
        try:
            server = servers.server(self.ims, region, sid)
        except SimError:
            return {**record, "note": f"The instance {sid} does not exist."}
        agent = servers.agent(self.ims, region, sid)
        if agent != "ONLINE":
            return {**record, "note": f"The UniAgent of {sid} is {agent or 'not installed'}: nothing was run."}
        if RUNS_ON[script["type"]] != server.os_type:
            return {**record, "note": f"A {script['type']} script does not run on a {server.os_type} instance."}
        guest_rec = self.guest_record(region, sid)
        outcome = coc_guest.run(guest_rec.at(now), script["type"], script["content"], fail=failing)
        seconds = float(outcome.seconds if outcome.seconds is not None else guest.BASE_SECONDS)
        if outcome.effects and seconds <= timeout:
            guest_rec.changes.append((now + seconds, outcome.effects))
            self.store.put(VENDOR, region, "guest", sid, guest_rec.record())
        if outcome.shutdown:
            servers.shut_down(self.ims, region, sid, now + seconds)
        text = "\n".join(outcome.output)
        return {**record, "seconds": seconds, "exit_code": outcome.exit_code, "output": text[-LOG_MAX:],
                "shutdown": outcome.shutdown}

    def job(self, region: str, execute_uuid: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "job", execute_uuid)
        if found is None:
            raise SimError("COC.00040404", f"The script job {execute_uuid} does not exist.", 404)
        return found

    def jobs(self, region: str) -> list[dict[str, Any]]:
        return sorted(self.store.list(VENDOR, region, "job"), key=lambda j: j["order_id"], reverse=True)

    @staticmethod
    def ends(job: dict[str, Any], inst: dict[str, Any]) -> float:
        if inst["note"]:
            return float(job["created"])
        late = inst["shutdown"] or inst["seconds"] > job["timeout"]
        return float(job["created"]) + (job["timeout"] if late else inst["seconds"])

    def instance_status(self, job: dict[str, Any], inst: dict[str, Any], now: float) -> tuple[str, str]:
        """(status, message) of one instance now."""
        if inst["note"]:
            return "ABNORMAL", inst["note"]
        if now < self.ends(job, inst):
            return "PROCESSING", ""
        if inst["shutdown"]:
            return "ABNORMAL", inst["output"] + "\nThe UniAgent stopped answering; the execution timed out."
        if inst["seconds"] > job["timeout"]:
            return "ABNORMAL", inst["output"] + f"\nThe execution timed out after {job['timeout']} seconds."
        return ("FINISHED" if inst["exit_code"] == 0 else "ABNORMAL"), inst["output"]

    def job_status(self, job: dict[str, Any], now: float) -> str:
        statuses = [self.instance_status(job, i, now)[0] for i in job["instances"]]
        if "PROCESSING" in statuses:
            return "PROCESSING"
        return "FINISHED" if all(s == "FINISHED" for s in statuses) else "ABNORMAL"
