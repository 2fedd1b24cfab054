"""CvmAdapter as a VmBuilder against the simulator: a public base image -> a tagged build instance -> a TAT command
-> stop -> capture from it -> terminate, leaving nothing; and the refusals before and after the launch."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from imageforge.providers.core import errors, registry
from imageforge.providers.core.errors import UserInputError
from imageforge.providers.core.model import (BaseImage, CaptureRequest, CredentialChoice, Identity, ImageStatus,
                                             LaunchRequest, Source, Target)
from imageforge.providers.core.protocol import ImageAdapter, ImageSharer, VmBuilder
from imageforge.simulator import Simulator
from imageforge.simulator.tencent import launch
from imageforge.simulator.tencent.model import VENDOR
from imageforge.simulator.tencent.records import AGENT_SECONDS, Instance
from imageforge.simulator.tencent.tat import TatModel

REGION = "ap-guangzhou"
NETWORK = {"zone": "ap-guangzhou-3", "vpc_id": "vpc-gzbuild1", "subnet_id": "subnet-gzbld003",
           "security_group_ids": "sg-gzbuild1,sg-imgforge1"}
SECRET = "Bk7-secret-Pw9x"


def target(region: str = REGION) -> Target:
    return Target("tencent", "cvm", region, "sim")


@pytest.fixture
def builder(tc_sim: Simulator) -> VmBuilder:
    return registry.adapter_for(target(), VmBuilder)


def tat(sim: Simulator) -> TatModel:
    return next(w for w in sim.wires if w.vendor == "tencent-tat").model  # type: ignore[attr-defined,no-any-return]


def launched(sim: Simulator) -> list[Instance]:
    """Instances a RunInstances made that still exist (the seeds left out)."""
    now = sim.ctx.clock.now()
    found = [Instance.from_record(r) for r in sim.store.list(VENDOR, REGION, "instance")]
    return [i for i in found if i.launch is not None and not i.gone(now)]


def request(base: BaseImage, identity: Identity, **extra: Any) -> LaunchRequest:
    values: dict[str, Any] = {"region": REGION, "name": "bake-web", "base_image": base, "instance_type": "S5.MEDIUM4",
                              "network": NETWORK, "disk_size_gb": 60, "tags": identity.tags,
                              "client_token": f"imageforge-{identity.key}", "admin_secret": SECRET}
    return LaunchRequest(**{**values, **extra})


def refused(call: Callable[[], Any]) -> UserInputError:
    with pytest.raises(UserInputError) as raised:
        call()
    return raised.value


def test_a_build_instance_runs_a_command_is_captured_then_removed_with_everything(tc_sim: Simulator,
                                                                                  builder: VmBuilder) -> None:
    identity = Identity("bake-k1")
    base = builder.resolve_base_image(REGION, "img-eb30mz89")
    assert (base.os_type, base.owner, base.name) == ("linux", "public", "TencentOS Server 3.1 (TK4)")
    assert builder.prepare_launch(request(base, identity)) == []
    first = builder.launch_vm(request(base, identity))
    again = builder.launch_vm(request(base, identity))  # a retried call: the same token, the same instance
    assert first.vm_id == again.vm_id and len(launched(tc_sim)) == 1
    sent = tc_sim.requests(VENDOR, "RunInstances")[-1].params
    assert sent["TagSpecification"] == [{"ResourceType": "instance",
                                         "Tags": [{"Key": "imageforge-key", "Value": "bake-k1"}]}]
    assert sent["ClientToken"] == "imageforge-bake-k1" and sent["InternetAccessible"]["PublicIpAssigned"] is False
    assert sent["LoginSettings"] == {"Password": SECRET} and sent["SecurityGroupIds"] == ["sg-gzbuild1", "sg-imgforge1"]
    vm = builder.get_vm(first.vm_id)
    assert vm.power_state == "pending" and vm.extra["tags"] == {"imageforge-key": "bake-k1"}
    assert [v.vm_id for v in builder.find_build_vms(REGION, identity)] == [first.vm_id]
    assert builder.find_build_vms(REGION, Identity("someone-else")) == []
    tc_sim.advance(launch.BOOT_SECONDS)
    assert builder.get_vm(first.vm_id).power_state == "running"
    assert builder.agent_online(first.vm_id, "linux") is False
    tc_sim.advance(AGENT_SECONDS)
    assert builder.agent_online(first.vm_id, "linux") is True
    job = builder.start_command(first.vm_id, "linux", ["echo provisioned"])
    result = builder.command_result(first.vm_id, "linux", job.job_id)
    while result is None:
        tc_sim.advance(5)
        result = builder.command_result(first.vm_id, "linux", job.job_id)
    assert result.exit_code == 0 and result.stdout_tail == "provisioned"
    builder.stop_vm(first.vm_id)
    tc_sim.advance(60)
    assert builder.get_vm(first.vm_id).power_state == "stopped"
    images = registry.adapter_for(target(), ImageAdapter)
    capture = CaptureRequest(name="baked-web", source=Source(instance=first.vm_id), tags=identity.tags)
    assert images.prepare_capture(capture) == []
    image_id = images.start_capture(capture).image_id
    tc_sim.advance(3600)
    assert images.describe_images([image_id])[image_id].status is ImageStatus.AVAILABLE
    builder.remove_build_vm(first.vm_id)
    builder.remove_build_vm(first.vm_id)  # TERMINATING already: nothing more to do
    tc_sim.advance(120)
    assert builder.find_build_vms(REGION, identity) == [] and builder.find_build_leftovers(REGION, identity) == []
    assert launched(tc_sim) == []
    with pytest.raises(errors.NotFound):
        builder.remove_build_vm(first.vm_id)
    with pytest.raises(errors.NotFound):
        builder.get_vm(first.vm_id)


def test_base_images_resolve_by_exact_name_and_a_windows_one_reads_windows(tc_sim: Simulator,
                                                                           builder: VmBuilder) -> None:
    windows = builder.resolve_base_image(REGION, "Windows Server 2022 DataCenter 64bit")
    assert (windows.image_id, windows.os_type, windows.owner) == ("img-9id7emv7", "windows", "public")
    with pytest.raises(errors.NotFound) as raised:
        builder.resolve_base_image(REGION, "Windows Server 2022")  # a part of a name is not the name
    assert "Fix:" in str(raised.value)
    with pytest.raises(errors.NotFound):
        builder.resolve_base_image(REGION, "img-zzzzzzzz")


def test_a_custom_base_image_keeps_its_login_and_no_password_is_sent(tc_sim: Simulator, builder: VmBuilder) -> None:
    images = registry.adapter_for(target(), ImageAdapter)
    image_id = images.start_capture(CaptureRequest(name="own-base", source=Source(instance="ins-gzlnx001"))).image_id
    tc_sim.advance(3600)
    base = builder.resolve_base_image(REGION, "own-base")
    assert (base.image_id, base.owner) == (image_id, "self")
    builder.launch_vm(request(base, Identity("bake-own")))
    assert tc_sim.requests(VENDOR, "RunInstances")[-1].params["LoginSettings"] == {"KeepImageLogin": "true"}


@pytest.mark.parametrize("change, field", [
    ({"network": {**NETWORK, "subnet_id": "subnet-nothere1"}}, "network.subnet_id"),
    ({"network": {**NETWORK, "vpc_id": "vpc-imgforge1"}}, "network.vpc_id"),
    ({"network": {**NETWORK, "zone": "ap-guangzhou-4"}}, "network.instance_type_or_zone"),
    ({"network": {**NETWORK, "security_group_ids": "sg-gzbuild1, sg-nothere1"}}, "network.security_group_ids"),
    ({"network": {k: v for k, v in NETWORK.items() if k != "subnet_id"}}, "network.subnet_id"),
    ({"network": {**NETWORK, "zone": "ap-shanghai-3"}}, "network.zone"),
    ({"instance_type": "S5.HUGE999"}, "instance_type"),
    ({"instance_type": "SA2.MEDIUM4"}, "instance_type"),
    ({"disk_size_gb": 10}, "disk_size_gb"),
])
def test_prepare_refuses_what_run_instances_would_before_any_launch(tc_sim: Simulator, builder: VmBuilder,
                                                                    change: dict[str, Any], field: str) -> None:
    base = builder.resolve_base_image(REGION, "img-eb30mz89")
    err = refused(lambda: builder.prepare_launch(request(base, Identity("bake-bad"), **change)))
    # a subnet of zone -3 named with zone -4 is the zone's mistake
    assert err.field == ("network.zone" if field == "network.instance_type_or_zone" else field)
    assert err.fix and tc_sim.requests(VENDOR, "RunInstances") == []


def test_no_stock_is_refused_before_the_launch_and_after_an_accepted_one(tc_sim: Simulator,
                                                                         builder: VmBuilder) -> None:
    base = builder.resolve_base_image(REGION, "img-eb30mz89")
    with pytest.raises(errors.OperationFailed) as raised:
        builder.prepare_launch(request(base, Identity("bake-s6"), instance_type="S6.LARGE8"))
    assert "no stock" in str(raised.value) and raised.value.code == "ResourceInsufficient.SpecifiedInstanceType"
    launch.set_stock(tat(tc_sim).cvm, REGION, "ap-guangzhou-3", "S5.MEDIUM4", False)
    with pytest.raises(errors.OperationFailed) as launching:
        builder.launch_vm(request(base, Identity("bake-out")))
    assert launching.value.code == "ResourceInsufficient.SpecifiedInstanceType" and launched(tc_sim) == []
    launch.set_stock(tat(tc_sim).cvm, REGION, "ap-guangzhou-3", "S5.MEDIUM4", True)
    tc_sim.inject(VENDOR, "RunInstances", "fail")
    vm_id = builder.launch_vm(request(base, Identity("bake-late"))).vm_id
    tc_sim.advance(launch.BOOT_SECONDS)
    vm = builder.get_vm(vm_id)
    assert vm.power_state == "failed" and "ResourceInsufficient" in str(vm.extra["reason"])
    assert [v.power_state for v in builder.find_build_vms(REGION, Identity("bake-late"))] == ["failed"]
    builder.remove_build_vm(vm_id)
    tc_sim.advance(120)
    assert launched(tc_sim) == []


def test_cloud_refusals_at_launch_are_typed(tc_sim: Simulator, builder: VmBuilder) -> None:
    base = builder.resolve_base_image(REGION, "img-eb30mz89")
    missing = BaseImage("img-zzzzzzzz", "gone", "linux", "public")
    with pytest.raises(errors.NotFound):
        builder.launch_vm(request(missing, Identity("bake-gone")))
    with pytest.raises(errors.InvalidArgument) as subnet:
        builder.launch_vm(request(base, Identity("bake-net"), network={**NETWORK, "subnet_id": "subnet-nothere1"}))
    assert subnet.value.code == "InvalidParameterValue.SubnetNotExist"
    with pytest.raises(errors.InvalidArgument):
        builder.launch_vm(request(base, Identity("bake-type"), instance_type="S5.HUGE999"))
    launch.set_quota(tat(tc_sim).cvm, REGION, 2)
    with pytest.raises(errors.QuotaExceeded):
        builder.launch_vm(request(base, Identity("bake-quota")))
    assert launched(tc_sim) == []


def test_an_agent_that_stays_offline_reads_offline(tc_sim: Simulator, builder: VmBuilder) -> None:
    base = builder.resolve_base_image(REGION, "img-9id7emv7")
    vm_id = builder.launch_vm(request(base, Identity("bake-win"))).vm_id
    tat(tc_sim).set_agent(REGION, vm_id, "Offline")
    tc_sim.advance(launch.BOOT_SECONDS + AGENT_SECONDS)
    vm = builder.get_vm(vm_id)
    assert (vm.power_state, vm.os_type) == ("running", "windows")
    assert builder.agent_online(vm_id, "windows") is False


def test_a_pending_instance_refuses_removal_until_it_has_launched(tc_sim: Simulator, builder: VmBuilder) -> None:
    base = builder.resolve_base_image(REGION, "img-eb30mz89")
    vm_id = builder.launch_vm(request(base, Identity("bake-early"))).vm_id
    with pytest.raises(errors.InvalidState) as raised:
        builder.remove_build_vm(vm_id)
    assert raised.value.code == "UnsupportedOperation.InstanceStatePending"
    tc_sim.advance(launch.BOOT_SECONDS)
    builder.remove_build_vm(vm_id)
    tc_sim.advance(120)
    assert launched(tc_sim) == []


def test_an_image_shared_by_another_account_resolves_and_launches_keeping_its_login(
        tc_sim: Simulator, builder: VmBuilder) -> None:
    images = registry.adapter_for(target(), ImageAdapter)
    image_id = images.start_capture(CaptureRequest(name="team-base", source=Source(instance="ins-gzlnx001"))).image_id
    tc_sim.advance(3600)
    registry.adapter_for(target(), ImageSharer).share(REGION, image_id, ["100000000002"], [])
    role = CredentialChoice(role_arn="qcs::cam::uin/100000000002:roleName/image-builder")  # the receiving account
    receiver = registry.adapter_for(Target("tencent", "cvm", REGION, "sim", role), VmBuilder)
    for name in (image_id, "team-base"):
        base = receiver.resolve_base_image(REGION, name)
        assert (base.image_id, base.owner, base.os_type) == (image_id, "shared", "linux")
    vm_id = receiver.launch_vm(request(base, Identity("bake-shared"))).vm_id
    assert tc_sim.requests(VENDOR, "RunInstances")[-1].params["LoginSettings"] == {"KeepImageLogin": "true"}
    tc_sim.advance(launch.BOOT_SECONDS)
    assert receiver.get_vm(vm_id).power_state == "running"


def test_the_launch_agent_hook_keeps_new_agents_offline_and_a_windows_instance_runs_powershell(
        tc_sim: Simulator, builder: VmBuilder) -> None:
    base = builder.resolve_base_image(REGION, "img-9id7emv7")
    launch.set_launch_agent(tat(tc_sim).cvm, REGION, "Offline")
    silent = builder.launch_vm(request(base, Identity("bake-silent"))).vm_id
    launch.set_launch_agent(tat(tc_sim).cvm, REGION, "")
    talking = builder.launch_vm(request(base, Identity("bake-talking"))).vm_id
    tc_sim.advance(launch.BOOT_SECONDS + AGENT_SECONDS)
    assert builder.agent_online(silent, "windows") is False and builder.agent_online(talking, "windows") is True
    with pytest.raises(errors.InvalidState, match="agent offline"):
        builder.start_command(silent, "windows", ["Write-Output hi"])
    job = builder.start_command(talking, "windows", ["Write-Output provisioned"])
    assert tc_sim.requests("tencent-tat", "RunCommand")[-1].params["CommandType"] == "POWERSHELL"
    tc_sim.advance(60)
    result = builder.command_result(talking, "windows", job.job_id)
    assert result is not None and result.exit_code == 0
