"""Single Tencent Cloud calls every CVM adapter part shares: describe, search, tag, update and delete images in a region."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import NotFound, OperationFailed
from ..core.model import TAG_KEY, ImageInfo, Target
from . import client, mapping

PAGE = 100  # DescribeImages: Limit at most 100, ImageIds at most 100
TAG_VERSION = "2018-08-13"  # the Tag and STS APIs
PRIVATE = {"Name": "image-type", "Values": ["PRIVATE_IMAGE"]}


class CvmBase:
    """One region of Tencent Cloud CVM; every helper names the region it calls, so copies reach theirs."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.region = target.region
        self._uin = ""
        self._owned: dict[str, bool] = {}  # image id -> it carries the owns-snapshots tag (from the last describe)

    def _call(self, action: str, params: dict[str, Any], region: str | None = None) -> dict[str, Any]:
        return client.call(self.target, region or self.region, action, params)

    def _common(self, region: str, service: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        return client.call_common(self.target, region, service, TAG_VERSION, action, params)

    # reads -----------------------------------------------------------------------
    def _raw(self, region: str, image_ids: Sequence[str]) -> list[dict[str, Any]]:
        """https://cloud.tencent.com/document/api/213/15715 (DescribeImages by id, up to 100 per call)."""
        out: list[dict[str, Any]] = []
        ids = list(dict.fromkeys(i for i in image_ids if i))
        for start in range(0, len(ids), PAGE):
            reply = self._call("DescribeImages", {"ImageIds": ids[start:start + PAGE], "Limit": PAGE}, region)
            out += reply.get("ImageSet") or []
        for raw in out:
            self._owned[str(raw.get("ImageId"))] = mapping.owns_snapshots(raw)
        return out

    def _describe(self, region: str, image_ids: Sequence[str], as_copy: bool) -> dict[str, ImageInfo]:
        return {str(raw["ImageId"]): mapping.image_info(raw, region, as_copy) for raw in self._raw(region, image_ids)}

    def _search(self, region: str, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Private images matching every filter, all pages (DescribeImages takes ImageIds or Filters, not both)."""
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            reply = self._call("DescribeImages", {"Filters": [PRIVATE, *filters], "Offset": offset, "Limit": PAGE}, region)
            batch = reply.get("ImageSet") or []
            out += batch
            offset += len(batch)
            if not batch or offset >= int(reply.get("TotalCount") or 0):
                return out

    def _tagged(self, region: str, key: str) -> list[dict[str, Any]]:
        """Private images carrying imageforge-key=`key`, in every state."""
        found = self._search(region, [{"Name": f"tag:{TAG_KEY}", "Values": [key]}])
        return [raw for raw in found if mapping.tags_of(raw).get(TAG_KEY) == key]

    def _named(self, region: str, name: str) -> list[dict[str, Any]]:
        """Private images called exactly `name` (the filter also matches parts of names; names are unique per region)."""
        return [raw for raw in self._search(region, [{"Name": "image-name", "Values": [name]}])
                if raw.get("ImageName") == name]

    # writes ----------------------------------------------------------------------
    def _update(self, region: str, image_id: str, name: str | None, description: str | None,
                tags: Mapping[str, str] | None) -> None:
        """https://www.tencentcloud.com/document/api/213/33269 (ModifyImageAttribute), then the Tag API for tags.

        `tags` is the user's full set: keys imageforge manages (imageforge-*) are kept, other keys not listed go.
        """
        if name is not None or description is not None:
            params: dict[str, Any] = {"ImageId": image_id}
            if name is not None:
                params["ImageName"] = name
            if description is not None:
                params["ImageDescription"] = description
            self._call("ModifyImageAttribute", params, region)
        if tags is None:
            return
        found = self._raw(region, [image_id])
        if not found:
            raise NotFound(f"image {image_id} does not exist in {region}", vendor=mapping.VENDOR,
                           operation="TagResources", resource_id=image_id)
        have = mapping.tags_of(found[0])
        add = {k: v for k, v in tags.items() if have.get(k) != v}
        drop = [k for k in have if k not in tags and not k.startswith("imageforge-")]
        self._retag(region, image_id, add, drop)

    def _retag(self, region: str, image_id: str, add: Mapping[str, str], drop: Sequence[str]) -> None:
        """https://www.tencentcloud.com/document/api/651/46533 (TagResources; UnTagResources is its inverse)."""
        resource = [f"qcs::cvm:{region}:uin/{self._account(region)}:image/{image_id}"]
        calls: list[tuple[str, dict[str, Any]]] = []
        if add:
            calls.append(("TagResources", {"ResourceList": resource,
                                           "Tags": [{"TagKey": k, "TagValue": v} for k, v in sorted(add.items())]}))
        if drop:
            calls.append(("UnTagResources", {"ResourceList": resource, "TagKeys": sorted(drop)}))
        for action, params in calls:
            reply = self._common(region, "tag", action, params)
            failed = reply.get("FailedResources") or []
            if failed:
                raise OperationFailed(f"{action} refused {image_id}: {failed[0].get('Message', '')}",
                                      vendor=mapping.VENDOR, operation=action, code=str(failed[0].get("Code", "")),
                                      request_id=str(reply.get("RequestId") or ""), resource_id=image_id)

    def _account(self, region: str) -> str:
        """https://cloud.tencent.com/document/api/1312/66098 (GetCallerIdentity): the uin in resource names."""
        if not self._uin:
            self._uin = str(self._common(region, "sts", "GetCallerIdentity", {})["AccountId"])
        return self._uin

    def _delete(self, region: str, image_id: str, owned: bool | None) -> None:
        """https://cloud.tencent.com/document/api/213/15716 (DeleteImages); NotFound when already gone.

        `owned` None: read from the image's owns-snapshots tag (the last describe, else one now).
        """
        if owned is None:
            owned = self._owned.get(image_id)
        if owned is None:
            found = self._raw(region, [image_id])
            if not found:
                raise NotFound(f"image {image_id} does not exist in {region}", vendor=mapping.VENDOR,
                               operation="DeleteImages", code="InvalidImageId.NotFound", resource_id=image_id)
            owned = mapping.owns_snapshots(found[0])
        self._call("DeleteImages", {"ImageIds": [image_id], "DeleteBindedSnap": owned}, region)
        self._owned.pop(image_id, None)
