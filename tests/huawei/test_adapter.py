"""ImsAdapter against the simulator: jobs, lifecycles, the five-copy limit and error mapping."""
from __future__ import annotations

import dataclasses
import random
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from imageforge.providers.core.errors import (InvalidArgument, InvalidState, NotFound, OperationFailed, Throttled,
                                              Unsupported)
from imageforge.providers.core.model import CaptureRequest, CopyRequest, ImageInfo, ImageStatus, Scope, Source, Target
from imageforge.providers.core.registry import adapter_for
from imageforge.providers.core.waiting import Backoff, Done, Pending, Waiter
from imageforge.providers.huawei.ims import ImsAdapter
from imageforge.simulator.core.simulator import Simulator
from imageforge.simulator.huawei.model import ImsModel

from .conftest import BIG, BJ4, LINUX, SEVEN, VAULT, VENDOR, WINDOWS, copy_jobs_in_flight, shared

AGENCY = {"agency_name": "ims_admin_agency"}


@pytest.fixture
def sim(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    simulator = shared(module_sim, monkeypatch)
    simulator.advance(3600)  # whatever an earlier test left running has finished
    return simulator


class SimClock:
    """The waiter's clock is the simulator's: sleeping advances simulated time, instantly."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.slept = 0.0

    def now(self) -> float:
        return self.sim.clock.now()

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.sim.advance(seconds)


@pytest.fixture
def clock(sim: Simulator) -> SimClock:
    return SimClock(sim)


@pytest.fixture
def waiter(clock: SimClock) -> Waiter:
    return Waiter(clock=clock, rng=random.Random(7))


@pytest.fixture
def ims(waiter: Waiter) -> ImsAdapter:
    return adapter_for(Target("huawei", "ims", BJ4, "sim"), waiter=waiter)  # type: ignore[no-any-return]


def request(name: str, server: str = LINUX, **kw: Any) -> CaptureRequest:
    return CaptureRequest(name=name, source=Source(instance=server), **kw)


def settle(waiter: Waiter, describe: Callable[[], ImageInfo | None]) -> ImageInfo:
    def poll() -> Pending | Done[ImageInfo]:
        info = describe()
        assert info is not None
        return Done(info) if info.status.settled else Pending(info.progress, info.raw_status)

    return waiter.wait("settle", poll, 7200)


def active(ims: ImsAdapter, waiter: Waiter, name: str, server: str = LINUX) -> str:
    image_id = ims.capture(request(name, server))
    assert settle(waiter, lambda: ims.describe_images([image_id]).get(image_id)).status is ImageStatus.AVAILABLE
    return image_id


# capture ------------------------------------------------------------------------------
def test_capture_returns_the_id_as_soon_as_the_job_names_it(sim: Simulator, ims: ImsAdapter, clock: SimClock) -> None:
    image_id = ims.capture(request("golden-early", tags={"team": "web"}, description="web tier"))
    assert clock.slept < 60  # the job names its image after ~30 s of a 10-minute capture
    info = ims.describe_images([image_id])[image_id]
    assert info.status is ImageStatus.CREATING and info.raw_status in ("queued", "saving")
    assert info.progress is not None and 0 < info.progress < 20
    assert info.tags == {"team": "web"} and info.description == "web tier" and info.name == "golden-early"
    assert [r.action for r in sim.requests(VENDOR)][:2] == ["ShowServer", "CreateImage"]


def test_capture_reaches_active_as_the_clock_advances(ims: ImsAdapter, waiter: Waiter) -> None:
    image_id = ims.capture(request("golden-active", WINDOWS))
    info = settle(waiter, lambda: ims.describe_images([image_id]).get(image_id))
    assert info.status is ImageStatus.AVAILABLE and info.raw_status == "active"
    assert info.os_type == "windows" and info.size_gb == 60 and info.architecture == "x86" and not info.encrypted
    assert waiter.polls < 40


def test_whole_ecs_image_uses_the_vault(sim: Simulator, ims: ImsAdapter) -> None:
    image_id = ims.capture(request("golden-whole", scope=Scope.SYSTEM_AND_DATA, options={"vault_id": VAULT}))
    created = sim.requests(VENDOR, "CreateWholeImage")
    assert created[-1].params["vault_id"] == VAULT and image_id in ims.describe_images([image_id])


def test_failed_job_named_image_is_reported_with_job_id_and_reason(sim: Simulator, ims: ImsAdapter, waiter: Waiter) -> None:
    sim.inject(VENDOR, "CreateImage", "fail", message="The system disk snapshot failed.", params={"after": 120})
    image_id = ims.capture(request("golden-doomed"))
    info = settle(waiter, lambda: ims.describe_images([image_id]).get(image_id))
    job_id = sim.requests(VENDOR, "ShowJob")[-1].params["id"]
    assert info.status is ImageStatus.FAILED and info.raw_status == "killed"
    assert job_id in info.failure and "The system disk snapshot failed." in info.failure and "IMG.0014" in info.failure
    ims.delete_image(image_id)
    assert ims.describe_images([image_id]) == {}


def test_job_failing_while_capture_waits_deletes_its_image_and_names_job_and_reason(sim: Simulator, clock: SimClock) -> None:
    slow = Waiter(clock=clock, backoff=Backoff(initial=60, factor=1, jitter=0))
    adapter = ImsAdapter(Target("huawei", "ims", BJ4, "sim"), slow)
    sim.inject(VENDOR, "CreateImage", "fail", message="Disk I/O error.", params={"after": 45})
    before = {i["id"] for i in sim.store.list(VENDOR, BJ4, "image")}
    with pytest.raises(OperationFailed) as caught:
        adapter.capture(request("golden-fails-early"))
    err = caught.value
    assert err.resource_id and err.resource_id in str(err) and "Disk I/O error." in str(err) and err.code == "IMG.0014"
    assert sim.requests(VENDOR, "CreateImage")[-1].status == 200
    assert sim.requests(VENDOR, "GlanceDeleteImage")[-1].status == 204
    assert {i["id"] for i in sim.store.list(VENDOR, BJ4, "image")} == before


def test_job_failing_before_naming_an_image_leaves_none(sim: Simulator, ims: ImsAdapter) -> None:
    sim.inject(VENDOR, "CreateImage", "fail", params={"after": 5})
    before = len(sim.store.list(VENDOR, BJ4, "image"))
    with pytest.raises(OperationFailed) as caught:
        ims.capture(request("golden-never"))
    assert "failed" in caught.value.message and caught.value.code == "IMG.0014"
    assert len([i for i in ImsModel(sim.ctx).images(BJ4) if i["name"] == "golden-never"]) == 0
    assert len(sim.store.list(VENDOR, BJ4, "image")) == before + 1  # the sim's record, never listed


def test_capture_errors_are_typed(ims: ImsAdapter) -> None:
    with pytest.raises(NotFound) as caught:
        ims.capture(request("golden-x", "no-such-server"))
    assert caught.value.code == "Ecs.0114" and caught.value.request_id and caught.value.vendor == "huawei-ims"
    with pytest.raises(InvalidArgument) as bad:
        ims.capture(request("bad/name"))
    assert bad.value.code == "IMG.0003"
    with pytest.raises(InvalidArgument):
        ims.capture(CaptureRequest(name="snap", source=Source(snapshot="s-1")))


# describe, find, update, delete ------------------------------------------------------------
def test_update_find_and_delete(ims: ImsAdapter, waiter: Waiter) -> None:
    image_id = active(ims, waiter, "golden-upd")
    ims.update_image(image_id, "golden-renamed", "patched", {"team": "web", "imageforge-key": "k123"})
    info = ims.describe_images([image_id])[image_id]
    assert info.name == "golden-renamed" and info.description == "patched" and info.tags["team"] == "web"
    assert [i.image_id for i in ims.find_images({"imageforge-key": "k123", "team": "web"})] == [image_id]
    assert ims.find_images({"imageforge-key": "k123", "team": "ops"}) == []
    other = active(ims, waiter, "golden-other")
    assert set(ims.describe_images([image_id, other, "missing"])) == {image_id, other}
    ims.delete_image(image_id)
    with pytest.raises(NotFound) as gone:
        ims.delete_image(image_id)
    assert gone.value.code == "IMG.0144" and gone.value.request_id


def test_delete_while_saving_is_invalid_state(ims: ImsAdapter) -> None:
    image_id = ims.capture(request("golden-busy", WINDOWS))
    with pytest.raises(InvalidState) as caught:
        ims.delete_image(image_id)
    assert caught.value.code == "IMG.0090"


def test_429_maps_to_throttled_and_the_waiter_rides_it_out(sim: Simulator, ims: ImsAdapter, waiter: Waiter) -> None:
    image_id = active(ims, waiter, "golden-429")
    sim.inject(VENDOR, "ListImages", "throttle")
    with pytest.raises(Throttled) as get_err:
        ims.describe_images([image_id])
    assert get_err.value.retryable and get_err.value.code == "429"  # the SDK drops a GET's 429 body
    sim.inject(VENDOR, "UpdateImage", "throttle")
    with pytest.raises(Throttled) as patch_err:
        ims.update_image(image_id, None, "x", None)
    assert patch_err.value.code == "APIGW.0308" and patch_err.value.request_id
    sim.inject(VENDOR, "ListImages", "throttle", times=3)
    assert waiter.call("describe", lambda: ims.describe_images([image_id]))[image_id].status is ImageStatus.AVAILABLE


def test_unimplemented_api_is_unsupported(ims: ImsAdapter) -> None:
    from huaweicloudsdkims.v2 import ListImageTagsRequest

    client = ims.clients.ims(BJ4)
    with pytest.raises(Unsupported) as caught:
        ims.clients.call("ListImageTags", lambda: client.list_image_tags(ListImageTagsRequest(image_id="x")))
    assert caught.value.code == "APIGW.0101" and caught.value.request_id


# copies ----------------------------------------------------------------------------------------
def publish(ims: ImsAdapter, waiter: Waiter, sim: Simulator, request_: CopyRequest) -> tuple[dict[str, str], int]:
    """What the resource layer does: start, re-offer queued regions as slots free, wait for all."""
    copies = ims.copy_image(request_)
    most = copy_jobs_in_flight(sim)

    def poll() -> Pending | Done[dict[str, ImageInfo]]:
        nonlocal most
        queued = tuple(r for r, i in copies.items() if not i)
        if queued:
            copies.update({r: i for r, i in ims.copy_image(dataclasses.replace(request_, regions=queued)).items() if i})
        most = max(most, copy_jobs_in_flight(sim))
        infos = ims.describe_copies(copies)
        assert set(infos) == set(copies)
        if all(i.status is ImageStatus.AVAILABLE for i in infos.values()):
            return Done(infos)
        assert not any(i.status is ImageStatus.FAILED for i in infos.values())
        return Pending(min(i.progress or 0 for i in infos.values()), "")

    waiter.wait("publish", poll, 7200)
    return copies, most


def test_seven_regions_never_exceed_five_copy_jobs_and_all_complete(sim: Simulator, ims: ImsAdapter, waiter: Waiter) -> None:
    image_id = active(ims, waiter, "golden-fanout")
    first = ims.copy_image(CopyRequest(image_id, BJ4, SEVEN, options=AGENCY))
    assert sorted(r for r, i in first.items() if i) == sorted(SEVEN[:5]) and first[SEVEN[5]] == first[SEVEN[6]] == ""
    queued = ims.describe_copies(first)
    assert queued[SEVEN[6]].status is ImageStatus.CREATING and queued[SEVEN[6]].progress == 0
    copies, most = publish(ims, waiter, sim, CopyRequest(image_id, BJ4, SEVEN[5:], options=AGENCY))
    copies.update({r: i for r, i in first.items() if i})
    assert most <= 5 and sorted(copies) == sorted(SEVEN) and all(copies.values())
    for region in SEVEN:
        landed = [i for i in ImsModel(sim.ctx).images(region) if i["name"] == "golden-fanout"]
        assert [i["id"] for i in landed] == [copies[region]]  # exactly one copy each, none duplicated
    starts = sim.requests(VENDOR, "CopyImageCrossRegion")
    assert len([s for s in starts if s.status == 200]) == 7
    assert all(s.error in ("", "IMG.0060") for s in starts)


def test_copy_failure_names_job_and_reason(sim: Simulator, ims: ImsAdapter, waiter: Waiter) -> None:
    image_id = active(ims, waiter, "golden-copyfail")
    sim.inject(VENDOR, "CopyImageCrossRegion", "fail", region="cn-east-3", message="Agency has no permission.")
    copies = ims.copy_image(CopyRequest(image_id, BJ4, ("cn-east-3", "ap-southeast-1"), name="c", options=AGENCY))
    info = settle(waiter, lambda: ims.describe_copies(copies).get("cn-east-3"))
    assert info.status is ImageStatus.FAILED and "Agency has no permission." in info.failure and "IMS job" in info.failure
    assert settle(waiter, lambda: ims.describe_copies(copies).get("ap-southeast-1")).status is ImageStatus.AVAILABLE
    ims.delete_copy("cn-east-3", copies["cn-east-3"])
    assert "cn-east-3" not in ims.describe_copies(copies)


def test_copy_refusals_and_cancel(sim: Simulator, ims: ImsAdapter, waiter: Waiter) -> None:
    image_id = active(ims, waiter, "golden-refusals")
    with pytest.raises(InvalidArgument):
        ims.copy_image(CopyRequest(image_id, BJ4, ("cn-east-3",)))
    big = active(ims, waiter, "golden-big", BIG)
    with pytest.raises(InvalidArgument) as too_big:
        ims.copy_image(CopyRequest(big, BJ4, ("cn-east-3",), options=AGENCY))
    assert too_big.value.code == "IMG.0059" and not too_big.value.retryable and too_big.value.partial == {}  # type: ignore[attr-defined]
    copies = ims.copy_image(CopyRequest(image_id, BJ4, ("cn-east-3",), options=AGENCY))
    with pytest.raises(InvalidState):
        ims.cancel_copy("cn-east-3", copies["cn-east-3"])  # IMS cannot cancel: the caller waits, then deletes
    ims.cancel_copy("cn-south-1", "")  # a queued region never started: nothing to cancel
    with pytest.raises(NotFound):
        ims.delete_copy("cn-south-1", "")


def test_copy_start_throttled_is_retried_without_duplicates(sim: Simulator, ims: ImsAdapter, waiter: Waiter) -> None:
    image_id = active(ims, waiter, "golden-throttle-copy")
    sim.inject(VENDOR, "CopyImageCrossRegion", "throttle", times=2)
    sim.inject(VENDOR, "ShowJob", "throttle", times=2)
    sim.inject(VENDOR, "BatchAddOrDeleteTags", "throttle", times=1)
    copies = ims.copy_image(CopyRequest(image_id, BJ4, ("cn-east-3", "cn-north-1"), tags={"team": "web"}, options=AGENCY))
    assert all(copies.values())
    for region in ("cn-east-3", "cn-north-1"):
        assert len([i for i in ImsModel(sim.ctx).images(region) if i["name"] == "golden-throttle-copy"]) == 1
    assert all(info.tags == {"team": "web"} for info in ims.describe_copies(copies).values())


def test_importing_rules_and_mapping_loads_no_sdk() -> None:
    code = ("import sys, imageforge.providers.huawei.rules, imageforge.providers.huawei.mapping; "
            "print(sorted(m for m in sys.modules if m.startswith('huaweicloud')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
