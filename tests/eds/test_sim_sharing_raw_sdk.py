"""EDS image sharing in the simulator, judged by the real `alibabacloud_ecd20200930` SDK: grants, reads, what the
receiving account lists, and what a shared or encrypted image refuses."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_ecd20200930 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

from imageforge.simulator.alibaba.signing import ACCOUNTS
from imageforge.simulator.core.simulator import Simulator
from tests.sharing_cases import _ecd

from .conftest import ENC, HZ, WIN

OWNER, OTHER = ACCOUNTS


def ready(sim: Simulator, client: Any, desktop: str = WIN, name: str = "golden-share") -> str:
    image_id = str(client.create_image(m.CreateImageRequest(region_id=HZ, desktop_id=desktop, image_name=name,
                                                            auto_clean_userdata=False)).body.image_id)
    sim.advance(3600)
    return image_id


def modify(client: Any, image_id: str, add: list[str] | None = None, remove: list[str] | None = None) -> None:
    client.modify_image_permission(m.ModifyImagePermissionRequest(
        region_id=HZ, image_id=image_id, add_account=[int(a) for a in add or []] or None,
        remove_account=[int(a) for a in remove or []] or None))


def uids(client: Any, image_id: str) -> list[str]:
    body = client.describe_image_permission(m.DescribeImagePermissionRequest(region_id=HZ, image_id=image_id)).body
    return [str(u) for u in body.ali_uids or []]


def received(sim: Simulator) -> set[str]:
    body = _ecd(sim, HZ, OTHER).describe_images(m.DescribeImagesRequest(region_id=HZ, image_type="CUSTOM")).body
    return {i.image_id for i in body.images or []}


def refused(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientException) as caught:
        call()
    return str(caught.value.code)


def test_grant_read_list_and_revoke(sim: Simulator, ecd: Callable[[str], Any]) -> None:
    client = ecd(HZ)
    image_id = ready(sim, client)
    modify(client, image_id, add=[OTHER.uid])
    assert uids(client, image_id) == [OTHER.uid] and received(sim) == {image_id}
    delete = m.DeleteImagesRequest(region_id=HZ, image_id=[image_id])
    assert refused(lambda: client.delete_images(delete)) == "OperationDenied.ImageShared"
    modify(client, image_id, remove=[OTHER.uid])
    assert uids(client, image_id) == [] and received(sim) == set()
    client.delete_images(delete)


def test_what_sharing_refuses(sim: Simulator, ecd: Callable[[str], Any]) -> None:
    client = ecd(HZ)
    image_id = ready(sim, client)
    assert refused(lambda: modify(client, image_id, add=[OWNER.uid])) == "InvalidParameter.AddAccount"
    assert refused(lambda: modify(client, image_id, add=["12345"])) == "InvalidParameter.AddAccount"
    encrypted = ready(sim, client, desktop=ENC, name="golden-encrypted")
    assert refused(lambda: modify(client, encrypted, add=[OTHER.uid])) == "OperationDenied.EncryptedImage"
