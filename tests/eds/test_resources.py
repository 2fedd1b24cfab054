"""CustomImage and ImageRegionSet on Alibaba EDS through the real provider server and the simulator."""
from __future__ import annotations

import re
from typing import Any

import pytest

from imageforge.providers import CustomImageProvider, ImageRegionSetProvider
from imageforge.providers.alibaba.eds import PERSONAL_DATA_WARNING, EdsAdapter
from imageforge.providers.core.model import CaptureRequest, CopyRequest, Identity, Source, Started, Target
from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.eds_model import EdsModel
from tests.engine import ProviderError, ProviderServer

from .conftest import BJ, DATA_SNAP, ENC, HZ, LNX, SG, SH, SYS_SNAP, WIN

VENDOR = "alibaba-eds"
MIN = 60.0
REQUEST_ID = re.compile(r"request id [0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")


def image_inputs(**extra: Any) -> dict[str, Any]:
    return {"cloud": "alibaba", "service": "eds", "region": HZ, "name": "golden-desk", "description": "office desktop",
            "source": {"desktop": WIN}, "owner": "proj/sim/desk", **extra}


def custom_images(sim: Simulator, region: str = HZ) -> list[dict[str, Any]]:
    return [i for i in sim.store.list(VENDOR, region, "image") if i.get("image_type") == "CUSTOM"]


def adapter(region: str = HZ) -> EdsAdapter:
    return EdsAdapter(Target("alibaba", "eds", region, "sim"))


def marker(checked: dict[str, Any]) -> Identity:
    return Identity(str(checked["key"]))


def accepted(sim: Simulator, action: str, since: int = 0) -> list[Any]:
    return [r for r in sim.requests(VENDOR, action, since=since) if r.status == 200]


# check: every EDS rule refused before any cloud call ----------------------------------------
@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"name": "9-golden"}, "name", "start with a letter"),
    ({"name": "https://golden"}, "name", "https://"),
    ({"description": "http://intranet/desk"}, "description", "do not start with http:// or https://"),
    ({"description": "d" * 219}, "description", "at most 218 characters"),
    ({"source": {"desktop": ENC, "encrypted": True}}, "clean_personal_data", "encrypted"),
    ({"source": {"desktop": LNX, "os_type": "Linux"}, "scope": "system+data"}, "clean_personal_data", "Linux"),
    ({"source": {"snapshot": DATA_SNAP, "disk_type": "data"}}, "source.snapshot", "data-disk snapshot"),
    ({"tags": {"team": "desk"}}, "tags", "images cannot carry tags"),
    ({"encrypted": True}, "encrypted", "source.encrypted"),
    ({"scope": "everything"}, "scope", "'system+data'"),
    ({"clean_personal_data": "yes"}, "clean_personal_data", "true or false"),
])
def test_check_refuses_each_rule_without_calling_the_cloud(server: ProviderServer, sim: Simulator,
                                                           extra: dict[str, Any], field: str, words: str) -> None:
    mark = sim.mark()
    _, failures = server.check(CustomImageProvider(), image_inputs(**extra))
    assert [f for f, _ in failures] == [field]
    assert words in failures[0][1]
    assert sim.requests(since=mark) == []  # no cloud call was made


def test_check_accepts_the_documented_alternatives(server: ProviderServer, sim: Simulator) -> None:
    mark = sim.mark()
    for extra in ({"source": {"desktop": ENC, "encrypted": True}, "clean_personal_data": False},
                  {"source": {"desktop": LNX, "os_type": "Linux"}, "scope": "system"},
                  {"source": {"snapshot": SYS_SNAP, "disk_type": "system"}},
                  {"description": "x", "sysprep": False}):
        checked, failures = server.check(CustomImageProvider(), image_inputs(**extra))
        assert failures == [] and checked["key"]
    assert sim.requests(since=mark) == []


# create, failure, delete ----------------------------------------------------------------------
def test_create_from_cloud_computer_reaches_available(server: ProviderServer, sim: Simulator) -> None:
    checked, _ = server.check(CustomImageProvider(), image_inputs())
    image_id, outs = server.create(checked)
    assert image_id.startswith("m-") and outs["image_id"] == image_id
    assert (outs["status"], outs["vendor_status"], outs["progress"]) == ("available", "Available", 100)
    assert outs["image_os_type"] == "Windows" and outs["size_gb"] == 80 and outs["description"] == "office desktop"
    assert any("restart" in w for w in outs["warnings"]) and any("20 minutes" in w for w in outs["warnings"])
    actions = [r.action for r in sim.requests(VENDOR)]
    assert actions.index("DescribeDesktops") < actions.index("CreateImage")
    create = sim.requests(VENDOR, "CreateImage")
    assert len(create) == 1 and create[0].params["DesktopId"] == WIN
    assert create[0].params["AutoCleanUserdata"].lower() == "true" and create[0].params["DiskType"] == "SYSTEM"
    assert create[0].params["Description"] == f"office desktop {marker(checked).marker}"
    polls = sim.requests(VENDOR, "DescribeImages")
    assert 2 <= len(polls) <= 40  # a 30-minute capture (10 + 20 for the clean-up) polled at most once a minute
    _, read = server.read(image_id, outs)
    assert read["description"] == "office desktop"  # the marker is imageforge's, not drift


def test_without_a_description_only_the_marker_is_sent(server: ProviderServer, sim: Simulator) -> None:
    inputs = image_inputs()
    del inputs["description"]
    checked, _ = server.check(CustomImageProvider(), inputs)
    image_id, outs = server.create(checked)
    assert sim.requests(VENDOR, "CreateImage")[0].params["Description"] == marker(checked).marker
    assert "description" not in outs
    _, read = server.read(image_id, outs)
    assert "description" not in read  # nothing to compare: no drift


def test_create_from_snapshot_reaches_available_and_warns_about_personal_data(server: ProviderServer,
                                                                            sim: Simulator) -> None:
    source = {"snapshot": SYS_SNAP, "disk_type": "system", "data_snapshots": [DATA_SNAP]}
    image_id, outs = server.up(CustomImageProvider(), image_inputs(source=source, scope="system+data",
                                                                   clean_personal_data=False))
    assert outs["status"] == "available"
    params = sim.requests(VENDOR, "CreateImage")[0].params
    assert (params["SnapshotId"], params["DataSnapshotIds.1"], params["DiskType"]) == (SYS_SNAP, DATA_SNAP, "ALL")
    assert params["AutoCleanUserdata"].lower() == "false"
    assert outs["warnings"] == [PERSONAL_DATA_WARNING]


@pytest.mark.parametrize(("source", "field", "words"), [
    ({"desktop": ENC}, "clean_personal_data", "clean_personal_data: false"),
    ({"desktop": WIN, "os_type": "linux"}, "source.os_type", "'windows'"),
])
def test_what_check_cannot_know_is_refused_before_create_image(server: ProviderServer, sim: Simulator,
                                                                source: dict[str, Any], field: str, words: str) -> None:
    checked, failures = server.check(CustomImageProvider(), image_inputs(source=source))
    assert failures == []  # check cannot know; the adapter reads the computer before CreateImage
    with pytest.raises(ProviderError) as caught:
        server.create(checked)
    assert field in caught.value.details and words in caught.value.details
    assert sim.requests(VENDOR, "DescribeDesktops") and sim.requests(VENDOR, "CreateImage") == []


def test_create_failed_leaves_no_image_and_raises_with_the_request_id(server: ProviderServer, sim: Simulator) -> None:
    sim.inject(VENDOR, "CreateImage", "fail")
    with pytest.raises(ProviderError) as caught:
        server.up(CustomImageProvider(), image_inputs())
    details = caught.value.details
    assert "CreateFailed" in details and "restarted" in details and REQUEST_ID.search(details)
    assert custom_images(sim) == []
    assert [r.status for r in sim.requests(VENDOR, "DeleteImages")] == [200]


def test_delete_while_creating_waits_then_deletes(server: ProviderServer, sim: Simulator) -> None:
    checked, _ = server.check(CustomImageProvider(), image_inputs())
    image_id = EdsModel(sim.ctx).create_image(HZ, name="golden-desk", description=None, desktop=WIN, snapshot="",
                                              data_snapshots=[], disk_type="", clean=True)
    mark = sim.mark()
    server.delete(image_id, {**checked, "image_id": image_id})
    actions = [r.action for r in sim.requests(VENDOR, since=mark)]
    assert actions.index("DeleteImages") > actions.index("DescribeImages")
    deletes = sim.requests(VENDOR, "DeleteImages", since=mark)
    assert deletes and all(r.status == 200 for r in deletes)  # never sent while the image was still Creating
    assert sim.store.get(VENDOR, HZ, "image", image_id) is None


def test_name_and_description_update_in_place(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    image_id, state = server.up(provider, image_inputs())
    verdict, outs = server.change(provider, image_id, state, image_inputs(name="golden-desk-v2", description="patched"))
    assert verdict.kind == "update" and outs["image_id"] == image_id and outs["description"] == "patched"
    modify = sim.requests(VENDOR, "ModifyImageAttribute")
    assert [(r.params["Name"], r.params["Description"]) for r in modify] == [
        ("golden-desk-v2", f"patched {Identity(state['key']).marker}")]  # the marker stays
    removed = image_inputs(name="golden-desk-v2")
    del removed["description"]
    verdict, outs = server.change(provider, image_id, outs, removed)
    assert verdict.kind == "update" and "description" not in outs
    assert sim.requests(VENDOR, "ModifyImageAttribute")[-1].params["Description"] == Identity(state["key"]).marker
    checked, _ = server.check(provider, image_inputs(clean_personal_data=False), olds=state)
    assert server.diff(image_id, state, checked).replaces == ["clean_personal_data"]


def test_state_with_tags_from_an_earlier_version_updates_once_tags_are_removed(server: ProviderServer,
                                                                               sim: Simulator) -> None:
    provider = CustomImageProvider()
    image_id, state = server.up(provider, image_inputs())
    earlier = {**state, "tags": {"team": "desk"}}  # an earlier version accepted tags on EDS and dropped them
    mark = sim.mark()
    verdict, outs = server.change(provider, image_id, earlier, image_inputs())
    assert verdict.kind == "update" and outs["image_id"] == image_id and not outs.get("tags")
    assert [r.action for r in sim.requests(VENDOR, since=mark)] == ["DescribeImages"]  # nothing to untag


# a re-run with no state finds what an earlier run made ------------------------------------------
def earlier_capture(checked: dict[str, Any], description: str = "office desktop") -> str:
    """What an earlier run started before its process died: CreateImage with the marker, nothing recorded."""
    return adapter().start_capture(CaptureRequest(name="golden-desk", source=Source(desktop=WIN),
                                                  description=marker(checked).mark(description))).image_id


def test_create_adopts_a_capture_an_interrupted_run_left_creating(server: ProviderServer, sim: Simulator) -> None:
    checked, _ = server.check(CustomImageProvider(), image_inputs())
    earlier = earlier_capture(checked)
    image_id, outs = server.create(checked)
    assert image_id == earlier and outs["status"] == "available"
    assert len(accepted(sim, "CreateImage")) == 1


def test_a_rerun_after_the_capture_finished_adopts_it(server: ProviderServer, sim: Simulator) -> None:
    checked, _ = server.check(CustomImageProvider(), image_inputs())
    earlier = earlier_capture(checked)
    sim.advance(60 * MIN)  # the capture ended while nobody watched
    mark = sim.mark()
    image_id, outs = server.create(checked)
    assert image_id == earlier and outs["status"] == "available"
    assert sim.requests(VENDOR, "CreateImage", since=mark) == [] and len(custom_images(sim)) == 1


def test_a_rerun_deletes_the_failed_capture_an_earlier_run_left(server: ProviderServer, sim: Simulator) -> None:
    checked, _ = server.check(CustomImageProvider(), image_inputs())
    sim.inject(VENDOR, "CreateImage", "fail")
    failed = earlier_capture(checked)
    sim.advance(60 * MIN)
    image_id, outs = server.create(checked)
    assert image_id != failed and outs["status"] == "available"
    assert [r.params["ImageId.1"] for r in accepted(sim, "DeleteImages")] == [failed]
    assert [i["image_id"] for i in custom_images(sim)] == [image_id]


def test_a_lost_create_image_reply_is_looked_up_not_repeated(server: ProviderServer, sim: Simulator) -> None:
    sim.inject(VENDOR, "CreateImage", "lost")  # applied, then answered with a 500
    image_id, outs = server.up(CustomImageProvider(), image_inputs())
    assert outs["status"] == "available"
    assert [r.status for r in sim.requests(VENDOR, "CreateImage")] == [500]
    assert [i["image_id"] for i in custom_images(sim)] == [image_id]


def test_an_available_image_of_the_same_name_is_not_adopted(server: ProviderServer, sim: Simulator) -> None:
    first, _ = server.up(CustomImageProvider(), image_inputs())
    second, _ = server.up(CustomImageProvider(), image_inputs(owner="proj/sim/other"))
    assert first != second and len(custom_images(sim)) == 2


# ImageRegionSet ---------------------------------------------------------------------------------
def publish_inputs(image_id: str, regions: list[Any], **extra: Any) -> dict[str, Any]:
    return {"cloud": "alibaba", "service": "eds", "region": HZ, "image_id": image_id, "regions": regions,
            "owner": "proj/sim/desk-regions", **extra}


def captured(server: ProviderServer) -> str:
    image_id, _ = server.up(CustomImageProvider(), image_inputs(clean_personal_data=False))
    return image_id


def test_check_refuses_what_eds_copies_cannot_do(server: ProviderServer, sim: Simulator) -> None:
    mark = sim.mark()
    _, failures = server.check(ImageRegionSetProvider(), publish_inputs(
        "m-1", [SH, HZ, {"region": BJ, "replicas": 2}], tags={"team": "desk"}, encrypted=True))
    reasons = dict(failures)
    assert sorted(reasons) == ["encrypted", "regions[1]", "regions[2]", "tags"]
    assert "source image's region" in reasons["regions[1]"] and "replicas" in reasons["regions[2]"]
    assert sim.requests(since=mark) == []


def test_publish_to_three_regions_then_remove_one(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    provider = ImageRegionSetProvider()
    checked, _ = server.check(provider, publish_inputs(image_id, [SH, SG, BJ], description="published desk"))
    set_id, state = server.create(checked)
    assert sorted(state["images"]) == sorted([SH, SG, BJ])
    assert all(v["status"] == "available" and v["image_id"].startswith("m-") for v in state["images"].values())
    copies = sim.requests(VENDOR, "CopyImage")
    assert sorted(c.params["DestinationRegionId"] for c in copies) == sorted([SH, SG, BJ])
    assert all(c.params["DestinationImageName"] == "golden-desk" for c in copies)
    assert {c.params["DestinationDescription"] for c in copies} == {f"published desk {marker(checked).marker}"}

    mark = sim.mark()
    verdict, state2 = server.change(provider, set_id, state, publish_inputs(image_id, [SH, BJ], description="published desk"))
    assert verdict.kind == "update" and sorted(state2["images"]) == sorted([SH, BJ])
    assert [d.region for d in sim.requests(VENDOR, "DeleteImages", since=mark)] == [SG]  # finished: deleted
    assert sim.requests(VENDOR, "CancelCopyImage", since=mark) == []
    assert state2["images"][SH]["image_id"] == state["images"][SH]["image_id"]

    server.delete(set_id, state2)
    for region in (SH, SG, BJ):
        assert custom_images(sim, region) == []


def test_removing_a_region_still_copying_cancels_that_copy_and_keeps_the_others(server: ProviderServer,
                                                                              sim: Simulator) -> None:
    image_id = captured(server)
    provider = ImageRegionSetProvider()
    checked, failures = server.check(provider, publish_inputs(image_id, [SH, SG, BJ]))
    assert failures == []
    # The state an interrupted `pulumi up` leaves: three copies recorded, all still copying.
    outcomes = adapter().start_copies(CopyRequest(image_id, HZ, description=marker(checked).mark("")), [SH, SG, BJ])
    copies = {r: o.image_id for r, o in outcomes.items() if isinstance(o, Started)}
    state = {**checked, "images": {r: {"image_id": i, "status": "creating", "vendor_status": "Creating", "progress": 0.0}
                                   for r, i in copies.items()}, "image_ids": dict(copies)}
    set_id = f"{image_id}:{checked['key']}"

    mark = sim.mark()
    verdict, state2 = server.change(provider, set_id, state, publish_inputs(image_id, [SH, BJ]))
    assert verdict.kind == "update"
    cancels = sim.requests(VENDOR, "CancelCopyImage", since=mark)
    assert [(c.region, c.params["ImageId"], c.status) for c in cancels] == [(SG, copies[SG], 200)]
    assert sim.requests(VENDOR, "DeleteImages", since=mark) == []
    assert sim.store.get(VENDOR, SG, "image", copies[SG]) is None
    assert {r: v["image_id"] for r, v in state2["images"].items()} == {SH: copies[SH], BJ: copies[BJ]}
    for region in (SH, BJ):
        assert sim.store.get(VENDOR, region, "image", copies[region]) is not None


def test_failed_copy_names_the_region_and_leaves_no_copy(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    sim.inject(VENDOR, "CopyImage", "fail", region=BJ)
    with pytest.raises(ProviderError) as caught:
        server.up(ImageRegionSetProvider(), publish_inputs(image_id, [SH, SG, BJ]))
    assert BJ in caught.value.details and "CreateFailed" in caught.value.details
    for region in (SH, SG, BJ):
        assert custom_images(sim, region) == [], region


def test_create_adopts_copies_an_interrupted_run_started_and_removes_its_failed_ones(server: ProviderServer,
                                                                                     sim: Simulator) -> None:
    image_id = captured(server)
    provider = ImageRegionSetProvider()
    checked, _ = server.check(provider, publish_inputs(image_id, [SH, SG, BJ]))
    sim.inject(VENDOR, "CopyImage", "fail", region=SG)
    earlier = adapter().start_copies(CopyRequest(image_id, HZ, description=marker(checked).mark("")), [SH, SG])
    sim.advance(30 * MIN)  # SH finished and SG failed while nobody watched
    mark = sim.mark()
    _, state = server.create(checked)
    assert state["images"][SH]["image_id"] == earlier[SH].image_id  # type: ignore[union-attr]
    assert sorted(c.params["DestinationRegionId"] for c in sim.requests(VENDOR, "CopyImage", since=mark)) == sorted([BJ, SG])
    assert [(d.region, d.params["ImageId.1"]) for d in sim.requests(VENDOR, "DeleteImages", since=mark)] == [
        (SG, earlier[SG].image_id)]  # type: ignore[union-attr]
    for region in (SH, SG, BJ):
        assert [i["image_id"] for i in custom_images(sim, region)] == [state["images"][region]["image_id"]]


def test_a_lost_copy_image_reply_is_looked_up_not_repeated(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    sim.inject(VENDOR, "CopyImage", "lost", region=HZ)  # CopyImage is sent to the source region
    _, state = server.up(ImageRegionSetProvider(), publish_inputs(image_id, [SH]))
    assert [r.status for r in sim.requests(VENDOR, "CopyImage")] == [500]
    assert [i["image_id"] for i in custom_images(sim, SH)] == [state["images"][SH]["image_id"]]
