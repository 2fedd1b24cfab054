"""ECS image families: ImageFamily and Status through ModifyImageAttribute, and DescribeImageFromFamily.

https://www.alibabacloud.com/help/en/ecs/api-modifyimageattribute: a family name is 2 to 128 characters,
starts with a letter, never with `aliyun` or `acs:`, holds no http:// or https://, and contains letters,
digits, '.', ':', '_' and '-'. Status=Deprecated keeps the image usable by id but takes it out of the
family (DescribeImageFromFamily answers the newest Available one); Status=Available restores it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.families import FAMILY_TAG
from ..core.model import ImageInfo
from ..core.validation import Failure, NameRule, is_unknown

FAMILY_NAME = NameRule("an ECS image family", 2, 128, r"A-Za-z0-9._:\-\u4e00-\u9fff",
                       "letters, digits, '.', '_', '-' and ':'", first=r"A-Za-z\u4e00-\u9fff", first_text="a letter")


@dataclass(frozen=True)
class FamilyRule:
    """The ECS family name rule, with the prefixes ECS reserves."""

    def check(self, field: str, value: object) -> Failure | None:
        if isinstance(value, str) and not is_unknown(value) and value.lower().startswith(("aliyun", "acs:")):
            return Failure(field, f"an ECS image family must not start with 'aliyun' or 'acs:' (got {value!r}). "
                                  "Fix: choose another name, such as 'golden-web'.")
        return FAMILY_NAME.check(field, value)


FAMILY_RULE = FamilyRule()


class EcsFamilies:
    """The family methods of the ECS adapter (it supplies `_call`)."""

    def _call(self, request: Any, operation: str, region: str | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def _describe(self, region: str, image_ids: Any, tags: Any = None) -> dict[str, ImageInfo]:
        raise NotImplementedError

    def family_members(self, region: str, family: str) -> list[ImageInfo]:
        """DescribeImages filtered by Tag image-family=`family`, every status (the tag, not ImageFamily: a version
        whose capture died before ModifyImageAttribute is in no ECS family yet).

        https://www.alibabacloud.com/help/en/ecs/api-describeimages (Tag.N.Key / Tag.N.Value, Status)
        """
        return list(self._describe(region, [], {FAMILY_TAG: family}).values())

    def join_family(self, region: str, image_id: str, family: str) -> None:
        from .ecs import _req, _set

        req = _req("ModifyImageAttribute")
        _set(req, ImageId=image_id, ImageFamily=family)
        self._call(req, "ModifyImageAttribute", region)

    def set_deprecated(self, region: str, image_id: str, deprecated: bool) -> bool:
        from .ecs import _req, _set

        req = _req("ModifyImageAttribute")
        _set(req, ImageId=image_id, Status="Deprecated" if deprecated else "Available")
        self._call(req, "ModifyImageAttribute", region)
        return True

    def family_latest(self, region: str, family: str, member: str = "") -> str:
        """https://www.alibabacloud.com/help/en/ecs/api-describeimagefromfamily"""
        from .ecs import _req, _set

        req = _req("DescribeImageFromFamily")
        _set(req, ImageFamily=family)
        reply = self._call(req, "DescribeImageFromFamily", region)
        return str((reply.get("Image") or {}).get("ImageId") or "")
