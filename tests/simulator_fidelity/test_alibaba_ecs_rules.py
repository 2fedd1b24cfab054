"""The simulated ECS and EDS against the API references, through aliyun-python-sdk-ecs and the ecd Tea SDK:
every action the adapters send, and the error codes the references list for them."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526 import (CancelCopyImageRequest, CopyImageRequest, CreateImageRequest,
                                            DeleteImageRequest, DescribeImagesRequest, ImportImageRequest,
                                            ModifyImageAttributeRequest)

from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.ecs_model import COPY_SLOTS, copy_seconds
from imageforge.simulator.alibaba.ecs_wire import EcsWire
from imageforge.simulator.alibaba.eds_wire import EdsWire
from imageforge.simulator.alibaba.signing import TEST_KEYS

ROOT = Path(__file__).resolve().parents[2]
KEY_ID, SECRET = next(iter(TEST_KEYS.items()))
HZ, SH = "cn-hangzhou", "cn-shanghai"
INSTANCE = "i-bp1imageforgelnx01"


def send(sim: Simulator, request: Any, region: str = HZ) -> dict[str, Any]:
    request.set_endpoint(sim.endpoints["http"].split("://", 1)[1])
    request.set_protocol_type("http")
    return json.loads(AcsClient(KEY_ID, SECRET, region, auto_retry=False).do_action_with_exception(request))


def refused(sim: Simulator, request: Any, region: str = HZ) -> tuple[str, int]:
    with pytest.raises(ServerException) as caught:
        send(sim, request, region)
    return caught.value.get_error_code(), caught.value.get_http_status()


def capture(sim: Simulator, name: str, token: str = "", description: str = "") -> str:
    request = CreateImageRequest.CreateImageRequest()
    request.set_InstanceId(INSTANCE)
    request.set_ImageName(name)
    if token:
        request.set_ClientToken(token)
    if description:
        request.set_Description(description)
    return str(send(sim, request)["ImageId"])


def copy(sim: Simulator, image_id: str, destination: str, name: str = "", token: str = "") -> str:
    request = CopyImageRequest.CopyImageRequest()
    request.set_ImageId(image_id)
    request.set_DestinationRegionId(destination)
    if name:
        request.set_DestinationImageName(name)
    if token:
        request.set_ClientToken(token)
    return str(send(sim, request)["ImageId"])


def status(sim: Simulator, image_id: str, region: str = HZ) -> tuple[str, str]:
    request = DescribeImagesRequest.DescribeImagesRequest()
    request.set_ImageId(image_id)
    request.set_Status("Creating,Available,CreateFailed")
    found = send(sim, request, region)["Images"]["Image"]
    return (found[0]["Status"], found[0]["Progress"]) if found else ("", "")


# every action the adapters send is one the simulated service implements ------------------------
def test_every_ecs_action_the_adapter_sends_is_implemented(sim: Simulator) -> None:
    sent = set(re.findall(r'_req\("(\w+)"\)', (ROOT / "providers/alibaba/ecs.py").read_text()))
    assert {"CreateImage", "CopyImage", "DeleteImage", "DescribeImages"} <= sent
    assert sent <= set(EcsWire(sim.ctx).actions)


def test_every_eds_action_the_adapter_sends_is_implemented(sim: Simulator) -> None:
    sent = set(re.findall(r"m\.(\w+)Request\(", (ROOT / "providers/alibaba/eds.py").read_text()))
    assert {"CreateImage", "CopyImage", "DeleteImages", "DescribeImages"} <= sent
    assert sent <= set(EdsWire(sim.ctx).actions)


# names, tokens -----------------------------------------------------------------------------
@pytest.fixture
def unique_names() -> None:
    """The API's rule, on in the simulator (the ECS service declares names_unique_per_region)."""
    from imageforge.simulator.alibaba import ecs_model

    assert ecs_model.NAMES_UNIQUE


@pytest.mark.usefixtures("unique_names")
def test_image_names_are_unique_in_a_region(sim: Simulator) -> None:
    first = capture(sim, "golden")
    request = CreateImageRequest.CreateImageRequest()
    request.set_InstanceId(INSTANCE)
    request.set_ImageName("golden")
    assert refused(sim, request) == ("InvalidImageName.Duplicated", 400)
    other = capture(sim, "golden-2")
    rename = ModifyImageAttributeRequest.ModifyImageAttributeRequest()
    rename.set_ImageId(other)
    rename.set_ImageName("golden")
    assert refused(sim, rename) == ("InvalidImageName.Duplicated", 400)
    rename.set_ImageName("golden-2")  # its own name again is no conflict
    send(sim, rename)
    sim.advance(700)
    assert copy(sim, first, SH)  # the copy keeps the name: unique in its own region
    with pytest.raises(ServerException) as caught:
        copy(sim, other, SH, name="golden")
    assert caught.value.get_error_code() == "InvalidImageName.Duplicated"


@pytest.mark.usefixtures("unique_names")
def test_import_names_are_unique_too(sim: Simulator) -> None:
    capture(sim, "imported")
    request = ImportImageRequest.ImportImageRequest()
    request.set_ImageName("imported")
    request.set_DiskDeviceMappings([{"OSSBucket": "b", "OSSObject": "k.qcow2", "Format": "QCOW2"}])
    assert refused(sim, request) == ("InvalidImageName.Duplicated", 400)


@pytest.mark.usefixtures("unique_names")
def test_a_client_token_returns_its_image_and_refuses_other_parameters(sim: Simulator) -> None:
    made = capture(sim, "tokened", token="tok-a", description="first")
    assert capture(sim, "tokened", token="tok-a", description="first") == made  # a retry: no duplicate, no name clash
    request = CreateImageRequest.CreateImageRequest()
    request.set_InstanceId(INSTANCE)
    request.set_ImageName("tokened")
    request.set_Description("changed")
    request.set_ClientToken("tok-a")
    assert refused(sim, request) == ("IdempotentParameterMismatch", 400)
    sim.advance(700)
    copied = copy(sim, made, SH, token="tok-c")
    assert copy(sim, made, SH, token="tok-c") == copied
    with pytest.raises(ServerException) as caught:
        copy(sim, made, SH, name="renamed", token="tok-c")
    assert caught.value.get_error_code() == "IdempotentParameterMismatch"


# deletes during long operations -------------------------------------------------------------
def test_delete_during_a_copy_is_operation_denied_image_copying(sim: Simulator) -> None:
    source = capture(sim, "copied")
    sim.advance(700)
    target = copy(sim, source, SH)
    for region, image_id in ((HZ, source), (SH, target)):
        delete = DeleteImageRequest.DeleteImageRequest()
        delete.set_ImageId(image_id)
        assert refused(sim, delete, region) == ("OperationDenied.ImageCopying", 403)
    cancel = CancelCopyImageRequest.CancelCopyImageRequest()
    cancel.set_ImageId(target)
    send(sim, cancel, SH)
    delete = DeleteImageRequest.DeleteImageRequest()
    delete.set_ImageId(source)
    send(sim, delete)
    assert status(sim, source) == ("", "")


def test_delete_during_an_import_is_image_is_importing(sim: Simulator) -> None:
    request = ImportImageRequest.ImportImageRequest()
    request.set_ImageName("importing")
    request.set_DiskDeviceMappings([{"OSSBucket": "b", "OSSObject": "k.raw", "Format": "RAW"}])
    image_id = send(sim, request)["ImageId"]
    delete = DeleteImageRequest.DeleteImageRequest()
    delete.set_ImageId(image_id)
    assert refused(sim, delete) == ("ImageIsImporting", 403)


# copy slots -----------------------------------------------------------------------------------
def test_five_copies_run_at_once_from_a_region_and_the_sixth_waits_for_a_slot(sim: Simulator) -> None:
    source = capture(sim, "fan-out")
    sim.advance(700)
    regions = ["cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou", "cn-chengdu"]
    copies = [copy(sim, source, region) for region in regions]
    assert COPY_SLOTS == 5
    first_free = min(copy_seconds(r) for r in regions[:COPY_SLOTS])
    sim.advance(first_free - 1)
    assert status(sim, copies[-1], regions[-1]) == ("Creating", "0%")  # still waiting: no progress
    assert all(status(sim, c, r)[0] == "Creating" for c, r in zip(copies[:COPY_SLOTS], regions))
    sim.advance(1 + copy_seconds(regions[-1]))
    assert status(sim, copies[-1], regions[-1]) == ("Available", "100%")


def test_tag_and_untag_resources_through_the_sdk(sim: Simulator) -> None:
    from aliyunsdkecs.request.v20140526 import TagResourcesRequest, UntagResourcesRequest

    image_id = capture(sim, "tagged")
    tag = TagResourcesRequest.TagResourcesRequest()
    tag.set_ResourceType("image")
    tag.set_ResourceIds([image_id])
    tag.set_Tags([{"Key": "team", "Value": "web"}, {"Key": "tier", "Value": "gold"}])
    send(sim, tag)
    untag = UntagResourcesRequest.UntagResourcesRequest()
    untag.set_ResourceType("image")
    untag.set_ResourceIds([image_id])
    untag.set_TagKeys(["tier"])
    send(sim, untag)
    request = DescribeImagesRequest.DescribeImagesRequest()
    request.set_ImageId(image_id)
    request.set_Status("Creating")
    found = send(sim, request)["Images"]["Image"][0]
    assert found["Tags"]["Tag"] == [{"TagKey": "team", "TagValue": "web"}]
