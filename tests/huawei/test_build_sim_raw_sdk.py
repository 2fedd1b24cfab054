"""The simulator's ECS build-server calls judged by the real huaweicloudsdkecs: CreateServers (dry run, client
token, every refusal), ListServersDetails by tag, ListFlavors sale status, boot, agent and deletion."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkecs.v2 import (CreateServersRequest, CreateServersRequestBody, DeleteServersRequest,
                                  DeleteServersRequestBody, ListFlavorsRequest, ListServersDetailsRequest,
                                  PrePaidServer, PrePaidServerNic, PrePaidServerRootVolume,
                                  PrePaidServerSecurityGroup, PrePaidServerTag, ServerId, ShowJobRequest,
                                  ShowServerRequest)

from imageforge.simulator.core.simulator import Simulator
from imageforge.simulator.huawei import launch, servers
from imageforge.simulator.huawei.model import ImsModel

from .conftest import BJ4, VENDOR, shared

Clients = Callable[..., Any]
PASSWORD = "Build-Pass-2026"
LINUX_IMAGE = ImsModel._public_image_id(BJ4, "Linux")


@pytest.fixture
def sim(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    simulator = shared(module_sim, monkeypatch)
    simulator.advance(3600)
    return simulator


def server(**kw: Any) -> PrePaidServer:
    fields: dict[str, Any] = dict(
        image_ref=LINUX_IMAGE, flavor_ref="s6.large.2", name="build-raw", vpcid=launch.vpc_id(BJ4),
        nics=[PrePaidServerNic(subnet_id=launch.subnet_id(BJ4))],
        security_groups=[PrePaidServerSecurityGroup(id=launch.security_group_id(BJ4))],
        availability_zone=f"{BJ4}a", root_volume=PrePaidServerRootVolume(volumetype="GPSSD", size=40),
        server_tags=[PrePaidServerTag(key="imageforge-key", value="raw-sdk")], admin_pass=PASSWORD)
    fields.update(kw)
    return PrePaidServer(**fields)


def create(ecs: Any, token: str | None = None, dry_run: bool = False, **kw: Any) -> Any:
    return ecs.create_servers(CreateServersRequest(x_client_token=token, body=CreateServersRequestBody(
        dry_run=dry_run, server=server(**kw))))


def refused(ecs: Any, **kw: Any) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        create(ecs, **kw)
    assert caught.value.status_code == 400
    return caught.value


def test_create_servers_boots_tags_and_token(sim: Simulator, clients: Clients) -> None:
    ecs = clients(BJ4, "ecs")
    first = create(ecs, token="token-raw-1")
    again = create(ecs, token="token-raw-1")
    assert len(first.server_ids) == 1 and again.server_ids == first.server_ids and again.job_id == first.job_id
    sid = first.server_ids[0]
    shown = ecs.show_server(ShowServerRequest(server_id=sid)).server
    assert shown.status == "BUILD" and shown.os_ext_st_stask_state == "spawning"
    assert "imageforge-key=raw-sdk" in shown.tags and shown.os_ext_a_zavailability_zone == f"{BJ4}a"
    assert shown.security_groups[0].id == launch.security_group_id(BJ4)
    model = ImsModel(sim.ctx)
    assert servers.agent(model, BJ4, sid) == "OFFLINE"
    sim.advance(launch.BOOT_SECONDS["Linux"])
    assert ecs.show_server(ShowServerRequest(server_id=sid)).server.status == "ACTIVE"
    assert servers.agent(model, BJ4, sid) == "OFFLINE"
    sim.advance(launch.AGENT_SECONDS)
    assert servers.agent(model, BJ4, sid) == "ONLINE"
    other = create(ecs, token="token-raw-2")
    assert other.server_ids != first.server_ids
    # the password never reaches the request log
    logged = [r for r in sim.requests(VENDOR, "CreateServers")]
    assert logged and all(PASSWORD not in str(r.params) for r in logged)
    assert any(r.params.get("X-Client-Token") == "token-raw-1" for r in logged)


def test_list_servers_details_by_tag_and_delete(sim: Simulator, clients: Clients) -> None:
    ecs = clients(BJ4, "ecs")
    tag = [PrePaidServerTag(key="imageforge-key", value="listed-one")]
    sid = create(ecs, server_tags=tag, name="build-listed").server_ids[0]
    create(ecs, server_tags=[PrePaidServerTag(key="imageforge-key", value="someone-else")])
    found = ecs.list_servers_details(ListServersDetailsRequest(tags="imageforge-key=listed-one")).servers
    assert [s.id for s in found] == [sid] and found[0].status == "BUILD"
    held = launch.held(ImsModel(sim.ctx), BJ4, sid)
    assert held[0] == sid and len(held) == 3
    volume = found[0].os_extended_volumesvolumes_attached[0].id
    assert volume == held[1]
    ecs.delete_servers(DeleteServersRequest(body=DeleteServersRequestBody(
        servers=[ServerId(id=sid)], delete_volume=True, delete_publicip=True)))
    listed = ecs.list_servers_details(ListServersDetailsRequest(tags="imageforge-key=listed-one")).servers
    assert [s.os_ext_st_stask_state for s in listed] == ["deleting"]
    sim.advance(servers.DELETE_SECONDS)
    assert ecs.list_servers_details(ListServersDetailsRequest(tags="imageforge-key=listed-one")).servers == []
    assert launch.held(ImsModel(sim.ctx), BJ4, sid) == []
    with pytest.raises(ClientRequestException) as gone:
        ecs.show_server(ShowServerRequest(server_id=sid))
    assert gone.value.status_code == 404 and gone.value.error_code == "Ecs.0114"


def test_dry_run_creates_nothing(sim: Simulator, clients: Clients) -> None:
    ecs = clients(BJ4, "ecs")
    before = ecs.list_servers_details(ListServersDetailsRequest(tags="imageforge-key=dry")).servers
    create(ecs, dry_run=True, server_tags=[PrePaidServerTag(key="imageforge-key", value="dry")])
    after = ecs.list_servers_details(ListServersDetailsRequest(tags="imageforge-key=dry")).servers
    assert before == after == []
    assert refused(ecs, dry_run=True, flavor_ref="x9.huge").error_code == "Ecs.0029"


@pytest.mark.parametrize(("change", "code"), [
    ({"flavor_ref": "x9.huge"}, "Ecs.0029"),
    ({"image_ref": "00000000-0000-4000-8000-000000000000"}, "Ecs.0031"),
    ({"nics": [PrePaidServerNic(subnet_id="00000000-0000-4000-8000-000000000000")]}, "Ecs.0038"),
    ({"vpcid": "00000000-0000-4000-8000-000000000000"}, "Ecs.0064"),
    ({"security_groups": [PrePaidServerSecurityGroup(id="00000000-0000-4000-8000-000000000000")]}, "Ecs.0005"),
    ({"root_volume": PrePaidServerRootVolume(volumetype="FLOPPY", size=40)}, "Ecs.0043"),
    ({"root_volume": PrePaidServerRootVolume(volumetype="GPSSD", size=10)}, "Ecs.0005"),
    ({"admin_pass": "short"}, "Ecs.0011"),
    ({"availability_zone": f"{BJ4}c"}, "Ecs.0319"),
    ({"name": "x" * 65}, "Ecs.0914"),
    ({"name": "build server!"}, "Ecs.0915"),
    ({"server_tags": [PrePaidServerTag(key=f"k{n}", value="v") for n in range(11)]}, "Ecs.0905"),
    ({"server_tags": [PrePaidServerTag(key="k" * 37, value="v")]}, "Ecs.0906"),
    ({"server_tags": [PrePaidServerTag(key="a/b", value="v")]}, "Ecs.0907"),
    ({"server_tags": [PrePaidServerTag(key="k", value="a"), PrePaidServerTag(key="k", value="b")]}, "Ecs.0908"),
])
def test_refusals(sim: Simulator, clients: Clients, change: dict[str, Any], code: str) -> None:
    err = refused(clients(BJ4, "ecs"), **change)
    assert err.error_code == code and err.error_msg


def test_quota(sim: Simulator, clients: Clients) -> None:
    model = ImsModel(sim.ctx)
    live = len([r for r in sim.ctx.store.list(VENDOR, BJ4, "launch") if launch.held(model, BJ4, str(r["id"]))])
    launch.set_quota(model, BJ4, live)
    try:
        assert refused(clients(BJ4, "ecs")).error_code == "Ecs.0001"
    finally:
        launch.set_quota(model, BJ4, launch.DEFAULT_QUOTA)


def test_no_stock_after_acceptance(sim: Simulator, clients: Clients) -> None:
    ecs = clients(BJ4, "ecs")
    sim.inject(VENDOR, "CreateServers", "fail")
    reply = create(ecs)
    sid = reply.server_ids[0]
    assert ecs.show_server(ShowServerRequest(server_id=sid)).server.status == "BUILD"
    assert show_job(ecs, reply.job_id).status == "RUNNING"
    sim.advance(launch.BOOT_SECONDS["Linux"])
    shown = ecs.show_server(ShowServerRequest(server_id=sid)).server
    assert shown.status == "ERROR" and "Ecs.0319" in shown.fault["message"]
    job = show_job(ecs, reply.job_id)
    assert job.status == "FAIL" and job.error_code == "Ecs.0319" and job.fail_reason
    assert job.entities.sub_jobs[0].entities.server_id == sid and job.entities.sub_jobs[0].status == "FAIL"
    sim.advance(launch.ROLLBACK_SECONDS)  # CreateServers rolls a failed creation back
    with pytest.raises(ClientRequestException) as gone:
        ecs.show_server(ShowServerRequest(server_id=sid))
    assert gone.value.error_code == "Ecs.0114"
    assert launch.held(ImsModel(sim.ctx), BJ4, sid) == []


def test_show_job_of_a_launch(sim: Simulator, clients: Clients) -> None:
    ecs = clients(BJ4, "ecs")
    reply = create(ecs)
    assert show_job(ecs, reply.job_id).status == "RUNNING"
    sim.advance(launch.BOOT_SECONDS["Linux"])
    job = show_job(ecs, reply.job_id)
    assert job.status == "SUCCESS" and job.job_type == "createServer" and job.error_code is None
    assert job.entities.sub_jobs[0].entities.server_id == reply.server_ids[0]


def show_job(ecs: Any, job_id: str) -> Any:
    return ecs.show_job(ShowJobRequest(job_id=job_id))


def test_list_flavors_sale_status(sim: Simulator, clients: Clients) -> None:
    flavors = clients(BJ4, "ecs").list_flavors(ListFlavorsRequest(availability_zone=f"{BJ4}a")).flavors
    ids = {f.id for f in flavors}
    assert "s6.large.2" in ids
    az = flavors[0].os_extra_specs.condoperationaz
    assert f"{BJ4}a(normal)" in az and f"{BJ4}c(sellout)" in az
