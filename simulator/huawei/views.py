"""How IMS and ECS show their records on the wire (the shapes the huaweicloud SDK models parse)."""
from __future__ import annotations

from typing import Any

from .records import Image, Job, Server, iso
from .regions import PROJECTS


def image_view(image: Image, now: float) -> dict[str, Any]:
    """One element of ListImages `images` (and the UpdateImage reply)."""
    iid, region = image.id, image.region
    private = image.private
    size_bytes = int(image.min_disk or 40) * 1024 ** 3 // 4
    view: dict[str, Any] = {
        "id": iid, "name": image.name, "status": image.status(now),
        "visibility": "private" if private else "public", "__imagetype": image.imagetype,
        "__isregistered": "true", "protected": not private, "owner": PROJECTS[region] if private else "",
        "__description": image.description, "__os_type": image.os_type,
        "__os_version": image.os_version, "__platform": image.platform, "__os_bit": "64",
        "min_disk": int(image.min_disk or 40), "min_ram": 0, "disk_format": "zvhd2", "container_format": "bare",
        "virtual_env_type": "FusionCompute", "__support_kvm": "true", "hw_firmware_type": image.firmware,
        "__image_source_type": "uds", "__image_size": str(size_bytes), "size": None, "virtual_size": 0,
        "created_at": iso(image.created), "updated_at": iso(image.updated or image.created),
        "self": f"/v2/images/{iid}", "file": f"/v2/images/{iid}/file", "schema": "/v2/schemas/image",
        "tags": image.tag_list(),
        "__data_origin": image.source, "__originalimagename": "", "__productcode": "",
        "enterprise_project_id": "0", "__whole_image": "true" if image.whole else "false",
        "__backup_id": image.backup_id,
        "max_ram": "", "__lazyloading": "true", "__root_origin": image.root_origin,
    }
    if image.architecture == "arm":
        view.update(__support_arm="true")
    if image.cmk_id:
        view.update(__system__cmkid=image.cmk_id, __system_encrypted="1")
    view.update(image.extras)
    return view


def job_view(job: Job, now: float) -> dict[str, Any]:
    """The ShowJob / ShowJobProgress reply (the same fields, `entities` as JobProgressEntities)."""
    status = job.status(now)
    entities: dict[str, Any] = {}
    if job.image_id and status != "INIT":
        entities.update(image_id=job.image_id, image_name=job.image_name)
    if status == "RUNNING":
        entities.update(process_percent=round(job.life.at(now).progress / 100.0, 2), current_task=job.job_type)
    failed = status == "FAIL"
    return {
        "status": status, "job_id": job.job_id, "job_type": job.job_type,
        "begin_time": iso(job.life.started_at), "end_time": iso(job.ended_at(now)),
        "error_code": job.error_code if failed else None,
        "fail_reason": job.fail_reason if failed else None,
        "entities": entities,
    }


def server_view(server: Server, task: str) -> dict[str, Any]:
    """ECS `GET /v1/{project_id}/cloudservers/{server_id}` reply; `task` is its task_state."""
    sid, region = server.id, server.region
    active = server.status == "ACTIVE"
    return {"server": {
        "id": sid, "name": server.name, "status": server.status, "created": server.created,
        "updated": server.created, "tenant_id": PROJECTS[region], "user_id": "0" * 32, "hostId": "",
        "OS-EXT-AZ:availability_zone": f"{region}a", "OS-EXT-STS:vm_state": "active" if active else "stopped",
        "OS-EXT-STS:power_state": 1 if active else 4, "OS-EXT-STS:task_state": task, "locked": False,
        "flavor": {"id": server.flavor, "name": server.flavor, "disk": "0", "vcpus": "2", "ram": "4096"},
        "image": {"id": server.image_id},
        "metadata": {"os_type": server.os_type, "image_name": server.os_version, "os_bit": "64",
                     "charging_mode": "0", "metering.image_id": server.image_id},
        "os-extended-volumes:volumes_attached": [{
            "id": sid[:24] + "0000" + sid[28:], "delete_on_termination": "true", "bootIndex": "0", "device": "/dev/vda",
        }],
        "addresses": {}, "security_groups": [], "tags": [], "sys_tags": [], "description": "",
        "enterprise_project_id": "0", "progress": 0, "config_drive": "", "key_name": "",
        "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda", "OS-DCF:diskConfig": "MANUAL",
    }}
