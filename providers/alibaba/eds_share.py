"""Sharing EDS images with other Alibaba Cloud accounts: ecd ModifyImagePermission and DescribeImagePermission."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.model import Target
from . import eds_client


class EdsSharer:
    """ImageSharer for EDS: grants and revokes by account id, in the image's own region (EDS shares within it)."""

    target: Target

    def _share_call(self, operation: str, fn: Any, region: str) -> Any:
        return eds_client.call(self.target, region, operation, lambda c: fn(c).body)

    def shared_with(self, region: str, image_id: str) -> set[str]:
        """DescribeImagePermission: the account ids (AliUids) the image is shared with (ecd API reference)."""
        from alibabacloud_ecd20200930 import models

        req = models.DescribeImagePermissionRequest(region_id=region, image_id=image_id)
        body = self._share_call("DescribeImagePermission", lambda c: c.describe_image_permission(req), region)
        return {str(uid) for uid in body.ali_uids or []}

    def share(self, region: str, image_id: str, add: Sequence[str], remove: Sequence[str]) -> None:
        """ModifyImagePermission, AddAccount.N / RemoveAccount.N (ecd API reference); the SDK types the ids as
        integers."""
        from alibabacloud_ecd20200930 import models

        req = models.ModifyImagePermissionRequest(region_id=region, image_id=image_id,
                                                  add_account=[int(a) for a in add] or None,
                                                  remove_account=[int(a) for a in remove] or None)
        self._share_call("ModifyImagePermission", lambda c: c.modify_image_permission(req), region)
