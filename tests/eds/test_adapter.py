"""EdsAdapter against the embedded simulator: capture, failure, delete, copy and error mapping."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from imageforge.providers.alibaba import eds_client
from imageforge.providers.alibaba.eds import EdsAdapter
from imageforge.providers.core.errors import (CredentialsMissing, InvalidState, NotFound, ServiceUnavailable,
                                              Throttled, UserInputError)
from imageforge.providers.core.model import CaptureRequest, CopyRequest, ImageStatus, Scope, Source, Target
from imageforge.simulator.core.simulator import Simulator

from .conftest import BJ, DATA_SNAP, ENC, HZ, LNX, LNX_SYS_SNAP, SG, SH, SYS_SNAP, WIN, shared

VENDOR = "alibaba-eds"
MIN = 60.0


@pytest.fixture
def sim(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    return shared(module_sim, monkeypatch)


@pytest.fixture
def eds(sim: Simulator) -> EdsAdapter:
    return EdsAdapter(Target("alibaba", "eds", HZ, "sim"))


def request(**kw: object) -> CaptureRequest:
    fields: dict[str, object] = {"name": "golden-desk", "source": Source(desktop=WIN)}
    fields.update(kw)
    return CaptureRequest(**fields)  # type: ignore[arg-type]


def actions(sim: Simulator, since: int) -> list[str]:
    return [r.action for r in sim.requests(VENDOR, since=since)]


def test_capture_from_desktop_reaches_available_as_the_clock_advances(sim: Simulator, eds: EdsAdapter) -> None:
    req = request(description="office desktop")
    warnings = eds.preflight_capture(req)
    assert any("restart" in w for w in warnings) and any("20 minutes" in w for w in warnings)
    mark = sim.mark()
    image_id = eds.capture(req)
    assert actions(sim, mark) == ["CreateImage"]  # the preflight above already read the computer
    create = sim.requests(VENDOR, "CreateImage", since=mark)[0]
    assert create.params["AutoCleanUserdata"].lower() == "true" and create.params["DiskType"] == "SYSTEM"
    assert eds.last_request_id and len(eds.last_request_id) == 36
    info = eds.describe_images([image_id])[image_id]
    assert info.status is ImageStatus.CREATING and info.progress == 0 and info.description == "office desktop"
    sim.advance(15 * MIN)
    assert eds.describe_images([image_id])[image_id].progress == 50
    sim.advance(16 * MIN)
    done = eds.describe_images([image_id])[image_id]
    assert (done.status, done.progress, done.os_type, done.size_gb) == (ImageStatus.AVAILABLE, 100, "Windows", 80)
    assert done.failure == "" and done.encrypted is False


def test_capture_from_snapshot_with_data_snapshots_sends_disk_type_all(sim: Simulator, eds: EdsAdapter) -> None:
    mark = sim.mark()
    image_id = eds.capture(request(source=Source(snapshot=SYS_SNAP, data_snapshots=(DATA_SNAP,)),
                                   scope=Scope.SYSTEM_AND_DATA, clean_personal_data=False))
    assert actions(sim, mark) == ["DescribeSnapshots", "DescribeSnapshots", "CreateImage"]
    create = sim.requests(VENDOR, "CreateImage", since=mark)[0].params
    assert (create["SnapshotId"], create["DataSnapshotIds.1"], create["DiskType"]) == (SYS_SNAP, DATA_SNAP, "ALL")
    assert create["Description"] == "golden-desk"  # the description defaults to the name
    sim.advance(16 * MIN)
    assert eds.describe_images([image_id])[image_id].status is ImageStatus.AVAILABLE


@pytest.mark.parametrize(("req", "field", "words"), [
    (request(source=Source(desktop=ENC)), "clean_personal_data", "encrypted"),
    (request(source=Source(desktop=LNX), scope=Scope.SYSTEM_AND_DATA), "clean_personal_data", "Linux"),
    (request(source=Source(snapshot=DATA_SNAP)), "source.snapshot", "data-disk"),
    (request(source=Source(snapshot=SYS_SNAP, data_snapshots=(LNX_SYS_SNAP,)), scope=Scope.SYSTEM_AND_DATA,
             clean_personal_data=False), "source.data_snapshots", "not a data-disk"),
    (request(source=Source(desktop="ecd-hzdoesnotexist00")), "source.desktop", "does not exist"),
])
def test_capture_refuses_before_create_image(sim: Simulator, eds: EdsAdapter, req: CaptureRequest, field: str,
                                             words: str) -> None:
    for attempt in (eds.preflight_capture, eds.capture):
        mark = sim.mark()
        with pytest.raises(UserInputError) as caught:
            attempt(req)
        assert caught.value.field == field and words in caught.value.rule
        assert caught.value.fix  # says what to do
        assert "CreateImage" not in actions(sim, mark)


def test_cleanup_rules_allow_their_documented_alternatives(eds: EdsAdapter) -> None:
    assert eds.preflight_capture(request(source=Source(desktop=LNX), scope=Scope.SYSTEM)) is not None
    warnings = eds.preflight_capture(request(source=Source(desktop=ENC), clean_personal_data=False))
    assert not any("20 minutes" in w for w in warnings)
    assert any("tags" in w for w in eds.preflight_capture(request(tags={"team": "desk"})))
    assert not any("tags" in w for w in eds.preflight_capture(request(tags={"imageforge-key": "abc"})))


def test_create_failed_after_restart_says_so(sim: Simulator, eds: EdsAdapter) -> None:
    sim.inject(VENDOR, "CreateImage", "fail", params={"reason": "restarted"})
    image_id = eds.capture(request())
    create_request_id = eds.last_request_id
    assert sim.requests(VENDOR, "CreateImage")[-1].status == 200 and create_request_id
    sim.advance(16 * MIN)
    failed = eds.describe_images([image_id])[image_id]
    assert failed.status is ImageStatus.FAILED and failed.raw_status == "CreateFailed"
    assert "restarted" in failed.failure and "do not restart" in failed.failure
    eds.delete_image(image_id)
    assert eds.describe_images([image_id]) == {}


def test_plain_create_failed_has_a_generic_reason(sim: Simulator, eds: EdsAdapter) -> None:
    sim.inject(VENDOR, "CreateImage", "fail")
    image_id = eds.capture(request(clean_personal_data=False))
    sim.advance(6 * MIN)
    assert eds.describe_images([image_id])[image_id].failure == "the image ended CreateFailed"


def test_delete_while_creating_is_refused_then_succeeds(sim: Simulator, eds: EdsAdapter) -> None:
    image_id = eds.capture(request(clean_personal_data=False))
    with pytest.raises(InvalidState) as caught:
        eds.delete_image(image_id)
    assert caught.value.code == "IncorrectImageStatus" and caught.value.request_id
    assert caught.value.vendor == VENDOR and caught.value.operation == "DeleteImages"
    sim.advance(11 * MIN)
    eds.delete_image(image_id)
    with pytest.raises(NotFound):
        eds.delete_image(image_id)


def test_update_image_renames(sim: Simulator, eds: EdsAdapter) -> None:
    image_id = eds.capture(request(clean_personal_data=False))
    eds.update_image(image_id, "golden-renamed", "new words", {"ignored": "EDS has no image tags"})
    info = eds.describe_images([image_id])[image_id]
    assert (info.name, info.description) == ("golden-renamed", "new words")
    mark = sim.mark()
    eds.update_image(image_id, None, None, None)
    assert actions(sim, mark) == []


def test_copy_to_three_regions_and_cancel_one(sim: Simulator, eds: EdsAdapter) -> None:
    image_id = eds.capture(request(clean_personal_data=False))
    sim.advance(11 * MIN)
    copies = eds.copy_image(CopyRequest(image_id, HZ, (SH, SG, BJ), description="published"))
    assert sorted(copies) == sorted([SH, SG, BJ])
    names = [r.params["DestinationImageName"] for r in sim.requests(VENDOR, "CopyImage")[-3:]]
    assert names == ["golden-desk"] * 3  # DestinationImageName is required: the source's name is used
    infos = eds.describe_copies(copies)
    assert all(i.copying and i.status is ImageStatus.CREATING for i in infos.values())
    eds.cancel_copy(SG, copies[SG])
    assert sim.requests(VENDOR, "CancelCopyImage")[-1].region == SG
    sim.advance(15 * MIN)
    infos = eds.describe_copies(copies)
    assert sorted(infos) == sorted([SH, BJ])
    assert all(i.status is ImageStatus.AVAILABLE and not i.copying for i in infos.values())
    eds.delete_copy(SH, copies[SH])
    assert sorted(eds.describe_copies(copies)) == [BJ]


def test_copy_to_the_source_region_fails_with_partial_result(sim: Simulator, eds: EdsAdapter) -> None:
    image_id = eds.capture(request(clean_personal_data=False))
    sim.advance(11 * MIN)
    with pytest.raises(Exception) as caught:
        eds.copy_image(CopyRequest(image_id, HZ, (SH, HZ), name="golden-copy"))
    assert getattr(caught.value, "code", "") == "InvalidParameter.DestinationRegionId"
    assert list(caught.value.partial) == [SH]  # type: ignore[attr-defined]
    assert "copy to cn-hangzhou failed to start" in str(caught.value)


def test_throttling_and_server_errors_map_to_retryable_errors(sim: Simulator, eds: EdsAdapter) -> None:
    sim.inject(VENDOR, "DescribeImages", "throttle")
    with pytest.raises(Throttled) as throttled:
        eds.describe_images(["m-any"])
    assert throttled.value.retryable and throttled.value.code == "Throttling.User" and throttled.value.request_id
    sim.inject(VENDOR, "DescribeImages", "5xx")
    with pytest.raises(ServiceUnavailable) as broken:
        eds.describe_images(["m-any"])
    assert broken.value.retryable and broken.value.code == "InternalError"


def test_unreachable_simulator_is_service_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "nowhere"
    home.mkdir()
    (home / "endpoints.json").write_text(json.dumps({"http": "http://127.0.0.1:9", "speed": 0.0}))
    monkeypatch.setenv("IMAGEFORGE_SIM_HOME", str(home))
    with pytest.raises(ServiceUnavailable) as caught:
        EdsAdapter(Target("alibaba", "eds", HZ, "sim")).describe_images(["m-any"])
    assert caught.value.retryable and caught.value.code == "SDK.ServerUnreachable"


def test_cloud_profile_uses_the_regional_endpoint_and_the_alibaba_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                 "ALICLOUD_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    target = Target("alibaba", "eds", SH, "cloud")
    with pytest.raises(CredentialsMissing) as missing:
        eds_client.client(target, SH)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in str(missing.value)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIexample")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "example-secret")
    client = eds_client.client(target, SH)
    assert client._endpoint == "ecd.cn-shanghai.aliyuncs.com"
    assert client._retry_options is None  # one attempt per call: the Waiter owns retries


def test_adapter_meets_the_image_adapter_and_copier_protocols(eds: EdsAdapter) -> None:
    import inspect

    from imageforge.providers.core.protocol import ImageAdapter, ImageCopier

    as_adapter: ImageAdapter = eds  # mypy checks these two assignments
    as_copier: ImageCopier = eds
    for protocol, obj in ((ImageAdapter, as_adapter), (ImageCopier, as_copier)):
        for name, member in vars(protocol).items():
            if callable(member) and not name.startswith("_"):
                wanted = list(inspect.signature(member).parameters)[1:]
                assert list(inspect.signature(getattr(obj, name)).parameters) == wanted, name
                assert (getattr(type(obj), name).__doc__ or "").strip(), f"{name} has no docstring"
