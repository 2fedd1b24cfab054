"""The Huawei VmBuilder end to end against the simulator: base image, launch, boot, agent, a COC command, stop,
IMS capture, deletion with disk and NIC, and every refusal named as the input it is about."""
from __future__ import annotations

import pytest

from imageforge.providers.core.errors import NotFound, OperationFailed, UserInputError
from imageforge.providers.core.model import (TAG_KEY, BaseImage, CaptureRequest, Identity, ImageStatus, LaunchRequest,
                                             Source, Target)
from imageforge.providers.core.protocol import ImageAdapter, VmBuilder
from imageforge.providers.core.registry import adapter_for
from imageforge.simulator.core.simulator import Simulator
from imageforge.simulator.huawei import launch, servers
from imageforge.simulator.huawei.model import ImsModel

from .conftest import BJ4, VENDOR, shared

PASSWORD = "Build-Pass-2026"
NETWORK = {"vpc_id": launch.vpc_id(BJ4), "subnet_id": launch.subnet_id(BJ4),
           "security_group_id": launch.security_group_id(BJ4), "availability_zone": f"{BJ4}a"}


@pytest.fixture
def sim(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    simulator = shared(module_sim, monkeypatch)
    simulator.advance(3600)
    return simulator


@pytest.fixture
def builder(sim: Simulator) -> VmBuilder:
    return adapter_for(Target("huawei", "ims", BJ4, "sim"), VmBuilder)


def launch_request(base: BaseImage, key: str, **kw: object) -> LaunchRequest:
    fields: dict[str, object] = dict(region=BJ4, name=f"bake-{key}", base_image=base, instance_type="s6.large.2",
                                     network=NETWORK, disk_size_gb=40, tags={TAG_KEY: key, "team": "web"},
                                     client_token=f"token-{key}", admin_secret=PASSWORD)
    fields.update(kw)
    return LaunchRequest(**fields)  # type: ignore[arg-type]


def test_build_vm_end_to_end(sim: Simulator, builder: VmBuilder) -> None:
    key = "e2e0123456789abcdef0123"
    base = builder.resolve_base_image(BJ4, "CentOS 7.9 64bit")
    assert base.owner == "public" and base.os_type == "linux"
    assert base.image_id == ImsModel._public_image_id(BJ4, "Linux")
    assert builder.resolve_base_image(BJ4, base.image_id) == base
    request = launch_request(base, key)
    assert builder.prepare_launch(request) == []
    first, again = builder.launch_vm(request), builder.launch_vm(request)
    vm = first.vm_id
    assert vm and again.vm_id == vm
    launches = sim.requests(VENDOR, "CreateServers")
    assert launches and all(PASSWORD not in str(r.params) for r in launches)
    assert [r.params["server"]["adminPass"] for r in launches[-2:]] == ["******", "******"]
    assert [v.vm_id for v in builder.find_build_vms(BJ4, Identity(key))] == [vm]
    info = builder.get_vm(vm)
    assert info.power_state == "pending" and info.extra["tags"] == {TAG_KEY: key, "team": "web"}
    sim.advance(launch.BOOT_SECONDS["Linux"])
    assert builder.get_vm(vm).power_state == "running"
    assert not builder.agent_online(vm, "linux")
    sim.advance(launch.AGENT_SECONDS)
    assert builder.agent_online(vm, "linux")
    job = builder.start_command(vm, "linux", ["echo baked by imageforge"])
    result = None
    for _ in range(20):
        result = builder.command_result(vm, "linux", job.job_id)
        if result is not None:
            break
        sim.advance(5)
    assert result is not None and result.exit_code == 0 and "baked by imageforge" in result.stdout_tail
    builder.stop_vm(vm)
    sim.advance(servers.STOP_SECONDS)
    assert builder.get_vm(vm).power_state == "stopped"
    images = adapter_for(Target("huawei", "ims", BJ4, "sim"), ImageAdapter)
    started = images.start_capture(CaptureRequest(name=f"baked-{key[:8]}", source=Source(instance=vm),
                                                  tags={TAG_KEY: key}))
    image_id = ""
    for _ in range(30):
        image_id = images.follow_job(started.job_id).image_id
        if image_id and images.describe_images([image_id])[image_id].status is ImageStatus.AVAILABLE:
            break
        sim.advance(60)
    assert images.describe_images([image_id])[image_id].status is ImageStatus.AVAILABLE
    builder.remove_build_vm(vm)
    builder.remove_build_vm(vm)  # a retried removal while ECS deletes it sends no second DeleteServers
    assert len([r for r in sim.requests(VENDOR, "DeleteServers") if vm in str(r.params)]) == 1
    sim.advance(servers.DELETE_SECONDS)
    assert builder.find_build_vms(BJ4, Identity(key)) == []
    assert builder.find_build_leftovers(BJ4, Identity(key)) == []
    assert launch.held(ImsModel(sim.ctx), BJ4, vm) == []
    with pytest.raises(NotFound):
        builder.get_vm(vm)
    with pytest.raises(NotFound):
        builder.remove_build_vm(vm)


def test_windows_server_found_again_by_a_run_without_state(sim: Simulator, builder: VmBuilder) -> None:
    base = builder.resolve_base_image(BJ4, "Windows Server 2022 Standard 64bit")
    assert base.os_type == "windows" and base.owner == "public"
    key = "windows0123456789abcdef"
    vm = builder.launch_vm(launch_request(base, key, disk_size_gb=None)).vm_id
    later = adapter_for(Target("huawei", "ims", BJ4, "sim"), VmBuilder)  # a new process knows only the key
    found = later.find_build_vms(BJ4, Identity(key))
    assert [(v.vm_id, v.os_type, v.power_state) for v in found] == [(vm, "windows", "pending")]
    sim.advance(launch.BOOT_SECONDS["Windows"] + launch.AGENT_SECONDS)
    assert later.get_vm(vm).power_state == "running" and later.agent_online(vm, "windows")
    later.remove_build_vm(vm)
    sim.advance(servers.DELETE_SECONDS)
    assert later.find_build_vms(BJ4, Identity(key)) == [] and launch.held(ImsModel(sim.ctx), BJ4, vm) == []


def test_unknown_base_image(sim: Simulator, builder: VmBuilder) -> None:
    with pytest.raises(NotFound, match="no IMS image named 'Plan9 4th edition'"):
        builder.resolve_base_image(BJ4, "Plan9 4th edition")
    with pytest.raises(NotFound):
        builder.resolve_base_image(BJ4, "00000000-0000-4000-8000-000000000000")


@pytest.mark.parametrize(("change", "field"), [
    ({"instance_type": "x9.huge"}, "instance_type"),
    ({"network": {**NETWORK, "subnet_id": "00000000-0000-4000-8000-000000000000"}}, "network.subnet_id"),
    ({"network": {**NETWORK, "vpc_id": "00000000-0000-4000-8000-000000000000"}}, "network.vpc_id"),
    ({"network": {**NETWORK, "security_group_id": "00000000-0000-4000-8000-000000000000"}},
     "network.security_group_id"),
    ({"network": {k: v for k, v in NETWORK.items() if k != "vpc_id"}}, "network.vpc_id"),
    ({"network": {**NETWORK, "availability_zone": f"{BJ4}c"}}, "network.availability_zone"),
    ({"network": {**NETWORK, "availability_zone": "mars-1a"}}, "network.availability_zone"),
    ({"disk_size_gb": 20}, "disk_size_gb"),
    ({"options": {"volume_type": "FLOPPY"}}, "options.volume_type"),
    ({"options": {"user_data": "x" * 40000}}, "options.user_data"),
    ({"tags": {TAG_KEY: "refused0123456789abcdef", **{f"k{n}": "v" for n in range(10)}}}, "tags"),
    ({"tags": {TAG_KEY: "refused0123456789abcdef", "a|b": "v"}}, "tags"),
])
def test_prepare_refuses_before_launch(sim: Simulator, builder: VmBuilder, change: dict[str, object],
                                       field: str) -> None:
    base = builder.resolve_base_image(BJ4, "CentOS 7.9 64bit")
    base = BaseImage(base.image_id, base.name, base.os_type, base.owner, {**base.extra, "min_disk": 40})
    key = "refused0123456789abcdef"
    before = len(sim.requests(VENDOR, "CreateServers"))
    with pytest.raises(UserInputError) as caught:
        builder.prepare_launch(launch_request(base, key, **change))
    assert caught.value.field == field and caught.value.fix
    assert builder.find_build_vms(BJ4, Identity(key)) == []
    assert all(r.params.get("dry_run") is True for r in sim.requests(VENDOR, "CreateServers")[before:])


def test_no_stock_at_launch_and_after_acceptance(sim: Simulator, builder: VmBuilder) -> None:
    base = builder.resolve_base_image(BJ4, "CentOS 7.9 64bit")
    sold_out = launch_request(base, "nostock0123456789abcde", network={**NETWORK, "availability_zone": f"{BJ4}c"})
    with pytest.raises(OperationFailed) as caught:
        builder.launch_vm(sold_out)
    assert caught.value.code == "Ecs.0319"
    sim.inject(VENDOR, "CreateServers", "fail")
    key = "gaveup0123456789abcdef0"
    vm = builder.launch_vm(launch_request(base, key)).vm_id
    assert builder.get_vm(vm).power_state == "pending"
    sim.advance(launch.BOOT_SECONDS["Linux"])
    info = builder.get_vm(vm)
    assert info.power_state == "failed" and "Ecs.0319" in str(info.extra["reason"])
    assert [v.power_state for v in builder.find_build_vms(BJ4, Identity(key))] == ["failed"]
    sim.advance(launch.ROLLBACK_SECONDS)  # ECS rolls the failed creation back: nothing is left
    assert builder.find_build_vms(BJ4, Identity(key)) == []
    with pytest.raises(NotFound):
        builder.remove_build_vm(vm)


def test_agent_kept_offline(sim: Simulator, builder: VmBuilder) -> None:
    base = builder.resolve_base_image(BJ4, "CentOS 7.9 64bit")
    vm = builder.launch_vm(launch_request(base, "offline0123456789abcdef")).vm_id
    servers.set_agent(ImsModel(sim.ctx), BJ4, vm, "OFFLINE")
    sim.advance(launch.BOOT_SECONDS["Linux"] + launch.AGENT_SECONDS)
    assert builder.get_vm(vm).power_state == "running" and not builder.agent_online(vm, "linux")
    builder.remove_build_vm(vm)


def test_quota(sim: Simulator, builder: VmBuilder) -> None:
    from imageforge.providers.core.errors import QuotaExceeded

    model = ImsModel(sim.ctx)
    launch.set_quota(model, BJ4, 0)
    try:
        base = builder.resolve_base_image(BJ4, "CentOS 7.9 64bit")
        with pytest.raises(QuotaExceeded):
            builder.prepare_launch(launch_request(base, "quota0123456789abcdef01"))
    finally:
        launch.set_quota(model, BJ4, launch.DEFAULT_QUOTA)
