"""How IMS and ECS show their objects on the wire (the shapes the huaweicloud SDK models parse)."""
from __future__ import annotations

from typing import Any

from .model import ImsModel, iso
from .regions import PROJECTS


def image_view(model: ImsModel, image: dict[str, Any]) -> dict[str, Any]:
    """One element of ListImages `images` (and the UpdateImage reply)."""
    iid, region = image["id"], image["region"]
    private = image["imagetype"] == "private"
    size_bytes = int(image.get("min_disk") or 40) * 1024 ** 3 // 4
    view: dict[str, Any] = {
        "id": iid, "name": image["name"], "status": model.image_status(image),
        "visibility": "private" if private else "public", "__imagetype": image["imagetype"],
        "__isregistered": "true", "protected": not private, "owner": PROJECTS[region] if private else "",
        "__description": image.get("description", ""), "__os_type": image["os_type"],
        "__os_version": image["os_version"], "__platform": image["platform"], "__os_bit": "64",
        "min_disk": int(image.get("min_disk") or 40), "min_ram": 0, "disk_format": "zvhd2", "container_format": "bare",
        "virtual_env_type": "FusionCompute", "__support_kvm": "true", "hw_firmware_type": image.get("firmware", "bios"),
        "__image_source_type": "uds", "__image_size": str(size_bytes), "size": None, "virtual_size": 0,
        "created_at": iso(image["created"]), "updated_at": iso(image.get("updated") or image["created"]),
        "self": f"/v2/images/{iid}", "file": f"/v2/images/{iid}/file", "schema": "/v2/schemas/image",
        "tags": [f"{k}.{v}" for k, v in sorted(image.get("tags", {}).items())],
        "__data_origin": image.get("source", ""), "__originalimagename": "", "__productcode": "",
        "enterprise_project_id": "0", "__whole_image": "true" if image.get("whole") else "false",
        "__backup_id": image.get("backup_id", ""),
        "max_ram": "", "__lazyloading": "true", "__root_origin": image.get("root_origin", ""),
    }
    if image.get("architecture") == "arm":
        view.update(__support_arm="true")
    if image.get("cmk_id"):
        view.update(__system__cmkid=image["cmk_id"], __system_encrypted="1")
    view.update(image.get("extras", {}))
    return view


def server_view(model: ImsModel, server: dict[str, Any]) -> dict[str, Any]:
    """ECS `GET /v1/{project_id}/cloudservers/{server_id}` reply."""
    sid, region = server["id"], server["region"]
    task = model.server_task(region, sid)
    active = server["status"] == "ACTIVE"
    return {"server": {
        "id": sid, "name": server["name"], "status": server["status"], "created": server["created"],
        "updated": server["created"], "tenant_id": PROJECTS[region], "user_id": "0" * 32, "hostId": "",
        "OS-EXT-AZ:availability_zone": f"{region}a", "OS-EXT-STS:vm_state": "active" if active else "stopped",
        "OS-EXT-STS:power_state": 1 if active else 4, "OS-EXT-STS:task_state": task, "locked": False,
        "flavor": {"id": server["flavor"], "name": server["flavor"], "disk": "0", "vcpus": "2", "ram": "4096"},
        "image": {"id": server["image_id"]},
        "metadata": {"os_type": server["os_type"], "image_name": server["os_version"], "os_bit": "64",
                     "charging_mode": "0", "metering.image_id": server["image_id"]},
        "os-extended-volumes:volumes_attached": [{
            "id": sid[:24] + "0000" + sid[28:], "delete_on_termination": "true", "bootIndex": "0", "device": "/dev/vda",
        }],
        "addresses": {}, "security_groups": [], "tags": [], "sys_tags": [], "description": "",
        "enterprise_project_id": "0", "progress": 0, "config_drive": "", "key_name": "",
        "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda", "OS-DCF:diskConfig": "MANUAL",
    }}
