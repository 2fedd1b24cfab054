"""IMS image families, which IMS itself does not have: the family and version tags are how versions are found.

IMS offers no family object and no deprecation. ListImages answers `status` queued, saving, active, killed or
deleted only; `__is_offshelved` says whether a Marketplace image was taken off the shelf (not settable on a
private image); `__lazyloading` is a boot feature; `__os_version` names the OS. (huaweicloudsdkims v2
ImageInfo, https://support.huaweicloud.com/intl/en-us/api-ims/ims_03_0702.html.) So an ImageFamily on IMS
carries the tags image-family and image-version, and a retired version is deleted once its grace is over.
"""
from __future__ import annotations

from ..core.families import FAMILY_TAG
from ..core.model import ImageInfo
from .images import ImsImages


class ImsFamilies(ImsImages):
    """The family listing of the IMS adapter, over the image listing every part of it shares."""

    def family_members(self, region: str, family: str) -> list[ImageInfo]:
        """Private images tagged image-family=`family`: ListImages `tag=<key>.<value>`, every status.

        https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=ListImages
        """
        from .images import info

        found = [info(region, raw) for raw in self._list(region, tag=f"{FAMILY_TAG}.{family}")]
        return [i for i in found if dict(i.tags).get(FAMILY_TAG) == family]
