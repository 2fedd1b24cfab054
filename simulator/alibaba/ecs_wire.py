"""Alibaba ECS 2014-05-26 on the wire: `?Action=...&Version=2014-05-26`, JSON replies, ECS error codes.

Handlers parse the flat RPC parameters (`Tag.N.Key`, `ResourceId.N`, JSON id lists, `DiskDeviceMapping.1.*`)
into typed model calls and render the records' views; the model never sees a request.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse
from . import rpc, signing
from .ecs_assist import EcsAssist
from .ecs_assist_wire import AssistWire
from .ecs_launch import EcsLaunch
from .ecs_launch_wire import LaunchWire
from .ecs_sharing import EcsSharing
from .ecs_family import EcsFamilies, check_family
from .ecs_model import VENDOR, EcsModel
from .eds_wire import VERSION as EDS_VERSION

VERSION = "2014-05-26"
Handler = Callable[[str, dict[str, str]], dict[str, Any]]


class EcsWire:
    vendor = VENDOR
    throttle_code = "Throttling.User"
    throttle_status = 400

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = EcsModel(ctx)
        self.assist = EcsAssist(ctx, self.model.instance)
        self.families = EcsFamilies(self.model)
        self.nonces = signing.Nonces()
        self.keys = signing.ring(ctx.store)
        self.sharing = EcsSharing(ctx, self.model, self.keys)
        self.launch = EcsLaunch(ctx, self.model, self.assist, self.sharing.received)
        self.actions: dict[str, Handler] = {
            "DescribeInstances": self.describe_instances,
            "DescribeSnapshots": self.describe_snapshots,
            "CreateImage": self.create_image,
            "DescribeImages": self.describe_images,
            "ModifyImageAttribute": self.modify_image_attribute,
            "TagResources": self.tag_resources,
            "UntagResources": self.untag_resources,
            "DeleteImage": self.delete_image,
            "CopyImage": self.copy_image,
            "CancelCopyImage": self.cancel_copy_image,
            "ImportImage": self.import_image,
            **AssistWire(self.assist).handlers(),
            "ModifyImageSharePermission": self.sharing.modify,
            "DescribeImageSharePermission": self.sharing.describe,
            "DescribeImageFromFamily": self.describe_image_from_family,
            **LaunchWire(self.launch, self.describe_images).handlers(),  # replaces DescribeInstances, DeleteInstance, DescribeImages
        }

    def seed(self) -> None:
        self.model.seed()
        self.launch.seed()

    def inventory(self) -> set[tuple[str, str]]:
        return self.launch.inventory()

    def matches(self, request: SimRequest) -> bool:
        """ECS's version, or any RPC-style call (`/?Action=...`, signed in the query): an unknown version
        is then answered by ECS, in its own envelope, rather than by no one."""
        p = rpc.params(request)
        if VERSION in (p.get("Version"), request.header("x-acs-version")):
            return True
        return request.path == "/" and bool(p.get("Action")) and p.get("Version") != EDS_VERSION \
            and not request.header("x-tc-action") and not request.header("authorization")

    def identify(self, request: SimRequest) -> Call:
        p = rpc.params(request)
        return Call(p.get("Action", ""), p.get("RegionId", ""), p)

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        key_id = signing.verify_rpc(request, call.params, self.nonces, self.keys)
        key = signing.signer(self.keys, key_id, call.params.get("SecurityToken", ""))
        with self.ctx.signed_in(VENDOR, key.account, self.seed):
            return self._handle(call)

    def _handle(self, call: Call) -> SimResponse:
        if call.params.get("Version") != VERSION:
            raise SimError("InvalidVersion", "Specified parameter Version is not valid.", 400)
        handler = self.actions.get(call.action)
        if handler is None:
            raise SimError("InvalidAction.NotFound", f"Specified api is not found, please check your url and method "
                                                     f"({call.action!r} is not implemented by the simulator).", 404)
        if not call.region:
            raise SimError("MissingRegionId", "RegionId is mandatory for this action.", 400)
        return rpc.ok(self.ctx.request_id(), **handler(call.region, dict(call.params)))

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        return rpc.error(error, self.ctx.request_id())

    # actions ---------------------------------------------------------------------
    def describe_instances(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        items = self.model.instances(region, instance_ids=rpc.json_list(p.get("InstanceIds")))
        chunk, number, size = rpc.page(items, p)
        now = self.ctx.now()
        return {"TotalCount": len(items), "PageNumber": number, "PageSize": size,
                "Instances": {"Instance": [self.assist.view(i, now) for i in chunk]}}

    def describe_snapshots(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        items = self.model.snapshots(region, snapshot_ids=rpc.json_list(p.get("SnapshotIds")))
        chunk, number, size = rpc.page(items, p)
        return {"TotalCount": len(items), "PageNumber": number, "PageSize": size,
                "Snapshots": {"Snapshot": [s.view() for s in chunk]}}

    def create_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        if p.get("ImageFamily"):
            check_family(p["ImageFamily"])
        return {"ImageId": self.model.create_image(
            region, instance=p.get("InstanceId", ""), snapshot=p.get("SnapshotId", ""), name=p.get("ImageName", ""),
            description=p.get("Description", ""), platform=p.get("Platform", ""),
            architecture=p.get("Architecture", "x86_64"), family=p.get("ImageFamily", ""),
            version=p.get("ImageVersion", ""), resource_group=p.get("ResourceGroupId", ""),
            boot_mode=p.get("BootMode", ""), tags=rpc.tags(p), token=p.get("ClientToken", ""))}

    def import_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        disk = "DiskDeviceMapping.1."  # the simulator imports one disk, the system disk
        return {"ImageId": self.model.import_image(
            region, bucket=p.get(disk + "OSSBucket", ""), key=p.get(disk + "OSSObject", ""),
            disk_format=p.get(disk + "Format", ""), size=int(p.get(disk + "DiskImageSize") or 40),
            os_type=p.get("OSType", ""), name=p.get("ImageName", ""), description=p.get("Description", ""),
            platform=p.get("Platform", ""), architecture=p.get("Architecture", ""), boot_mode=p.get("BootMode", ""),
            tags=rpc.tags(p), token=p.get("ClientToken", ""))}

    def describe_images(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        now = self.ctx.now()  # one instant for the status filter and the views
        if p.get("ImageOwnerAlias") == "others":  # shared with this account by others (ecs_sharing.py)
            shared = self.sharing.received(region, [i for i in (p.get("ImageId") or "").split(",") if i], now)
            chunk, number, size = rpc.page(shared, p)
            return {"TotalCount": len(shared), "PageNumber": number, "PageSize": size, "RegionId": region,
                    "Images": {"Image": chunk}}
        images = self.families.images(region, p, now)
        chunk, number, size = rpc.page(images, p)
        return {"TotalCount": len(images), "PageNumber": number, "PageSize": size, "RegionId": region,
                "Images": {"Image": [self.families.view(i, now) for i in chunk]}}

    def describe_image_from_family(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        return self.families.from_family(region, p.get("ImageFamily", ""), self.ctx.now())

    def modify_image_attribute(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        if p.get("ImageFamily") is not None:
            check_family(p["ImageFamily"])
        self.model.modify(region, image_id=p.get("ImageId", ""), name=p.get("ImageName"),
                          description=p.get("Description"))
        self.families.modify(region, p.get("ImageId", ""), p.get("ImageFamily"), p.get("Status"))
        return {}

    def tag_resources(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        if _instance_type(p):
            for instance_id in rpc.indexed(p, "ResourceId"):
                self.assist.tag(region, instance_id, rpc.tags(p))
            return {}
        for image_id in _image_ids(p):
            self.model.set_tags(region, image_id=image_id, tags=rpc.tags(p))
        return {}

    def untag_resources(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        if _instance_type(p):
            for instance_id in rpc.indexed(p, "ResourceId"):
                self.assist.tag(region, instance_id, {}, remove=rpc.indexed(p, "TagKey"))
            return {}
        for image_id in _image_ids(p):
            self.model.remove_tags(region, image_id=image_id, keys=rpc.indexed(p, "TagKey"))
        return {}

    def delete_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.sharing.refuse_delete(region, p.get("ImageId", ""))
        self.model.delete_image(region, image_id=p.get("ImageId", ""), force=rpc.boolean(p.get("Force")))
        return {}

    def copy_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.families.refuse_copy(region, p.get("ImageId", ""))
        return {"ImageId": self.model.copy_image(
            region, image_id=p.get("ImageId", ""), destination=p.get("DestinationRegionId", ""),
            name=p.get("DestinationImageName", ""), description=p.get("DestinationDescription", ""),
            encrypted=rpc.boolean(p.get("Encrypted")), kms_key=p.get("KMSKeyId", ""), tags=rpc.tags(p),
            token=p.get("ClientToken", ""))}

    def cancel_copy_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.cancel_copy(region, image_id=p.get("ImageId", ""))
        return {}


def _instance_type(p: dict[str, str]) -> bool:
    return p.get("ResourceType", "").lower() == "instance"


def _image_ids(p: dict[str, str]) -> list[str]:
    """`ResourceId.N` of a TagResources or UntagResources call; the simulator tags images and instances."""
    if p.get("ResourceType", "").lower() != "image":
        raise SimError("InvalidResourceType.NotSupported", "The simulator tags only images and instances.", 400)
    return rpc.indexed(p, "ResourceId")


