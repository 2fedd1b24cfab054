"""ECS image families and deprecation: ImageFamily and Status on ModifyImageAttribute, DescribeImageFromFamily,
the ImageFamily filter and the Deprecated status of DescribeImages, and what a deprecated image refuses.

A deprecated image is still usable by id (instances, system disks) but is never a family's latest; it cannot
be copied or shared. Deprecation is kept per image beside the image record (kind `image-status`).
"""
from __future__ import annotations

import re
from typing import Any

from ..core.wire import SimError
from .ecs_model import AVAILABLE, VENDOR, EcsModel, Image

DEPRECATED = "Deprecated"
KIND = "image-status"
FAMILY = re.compile(r"^[A-Za-z\u4e00-\u9fff][A-Za-z0-9._:\-\u4e00-\u9fff]{1,127}$")


def check_family(family: str) -> None:
    if not FAMILY.match(family) or family.lower().startswith(("aliyun", "acs:")) or "http://" in family \
            or "https://" in family:
        raise SimError("InvalidImageFamily.Malformed", 'The specified parameter "ImageFamily" is malformed.', 400)


class EcsFamilies:
    """Families and deprecation over the ECS model's images."""

    def __init__(self, model: EcsModel) -> None:
        self.model = model
        self.store = model.store

    def deprecated(self, region: str, image_id: str) -> bool:
        return self.store.get(VENDOR, region, KIND, image_id) is not None

    def status(self, image: Image, now: float) -> str:
        status = image.status(now)[0]
        return DEPRECATED if status == AVAILABLE and self.deprecated(image.region, image.image_id) else status

    def modify(self, region: str, image_id: str, family: str | None, status: str | None) -> None:
        """ImageFamily and Status of ModifyImageAttribute (the model handles the name and description)."""
        if family is None and status is None:
            return
        image = self.model.image(region, image_id)
        if status is not None and status not in (DEPRECATED, AVAILABLE):
            raise SimError("InvalidStatus.ValueNotSupported", "The specified Status is not supported.", 400)
        if family is not None:
            check_family(family)
        current = self.status(image, self.model.ctx.now())
        if status is not None and current not in (AVAILABLE, DEPRECATED):
            raise SimError("IncorrectImageStatus", f"The image is {current} and its status cannot be changed.", 403)
        if family is not None:
            image.family = family
            self.model._put(image)
        if status == DEPRECATED:
            self.store.put(VENDOR, region, KIND, image_id, {"status": DEPRECATED})
        elif status == AVAILABLE:
            self.store.delete(VENDOR, region, KIND, image_id)

    def view(self, image: Image, now: float) -> dict[str, Any]:
        out = image.view(now)
        out["Status"] = self.status(image, now)
        return out

    def images(self, region: str, p: dict[str, str], now: float) -> list[Image]:
        """DescribeImages with the Deprecated status and the ImageFamily filter."""
        wanted = [s for s in (p.get("Status") or AVAILABLE).split(",") if s]
        asked = sorted(set(wanted) | ({AVAILABLE} if DEPRECATED in wanted else set()))
        found = self.model.images(
            region, image_ids=[i for i in (p.get("ImageId") or "").split(",") if i], statuses=asked,
            name=p.get("ImageName", ""), tags=_tags(p), now=now)
        family = p.get("ImageFamily", "")
        return [i for i in found if self.status(i, now) in wanted and (not family or i.family == family)]

    def from_family(self, region: str, family: str, now: float) -> dict[str, Any]:
        """The newest Available (not deprecated) image of the family; an empty Image when there is none."""
        self.model.check_region(region)
        if not family:
            raise SimError("MissingImageFamily", "ImageFamily is mandatory for this action.", 400)
        members = [i for i in (Image.from_record(r) for r in self.store.list(VENDOR, region, "image"))
                   if i.family == family and self.status(i, now) == AVAILABLE]
        members.sort(key=lambda i: (i.lifecycle.started_at, i.created, i.image_id))
        return {"Image": self.view(members[-1], now) if members else {}}

    def refuse_copy(self, region: str, image_id: str) -> None:
        if self.deprecated(region, image_id):
            raise SimError("IncorrectImageStatus", "A deprecated image cannot be copied.", 403)


def _tags(p: dict[str, str]) -> dict[str, str]:
    from . import rpc

    return rpc.tags(p)
