"""Launch fidelity, judged by the real tencentcloud-sdk-python-cvm (and its CommonClient for VPC): RunInstances,
DescribeZoneInstanceConfigInfos, DescribeSubnets and DescribeSecurityGroups parse into the SDK's models, and
every refusal raises TencentCloudSDKException with a code from the SDK's errorcodes.py."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import errorcodes, models

from imageforge.simulator import Simulator
from imageforge.simulator.tencent import launch
from imageforge.simulator.tencent.records import AGENT_SECONDS
from imageforge.simulator.tencent.tat import TatModel

from .helpers import request

REGION, ZONE = "ap-guangzhou", "ap-guangzhou-3"
LINUX_IMAGE, WINDOWS_IMAGE = "img-eb30mz89", "img-9id7emv7"
NET = {"VpcId": "vpc-gzbuild1", "SubnetId": "subnet-gzbld003"}


def tat(sim: Simulator) -> TatModel:
    return next(w for w in sim.wires if w.vendor == "tencent-tat").model  # type: ignore[attr-defined,no-any-return]


def params(**extra: Any) -> dict[str, Any]:
    base = {"Placement": {"Zone": ZONE}, "ImageId": LINUX_IMAGE, "InstanceType": "S5.MEDIUM4",
            "VirtualPrivateCloud": NET, "SecurityGroupIds": ["sg-gzbuild1"], "SystemDisk": {"DiskSize": 60},
            "InternetAccessible": {"PublicIpAssigned": False}, "InstanceChargeType": "POSTPAID_BY_HOUR",
            "TagSpecification": [{"ResourceType": "instance", "Tags": [{"Key": "imageforge-key", "Value": "k1"}]}]}
    return {**base, **extra}


def run(client: Any, **extra: Any) -> list[str]:
    return list(client.RunInstances(request(models.RunInstancesRequest, **params(**extra))).InstanceIdSet)


def describe(client: Any, instance_id: str) -> Any:
    reply = client.DescribeInstances(request(models.DescribeInstancesRequest, InstanceIds=[instance_id]))
    return reply.InstanceSet[0] if reply.InstanceSet else None


def code_of(call: Callable[[], Any]) -> str:
    with pytest.raises(TencentCloudSDKException) as raised:
        call()
    return str(raised.value.code)


def test_run_instances_boots_pending_then_running_with_its_tags_network_and_disk(tc_sim: Simulator, cvm: Any) -> None:
    client = cvm(REGION)
    [vm] = run(client, ClientToken="tok-1", LoginSettings={"Password": "Abc-12345678"})
    first = describe(client, vm)
    assert first.InstanceState == "PENDING" and first.LatestOperation == "RunInstances"
    assert [(t.Key, t.Value) for t in first.Tags] == [("imageforge-key", "k1")]
    assert first.VirtualPrivateCloud.SubnetId == "subnet-gzbld003" and first.SecurityGroupIds == ["sg-gzbuild1"]
    assert first.SystemDisk.DiskSize == 60 and first.Placement.Zone == ZONE and first.PublicIpAddresses is None
    assert tat(tc_sim).agent(REGION, tat(tc_sim).cvm.instance(REGION, vm)) == "Offline"
    tc_sim.advance(launch.BOOT_SECONDS)
    running = describe(client, vm)
    assert running.InstanceState == "RUNNING" and running.LatestOperationState == "SUCCESS"
    assert tat(tc_sim).agent(REGION, tat(tc_sim).cvm.instance(REGION, vm)) == "Offline"  # the agent starts later
    tc_sim.advance(AGENT_SECONDS)
    assert tat(tc_sim).agent(REGION, tat(tc_sim).cvm.instance(REGION, vm)) == "Online"


def test_the_same_client_token_returns_the_same_instance(tc_sim: Simulator, cvm: Any) -> None:
    client = cvm(REGION)
    first, again = run(client, ClientToken="tok-same"), run(client, ClientToken="tok-same")
    assert first == again and len(first) == 1
    tagged = client.DescribeInstances(request(models.DescribeInstancesRequest, Filters=[
        {"Name": "tag:imageforge-key", "Values": ["k1"]}]))
    assert [i.InstanceId for i in tagged.InstanceSet] == first


def test_terminate_removes_a_launched_instance(tc_sim: Simulator, cvm: Any) -> None:
    client = cvm(REGION)
    [vm] = run(client)
    tc_sim.advance(launch.BOOT_SECONDS)
    client.TerminateInstances(request(models.TerminateInstancesRequest, InstanceIds=[vm]))
    assert describe(client, vm).InstanceState == "TERMINATING"
    tc_sim.advance(120)
    assert describe(client, vm) is None


def test_an_injected_failure_is_accepted_then_reads_launch_failed_with_a_reason(tc_sim: Simulator, cvm: Any) -> None:
    client = cvm(REGION)
    tc_sim.inject("tencent-cvm", "RunInstances", "fail")
    [vm] = run(client)
    tc_sim.advance(launch.BOOT_SECONDS)
    found = describe(client, vm)
    assert found.InstanceState == "LAUNCH_FAILED" and found.LatestOperationState == "FAILED"
    assert "ResourceInsufficient" in found.LatestOperationErrorMsg
    client.TerminateInstances(request(models.TerminateInstancesRequest, InstanceIds=[vm]))


@pytest.mark.parametrize("extra, code", [
    ({"InstanceType": "S5.HUGE999"}, errorcodes.INVALIDPARAMETERVALUE_INSTANCETYPENOTFOUND),
    ({"InstanceType": "bogus"}, errorcodes.INVALIDINSTANCETYPE_MALFORMED),
    ({"InstanceType": "S6.LARGE8"}, errorcodes.RESOURCEINSUFFICIENT_SPECIFIEDINSTANCETYPE),
    ({"InstanceType": "SA2.MEDIUM4"}, errorcodes.RESOURCENOTFOUND_INVALIDZONEINSTANCETYPE),
    ({"ImageId": "img-zzzzzzzz"}, errorcodes.INVALIDIMAGEID_NOTFOUND),
    ({"VirtualPrivateCloud": {"VpcId": "vpc-nothere1", "SubnetId": "subnet-gzbld003"}},
     errorcodes.INVALIDPARAMETERVALUE_VPCIDNOTEXIST),
    ({"VirtualPrivateCloud": {"VpcId": "vpc-gzbuild1", "SubnetId": "subnet-nothere1"}},
     errorcodes.INVALIDPARAMETERVALUE_SUBNETNOTEXIST),
    ({"VirtualPrivateCloud": {"VpcId": "vpc-gzbuild1", "SubnetId": "subnet-gzbld004"}},
     errorcodes.INVALIDPARAMETERVALUE_SUBNETIDZONEIDNOTMATCH),
    ({"SecurityGroupIds": ["sg-nothere1"]}, errorcodes.INVALIDSECURITYGROUPID_NOTFOUND),
    ({"Placement": {"Zone": "ap-shanghai-3"}}, errorcodes.INVALIDZONE_MISMATCHREGION),
    ({"LoginSettings": {"Password": "short"}}, errorcodes.INVALIDPARAMETERVALUE_INVALIDPASSWORD),
    ({"ImageId": WINDOWS_IMAGE, "LoginSettings": {"Password": "Abcdefgh1"}},
     errorcodes.INVALIDPARAMETERVALUE_INVALIDPASSWORD),
    ({"ClientToken": "x" * 65}, errorcodes.INVALIDCLIENTTOKEN_TOOLONG),
])
def test_run_instances_refusals_carry_the_sdks_codes(tc_sim: Simulator, cvm: Any, extra: dict[str, Any],
                                                      code: str) -> None:
    assert code_of(lambda: run(cvm(REGION), **extra)) == code
    assert tc_sim.store.list("tencent-cvm", REGION, "instance") == [
        r for r in tc_sim.store.list("tencent-cvm", REGION, "instance") if not r.get("launch")]


def test_a_zone_sold_out_by_the_hook_and_the_quota_refuse(tc_sim: Simulator, cvm: Any) -> None:
    model = tat(tc_sim).cvm
    launch.set_stock(model, REGION, ZONE, "S5.MEDIUM4", False)
    assert code_of(lambda: run(cvm(REGION))) == errorcodes.RESOURCEINSUFFICIENT_SPECIFIEDINSTANCETYPE
    launch.set_stock(model, REGION, ZONE, "S5.MEDIUM4", True)
    launch.set_quota(model, REGION, 2)  # the two seeded instances fill it
    assert code_of(lambda: run(cvm(REGION))) == errorcodes.LIMITEXCEEDED_INSTANCEQUOTA


def test_zone_instance_config_infos_report_stock(tc_sim: Simulator, cvm: Any) -> None:
    reply = cvm(REGION).DescribeZoneInstanceConfigInfos(request(models.DescribeZoneInstanceConfigInfosRequest, Filters=[
        {"Name": "zone", "Values": [ZONE]}, {"Name": "instance-type", "Values": ["S5.MEDIUM4", "S6.LARGE8"]}]))
    found = {i.InstanceType: (i.Status, i.StatusCategory) for i in reply.InstanceTypeQuotaSet}
    assert found == {"S5.MEDIUM4": ("SELL", "EnoughStock"), "S6.LARGE8": ("SOLD_OUT", "WithoutStock")}


def test_vpc_subnets_and_security_groups_read_through_the_common_client(tc_sim: Simulator, common: Any) -> None:
    vpc = common("vpc", REGION)
    reply = vpc.call_json("DescribeSubnets", {"Filters": [{"Name": "subnet-id", "Values": ["subnet-gzbld004"]}]})
    [subnet] = reply["Response"]["SubnetSet"]
    assert (subnet["VpcId"], subnet["Zone"]) == ("vpc-gzbuild1", "ap-guangzhou-4")
    none = vpc.call_json("DescribeSubnets", {"Filters": [{"Name": "subnet-id", "Values": ["subnet-nothere1"]}]})
    assert none["Response"]["SubnetSet"] == [] and none["Response"]["TotalCount"] == 0
    groups = vpc.call_json("DescribeSecurityGroups", {"SecurityGroupIds": ["sg-gzbuild1"]})
    assert [g["SecurityGroupId"] for g in groups["Response"]["SecurityGroupSet"]] == ["sg-gzbuild1"]
    assert code_of(lambda: vpc.call_json("DescribeSecurityGroups", {"SecurityGroupIds": ["sg-nothere1"]})) == \
        "ResourceNotFound"


def test_stop_and_terminate_refuse_a_pending_launch_and_stop_refuses_a_failed_one(tc_sim: Simulator, cvm: Any) -> None:
    client = cvm(REGION)
    [vm] = run(client)
    stop = request(models.StopInstancesRequest, InstanceIds=[vm], StopType="SOFT_FIRST")
    assert code_of(lambda: client.StopInstances(stop)) == errorcodes.UNSUPPORTEDOPERATION_INSTANCESTATEPENDING
    terminate = request(models.TerminateInstancesRequest, InstanceIds=[vm])
    assert code_of(lambda: client.TerminateInstances(terminate)) == errorcodes.UNSUPPORTEDOPERATION_INSTANCESTATEPENDING
    tc_sim.inject("tencent-cvm", "RunInstances", "fail")
    [failed] = run(client)
    tc_sim.advance(launch.BOOT_SECONDS)
    again = request(models.StopInstancesRequest, InstanceIds=[failed])
    assert code_of(lambda: client.StopInstances(again)) == errorcodes.UNSUPPORTEDOPERATION_INSTANCESTATELAUNCHFAILED


def test_describe_refusals_carry_their_codes(tc_sim: Simulator, cvm: Any, common: Any) -> None:
    bad = request(models.DescribeZoneInstanceConfigInfosRequest, Filters=[{"Name": "colour", "Values": ["red"]}])
    assert code_of(lambda: cvm(REGION).DescribeZoneInstanceConfigInfos(bad)) == errorcodes.INVALIDFILTER
    vpc = common("vpc", REGION)
    assert code_of(lambda: vpc.call_json("DescribeSubnets", {"SubnetIds": ["subnet-nothere1"]})) == "ResourceNotFound"
    assert code_of(lambda: vpc.call_json("DescribeSubnets", {"SubnetIds": ["nothing"]})) == \
        "InvalidParameterValue.Malformed"
