"""Simulator fidelity, judged by the real tencentcloud SDK (not our adapter): every simulated action
parses, every simulated error raises TencentCloudSDKException with its code and request id."""
from __future__ import annotations

import http.client
import json

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import models

from imageforge.simulator.tencent.model import VENDOR
from imageforge.simulator.tencent.wire import PARAMETERS

from .helpers import request, tc3_headers

FOUR = ["ap-shanghai", "ap-beijing", "ap-singapore", "ap-tokyo"]
PRIVATE = [{"Name": "image-type", "Values": ["PRIVATE_IMAGE"]}]


def capture(client, **params) -> str:
    params.setdefault("ImageName", "golden-linux")
    params.setdefault("InstanceId", "ins-gzlnx001")
    return client.CreateImage(request(models.CreateImageRequest, **params)).ImageId


def state(client, image_id: str) -> models.Image:
    reply = client.DescribeImages(request(models.DescribeImagesRequest, ImageIds=[image_id]))
    assert reply.TotalCount == 1, image_id
    return reply.ImageSet[0]


def ready_image(tc_sim, client, **params) -> str:
    image_id = capture(client, **params)
    tc_sim.advance(3600)
    assert state(client, image_id).ImageState == "NORMAL"
    return image_id


# reads -----------------------------------------------------------------------------
def test_describe_instances_parses_seeds_with_ids_filters_and_paging(cvm):
    client = cvm("ap-guangzhou")
    reply = client.DescribeInstances(models.DescribeInstancesRequest())
    assert reply.TotalCount == 2 and reply.RequestId
    linux = next(i for i in reply.InstanceSet if i.InstanceId == "ins-gzlnx001")
    assert linux.InstanceState == "RUNNING" and linux.SystemDisk.DiskId == "disk-gzlnx001"
    assert [d.DiskId for d in linux.DataDisks] == ["disk-gzlnxd01"] and linux.Placement.Zone == "ap-guangzhou-3"
    only = client.DescribeInstances(request(models.DescribeInstancesRequest, InstanceIds=["ins-gzwin001"]))
    assert [i.OsName for i in only.InstanceSet] == ["Windows Server 2022 DataCenter 64bit"]
    named = client.DescribeInstances(request(models.DescribeInstancesRequest,
                                             Filters=[{"Name": "instance-name", "Values": ["golden-linux"]}]))
    assert [i.InstanceId for i in named.InstanceSet] == ["ins-gzlnx001"]
    page = client.DescribeInstances(request(models.DescribeInstancesRequest, Offset=1, Limit=1))
    assert page.TotalCount == 2 and len(page.InstanceSet) == 1
    assert cvm("ap-shanghai").DescribeInstances(models.DescribeInstancesRequest()).InstanceSet[0].InstanceId.startswith("ins-sh")


def test_describe_snapshots_is_the_cbs_api_and_parses_through_the_common_client(common):
    """The cvm SDK has no DescribeSnapshots (it is CBS 2017-03-12): the SDK's CommonClient reads it."""
    assert not hasattr(models, "DescribeSnapshotsRequest")
    reply = common("cbs", "ap-guangzhou").call_json("DescribeSnapshots", {"SnapshotIds": ["snap-gzsys001", "snap-gzdat001"]})
    snaps = {s["SnapshotId"]: s for s in reply["Response"]["SnapshotSet"]}
    assert snaps["snap-gzsys001"]["DiskUsage"] == "SYSTEM_DISK" and snaps["snap-gzdat001"]["DiskUsage"] == "DATA_DISK"
    assert reply["Response"]["TotalCount"] == 2 and reply["Response"]["RequestId"]
    encrypted = common("cbs", "ap-guangzhou").call_json("DescribeSnapshots", {"Filters": [{"Name": "encrypt", "Values": ["TRUE"]}]})
    assert [s["SnapshotId"] for s in encrypted["Response"]["SnapshotSet"]] == ["snap-gzenc001"]


def test_public_images_are_listed_by_type(cvm):
    reply = cvm().DescribeImages(request(models.DescribeImagesRequest, Filters=[{"Name": "image-type", "Values": ["PUBLIC_IMAGE"]}]))
    assert {i.ImageId for i in reply.ImageSet} == {"img-eb30mz89", "img-9id7emv7"}
    assert all(i.ImageSource == "OFFICIAL" for i in reply.ImageSet)


# captures --------------------------------------------------------------------------
def test_capture_from_instance_with_data_disk_and_tags_reaches_normal(tc_sim, cvm, common):
    client = cvm()
    image_id = capture(client, ForcePoweroff="true", DataDiskIds=["disk-gzlnxd01"], ImageDescription="base",
                       TagSpecification=[{"ResourceType": "image", "Tags": [{"Key": "team", "Value": "platform"}]}])
    assert image_id.startswith("img-") and len(image_id) == 12
    image = state(client, image_id)
    assert image.ImageState == "CREATING" and image.ImageType == "PRIVATE_IMAGE" and image.ImageSource == "CREATE_IMAGE"
    assert [(t.Key, t.Value) for t in image.Tags] == [("team", "platform")]
    assert sorted(s.DiskUsage for s in image.SnapshotSet) == ["DATA_DISK", "SYSTEM_DISK"]
    inst = client.DescribeInstances(request(models.DescribeInstancesRequest, InstanceIds=["ins-gzlnx001"])).InstanceSet[0]
    assert (inst.LatestOperation, inst.LatestOperationState) == ("CreateImage", "OPERATING")
    tc_sim.advance(600)
    assert state(client, image_id).ImageState == "CREATING"  # 10 min system disk + 2 min data disk
    tc_sim.advance(121)
    image = state(client, image_id)
    assert image.ImageState == "NORMAL" and image.ImageSize == 50 and image.ImageDescription == "base"
    bound = common("cbs").call_json("DescribeSnapshots", {"SnapshotIds": [s.SnapshotId for s in image.SnapshotSet]})
    assert all(s["Images"][0]["ImageId"] == image_id for s in bound["Response"]["SnapshotSet"])


def test_capture_from_snapshots_binds_them_and_reaches_normal(tc_sim, cvm, common):
    client = cvm()
    image_id = capture(client, InstanceId=None, SnapshotIds=["snap-gzsys001", "snap-gzdat001"], ImageName="from-snaps")
    assert state(client, image_id).ImageState == "CREATING"
    tc_sim.advance(481)
    image = state(client, image_id)
    assert image.ImageState == "NORMAL"
    assert {s.SnapshotId for s in image.SnapshotSet} == {"snap-gzsys001", "snap-gzdat001"}
    snap = common("cbs").call_json("DescribeSnapshots", {"SnapshotIds": ["snap-gzsys001"]})["Response"]["SnapshotSet"][0]
    assert snap["ImageCount"] == 1


def test_describe_images_filters_and_paging(tc_sim, cvm):
    client = cvm()
    first = capture(client, ImageName="golden-a",
                    TagSpecification=[{"ResourceType": "image", "Tags": [{"Key": "imageforge-key", "Value": "k1"}]}])
    second = capture(client, InstanceId="ins-gzwin001", ImageName="golden-b", Sysprep="true")
    names = client.DescribeImages(request(models.DescribeImagesRequest, Filters=[{"Name": "image-name", "Values": ["GOLDEN"]}]))
    assert {i.ImageId for i in names.ImageSet} == {first, second}  # fuzzy, as the docs say
    tagged = client.DescribeImages(request(models.DescribeImagesRequest,
                                           Filters=[*PRIVATE, {"Name": "tag:imageforge-key", "Values": ["k1"]}]))
    assert [i.ImageId for i in tagged.ImageSet] == [first]
    by_key = client.DescribeImages(request(models.DescribeImagesRequest, Filters=[{"Name": "tag-key", "Values": ["imageforge-key"]}]))
    assert [i.ImageId for i in by_key.ImageSet] == [first]
    page = client.DescribeImages(request(models.DescribeImagesRequest, Filters=PRIVATE, Offset=1, Limit=1))
    assert page.TotalCount == 2 and [i.ImageId for i in page.ImageSet] == [second]
    assert client.DescribeImages(request(models.DescribeImagesRequest, ImageIds=["img-zzzzzzzz"])).TotalCount == 0


def test_modify_image_attribute_updates_name_and_description(tc_sim, cvm):
    client = cvm()
    image_id = ready_image(tc_sim, client)
    reply = client.ModifyImageAttribute(request(models.ModifyImageAttributeRequest, ImageId=image_id,
                                                ImageName="renamed", ImageDescription="new text"))
    assert reply.RequestId
    image = state(client, image_id)
    assert (image.ImageName, image.ImageDescription) == ("renamed", "new text")


def test_injected_capture_failure_ends_createfailed(tc_sim, cvm):
    client = cvm()
    tc_sim.inject(VENDOR, "CreateImage", "fail")
    image_id = capture(client)
    tc_sim.advance(3600)
    assert state(client, image_id).ImageState == "CREATEFAILED"
    inst = client.DescribeInstances(request(models.DescribeInstancesRequest, InstanceIds=["ins-gzlnx001"])).InstanceSet[0]
    assert inst.LatestOperationState == "FAILED"


# delete ----------------------------------------------------------------------------
def test_delete_with_binded_snapshots_removes_only_what_the_capture_made(tc_sim, cvm, common):
    client = cvm()
    image_id = ready_image(tc_sim, client)
    own = [s.SnapshotId for s in state(client, image_id).SnapshotSet]
    client.DeleteImages(request(models.DeleteImagesRequest, ImageIds=[image_id], DeleteBindedSnap=True))
    assert client.DescribeImages(request(models.DescribeImagesRequest, ImageIds=[image_id])).TotalCount == 0
    left = common("cbs").call_json("DescribeSnapshots", {"SnapshotIds": own})["Response"]
    assert left["TotalCount"] == 0


def test_delete_without_binded_snapshots_keeps_and_unbinds_them(tc_sim, cvm, common):
    client = cvm()
    image_id = ready_image(tc_sim, client, InstanceId=None, SnapshotIds=["snap-gzsys001"])
    client.DeleteImages(request(models.DeleteImagesRequest, ImageIds=[image_id], DeleteBindedSnap=False))
    snap = common("cbs").call_json("DescribeSnapshots", {"SnapshotIds": ["snap-gzsys001"]})["Response"]["SnapshotSet"][0]
    assert snap["ImageCount"] == 0 and snap["Images"] == []


# tags (Tag API) and the caller's account (STS), which image tag updates need -----------------
def test_tag_api_binds_and_unbinds_image_tags(tc_sim, cvm, common):
    client = cvm()
    image_id = capture(client, TagSpecification=[{"ResourceType": "image", "Tags": [{"Key": "a", "Value": "1"}]}])
    who = common("sts", version="2018-08-13").call_json("GetCallerIdentity", {})["Response"]
    assert who["AccountId"] == "100000000001" and who["RequestId"]
    name = f"qcs::cvm:ap-guangzhou:uin/{who['AccountId']}:image/{image_id}"
    tag = common("tag", version="2018-08-13")
    reply = tag.call_json("TagResources", {"ResourceList": [name], "Tags": [{"TagKey": "b", "TagValue": "2"}]})
    assert reply["Response"]["FailedResources"] == []
    tag.call_json("UnTagResources", {"ResourceList": [name], "TagKeys": ["a"]})
    assert [(t.Key, t.Value) for t in state(client, image_id).Tags] == [("b", "2")]
    missing = tag.call_json("TagResources", {"ResourceList": [name.replace(image_id, "img-zzzzzzzz")],
                                             "Tags": [{"TagKey": "b", "TagValue": "2"}]})
    assert missing["Response"]["FailedResources"][0]["Code"] == "ResourceNotFound"
    _raises("InvalidParameterValue.ResourceDescriptionError", tag.call_json, "TagResources",
            {"ResourceList": [image_id], "Tags": [{"TagKey": "b", "TagValue": "2"}]})


# errors ----------------------------------------------------------------------------
CREATE_ERRORS = [
    ("both sources", {"ImageName": "x", "InstanceId": "ins-gzlnx001", "SnapshotIds": ["snap-gzsys001"]}, "InvalidParameter"),
    ("no source", {"ImageName": "x"}, "MissingParameter.AtLeastOne"),
    ("unknown instance", {"ImageName": "x", "InstanceId": "ins-zzzzzzzz"}, "InvalidInstanceId.NotFound"),
    ("malformed instance", {"ImageName": "x", "InstanceId": "i-123"}, "InvalidInstanceId.Malformed"),
    ("no system snapshot", {"ImageName": "x", "SnapshotIds": ["snap-gzdat001"]}, "InvalidParameter.SystemSnapshotNotFound"),
    ("two system snapshots", {"ImageName": "x", "SnapshotIds": ["snap-gzsys001", "snap-gzwin001"]},
     "InvalidParameter.DuplicateSystemSnapshots"),
    ("unknown snapshot", {"ImageName": "x", "SnapshotIds": ["snap-zzzzzzzz"]}, "InvalidParameter.SnapshotNotFound"),
    ("snapshot in another region", {"ImageName": "x", "SnapshotIds": ["snap-shsys001"]}, "InvalidParameter.SnapshotNotFound"),
    ("name too long", {"ImageName": "n" * 61, "InstanceId": "ins-gzlnx001"}, "InvalidParameterValue.TooLong"),
    ("description too long", {"ImageName": "x", "ImageDescription": "d" * 257, "InstanceId": "ins-gzlnx001"},
     "InvalidParameterValue.TooLong"),
    ("foreign data disk", {"ImageName": "x", "InstanceId": "ins-gzwin001", "DataDiskIds": ["disk-gzlnxd01"]},
     "InvalidParameter.DataDiskNotBelongSpecifiedInstance"),
    ("system disk as data disk", {"ImageName": "x", "InstanceId": "ins-gzlnx001", "DataDiskIds": ["disk-gzlnx001"]},
     "InvalidParameter.DataDiskIdContainsRootDisk"),
    ("reserved tag", {"ImageName": "x", "InstanceId": "ins-gzlnx001",
                      "TagSpecification": [{"ResourceType": "image", "Tags": [{"Key": "qcloud:x", "Value": "1"}]}]},
     "FailedOperation.TagKeyReserved"),
    ("dry run", {"ImageName": "x", "InstanceId": "ins-gzlnx001", "DryRun": True}, "DryRunOperation"),
]


def _raises(code: str, fn, *args):
    with pytest.raises(TencentCloudSDKException) as caught:
        fn(*args)
    assert caught.value.code == code, caught.value
    assert caught.value.requestId and len(caught.value.requestId) == 36
    return caught.value


@pytest.mark.parametrize("case,params,code", CREATE_ERRORS, ids=[c[0] for c in CREATE_ERRORS])
def test_create_image_errors_raise_the_sdk_exception(cvm, case, params, code):
    _raises(code, cvm().CreateImage, request(models.CreateImageRequest, **params))


def test_create_image_refuses_a_duplicate_name_and_a_busy_instance(tc_sim, cvm):
    client = cvm()
    capture(client, ImageName="first")
    _raises("InvalidImageName.Duplicate", client.CreateImage,
            request(models.CreateImageRequest, ImageName="first", SnapshotIds=["snap-gzsys001"]))
    _raises("OperationDenied.InstanceOperationInProgress", client.CreateImage,
            request(models.CreateImageRequest, ImageName="second", InstanceId="ins-gzlnx001"))
    tc_sim.advance(601)
    assert capture(client, ImageName="second")


def test_describe_images_errors(cvm):
    client = cvm()
    _raises("InvalidParameter.InvalidParameterCoexistImageIdsFilters", client.DescribeImages,
            request(models.DescribeImagesRequest, ImageIds=["img-eb30mz89"], Filters=PRIVATE))
    _raises("InvalidFilter", client.DescribeImages,
            request(models.DescribeImagesRequest, Filters=[{"Name": "colour", "Values": ["red"]}]))
    _raises("InvalidFilterValue.LimitExceeded", client.DescribeImages,
            request(models.DescribeImagesRequest, Filters=[{"Name": "image-id", "Values": ["a", "b", "c", "d", "e", "f"]}]))
    _raises("InvalidImageId.Malformed", client.DescribeImages, request(models.DescribeImagesRequest, ImageIds=["m-123"]))
    _raises("InvalidParameterValue", client.DescribeImages, request(models.DescribeImagesRequest, Limit=101))


def test_modify_image_attribute_errors(tc_sim, cvm):
    client = cvm()
    _raises("InvalidImageId.NotFound", client.ModifyImageAttribute,
            request(models.ModifyImageAttributeRequest, ImageId="img-zzzzzzzz", ImageName="x"))
    _raises("UnauthorizedOperation.ImageNotBelongToAccount", client.ModifyImageAttribute,
            request(models.ModifyImageAttributeRequest, ImageId="img-eb30mz89", ImageName="x"))
    first = capture(client, ImageName="first")
    _raises("InvalidImageId.IncorrectState", client.ModifyImageAttribute,
            request(models.ModifyImageAttributeRequest, ImageId=first, ImageDescription="too early"))
    capture(client, ImageName="second", InstanceId=None, SnapshotIds=["snap-gzwin001"])
    tc_sim.advance(601)
    _raises("InvalidImageName.Duplicate", client.ModifyImageAttribute,
            request(models.ModifyImageAttributeRequest, ImageId=first, ImageName="second"))


def test_delete_images_refuses_creating_and_syncing_images(tc_sim, cvm):
    client = cvm()
    image_id = capture(client)
    delete = models.DeleteImagesRequest
    _raises("InvalidImageId.IncorrectState", client.DeleteImages, request(delete, ImageIds=[image_id]))
    tc_sim.advance(601)
    copy = client.SyncImages(request(models.SyncImagesRequest, ImageIds=[image_id], DestinationRegions=["ap-tokyo"],
                                     ImageSetRequired=True)).ImageSet[0]
    _raises("InvalidImageId.IncorrectState", client.DeleteImages, request(delete, ImageIds=[image_id]))
    _raises("InvalidImageId.IncorrectState", cvm("ap-tokyo").DeleteImages, request(delete, ImageIds=[copy.ImageId]))
    _raises("InvalidImageId.NotFound", client.DeleteImages, request(delete, ImageIds=["img-zzzzzzzz"]))
    _raises("UnauthorizedOperation.ImageNotBelongToAccount", client.DeleteImages, request(delete, ImageIds=["img-eb30mz89"]))
    tc_sim.advance(3600)
    _raises("DryRunOperation", client.DeleteImages, request(delete, ImageIds=[image_id], DryRun=True))
    client.DeleteImages(request(delete, ImageIds=[image_id]))


def test_protocol_level_errors(cvm, common):
    _raises("InvalidAction", common("cvm").call_json, "ResetInstance", {})
    _raises("InvalidAction", common("tag", version="2018-08-13").call_json, "GetTags", {})
    _raises("UnknownParameter", common("cvm").call_json, "DescribeImages", {"ImageID": ["img-eb30mz89"]})
    _raises("InvalidParameter", common("cvm").call_json, "DescribeImages", {"ImageIds": "img-eb30mz89"})
    _raises("UnsupportedRegion", cvm("mars-north-1").DescribeImages, models.DescribeImagesRequest())


def test_injected_throttling_uses_the_vendor_code(tc_sim, cvm):
    tc_sim.inject(VENDOR, "DescribeImages", "throttle", times=1)
    _raises("RequestLimitExceeded", cvm().DescribeImages, models.DescribeImagesRequest())
    assert cvm().DescribeImages(models.DescribeImagesRequest()).TotalCount == 2
    logged = tc_sim.requests(VENDOR, "DescribeImages")
    assert [r.error for r in logged] == ["RequestLimitExceeded", ""] and logged[0].status == 200


def test_injected_5xx_is_a_gateway_failure_the_sdk_reports_as_server_network_error(tc_sim, cvm):
    tc_sim.inject(VENDOR, "DescribeImages", "5xx", status=502)
    with pytest.raises(TencentCloudSDKException) as caught:
        cvm().DescribeImages(models.DescribeImagesRequest())
    assert caught.value.code == "ServerNetworkError" and caught.value.requestId is None


# the envelope itself ---------------------------------------------------------------------
def _raw_post(tc_sim, action: str, body: dict, region: str = "ap-guangzhou") -> tuple[int, dict[str, str], dict]:
    host, port = tc_sim.endpoints["http"].split("://", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    payload = json.dumps(body)
    conn.request("POST", "/", payload, tc3_headers(f"{host}:{port}", action, payload, region=region))
    reply = conn.getresponse()
    data = json.loads(reply.read())
    conn.close()
    return reply.status, dict(reply.getheaders()), data


def test_errors_are_http_200_with_content_type_exactly_application_json(tc_sim):
    status, headers, data = _raw_post(tc_sim, "DeleteImages", {"ImageIds": ["img-zzzzzzzz"]})
    assert status == 200
    assert headers["Content-Type"] == "application/json"  # not "application/json; charset=utf-8"
    assert data["Response"]["Error"] == {"Code": "InvalidImageId.NotFound", "Message": "The image `img-zzzzzzzz` does not exist."}
    assert set(data["Response"]) == {"Error", "RequestId"}
    ok_status, ok_headers, ok = _raw_post(tc_sim, "DescribeImages", {"ImageIds": ["img-eb30mz89"]})
    assert ok_status == 200 and ok_headers["Content-Type"] == "application/json" and "Error" not in ok["Response"]


def test_the_sdk_would_read_a_charset_error_as_success(cvm):
    """Why the header above matters (vendor-facts.md): re-checked on the installed SDK."""
    class Reply:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        content = json.dumps({"Response": {"Error": {"Code": "X", "Message": "m"}, "RequestId": "r"}}).encode()

    client = cvm()
    assert client._check_error(Reply()) is None
    Reply.headers = {"Content-Type": "application/json"}
    with pytest.raises(TencentCloudSDKException):
        client._check_error(Reply())


def test_unsigned_requests_are_refused(tc_sim):
    host, port = tc_sim.endpoints["http"].split("://", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("POST", "/", "{}", {"Content-Type": "application/json", "X-TC-Action": "DescribeImages",
                                     "X-TC-Version": "2017-03-12", "X-TC-Region": "ap-guangzhou"})
    data = json.loads(conn.getresponse().read())
    conn.close()
    assert data["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize("action", sorted(a for a in PARAMETERS if hasattr(models, f"{a}Request")))
def test_the_simulator_accepts_every_parameter_the_sdk_models_can_send(action):
    model = getattr(models, f"{action}Request")()
    sendable = {name[1:] for name in vars(model) if name.startswith("_") and name[1:2].isupper()}
    assert sendable <= PARAMETERS[action], sendable - PARAMETERS[action]
