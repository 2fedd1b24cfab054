"""The Huawei simulator judged by the real huaweicloudsdkims / huaweicloudsdkecs: every action, every error shape."""
from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServerResponseException
from huaweicloudsdkecs.v2 import ShowServerRequest
from huaweicloudsdkims.v2 import (BatchAddOrDeleteTagsRequest, BatchAddOrDeleteTagsRequestBody,
                                  CopyImageCrossRegionRequest, CopyImageCrossRegionRequestBody, CreateImageRequest,
                                  CreateImageRequestBody, CreateWholeImageRequest, CreateWholeImageRequestBody,
                                  GlanceDeleteImageRequest, GlanceDeleteImageRequestBody, ListImagesRequest,
                                  ListImageTagsRequest, ResourceTag, ShowJobProgressRequest, ShowJobRequest,
                                  TagKeyValue, UpdateImageRequest, UpdateImageRequestBody)

from imageforge.simulator.core.simulator import Simulator
from imageforge.simulator.huawei.regions import REGIONS, server_id, vault_id

from .conftest import BIG, BJ4, HK, LINUX, SEVEN, SH3, VAULT, VENDOR, WINDOWS, shared

Clients = Callable[..., Any]
HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def sim(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    return shared(module_sim, monkeypatch)


def capture(ims: Any, name: str = "golden", server: str = LINUX, **kw: Any) -> str:
    body = CreateImageRequestBody(name=name, instance_id=server, **kw)
    job_id = ims.create_image(CreateImageRequest(body=body)).job_id
    assert HEX32.match(job_id)
    return str(job_id)


def job(ims: Any, job_id: str) -> Any:
    """ShowJobProgress, the job query the SDK recommends."""
    return ims.show_job_progress(ShowJobProgressRequest(job_id=job_id))


def old_job(ims: Any, job_id: str) -> Any:
    """ShowJob: deprecated in the SDK (it warns), still served with the same fields."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return ims.show_job(ShowJobRequest(job_id=job_id))


def image(ims: Any, image_id: str) -> Any:
    found = ims.list_images(ListImagesRequest(imagetype="private", id=image_id)).images
    assert len(found) == 1
    return found[0]


def active_image(sim: Simulator, ims: Any, name: str = "golden", server: str = LINUX) -> str:
    job_id = capture(ims, name, server)
    sim.advance(1000)
    reply = job(ims, job_id)
    assert reply.status == "SUCCESS"
    return str(reply.entities.image_id)


def copy(ims: Any, image_id: str, dest: str, **kw: Any) -> str:
    fields = {"name": "golden-copy", "region": dest, "project_name": dest, "agency_name": "ims_admin_agency", **kw}
    reply = ims.copy_image_cross_region(CopyImageCrossRegionRequest(image_id=image_id, body=CopyImageCrossRegionRequestBody(**fields)))
    return str(reply.job_id)


SdkError = type[ClientRequestException | ServerResponseException]


def refused(call: Callable[[], Any], exc: SdkError = ClientRequestException) -> Any:
    with pytest.raises(exc) as info:
        call()
    err = info.value
    assert HEX32.match(err.request_id or ""), err.request_id
    return err


# endpoints, servers --------------------------------------------------------------------
def test_endpoints_publish_one_fixed_project_id_per_region(sim: Simulator) -> None:
    published = json.loads((sim.home / "endpoints.json").read_text())["huawei_projects"]
    assert set(published) == set(REGIONS) and {BJ4, SH3, HK} <= set(published)
    assert all(HEX32.match(pid) for pid in published.values())
    assert len(set(published.values())) == len(published)
    assert published == sim.endpoints["huawei_projects"]


def test_show_server_parses_seeded_linux_and_windows_in_three_regions(sim: Simulator, clients: Clients) -> None:
    for region in (BJ4, SH3, HK):
        ecs = clients(region, "ecs")
        lnx = ecs.show_server(ShowServerRequest(server_id=server_id(region, "linux"))).server
        win = ecs.show_server(ShowServerRequest(server_id=server_id(region, "windows"))).server
        assert lnx.status == "ACTIVE" and lnx.metadata["os_type"] == "Linux"
        assert win.status == "SHUTOFF" and win.metadata["os_type"] == "Windows"
        assert lnx.os_ext_a_zavailability_zone == f"{region}a" and lnx.flavor.id == "s6.large.2"
        assert lnx.os_extended_volumesvolumes_attached[0].boot_index == "0"
        assert lnx.tenant_id == sim.endpoints["huawei_projects"][region]
    assert server_id(BJ4, "linux") == "11111111-0000-4000-8000-000000000001"


def test_show_server_unknown_raises_ecs_error(clients: Clients) -> None:
    err = refused(lambda: clients(BJ4, "ecs").show_server(ShowServerRequest(server_id="no-such-server")))
    assert err.status_code == 404 and err.error_code == "Ecs.0114" and "no-such-server" in err.error_msg


def test_server_of_another_region_is_not_found(clients: Clients) -> None:
    err = refused(lambda: clients(SH3, "ecs").show_server(ShowServerRequest(server_id=LINUX)))
    assert err.error_code == "Ecs.0114"


# capture lifecycle ---------------------------------------------------------------------
def test_capture_job_names_image_then_image_becomes_active(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    job_id = capture(ims, "golden-life", description="web tier", image_tags=[TagKeyValue(key="team", value="web")])
    first = job(ims, job_id)
    assert first.status == "INIT" and first.entities.image_id is None and first.begin_time
    [listed] = ims.list_images(ListImagesRequest(imagetype="private", name="golden-life")).images
    assert listed.status == "queued" and listed.tags == ["team.web"]  # listed from the moment the job is accepted
    sim.advance(15)
    running = job(ims, job_id)
    assert running.status == "RUNNING" and running.job_type == "createImageByInstance"
    image_id = running.entities.image_id
    assert image_id == listed.id and running.entities.image_name == "golden-life"
    assert 0 < running.entities.process_percent < 1
    old = old_job(ims, job_id)  # ShowJob answers the same
    assert (old.status, old.job_type, old.entities.image_id, old.entities.process_percent) == (
        running.status, running.job_type, image_id, running.entities.process_percent)
    seen = image(ims, image_id)
    assert seen.status == "queued" and seen.description == "web tier" and seen.tags == ["team.web"]
    assert seen.imagetype == "private" and seen.os_type == "Linux" and seen.min_disk == 40
    sim.advance(60)
    assert image(ims, image_id).status == "saving"
    busy = clients(BJ4, "ecs").show_server(ShowServerRequest(server_id=LINUX)).server
    assert busy.os_ext_st_stask_state == "image_snapshot"
    sim.advance(600)
    done = job(ims, job_id)
    assert done.status == "SUCCESS" and done.end_time and done.fail_reason is None
    assert image(ims, image_id).status == "active"


def test_job_progress_is_read_in_the_project_of_the_jobs_region(sim: Simulator, clients: Clients) -> None:
    job_id = capture(clients(), "golden-where")
    err = refused(lambda: job(clients(SH3), job_id))
    assert err.error_code == "IMG.0023"
    assert sim.requests(VENDOR, "ShowJobProgress")[-1].region == SH3
    sim.advance(700)


def test_windows_capture_takes_longer(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    linux_job, windows_job = capture(ims, "lnx-time"), capture(ims, "win-time", WINDOWS)
    sim.advance(700)
    assert job(ims, linux_job).status == "SUCCESS" and job(ims, windows_job).status == "RUNNING"
    sim.advance(300)
    assert job(ims, windows_job).status == "SUCCESS"


def test_whole_image_needs_a_vault(sim: Simulator, clients: Clients) -> None:
    ims = clients()

    def whole(**kw: Any) -> str:
        body = CreateWholeImageRequestBody(name="golden-whole", instance_id=WINDOWS, **kw)
        return str(ims.create_whole_image(CreateWholeImageRequest(body=body)).job_id)

    assert "vault_id" in refused(whole).error_msg and refused(whole).error_code == "IMG.0001"
    assert refused(lambda: whole(vault_id="00000000-0000-4000-8000-000000000000")).error_code == "IMG.0184"
    job_id = whole(vault_id=VAULT)
    sim.advance(60)
    reply = job(ims, job_id)
    assert reply.job_type == "createWholeImageByInstance" and reply.entities.image_id


@pytest.mark.parametrize("body, code", [
    ({"name": "", "instance_id": LINUX}, "IMG.0013"),
    ({"name": "x" * 129, "instance_id": LINUX}, "IMG.0002"),
    ({"name": " leading-space", "instance_id": LINUX}, "IMG.0003"),
    ({"name": "bad/slash", "instance_id": LINUX}, "IMG.0003"),
    ({"name": "ok", "instance_id": LINUX, "description": "<b>"}, "IMG.0054"),
    ({"name": "ok", "instance_id": LINUX, "description": "d" * 1025}, "IMG.0004"),
    ({"name": "ok"}, "IMG.0012"),
    ({"name": "ok", "instance_id": "missing-server"}, "IMG.0005"),
    ({"name": "ok", "instance_id": LINUX, "tags": ["a.1"], "image_tags": [TagKeyValue(key="b", value="2")]}, "IMG.0001"),
])
def test_create_image_refusals_carry_ims_codes(clients: Clients, body: dict[str, Any], code: str) -> None:
    err = refused(lambda: clients().create_image(CreateImageRequest(body=CreateImageRequestBody(**body))))
    assert err.status_code == 400 and err.error_code == code and err.error_msg


def test_second_capture_of_a_busy_server_is_refused(sim: Simulator, clients: Clients) -> None:
    ims = clients(HK)
    capture(ims, "busy-1", server_id(HK, "linux"))
    err = refused(lambda: capture(ims, "busy-2", server_id(HK, "linux")))
    assert err.error_code == "IMG.0010"
    sim.advance(700)


def test_failed_job_reports_reason_and_kills_the_image(sim: Simulator, clients: Clients) -> None:
    ims = clients(SH3)
    sim.inject(VENDOR, "CreateImage", "fail", region=SH3, message="The ECS system disk could not be snapshotted.")
    job_id = capture(ims, "doomed", server_id(SH3, "linux"))
    sim.advance(60)
    image_id = job(ims, job_id).entities.image_id
    sim.advance(400)
    failed = job(ims, job_id)
    assert failed.status == "FAIL" and failed.error_code == "IMG.0014"
    assert failed.fail_reason == "The ECS system disk could not be snapshotted." and failed.end_time
    assert image(ims, image_id).status == "killed"
    ims.glance_delete_image(GlanceDeleteImageRequest(image_id=image_id))


# list, update, tags, delete -------------------------------------------------------------------
def test_list_images_filters_and_pages(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    ids = [active_image(sim, ims, f"page-{n}") for n in range(3)]
    gold = ims.list_images(ListImagesRequest(imagetype="gold")).images
    assert {g.platform for g in gold} == {"CentOS", "Windows"} and all(g.visibility == "public" for g in gold)
    private = [i.id for i in ims.list_images(ListImagesRequest(imagetype="private")).images]
    assert set(ids) <= set(private) and not {g.id for g in gold} & set(private)
    assert [i.id for i in ims.list_images(ListImagesRequest(imagetype="private", name="page-1")).images] == [ids[1]]
    assert ims.list_images(ListImagesRequest(imagetype="private", status="queued", name="page-1")).images == []
    first = ims.list_images(ListImagesRequest(imagetype="private", limit=1, sort_key="name", sort_dir="asc")).images
    after = ims.list_images(ListImagesRequest(imagetype="private", limit=1, sort_key="name", sort_dir="asc",
                                              marker=first[0].id)).images
    assert len(first) == len(after) == 1 and first[0].name < after[0].name
    assert refused(lambda: ims.list_images(ListImagesRequest(sort_key="colour"))).error_code == "IMG.0001"


def test_update_and_tag_an_active_image(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    image_id = active_image(sim, ims, "to-rename")
    ops = [UpdateImageRequestBody(op="replace", path="/name", value="renamed"),
           UpdateImageRequestBody(op="replace", path="/__description", value="patched")]
    reply = ims.update_image(UpdateImageRequest(image_id=image_id, body=ops))
    assert reply.name == "renamed" and reply.description == "patched" and reply.status == "active"
    tags = [ResourceTag(key="team", value="web"), ResourceTag(key="tier", value="gold")]
    ims.batch_add_or_delete_tags(BatchAddOrDeleteTagsRequest(image_id=image_id, body=BatchAddOrDeleteTagsRequestBody(action="create", tags=tags)))
    ims.batch_add_or_delete_tags(BatchAddOrDeleteTagsRequest(image_id=image_id, body=BatchAddOrDeleteTagsRequestBody(
        action="delete", tags=[ResourceTag(key="tier", value="")])))
    assert ims.list_images(ListImagesRequest(imagetype="private", tag="team.web")).images[0].id == image_id
    bad = [UpdateImageRequestBody(op="replace", path="/name", value="no/slash")]
    assert refused(lambda: ims.update_image(UpdateImageRequest(image_id=image_id, body=bad))).error_code == "IMG.0003"


def test_update_of_an_image_being_created_is_refused(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    job_id = capture(ims, "still-saving", WINDOWS)
    sim.advance(60)
    image_id = job(ims, job_id).entities.image_id
    ops = [UpdateImageRequestBody(op="replace", path="/name", value="early")]
    assert refused(lambda: ims.update_image(UpdateImageRequest(image_id=image_id, body=ops))).error_code == "IMG.0046"
    err = refused(lambda: ims.glance_delete_image(GlanceDeleteImageRequest(image_id=image_id)))
    assert err.error_code == "IMG.0090"
    sim.advance(1000)


def test_glance_delete_answers_204_then_404(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    image_id = active_image(sim, ims, "to-delete")
    reply = ims.glance_delete_image(GlanceDeleteImageRequest(image_id=image_id, body=GlanceDeleteImageRequestBody(delete_backup=True)))
    assert reply.status_code == 204
    err = refused(lambda: ims.glance_delete_image(GlanceDeleteImageRequest(image_id=image_id)))
    assert err.status_code == 404 and err.error_code == "IMG.0144"


# cross-region copy ---------------------------------------------------------------------
def test_cross_region_copy_runs_as_a_job_and_lands_in_the_destination_project(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    image_id = active_image(sim, ims, "to-copy")
    job_id = copy(ims, image_id, SH3)
    sim.advance(20)
    running = job(ims, job_id)
    assert running.status == "RUNNING" and running.job_type == "copyImageCrossRegion"
    copy_id = running.entities.image_id
    assert clients(SH3).list_images(ListImagesRequest(imagetype="private", id=copy_id)).images[0].status == "queued"
    assert ims.list_images(ListImagesRequest(imagetype="private", id=copy_id)).images == []  # not in the source project
    sim.advance(900)
    assert job(ims, job_id).status == "SUCCESS"
    assert clients(SH3).list_images(ListImagesRequest(imagetype="private", id=copy_id)).images[0].status == "active"


@pytest.mark.parametrize("change, code", [
    ({"region": BJ4, "project_name": BJ4}, "IMG.0001"),
    ({"agency_name": None}, "IMG.0001"),
    ({"project_name": "cn-north-1"}, "IMG.0145"),
    ({"region": "xx-nowhere-1", "project_name": "xx-nowhere-1"}, "IMG.0001"),
])
def test_copy_refusals(sim: Simulator, clients: Clients, change: dict[str, Any], code: str) -> None:
    ims = clients()
    image_id = active_image(sim, ims, "copy-refusal")
    err = refused(lambda: copy(ims, image_id, SH3, **{"project_name": SH3, **change}))
    assert err.error_code == code


def test_copy_of_an_image_over_128_gb_is_refused(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    image_id = active_image(sim, ims, "too-big", BIG)
    assert image(ims, image_id).min_disk == 200
    assert refused(lambda: copy(ims, image_id, SH3)).error_code == "IMG.0059"


def test_sixth_copy_in_flight_is_refused(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    image_id = active_image(sim, ims, "fan-out")
    for region in SEVEN[:5]:
        copy(ims, image_id, region)
    err = refused(lambda: copy(ims, image_id, SEVEN[5]))
    assert err.status_code == 400 and err.error_code == "IMG.0060"
    sim.advance(1000)
    copy(ims, image_id, SEVEN[5])  # slots free again
    sim.advance(1000)


# throttling, 5xx, unknown things ----------------------------------------------------------
def test_throttled_post_keeps_the_apig_code_and_request_id(sim: Simulator, clients: Clients) -> None:
    sim.inject(VENDOR, "CreateImage", "throttle")
    err = refused(lambda: capture(clients(), "throttled"))
    assert err.status_code == 429 and err.error_code == "APIGW.0308"


def test_throttled_get_loses_its_body_in_the_sdk(sim: Simulator, clients: Clients) -> None:
    sim.inject(VENDOR, "ListImages", "throttle")
    with pytest.raises(ClientRequestException) as info:
        clients().list_images(ListImagesRequest(imagetype="private"))
    assert info.value.status_code == 429 and info.value.error_code == "429" and not info.value.request_id
    assert sim.requests(VENDOR, "ListImages")[-1].error == "APIGW.0308"


def test_server_error_raises_server_response_exception(sim: Simulator, clients: Clients) -> None:
    sim.inject(VENDOR, "ShowJobProgress", "5xx", code="IMG.0061", message="Unknown system error.", status=500)
    err = refused(lambda: job(clients(), "0" * 32), ServerResponseException)
    assert err.status_code == 500 and err.error_code == "IMG.0061"


def test_unknown_job_project_and_action(sim: Simulator, clients: Clients) -> None:
    assert refused(lambda: job(clients(), "f" * 32)).error_code == "IMG.0023"
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkims.v2 import ImsClient

    stranger = ImsClient.new_builder().with_credentials(BasicCredentials("AK", "SK", "0" * 32)).with_endpoints(
        [sim.endpoints["http"]]).build()
    err = refused(lambda: stranger.list_images(ListImagesRequest(imagetype="private")))
    assert err.status_code == 401 and err.error_code == "APIGW.0301" and "ak not exist" in err.error_msg
    elsewhere = ImsClient.new_builder().with_credentials(BasicCredentials("SIMULATORAK", "simulator-secret", "0" * 32)
                                                         ).with_endpoints([sim.endpoints["http"]]).build()
    err = refused(lambda: elsewhere.list_images(ListImagesRequest(imagetype="private")))
    assert err.status_code == 401 and err.error_code == "APIGW.0301" and "project" in err.error_msg
    err = refused(lambda: clients().list_image_tags(ListImageTagsRequest(image_id="x")))
    assert err.status_code == 404 and err.error_code == "APIGW.0101" and "not implemented by the simulator" in err.error_msg


def test_copy_limit_holds_under_concurrent_requests(sim: Simulator, clients: Clients) -> None:
    from concurrent.futures import ThreadPoolExecutor

    image_id = active_image(sim, clients(), "fan-out-race")

    def attempt(region: str) -> str:
        try:
            return copy(clients(), image_id, region)
        except ClientRequestException as err:
            return str(err.error_code)

    regions = SEVEN + ("af-south-1",)
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, regions))
    assert sum(1 for o in outcomes if HEX32.match(o)) == 5 and outcomes.count("IMG.0060") == 3
    sim.advance(1000)


def test_a_job_failing_in_init_makes_no_image(sim: Simulator, clients: Clients) -> None:
    ims = clients(SH3)
    sim.inject(VENDOR, "CreateImage", "fail", region=SH3, message="Quota checked late.", params={"after": 5})
    job_id = capture(ims, "never-made", server_id(SH3, "linux"))
    assert ims.list_images(ListImagesRequest(imagetype="private", name="never-made")).images == []
    sim.advance(10)
    failed = job(ims, job_id)
    assert failed.status == "FAIL" and failed.entities.image_id is None and failed.fail_reason == "Quota checked late."
    assert ims.list_images(ListImagesRequest(imagetype="private", name="never-made")).images == []


def test_full_ecs_images_show_their_backup_and_copy_only_with_a_vault(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    body = CreateWholeImageRequestBody(name="whole-copy", instance_id=LINUX, vault_id=VAULT)
    job_id = ims.create_whole_image(CreateWholeImageRequest(body=body)).job_id
    sim.advance(1300)
    image_id = job(ims, job_id).entities.image_id
    assert image(ims, image_id).backup_id and image(ims, image_id).status == "active"
    assert "vault_id" in refused(lambda: copy(ims, image_id, SH3)).error_msg
    assert refused(lambda: copy(ims, image_id, SH3, vault_id=VAULT)).error_code == "IMG.0184"  # the source's vault
    copy_job = copy(ims, image_id, SH3, vault_id=vault_id(SH3))
    sim.advance(20)
    copied = clients(SH3).list_images(ListImagesRequest(imagetype="private", id=job(ims, copy_job).entities.image_id))
    assert copied.images[0].backup_id and copied.images[0].backup_id != image(ims, image_id).backup_id
    sim.advance(1000)


def test_an_encrypted_image_is_not_copied(sim: Simulator, clients: Clients) -> None:
    ims = clients()
    job_id = capture(ims, "encrypted", cmk_id="kms-key-1")
    sim.advance(700)
    image_id = job(ims, job_id).entities.image_id
    assert image(ims, image_id).system__cmkid == "kms-key-1"
    assert refused(lambda: copy(ims, image_id, SH3)).error_code == "IMG.0105"
