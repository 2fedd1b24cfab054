"""Alibaba EDS (ecd 2020-09-30) on the wire: ACS3 headers, query parameters, top-level lists."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse
from . import acs3, signing
from .eds_guest import EdsGuest
from .eds_guest_wire import EdsGuestWire
from .eds_model import VENDOR, EdsModel
from .eds_sharing import EdsSharing

VERSION = "2020-09-30"
HOST = "ecd.aliyuncs.com"
Handler = Callable[[str, dict[str, str]], dict[str, Any]]


class EdsWire:
    vendor = VENDOR
    throttle_code = "Throttling.User"
    throttle_status = 400

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = EdsModel(ctx)
        self.nonces = signing.Nonces()
        self.keys = signing.ring(ctx.store)
        self.sharing = EdsSharing(ctx, self.model, self.keys)
        self.guest = EdsGuest(ctx, self.model)
        self.actions: dict[str, Handler] = {
            "DescribeDesktops": self.describe_desktops,
            "DescribeSnapshots": self.describe_snapshots,
            "CreateImage": self.create_image,
            "DescribeImages": self.describe_images,
            "ModifyImageAttribute": self.modify_image_attribute,
            "DeleteImages": self.delete_images,
            "CopyImage": self.copy_image,
            "CancelCopyImage": self.cancel_copy_image,
            "ModifyImagePermission": self.sharing.modify,
            "DescribeImagePermission": self.sharing.describe,
            **EdsGuestWire(self.guest).handlers(),
        }

    def seed(self) -> None:
        self.model.seed()

    def matches(self, request: SimRequest) -> bool:
        """ecd's version, or any other ACS3 call (ECS, which also sends x-acs-action, is matched first): an
        unknown version is then answered in the POP envelope rather than by no one."""
        if acs3.version(request) == VERSION:
            return True
        return bool(request.header("x-acs-action")) and request.header("authorization").startswith("ACS3-")

    def identify(self, request: SimRequest) -> Call:
        p = acs3.params(request)
        return Call(acs3.action(request), p.get("RegionId", ""), p)

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        if "Signature" in request.query:  # an RPC-style client (aliyun-python-sdk-core's CommonRequest)
            key_id = signing.verify_rpc(request, call.params, self.nonces, self.keys)
            token = call.params.get("SecurityToken", "")
        else:
            key_id = signing.verify_acs3(request, self.nonces, self.keys)
            token = request.header("x-acs-security-token")
        key = signing.signer(self.keys, key_id, token)
        with self.ctx.signed_in(VENDOR, key.account, self.seed):
            return self._handle(call, request)

    def _handle(self, call: Call, request: SimRequest) -> SimResponse:
        if acs3.version(request) != VERSION:
            raise SimError("InvalidVersion", "Specified parameter Version is not valid.", 400)
        handler = self.actions.get(call.action)
        if handler is None:
            raise SimError("InvalidAction.NotFound", f"Specified api is not found, please check your url and method "
                                                     f"({call.action!r} is not implemented by the simulator).", 404)
        if not call.region:
            raise SimError("MissingRegionId", "RegionId is mandatory for this action.", 400)
        return acs3.ok(self.ctx.request_id(), **handler(call.region, dict(call.params)))

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        return acs3.error(error, self.ctx.request_id(), HOST)

    # actions ---------------------------------------------------------------------
    def describe_desktops(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.check_region(region)
        items = [self.guest.view(region, d) for d in self.model.desktops(region)]
        wanted = acs3.id_list(p, "DesktopId")
        if wanted:
            items = [d for d in items if d["DesktopId"] in wanted]
        if p.get("DesktopStatus"):
            items = [d for d in items if d["DesktopStatus"] == p["DesktopStatus"]]
        os_types = [o.lower() for o in acs3.id_list(p, "OsTypes")]
        if os_types:
            items = [d for d in items if d["OsType"].lower() in os_types]
        chunk, token = acs3.token_page(items, p)
        return {"Desktops": chunk, "NextToken": token, "TotalCount": len(items)}

    def describe_snapshots(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.check_region(region)
        items = self.model.snapshots(region)
        for param, field in (("SnapshotId", "SnapshotId"), ("DesktopId", "DesktopId")):
            if p.get(param):
                items = [s for s in items if s[field] == p[param]]
        if p.get("SourceDiskType"):  # case-insensitive, as documented
            items = [s for s in items if s["SourceDiskType"].lower() == p["SourceDiskType"].lower()]
        chunk, token = acs3.token_page(items, p)
        return {"Snapshots": chunk, "NextToken": token}

    def create_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        image_id = self.model.create_image(
            region, name=p.get("ImageName", ""), description=p.get("Description"), desktop=p.get("DesktopId", ""),
            snapshot=p.get("SnapshotId", ""), data_snapshots=acs3.id_list(p, "DataSnapshotIds"),
            disk_type=p.get("DiskType", ""), clean=acs3.boolean(p, "AutoCleanUserdata"))
        return {"ImageId": image_id}

    def describe_images(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.check_region(region)
        images = self.model.images(region, acs3.id_list(p, "ImageId"), p.get("ImageType", ""), p.get("ImageName", ""),
                                   p.get("OsType", ""), p.get("ImageStatus", ""))
        shared = self.sharing.received(region) if p.get("ImageType", "") in ("", "CUSTOM") and not p.get("ImageId") \
            else []  # shared with this account by others (eds_sharing.py)
        if shared:
            chunk, token = acs3.token_page([self.model.view(i) for i in images] + shared, p)
            return {"Images": chunk, "NextToken": token}
        chunk, token = acs3.token_page(images, p)  # views only for the page answered
        return {"Images": [self.model.view(i) for i in chunk], "NextToken": token}

    def modify_image_attribute(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.modify(region, p.get("ImageId", ""), p.get("Name"), p.get("Description"))
        return {}

    def delete_images(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.sharing.refuse_delete(region, acs3.id_list(p, "ImageId"))
        self.model.delete_images(region, acs3.id_list(p, "ImageId"))
        return {}

    def copy_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        return {"ImageId": self.model.copy_image(
            region, image_id=p.get("ImageId", ""), destination=p.get("DestinationRegionId", ""),
            name=p.get("DestinationImageName", ""), description=p.get("DestinationDescription"))}

    def cancel_copy_image(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.model.cancel_copy(region, p.get("ImageId", ""))
        return {}
