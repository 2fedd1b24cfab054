"""CVM image families and deprecation: ModifyImageAttribute's ImageFamily and ImageDeprecated, and
DescribeImageFromFamily (the family's latest NORMAL image that is not deprecated; Image is null when none).
A deprecated image keeps its state (NORMAL) and shows ImageDeprecated=true in DescribeImages.
"""
from __future__ import annotations

import re
from typing import Any

from . import params as read
from .model import VENDOR, CvmModel
from .records import Image, fail

FAMILY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
NORMAL = "NORMAL"


class CvmFamilies:
    def __init__(self, model: CvmModel) -> None:
        self.model = model

    def check(self, p: dict[str, Any]) -> None:
        """What ModifyImageAttribute refuses before changing anything."""
        family = read.optional_text(p, "ImageFamily")
        if family is not None and family != "" and not FAMILY.match(family):
            raise fail("InvalidParameterValue.InvalidImageFamily", f"The image family `{family}` is invalid.")
        value = p.get("ImageDeprecated")
        if value is not None and not isinstance(value, bool):
            raise fail("InvalidParameterValue", "`ImageDeprecated` must be a boolean.")

    def modify(self, region: str, image_id: str, p: dict[str, Any]) -> None:
        family, deprecated = read.optional_text(p, "ImageFamily"), p.get("ImageDeprecated")
        if family is None and deprecated is None:
            return
        image = self.model.own_image(region, image_id)
        if family is not None:
            image.family = family
        if isinstance(deprecated, bool):
            image.deprecated = deprecated
        self.model.put_image(region, image)

    def from_family(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        family = read.text(p, "ImageFamily")
        members = [i for i in map(Image.from_record, self.model.store.list(VENDOR, region, "image"))
                   if i.own and family and i.family == family and not i.deprecated and self.model.state(i) == NORMAL]
        members.sort(key=lambda i: (i.lifecycle.started_at, i.created, i.image_id))
        return {"Image": self.model.image_view(members[-1]) if members else None}
