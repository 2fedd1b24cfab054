"""The simulated ECS launch calls judged by the real aliyun-python-sdk-ecs: shapes, lifecycle and error replies."""
from __future__ import annotations

import json
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526 import (
    DeleteDiskRequest, DeleteInstancesRequest, DeleteNetworkInterfaceRequest, DescribeAvailableResourceRequest,
    DescribeCloudAssistantStatusRequest, DescribeDisksRequest, DescribeImagesRequest, DescribeInstancesRequest,
    DescribeNetworkInterfacesRequest, DescribeSecurityGroupsRequest, DescribeVSwitchesRequest, RunInstancesRequest,
)

from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.ecs_launch import AGENT_SECONDS, BOOT_SECONDS, PUBLIC_IMAGES
from tests.alibaba.conftest import launch_model

LINUX = "aliyun_3_x64_20G_alibase_20260101.vhd"
WINDOWS = "win2022_21H2_x64_dtc_en-us_40G_alibase_20260101.vhd"
VSW, SG = "vsw-bp1imageforge01", "sg-bp1imageforge01"
TAG = {"Key": "imageforge-key", "Value": "k-raw"}


def run(call: Any, token: str = "", **over: Any) -> dict[str, Any]:
    req = RunInstancesRequest.RunInstancesRequest()
    values = {"ImageId": LINUX, "InstanceType": "ecs.g7.large", "VSwitchId": VSW, "SecurityGroupId": SG,
              "Amount": 1, "InstanceChargeType": "PostPaid", "InternetMaxBandwidthOut": 0, "SystemDiskSize": "40",
              "InstanceName": "build-raw", **over}
    for key, value in values.items():
        if value is not None:
            getattr(req, f"set_{key}")(value)
    req.set_Tags([TAG])
    if token:
        req.set_ClientToken(token)
    return call(req)


def instances(call: Any, **filters: Any) -> list[dict[str, Any]]:
    req = DescribeInstancesRequest.DescribeInstancesRequest()
    for key, value in filters.items():
        getattr(req, f"set_{key}")(value)
    return call(req)["Instances"]["Instance"]  # type: ignore[no-any-return]


def disks(call: Any, **filters: Any) -> list[dict[str, Any]]:
    req = DescribeDisksRequest.DescribeDisksRequest()
    for key, value in filters.items():
        getattr(req, f"set_{key}")(value)
    return call(req)["Disks"]["Disk"]  # type: ignore[no-any-return]


def enis(call: Any, **filters: Any) -> list[dict[str, Any]]:
    req = DescribeNetworkInterfacesRequest.DescribeNetworkInterfacesRequest()
    for key, value in filters.items():
        getattr(req, f"set_{key}")(value)
    return call(req)["NetworkInterfaceSets"]["NetworkInterfaceSet"]  # type: ignore[no-any-return]


def refused(call: Any, request: Any) -> ServerException:
    with pytest.raises(ServerException) as caught:
        call(request)
    return caught.value


def test_public_images_answer_to_the_system_owner_alias(call: Any) -> None:
    req = DescribeImagesRequest.DescribeImagesRequest()
    req.set_ImageOwnerAlias("system")
    found = call(req)["Images"]["Image"]
    assert {i["ImageId"] for i in found} == {i["ImageId"] for i in PUBLIC_IMAGES}
    assert {(i["ImageId"], i["OSType"]) for i in found} >= {(LINUX, "linux"), (WINDOWS, "windows")}
    req.set_ImageId(WINDOWS)
    [win] = call(req)["Images"]["Image"]
    assert (win["Platform"], win["ImageOwnerAlias"], win["Size"]) == ("Windows Server 2022", "system", 40)
    own = DescribeImagesRequest.DescribeImagesRequest()
    own.set_ImageOwnerAlias("self")
    own.set_ImageId(LINUX)
    assert call(own)["Images"]["Image"] == []


def test_vswitches_and_security_groups_are_read_by_id(call: Any) -> None:
    req = DescribeVSwitchesRequest.DescribeVSwitchesRequest()
    req.set_VSwitchId(VSW)
    [vsw] = call(req)["VSwitches"]["VSwitch"]
    assert (vsw["ZoneId"], vsw["VpcId"]) == ("cn-hangzhou-a", "vpc-bp1imageforge01")
    req.set_VSwitchId("vsw-nosuch")
    assert call(req)["VSwitches"]["VSwitch"] == []
    sgs = DescribeSecurityGroupsRequest.DescribeSecurityGroupsRequest()
    sgs.set_SecurityGroupIds(json.dumps([SG, "sg-bp1imageforgeother"]))
    found = {g["SecurityGroupId"]: g["VpcId"] for g in call(sgs)["SecurityGroups"]["SecurityGroup"]}
    assert found == {SG: "vpc-bp1imageforge01", "sg-bp1imageforgeother": "vpc-bp1imageforge02"}


def test_available_resource_reports_stock_per_zone_and_the_sell_out_hook(call: Any, sim: Simulator) -> None:
    def status(zone: str, instance_type: str) -> list[str]:
        req = DescribeAvailableResourceRequest.DescribeAvailableResourceRequest()
        req.set_DestinationResource("InstanceType")
        req.set_ZoneId(zone)
        req.set_InstanceType(instance_type)
        zones = call(req)["AvailableZones"]["AvailableZone"]
        return [s["Status"] for z in zones for r in z["AvailableResources"]["AvailableResource"]
                for s in r["SupportedResources"]["SupportedResource"]]

    assert status("cn-hangzhou-a", "ecs.g7.large") == ["Available"]
    assert status("cn-hangzhou-b", "ecs.g7.large") == ["SoldOut"]
    assert status("cn-hangzhou-a", "ecs.nosuch.large") == []
    launch_model(sim).sell_out("cn-hangzhou", "cn-hangzhou-a", "ecs.c7.large")
    assert status("cn-hangzhou-a", "ecs.c7.large") == ["SoldOut"] and status("cn-hangzhou-a", "ecs.g7.large") == [
        "Available"]


def test_run_instances_tags_everything_boots_and_a_token_returns_the_same_instance(call: Any, sim: Simulator) -> None:
    first = run(call, token="tok-1")["InstanceIdSets"]["InstanceIdSet"]
    again = run(call, token="tok-1")["InstanceIdSets"]["InstanceIdSet"]
    assert len(first) == 1 and again == first
    vm = first[0]
    [view] = instances(call, Tags=[TAG])
    assert (view["InstanceId"], view["Status"], view["ZoneId"]) == (vm, "Pending", "cn-hangzhou-a")
    assert view["VpcAttributes"]["VSwitchId"] == VSW and view["PublicIpAddress"]["IpAddress"] == []
    assert view["SecurityGroupIds"]["SecurityGroupId"] == [SG] and view["OSType"] == "linux"
    assert instances(call, Tags=[{"Key": "imageforge-key", "Value": "other"}]) == []
    status = DescribeCloudAssistantStatusRequest.DescribeCloudAssistantStatusRequest()
    status.set_InstanceIds([vm])
    sim.advance(BOOT_SECONDS)
    assert instances(call, InstanceIds=json.dumps([vm]))[0]["Status"] == "Running"
    assert call(status)["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"][0][
        "CloudAssistantStatus"] == "false"
    sim.advance(AGENT_SECONDS)
    assert call(status)["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"][0][
        "CloudAssistantStatus"] == "true"
    [disk] = disks(call, Tags=[TAG])
    assert (disk["InstanceId"], disk["Type"], disk["Size"], disk["Status"], disk["DeleteWithInstance"]) == (
        vm, "system", 40, "In_use", True)
    [eni] = enis(call, Tags=[TAG])
    assert (eni["InstanceId"], eni["Type"], eni["Status"]) == (vm, "Primary", "InUse")


@pytest.mark.parametrize("over,code,status", [
    ({"ImageId": "m-nosuchimage"}, "InvalidImageId.NotFound", 404),
    ({"InstanceType": "ecs.nosuch.large"}, "InvalidInstanceType.ValueNotSupported", 400),
    ({"VSwitchId": "vsw-nosuch"}, "InvalidVSwitchId.NotFound", 404),
    ({"SecurityGroupId": "sg-nosuch"}, "InvalidSecurityGroupId.NotFound", 404),
    ({"SecurityGroupId": "sg-bp1imageforgeother"}, "InvalidParameter.Mismatch", 400),
    ({"ZoneId": "cn-hangzhou-b"}, "InvalidParameter.Mismatch", 400),
    ({"VSwitchId": "vsw-bp1imageforgesoldout"}, "OperationDenied.NoStock", 403),
    ({"ImageId": WINDOWS, "SystemDiskSize": "30"}, "InvalidSystemDiskSize.LessThanImageSize", 400),
    ({"SystemDiskSize": "4096"}, "InvalidSystemDiskSize.ValueNotSupported", 400),
])
def test_run_instances_refusals(call: Any, over: dict[str, Any], code: str, status: int) -> None:
    req = RunInstancesRequest.RunInstancesRequest()
    values = {"ImageId": LINUX, "InstanceType": "ecs.g7.large", "VSwitchId": VSW, "SecurityGroupId": SG, **over}
    for key, value in values.items():
        getattr(req, f"set_{key}")(value)
    err = refused(call, req)
    assert (err.get_error_code(), err.get_http_status()) == (code, status)
    assert instances(call, Tags=[TAG]) == []


def test_quota_and_a_token_reused_with_other_parameters(call: Any, sim: Simulator) -> None:
    launch_model(sim).set_quota("cn-hangzhou", 1)
    run(call, token="tok-q")
    with pytest.raises(ServerException) as caught:
        run(call, token="tok-q2")
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("QuotaExceed.ElasticQuota", 403)
    with pytest.raises(ServerException) as caught:
        run(call, token="tok-q", InstanceType="ecs.c7.large")
    assert caught.value.get_error_code() == "IdempotentParameterMismatch"


def test_delete_instances_takes_the_system_disk_and_the_eni_unless_the_disk_is_kept(call: Any, sim: Simulator) -> None:
    one = run(call)["InstanceIdSets"]["InstanceIdSet"][0]
    two = run(call, InstanceName="build-two")["InstanceIdSets"]["InstanceIdSet"][0]
    sim.advance(BOOT_SECONDS)
    delete = DeleteInstancesRequest.DeleteInstancesRequest()
    delete.set_InstanceIds([one])
    err = refused(call, delete)
    assert (err.get_error_code(), err.get_http_status()) == ("IncorrectInstanceStatus", 403)
    kept = disks(call, InstanceId=two)[0]["DiskId"]
    launch_model(sim).keep_disk_on_delete("cn-hangzhou", kept)
    in_use = DeleteDiskRequest.DeleteDiskRequest()
    in_use.set_DiskId(kept)
    assert refused(call, in_use).get_error_code() == "IncorrectDiskStatus"
    delete.set_Force(True)
    delete.set_InstanceIds([one, two])
    call(delete)
    assert instances(call, Tags=[TAG]) == [] and enis(call, Tags=[TAG]) == []
    assert [(d["DiskId"], d["Status"], d["InstanceId"]) for d in disks(call, Tags=[TAG])] == [(kept, "Available", "")]
    call(in_use)
    assert disks(call, Tags=[TAG]) == []
    assert refused(call, in_use).get_error_code() == "InvalidDiskId.NotFound"
    assert refused(call, delete).get_error_code() == "InvalidInstanceId.NotFound"
    eni = DeleteNetworkInterfaceRequest.DeleteNetworkInterfaceRequest()
    eni.set_NetworkInterfaceId("eni-nosuch")
    assert refused(call, eni).get_error_code() == "InvalidEniId.NotFound"


def test_every_action_the_build_adapter_sends_is_implemented(sim: Simulator) -> None:
    import re
    from pathlib import Path

    from imageforge.simulator.alibaba.ecs_wire import EcsWire

    source = (Path(__file__).resolve().parents[2] / "providers/alibaba/ecs_build.py").read_text()
    sent = set(re.findall(r'_request\("(\w+)"', source)) | set(re.findall(r'"((?:Describe|Delete)\w+)",', source))
    assert {"RunInstances", "DeleteInstances", "DescribeAvailableResource", "DescribeDisks",
            "DescribeNetworkInterfaces"} <= sent
    assert sent <= set(EcsWire(sim.ctx).actions)
