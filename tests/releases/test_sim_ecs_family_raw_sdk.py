"""ECS families and deprecation in the simulator, judged by the real aliyun-python-sdk-ecs."""
from __future__ import annotations

from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526 import (
    CopyImageRequest, CreateImageRequest, DeleteImageRequest, DescribeImageFromFamilyRequest, DescribeImagesRequest,
    ModifyImageAttributeRequest,
)

from imageforge.simulator import Simulator
from tests.test_sim_ecs_raw_sdk import call  # noqa: F401 - the fixture

ALL = "Creating,Available,CreateFailed,Deprecated"


def capture(call: Any, sim: Simulator, name: str, family: str | None = None) -> str:  # noqa: F811
    request = CreateImageRequest.CreateImageRequest()
    request.set_InstanceId("i-bp1imageforgelnx01")
    request.set_ImageName(name)
    if family:
        request.set_ImageFamily(family)
    image_id = str(call(request)["ImageId"])
    sim.advance(700)
    return image_id


def modify(call: Any, image_id: str, **values: str) -> None:  # noqa: F811
    request = ModifyImageAttributeRequest.ModifyImageAttributeRequest()
    request.set_ImageId(image_id)
    for key, value in values.items():
        getattr(request, f"set_{key}")(value)
    call(request)


def latest(call: Any, family: str) -> dict[str, Any]:  # noqa: F811
    request = DescribeImageFromFamilyRequest.DescribeImageFromFamilyRequest()
    request.set_ImageFamily(family)
    return dict(call(request)["Image"])


def statuses(call: Any, family: str, status: str = ALL) -> dict[str, str]:  # noqa: F811
    request = DescribeImagesRequest.DescribeImagesRequest()
    request.set_ImageFamily(family)
    request.set_Status(status)
    return {i["ImageId"]: i["Status"] for i in call(request)["Images"]["Image"]}


def test_family_latest_follows_new_and_deprecated_images(call: Any, sim: Simulator) -> None:  # noqa: F811
    first = capture(call, sim, "golden-web-2026-11", family="golden-web")
    second = capture(call, sim, "golden-web-2026-12")
    assert latest(call, "golden-web")["ImageId"] == first
    modify(call, second, ImageFamily="golden-web")  # a copy joins the family after the fact
    assert latest(call, "golden-web")["ImageId"] == second
    assert latest(call, "golden-web")["ImageFamily"] == "golden-web"

    modify(call, second, Status="Deprecated")  # the documented rollback: the family resolves to the one before
    assert latest(call, "golden-web")["ImageId"] == first
    assert statuses(call, "golden-web") == {first: "Available", second: "Deprecated"}
    assert statuses(call, "golden-web", "Available") == {first: "Available"}
    assert statuses(call, "golden-web", "Deprecated") == {second: "Deprecated"}

    modify(call, second, Status="Available")
    assert latest(call, "golden-web")["ImageId"] == second
    assert latest(call, "no-such-family") == {}


def test_a_deprecated_image_is_not_copied_but_deleted(call: Any, sim: Simulator) -> None:  # noqa: F811
    image_id = capture(call, sim, "golden-web-2026-10", family="golden-web")
    modify(call, image_id, Status="Deprecated")
    copy = CopyImageRequest.CopyImageRequest()
    copy.set_ImageId(image_id)
    copy.set_DestinationRegionId("cn-shanghai")
    with pytest.raises(ServerException) as caught:
        call(copy)
    assert caught.value.get_error_code() == "IncorrectImageStatus"
    delete = DeleteImageRequest.DeleteImageRequest()
    delete.set_ImageId(image_id)
    call(delete)
    assert statuses(call, "golden-web") == {}


@pytest.mark.parametrize("values, code", [
    ({"ImageFamily": "aliyun-web"}, "InvalidImageFamily.Malformed"),
    ({"ImageFamily": "9-web"}, "InvalidImageFamily.Malformed"),
    ({"Status": "Retired"}, "InvalidStatus.ValueNotSupported"),
])
def test_refusals(call: Any, sim: Simulator, values: dict[str, str], code: str) -> None:  # noqa: F811
    image_id = capture(call, sim, "golden-web-2026-09")
    with pytest.raises(ServerException) as caught:
        modify(call, image_id, **values)
    assert caught.value.get_error_code() == code and caught.value.get_http_status() == 400


def test_a_creating_image_cannot_be_deprecated(call: Any, sim: Simulator) -> None:  # noqa: F811
    request = CreateImageRequest.CreateImageRequest()
    request.set_InstanceId("i-bp1imageforgelnx01")
    request.set_ImageName("golden-web-2026-08")
    image_id = str(call(request)["ImageId"])
    with pytest.raises(ServerException) as caught:
        modify(call, image_id, Status="Deprecated")
    assert caught.value.get_error_code() == "IncorrectImageStatus"
