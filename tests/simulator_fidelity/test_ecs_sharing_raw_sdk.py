"""ECS image sharing in the simulator, judged by the real aliyun-python-sdk-ecs: grants, reads, limits, codes,
what the receiving account sees and what a shared image refuses."""
from __future__ import annotations

import json
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526 import (
    CopyImageRequest, CreateImageRequest, DeleteImageRequest, DescribeImageSharePermissionRequest,
    DescribeImagesRequest, ModifyImageSharePermissionRequest,
)

from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.signing import ACCOUNTS

OWNER, OTHER = ACCOUNTS


@pytest.fixture
def call(sim: Simulator) -> Any:
    host = sim.endpoints["http"].split("://", 1)[1]

    def send(request: Any, region: str = "cn-hangzhou", account: Any = OWNER) -> dict[str, Any]:
        request.set_endpoint(host)
        request.set_protocol_type("http")
        client = AcsClient(account.key_id, account.secret, region, auto_retry=False)
        return json.loads(client.do_action_with_exception(request))

    return send


def image(call: Any, sim: Simulator, name: str = "golden-share") -> str:
    request = CreateImageRequest.CreateImageRequest()
    request.set_SnapshotId("s-bp1imageforgesys01")
    request.set_ImageName(name)
    image_id = str(call(request)["ImageId"])
    sim.advance(700)
    return image_id


def modify(call: Any, image_id: str, add: list[str] = [], remove: list[str] = []) -> None:  # noqa: B006
    request = ModifyImageSharePermissionRequest.ModifyImageSharePermissionRequest()
    request.set_ImageId(image_id)
    if add:
        request.set_AddAccounts(add)
    if remove:
        request.set_RemoveAccounts(remove)
    call(request)


def shared(call: Any, image_id: str) -> list[str]:
    request = DescribeImageSharePermissionRequest.DescribeImageSharePermissionRequest()
    request.set_ImageId(image_id)
    request.set_PageSize(100)
    reply = call(request)
    assert reply["ImageId"] == image_id and reply["TotalCount"] == len(reply["Accounts"]["Account"])
    return [a["AliyunId"] for a in reply["Accounts"]["Account"]]


def others(call: Any, account: Any = OTHER) -> list[dict[str, Any]]:
    request = DescribeImagesRequest.DescribeImagesRequest()
    request.set_ImageOwnerAlias("others")
    return list(call(request, account=account)["Images"]["Image"])


def code_of(call: Any, request: Any) -> tuple[str, int]:
    with pytest.raises(ServerException) as caught:
        call(request)
    assert caught.value.get_request_id()
    return caught.value.get_error_code(), caught.value.get_http_status()


def test_a_shared_image_is_listed_for_the_receiver_and_unlisted_when_unshared(call: Any, sim: Simulator) -> None:
    image_id = image(call, sim)
    assert shared(call, image_id) == [] and others(call) == []
    modify(call, image_id, add=[OTHER.uid])
    assert shared(call, image_id) == [OTHER.uid]
    seen = others(call)
    assert [(i["ImageId"], i["ImageOwnerAlias"], i["ImageOwnerId"]) for i in seen] == [(image_id, "others", OWNER.uid)]
    assert others(call, OWNER) == []  # the owner's own images are not "others"
    modify(call, image_id, add=[OTHER.uid])  # granted twice: still one grant
    assert shared(call, image_id) == [OTHER.uid]
    modify(call, image_id, remove=[OTHER.uid])
    assert shared(call, image_id) == [] and others(call) == []


def test_a_shared_image_refuses_deletion_even_with_force(call: Any, sim: Simulator) -> None:
    image_id = image(call, sim)
    modify(call, image_id, add=[OTHER.uid])
    delete = DeleteImageRequest.DeleteImageRequest()
    delete.set_ImageId(image_id)
    delete.set_Force(True)
    assert code_of(call, delete) == ("ImageUseShared", 403)
    modify(call, image_id, remove=[OTHER.uid])
    call(delete)
    assert others(call) == []


def test_sharing_refuses_what_ecs_refuses(call: Any, sim: Simulator) -> None:
    image_id = image(call, sim)
    request = ModifyImageSharePermissionRequest.ModifyImageSharePermissionRequest()
    request.set_ImageId(image_id)
    request.set_AddAccounts([OWNER.uid])
    assert code_of(call, request) == ("InvalidAccount.Forbbiden", 400)
    request.set_AddAccounts(["not-an-account"])
    assert code_of(call, request) == ("InvalidAccount.NotFound", 404)
    request.set_ImageId("m-doesnotexist0000000")
    request.set_AddAccounts([OTHER.uid])
    assert code_of(call, request) == ("InvalidImageId.NotFound", 404)


def test_ten_accounts_a_call_and_fifty_an_image(call: Any, sim: Simulator) -> None:
    image_id = image(call, sim)
    uids = [f"{2000000000000000 + n}" for n in range(60)]
    modify(call, image_id, add=uids[:12])  # ECS takes the first ten and ignores the rest
    assert sorted(shared(call, image_id)) == uids[:10]
    for start in range(10, 50, 10):
        modify(call, image_id, add=uids[start:start + 10])
    assert len(shared(call, image_id)) == 50
    request = ModifyImageSharePermissionRequest.ModifyImageSharePermissionRequest()
    request.set_ImageId(image_id)
    request.set_AddAccounts([uids[50]])
    assert code_of(call, request) == ("QuotaExceed.ShareImageUser", 403)


def test_an_image_encrypted_with_the_service_key_is_not_shared(call: Any, sim: Simulator) -> None:
    source = image(call, sim)
    copy = CopyImageRequest.CopyImageRequest()
    copy.set_ImageId(source)
    copy.set_DestinationRegionId("cn-shanghai")
    copy.set_Encrypted(True)
    copy_id = str(call(copy)["ImageId"])
    sim.advance(2000)
    request = ModifyImageSharePermissionRequest.ModifyImageSharePermissionRequest()
    request.set_ImageId(copy_id)
    request.set_AddAccounts([OTHER.uid])
    assert code_of(call, request) == ("InvalidImageId.NotFound", 404)  # asked in the source's region
    with pytest.raises(ServerException) as caught:
        call(request, region="cn-shanghai")
    assert caught.value.get_error_code() == "OperationDeined.EncryptedSnapshot"
