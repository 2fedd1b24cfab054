"""ECS build servers: CreateServers, ListServersDetails, ListFlavors, and the network a launch names.

CreateServers (`POST /v1.1/{project_id}/cloudservers`) checks the request the way ECS documents it
(https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_0101.html; codes from the error table,
https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_07_0002.html) and answers `{"job_id",
"serverIds"}`; `dry_run: true` only checks and answers 202. The same `X-Client-Token` returns the
servers the first call made. A launched server reads BUILD (task_state `spawning`) for
BOOT_SECONDS, then ACTIVE; its UniAgent reports ONLINE AGENT_SECONDS after that. Its system disk
and its NIC port are held until DeleteServers ends (ECS always deletes the system disk and the
ports it created with the server; `delete_volume` concerns data disks, `delete_publicip` EIPs).

Seeded per region (fixed ids, see `vpc_id`, `subnet_id`, `security_group_id`): one VPC, one subnet,
one security group; zones `<region>a`, `<region>b`, `<region>c`; the flavors of FLAVORS.
Test hooks, all documented answers of the real API:
- zone `<region>c` is sold out for every flavor (ListFlavors `cond:operation:az` says `sellout`,
  CreateServers refuses it with Ecs.0319);
- `sim.inject("huawei-ims", "CreateServers", "fail", code=..., message=...)`: the call is accepted
  and the server goes to ERROR when it would have booted, its `fault` naming the code (Ecs.0319,
  "Check capacity: Capacity is not enough." by default): no stock after acceptance. The job
  (ShowJob) FAILs with that code, and ECS's rollback deletes the server ROLLBACK_SECONDS later
  (CreateServers rolls back a failed creation; the OpenStack API does not);
- `set_quota(model, region, n)`: at most n live launched servers (DEFAULT_QUOTA), beyond it Ecs.0001;
- `servers.set_agent(model, region, id, "OFFLINE")` keeps a launched server's UniAgent offline.
"""
from __future__ import annotations

import re
from typing import Any

from ..core import ids
from ..core.wire import SimError
from . import servers
from .model import VENDOR, ImsModel
from .records import Server, iso
from .regions import region_number

BOOT_SECONDS = {"Linux": 60.0, "Windows": 240.0}
AGENT_SECONDS = 30.0
ROLLBACK_SECONDS = 60.0  # a launch ECS gave up on reads ERROR this long, then its rollback deleted it
FLAVORS: dict[str, tuple[int, int]] = {  # id -> (vCPUs, RAM in MB)
    "s6.large.2": (2, 4096), "s6.xlarge.2": (4, 8192), "c7.large.2": (2, 4096), "c7.xlarge.4": (4, 16384),
}
ZONES = ("a", "b", "c")
SOLD_OUT = "c"
VOLUME_TYPES = ("SATA", "SAS", "SSD", "GPSSD", "ESSD", "GPSSD2", "ESSD2")
DEFAULT_QUOTA = 20
NO_STOCK = ("Ecs.0319", "Check capacity: Capacity is not enough.")
NAME = re.compile(r"^[\w\u4e00-\u9fa5.\-]{1,64}$")
SPECIALS = set("!@$%^-_=+[{}]:,./?")
VALUE_FORBIDDEN = set("=*<>\\,|")  # PrePaidServerTag: a value never holds these, nor control characters
KEY_FORBIDDEN = VALUE_FORBIDDEN | {"/"}  # and a key not '/' either


def _fixed(prefix: str, region: str) -> str:
    return f"{prefix}-0000-4000-8000-{region_number(region):012d}"


def vpc_id(region: str) -> str:
    return _fixed("55555555", region)


def subnet_id(region: str) -> str:
    return _fixed("66666666", region)


def security_group_id(region: str) -> str:
    return _fixed("77777777", region)


def zones(region: str) -> list[str]:
    return [f"{region}{z}" for z in ZONES]


def bad(code: str, message: str, status: int = 400) -> SimError:
    return SimError(code, message, status)


# flavors ---------------------------------------------------------------------------
def flavors(region: str, zone: str) -> dict[str, Any]:
    """ListFlavors: every flavor, each saying per zone whether it sells (`cond:operation:az`)."""
    if zone and zone not in zones(region):
        return {"flavors": []}
    az = ", ".join(f"{z}({'sellout' if z.endswith(SOLD_OUT) else 'normal'})" for z in zones(region))
    return {"flavors": [{
        "id": fid, "name": fid, "vcpus": str(cpus), "ram": ram, "disk": "0", "swap": "",
        "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False, "rxtx_factor": 1.0,
        "os-flavor-access:is_public": True, "links": [],
        "os_extra_specs": {"ecs:performancetype": "normal", "cond:operation:status": "normal",
                           "cond:operation:az": az, "ecs:virtualization_env_types": "CloudCompute"},
    } for fid, (cpus, ram) in FLAVORS.items()]}


# quota -----------------------------------------------------------------------------
def set_quota(model: ImsModel, region: str, instances: int) -> None:
    """Tests: the region's ECS quota (live launched servers)."""
    model.store.put(VENDOR, region, "ecs_quota", "instances", {"instances": instances})


def _quota(model: ImsModel, region: str) -> int:
    found = model.store.get(VENDOR, region, "ecs_quota", "instances")
    return int(found["instances"]) if found else DEFAULT_QUOTA


# launch ----------------------------------------------------------------------------
def create(model: ImsModel, region: str, body: Any, token: str) -> dict[str, Any] | None:
    """CreateServers: the reply, or None for a dry run that passed its checks."""
    if not isinstance(body, dict) or not isinstance(body.get("server"), dict):
        raise bad("Ecs.0005", "Invalid parameter: server is required.")
    dry = body.get("dry_run") is True
    with model.store.transaction():
        if token and not dry:
            earlier = model.store.get(VENDOR, region, "client_token", token)
            if earlier is not None:
                return {"job_id": earlier["job_id"], "serverIds": earlier["server_ids"]}
        spec = _check(model, region, body["server"])
        if dry:
            return None
        reply = _launch(model, region, spec)
        if token:
            model.store.put(VENDOR, region, "client_token", token,
                            {"job_id": reply["job_id"], "server_ids": reply["serverIds"]})
        return reply


def _check(model: ImsModel, region: str, s: dict[str, Any]) -> dict[str, Any]:
    name = s.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 64:
        raise bad("Ecs.0914", f"Invalid length of ECS [{len(name) if isinstance(name, str) else 0}].")
    if not NAME.match(name):
        raise bad("Ecs.0915", f"ECS name [{name}] contains invalid characters.")
    image_id = str(s.get("imageRef") or "")
    found = model.images(region, image_id=image_id) if image_id else []
    if not found:
        raise bad("Ecs.0031", f"Image [{image_id}] does not exist.")
    image = found[0]
    if model.image_status(image) != "active":
        raise bad("Ecs.0032", f"Image [{image_id}] must be active.")
    flavor = str(s.get("flavorRef") or "")
    if flavor not in FLAVORS:
        raise bad("Ecs.0029", f"Flavor [{flavor}] does not exist.")
    nics = s.get("nics")
    if not isinstance(nics, list) or not nics or not all(isinstance(n, dict) for n in nics):
        raise bad("Ecs.0005", "Invalid parameter: nics needs at least one {subnet_id}.")
    subnet = str(nics[0].get("subnet_id") or "")
    if subnet != subnet_id(region):
        raise bad("Ecs.0038", f"Subnet [{subnet}] does not exist.")
    if str(s.get("vpcid") or "") != vpc_id(region):
        raise bad("Ecs.0064", "The VPC ID in the request body is different from that in the primary NIC.")
    groups = s.get("security_groups") or []
    sg = [str((g or {}).get("id", "")) for g in groups if isinstance(g, dict)]
    if any(g != security_group_id(region) for g in sg):
        # The ECS error table names no code for an unknown security group: the generic one.
        raise bad("Ecs.0005", f"Invalid parameter: security group [{sg[0] if sg else ''}] does not exist.")
    zone = str(s.get("availability_zone") or "")
    if zone and zone not in zones(region):
        raise bad("Ecs.0005", f"Invalid parameter: availability zone [{zone}] does not exist.")
    root = s.get("root_volume")
    if not isinstance(root, dict) or root.get("volumetype") not in VOLUME_TYPES:
        kind = root.get("volumetype") if isinstance(root, dict) else None
        raise bad("Ecs.0043", f"Disk type [{kind}] does not exist.")
    size = root.get("size") or image.min_disk
    if not isinstance(size, int) or isinstance(size, bool) or not image.min_disk <= size <= 1024:
        raise bad("Ecs.0005", f"Invalid parameter: root_volume.size must be {image.min_disk}-1024 GB "
                  "(at least the image's min_disk).")
    tags = _tags(s.get("server_tags"))
    password = s.get("adminPass")
    if password is not None:
        _check_password(password)
    if zone.endswith(SOLD_OUT):
        raise bad(*NO_STOCK)
    live = [r for r in model.store.list(VENDOR, region, "launch") if _live(model, region, str(r["id"]))]
    if len(live) + 1 > _quota(model, region):
        raise bad("Ecs.0001", "Insufficient ECS quota. Contact customer service to increase quota.")
    return {"name": name, "image": image, "flavor": flavor, "subnet": subnet, "sg": sg, "tags": tags,
            "zone": zone or f"{region}a", "size": size, "volumetype": root["volumetype"]}


def _tags(raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise bad("Ecs.0005", "Invalid parameter: server_tags is a list of {key, value}.")
    if len(raw) > servers.MAX_TAGS:
        raise bad("Ecs.0905", f"The number of tags cannot be greater than {servers.MAX_TAGS}.")
    out: dict[str, str] = {}
    for tag in raw:
        key, value = str(tag.get("key") or ""), str(tag.get("value") or "")
        if not key or len(key) > 36 or len(value) > 43:
            raise bad("Ecs.0906", "Invalid tag key.")
        if (any(c in KEY_FORBIDDEN for c in key) or any(c in VALUE_FORBIDDEN for c in value)
                or any(ord(c) < 32 for c in key + value)):
            raise bad("Ecs.0907", f"Tag key [{key}] contains invalid characters.")
        if key in out:
            raise bad("Ecs.0908", "The tag key cannot be duplicate.")
        out[key] = value
    return out


def _check_password(password: object) -> None:
    """adminPass: 8-26 characters, three of upper, lower, digits and specials."""
    if not isinstance(password, str) or not 8 <= len(password) <= 26:
        raise bad("Ecs.0011", "The password length must range from 8 to 26.")
    kinds = [any(c.isupper() for c in password), any(c.islower() for c in password),
             any(c.isdigit() for c in password), any(c in SPECIALS for c in password)]
    if sum(kinds) < 3:
        raise bad("Ecs.0011", "The password must contain at least three of uppercase letters, lowercase letters, "
                  "digits and special characters.")


def _launch(model: ImsModel, region: str, spec: dict[str, Any]) -> dict[str, Any]:
    now = model.now()
    sid = ids.uuid_like(model.store, "huawei.ecs.server")
    image = spec["image"]
    os_type = "Windows" if image.os_type == "Windows" else "Linux"
    server = Server(sid, spec["name"], region, "ACTIVE", os_type, image.os_version or image.name, image.id,
                    spec["size"], iso(now) or "", spec["flavor"])
    model.store.put(VENDOR, region, "server", sid, server.to_record())
    boot_at = now + BOOT_SECONDS[os_type]
    state: dict[str, Any] = {"tags": spec["tags"], "boot_at": boot_at, "agent_at": boot_at + AGENT_SECONDS}
    fault = model.ctx.take_failure(VENDOR, "CreateServers", region)
    if fault is not None:
        state["fault"] = {"code": fault.code or NO_STOCK[0], "message": fault.message or NO_STOCK[1]}
        state["gone_at"] = boot_at + ROLLBACK_SECONDS
    servers.set_state(model, region, sid, state)
    job_id = ids.uuid_like(model.store, "huawei.ecs.job")
    model.store.put(VENDOR, region, "ecs_job", job_id, {"job_id": job_id, "server_id": sid, "begun": now,
                                                         "ends": boot_at, "fault": state.get("fault")})
    number = len(model.store.list(VENDOR, region, "launch")) + 10
    model.store.put(VENDOR, region, "launch", sid, {
        "id": sid, "volume_id": ids.uuid_like(model.store, "huawei.evs.volume"),
        "port_id": ids.uuid_like(model.store, "huawei.vpc.port"), "ip": f"192.168.0.{number % 250 + 2}",
        "vpc": vpc_id(region), "subnet": spec["subnet"], "security_groups": spec["sg"], "zone": spec["zone"],
        "volumetype": spec["volumetype"]})
    return {"job_id": job_id, "serverIds": [sid]}


def job(model: ImsModel, region: str, job_id: str) -> dict[str, Any] | None:
    """ECS ShowJob of a CreateServers job (`GET /v1/{project_id}/jobs/{job_id}`, the path IMS's old ShowJob
    shares): RUNNING until the server booted, then SUCCESS, or FAIL with the code ECS gave up with."""
    record = model.store.get(VENDOR, region, "ecs_job", job_id)
    if record is None:
        return None
    now, fault = model.now(), record.get("fault") or {}
    done = now >= float(record["ends"])
    status = ("FAIL" if fault else "SUCCESS") if done else "RUNNING"
    failed = status == "FAIL"
    sub = {"status": status, "job_id": f"{job_id[:-4]}0001", "job_type": "createSingleServer",
           "begin_time": iso(record["begun"]), "end_time": iso(record["ends"]) if done else "",
           "entities": {"server_id": record["server_id"]}, "error_code": fault.get("code") if failed else None,
           "fail_reason": fault.get("message") if failed else None}
    return {"status": status, "job_id": job_id, "job_type": "createServer", "begin_time": iso(record["begun"]),
            "end_time": iso(record["ends"]) if done else "", "error_code": fault.get("code") if failed else None,
            "fail_reason": fault.get("message") if failed else None,
            "entities": {"sub_jobs_total": 1, "sub_jobs": [sub]}}


# reads -----------------------------------------------------------------------------
def _live(model: ImsModel, region: str, sid: str) -> bool:
    try:
        servers.server(model, region, sid)
    except SimError:
        return False
    return True


def held(model: ImsModel, region: str, sid: str) -> list[str]:
    """What a launched server still holds (the server, its system disk and NIC port): empty once deleted."""
    record = model.store.get(VENDOR, region, "launch", sid)
    if record is None or not _live(model, region, sid):
        for kind in ("launch", "server"):
            model.store.delete(VENDOR, region, kind, sid)
        return []
    return [sid, str(record["volume_id"]), str(record["port_id"])]


def decorate(model: ImsModel, region: str, view: dict[str, Any]) -> dict[str, Any]:
    """A launched server's view: its zone, NIC, security groups, system disk, BUILD/ERROR and fault."""
    body = view["server"]
    record = model.store.get(VENDOR, region, "launch", body["id"])
    if record is None:
        return view
    body["OS-EXT-AZ:availability_zone"] = record["zone"]
    body["addresses"] = {record["vpc"]: [{"version": "4", "addr": record["ip"], "OS-EXT-IPS:type": "fixed",
                                          "OS-EXT-IPS:port_id": record["port_id"],
                                          "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}]}
    body["security_groups"] = [{"id": g, "name": "imageforge-build"} for g in record["security_groups"]]
    body["metadata"]["vpc_id"] = record["vpc"]
    body["os-extended-volumes:volumes_attached"] = [{"id": record["volume_id"], "delete_on_termination": "true",
                                                     "bootIndex": "0", "device": "/dev/vda"}]
    if body["status"] == "BUILD":
        body["OS-EXT-STS:vm_state"], body["OS-EXT-STS:power_state"] = "building", 0
    elif body["status"] == "ERROR":
        fault = servers.state(model, region, body["id"]).get("fault") or {}
        body["OS-EXT-STS:vm_state"], body["OS-EXT-STS:power_state"] = "error", 0
        body["fault"] = {"code": 500, "message": f"{fault.get('code', '')}: {fault.get('message', '')}",
                         "details": "", "created": body["created"]}
    return view


def details(model: ImsModel, region: str, query: dict[str, Any], view: Any) -> dict[str, Any]:
    """ListServersDetails: servers not deleted, filtered by `tags` ("key=value") and `name`; `offset` is a page."""
    wanted_tag, name = str(query.get("tags") or ""), str(query.get("name") or "")
    rows = []
    for record in model.store.list(VENDOR, region, "server"):
        sid = str(record["id"])
        if not _live(model, region, sid):
            continue  # a server being deleted is listed (task_state deleting) until its deletion ends
        body = view(sid)
        if wanted_tag and wanted_tag not in body["server"]["tags"]:
            continue
        if name and name not in body["server"]["name"]:
            continue
        rows.append(body["server"])
    rows.sort(key=lambda r: (r["created"], r["id"]), reverse=True)
    try:
        limit = max(1, min(int(query.get("limit") or 25), 1000))
        page = max(1, int(query.get("offset") or 1))
    except ValueError:
        raise bad("Ecs.0005", "Invalid parameter: limit and offset are whole numbers.") from None
    return {"count": len(rows), "servers": rows[(page - 1) * limit:page * limit]}
