"""The EDS simulator judged by the real `alibabacloud_ecd20200930` SDK: every action, every error shape."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_ecd20200930 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException

from imageforge.simulator.core.simulator import Simulator

from .conftest import BJ, DATA_SNAP, ENC, HZ, LNX, LNX_DATA_SNAP, LNX_SYS_SNAP, SG, SH, SYS_SNAP, WIN, shared

Ecd = Callable[[str], Any]
MIN = 60.0


@pytest.fixture
def sim(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    return shared(module_sim, monkeypatch)


def capture(client: Any, **kw: Any) -> str:
    kw.setdefault("image_name", "golden-image")
    kw.setdefault("auto_clean_userdata", False)
    reply = client.create_image(m.CreateImageRequest(region_id=HZ, **kw))
    assert reply.body.request_id
    return str(reply.body.image_id)


def image(client: Any, image_id: str, region: str = HZ) -> Any:
    images = client.describe_images(m.DescribeImagesRequest(region_id=region, image_id=[image_id])).body.images
    assert len(images) == 1
    return images[0]


def custom_images(client: Any) -> list[str]:
    body = client.describe_images(m.DescribeImagesRequest(region_id=HZ, image_type="CUSTOM", max_results=100)).body
    assert not body.next_token
    return [i.image_id for i in body.images]


def refused(call: Callable[[], Any], exc: type[Exception] = ClientException) -> Any:
    with pytest.raises(exc) as info:
        call()
    err: Any = info.value
    assert err.request_id and err.request_id != "None"
    return err


# reads -----------------------------------------------------------------------------
def test_describe_desktops_seeds_linux_windows_and_encrypted_in_three_regions(ecd: Ecd) -> None:
    for region, short in ((HZ, "hz"), (SH, "sh"), (SG, "sg")):
        body = ecd(region).describe_desktops(m.DescribeDesktopsRequest(region_id=region)).body
        by_id = {d.desktop_id: d for d in body.desktops}
        assert set(by_id) == {f"ecd-{short}imageforge{t}01" for t in ("lnx", "win", "enc")}
        for did in by_id:
            assert len(did) == 21 and did[4:].isalnum() and did[4:].islower()
        lnx, win, enc = (by_id[f"ecd-{short}imageforge{t}01"] for t in ("lnx", "win", "enc"))
        assert (lnx.os_type, win.os_type, enc.os_type) == ("Linux", "Windows", "Windows")
        assert enc.volume_encryption_enabled is True and win.volume_encryption_enabled is False
        assert lnx.desktop_status == "Running"
        assert {d.disk_type for d in lnx.disks} == {"SYSTEM", "DATA"}


def test_describe_desktops_filters_by_id_list_and_pages_with_next_token(ecd: Ecd) -> None:
    client = ecd(HZ)
    body = client.describe_desktops(m.DescribeDesktopsRequest(region_id=HZ, desktop_id=[ENC, LNX])).body
    assert sorted(d.desktop_id for d in body.desktops) == sorted([ENC, LNX])
    seen, token = [], None
    while True:
        page = client.describe_desktops(m.DescribeDesktopsRequest(region_id=HZ, max_results=2, next_token=token)).body
        seen += [d.desktop_id for d in page.desktops]
        token = page.next_token
        if not token:
            break
    assert len(seen) == 3 and len(set(seen)) == 3


def test_describe_snapshots_reports_disk_types_and_filters_case_insensitively(ecd: Ecd) -> None:
    client = ecd(HZ)
    body = client.describe_snapshots(m.DescribeSnapshotsRequest(region_id=HZ)).body
    kinds = {s.snapshot_id: s.source_disk_type for s in body.snapshots}
    assert kinds[SYS_SNAP] == "System" and kinds[DATA_SNAP] == "Data"
    system = client.describe_snapshots(m.DescribeSnapshotsRequest(region_id=HZ, source_disk_type="system")).body
    assert {s.snapshot_id for s in system.snapshots} == {SYS_SNAP, LNX_SYS_SNAP}
    one = client.describe_snapshots(m.DescribeSnapshotsRequest(region_id=HZ, snapshot_id=DATA_SNAP)).body
    assert [s.desktop_id for s in one.snapshots] == [WIN]


# capture lifecycle -------------------------------------------------------------------
def test_capture_from_desktop_creating_then_available_and_cleanup_adds_twenty_minutes(sim: Simulator, ecd: Ecd) -> None:
    client = ecd(HZ)
    quick = capture(client, desktop_id=WIN, image_name="quick", disk_type="SYSTEM")
    cleaned = capture(client, desktop_id=WIN, image_name="cleaned", auto_clean_userdata=True, disk_type="SYSTEM")
    first = image(client, quick)
    assert (first.status, first.progress, first.image_type, first.os_type) == ("Creating", "0%", "CUSTOM", "Windows")
    assert first.description == "quick"  # the description defaults to the name
    sim.advance(5 * MIN)
    assert image(client, quick).progress == "50%"
    sim.advance(6 * MIN)
    assert image(client, quick).status == "Available" and image(client, quick).progress == "100%"
    assert image(client, cleaned).status == "Creating"
    sim.advance(20 * MIN)
    assert image(client, cleaned).status == "Available"


def test_capture_from_system_snapshot_with_data_snapshots(sim: Simulator, ecd: Ecd) -> None:
    client = ecd(HZ)
    image_id = capture(client, snapshot_id=SYS_SNAP, data_snapshot_ids=[DATA_SNAP], disk_type="ALL")
    sim.advance(16 * MIN)
    done = image(client, image_id)
    assert done.status == "Available" and done.size == 80 and done.data_disk_size == 100


def test_describe_images_filters_by_type_status_name_and_pages(sim: Simulator, ecd: Ecd) -> None:
    client = ecd(HZ)
    ids = [capture(client, desktop_id=WIN, image_name="paging-test") for _ in range(3)]
    system = client.describe_images(m.DescribeImagesRequest(region_id=HZ, image_type="SYSTEM")).body.images
    assert system and all(i.image_type == "SYSTEM" for i in system)
    custom = client.describe_images(m.DescribeImagesRequest(region_id=HZ, image_type="CUSTOM")).body.images
    assert set(ids) <= {i.image_id for i in custom} and all(i.image_type == "CUSTOM" for i in custom)
    assert client.describe_images(m.DescribeImagesRequest(region_id=HZ, image_status="Available",
                                                          image_name="paging-test")).body.images == []
    page = client.describe_images(m.DescribeImagesRequest(region_id=HZ, image_name="paging-test", max_results=2)).body
    rest = client.describe_images(m.DescribeImagesRequest(region_id=HZ, image_name="paging-test", max_results=2,
                                                          next_token=page.next_token)).body
    assert [i.image_id for i in page.images + rest.images] == ids and not rest.next_token


def test_modify_image_attribute_renames(ecd: Ecd) -> None:
    client = ecd(HZ)
    image_id = capture(client, desktop_id=WIN)
    reply = client.modify_image_attribute(m.ModifyImageAttributeRequest(region_id=HZ, image_id=image_id,
                                                                        name="renamed", description="new words"))
    assert reply.body.request_id
    found = image(client, image_id)
    assert (found.name, found.description) == ("renamed", "new words")


def test_delete_images_refuses_creating_then_deletes(sim: Simulator, ecd: Ecd) -> None:
    client = ecd(HZ)
    image_id = capture(client, desktop_id=WIN)
    err = refused(lambda: client.delete_images(m.DeleteImagesRequest(region_id=HZ, image_id=[image_id])))
    assert err.code == "IncorrectImageStatus" and err.status_code == 400
    sim.advance(11 * MIN)
    assert client.delete_images(m.DeleteImagesRequest(region_id=HZ, image_id=[image_id])).body.request_id
    assert client.describe_images(m.DescribeImagesRequest(region_id=HZ, image_id=[image_id])).body.images == []
    gone = refused(lambda: client.delete_images(m.DeleteImagesRequest(region_id=HZ, image_id=[image_id])))
    assert gone.code == "InvalidImageId.NotFound" and gone.status_code == 404


def test_copy_image_then_cancel_copy(sim: Simulator, ecd: Ecd) -> None:
    client = ecd(HZ)
    source = capture(client, desktop_id=WIN)
    creating = refused(lambda: client.copy_image(m.CopyImageRequest(
        region_id=HZ, image_id=source, destination_region_id=SH, destination_image_name="golden-sh")))
    assert creating.code == "IncorrectImageStatus"
    sim.advance(11 * MIN)
    same = refused(lambda: client.copy_image(m.CopyImageRequest(
        region_id=HZ, image_id=source, destination_region_id=HZ, destination_image_name="golden-hz")))
    assert same.code == "InvalidParameter.DestinationRegionId"
    copies = {}
    for region in (SH, SG, BJ):
        reply = client.copy_image(m.CopyImageRequest(region_id=HZ, image_id=source, destination_region_id=region,
                                                     destination_image_name=f"golden-{region}",
                                                     destination_description="published copy"))
        copies[region] = reply.body.image_id
    assert image(ecd(SG), copies[SG], SG).status == "Creating"
    assert ecd(SG).cancel_copy_image(m.CancelCopyImageRequest(region_id=SG, image_id=copies[SG])).body.request_id
    assert ecd(SG).describe_images(m.DescribeImagesRequest(region_id=SG, image_id=[copies[SG]])).body.images == []
    sim.advance(15 * MIN)
    for region in (SH, BJ):
        copy = image(ecd(region), copies[region], region)
        assert (copy.status, copy.name, copy.description) == ("Available", f"golden-{region}", "published copy")
    late = refused(lambda: ecd(SH).cancel_copy_image(m.CancelCopyImageRequest(region_id=SH, image_id=copies[SH])))
    assert late.code == "IncorrectImageStatus"


# the EDS rules, enforced by the simulated cloud too -------------------------------------
@pytest.mark.parametrize(("kwargs", "code"), [
    ({"desktop_id": ENC, "auto_clean_userdata": True}, "InvalidParameter.AutoCleanUserdata"),
    ({"desktop_id": LNX, "auto_clean_userdata": True, "disk_type": "ALL"}, "InvalidParameter.AutoCleanUserdata"),
    ({"snapshot_id": LNX_SYS_SNAP, "data_snapshot_ids": [LNX_DATA_SNAP], "auto_clean_userdata": True},
     "InvalidParameter.AutoCleanUserdata"),
    ({"snapshot_id": DATA_SNAP}, "InvalidSnapshotId.NotSystemDisk"),
    ({"snapshot_id": SYS_SNAP, "data_snapshot_ids": [SYS_SNAP]}, "InvalidSnapshotId.NotDataDisk"),
    ({"desktop_id": WIN, "image_name": "1golden"}, "InvalidImageName.Malformed"),
    ({"desktop_id": WIN, "image_name": "http://golden"}, "InvalidImageName.Malformed"),
    ({"desktop_id": WIN, "image_name": "golden image"}, "InvalidImageName.Malformed"),
    ({"desktop_id": WIN, "description": "https://example.com"}, "InvalidDescription.Malformed"),
    ({"desktop_id": WIN, "description": "x"}, "InvalidDescription.Malformed"),
    ({"desktop_id": "ecd-doesnotexist00000"}, "InvalidDesktopId.NotFound"),
    ({"desktop_id": WIN, "snapshot_id": SYS_SNAP}, "InvalidParameter.Conflict"),
])
def test_create_image_rules_refused_by_the_cloud(ecd: Ecd, kwargs: dict[str, Any], code: str) -> None:
    client = ecd(HZ)
    before = custom_images(client)
    err = refused(lambda: capture(client, **kwargs))
    assert err.code == code
    assert custom_images(client) == before


def test_create_image_rules_allow_the_documented_cases(ecd: Ecd) -> None:
    client = ecd(HZ)
    before = len(custom_images(client))
    capture(client, desktop_id=LNX, auto_clean_userdata=True, disk_type="SYSTEM")  # Linux, system disk only
    capture(client, desktop_id=LNX, auto_clean_userdata=False, disk_type="ALL")  # Linux + data, no cleanup
    capture(client, desktop_id=ENC, auto_clean_userdata=False)  # encrypted, no cleanup
    capture(client, desktop_id=WIN, auto_clean_userdata=True, disk_type="ALL")  # Windows + data + cleanup
    capture(client, desktop_id=WIN, image_name="Golden.v1:build_2-a")
    assert len(custom_images(client)) == before + 5


# failures and fault injection -------------------------------------------------------------
def test_injected_capture_failure_ends_create_failed_keeping_its_description(sim: Simulator, ecd: Ecd) -> None:
    client = ecd(HZ)
    sim.inject("alibaba-eds", "CreateImage", "fail")
    image_id = capture(client, desktop_id=WIN, description="desk [imageforge:0123456789abcdef01234567]")
    sim.advance(4 * MIN)
    assert image(client, image_id).status == "Creating"
    sim.advance(2 * MIN)
    failed = image(client, image_id)
    assert (failed.status, failed.progress) == ("CreateFailed", "50%")
    assert failed.description == "desk [imageforge:0123456789abcdef01234567]"  # what a re-run finds it by
    client.delete_images(m.DeleteImagesRequest(region_id=HZ, image_id=[image_id]))  # a failed image can be deleted
    assert client.describe_images(m.DescribeImagesRequest(region_id=HZ, image_id=[image_id])).body.images == []


def test_injected_copy_failure_in_one_destination(sim: Simulator, ecd: Ecd) -> None:
    client = ecd(HZ)
    source = capture(client, desktop_id=WIN)
    sim.advance(11 * MIN)
    sim.inject("alibaba-eds", "CopyImage", "fail", region=SG)
    ok = client.copy_image(m.CopyImageRequest(region_id=HZ, image_id=source, destination_region_id=SH,
                                              destination_image_name="golden-sh")).body.image_id
    bad = client.copy_image(m.CopyImageRequest(region_id=HZ, image_id=source, destination_region_id=SG,
                                               destination_image_name="golden-sg")).body.image_id
    sim.advance(15 * MIN)
    assert image(ecd(SH), ok, SH).status == "Available"
    assert image(ecd(SG), bad, SG).status == "CreateFailed"


def test_error_replies_raise_the_sdk_exceptions(sim: Simulator, ecd: Ecd) -> None:
    client = ecd(HZ)
    missing = refused(lambda: client.modify_image_attribute(
        m.ModifyImageAttributeRequest(region_id=HZ, image_id="m-doesnotexist00000", name="x-name")))
    assert missing.code == "InvalidImageId.NotFound" and missing.status_code == 404
    assert missing.request_id in str(missing.message)

    sim.inject("alibaba-eds", "DescribeImages", "5xx")
    broken = refused(lambda: client.describe_images(m.DescribeImagesRequest(region_id=HZ)), ServerException)
    assert broken.code == "InternalError" and broken.status_code == 500

    sim.inject("alibaba-eds", "DescribeDesktops", "throttle")
    throttled = refused(lambda: client.describe_desktops(m.DescribeDesktopsRequest(region_id=HZ)), ThrottlingException)
    assert throttled.code == "Throttling.User" and throttled.retry_after == 1000

    unknown = refused(lambda: client.describe_regions(m.DescribeRegionsRequest(region_id=HZ)))
    assert unknown.code == "InvalidAction.NotFound" and "not implemented by the simulator" in unknown.message

    region = refused(lambda: client.describe_images(m.DescribeImagesRequest(region_id="mars-north-1")))
    assert region.code == "InvalidRegionId.NotFound"


def test_request_log_records_eds_actions_and_ecs_requests_stay_with_ecs(sim: Simulator, ecd: Ecd) -> None:
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.DescribeImagesRequest import DescribeImagesRequest

    mark = sim.mark()
    image_id = capture(ecd(HZ), desktop_id=WIN, image_name="logged")
    ecs = AcsClient("SIMULATORACCESSKEY", "simulator-secret", HZ, auto_retry=False)
    request = DescribeImagesRequest()
    request.set_endpoint(sim.endpoints["http"].split("://", 1)[1])
    request.set_protocol_type("http")
    ecs.do_action_with_exception(request)  # the ECS SDK sends x-acs-action too, but another version
    eds = sim.requests("alibaba-eds", since=mark)
    assert [(r.action, r.region, r.status) for r in eds] == [("CreateImage", HZ, 200)]
    assert eds[0].params["DesktopId"] == WIN and eds[0].params["ImageName"] == "logged"
    assert [r.action for r in sim.requests("alibaba-ecs", since=mark)] == ["DescribeImages"]
    assert image_id.startswith("m-") and len(image_id) == 19


def test_images_an_earlier_simulator_version_stored_still_read(sim: Simulator, ecd: Ecd) -> None:
    legacy = {"ImageId": "m-legacyimage00001", "Name": "legacy", "Description": "kept", "ImageType": "CUSTOM",
              "OsType": "Windows", "Size": 80, "started_at": sim.ctx.now() - 3600, "duration": 600.0, "fail": False,
              "fail_note": "", "CopiedFromImageId": ""}
    sim.store.put("alibaba-eds", HZ, "image", legacy["ImageId"], legacy)
    found = image(ecd(HZ), str(legacy["ImageId"]))
    assert (found.name, found.description, found.status, found.size) == ("legacy", "kept", "Available", 80)
    ecd(HZ).delete_images(m.DeleteImagesRequest(region_id=HZ, image_id=[legacy["ImageId"]]))
