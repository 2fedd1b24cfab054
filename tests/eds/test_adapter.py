"""EdsAdapter against the embedded simulator: single calls for capture, lookup by marker, copies, errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from imageforge.providers.alibaba import eds as eds_module, eds_client
from imageforge.providers.alibaba.eds import PERSONAL_DATA_WARNING, EdsAdapter
from imageforge.providers.core.errors import (CloudError, CredentialsMissing, InvalidArgument, InvalidState, NotFound,
                                              ServiceUnavailable, Throttled, Unsupported, UserInputError)
from imageforge.providers.core.model import (CaptureRequest, CopyRequest, Identity, ImageStatus, Scope, Source, Started,
                                             Target)
from imageforge.simulator.core.simulator import Simulator

from .conftest import BJ, DATA_SNAP, ENC, HZ, LNX, LNX_SYS_SNAP, SG, SH, SYS_SNAP, WIN, shared

VENDOR = "alibaba-eds"
MIN = 60.0
KEY = Identity("0123456789abcdef01234567", "golden-desk")


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


def started(eds: EdsAdapter, req: CaptureRequest) -> str:
    reply = eds.start_capture(req)
    assert isinstance(reply, Started) and reply.image_id.startswith("m-") and len(reply.request_id) == 36
    return reply.image_id


def available(sim: Simulator, eds: EdsAdapter, **kw: object) -> str:
    image_id = started(eds, request(clean_personal_data=False, **kw))
    sim.advance(11 * MIN)
    return image_id


# capture -----------------------------------------------------------------------------------
def test_capture_from_desktop_is_one_create_image_call_and_reaches_available(sim: Simulator, eds: EdsAdapter) -> None:
    req = request(description=KEY.mark("office desktop"))
    mark = sim.mark()
    warnings = eds.prepare_capture(req)
    assert actions(sim, mark) == ["DescribeDesktops"]
    assert any("restart" in w for w in warnings) and any("20 minutes" in w for w in warnings)
    assert PERSONAL_DATA_WARNING not in warnings and not any("tags" in w for w in warnings)
    mark = sim.mark()
    image_id = started(eds, req)
    assert actions(sim, mark) == ["CreateImage"]  # a single call: no wait, no look-up
    create = sim.requests(VENDOR, "CreateImage", since=mark)[0].params
    assert create["AutoCleanUserdata"].lower() == "true" and create["DiskType"] == "SYSTEM"  # no scope: system disk
    assert create["Description"] == f"office desktop {KEY.marker}" and create["DesktopId"] == WIN
    info = eds.describe_images([image_id])[image_id]
    assert info.status is ImageStatus.CREATING and info.progress == 0 and info.description == create["Description"]
    sim.advance(15 * MIN)
    assert eds.describe_images([image_id])[image_id].progress == 50
    sim.advance(16 * MIN)
    done = eds.describe_images([image_id])[image_id]
    assert (done.status, done.progress, done.os_type, done.size_gb) == (ImageStatus.AVAILABLE, 100, "Windows", 80)
    assert done.failure == "" and done.encrypted is False and not done.copying


def test_capture_from_snapshot_with_data_snapshots_sends_disk_type_all(sim: Simulator, eds: EdsAdapter) -> None:
    req = request(source=Source(snapshot=SYS_SNAP, data_snapshots=(DATA_SNAP,)), scope=Scope.SYSTEM_AND_DATA,
                  clean_personal_data=False)
    mark = sim.mark()
    assert eds.prepare_capture(req) == [PERSONAL_DATA_WARNING]
    image_id = started(eds, req)
    assert actions(sim, mark) == ["DescribeSnapshots", "DescribeSnapshots", "CreateImage"]
    create = sim.requests(VENDOR, "CreateImage", since=mark)[0].params
    assert (create["SnapshotId"], create["DataSnapshotIds.1"], create["DiskType"]) == (SYS_SNAP, DATA_SNAP, "ALL")
    assert create["AutoCleanUserdata"].lower() == "false"
    assert "Description" not in create  # nothing to send: the resource always sends at least its marker
    sim.advance(16 * MIN)
    done = eds.describe_images([image_id])[image_id]
    assert done.status is ImageStatus.AVAILABLE and done.description == "golden-desk"  # EDS's own default


def test_scope_system_and_data_of_a_desktop_sends_all(sim: Simulator, eds: EdsAdapter) -> None:
    mark = sim.mark()
    started(eds, request(scope=Scope.SYSTEM_AND_DATA, clean_personal_data=False))
    assert sim.requests(VENDOR, "CreateImage", since=mark)[0].params["DiskType"] == "ALL"


@pytest.mark.parametrize(("req", "field", "words"), [
    (request(source=Source(desktop=ENC)), "clean_personal_data", "encrypted"),
    (request(source=Source(desktop=LNX), scope=Scope.SYSTEM_AND_DATA), "clean_personal_data", "Linux"),
    (request(source=Source(snapshot=DATA_SNAP)), "source.snapshot", "data-disk"),
    (request(source=Source(snapshot=SYS_SNAP, data_snapshots=(LNX_SYS_SNAP,)), scope=Scope.SYSTEM_AND_DATA,
             clean_personal_data=False), "source.data_snapshots", "not a data-disk"),
    (request(source=Source(desktop="ecd-hzdoesnotexist00")), "source.desktop", "does not exist"),
    (request(source=Source(snapshot="s-hzdoesnotexist00")), "source.snapshot", "does not exist"),
    (request(source=Source(instance="i-1")), "source", "source.desktop or source.snapshot"),
    (request(source_facts={"os_type": "linux"}), "source.os_type", "'windows'"),
    (request(source=Source(desktop=ENC), clean_personal_data=False, source_facts={"encrypted": False}),
     "source.encrypted", "True"),
    (request(source=Source(snapshot=SYS_SNAP), source_facts={"disk_type": "data"}), "source.disk_type", "'system'"),
])
def test_prepare_capture_refuses_before_anything_is_made(sim: Simulator, eds: EdsAdapter, req: CaptureRequest,
                                                         field: str, words: str) -> None:
    mark = sim.mark()
    with pytest.raises(UserInputError) as caught:
        eds.prepare_capture(req)
    assert caught.value.field == field and words in caught.value.rule, caught.value
    assert caught.value.fix  # says what to do
    assert "CreateImage" not in actions(sim, mark)


def test_a_source_the_cloud_refuses_as_not_found_is_named(sim: Simulator, eds: EdsAdapter) -> None:
    sim.inject(VENDOR, "DescribeDesktops", "5xx", code="InvalidDesktopId.NotFound", status=404,
               message="The specified DesktopId is malformed.")
    with pytest.raises(UserInputError) as caught:
        eds.prepare_capture(request())
    assert caught.value.field == "source.desktop" and "does not exist" in caught.value.rule


def test_prepare_capture_allows_the_documented_alternatives_and_agreeing_facts(eds: EdsAdapter) -> None:
    assert "cleaning personal data adds about 20 minutes to the capture." in eds.prepare_capture(
        request(source=Source(desktop=LNX), scope=Scope.SYSTEM, source_facts={"os_type": "Linux"}))
    warnings = eds.prepare_capture(request(source=Source(desktop=ENC), clean_personal_data=False,
                                           source_facts={"encrypted": True, "os_type": "windows"}))
    assert PERSONAL_DATA_WARNING in warnings and not any("20 minutes" in w for w in warnings)
    assert eds.prepare_capture(request(source=Source(snapshot=SYS_SNAP), source_facts={"disk_type": "System"})) == []


def test_the_computer_must_be_running_or_stopped(sim: Simulator, eds: EdsAdapter) -> None:
    desktop = sim.store.get(VENDOR, HZ, "desktop", WIN)
    assert desktop is not None
    try:
        sim.store.put(VENDOR, HZ, "desktop", WIN, {**desktop, "DesktopStatus": "Starting"})
        with pytest.raises(UserInputError) as caught:
            eds.prepare_capture(request())
        assert caught.value.field == "source.desktop" and "Starting" in caught.value.rule
        sim.store.put(VENDOR, HZ, "desktop", WIN, {**desktop, "DesktopStatus": "Stopped"})
        warnings = eds.prepare_capture(request(clean_personal_data=False))  # a Stopped computer can be captured
        assert len(warnings) == 2 and "restart" in warnings[0] and warnings[1] == PERSONAL_DATA_WARNING
    finally:
        sim.store.put(VENDOR, HZ, "desktop", WIN, desktop)


def test_create_failed_says_what_eds_documents_as_the_cause(sim: Simulator, eds: EdsAdapter) -> None:
    ident = Identity("fa11edfa11edfa11edfa11ed")
    sim.inject(VENDOR, "CreateImage", "fail")
    image_id = started(eds, request(description=ident.mark("")))
    sim.advance(16 * MIN)
    failed = eds.describe_images([image_id])[image_id]
    assert failed.status is ImageStatus.FAILED and failed.raw_status == "CreateFailed"
    assert "restarted" in failed.failure and "do not restart" in failed.failure
    assert [i.image_id for i in eds.find_images(ident)] == [image_id]  # still found by its marker
    eds.delete_image(image_id)
    assert eds.describe_images([image_id]) == {}


def test_delete_while_creating_is_refused_then_succeeds(sim: Simulator, eds: EdsAdapter) -> None:
    image_id = started(eds, request(clean_personal_data=False))
    with pytest.raises(InvalidState) as caught:
        eds.delete_image(image_id)
    assert caught.value.code == "IncorrectImageStatus" and caught.value.request_id
    assert caught.value.vendor == VENDOR and caught.value.operation == "DeleteImages"
    sim.advance(11 * MIN)
    eds.delete_image(image_id)
    with pytest.raises(NotFound):
        eds.delete_image(image_id)


# finding what an earlier run made -------------------------------------------------------------
def test_find_images_finds_the_marker_in_every_state_and_nothing_else(sim: Simulator, eds: EdsAdapter,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ident = Identity("feedfacefeedfacefeedface", "golden-find")
    done = available(sim, eds, name="golden-find", description=ident.mark("first"))
    creating = started(eds, request(name="golden-find", description=ident.mark(""), clean_personal_data=False))
    started(eds, request(name="golden-find", description="golden-find", clean_personal_data=False))  # not ours
    started(eds, request(name="golden-find", description=KEY.mark(""), clean_personal_data=False))  # another key
    eds.update_image(done, "golden-renamed", None, None)  # renamed before the re-run: still ours
    monkeypatch.setattr(eds_module, "PAGE", 2)  # every page is read
    mark = sim.mark()
    found = {i.image_id: i.status for i in eds.find_images(ident)}
    assert found == {done: ImageStatus.AVAILABLE, creating: ImageStatus.CREATING}
    calls = sim.requests(VENDOR, "DescribeImages", since=mark)
    assert len(calls) >= 3 and all(c.params["ImageType"] == "CUSTOM" for c in calls)
    assert eds.find_images(Identity("0" * 24)) == []


def test_update_image_renames_and_never_tags(sim: Simulator, eds: EdsAdapter) -> None:
    image_id = started(eds, request(clean_personal_data=False))
    eds.update_image(image_id, "golden-renamed", KEY.mark("new words"), None)
    info = eds.describe_images([image_id])[image_id]
    assert (info.name, info.description) == ("golden-renamed", f"new words {KEY.marker}")
    mark = sim.mark()
    eds.update_image(image_id, None, None, None)
    eds.update_image(image_id, None, None, {})  # tags removed from an earlier version's state: nothing to do
    assert actions(sim, mark) == []
    with pytest.raises(Unsupported):
        eds.update_image(image_id, None, None, {"team": "desk"})


# copies -------------------------------------------------------------------------------------
def test_copies_start_one_call_per_region_and_report_each_outcome(sim: Simulator, eds: EdsAdapter) -> None:
    image_id = available(sim, eds)
    ident = Identity("c0c0c0c0c0c0c0c0c0c0c0c0")
    copy = CopyRequest(image_id, HZ, description=ident.mark("published"))
    mark = sim.mark()
    outcomes = eds.start_copies(copy, [SH, HZ, SG, BJ])  # the source region fails; the others still start
    assert actions(sim, mark) == ["DescribeImages"] + ["CopyImage"] * 4  # the source's name, then one call each
    refused = outcomes[HZ]
    assert isinstance(refused, InvalidArgument) and refused.code == "InvalidParameter.DestinationRegionId"
    copies = {r: o.image_id for r, o in outcomes.items() if isinstance(o, Started)}
    assert sorted(copies) == sorted([SH, SG, BJ])
    sent = [r.params for r in sim.requests(VENDOR, "CopyImage", since=mark)]
    assert {p["DestinationImageName"] for p in sent} == {"golden-desk"}  # EDS requires a name: the source's
    assert {p["DestinationDescription"] for p in sent} == {f"published {ident.marker}"}
    infos = eds.describe_copies(copies)
    assert all(i.copying and i.status is ImageStatus.CREATING for i in infos.values())
    found = eds.find_copies(copy, [SH, SG, BJ, "cn-shenzhen"], ident)
    assert {r: [i.image_id for i in v] for r, v in found.items()} == {**{r: [i] for r, i in copies.items()},
                                                                      "cn-shenzhen": []}
    eds.cancel_copy(SG, copies[SG])
    assert sim.requests(VENDOR, "CancelCopyImage")[-1].region == SG
    sim.advance(15 * MIN)
    infos = eds.describe_copies(copies)
    assert sorted(infos) == sorted([SH, BJ])
    assert all(i.status is ImageStatus.AVAILABLE and not i.copying for i in infos.values())
    eds.update_copy(SH, copies[SH], "golden-sh", None, None)
    assert eds.describe_copies({SH: copies[SH]})[SH].name == "golden-sh"
    eds.delete_copy(SH, copies[SH])
    assert sorted(eds.describe_copies(copies)) == [BJ]


def test_named_copies_send_the_name_without_reading_the_source(sim: Simulator, eds: EdsAdapter) -> None:
    image_id = available(sim, eds)
    mark = sim.mark()
    outcomes = eds.start_copies(CopyRequest(image_id, HZ, name="golden-copy"), [SH])
    assert actions(sim, mark) == ["CopyImage"] and isinstance(outcomes[SH], Started)
    assert sim.requests(VENDOR, "CopyImage", since=mark)[0].params["DestinationImageName"] == "golden-copy"


def test_a_failed_copy_says_it_is_the_copy(sim: Simulator, eds: EdsAdapter) -> None:
    image_id = available(sim, eds)
    sim.inject(VENDOR, "CopyImage", "fail", region=SG)
    started_ = eds.start_copies(CopyRequest(image_id, HZ, name="golden-copy"), [SG])[SG]
    assert isinstance(started_, Started)
    sim.advance(15 * MIN)
    failed = eds.describe_copies({SG: started_.image_id})[SG]
    assert failed.status is ImageStatus.FAILED and "copy" in failed.failure and "restart" not in failed.failure


def test_what_eds_cannot_do_is_refused_without_a_call(sim: Simulator, eds: EdsAdapter) -> None:
    mark = sim.mark()
    with pytest.raises(Unsupported):
        eds.start_copies(CopyRequest("m-any", HZ, name="golden-copy", encrypted=True), [SH])
    for call in (lambda: eds.follow_job("job"), lambda: eds.follow_copy_job(SH, "job"),
                 lambda: eds.reconfigure_copies({SH: "m-any"}, {SH: {"replicas": 2}})):
        with pytest.raises(Unsupported):
            call()
    eds.label_copy(CopyRequest("m-any", HZ), SH, "m-any")  # CopyImage carried everything
    assert actions(sim, mark) == []


# errors -------------------------------------------------------------------------------------
def test_throttling_and_server_errors_map_to_retryable_errors(sim: Simulator, eds: EdsAdapter) -> None:
    sim.inject(VENDOR, "DescribeImages", "throttle")
    with pytest.raises(Throttled) as throttled:
        eds.describe_images(["m-any"])
    assert throttled.value.retryable and throttled.value.code == "Throttling.User" and throttled.value.request_id
    assert throttled.value.retry_after == 1.0 and throttled.value.operation == "DescribeImages"
    sim.inject(VENDOR, "DescribeImages", "5xx")
    with pytest.raises(ServiceUnavailable) as broken:
        eds.describe_images(["m-any"])
    assert broken.value.retryable and broken.value.code == "InternalError"
    assert isinstance(broken.value.__cause__, Exception) and not isinstance(broken.value.__cause__, CloudError)


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
