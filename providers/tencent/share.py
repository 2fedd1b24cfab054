"""Sharing CVM images with other accounts: ModifyImageSharePermission (SHARE / CANCEL) and its read."""
from __future__ import annotations

from collections.abc import Sequence

from ..core.errors import Conflict, InvalidArgument
from .base import CvmBase


class CvmSharer(CvmBase):
    """ImageSharer for CVM: grants and revokes by uin, in the image's own region (CVM shares within a region)."""

    def shared_with(self, region: str, image_id: str) -> set[str]:
        """https://www.tencentcloud.com/document/api/213/33273 (DescribeImageSharePermission)."""
        reply = self._call("DescribeImageSharePermission", {"ImageId": image_id}, region)
        return {str(p.get("AccountId")) for p in reply.get("SharePermissionSet") or [] if p.get("AccountId")}

    def share(self, region: str, image_id: str, add: Sequence[str], remove: Sequence[str]) -> None:
        """https://www.tencentcloud.com/document/api/213/33268 (ModifyImageSharePermission): one call per direction.

        An account already granted (FailedOperation.AccountAlreadyExists, a retried call whose reply was
        lost) is where it should be; a revoke of one not granted (InvalidAccountId.NotFound) likewise.
        """
        for permission, ids in (("CANCEL", remove), ("SHARE", add)):
            if not ids:
                continue
            try:
                self._call("ModifyImageSharePermission", {"ImageId": image_id, "AccountIds": list(ids),
                                                          "Permission": permission}, region)
            except Conflict as err:
                if err.code != "FailedOperation.AccountAlreadyExists":
                    raise
            except InvalidArgument as err:
                if not (permission == "CANCEL" and err.code == "InvalidAccountId.NotFound"):
                    raise
