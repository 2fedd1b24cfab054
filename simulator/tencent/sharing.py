"""Tencent CVM image sharing: ModifyImageSharePermission (SHARE / CANCEL), DescribeImageSharePermission, and
what sharing changes: the receiver's DescribeImages with image-type SHARED_IMAGE lists the image, and
DeleteImages refuses a shared image (InvalidImageId.InShared) until it is un-shared.

The owner's account keeps, per image, the uins it is shared with; each receiving account keeps a
pointer back to the owner's account (CVM shares within the image's region).
"""
from __future__ import annotations

import re
from typing import Any

from ..core.accounts import KeyRing
from ..core.store import current_account
from . import params as read
from .model import VENDOR, CvmModel, iso
from .records import NORMAL, Image, fail

SHARES = "image-share"  # owner's account: image id -> {"accounts": {uin: shared time}}
RECEIVED = "image-received"  # receiver's account: image id -> {"owner": the owner's account name}
PER_IMAGE = 500  # accounts one custom image is shared with (API reference)
UIN = re.compile(r"[1-9][0-9]{4,14}")


class CvmSharing:
    def __init__(self, model: CvmModel, keys: KeyRing) -> None:
        self.model = model
        self.store = model.store
        self.keys = keys

    def accounts(self, region: str, image_id: str) -> dict[str, str]:
        found = self.store.get(VENDOR, region, SHARES, image_id)
        return dict((found or {}).get("accounts") or {})

    def modify(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        image = self.model.own_image(region, read.text(p, "ImageId"))
        uins, permission = read.strings(p, "AccountIds"), read.text(p, "Permission")
        if not uins:
            raise fail("MissingParameter", "The request is missing a required parameter `AccountIds`.")
        if permission not in ("SHARE", "CANCEL"):
            raise fail("InvalidParameterValue", f"Permission `{permission}` is not SHARE or CANCEL.")
        me = self.keys.uid_of(current_account())
        for uin in uins:
            if not UIN.fullmatch(uin):
                raise fail("InvalidAccountId.NotFound", f"The account `{uin}` does not exist.")
            if uin == me:
                raise fail("InvalidAccountIs.YourSelf", "An image cannot be shared with its own account.")
        shared = self.accounts(region, image.image_id)
        if permission == "CANCEL":
            for uin in uins:
                if shared.pop(uin, None) is None:
                    raise fail("InvalidAccountId.NotFound", f"The image is not shared with `{uin}`.")
                self.store.delete(VENDOR, region, RECEIVED, image.image_id, account=self.keys.account_name(uin))
            return self._save(region, image.image_id, shared)
        self._shareable(image)
        for uin in uins:
            if uin in shared:
                raise fail("FailedOperation.AccountAlreadyExists", f"The image is already shared with `{uin}`.")
        if len(shared) + len(set(uins)) > PER_IMAGE:
            raise fail("OverQuota", f"An image is shared with at most {PER_IMAGE} accounts.")
        for uin in uins:
            shared[uin] = iso(self.model.ctx.now())
            pointer = {"owner": current_account(), "image_id": image.image_id}
            self.store.put(VENDOR, region, RECEIVED, image.image_id, pointer, account=self.keys.account_name(uin))
        return self._save(region, image.image_id, shared)

    def _shareable(self, image: Image) -> None:
        state = self.model.state(image)
        if state != NORMAL:
            raise fail("InvalidImageId.IncorrectState", f"The image `{image.image_id}` is {state}; only a NORMAL "
                                                        "image can be shared.")
        if image.encrypted:
            raise fail("UnsupportedOperation.EncryptedImagesNotSupported", "Encrypted images cannot be shared.")

    def describe(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        image = self.model.own_image(region, read.text(p, "ImageId"))
        return {"SharePermissionSet": [{"AccountId": uin, "CreatedTime": when}
                                       for uin, when in sorted(self.accounts(region, image.image_id).items())]}

    def received(self, region: str) -> list[dict[str, Any]]:
        """The images other accounts share with this one, as DescribeImages shows them (ImageType SHARED_IMAGE)."""
        out = []
        for pointer in self.store.list(VENDOR, region, RECEIVED):
            owner, image_id = str(pointer.get("owner")), str(pointer.get("image_id"))
            record = self.store.get(VENDOR, region, "image", image_id, account=owner)
            if record is not None:
                view = self.model.image_view(Image.from_record(record))
                view.update(ImageType="SHARED_IMAGE", Tags=[])
                out.append(view)
        return out

    def received_image(self, region: str, image_id: str) -> Image | None:
        """An image another account shares with this one (RunInstances launches from it), as its owner keeps it."""
        for pointer in self.store.list(VENDOR, region, RECEIVED):
            if str(pointer.get("image_id")) == image_id:
                record = self.store.get(VENDOR, region, "image", image_id, account=str(pointer.get("owner")))
                return None if record is None else Image.from_record(record)
        return None

    def refuse_delete(self, region: str, image_ids: list[str]) -> None:
        for image_id in image_ids:
            if self.accounts(region, image_id):
                raise fail("InvalidImageId.InShared", f"The image `{image_id}` is shared; cancel its sharing first.")

    def _save(self, region: str, image_id: str, shared: dict[str, str]) -> dict[str, Any]:
        if shared:
            self.store.put(VENDOR, region, SHARES, image_id, {"image_id": image_id, "accounts": shared})
        else:
            self.store.delete(VENDOR, region, SHARES, image_id)
        return {}
