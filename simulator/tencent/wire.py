"""Tencent Cloud API 3.0 on the wire: TC3-signed `POST /` with a JSON body, X-TC-* headers, and the
`{"Response": {...}}` envelope, errors included, always HTTP 200 with `Content-Type: application/json`.

Handlers only read the vendor's parameters into typed model calls (params.py) and render the
model's records; the model keeps the state and the rules.

CVM 2017-03-12 image actions (ImportImage and DescribeImportImageOs in imports.py), plus what they lean on:
CBS DescribeSnapshots (also 2017-03-12), the Tag API's TagResources/UnTagResources and STS
GetCallerIdentity (both 2018-08-13).

The SDK reads an error only when the Content-Type is exactly `application/json` (or `text/plain`):
with `; charset=utf-8` it would take the error for a success, so the header is fixed here.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse
from . import params as read, signing
from .imports import ImageImport, supported_os
from .model import VENDOR, CvmModel, check_image_id
from .records import ACCOUNT_UIN, fail
from .sync import ImageSync

VERSION = "2017-03-12"  # CVM, and CBS for DescribeSnapshots
TAG_VERSION = "2018-08-13"  # Tag and STS
CONTENT_TYPE = "application/json"
Handler = Callable[[str, dict[str, Any]], dict[str, Any]]

# Every parameter the SDK's request models can send, per action; anything else is UnknownParameter.
PARAMETERS: dict[str, frozenset[str]] = {
    "DescribeInstances": frozenset({"InstanceIds", "Filters", "Offset", "Limit"}),
    "DescribeSnapshots": frozenset({"SnapshotIds", "Filters", "Offset", "Limit", "Order", "OrderField"}),
    "CreateImage": frozenset({"ImageName", "InstanceId", "ImageDescription", "ForcePoweroff", "Sysprep",
                              "DataDiskIds", "SnapshotIds", "DryRun", "TagSpecification", "ImageFamily"}),
    "DescribeImages": frozenset({"ImageIds", "Filters", "Offset", "Limit", "InstanceType"}),
    "ImportImage": frozenset({"Architecture", "OsType", "OsVersion", "ImageUrl", "ImageName", "ImageDescription",
                              "DryRun", "Force", "TagSpecification", "LicenseType", "BootMode", "ImageFamily",
                              "ImportImageDataDiskList"}),
    "DescribeImportImageOs": frozenset(),
    "ModifyImageAttribute": frozenset({"ImageId", "ImageName", "ImageDescription", "ImageFamily", "ImageDeprecated"}),
    "SyncImages": frozenset({"ImageIds", "DestinationRegions", "DryRun", "ImageName", "ImageSetRequired",
                             "Encrypt", "KmsKeyId"}),
    "DeleteImages": frozenset({"ImageIds", "DeleteBindedSnap", "DryRun"}),
    "GetCallerIdentity": frozenset(),
    "TagResources": frozenset({"ResourceList", "Tags"}),
    "UnTagResources": frozenset({"ResourceList", "TagKeys"}),
}
VERSIONS: dict[str, str] = {action: TAG_VERSION if action in ("GetCallerIdentity", "TagResources", "UnTagResources")
                            else VERSION for action in PARAMETERS}


class CvmWire:
    vendor = VENDOR
    throttle_code = "RequestLimitExceeded"
    throttle_status = 200

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.model = CvmModel(ctx)
        self.sync = ImageSync(self.model)
        self.imports = ImageImport(self.model)
        self.actions: dict[str, Handler] = {
            "DescribeInstances": self.describe_instances,
            "DescribeSnapshots": self.describe_snapshots,
            "CreateImage": self.create_image,
            "DescribeImages": self.describe_images,
            "ImportImage": self.import_image,
            "DescribeImportImageOs": self.describe_import_image_os,
            "ModifyImageAttribute": self.modify_image_attribute,
            "SyncImages": self.sync_images,
            "DeleteImages": self.delete_images,
            "GetCallerIdentity": self.get_caller_identity,
            "TagResources": self.tag_resources,
            "UnTagResources": self.untag_resources,
        }

    def seed(self) -> None:
        self.model.seed()

    def matches(self, request: SimRequest) -> bool:
        return bool(request.header("x-tc-action"))

    def identify(self, request: SimRequest) -> Call:
        try:
            params = request.json() if request.body else {}
        except ValueError:
            params = None
        return Call(request.header("x-tc-action"), request.header("x-tc-region"),
                    params if isinstance(params, dict) else {"__malformed_body__": True})

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        signing.verify(request)
        handler = self.actions.get(call.action)
        version = request.header("x-tc-version")
        if handler is None:
            raise fail("InvalidAction", f"The action `{call.action}` is not found (not implemented by the simulator).")
        if version not in (VERSION, TAG_VERSION):
            raise fail("NoSuchVersion", f"The API version `{version}` does not exist.")
        if version != VERSIONS[call.action]:
            raise fail("InvalidAction", f"The action `{call.action}` does not exist in version `{version}`.")
        params = dict(call.params)
        if params.pop("__malformed_body__", False):
            raise fail("InvalidParameter", "The request body is not a JSON object.")
        unknown = sorted(set(params) - PARAMETERS[call.action])
        if unknown:
            raise fail("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
        if not call.region:
            raise fail("MissingParameter", "The request is missing a required parameter `Region`.")
        self.model.check_region(call.region)
        payload = handler(call.region, params)
        return SimResponse.json(200, {"Response": {**payload, "RequestId": self._request_id()}}, CONTENT_TYPE)

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        # API errors are HTTP 200; only an injected 5xx (a gateway failure) keeps its status.
        status = error.status if error.status >= 500 else 200
        body = {"Response": {"Error": {"Code": error.code, "Message": error.message}, "RequestId": self._request_id()}}
        return SimResponse.json(status, body, CONTENT_TYPE)

    def _request_id(self) -> str:
        return self.ctx.request_id().lower()

    # actions ---------------------------------------------------------------------
    def describe_instances(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        wanted, filters = read.strings(p, "InstanceIds"), read.filters(p)
        if wanted and filters:
            raise fail("InvalidParameter", "InstanceIds and Filters cannot be specified together.")
        items = self.model.instances(region, wanted, filters)
        return {"TotalCount": len(items), "InstanceSet": [self.model.instance_view(i) for i in read.page(items, p)]}

    def describe_snapshots(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        items = self.model.snapshots(region, read.strings(p, "SnapshotIds"), read.filters(p))
        return {"TotalCount": len(items), "SnapshotSet": [s.view() for s in read.page(items, p)]}

    def create_image(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        # ForcePoweroff is accepted and has nothing to act on: the simulated shutdown never fails.
        data_disks, snapshots = read.strings(p, "DataDiskIds"), read.strings(p, "SnapshotIds")
        return {"ImageId": self.model.create_image(
            region, name=read.text(p, "ImageName"), description=read.text(p, "ImageDescription"),
            instance_id=read.text(p, "InstanceId"), snapshot_ids=snapshots, data_disk_ids=data_disks,
            sysprep=read.flag(p, "Sysprep"), family=read.text(p, "ImageFamily"), tags=read.tag_specification(p),
            dry_run=read.flag(p, "DryRun"))}

    def describe_images(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        wanted, filters = read.strings(p, "ImageIds"), read.filters(p)
        if wanted and filters:
            raise fail("InvalidParameter.InvalidParameterCoexistImageIdsFilters",
                       "ImageIds and Filters cannot be specified together.")
        for image_id in wanted:
            check_image_id(image_id)
        items = self.model.images(region, wanted, filters)
        return {"TotalCount": len(items), "ImageSet": [self.model.image_view(i) for i in read.page(items, p)]}

    def import_image(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self.imports.import_image(
            region, architecture=read.text(p, "Architecture"), os_type=read.text(p, "OsType"),
            os_version=read.text(p, "OsVersion"), url=read.text(p, "ImageUrl"), name=read.text(p, "ImageName"),
            description=read.text(p, "ImageDescription"), boot_mode=read.text(p, "BootMode"),
            license_type=read.text(p, "LicenseType"), family=read.text(p, "ImageFamily"), force=read.flag(p, "Force"),
            dry_run=read.flag(p, "DryRun"), data_disks=bool(p.get("ImportImageDataDiskList")),
            tags=read.tag_specification(p))
        return {}  # the documented reply carries only the RequestId: no ImageId

    def describe_import_image_os(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return supported_os()

    def modify_image_attribute(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        # ImageFamily and ImageDeprecated are accepted and not applied by the simulator.
        image_id = read.text(p, "ImageId")
        if not image_id:
            raise fail("MissingParameter", "The request is missing a required parameter `ImageId`.")
        self.model.modify(region, image_id, name=read.optional_text(p, "ImageName"),
                          description=read.optional_text(p, "ImageDescription"))
        return {}

    def sync_images(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        image_ids, destinations = read.strings(p, "ImageIds"), read.strings(p, "DestinationRegions")
        made = self.sync.sync_images(
            region, image_ids=image_ids, destinations=destinations, name=read.text(p, "ImageName"),
            encrypt=read.flag(p, "Encrypt"), kms_key_id=read.text(p, "KmsKeyId"), dry_run=read.flag(p, "DryRun"))
        if not read.flag(p, "ImageSetRequired"):
            return {"ImageSet": None}
        return {"ImageSet": [{"ImageId": c.image_id, "Region": c.region} for c in made]}

    def delete_images(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self.model.delete_images(region, read.strings(p, "ImageIds"),
                                 delete_binded_snap=read.flag(p, "DeleteBindedSnap"), dry_run=read.flag(p, "DryRun"))
        return {}

    def get_caller_identity(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        uin = ACCOUNT_UIN
        return {"Arn": f"qcs::cam::uin/{uin}:uin/{uin}", "AccountId": uin, "UserId": uin, "PrincipalId": uin,
                "Type": "RootAccount"}

    def tag_resources(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        tags = read.tag_pairs(p)
        if not tags:
            raise fail("MissingParameter", "The request is missing a required parameter `Tags`.")
        return _failed(self.model.retag(read.strings(p, "ResourceList"), add=tags, drop=[]))

    def untag_resources(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        keys = read.strings(p, "TagKeys")
        if not keys:
            raise fail("MissingParameter", "The request is missing a required parameter `TagKeys`.")
        return _failed(self.model.retag(read.strings(p, "ResourceList"), add=[], drop=keys))


def _failed(refused: list[tuple[str, str]]) -> dict[str, Any]:
    """The Tag API answers success with the resources it could not tag listed in FailedResources."""
    return {"FailedResources": [{"Resource": name, "Code": "ResourceNotFound", "Message": why}
                                for name, why in refused]}
