"""CVM image families: ImageFamily and ImageDeprecated through ModifyImageAttribute, and DescribeImageFromFamily.

https://cloud.tencent.com/document/api/213/15713 (ModifyImageAttribute: ImageFamily, ImageDeprecated) and
https://cloud.tencent.com/document/api/213/111405 (DescribeImageFromFamily: the family's latest available
image that is not deprecated, null when there is none).
"""
from __future__ import annotations

from typing import Any

from ..core.families import FAMILY_TAG
from ..core.model import ImageInfo


class CvmFamilies:
    """The family methods of the CVM adapter (it supplies `_call`)."""

    def _call(self, action: str, params: dict[str, Any], region: str | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def _search(self, region: str, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def family_members(self, region: str, family: str) -> list[ImageInfo]:
        """Private images tagged image-family=`family`, every state: DescribeImages with the `tag:<key>` filter
        (https://cloud.tencent.com/document/api/213/15715), the tag rather than ImageFamily, which a capture
        that died before ModifyImageAttribute does not have yet."""
        from . import mapping

        found = self._search(region, [{"Name": f"tag:{FAMILY_TAG}", "Values": [family]}])
        return [mapping.image_info(raw, region) for raw in found if mapping.tags_of(raw).get(FAMILY_TAG) == family]

    def join_family(self, region: str, image_id: str, family: str) -> None:
        self._call("ModifyImageAttribute", {"ImageId": image_id, "ImageFamily": family}, region)

    def set_deprecated(self, region: str, image_id: str, deprecated: bool) -> bool:
        self._call("ModifyImageAttribute", {"ImageId": image_id, "ImageDeprecated": deprecated}, region)
        return True

    def family_latest(self, region: str, family: str, member: str = "") -> str:
        reply = self._call("DescribeImageFromFamily", {"ImageFamily": family}, region)
        return str((reply.get("Image") or {}).get("ImageId") or "")
