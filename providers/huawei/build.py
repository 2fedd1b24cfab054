"""VmBuilder on Huawei Cloud ECS: a temporary build server from an IMS image, found again by its tags.

- The base image is an IMS image by id or exact name: public (`__imagetype=gold`), this project's
  own (`private`), shared with it (`shared`) or Marketplace (`market`), in that order.
- `prepare_launch` reads ListFlavors for the instance type (and whether it sells in the zone, the
  flavor's `cond:operation:az`), then sends the very CreateServers request with `dry_run: true`, which
  ECS checks without creating anything: a bad subnet, VPC, security group, image or disk type is
  refused there and named as the `network.<key>` / input it came from.
- `launch_vm` is one CreateServers call: `server_tags` carry the identity and `X-Client-Token` the
  resource's client token, so a repeated call returns the server the first one made. No EIP.
- ECS deletes a server's system disk and the NIC ports it created with it (DeleteServers; its
  `delete_volume` / `delete_publicip` flags cover data disks and EIPs, both set): nothing a build
  server was launched with can outlive it, so `find_build_leftovers` has nothing to name.
Docs: https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_0101.html (CreateServers),
ecs_02_0103.html (DeleteServers), ecs_02_0104.html (ListServersDetails), ecs_02_0401.html (ListFlavors),
ecs_07_0002.html (error codes).
"""
from __future__ import annotations

import base64
import re
from typing import Any

from ..core import errors, guest as guest_lines
from ..core.model import TAG_KEY, BaseImage, Identity, LaunchRequest, Started, VmInfo
from . import coc, mapping
from .client import remember_projects
from .images import ImsImages

NETWORK_KEYS = ("vpc_id", "subnet_id", "security_group_id")  # required; availability_zone is optional
DEFAULT_VOLUME_TYPE = "GPSSD"
USER_DATA_MAX = 32 * 1024  # PrePaidServer.user_data: at most 32 KB before Base64
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
OWNERS = (("gold", "public"), ("private", "self"), ("shared", "shared"), ("market", "marketplace"))
PAGE = 100
SELLING = ("normal", "promotion", "obt")  # cond:operation:status / :az values that still sell
# CreateServers refusals (dry run or launch) -> the input they are about, and its fix.
FIELDS: dict[str, tuple[str, str]] = {
    "Ecs.0038": ("network.subnet_id", "give a subnet id of the VPC network.vpc_id, in this region (VPC ListSubnets)."),
    "Ecs.0012": ("network.subnet_id", "pick a subnet with free IP addresses."),
    "Ecs.0014": ("network.vpc_id", "give the VPC the subnet network.subnet_id belongs to."),
    "Ecs.0064": ("network.vpc_id", "give the VPC the subnet network.subnet_id belongs to."),
    "Ecs.0029": ("instance_type", "pick a flavor ListFlavors names in this region, for example 's6.large.2'."),
    "Ecs.0027": ("instance_type", "pick a public flavor."),
    "Ecs.0028": ("instance_type", "pick another flavor."),
    "Ecs.0031": ("base_image", "give an image id or name IMS lists in this region."),
    "Ecs.0032": ("base_image", "wait until the image is active, or pick another one."),
    "Ecs.0043": ("options.volume_type", "use a disk type of this region, for example 'GPSSD' or 'SSD'."),
    "Ecs.0044": ("options.volume_type", "use another disk type: this one is sold out in the zone."),
    "Ecs.0015": ("options.volume_type", "use a disk type the flavor supports."),
    "Ecs.0905": ("tags", "give at most 9 tags: ECS keeps 10 a server, one of them imageforge-key."),
    "Ecs.0906": ("tags", "use tag keys of 1-36 characters and values of at most 43."),
    "Ecs.0907": ("tags", "leave = * < > \\ , | out of tag keys and values (and / out of keys)."),
    "Ecs.0914": ("name", "use a name of at most 64 characters."),
    "Ecs.0915": ("name", "use letters, digits, '_', '-' and '.' in the name."),
    "Ecs.0319": ("network.availability_zone", "pick another availability zone or instance_type: ECS has no "
                 "capacity for this flavor there now."),
}


class EcsBuilder(ImsImages):
    """The VmBuilder half of the Huawei adapter (VM steps are EcsVmOperations')."""

    # base image ----------------------------------------------------------------------
    def resolve_base_image(self, region: str, base_image: str) -> BaseImage:
        """https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImages per image type, by id or name."""
        from huaweicloudsdkims.v2 import ListImagesRequest

        ims = self.clients.ims(region)
        by_id = bool(UUID.match(base_image))
        for imagetype, owner in OWNERS:
            key = {"id": base_image} if by_id else {"name": base_image}
            request = ListImagesRequest(imagetype=imagetype, limit=PAGE, **key)
            images = self._call("ListImages", lambda: ims.list_images(request)).images or []
            found = [i for i in images if (str(i.id) if by_id else str(i.name)) == base_image]
            if found:
                return _base(found[0], owner)
        raise errors.NotFound(
            f"no IMS image {'with id' if by_id else 'named'} {base_image!r} in {region} (public, private, shared "
            "or Marketplace). Fix: give an image id or exact name from ListImages in this region, for example a "
            "public one ('CentOS 7.9 64bit')", vendor=mapping.VENDOR, operation="ListImages", resource_id=base_image)

    # launch --------------------------------------------------------------------------
    def prepare_launch(self, request: LaunchRequest) -> list[str]:
        """Inputs first, then ListFlavors, then CreateServers with dry_run (nothing is created)."""
        remember_projects(request.options.get("project_ids"))
        for key in NETWORK_KEYS:
            if not str(request.network.get(key) or "").strip():
                raise errors.UserInputError(f"network.{key}", "is required: ECS launches the build server into a "
                                            "VPC subnet with a security group.",
                                            f"set network.{key} to the id of an existing one in {request.region}.")
        min_disk = _int(request.base_image.extra.get("min_disk"))
        if request.disk_size_gb is not None and min_disk and request.disk_size_gb < min_disk:
            raise errors.UserInputError("disk_size_gb", f"is {request.disk_size_gb} GB; the image "
                                        f"{request.base_image.name!r} needs a system disk of at least {min_disk} GB.",
                                        f"set disk_size_gb to {min_disk} or more (at most 1024), or leave it out.")
        user_data = str(request.options.get("user_data") or "")
        if len(user_data.encode("utf-8")) > USER_DATA_MAX:
            raise errors.UserInputError("options.user_data", f"is {len(user_data.encode('utf-8'))} bytes; ECS injects "
                                        f"at most {USER_DATA_MAX} bytes (before Base64).",
                                        "shorten it, or fetch a longer script from it at first boot.")
        self._check_flavor(request)
        try:
            self._create(request, dry_run=True)
        except errors.CloudError as err:
            raise _as_input(err) from err
        zone = str(request.network.get("availability_zone") or "")
        return [] if zone else ["network.availability_zone is not set: ECS picks the zone of the build server"]

    def _check_flavor(self, request: LaunchRequest) -> None:
        """https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_0401.html: the flavor, and whether it sells in the zone."""
        from huaweicloudsdkecs.v2 import ListFlavorsRequest

        ecs = self.clients.ecs(request.region)
        zone = str(request.network.get("availability_zone") or "")
        flavors = self._call("ListFlavors", lambda: ecs.list_flavors(
            ListFlavorsRequest(availability_zone=zone or None))).flavors or []
        if zone and not flavors:
            raise errors.UserInputError("network.availability_zone", f"ECS lists no flavor in {zone!r}: it is not an "
                                        f"availability zone of {request.region}.",
                                        f"give a zone of {request.region} (NovaListAvailabilityZones), e.g. "
                                        f"'{request.region}a', or leave it out.")
        found = [f for f in flavors if str(f.id) == request.instance_type]
        if not found:
            sample = ", ".join(sorted(str(f.id) for f in flavors)[:6])
            raise errors.UserInputError("instance_type", f"{request.instance_type!r} is not an ECS flavor of "
                                        f"{zone or request.region}.", f"pick one ListFlavors names, e.g. {sample}.")
        status = _selling(found[0], zone)
        if zone and status not in SELLING:
            raise errors.UserInputError("network.availability_zone", f"ECS sells no {request.instance_type} in {zone} "
                                        f"now (ListFlavors cond:operation:az says {status}).",
                                        "pick another availability zone or instance_type.")

    def launch_vm(self, request: LaunchRequest) -> Started:
        """https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_0101.html (one call; idempotent by X-Client-Token)."""
        reply = self._create(request, dry_run=False)
        ids = [str(i) for i in reply.server_ids or []]
        if not ids:
            raise errors.OperationFailed(f"CreateServers accepted the launch (ECS job {reply.job_id}) but named no "
                                         "server", vendor=mapping.VENDOR, operation="CreateServers")
        # The ECS job (ShowJob) is not handed on: follow_job reads IMS jobs; ShowServer is the launch's truth.
        return Started(vm_id=ids[0], request_id=self.clients.last_request_id)

    def _create(self, request: LaunchRequest, *, dry_run: bool) -> Any:
        from huaweicloudsdkecs.v2 import (CreateServersRequest, CreateServersRequestBody, PrePaidServer,
                                          PrePaidServerNic, PrePaidServerRootVolume, PrePaidServerSecurityGroup,
                                          PrePaidServerTag)

        net, opts = request.network, request.options
        user_data = str(opts.get("user_data") or "")
        server = PrePaidServer(
            image_ref=request.base_image.image_id, flavor_ref=request.instance_type, name=_name(request.name),
            vpcid=str(net.get("vpc_id")), nics=[PrePaidServerNic(subnet_id=str(net.get("subnet_id")))],
            security_groups=[PrePaidServerSecurityGroup(id=str(net.get("security_group_id")))],
            availability_zone=str(net.get("availability_zone") or "") or None,
            root_volume=PrePaidServerRootVolume(volumetype=str(opts.get("volume_type") or DEFAULT_VOLUME_TYPE),
                                                size=request.disk_size_gb),
            server_tags=[PrePaidServerTag(key=k, value=v) for k, v in sorted(request.tags.items())] or None,
            admin_pass=request.admin_secret or None,
            user_data=base64.b64encode(user_data.encode("utf-8")).decode("ascii") if user_data else None)
        body = CreateServersRequestBody(dry_run=dry_run, server=server)
        ecs = self.clients.ecs(request.region)
        token = None if dry_run else (request.client_token or None)
        return self._call("CreateServers", lambda: ecs.create_servers(
            CreateServersRequest(x_client_token=token, body=body)))

    # finding and removing ------------------------------------------------------------
    def find_build_vms(self, region: str, identity: Identity) -> list[VmInfo]:
        """https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_0104.html filtered by `tags=imageforge-key=<key>`."""
        from huaweicloudsdkecs.v2 import ListServersDetailsRequest

        ecs = self.clients.ecs(region)
        wanted = f"{TAG_KEY}={identity.key}"
        out: list[VmInfo] = []
        page = 1
        while True:
            request = ListServersDetailsRequest(tags=wanted, limit=PAGE, offset=page)
            servers = self._call("ListServersDetails", lambda: ecs.list_servers_details(request)).servers or []
            for server in servers:
                tags = _tag_map(server.tags)
                if tags.get(TAG_KEY) == identity.key and str(server.status) not in ("DELETED", "SOFT_DELETED"):
                    out.append(_info(region, server, tags))
            if len(servers) < PAGE:
                return out
            page += 1

    def agent_online(self, vm_id: str, os_type: str) -> bool:
        """https://support.huaweicloud.com/intl/en-us/api-coc/ListResources.html: the server's UniAgent is ONLINE."""
        from huaweicloudsdkcoc.v1 import ListResourcesRequest

        client = self.clients.coc(self.region)
        reply = self._call("ListResources", lambda: client.list_resources(ListResourcesRequest(
            provider="ecs", type="cloudservers", resource_id_list=[vm_id], region_id=self.region, limit=PAGE)))
        return any(r.resource_id == vm_id and str(r.agent_state or "") == coc.AGENT_ONLINE for r in reply.data or [])

    def remove_build_vm(self, vm_id: str) -> None:
        """https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_0103.html: with its disks and EIPs (a job)."""
        from huaweicloudsdkecs.v2 import DeleteServersRequest, DeleteServersRequestBody, ServerId, ShowServerRequest

        ecs = self.clients.ecs(self.region)
        server = self._call("ShowServer", lambda: ecs.show_server(ShowServerRequest(server_id=vm_id))).server
        if str(server.os_ext_st_stask_state or "") == "deleting":
            return  # an earlier call's deletion runs (a second DeleteServers would fail: Ecs.1001)
        body = DeleteServersRequestBody(servers=[ServerId(id=vm_id)], delete_volume=True, delete_publicip=True)
        self._call("DeleteServers", lambda: ecs.delete_servers(DeleteServersRequest(body=body)))

    def find_build_leftovers(self, region: str, identity: Identity) -> list[str]:
        """None can exist: ECS deletes the system disk and the ports it created with the server, and no EIP is made."""
        return []

    def remove_leftover(self, object_id: str) -> None:
        """`find_build_leftovers` names nothing on ECS, so whatever is asked for is not one of ours."""
        raise errors.NotFound(f"{object_id} is not a leftover of a build server: ECS deletes a build server's disk "
                              "and NIC with it", vendor=mapping.VENDOR, operation="remove leftover",
                              resource_id=object_id)


def _base(raw: Any, owner: str) -> BaseImage:
    status = str(raw.status or "")
    if status != "active":
        raise errors.InvalidState(f"IMS image {raw.id} ({raw.name}) is {status}; ECS launches from an active image. "
                                  "Fix: wait for it, or pick another base_image", vendor=mapping.VENDOR,
                                  operation="ListImages", resource_id=str(raw.id))
    windows = str(raw.os_type or "").lower() == "windows" or str(raw.platform or "").lower() == "windows"
    return BaseImage(image_id=str(raw.id), name=str(raw.name or ""),
                     os_type=guest_lines.WINDOWS if windows else guest_lines.LINUX, owner=owner,
                     extra={"min_disk": _int(raw.min_disk) or 0, "platform": str(raw.platform or ""),
                            "os_version": str(raw.os_version or ""), "imagetype": str(raw.imagetype or "")})


def _selling(flavor: Any, zone: str) -> str:
    """The flavor's sale status in `zone`: its `cond:operation:az` entry, else `cond:operation:status`."""
    specs = flavor.os_extra_specs
    region_wide = str(getattr(specs, "condoperationstatus", "") or "normal") if specs is not None else "normal"
    per_zone = str(getattr(specs, "condoperationaz", "") or "") if specs is not None else ""
    for item in per_zone.split(","):
        name, _, rest = item.strip().partition("(")
        if name == zone and rest:
            return rest.rstrip(")")
    return region_wide


def _as_input(err: errors.CloudError) -> Exception:
    """A dry-run refusal about one input becomes UserInputError naming it; anything else stays as it is."""
    field = FIELDS.get(err.code)
    message = err.message
    if err.code == "Ecs.0005":
        lowered = message.lower()
        field = (("network.security_group_id", "give a security group id of this region (VPC ListSecurityGroups).")
                 if "security group" in lowered else
                 ("network.availability_zone", "give a zone of this region, e.g. '<region>a'.")
                 if "availability zone" in lowered else
                 ("disk_size_gb", "give a size from the image's min_disk to 1024 GB.")
                 if "root_volume.size" in lowered else None)
    if field is None:
        return err
    return errors.UserInputError(field[0], f"ECS refuses it: {message} ({err.code}).", field[1])


def _name(name: str) -> str:
    """ECS server names: 1-64 letters, digits, '_', '-' or '.'."""
    cleaned = re.sub(r"[^\w.\-]", "-", name)[:64]
    return cleaned or "imageforge-build"


def _int(raw: object) -> int | None:
    try:
        return None if raw is None else int(str(raw))
    except ValueError:
        return None


def _tag_map(raw: object) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in raw if isinstance(raw, list) else []:
        key, _, value = str(item).partition("=")
        out[key] = value
    return out


def _info(region: str, server: Any, tags: dict[str, str]) -> VmInfo:
    status = str(server.status or "")
    metadata = dict(server.metadata or {})
    windows = str(metadata.get("os_type", "")).lower() == "windows"
    return VmInfo(vm_id=str(server.id), region=region, power_state=POWER.get(status, status.lower()),
                  os_type=guest_lines.WINDOWS if windows else guest_lines.LINUX, generalized=False, encrypted=False,
                  name=str(server.name or server.id), extra={"tags": tags, "status": status})


POWER = {"ACTIVE": "running", "SHUTOFF": "stopped", "BUILD": "pending", "ERROR": "failed", "REBOOT": "starting",
         "HARD_REBOOT": "starting", "DELETED": "deleted", "SOFT_DELETED": "deleted"}
