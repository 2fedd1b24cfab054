"""The simulated ECS judged by the real aliyun-python-sdk-ecs: every action parses, every error is typed."""
from __future__ import annotations

import json
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkecs.request.v20140526 import (
    CancelCopyImageRequest, CopyImageRequest, CreateImageRequest, DeleteImageRequest, DescribeImagesRequest,
    DescribeInstancesRequest, DescribeSnapshotsRequest, ModifyImageAttributeRequest, TagResourcesRequest,
)

from imageforge.simulator import Simulator

VENDOR = "alibaba-ecs"


@pytest.fixture
def call(sim: Simulator) -> Any:
    host = sim.endpoints["http"].split("://", 1)[1]

    def send(request: Any, region: str = "cn-hangzhou") -> dict[str, Any]:
        request.set_endpoint(host)
        request.set_protocol_type("http")
        client = AcsClient("SIMULATORACCESSKEY", "simulator-secret", region, auto_retry=False)
        return json.loads(client.do_action_with_exception(request))

    return send


def create(call: Any, **kw: str) -> str:
    request = CreateImageRequest.CreateImageRequest()
    request.set_InstanceId(kw.get("instance", "i-bp1imageforgelnx01"))
    request.set_ImageName(kw.get("name", "golden-1"))
    if "token" in kw:
        request.set_ClientToken(kw["token"])
    request.set_Tags([{"Key": "team", "Value": "web"}])
    return str(call(request)["ImageId"])


def describe(call: Any, image_id: str, region: str = "cn-hangzhou", status: str | None = "Creating,Available,CreateFailed") -> list[dict[str, Any]]:
    request = DescribeImagesRequest.DescribeImagesRequest()
    request.set_ImageId(image_id)
    if status:
        request.set_Status(status)
    return call(request, region)["Images"]["Image"]


def test_describe_instances_and_snapshots(call: Any) -> None:
    instances = call(DescribeInstancesRequest.DescribeInstancesRequest())
    assert {"i-bp1imageforgelnx01", "i-bp1imageforgewin01"} <= {i["InstanceId"] for i in instances["Instances"]["Instance"]}
    request = DescribeSnapshotsRequest.DescribeSnapshotsRequest()
    request.set_SnapshotIds(json.dumps(["s-bp1imageforgesys01"]))
    snapshots = call(request)["Snapshots"]["Snapshot"]
    assert [s["SourceDiskType"] for s in snapshots] == ["system"]


def test_create_describe_lifecycle_and_status_filter(call: Any, sim: Simulator) -> None:
    image_id = create(call)
    assert image_id.startswith("m-") and len(image_id) == 22
    assert describe(call, image_id, status=None) == []  # only Available by default
    creating = describe(call, image_id)[0]
    assert creating["Status"] == "Creating" and creating["Progress"] == "0%"
    assert creating["Tags"]["Tag"] == [{"TagKey": "team", "TagValue": "web"}]
    sim.advance(300)
    assert describe(call, image_id)[0]["Progress"] == "50%"
    sim.advance(301)
    done = describe(call, image_id, status=None)[0]
    assert done["Status"] == "Available" and done["Progress"] == "100%" and done["Size"] == 40


def test_client_token_is_idempotent(call: Any) -> None:
    assert create(call, token="tok-1") == create(call, token="tok-1")
    assert create(call, token="tok-2", name="golden-2") != create(call, token="tok-1")


def test_paging(call: Any, sim: Simulator) -> None:
    ids = [create(call, name=f"golden-{i}") for i in range(5)]
    sim.advance(700)
    request = DescribeImagesRequest.DescribeImagesRequest()
    request.set_PageSize(2)
    request.set_PageNumber(3)
    reply = call(request)
    assert reply["TotalCount"] == 5 and reply["PageNumber"] == 3
    assert [i["ImageId"] for i in reply["Images"]["Image"]] == ids[4:]


def test_modify_and_tag(call: Any, sim: Simulator) -> None:
    image_id = create(call)
    modify = ModifyImageAttributeRequest.ModifyImageAttributeRequest()
    modify.set_ImageId(image_id)
    modify.set_Description("patched")
    call(modify)
    tag = TagResourcesRequest.TagResourcesRequest()
    tag.set_ResourceType("image")
    tag.set_ResourceIds([image_id])
    tag.set_Tags([{"Key": "tier", "Value": "web"}])
    call(tag)
    image = describe(call, image_id)[0]
    assert image["Description"] == "patched"
    assert {t["TagKey"] for t in image["Tags"]["Tag"]} == {"team", "tier"}


def test_delete_refused_while_creating_then_allowed(call: Any, sim: Simulator) -> None:
    image_id = create(call)
    delete = DeleteImageRequest.DeleteImageRequest()
    delete.set_ImageId(image_id)
    with pytest.raises(ServerException) as caught:
        call(delete)
    assert caught.value.get_error_code() == "IncorrectImageStatus"
    assert caught.value.get_http_status() == 403 and caught.value.get_request_id()
    sim.advance(700)
    call(delete)
    assert describe(call, image_id) == []
    call(delete)  # an unknown id is ignored, as ECS does


def test_copy_and_cancel(call: Any, sim: Simulator) -> None:
    image_id = create(call)
    copy = CopyImageRequest.CopyImageRequest()
    copy.set_ImageId(image_id)
    copy.set_DestinationRegionId("cn-shanghai")
    with pytest.raises(ServerException) as caught:
        call(copy)
    assert caught.value.get_error_code() == "IncorrectImageStatus"  # source must be Available
    sim.advance(700)
    copy_id = call(copy)["ImageId"]
    assert describe(call, copy_id, "cn-shanghai")[0]["Status"] == "Creating"
    source_delete = DeleteImageRequest.DeleteImageRequest()
    source_delete.set_ImageId(image_id)
    with pytest.raises(ServerException) as caught:
        call(source_delete)
    assert caught.value.get_error_code() == "OperationDenied.ImageCopying"  # DeleteImage API reference
    cancel = CancelCopyImageRequest.CancelCopyImageRequest()
    cancel.set_ImageId(copy_id)
    call(cancel, "cn-shanghai")
    assert describe(call, copy_id, "cn-shanghai") == []
    with pytest.raises(ServerException) as caught:
        call(cancel, "cn-shanghai")
    assert caught.value.get_error_code() == "InvalidImageId.NotFound" and caught.value.get_http_status() == 404


def test_copy_to_same_region_refused(call: Any, sim: Simulator) -> None:
    image_id = create(call)
    sim.advance(700)
    copy = CopyImageRequest.CopyImageRequest()
    copy.set_ImageId(image_id)
    copy.set_DestinationRegionId("cn-hangzhou")
    with pytest.raises(ServerException) as caught:
        call(copy)
    assert caught.value.get_error_code() == "InvalidDestinationRegion"


def test_errors_carry_code_and_request_id(call: Any, sim: Simulator) -> None:
    sim.inject(VENDOR, "DescribeImages", "throttle")
    with pytest.raises(ServerException) as caught:
        describe(call, "m-any")
    assert caught.value.get_error_code() == "Throttling.User" and caught.value.get_request_id()
    sim.inject(VENDOR, "DescribeImages", "5xx")
    with pytest.raises(ServerException) as caught:
        describe(call, "m-any")
    assert caught.value.get_http_status() == 500 and caught.value.get_error_code() == "InternalError"
    with pytest.raises(ServerException) as caught:
        create(call, instance="i-missing")
    assert caught.value.get_error_code() == "InvalidInstanceId.NotFound"


def test_unknown_action_answers_in_alibaba_shape(call: Any) -> None:
    request = CommonRequest(domain="ecs.aliyuncs.com", version="2014-05-26", action_name="RebootInstance")
    request.set_method("POST")
    with pytest.raises(ServerException) as caught:
        call(request)
    assert caught.value.get_error_code() == "InvalidAction.NotFound"
    assert "not implemented by the simulator" in caught.value.get_error_msg()


def test_state_survives_a_restart(tmp_path: Any) -> None:
    first = Simulator(tmp_path / "home", speed=0)
    first.start()
    from imageforge.simulator.alibaba.ecs_model import EcsModel

    image_id = EcsModel(first.ctx).create_image("cn-hangzhou", instance="i-bp1imageforgelnx01", name="golden")
    first.advance(120)
    first.stop()
    second = Simulator(tmp_path / "home", speed=0)
    try:
        image = EcsModel(second.ctx).image("cn-hangzhou", image_id)
        assert image.view(second.clock.now())["Progress"] == "20%"
    finally:
        second.store.close()
