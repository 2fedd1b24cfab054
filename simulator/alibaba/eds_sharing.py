"""Alibaba EDS (ecd) image sharing: ModifyImagePermission, DescribeImagePermission and what sharing changes.

The ecd reference states the rules (custom images only, not encrypted, not an image received from
another account, within the region, unshare before deleting) but not each refusal's code: where it
names none, the simulator answers with the nearest documented family (OperationDenied.*). The receiving
account's DescribeImages lists a shared image among its custom images (the API has no "shared with me"
filter).
"""
from __future__ import annotations

import re
from typing import Any

from ..core.accounts import KeyRing
from ..core.context import SimContext
from ..core.store import current_account
from ..core.wire import SimError
from . import acs3
from .eds_model import VENDOR, EdsModel, Image

SHARES = "image-share"  # owner's account: image id -> {"accounts": [uid, ...]}
RECEIVED = "image-received"  # receiver's account: image id -> {"owner": the owner's account name}
PER_CALL = 10  # AddAccount.N / RemoveAccount.N
PER_IMAGE = 50
UID = re.compile(r"[0-9]{16}")


class EdsSharing:
    def __init__(self, ctx: SimContext, model: EdsModel, keys: KeyRing) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.model = model
        self.keys = keys

    def accounts(self, region: str, image_id: str) -> list[str]:
        found = self.store.get(VENDOR, region, SHARES, image_id)
        return list((found or {}).get("accounts") or [])

    def modify(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        image = self.model.image(region, p.get("ImageId", ""))
        add, remove = acs3.id_list(p, "AddAccount")[:PER_CALL], acs3.id_list(p, "RemoveAccount")[:PER_CALL]
        for uid in add + remove:
            if not UID.fullmatch(uid):
                raise SimError("InvalidParameter.AddAccount", f"The account id {uid!r} is not valid.", 400)
        if self.keys.uid_of(current_account()) in add:
            raise SimError("InvalidParameter.AddAccount", "An image cannot be shared with its own account.", 400)
        if add:
            self._shareable(image)
        shared = [uid for uid in self.accounts(region, image.image_id) if uid not in remove]
        for uid in remove:
            self.store.delete(VENDOR, region, RECEIVED, image.image_id, account=self.keys.account_name(uid))
        fresh = [uid for uid in dict.fromkeys(add) if uid not in shared]
        if len(shared) + len(fresh) > PER_IMAGE:
            raise SimError("QuotaExceeded.SharedImage", f"An image is shared at most {PER_IMAGE} times.", 400)
        for uid in fresh:
            pointer = {"owner": current_account(), "image_id": image.image_id}
            self.store.put(VENDOR, region, RECEIVED, image.image_id, pointer, account=self.keys.account_name(uid))
        shared += fresh
        if shared:
            self.store.put(VENDOR, region, SHARES, image.image_id, {"image_id": image.image_id, "accounts": shared})
        else:
            self.store.delete(VENDOR, region, SHARES, image.image_id)
        return {}

    def _shareable(self, image: Image) -> None:
        if image.image_type == "SYSTEM":
            raise SimError("InvalidImageType", "Only custom images can be shared.", 400)
        if self.model.status(image) != "Available":
            raise SimError("IncorrectImageStatus", f"The image {image.image_id} must be Available to be shared.", 400)
        if image.encrypted:
            raise SimError("OperationDenied.EncryptedImage", "Encrypted images cannot be shared.", 400)

    def describe(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        image = self.model.image(region, p.get("ImageId", ""))
        return {"AliUids": self.accounts(region, image.image_id)}

    def received(self, region: str) -> list[dict[str, Any]]:
        """The images other accounts share with this one, as DescribeImages shows them."""
        out = []
        for pointer in self.store.list(VENDOR, region, RECEIVED):
            owner, image_id = str(pointer.get("owner")), str(pointer.get("image_id"))
            record = self.store.get(VENDOR, region, "image", image_id, account=owner)
            if record is not None:
                out.append(self.model.view(Image.of(record)))
        return out

    def refuse_delete(self, region: str, image_ids: list[str]) -> None:
        for image_id in image_ids:
            if self.accounts(region, image_id):
                raise SimError("OperationDenied.ImageShared", f"The image {image_id} is shared with other accounts; "
                                                              "unshare it (ModifyImagePermission) first.", 400)
