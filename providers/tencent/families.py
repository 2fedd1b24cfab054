"""CVM image families: ImageFamily and ImageDeprecated through ModifyImageAttribute, and DescribeImageFromFamily.

https://cloud.tencent.com/document/api/213/15713 (ModifyImageAttribute: ImageFamily, ImageDeprecated) and
https://cloud.tencent.com/document/api/213/111405 (DescribeImageFromFamily: the family's latest available
image that is not deprecated, null when there is none).
"""
from __future__ import annotations

from typing import Any


class CvmFamilies:
    """The family methods of the CVM adapter (it supplies `_call`)."""

    def _call(self, action: str, params: dict[str, Any], region: str | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def join_family(self, region: str, image_id: str, family: str) -> None:
        self._call("ModifyImageAttribute", {"ImageId": image_id, "ImageFamily": family}, region)

    def set_deprecated(self, region: str, image_id: str, deprecated: bool) -> bool:
        self._call("ModifyImageAttribute", {"ImageId": image_id, "ImageDeprecated": deprecated}, region)
        return True

    def family_latest(self, region: str, family: str, member: str = "") -> str:
        reply = self._call("DescribeImageFromFamily", {"ImageFamily": family}, region)
        return str((reply.get("Image") or {}).get("ImageId") or "")
