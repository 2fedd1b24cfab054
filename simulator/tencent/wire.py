"""Tencent Cloud API 3.0 on the wire: TC3-signed `POST /` with a JSON body, X-TC-* headers, and the
`{"Response": {...}}` envelope, errors included, always HTTP 200 with `Content-Type: application/json`.

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
from .imports import ImageImport, supported_os
from .model import ACCOUNT_UIN, VENDOR, CvmModel, as_bool, check_image_id, fail
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
    "ImportImage": frozenset({"Architecture", "OsType", "OsVersion", "ImageUrl", "ImageName", "ImageDescription", "DryRun",
                              "Force", "TagSpecification", "LicenseType", "BootMode", "ImageFamily",
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
MAX_FILTERS, MAX_FILTER_VALUES, MAX_LIMIT, DEFAULT_LIMIT = 10, 5, 100, 20


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
        if not request.header("authorization").startswith("TC3-HMAC-SHA256 "):
            raise fail("AuthFailure.SignatureFailure", "The request must be signed with TC3-HMAC-SHA256.")
        handler = self.actions.get(call.action)
        version = request.header("x-tc-version")
        if handler is None or version != VERSIONS[call.action]:
            raise fail("InvalidAction", f"The action `{call.action}` of version `{version}` is not implemented by the simulator.")
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
        wanted, filters = _strings(p, "InstanceIds"), _filters(p)
        if wanted and filters:
            raise fail("InvalidParameter", "InstanceIds and Filters cannot be specified together.")
        items = [i for i in self.model.instances(region) if not wanted or i["InstanceId"] in wanted]
        items = _apply(items, filters, {
            "instance-id": lambda i: [i["InstanceId"]], "instance-name": lambda i: [i["InstanceName"]],
            "zone": lambda i: [i["Placement"]["Zone"]], "instance-state": lambda i: [i["InstanceState"]],
        })
        chunk = _page(items, p)
        return {"TotalCount": len(items), "InstanceSet": chunk}

    def describe_snapshots(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        wanted, filters = _strings(p, "SnapshotIds"), _filters(p)
        items = [s for s in self.model.snapshots(region) if not wanted or s["SnapshotId"] in wanted]
        items = _apply(items, filters, {
            "snapshot-id": lambda s: [s["SnapshotId"]], "disk-id": lambda s: [s["DiskId"]],
            "disk-usage": lambda s: [s["DiskUsage"]], "snapshot-name": lambda s: [s["SnapshotName"]],
            "snapshot-state": lambda s: [s["SnapshotState"]], "encrypt": lambda s: [str(s["Encrypt"]).upper()],
        })
        return {"TotalCount": len(items), "SnapshotSet": _page(items, p)}

    def create_image(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        for key in ("DataDiskIds", "SnapshotIds"):
            _strings(p, key)
        return {"ImageId": self.model.create_image(region, p, _tags(p))}

    def describe_images(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        wanted, filters = _strings(p, "ImageIds"), _filters(p)
        if wanted and filters:
            raise fail("InvalidParameter.InvalidParameterCoexistImageIdsFilters", "ImageIds and Filters cannot be specified together.")
        for image_id in wanted:
            check_image_id(image_id)
        items = [i for i in self.model.images(region) if not wanted or i["ImageId"] in wanted]
        items = _apply(items, filters, {
            "image-id": lambda i: [i["ImageId"]], "image-type": lambda i: [i["ImageType"]],
            "image-name": lambda i: [i["ImageName"]], "platform": lambda i: [i["Platform"]],
            "tag-key": lambda i: [t["Key"] for t in i["Tags"]], "tag-value": lambda i: [t["Value"] for t in i["Tags"]],
        }, fuzzy={"image-name", "platform"})
        return {"TotalCount": len(items), "ImageSet": _page(items, p)}

    def import_image(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self.imports.import_image(region, p, _tags(p))
        return {}  # the documented reply carries only the RequestId: no ImageId

    def describe_import_image_os(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return supported_os()

    def modify_image_attribute(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("ImageId"):
            raise fail("MissingParameter", "The request is missing a required parameter `ImageId`.")
        name, description = p.get("ImageName"), p.get("ImageDescription")
        self.model.modify(region, str(p["ImageId"]), None if name is None else str(name),
                          None if description is None else str(description))
        return {}

    def sync_images(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        for key in ("ImageIds", "DestinationRegions"):
            _strings(p, key)
        made = self.sync.sync_images(region, p)
        return {"ImageSet": made} if as_bool(p.get("ImageSetRequired")) else {"ImageSet": None}

    def delete_images(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self.model.delete_images(region, _strings(p, "ImageIds"), as_bool(p.get("DeleteBindedSnap")),
                                 as_bool(p.get("DryRun")))
        return {}


    def get_caller_identity(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        uin = ACCOUNT_UIN
        return {"Arn": f"qcs::cam::uin/{uin}:uin/{uin}", "AccountId": uin, "UserId": uin, "PrincipalId": uin,
                "Type": "RootAccount"}

    def tag_resources(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        tags = [{"Key": str(t.get("TagKey", "")), "Value": str(t.get("TagValue", ""))} for t in p.get("Tags") or []]
        if not tags:
            raise fail("MissingParameter", "The request is missing a required parameter `Tags`.")
        return {"FailedResources": self.model.retag(_strings(p, "ResourceList"), tags, [])}

    def untag_resources(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        keys = _strings(p, "TagKeys")
        if not keys:
            raise fail("MissingParameter", "The request is missing a required parameter `TagKeys`.")
        return {"FailedResources": self.model.retag(_strings(p, "ResourceList"), [], keys)}


# parameter helpers -----------------------------------------------------------------
def _strings(p: dict[str, Any], key: str) -> list[str]:
    value = p.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail("InvalidParameter", f"The parameter `{key}` must be an array of strings.")
    return value


def _tags(p: dict[str, Any]) -> list[dict[str, str]]:
    tags: list[dict[str, str]] = []
    for spec in p.get("TagSpecification") or []:
        if not isinstance(spec, dict) or spec.get("ResourceType") != "image":
            raise fail("InvalidParameterValue", "TagSpecification.ResourceType must be `image` for an image.")
        for tag in spec.get("Tags") or []:
            tags.append({"Key": str(tag.get("Key", "")), "Value": str(tag.get("Value", ""))})
    return tags


def _filters(p: dict[str, Any]) -> list[tuple[str, list[str]]]:
    raw = p.get("Filters") or []
    if not isinstance(raw, list) or len(raw) > MAX_FILTERS:
        raise fail("InvalidFilterValue.LimitExceeded", f"At most {MAX_FILTERS} Filters are allowed.")
    out = []
    for item in raw:
        name, values = item.get("Name"), item.get("Values") or []
        if not isinstance(name, str) or not isinstance(values, list):
            raise fail("InvalidFilter", "Each filter needs a Name and a list of Values.")
        if len(values) > MAX_FILTER_VALUES:
            raise fail("InvalidFilterValue.LimitExceeded", f"At most {MAX_FILTER_VALUES} values per filter are allowed.")
        out.append((name, [str(v) for v in values]))
    return out


def _apply(items: list[dict[str, Any]], filters: list[tuple[str, list[str]]],
           fields: dict[str, Callable[[dict[str, Any]], list[str]]], fuzzy: frozenset[str] | set[str] = frozenset()) -> list[dict[str, Any]]:
    """Values of one filter are ORed; filters are ANDed; `tag:<key>` matches a tag's value."""
    for name, values in filters:
        if name.startswith("tag:") and "tag-key" in fields:
            key = name[4:]
            items = [i for i in items if any(t["Key"] == key and t["Value"] in values for t in i["Tags"])]
            continue
        getter = fields.get(name)
        if getter is None:
            raise fail("InvalidFilter", f"The filter `{name}` is not supported.")
        if name in fuzzy:
            items = [i for i in items if any(v.lower() in have.lower() for v in values for have in getter(i))]
        else:
            items = [i for i in items if any(have in values for have in getter(i))]
    return items


def _page(items: list[Any], p: dict[str, Any]) -> list[Any]:
    offset, limit = p.get("Offset", 0), p.get("Limit", DEFAULT_LIMIT)
    if not isinstance(offset, int) or offset < 0:
        raise fail("InvalidParameterValue", "Offset must be a non-negative integer.")
    if not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise fail("InvalidParameterValue", f"Limit must be an integer from 0 to {MAX_LIMIT}.")
    return items[offset: offset + limit]
