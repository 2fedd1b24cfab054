"""Alibaba ECS 2014-05-26 on the wire: `?Action=...&Version=2014-05-26`, JSON replies, ECS error codes."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse
from . import rpc
from .ecs_model import VENDOR, EcsModel

VERSION = "2014-05-26"
Handler = Callable[[str, dict[str, str]], dict[str, Any]]


class EcsWire:
    vendor = VENDOR
    throttle_code = "Throttling.User"
    throttle_status = 400

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = EcsModel(ctx)
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
        }

    def seed(self) -> None:
        self.model.seed()

    def matches(self, request: SimRequest) -> bool:
        return VERSION in (rpc.params(request).get("Version"), request.header("x-acs-version"))

    def identify(self, request: SimRequest) -> Call:
        p = rpc.params(request)
        return Call(p.get("Action", ""), p.get("RegionId", ""), p)

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        handler = self.actions.get(call.action)
        if handler is None:
            raise SimError("InvalidAction.NotFound", f"Specified api {call.action!r} is not found (not implemented by the simulator).", 404)
        if not call.region:
            raise SimError("MissingRegionId", "RegionId is mandatory for this action.", 400)
        return rpc.ok(self.ctx.request_id(), **handler(call.region, dict(call.params)))

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        return rpc.error(error, self.ctx.request_id())

    # actions ---------------------------------------------------------------------
    def describe_instances(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.check_region(region)
        items = self.model.instances(region)
        wanted = _json_list(p.get("InstanceIds"))
        if wanted:
            items = [i for i in items if i["InstanceId"] in wanted]
        chunk, number, size = rpc.page(items, p)
        return {"TotalCount": len(items), "PageNumber": number, "PageSize": size, "Instances": {"Instance": chunk}}

    def describe_snapshots(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.check_region(region)
        items = self.model.snapshots(region)
        wanted = _json_list(p.get("SnapshotIds"))
        if wanted:
            items = [s for s in items if s["SnapshotId"] in wanted]
        chunk, number, size = rpc.page(items, p)
        return {"TotalCount": len(items), "PageNumber": number, "PageSize": size, "Snapshots": {"Snapshot": chunk}}

    def create_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        p_any: dict[str, Any] = dict(p)
        p_any["_tags"] = rpc.tags(p)
        return {"ImageId": self.model.create_image(region, p_any)}

    def import_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        p_any: dict[str, Any] = dict(p)
        p_any["_tags"] = rpc.tags(p)
        return {"ImageId": self.model.import_image(region, p_any)}

    def describe_images(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.check_region(region)
        statuses = [s for s in (p.get("Status") or "Available").split(",") if s]
        ids = [i for i in (p.get("ImageId") or "").split(",") if i]
        wanted_tags = rpc.tags(p)
        views = []
        for image in self.model.images(region):
            view = self.model.view(image)
            if ids and view["ImageId"] not in ids:
                continue
            if view["Status"] not in statuses:
                continue
            if p.get("ImageName") and view.get("ImageName") != p["ImageName"]:
                continue
            have = {t["TagKey"]: t["TagValue"] for t in view["Tags"]["Tag"]}
            if any(have.get(k) != v for k, v in wanted_tags.items()):
                continue
            views.append(view)
        chunk, number, size = rpc.page(views, p)
        return {"TotalCount": len(views), "PageNumber": number, "PageSize": size, "RegionId": region,
                "Images": {"Image": chunk}}

    def modify_image_attribute(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.modify(region, p.get("ImageId", ""), p.get("ImageName"), p.get("Description"))
        return {}

    def tag_resources(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        if p.get("ResourceType", "").lower() != "image":
            raise SimError("InvalidResourceType.NotSupported", "The simulator tags only images.", 400)
        for image_id in rpc.indexed(p, "ResourceId"):
            self.model.set_tags(region, image_id, rpc.tags(p))
        return {}

    def untag_resources(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        if p.get("ResourceType", "").lower() != "image":
            raise SimError("InvalidResourceType.NotSupported", "The simulator tags only images.", 400)
        for image_id in rpc.indexed(p, "ResourceId"):
            self.model.remove_tags(region, image_id, rpc.indexed(p, "TagKey"))
        return {}

    def delete_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.delete_image(region, p.get("ImageId", ""), rpc.boolean(p.get("Force")))
        return {}

    def copy_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        p_any: dict[str, Any] = dict(p)
        p_any["_tags"] = rpc.tags(p)
        return {"ImageId": self.model.copy_image(region, p_any)}

    def cancel_copy_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.cancel_copy(region, p.get("ImageId", ""))
        return {}


def _json_list(value: str | None) -> list[str]:
    """ECS passes id lists as a JSON array string: `["i-1","i-2"]`."""
    if not value:
        return []
    import json

    try:
        parsed = json.loads(value)
    except ValueError:
        return [v for v in value.split(",") if v]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]
