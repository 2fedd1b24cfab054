"""CVM image sharing in the simulator, judged by the real tencentcloud SDK: grants, reads, codes, what the
receiving account sees (image-type SHARED_IMAGE) and what a shared image refuses (DeleteImages)."""
from __future__ import annotations

from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import models

from imageforge.simulator.tencent.signing import ACCOUNTS
from tests.sharing_cases import _cvm

from .helpers import request
from .test_sim_raw_sdk import ready_image

OWNER, OTHER = ACCOUNTS
SHARED = [{"Name": "image-type", "Values": ["SHARED_IMAGE"]}]


def modify(client: Any, image_id: str, uins: list[str], permission: str) -> None:
    client.ModifyImageSharePermission(request(models.ModifyImageSharePermissionRequest, ImageId=image_id,
                                              AccountIds=uins, Permission=permission))


def shared(client: Any, image_id: str) -> list[str]:
    reply = client.DescribeImageSharePermission(request(models.DescribeImageSharePermissionRequest, ImageId=image_id))
    return [p.AccountId for p in reply.SharePermissionSet]


def received(tc_sim: Any) -> list[Any]:
    reply = _cvm(tc_sim, "ap-guangzhou", OTHER).DescribeImages(request(models.DescribeImagesRequest, Filters=SHARED))
    return list(reply.ImageSet or [])


def code_of(call: Any) -> str:
    with pytest.raises(TencentCloudSDKException) as caught:
        call()
    assert caught.value.get_request_id()
    return str(caught.value.get_code())


def test_share_is_seen_by_the_receiver_and_cancel_takes_it_back(tc_sim: Any, cvm: Any) -> None:
    client = cvm("ap-guangzhou")
    image_id = ready_image(tc_sim, client)
    modify(client, image_id, [OTHER.uid], "SHARE")
    assert shared(client, image_id) == [OTHER.uid]
    assert [(i.ImageId, i.ImageType) for i in received(tc_sim)] == [(image_id, "SHARED_IMAGE")]
    assert code_of(lambda: modify(client, image_id, [OTHER.uid], "SHARE")) == "FailedOperation.AccountAlreadyExists"
    modify(client, image_id, [OTHER.uid], "CANCEL")
    assert shared(client, image_id) == [] and received(tc_sim) == []


def test_a_shared_image_refuses_deletion_until_unshared(tc_sim: Any, cvm: Any) -> None:
    client = cvm("ap-guangzhou")
    image_id = ready_image(tc_sim, client)
    modify(client, image_id, [OTHER.uid], "SHARE")
    delete = request(models.DeleteImagesRequest, ImageIds=[image_id])
    assert code_of(lambda: client.DeleteImages(delete)) == "InvalidImageId.InShared"
    modify(client, image_id, [OTHER.uid], "CANCEL")
    client.DeleteImages(delete)


def test_sharing_refuses_what_cvm_refuses(tc_sim: Any, cvm: Any) -> None:
    client = cvm("ap-guangzhou")
    image_id = ready_image(tc_sim, client)
    assert code_of(lambda: modify(client, image_id, [OWNER.uid], "SHARE")) == "InvalidAccountIs.YourSelf"
    assert code_of(lambda: modify(client, image_id, ["not-a-uin"], "SHARE")) == "InvalidAccountId.NotFound"
    assert code_of(lambda: modify(client, image_id, [OTHER.uid], "MAYBE")) == "InvalidParameterValue"
    assert code_of(lambda: modify(client, "img-00000000", [OTHER.uid], "SHARE")) == "InvalidImageId.NotFound"
    many = [str(200000000000 + n) for n in range(501)]
    assert code_of(lambda: modify(client, image_id, many, "SHARE")) == "OverQuota"
    busy = request(models.CreateImageRequest, ImageName="golden-busy", InstanceId="ins-gzwin001")
    creating = client.CreateImage(busy).ImageId
    assert code_of(lambda: modify(client, creating, [OTHER.uid], "SHARE")) == "InvalidImageId.IncorrectState"
