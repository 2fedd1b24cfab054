"""The ECS adapter as a VmBuilder, end to end on the simulator through the real SDK: launch, run, capture, remove."""
from __future__ import annotations

import dataclasses
import json

import pytest

from imageforge.providers.core import errors, registry
from imageforge.providers.core.model import (TAG_KEY, CaptureRequest, CommandResult, Identity, ImageStatus,
                                             LaunchRequest, Source, Target)
from imageforge.providers.core.protocol import ImageAdapter, VmBuilder
from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.ecs_assist import AGENT_TAG
from imageforge.simulator.alibaba.ecs_launch import AGENT_SECONDS, BOOT_SECONDS
from tests.alibaba.conftest import REGION, VENDOR, launch_model

LINUX = "aliyun_3_x64_20G_alibase_20260101.vhd"
WINDOWS = "win2022_21H2_x64_dtc_en-us_40G_alibase_20260101.vhd"
NETWORK = {"vswitch_id": "vsw-bp1imageforge01", "security_group_id": "sg-bp1imageforge01"}
IDENTITY = Identity("k-build-1")


def request(builder: VmBuilder, base: str = LINUX, **over: object) -> LaunchRequest:
    values: dict[str, object] = {
        "region": REGION, "name": "baked web 1", "base_image": builder.resolve_base_image(REGION, base),
        "instance_type": "ecs.g7.large", "network": dict(NETWORK), "disk_size_gb": 40,
        "tags": {**IDENTITY.tags, "team": "web"}, "client_token": "tok-" + "x" * 70, "admin_secret": "S3cret!pass",
        **over}
    return LaunchRequest(**values)  # type: ignore[arg-type]


def finish(builder: VmBuilder, sim: Simulator, vm: str, os_type: str, job_id: str) -> CommandResult:
    """The command's result, moving the simulated clock a few seconds at a time (never sleeping)."""
    for _ in range(60):
        result = builder.command_result(vm, os_type, job_id)
        if result is not None:
            return result
        sim.advance(5)
    raise AssertionError(f"invocation {job_id} never ended")


def held(sim: Simulator, kind: str) -> list[str]:
    """Ids of the simulator's records of `kind` in the region (instance, disk, eni)."""
    return [r[0] for r in sim.store.execute("SELECT id FROM objects WHERE vendor=? AND region=? AND kind=?",
                                            (VENDOR, REGION, kind))]


def test_resolve_base_image_by_id_and_by_name_public_and_own(builder: VmBuilder, sim: Simulator) -> None:
    linux = builder.resolve_base_image(REGION, LINUX)
    assert (linux.image_id, linux.os_type, linux.owner, linux.extra["size_gb"]) == (LINUX, "linux", "public", 20)
    win = builder.resolve_base_image(REGION, WINDOWS)
    assert (win.os_type, win.extra["platform"]) == ("windows", "Windows Server 2022")
    images = registry.adapter_for(Target("alibaba", "ecs", REGION, profile="sim"), ImageAdapter)
    own = images.start_capture(CaptureRequest(name="team-base", source=Source(instance="i-bp1imageforgelnx01"))).image_id
    sim.advance(3600)
    by_name = builder.resolve_base_image(REGION, "team-base")
    assert (by_name.image_id, by_name.owner, by_name.os_type) == (own, "self", "linux")
    with pytest.raises(errors.NotFound) as caught:
        builder.resolve_base_image(REGION, "no-such-image")
    assert "no-such-image" in str(caught.value) and "Fix:" in str(caught.value)


def test_build_instance_end_to_end(builder: VmBuilder, sim: Simulator) -> None:
    req = request(builder)
    assert builder.prepare_launch(req) == []
    before = sim.inventory()
    mark = sim.mark()
    first = builder.launch_vm(req)
    assert builder.launch_vm(req).vm_id == first.vm_id  # the same ClientToken: the same instance
    vm = first.vm_id
    sent = [r.params for r in sim.requests(VENDOR, "RunInstances", since=mark)]
    assert len(sent) == 2 and sent[0]["ClientToken"] == req.client_token[:64]
    assert (sent[0]["Amount"], sent[0]["InstanceChargeType"], sent[0]["InternetMaxBandwidthOut"]) == ("1", "PostPaid", "0")
    assert sent[0]["SystemDisk.Size"] == "40" and sent[0]["InstanceName"] == "baked-web-1"
    assert "Password" not in sent[0] and "S3cret" not in repr(sent[0])
    found = builder.find_build_vms(REGION, IDENTITY)
    assert [(v.vm_id, v.power_state) for v in found] == [(vm, "pending")]
    assert found[0].extra["tags"] == {TAG_KEY: IDENTITY.key, "team": "web"}  # type: ignore[comparison-overlap]
    assert builder.find_build_vms(REGION, Identity("k-other")) == []
    assert builder.agent_online(vm, "linux") is False
    launched = {i for _, _, i in sim.inventory() - before}
    assert vm in launched and len(launched) == 3 and {i[:2] for i in launched} == {"i-", "d-", "en"}
    sim.advance(BOOT_SECONDS)
    assert builder.get_vm(vm).power_state == "running" and builder.agent_online(vm, "linux") is False
    sim.advance(AGENT_SECONDS)
    assert builder.agent_online(vm, "linux") is True
    job = builder.start_command(vm, "linux", ["echo provisioned"])
    result = finish(builder, sim, vm, "linux", job.job_id)
    assert (result.exit_code, result.stdout_tail) == (0, "provisioned")
    generalize = builder.start_command(vm, "linux", builder.guest_script("generalize", "linux", False))
    assert finish(builder, sim, vm, "linux", generalize.job_id).exit_code == 0
    builder.stop_vm(vm)
    sim.advance(60)
    assert builder.get_vm(vm).power_state == "stopped"
    builder.mark_generalized(vm)
    assert builder.get_vm(vm).generalized
    assert launch_model(sim).assist.guest(REGION, vm)["cloud_init"] == "clean"  # the guest really ran it
    images = registry.adapter_for(Target("alibaba", "ecs", REGION, profile="sim"), ImageAdapter)
    capture = CaptureRequest(name="baked-web-1", source=Source(instance=vm), tags=IDENTITY.tags,
                             source_facts={"os_state": "Generalized"})
    assert images.prepare_capture(capture) == []
    image_id = images.start_capture(capture).image_id
    sim.advance(3600)
    info = images.describe_images([image_id])[image_id]
    assert (info.status, info.os_type) == (ImageStatus.AVAILABLE, "linux")
    builder.remove_build_vm(vm)
    assert builder.find_build_vms(REGION, IDENTITY) == [] and builder.find_build_leftovers(REGION, IDENTITY) == []
    assert vm not in held(sim, "instance") and held(sim, "disk") == held(sim, "eni") == held(sim, "launch") == []
    assert sim.inventory() - before == {(VENDOR, REGION, image_id)}  # the image only: nothing of the instance
    with pytest.raises(errors.NotFound):
        builder.remove_build_vm(vm)


def test_a_windows_build_instance_runs_powershell(builder: VmBuilder, sim: Simulator) -> None:
    req = request(builder, WINDOWS, client_token="tok-win", disk_size_gb=None)
    vm = builder.launch_vm(req).vm_id
    sim.advance(BOOT_SECONDS + AGENT_SECONDS)
    assert builder.get_vm(vm).os_type == "windows" and builder.agent_online(vm, "windows")
    job = builder.start_command(vm, "windows", ["Write-Output 'ready'"])
    assert finish(builder, sim, vm, "windows", job.job_id).exit_code == 0
    assert sim.requests(VENDOR, "RunCommand")[-1].params["Type"] == "RunPowerShellScript"
    builder.remove_build_vm(vm)


def test_an_agent_that_stays_offline_is_reported(builder: VmBuilder, sim: Simulator) -> None:
    req = request(builder, tags={**IDENTITY.tags, AGENT_TAG: "offline"}, client_token="tok-offline")
    vm = builder.launch_vm(req).vm_id
    sim.advance(BOOT_SECONDS + AGENT_SECONDS + 600)
    assert builder.get_vm(vm).power_state == "running" and builder.agent_online(vm, "linux") is False
    with pytest.raises(errors.InvalidState, match="agent offline"):
        builder.start_command(vm, "linux", ["echo hi"])
    builder.remove_build_vm(vm)


def test_a_disk_that_outlives_its_instance_is_a_leftover(builder: VmBuilder, sim: Simulator) -> None:
    vm = builder.launch_vm(request(builder, client_token="tok-left")).vm_id
    [disk] = held(sim, "disk")
    launch_model(sim).keep_disk_on_delete(REGION, disk)
    builder.remove_build_vm(vm)
    assert builder.find_build_vms(REGION, IDENTITY) == []
    assert builder.find_build_leftovers(REGION, IDENTITY) == [disk]
    builder.remove_leftover(disk)
    assert builder.find_build_leftovers(REGION, IDENTITY) == [] and held(sim, "disk") == []
    with pytest.raises(errors.NotFound):
        builder.remove_leftover(disk)


@pytest.mark.parametrize("network,instance_type,field,words", [
    ({"vswitch_id": "vsw-nosuch"}, "ecs.g7.large", "network.vswitch_id", "does not exist"),
    ({"security_group_id": "sg-nosuch"}, "ecs.g7.large", "network.security_group_id", "does not exist"),
    ({"security_group_id": "sg-bp1imageforgeother"}, "ecs.g7.large", "network.security_group_id", "VPC"),
    ({"zone_id": "cn-hangzhou-b"}, "ecs.g7.large", "network.zone_id", "fixes the zone"),
    ({"vswitch_id": ""}, "ecs.g7.large", "network.vswitch_id", "needs it"),
    ({}, "ecs.nosuch.large", "instance_type", "offers no instance type"),
    ({"vswitch_id": "vsw-bp1imageforgesoldout"}, "ecs.g7.large", "instance_type", "sold out"),
])
def test_prepare_refuses_before_any_launch(builder: VmBuilder, sim: Simulator, network: dict[str, str],
                                           instance_type: str, field: str, words: str) -> None:
    req = request(builder, network={**NETWORK, **network}, instance_type=instance_type)
    mark = sim.mark()
    with pytest.raises(errors.UserInputError) as caught:
        builder.prepare_launch(req)
    assert caught.value.field == field and words in caught.value.rule and caught.value.fix
    assert sim.requests(VENDOR, "RunInstances", since=mark) == []


def test_prepare_refuses_a_disk_smaller_than_the_image(builder: VmBuilder) -> None:
    with pytest.raises(errors.UserInputError) as caught:
        builder.prepare_launch(request(builder, WINDOWS, disk_size_gb=30))
    assert caught.value.field == "disk_size_gb" and "40" in caught.value.fix


def test_launch_errors_are_typed_with_a_fix(builder: VmBuilder, sim: Simulator) -> None:
    """What RunInstances refuses after prepare (the stock sold meanwhile, the quota, an image deleted)."""
    launch_model(sim).sell_out(REGION, "cn-hangzhou-a")
    with pytest.raises(errors.OperationFailed) as sold:
        builder.launch_vm(request(builder, client_token="tok-sold"))
    assert sold.value.code == "OperationDenied.NoStock" and "another instance_type" in str(sold.value)
    assert not sold.value.retryable
    launch_model(sim).restock(REGION, "cn-hangzhou-a")
    launch_model(sim).set_quota(REGION, 0)
    with pytest.raises(errors.QuotaExceeded) as quota:
        builder.launch_vm(request(builder, client_token="tok-q"))
    assert quota.value.code == "QuotaExceed.ElasticQuota" and "quota" in str(quota.value)
    launch_model(sim).set_quota(REGION, 50)
    gone = dataclasses.replace(request(builder), base_image=dataclasses.replace(request(builder).base_image,
                                                                                image_id="m-gone"))
    with pytest.raises(errors.NotFound) as missing:
        builder.launch_vm(gone)
    assert missing.value.code == "InvalidImageId.NotFound" and "base_image" in str(missing.value)
    assert held(sim, "instance") == [i for i in held(sim, "instance") if i.startswith("i-bp1imageforge")]


def test_a_launch_whose_reply_is_lost_is_found_again_by_its_token_and_its_tag(builder: VmBuilder, sim: Simulator) -> None:
    """RunInstances applied but answered 500: the retry with the same ClientToken returns the one instance, and a
    run with no state finds it by the identity tag."""
    req = request(builder, client_token="tok-lost")
    sim.inject(VENDOR, "RunInstances", "lost")
    with pytest.raises(errors.ServiceUnavailable) as lost:
        builder.launch_vm(req)
    assert lost.value.retryable
    [found] = builder.find_build_vms(REGION, IDENTITY)
    assert builder.launch_vm(req).vm_id == found.vm_id
    assert [v.vm_id for v in builder.find_build_vms(REGION, IDENTITY)] == [found.vm_id]
    builder.remove_build_vm(found.vm_id)
    assert builder.find_build_vms(REGION, IDENTITY) == []


def test_too_many_tags_are_refused_before_any_call(builder: VmBuilder, sim: Simulator) -> None:
    req = request(builder, tags={**IDENTITY.tags, **{f"t{n}": "v" for n in range(20)}})
    mark = sim.mark()
    with pytest.raises(errors.UserInputError) as caught:
        builder.prepare_launch(req)
    assert caught.value.field == "tags" and "19" in caught.value.fix and sim.requests(VENDOR, since=mark) == []


@pytest.mark.parametrize("name,expected", [("baked web 1", "baked-web-1"), ("1-image", "b-1-image"),
                                           ("x", "imageforge-build"),
                                           ("", "imageforge-build"), ("a" * 200, "a" * 128)])
def test_instance_names_follow_ecs_rules(name: str, expected: str) -> None:
    from imageforge.providers.alibaba.ecs_build import instance_name

    assert instance_name(name) == expected


def test_an_image_another_account_shares_is_a_base_image_and_launches(builder: VmBuilder, sim: Simulator) -> None:
    """DescribeImages with ImageOwnerAlias=others finds it by name; RunInstances starts from it."""
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526 import CreateImageRequest, ModifyImageSharePermissionRequest

    from imageforge.simulator.alibaba.signing import ACCOUNTS

    owner, other = ACCOUNTS
    host = sim.endpoints["http"].split("://", 1)[1]
    client = AcsClient(other.key_id, other.secret, REGION, auto_retry=False)

    def send(req: object) -> dict[str, str]:
        req.set_endpoint(host)  # type: ignore[attr-defined]
        req.set_protocol_type("http")  # type: ignore[attr-defined]
        return json.loads(client.do_action_with_exception(req))  # type: ignore[no-any-return]

    create = CreateImageRequest.CreateImageRequest()
    create.set_SnapshotId("s-bp1imageforgesys01")
    create.set_ImageName("partner-base")
    image_id = send(create)["ImageId"]
    sim.advance(700)
    share = ModifyImageSharePermissionRequest.ModifyImageSharePermissionRequest()
    share.set_ImageId(image_id)
    share.set_AddAccounts([owner.uid])
    send(share)
    base = builder.resolve_base_image(REGION, "partner-base")
    assert (base.image_id, base.owner, base.os_type) == (image_id, "shared", "linux")
    vm = builder.launch_vm(request(builder, "partner-base", client_token="tok-shared")).vm_id
    assert builder.get_vm(vm).extra["image_id"] == image_id
    builder.remove_build_vm(vm)
