"""CustomImage and ImageRegionSet on Huawei IMS through the real provider server and the simulator."""
from __future__ import annotations

from typing import Any

import pytest

from imageforge.providers import CustomImageProvider, ImageRegionSetProvider
from imageforge.providers.core.model import TAG_KEY
from imageforge.simulator import Simulator
from imageforge.simulator.huawei.copies import copy_cross_region
from imageforge.simulator.huawei.model import ImsModel
from imageforge.simulator.huawei.records import Image
from imageforge.simulator.huawei.regions import vault_id
from tests.engine import ProviderError, ProviderServer

from .conftest import BJ4, LINUX, SEVEN, VAULT, VENDOR, WINDOWS

AGENCY = {"agency_name": "ims_admin_agency"}


def image_inputs(**extra: object) -> dict[str, object]:
    return {"cloud": "huawei", "region": BJ4, "name": "golden-web", "description": "web tier",
            "source": {"instance": LINUX}, "owner": "proj/sim/golden", **extra}


def publish_inputs(image_id: str, regions: list[str] | tuple[str, ...], **extra: Any) -> dict[str, object]:
    return {"cloud": "huawei", "region": BJ4, "image_id": image_id, "regions": list(regions),
            "owner": "proj/sim/golden-regions", **extra, "options": {**AGENCY, **dict(extra.get("options") or {})}}


def listed(sim: Simulator, region: str, name: str) -> list[Image]:
    """Images IMS lists in `region` under `name` (any state)."""
    return ImsModel(sim.ctx).images(region, name=name)


def most_copies_at_once(sim: Simulator) -> int:
    """The peak number of copy jobs in flight, from every copy job's lifecycle (start and end or failure)."""
    edges = []
    for job in sim.store.list(VENDOR, None, "job"):
        if job.get("dest_region"):
            life = job["lifecycle"]
            end = life["started_at"] + life["duration"] * (life["fails_at"] if life["fails_at"] is not None else 1.0)
            edges += [(life["started_at"], 1), (end, -1)]
    peak = current = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        current += step
        peak = max(peak, current)
    return peak


# CustomImage ---------------------------------------------------------------------------
def test_check_names_the_field_without_a_cloud_call(server: ProviderServer, sim: Simulator) -> None:
    mark = sim.mark()
    _, failures = server.check(CustomImageProvider(), image_inputs(name="bad/name", scope="system+data"))
    assert sorted(f for f, _ in failures) == ["name", "options.vault_id"]
    assert "CBR" in dict(failures)["options.vault_id"]
    _, failures = server.check(CustomImageProvider(), image_inputs(sysprep=True, architecture="arm64",
                                                                   options={"no_such": 1}))
    reasons = dict(failures)
    assert sorted(reasons) == ["architecture", "options.no_such", "sysprep"]
    assert "Sysprep" in reasons["sysprep"] and "Fix:" in reasons["sysprep"]
    assert sim.requests(since=mark) == []


def test_create_reaches_active_following_the_job(server: ProviderServer, sim: Simulator) -> None:
    image_id, outs = server.up(CustomImageProvider(), image_inputs(tags={"team": "web"}))
    assert outs["image_id"] == image_id and len(image_id) == 36
    assert outs["status"] == "available" and outs["vendor_status"] == "active" and outs["progress"] == 100
    assert outs["size_gb"] == 40 and outs["image_os_type"] == "linux" and outs["image_tags"] == {"team": "web"}
    assert any("is running" in w for w in outs["warnings"])
    [create] = sim.requests(VENDOR, "CreateImage")
    assert create.params["instance_id"] == LINUX
    assert {t["key"]: t["value"] for t in create.params["image_tags"]} == {"team": "web", TAG_KEY: outs["key"]}
    assert sim.requests(VENDOR, "ShowJobProgress") and not sim.requests(VENDOR, "ShowJob")
    assert 2 <= len(sim.requests(VENDOR, "ListImages")) <= 30  # backed off over a 10-minute capture


def test_encrypted_capture_sends_the_kms_key(server: ProviderServer, sim: Simulator) -> None:
    _, outs = server.up(CustomImageProvider(), image_inputs(encrypted=True, options={"cmk_id": "kms-key-1"}))
    assert sim.requests(VENDOR, "CreateImage")[0].params["cmk_id"] == "kms-key-1"
    assert sim.store.get(VENDOR, BJ4, "image", outs["image_id"])["cmk_id"] == "kms-key-1"  # type: ignore[index]
    _, failures = server.check(CustomImageProvider(), image_inputs(encrypted=True))
    assert [f for f, _ in failures] == ["encrypted"] and "options.cmk_id" in failures[0][1]
    _, failures = server.check(CustomImageProvider(), image_inputs(encrypted=True, scope="system+data",
                                                                   options={"cmk_id": "k", "vault_id": VAULT}))
    assert [f for f, _ in failures] == ["encrypted"] and "CreateWholeImage takes no key" in failures[0][1]


def test_full_ecs_image_goes_through_the_vault(server: ProviderServer, sim: Simulator) -> None:
    _, outs = server.up(CustomImageProvider(), image_inputs(scope="system+data", options={"vault_id": VAULT}))
    [create] = sim.requests(VENDOR, "CreateWholeImage")
    assert create.params["vault_id"] == VAULT and outs["status"] == "available"
    assert sim.requests(VENDOR, "CreateImage") == []


def test_description_change_updates_in_place_and_source_change_replaces(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    image_id, state = server.up(provider, image_inputs(tags={"team": "web", "tier": "gold"}))
    checked, _ = server.check(provider, image_inputs(source={"instance": WINDOWS}), olds=state)
    verdict = server.diff(image_id, state, checked)
    assert verdict.kind == "replace" and verdict.replaces == ["source"]
    verdict, outs = server.change(provider, image_id, state, image_inputs(description="web tier, patched",
                                                                          tags={"team": "ops"}))
    assert verdict.kind == "update" and outs["description"] == "web tier, patched" and outs["image_id"] == image_id
    update = sim.requests(VENDOR, "UpdateImage")
    assert len(update) == 1 and update[0].params["ops"] == [{"op": "replace", "path": "/__description",
                                                             "value": "web tier, patched"}]
    record = listed(sim, BJ4, "golden-web")[0]
    assert record.description == "web tier, patched"
    assert record.tags == {"team": "ops", TAG_KEY: state["key"]}  # tier removed, the identity tag kept
    assert outs["image_tags"] == {"team": "ops"} and len(sim.requests(VENDOR, "CreateImage")) == 1


def test_delete_during_creation_waits_then_deletes(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    checked, _ = server.check(provider, image_inputs(source={"instance": WINDOWS}))
    model = ImsModel(sim.ctx)
    job_id = model.capture(BJ4, name="golden-web", instance_id=WINDOWS)
    image_id = model.job(BJ4, job_id).image_id
    mark = sim.mark()
    server.delete(image_id, {**checked, "image_id": image_id})
    deletes = sim.requests(VENDOR, "GlanceDeleteImage", since=mark)
    assert [d.status for d in deletes] == [204]  # never sent while the image was queued/saving
    assert model.job_status(model.job(BJ4, job_id)) == "SUCCESS"
    assert sim.store.get(VENDOR, BJ4, "image", image_id) is None


def test_refresh_after_out_of_band_delete_drops_it(server: ProviderServer, sim: Simulator) -> None:
    image_id, state = server.up(CustomImageProvider(), image_inputs())
    same_id, outs = server.read(image_id, state)
    assert same_id == image_id and outs["status"] == "available"
    sim.store.delete(VENDOR, BJ4, "image", image_id)
    gone_id, _ = server.read(image_id, state)
    assert gone_id == ""


def test_job_failing_after_naming_its_image_leaves_none(server: ProviderServer, sim: Simulator) -> None:
    """The job named its image, then failed: the killed image is named in the error and deleted."""
    sim.inject(VENDOR, "CreateImage", "fail", message="The ECS system disk snapshot failed.")
    with pytest.raises(ProviderError) as caught:
        server.up(CustomImageProvider(), image_inputs())
    [job] = sim.store.list(VENDOR, BJ4, "job")
    assert job["image_id"] in caught.value.details and "killed" in caught.value.details
    assert "nothing is left behind" in caught.value.details
    assert listed(sim, BJ4, "golden-web") == []


def test_job_failing_before_naming_an_image_reports_job_and_reason(server: ProviderServer, sim: Simulator) -> None:
    sim.inject(VENDOR, "CreateImage", "fail", message="The ECS system disk snapshot failed.", params={"after": 5})
    with pytest.raises(ProviderError) as caught:
        server.up(CustomImageProvider(), image_inputs())
    [job] = sim.store.list(VENDOR, BJ4, "job")
    assert job["job_id"] in caught.value.details and "IMG.0014" in caught.value.details
    assert "The ECS system disk snapshot failed." in caught.value.details
    assert listed(sim, BJ4, "golden-web") == []


def test_throttling_slows_capture_but_loses_and_duplicates_nothing(server: ProviderServer, sim: Simulator) -> None:
    for action, times in (("CreateImage", 2), ("ShowJobProgress", 3), ("ListImages", 4), ("ShowServer", 1)):
        sim.inject(VENDOR, action, "throttle", times=times)
    image_id, outs = server.up(CustomImageProvider(), image_inputs())
    assert outs["status"] == "available"
    assert [i.id for i in listed(sim, BJ4, "golden-web")] == [image_id]
    assert len([r for r in sim.requests(VENDOR, "CreateImage") if r.status == 200]) == 1
    throttled = [r for r in sim.requests(VENDOR) if r.status == 429]
    assert len(throttled) == 10 and {r.error for r in throttled} == {"APIGW.0308"}


def test_a_lost_create_reply_is_adopted_not_repeated(server: ProviderServer, sim: Simulator) -> None:
    """CreateImage applied, its reply lost (5xx): the image carrying the identity is found and adopted."""
    sim.inject(VENDOR, "CreateImage", "lost")
    image_id, outs = server.up(CustomImageProvider(), image_inputs())
    assert outs["status"] == "available" and [i.id for i in listed(sim, BJ4, "golden-web")] == [image_id]
    assert [r.status for r in sim.requests(VENDOR, "CreateImage")] == [500]


def test_a_rerun_adopts_the_capture_an_earlier_run_started(server: ProviderServer, sim: Simulator) -> None:
    """The provider died after CreateImage: the next `up` finds the image by its tag and starts nothing."""
    checked, _ = server.check(CustomImageProvider(), image_inputs())
    ImsModel(sim.ctx).capture(BJ4, name="golden-web", instance_id=LINUX, tags={TAG_KEY: checked["key"]})
    mark = sim.mark()
    image_id, outs = server.create(checked)
    assert outs["status"] == "available" and sim.requests(VENDOR, "CreateImage", since=mark) == []
    assert [i.id for i in listed(sim, BJ4, "golden-web")] == [image_id]


def test_a_rerun_deletes_what_failed_and_captures_again(server: ProviderServer, sim: Simulator) -> None:
    checked, _ = server.check(CustomImageProvider(), image_inputs())
    sim.inject(VENDOR, "CreateImage", "fail", params={"after": 60})
    model = ImsModel(sim.ctx)
    job_id = model.capture(BJ4, name="golden-web", instance_id=LINUX, tags={TAG_KEY: checked["key"]})
    failed = model.job(BJ4, job_id).image_id
    sim.advance(120)
    image_id, outs = server.create(checked)
    assert outs["status"] == "available" and image_id != failed
    assert [i.id for i in listed(sim, BJ4, "golden-web")] == [image_id]


# ImageRegionSet ------------------------------------------------------------------------
def captured(server: ProviderServer, name: str = "golden-web", **extra: Any) -> str:
    image_id, _ = server.up(CustomImageProvider(), image_inputs(name=name, **extra))
    return image_id


def test_seven_regions_never_more_than_five_copy_jobs_and_all_complete(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    set_id, state = server.up(ImageRegionSetProvider(), publish_inputs(image_id, SEVEN, tags={"team": "web"},
                                                                       description="published"))
    assert sorted(state["images"]) == sorted(SEVEN)
    assert all(v["status"] == "available" and v["image_id"] for v in state["images"].values())
    assert most_copies_at_once(sim) == 5
    for region in SEVEN:
        [copy] = listed(sim, region, "golden-web")
        assert copy.id == state["images"][region]["image_id"]
        assert copy.tags == {"team": "web", TAG_KEY: state["key"]}
        assert copy.description == f"published [imageforge:{state['key']}]"
    server.delete(set_id, state)
    assert all(listed(sim, region, "golden-web") == [] for region in SEVEN)


def test_a_lost_copy_reply_is_found_by_its_marker_not_copied_twice(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    sim.inject(VENDOR, "CopyImageCrossRegion", "lost", region=BJ4)
    _, state = server.up(ImageRegionSetProvider(), publish_inputs(image_id, ["cn-east-3", "ap-southeast-1"],
                                                                  tags={"team": "web"}))
    for region in ("cn-east-3", "ap-southeast-1"):
        [copy] = listed(sim, region, "golden-web")
        assert copy.id == state["images"][region]["image_id"]
        assert copy.tags == {"team": "web", TAG_KEY: state["key"]}  # labelled though its start's reply was lost
    assert sorted(r.status for r in sim.requests(VENDOR, "CopyImageCrossRegion")) == [200, 500]


def test_throttled_publish_loses_and_duplicates_nothing(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    for action, times in (("CopyImageCrossRegion", 2), ("ShowJobProgress", 2), ("ListImages", 3)):
        sim.inject(VENDOR, action, "throttle", times=times)
    _, state = server.up(ImageRegionSetProvider(), publish_inputs(image_id, ["cn-east-3", "ap-southeast-1"]))
    assert sorted(state["images"]) == ["ap-southeast-1", "cn-east-3"]
    for region in ("cn-east-3", "ap-southeast-1"):
        assert [i.id for i in listed(sim, region, "golden-web")] == [state["images"][region]["image_id"]]


def test_failed_copy_names_region_and_reason_and_leaves_no_copy(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    sim.inject(VENDOR, "CopyImageCrossRegion", "fail", region="cn-east-3", message="The agency lacks permission.")
    with pytest.raises(ProviderError) as caught:
        server.up(ImageRegionSetProvider(), publish_inputs(image_id, ["cn-east-3", "ap-southeast-1"]))
    assert "cn-east-3" in caught.value.details and "The agency lacks permission." in caught.value.details
    assert all(listed(sim, region, "golden-web") == [] for region in ("cn-east-3", "ap-southeast-1"))


def test_deleting_a_copy_still_running_waits_for_it_then_deletes(server: ProviderServer, sim: Simulator) -> None:
    """IMS cannot cancel a copy: the set waits for the running copy to end, then deletes it."""
    image_id = captured(server)
    set_id, state = server.up(ImageRegionSetProvider(), publish_inputs(image_id, ["cn-east-3"]))
    model = ImsModel(sim.ctx)
    job_id = copy_cross_region(model, BJ4, image_id, name="golden-web", destination="ap-southeast-1",
                               project_name="ap-southeast-1", agency_name="a")
    running = model.job(BJ4, job_id).image_id
    images = {**state["images"], "ap-southeast-1": {"image_id": running, "status": "creating"}}
    mark = sim.mark()
    server.delete(set_id, {**state, "images": images})
    assert model.job_status(model.job(BJ4, job_id)) == "SUCCESS"
    assert [r.status for r in sim.requests(VENDOR, "GlanceDeleteImage", since=mark)] == [204, 204]
    assert listed(sim, "cn-east-3", "golden-web") == listed(sim, "ap-southeast-1", "golden-web") == []


def test_publish_check_refuses_what_ims_cannot_do(server: ProviderServer, sim: Simulator) -> None:
    mark = sim.mark()
    _, failures = server.check(ImageRegionSetProvider(), {**publish_inputs("img", ["cn-east-3", BJ4]), "options": {},
                                                          "encrypted": True, "description": "d" * 987})
    reasons = dict(failures)
    assert sorted(reasons) == ["description", "encrypted", "options.agency_name", "regions[1]"]
    assert "986" in reasons["description"] and "marker" in reasons["description"]
    assert "encrypted" in reasons["encrypted"] and "Fix:" in reasons["encrypted"]
    assert sim.requests(since=mark) == []


def test_a_full_ecs_image_is_copied_with_a_vault_in_each_destination(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server, "golden-whole", scope="system+data", options={"vault_id": VAULT})
    with pytest.raises(ProviderError) as caught:
        server.up(ImageRegionSetProvider(), publish_inputs(image_id, ["cn-east-3"]))
    assert "options.vault_ids" in caught.value.details and "full-ECS" in caught.value.details
    vaults = {"cn-east-3": vault_id("cn-east-3"), "ap-southeast-1": vault_id("ap-southeast-1")}
    _, state = server.up(ImageRegionSetProvider(), publish_inputs(image_id, list(vaults),
                                                                  options={"vault_ids": vaults}))
    assert all(v["status"] == "available" for v in state["images"].values())
    sent = {r.params["region"]: r.params["vault_id"]
            for r in sim.requests(VENDOR, "CopyImageCrossRegion") if r.status == 200}
    assert sent == vaults


def test_how_settings_are_recorded_without_a_cloud_call(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    provider = ImageRegionSetProvider()
    set_id, state = server.up(provider, publish_inputs(image_id, ["cn-east-3"]))
    how = {"agency_name": "other_agency", "project_names": {"cn-east-3": "cn-east-3"},
           "project_ids": {"cn-east-3": sim.endpoints["huawei_projects"]["cn-east-3"]}}
    checked, failures = server.check(provider, publish_inputs(image_id, ["cn-east-3"], options=how), olds=state)
    assert failures == [] and server.diff(set_id, state, checked).kind == "update"
    mark = sim.mark()
    outs = server.update(set_id, state, checked)
    assert outs["options"]["agency_name"] == "other_agency" and sim.requests(since=mark) == []
    vaults, _ = server.check(provider, publish_inputs(image_id, ["cn-east-3"],
                                                      options={"vault_ids": {"cn-east-3": "v-1"}}), olds=state)
    assert server.diff(set_id, state, vaults).replaces == ["options"]


def test_renaming_and_retagging_copies_keeps_their_identity(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    provider = ImageRegionSetProvider()
    set_id, state = server.up(provider, publish_inputs(image_id, ["cn-east-3"], tags={"team": "web", "tier": "gold"}))
    verdict, outs = server.change(provider, set_id, state, publish_inputs(
        image_id, ["cn-east-3"], name="golden-renamed", description="moved", tags={"team": "ops"}))
    assert verdict.kind == "update" and outs["images"]["cn-east-3"]["status"] == "available"
    [copy] = listed(sim, "cn-east-3", "golden-renamed")
    assert copy.description == f"moved [imageforge:{state['key']}]"
    assert copy.tags == {"team": "ops", TAG_KEY: state["key"]}
    assert len([r for r in sim.requests(VENDOR, "CopyImageCrossRegion") if r.status == 200]) == 1
