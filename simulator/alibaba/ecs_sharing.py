"""Alibaba ECS image sharing: ModifyImageSharePermission, DescribeImageSharePermission and what sharing changes.

The owner's account keeps, per image, the accounts it is shared with; each receiving account keeps a
pointer back, so its DescribeImages with ImageOwnerAlias=others lists the image (read from the
owner's account). A shared image refuses DeleteImage (ImageUseShared) whatever Force says.
"""
from __future__ import annotations

import re
from typing import Any

from ..core.accounts import KeyRing
from ..core.context import SimContext
from ..core.store import current_account
from ..core.wire import SimError
from . import rpc
from .ecs_model import AVAILABLE, VENDOR, EcsModel, Image, iso

SHARES = "image-share"  # owner's account: image id -> {"accounts": {uid: shared time}}
RECEIVED = "image-received"  # receiver's account: image id -> {"owner": the owner's account name}
PER_CALL = 10  # AddAccount.N / RemoveAccount.N: ECS takes the first 10 and ignores the rest
PER_IMAGE = 50  # accounts one image is shared with
UID = re.compile(r"[0-9]{16}")


class EcsSharing:
    def __init__(self, ctx: SimContext, model: EcsModel, keys: KeyRing) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.model = model
        self.keys = keys

    def accounts(self, region: str, image_id: str, owner: str | None = None) -> dict[str, str]:
        found = self.store.get(VENDOR, region, SHARES, image_id, account=owner)
        return dict((found or {}).get("accounts") or {})

    # actions ---------------------------------------------------------------------
    def modify(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        """ModifyImageSharePermission: the first 10 AddAccount.N and RemoveAccount.N, against ECS's rules."""
        image = self.model.image(region, p.get("ImageId", ""))
        add, remove = rpc.indexed(p, "AddAccount")[:PER_CALL], rpc.indexed(p, "RemoveAccount")[:PER_CALL]
        me = self.keys.uid_of(current_account())
        for uid in add + remove:
            if not UID.fullmatch(uid):
                raise SimError("InvalidAccount.NotFound", f"The specified account {uid!r} does not exist.", 404)
        if me in add:
            raise SimError("InvalidAccount.Forbbiden", "The image cannot be shared with its own account.", 400)
        if add and image.status(self.ctx.now())[0] != AVAILABLE:
            raise SimError("IncorrectImageStatus", "The image must be Available to be shared.", 403)
        if add and image.encrypted and not image.kms_key:
            raise SimError("OperationDeined.EncryptedSnapshot", "An image encrypted with the service key cannot be "
                                                                "shared; copy it encrypted with a customer key.", 403)
        shared = self.accounts(region, image.image_id)
        for uid in remove:
            if shared.pop(uid, None) is not None:
                self.store.delete(VENDOR, region, RECEIVED, image.image_id, account=self.keys.account_name(uid))
        fresh = [uid for uid in dict.fromkeys(add) if uid not in shared]
        if len(shared) + len(fresh) > PER_IMAGE:
            raise SimError("QuotaExceed.ShareImageUser", f"An image is shared with at most {PER_IMAGE} accounts.", 403)
        for uid in fresh:
            shared[uid] = iso(self.ctx.now())
            pointer = {"owner": current_account(), "image_id": image.image_id}
            self.store.put(VENDOR, region, RECEIVED, image.image_id, pointer, account=self.keys.account_name(uid))
        self._save(region, image.image_id, shared)
        return {}

    def describe(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        """DescribeImageSharePermission: the accounts, paged (PageSize at most 100)."""
        image = self.model.image(region, p.get("ImageId", ""))
        shared = sorted(self.accounts(region, image.image_id).items())
        chunk, number, size = rpc.page(shared, p)
        return {"ImageId": image.image_id, "RegionId": region, "TotalCount": len(shared), "PageNumber": number,
                "PageSize": size, "ShareGroups": {"ShareGroup": []},
                "Accounts": {"Account": [{"AliyunId": uid, "SharedTime": when} for uid, when in chunk]}}

    def received(self, region: str, image_ids: list[str], now: float) -> list[dict[str, Any]]:
        """DescribeImages with ImageOwnerAlias=others: the images other accounts share with this one."""
        out = []
        for pointer in self.store.list(VENDOR, region, RECEIVED):
            owner = str(pointer.get("owner", ""))
            image_id = str(pointer.get("image_id", ""))
            if image_ids and image_id not in image_ids:
                continue
            record = self.store.get(VENDOR, region, "image", image_id, account=owner)
            if record is None:
                continue
            view = Image.from_record(record).view(now)
            view.update(ImageOwnerAlias="others", ImageOwnerId=self.keys.uid_of(owner), Tags={"Tag": []})
            out.append(view)
        return out

    def refuse_delete(self, region: str, image_id: str) -> None:
        """DeleteImage of a shared image: refused until it is un-shared (Force overrides only instances)."""
        if self.accounts(region, image_id):
            raise SimError("ImageUseShared", "The specified image has been shared to others. You can use the "
                                             "DescribeImageSharePermission API to query the users who have been "
                                             "shared.", 403)

    def _save(self, region: str, image_id: str, shared: dict[str, str]) -> None:
        if shared:
            self.store.put(VENDOR, region, SHARES, image_id, {"image_id": image_id, "accounts": shared})
        else:
            self.store.delete(VENDOR, region, SHARES, image_id)
