"""CustomImage and ImageRegionSet on Huawei IMS through the real provider server and the simulator."""
from __future__ import annotations

from typing import Any

import pytest

from imageforge.providers import CustomImageProvider, ImageRegionSetProvider
from imageforge.simulator import Simulator
from imageforge.simulator.huawei.model import ImsModel
from tests.engine import ProviderError, ProviderServer

from .conftest import BJ4, LINUX, SEVEN, VENDOR, WINDOWS

AGENCY = {"agency_name": "ims_admin_agency"}


def image_inputs(**extra: object) -> dict[str, object]:
    return {"cloud": "huawei", "region": BJ4, "name": "golden-web", "description": "web tier",
            "source": {"instance": LINUX}, "owner": "proj/sim/golden", **extra}


def publish_inputs(image_id: str, regions: list[str] | tuple[str, ...], **extra: object) -> dict[str, object]:
    return {"cloud": "huawei", "region": BJ4, "image_id": image_id, "regions": list(regions), "options": AGENCY,
            "owner": "proj/sim/golden-regions", **extra}


def listed(sim: Simulator, region: str, name: str) -> list[dict[str, Any]]:
    """Images IMS would list in `region` under `name` (any state)."""
    return [i for i in ImsModel(sim.ctx).images(region) if i["name"] == name]


def most_copies_at_once(sim: Simulator) -> int:
    """The peak number of copy jobs in flight, from every copy job's start and end (or failure) time."""
    edges = []
    for job in sim.store.list(VENDOR, None, "job"):
        if job.get("dest_region"):
            end = job["fail_at"] if job.get("fail_at") is not None else job["end_at"]
            edges += [(job["begin"], 1), (end, -1)]
    peak = current = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        current += step
        peak = max(peak, current)
    return peak


# CustomImage ---------------------------------------------------------------------------
def test_check_names_the_field_without_a_cloud_call(server: ProviderServer, sim: Simulator) -> None:
    mark = sim.mark()
    _, failures = server.check(CustomImageProvider(), image_inputs(name="bad/name", scope="system+data"))
    assert sorted(f for f, _ in failures) == ["name", "options"]
    assert "vault_id" in dict(failures)["options"]
    assert sim.requests(since=mark) == []


def test_create_reaches_active(server: ProviderServer, sim: Simulator) -> None:
    image_id, outs = server.up(CustomImageProvider(), image_inputs(tags={"team": "web"}))
    assert outs["image_id"] == image_id and len(image_id) == 36
    assert outs["status"] == "available" and outs["vendor_status"] == "active" and outs["progress"] == 100
    assert outs["size_gb"] == 40 and outs["image_os_type"] == "linux" and outs["image_tags"] == {"team": "web"}
    creates = sim.requests(VENDOR, "CreateImage")
    assert len(creates) == 1 and creates[0].params["instance_id"] == LINUX
    assert 2 <= len(sim.requests(VENDOR, "ListImages")) <= 30  # backed off over a 10-minute capture


def test_description_change_updates_in_place_and_source_change_replaces(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    image_id, state = server.up(provider, image_inputs())
    checked, _ = server.check(provider, image_inputs(source={"instance": WINDOWS}), olds=state)
    verdict = server.diff(image_id, state, checked)
    assert verdict.kind == "replace" and verdict.replaces == ["source"]
    verdict, outs = server.change(provider, image_id, state, image_inputs(description="web tier, patched"))
    assert verdict.kind == "update" and outs["description"] == "web tier, patched" and outs["image_id"] == image_id
    update = sim.requests(VENDOR, "UpdateImage")
    assert len(update) == 1 and update[0].params["ops"] == [{"op": "replace", "path": "/__description",
                                                             "value": "web tier, patched"}]
    assert listed(sim, BJ4, "golden-web")[0]["description"] == "web tier, patched"
    assert len(sim.requests(VENDOR, "CreateImage")) == 1


def test_delete_during_creation_waits_then_deletes(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    checked, _ = server.check(provider, image_inputs(source={"instance": WINDOWS}))
    model = ImsModel(sim.ctx)
    job_id = model.create_image(BJ4, {"name": "golden-web", "instance_id": WINDOWS})
    sim.advance(60)
    image_id = model.job_view(model.job(BJ4, job_id))["entities"]["image_id"]
    mark = sim.mark()
    server.delete(image_id, {**checked, "image_id": image_id})
    deletes = sim.requests(VENDOR, "GlanceDeleteImage", since=mark)
    assert [d.status for d in deletes] == [204]  # never sent while the image was queued/saving
    assert sim.clock.now() >= model.job(BJ4, job_id)["end_at"]
    assert sim.store.get(VENDOR, BJ4, "image", image_id) is None


def test_refresh_after_out_of_band_delete_drops_it(server: ProviderServer, sim: Simulator) -> None:
    image_id, state = server.up(CustomImageProvider(), image_inputs())
    same_id, outs = server.read(image_id, state)
    assert same_id == image_id and outs["status"] == "available"
    sim.store.delete(VENDOR, BJ4, "image", image_id)
    gone_id, _ = server.read(image_id, state)
    assert gone_id == ""


def test_failed_job_leaves_no_image_and_names_job_and_reason(server: ProviderServer, sim: Simulator) -> None:
    sim.inject(VENDOR, "CreateImage", "fail", message="The ECS system disk snapshot failed.")
    with pytest.raises(ProviderError) as caught:
        server.up(CustomImageProvider(), image_inputs())
    [job] = sim.store.list(VENDOR, BJ4, "job")
    assert job["job_id"] in caught.value.details
    assert "The ECS system disk snapshot failed." in caught.value.details and "IMG.0014" in caught.value.details
    assert listed(sim, BJ4, "golden-web") == []


def test_throttling_slows_capture_but_loses_and_duplicates_nothing(server: ProviderServer, sim: Simulator) -> None:
    for action, times in (("CreateImage", 2), ("ShowJob", 3), ("ListImages", 4), ("ShowServer", 1)):
        sim.inject(VENDOR, action, "throttle", times=times)
    image_id, outs = server.up(CustomImageProvider(), image_inputs())
    assert outs["status"] == "available"
    assert [i["id"] for i in listed(sim, BJ4, "golden-web")] == [image_id]
    assert len([r for r in sim.requests(VENDOR, "CreateImage") if r.status == 200]) == 1
    throttled = [r for r in sim.requests(VENDOR) if r.status == 429]
    assert len(throttled) == 10 and {r.error for r in throttled} == {"APIGW.0308"}


# ImageRegionSet ------------------------------------------------------------------------
def captured(server: ProviderServer, name: str = "golden-web") -> str:
    image_id, _ = server.up(CustomImageProvider(), image_inputs(name=name))
    return image_id


def test_seven_regions_never_more_than_five_copy_jobs_and_all_complete(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    set_id, state = server.up(ImageRegionSetProvider(), publish_inputs(image_id, SEVEN))
    assert sorted(state["images"]) == sorted(SEVEN)
    assert all(v["status"] == "available" and v["image_id"] for v in state["images"].values())
    assert most_copies_at_once(sim) == 5
    for region in SEVEN:
        assert [i["id"] for i in listed(sim, region, "golden-web")] == [state["images"][region]["image_id"]]
    server.delete(set_id, state)
    assert all(listed(sim, region, "golden-web") == [] for region in SEVEN)


def test_throttled_publish_loses_and_duplicates_nothing(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    for action, times in (("CopyImageCrossRegion", 2), ("ShowJob", 2), ("ListImages", 3)):
        sim.inject(VENDOR, action, "throttle", times=times)
    _, state = server.up(ImageRegionSetProvider(), publish_inputs(image_id, ["cn-east-3", "ap-southeast-1"]))
    assert sorted(state["images"]) == ["ap-southeast-1", "cn-east-3"]
    for region in ("cn-east-3", "ap-southeast-1"):
        assert [i["id"] for i in listed(sim, region, "golden-web")] == [state["images"][region]["image_id"]]


def test_failed_copy_names_region_job_and_reason_and_leaves_no_copy(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    sim.inject(VENDOR, "CopyImageCrossRegion", "fail", region="cn-east-3", message="The agency lacks permission.")
    with pytest.raises(ProviderError) as caught:
        server.up(ImageRegionSetProvider(), publish_inputs(image_id, ["cn-east-3", "ap-southeast-1"]))
    assert "cn-east-3" in caught.value.details and "The agency lacks permission." in caught.value.details
    assert all(listed(sim, region, "golden-web") == [] for region in ("cn-east-3", "ap-southeast-1"))


def test_publish_check_refuses_missing_agency_and_encrypted(server: ProviderServer, sim: Simulator) -> None:
    mark = sim.mark()
    _, failures = server.check(ImageRegionSetProvider(), {**publish_inputs("img", ["cn-east-3"]), "options": {},
                                                          "encrypted": True})
    assert sorted(f for f, _ in failures) == ["encrypted", "options"]
    assert sim.requests(since=mark) == []
