"""ECS servers beyond the seeded records: power (BatchStopServers), tags, deletion, the UniAgent, and a test control.

A server's runtime state sits beside its record (kind `server_state`): a stop takes STOP_SECONDS
(ACTIVE with task_state `powering-off`, then SHUTOFF); a guest that powers itself off is SHUTOFF
from that moment; DeleteServers shows `deleting` for DELETE_SECONDS, then ShowServer answers
Ecs.0114. Servers launched by CreateServers read BUILD, then ACTIVE, or ERROR (launch.py). The UniAgent is ONLINE while the server is ACTIVE and OFFLINE otherwise, unless a test
or the demo sets it (`set_agent(model, region, id, "OFFLINE" | "UNINSTALLED" | "NONE")`, "NONE"
meaning never installed, "" returning to the default).
"""
from __future__ import annotations

from typing import Any

from ..core import ids
from ..core.wire import SimError
from .model import VENDOR, ImsModel
from .records import Server, iso

STOP_SECONDS = 30.0
DELETE_SECONDS = 20.0
STOP_TYPES = ("SOFT", "HARD")
MAX_TAGS = 10


def state(model: ImsModel, region: str, sid: str) -> dict[str, Any]:
    return model.store.get(VENDOR, region, "server_state", sid) or {}


def _put(model: ImsModel, region: str, sid: str, record: dict[str, Any]) -> None:
    model.store.put(VENDOR, region, "server_state", sid, record)


def set_state(model: ImsModel, region: str, sid: str, record: dict[str, Any]) -> None:
    """Tests: as a call the simulator does not serve would leave the server (BatchStartServers)."""
    _put(model, region, sid, record)


def server(model: ImsModel, region: str, sid: str) -> Server:
    """The server record, or Ecs.0114 once a deletion ended."""
    found = model.server(region, sid)
    st = state(model, region, sid)
    deleted, gone = st.get("deleted_at"), st.get("gone_at")
    if (deleted is not None and model.now() >= float(deleted) + DELETE_SECONDS) or (
            gone is not None and model.now() >= float(gone)):  # gone_at: a failed launch ECS rolled back
        raise SimError("Ecs.0114", f"Instance[{sid}] could not be found.", 404)
    return found


def status(model: ImsModel, region: str, sid: str) -> tuple[str, str]:
    """(status, task_state) now."""
    base = server(model, region, sid)
    st, now = state(model, region, sid), model.now()
    if st.get("deleted_at") is not None:
        return base.status, "deleting"
    if st.get("boot_at") is not None and now < float(st["boot_at"]):
        return "BUILD", "spawning"  # launched by CreateServers (launch.py), still booting
    if st.get("fault"):
        return "ERROR", ""  # accepted, then ECS gave up (launch.py)
    stop_at = st.get("stop_at")
    if stop_at is not None and now >= float(stop_at):
        return "SHUTOFF", ""
    if st.get("stop_started") is not None and now >= float(st["stop_started"]):
        return "ACTIVE", "powering-off"
    return base.status, ""


def agent(model: ImsModel, region: str, sid: str) -> str:
    """ONLINE, OFFLINE, UNINSTALLED or "" (never installed) now."""
    forced = str(state(model, region, sid).get("agent") or "")
    if forced:
        return "" if forced == "NONE" else forced
    if model.now() < float(state(model, region, sid).get("agent_at") or 0.0):
        return "OFFLINE"  # a launched server's agent registers AGENT_SECONDS after it booted
    return "ONLINE" if status(model, region, sid) == ("ACTIVE", "") else "OFFLINE"


def set_agent(model: ImsModel, region: str, sid: str, value: str) -> None:
    st = state(model, region, sid)
    st["agent"] = value
    _put(model, region, sid, st)


def tags(model: ImsModel, region: str, sid: str) -> dict[str, str]:
    return dict(state(model, region, sid).get("tags") or {})


def overlay(model: ImsModel, region: str, view: dict[str, Any]) -> dict[str, Any]:
    """ShowServer's reply with the runtime status, task state and tags ("key=value")."""
    body = view["server"]
    st, task = status(model, region, body["id"])
    body["status"] = st
    body["OS-EXT-STS:vm_state"] = "active" if st == "ACTIVE" else "stopped"
    body["OS-EXT-STS:power_state"] = 1 if st == "ACTIVE" else 4
    body["OS-EXT-STS:task_state"] = task or body.get("OS-EXT-STS:task_state") or ""
    body["tags"] = [f"{k}={v}" for k, v in sorted(tags(model, region, body["id"]).items())]
    return view


def stop(model: ImsModel, region: str, body: Any) -> str:
    """BatchStopServers: an asynchronous job; servers not ACTIVE are left as they are. Returns the job id."""
    option = (body or {}).get("os-stop") if isinstance(body, dict) else None
    servers = (option or {}).get("servers") if isinstance(option, dict) else None
    if not isinstance(servers, list) or not servers:
        raise SimError("Ecs.0005", "Invalid parameter: os-stop.servers is required.")
    kind = option.get("type", "SOFT") if isinstance(option, dict) else "SOFT"
    if kind not in STOP_TYPES:
        raise SimError("Ecs.0005", f"Invalid parameter: os-stop.type must be one of {', '.join(STOP_TYPES)}.")
    sids = [str((s or {}).get("id", "")) for s in servers]
    for sid in sids:
        server(model, region, sid)
    now = model.now()
    for sid in sids:
        if status(model, region, sid) != ("ACTIVE", ""):
            continue  # ECS accepts the batch; the job's sub-job for a server not ACTIVE fails, nothing changes
        st = state(model, region, sid)
        st.update(stop_started=now, stop_at=now + STOP_SECONDS)
        _put(model, region, sid, st)
    return ids.uuid_like(model.store, "huawei.ecs.job")


def shut_down(model: ImsModel, region: str, sid: str, at: float) -> None:
    """The guest powers itself off at `at` (Sysprep /shutdown, shutdown -h): SHUTOFF from then on."""
    st = state(model, region, sid)
    st.update(stop_started=at, stop_at=at)
    _put(model, region, sid, st)


def retag(model: ImsModel, region: str, sid: str, body: Any) -> None:
    """BatchCreateServerTags (action create): keys replace, at most 10 tags a server."""
    server(model, region, sid)
    if not isinstance(body, dict) or body.get("action") != "create" or not isinstance(body.get("tags"), list):
        raise SimError("Ecs.0005", "Invalid parameter: action must be 'create' with a list of tags.")
    st = state(model, region, sid)
    current = dict(st.get("tags") or {})
    for item in body["tags"]:
        key = str((item or {}).get("key", ""))
        if not key or len(key) > 36 or len(str((item or {}).get("value", ""))) > 43:
            raise SimError("Ecs.0005", "Invalid parameter: tag keys are 1-36 characters, values at most 43.")
        current[key] = str(item.get("value", ""))
    if len(current) > MAX_TAGS:
        raise SimError("Ecs.0005", f"A server holds at most {MAX_TAGS} tags.")
    st["tags"] = current
    _put(model, region, sid, st)


def delete(model: ImsModel, region: str, body: Any) -> str:
    servers = body.get("servers") if isinstance(body, dict) else None
    if not isinstance(servers, list) or not servers:
        raise SimError("Ecs.0005", "Invalid parameter: servers is required.")
    now = model.now()
    for item in servers:
        sid = str((item or {}).get("id", ""))
        server(model, region, sid)
        st = state(model, region, sid)
        st.setdefault("deleted_at", now)
        _put(model, region, sid, st)
    return ids.uuid_like(model.store, "huawei.ecs.job")


def add_server(model: ImsModel, region: str, family: str = "linux", name: str = "") -> Server:
    """A new ACTIVE server (tests and the demo): each one-way generalization gets its own."""
    sid = ids.uuid_like(model.store, "huawei.ecs.server")
    windows = family == "windows"
    os_version = "Windows Server 2022 Standard 64bit" if windows else "CentOS 7.9 64bit"
    image = model._public_image_id(region, "Windows" if windows else "Linux")
    found = Server(sid, name or f"build-{family}-{sid[:8]}", region, "ACTIVE", "Windows" if windows else "Linux",
                   os_version, image, 60 if windows else 40, iso(model.now()) or "", "s6.large.2")
    model.store.put(VENDOR, region, "server", sid, found.to_record())
    return found
