"""ImsAdapter against the simulator: single calls, jobs read once per call, per-region copy outcomes, typed errors."""
from __future__ import annotations

import subprocess
import sys

import pytest

from imageforge.providers.core.errors import (CloudError, InvalidArgument, InvalidState, NotFound, Throttled,
                                              Unsupported)
from imageforge.providers.core.model import (TAG_KEY, CaptureRequest, CopyRequest, Deferred, Identity, ImageStatus,
                                             ImportRequest, JobStatus, Scope, Source, Started, Target)
from imageforge.providers.core.protocol import ImageCopier, ImageImporter
from imageforge.providers.core.registry import adapter_for
from imageforge.providers.huawei.ims import ImsAdapter
from imageforge.simulator.core.simulator import Simulator
from imageforge.simulator.huawei.model import ImsModel
from imageforge.simulator.huawei.regions import vault_id

from .conftest import BIG, BJ4, LINUX, SEVEN, SH3, VAULT, VENDOR, WINDOWS, copy_jobs_in_flight, shared

KEY = "0123456789abcdef01234567"
IDENTITY = Identity(KEY)
AGENCY = {"agency_name": "ims_admin_agency"}


@pytest.fixture
def sim(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    simulator = shared(module_sim, monkeypatch)
    simulator.advance(3600)  # whatever an earlier test left running has finished
    return simulator


@pytest.fixture
def ims(sim: Simulator) -> ImsAdapter:
    adapter = adapter_for(Target("huawei", "ims", BJ4, "sim"), ImageImporter)
    assert isinstance(adapter, ImsAdapter)
    return adapter


def request(name: str, server: str = LINUX, key: str = KEY, **kw: object) -> CaptureRequest:
    tags = {**dict(kw.pop("tags", {})), TAG_KEY: key}  # type: ignore[call-overload]
    return CaptureRequest(name=name, source=Source(instance=server), tags=tags, **kw)  # type: ignore[arg-type]


def started_image(sim: Simulator, ims: ImsAdapter, started: Started) -> str:
    """What the resource's waiter does: follow the job until it names the image."""
    for _ in range(10):
        status = ims.follow_job(started.job_id)
        if status.image_id:
            return status.image_id
        sim.advance(10)
    raise AssertionError("the job never named its image")


def active(sim: Simulator, ims: ImsAdapter, name: str, server: str = LINUX, **kw: object) -> str:
    image_id = started_image(sim, ims, ims.start_capture(request(name, server, key=name.ljust(24, "0"), **kw)))
    sim.advance(1300)
    assert ims.describe_images([image_id])[image_id].status is ImageStatus.AVAILABLE
    return image_id


# capture and jobs -------------------------------------------------------------------------
def test_start_capture_is_one_call_and_returns_the_job(sim: Simulator, ims: ImsAdapter) -> None:
    mark = sim.mark()
    started = ims.start_capture(request("golden-early", tags={"team": "web"}, description="web tier"))
    assert started.job_id and not started.image_id and started.request_id
    assert [r.action for r in sim.requests(VENDOR, since=mark)] == ["CreateImage"]
    params = sim.requests(VENDOR, "CreateImage")[-1].params
    assert {t["key"]: t["value"] for t in params["image_tags"]} == {"team": "web", TAG_KEY: KEY}
    assert ims.follow_job(started.job_id) == JobStatus(state=JobStatus.RUNNING, progress=None)  # INIT: no image yet
    [found] = ims.find_images(IDENTITY)  # listed from the start, so a lost reply is found again
    assert found.status is ImageStatus.CREATING and found.raw_status == "queued" and found.tags["team"] == "web"
    sim.advance(15)
    running = ims.follow_job(started.job_id)
    assert running.state == JobStatus.RUNNING and running.image_id == found.image_id
    assert running.progress is not None and 0 < running.progress < 10
    sim.advance(700)
    assert ims.follow_job(started.job_id).state == JobStatus.SUCCEEDED
    info = ims.describe_images([found.image_id])[found.image_id]
    assert info.status is ImageStatus.AVAILABLE and info.description == "web tier" and info.size_gb == 40
    assert all(r.action in ("ShowJobProgress", "ListImages") for r in sim.requests(VENDOR, since=mark)[1:])


def test_describe_reads_list_images_only(sim: Simulator, ims: ImsAdapter) -> None:
    image_id = started_image(sim, ims, ims.start_capture(request("golden-describe", key="d" * 24)))
    mark = sim.mark()
    info = ims.describe_images([image_id])[image_id]
    assert info.status is ImageStatus.CREATING and info.progress is None
    assert [r.action for r in sim.requests(VENDOR, since=mark)] == ["ListImages"]


def test_a_failed_job_reports_state_reason_and_code(sim: Simulator, ims: ImsAdapter) -> None:
    sim.inject(VENDOR, "CreateImage", "fail", message="The system disk snapshot failed.", params={"after": 120})
    started = ims.start_capture(request("golden-doomed", key="f" * 24))
    image_id = started_image(sim, ims, started)
    sim.advance(200)
    status = ims.follow_job(started.job_id)
    assert status.state == JobStatus.FAILED and status.code == "IMG.0014" and status.image_id == image_id
    assert status.reason == "The system disk snapshot failed."
    info = ims.describe_images([image_id])[image_id]
    assert info.status is ImageStatus.FAILED and info.raw_status == "killed" and "killed" in info.failure
    ims.delete_image(image_id)
    assert ims.describe_images([image_id]) == {}


def test_a_job_failing_in_init_names_no_image(sim: Simulator, ims: ImsAdapter) -> None:
    sim.inject(VENDOR, "CreateImage", "fail", params={"after": 5})
    started = ims.start_capture(request("golden-never", key="e" * 24))
    sim.advance(10)
    status = ims.follow_job(started.job_id)
    assert status.state == JobStatus.FAILED and status.image_id == "" and status.code == "IMG.0014"
    assert ims.find_images(Identity("e" * 24)) == []


def test_full_ecs_and_encrypted_captures(sim: Simulator, ims: ImsAdapter) -> None:
    whole = ims.start_capture(request("golden-whole", WINDOWS, key="w" * 24, scope=Scope.SYSTEM_AND_DATA,
                                      options={"vault_id": VAULT}))
    assert whole.job_id and sim.requests(VENDOR, "CreateWholeImage")[-1].params["vault_id"] == VAULT
    encrypted = active(sim, ims, "golden-encrypted", encrypted=True, options={"cmk_id": "kms-key-1"})
    assert sim.requests(VENDOR, "CreateImage")[-1].params["cmk_id"] == "kms-key-1"
    assert ims.describe_images([encrypted])[encrypted].encrypted is True


def test_a_busy_server_adopts_this_identitys_image_or_retries(sim: Simulator, ims: ImsAdapter) -> None:
    """IMG.0010: the earlier start of this same capture (its reply lost) is adopted; another's is waited out."""
    first = ims.start_capture(request("golden-busy", key="b" * 24))
    again = ims.start_capture(request("golden-busy", key="b" * 24))
    assert again.image_id and again.image_id == started_image(sim, ims, first)
    with pytest.raises(InvalidState) as caught:
        ims.start_capture(request("golden-other", key="c" * 24))
    assert caught.value.retryable and caught.value.code == "IMG.0010"
    assert len(ImsModel(sim.ctx).images(BJ4, name="golden-busy")) == 1


def test_prepare_capture_reads_the_server(sim: Simulator, ims: ImsAdapter) -> None:
    assert ims.prepare_capture(request("p", WINDOWS)) == []  # SHUTOFF
    assert "running" in ims.prepare_capture(request("p", LINUX))[0]
    with pytest.raises(NotFound) as missing:
        ims.prepare_capture(request("p", "no-such-server"))
    assert missing.value.code == "Ecs.0114" and missing.value.request_id and missing.value.vendor == "huawei-ims"
    record = sim.store.get(VENDOR, BJ4, "server", WINDOWS)
    assert record is not None
    sim.store.put(VENDOR, BJ4, "server", WINDOWS, {**record, "status": "REBOOT"})
    try:
        with pytest.raises(InvalidState) as rebooting:
            ims.prepare_capture(request("p", WINDOWS))
        assert "REBOOT" in rebooting.value.message
    finally:
        sim.store.put(VENDOR, BJ4, "server", WINDOWS, record)


def test_capture_refusals_are_typed(ims: ImsAdapter) -> None:
    with pytest.raises(InvalidArgument) as bad:
        ims.start_capture(request("bad/name"))
    assert bad.value.code == "IMG.0003" and not bad.value.retryable


# import ------------------------------------------------------------------------------------
def test_start_import_sends_the_file_and_the_identity(sim: Simulator, ims: ImsAdapter) -> None:
    started = ims.start_import(ImportRequest(name="imported", bucket="golden-images", key="web/disk.raw", format="raw",
                                             tags={TAG_KEY: "i" * 24}, options={"is_config": True}))
    params = sim.requests(VENDOR, "CreateImage")[-1].params
    assert params["image_url"] == "golden-images:web/disk.raw" and params["is_config"] is True
    assert params["image_tags"] == [{"key": TAG_KEY, "value": "i" * 24}] and started.job_id
    assert [i.name for i in ims.find_images(Identity("i" * 24))] == ["imported"]


# describe, find, update, delete -------------------------------------------------------------
def test_update_find_and_delete(sim: Simulator, ims: ImsAdapter) -> None:
    image_id = active(sim, ims, "golden-upd", tags={"team": "web", "tier": "gold"})
    ims.update_image(image_id, "golden-renamed", "patched", {"team": "ops", "owner": "me"})
    info = ims.describe_images([image_id])[image_id]
    assert info.name == "golden-renamed" and info.description == "patched"
    assert info.tags == {"team": "ops", "owner": "me", TAG_KEY: "golden-upd".ljust(24, "0")}
    assert [i.image_id for i in ims.find_images(Identity("golden-upd".ljust(24, "0")))] == [image_id]
    other = active(sim, ims, "golden-other")
    assert set(ims.describe_images([image_id, other, "missing"])) == {image_id, other}
    ims.delete_image(image_id)
    with pytest.raises(NotFound) as gone:
        ims.delete_image(image_id)
    assert gone.value.code == "IMG.0144" and gone.value.request_id


def test_delete_while_saving_is_invalid_state(sim: Simulator, ims: ImsAdapter) -> None:
    image_id = started_image(sim, ims, ims.start_capture(request("golden-saving", WINDOWS, key="s" * 24)))
    with pytest.raises(InvalidState) as caught:
        ims.delete_image(image_id)
    assert caught.value.code == "IMG.0090"


def test_429_maps_to_throttled(sim: Simulator, ims: ImsAdapter) -> None:
    image_id = active(sim, ims, "golden-429")
    sim.inject(VENDOR, "ListImages", "throttle")
    with pytest.raises(Throttled) as get_err:
        ims.describe_images([image_id])
    assert get_err.value.retryable and get_err.value.code == "429"  # the SDK drops a GET's 429 body
    sim.inject(VENDOR, "UpdateImage", "throttle")
    with pytest.raises(Throttled) as patch_err:
        ims.update_image(image_id, None, "x", None)
    assert patch_err.value.code == "APIGW.0308" and patch_err.value.request_id


def test_unimplemented_api_is_unsupported(ims: ImsAdapter) -> None:
    from huaweicloudsdkims.v2 import ListImageTagsRequest

    client = ims.clients.ims(BJ4)
    with pytest.raises(Unsupported) as caught:
        ims.clients.call("ListImageTags", lambda: client.list_image_tags(ListImageTagsRequest(image_id="x")))
    assert caught.value.code == "APIGW.0101" and caught.value.request_id


# copies ----------------------------------------------------------------------------------------
def copies(image_id: str, name: str = "", **kw: object) -> CopyRequest:
    description = IDENTITY.mark(str(kw.pop("description", "")))
    options = {**AGENCY, **dict(kw.pop("options", {}))}  # type: ignore[call-overload]
    return CopyRequest(image_id, BJ4, name=name, description=description, options=options,
                       **kw)  # type: ignore[arg-type]


def test_seven_regions_start_five_and_defer_the_rest_until_a_slot(sim: Simulator, ims: ImsAdapter) -> None:
    image_id = active(sim, ims, "golden-fanout")
    copier: ImageCopier = ims
    outcomes = copier.start_copies(copies(image_id), SEVEN)
    assert all(isinstance(outcomes[r], Started) and outcomes[r].job_id for r in SEVEN[:5])  # type: ignore[union-attr]
    assert outcomes[SEVEN[5]] == outcomes[SEVEN[6]] and isinstance(outcomes[SEVEN[5]], Deferred)
    assert outcomes[SEVEN[5]].until_slot and "IMG.0060" in outcomes[SEVEN[5]].reason  # type: ignore[union-attr]
    assert copy_jobs_in_flight(sim) == 5
    assert [r.error for r in sim.requests(VENDOR, "CopyImageCrossRegion")][-6:] == [""] * 5 + ["IMG.0060"]
    sim.advance(1000)
    later = ims.start_copies(copies(image_id), SEVEN[5:])
    assert all(isinstance(o, Started) for o in later.values())
    sim.advance(1000)


def test_a_throttled_start_is_that_regions_error_and_the_rest_wait_a_poll(sim: Simulator, ims: ImsAdapter) -> None:
    image_id = active(sim, ims, "golden-throttled")
    sim.inject(VENDOR, "CopyImageCrossRegion", "throttle")
    outcomes = ims.start_copies(copies(image_id), ("cn-east-3", "cn-south-1"))
    assert isinstance(outcomes["cn-east-3"], Throttled) and outcomes["cn-east-3"].retryable
    assert outcomes["cn-south-1"] == Deferred("not tried after APIGW.0308 in cn-east-3", False)


def test_copy_jobs_are_followed_in_the_source_region_then_labelled(sim: Simulator, ims: ImsAdapter) -> None:
    image_id = active(sim, ims, "golden-copy")
    request_ = copies(image_id, description="published", tags={"team": "web"})
    [started] = ims.start_copies(request_, ("cn-east-3",)).values()
    assert isinstance(started, Started)
    params = sim.requests(VENDOR, "CopyImageCrossRegion")[-1].params
    assert params["name"] == "golden-copy" and params["description"] == f"published {IDENTITY.marker}"
    assert params["project_name"] == "cn-east-3" and params["agency_name"] == "ims_admin_agency"
    sim.advance(20)
    status = ims.follow_copy_job("cn-east-3", started.job_id)
    assert status.state == JobStatus.RUNNING and status.image_id
    assert sim.requests(VENDOR, "ShowJobProgress")[-1].region == BJ4
    ims.label_copy(request_, "cn-east-3", status.image_id)
    info = ims.describe_copies({"cn-east-3": status.image_id})["cn-east-3"]
    assert info.tags == {"team": "web", TAG_KEY: KEY} and info.status is ImageStatus.CREATING
    with pytest.raises(Unsupported):
        ims.cancel_copy("cn-east-3", status.image_id)
    sim.advance(1000)
    ims.delete_copy("cn-east-3", status.image_id)
    assert ims.describe_copies({"cn-east-3": status.image_id}) == {}


def test_find_copies_by_marker_labels_an_unlabelled_one(sim: Simulator, ims: ImsAdapter) -> None:
    image_id = active(sim, ims, "golden-find")
    request_ = copies(image_id, name="golden-find-copy", tags={"team": "web"})
    ims.start_copies(request_, ("cn-south-1",))
    [found] = ims.find_copies(request_, ["cn-south-1"], IDENTITY)["cn-south-1"]
    assert found.status is ImageStatus.CREATING and found.tags == {"team": "web", TAG_KEY: KEY}
    assert ims.find_copies(request_, ["cn-east-2"], IDENTITY) == {"cn-east-2": []}
    sim.advance(1000)
    ims.update_copy("cn-south-1", found.image_id, "renamed", None, None)
    assert [i.image_id for i in ims.find_copies(request_, ["cn-south-1"], IDENTITY)["cn-south-1"]] == [found.image_id]


def test_copy_refusals_are_per_region_and_never_raise(sim: Simulator, ims: ImsAdapter) -> None:
    big = active(sim, ims, "golden-big", BIG)
    outcomes = ims.start_copies(copies(big), ("cn-east-3", "cn-south-1"))
    assert all(isinstance(o, InvalidArgument) and "128 GB" in o.message for o in outcomes.values())
    encrypted = active(sim, ims, "golden-enc", encrypted=True, options={"cmk_id": "kms-key-1"})
    outcome = ims.start_copies(copies(encrypted), ("cn-east-3",))["cn-east-3"]
    assert isinstance(outcome, InvalidArgument) and "encrypted" in outcome.message
    missing = ims.start_copies(copies("no-such-image"), ("cn-east-3", "cn-south-1"))
    assert all(isinstance(o, NotFound) for o in missing.values())
    plain = active(sim, ims, "golden-plain")
    outcome = ims.start_copies(copies(plain, options={"vault_ids": {"cn-east-3": vault_id("cn-east-3")}}),
                               ("cn-east-3",))["cn-east-3"]
    assert isinstance(outcome, InvalidArgument) and "not a full-ECS image" in outcome.message
    agency = ims.start_copies(CopyRequest(plain, BJ4, description=IDENTITY.mark("")), ("cn-east-3",))["cn-east-3"]
    assert isinstance(agency, CloudError) and agency.code == "IMG.0001"


def test_a_full_ecs_copy_takes_the_destinations_vault(sim: Simulator, ims: ImsAdapter) -> None:
    started = ims.start_capture(request("golden-whole-copy", key="v" * 24, scope=Scope.SYSTEM_AND_DATA,
                                        options={"vault_id": VAULT}))
    image_id = started_image(sim, ims, started)
    sim.advance(1300)
    outcome = ims.start_copies(copies(image_id), (SH3,))[SH3]
    assert isinstance(outcome, InvalidArgument) and "options.vault_ids" in outcome.message
    outcome = ims.start_copies(copies(image_id, options={"vault_ids": {SH3: vault_id(SH3)}}), (SH3,))[SH3]
    assert isinstance(outcome, Started)
    assert sim.requests(VENDOR, "CopyImageCrossRegion")[-1].params["vault_id"] == vault_id(SH3)
    sim.advance(1000)


def test_importing_rules_spec_and_mapping_loads_no_sdk() -> None:
    code = ("import sys, imageforge.providers.huawei.rules, imageforge.providers.huawei.mapping, "
            "imageforge.providers.huawei.spec; print(sorted(m for m in sys.modules if m.startswith('huaweicloud')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_project_ids_from_options_sign_the_regions_requests(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    from imageforge.providers.core.errors import AuthFailed
    from imageforge.providers.huawei import client

    monkeypatch.setattr(client, "_PROJECT_IDS", {})
    adapter = ImsAdapter(Target("huawei", "ims", BJ4, "sim"))
    with pytest.raises(AuthFailed) as caught:
        adapter.prepare_capture(request("p", options={"project_ids": {BJ4: "0" * 32}}))
    assert caught.value.code == "APIGW.0301" and "0" * 32 in caught.value.message
