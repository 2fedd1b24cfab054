"""CustomImage and ImageRegionSet on Alibaba ECS through the real provider server and the simulator."""
from __future__ import annotations

import pytest

from imageforge.providers import CustomImageProvider, ImageRegionSetProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderError, ProviderServer

LINUX = "i-bp1imageforgelnx01"
SYSTEM_SNAPSHOT = "s-bp1imageforgesys01"
VENDOR = "alibaba-ecs"


def image_inputs(**extra: object) -> dict[str, object]:
    return {"cloud": "alibaba", "region": "cn-hangzhou", "name": "golden-web", "description": "web tier",
            "source": {"instance": LINUX}, "owner": "proj/sim/golden", **extra}


def test_check_rejects_bad_name_naming_the_field(server: ProviderServer, sim: Simulator) -> None:
    mark = sim.mark()
    _, failures = server.check(CustomImageProvider(), image_inputs(name="9-starts-with-digit"))
    assert [f for f, _ in failures] == ["name"]
    assert "start with a letter" in failures[0][1]
    _, failures = server.check(CustomImageProvider(), image_inputs(name="http://golden"))
    assert failures and failures[0][0] == "name" and "http://" in failures[0][1]
    assert sim.requests(since=mark) == []  # no cloud call was made


def test_check_rejects_unknown_region_and_source_shape(server: ProviderServer) -> None:
    _, failures = server.check(CustomImageProvider(), image_inputs(region="cn-atlantis", source={"desktop": "ecd-1"}))
    fields = dict(failures)
    assert "cn-atlantis" in fields["region"]
    assert "service='eds'" in fields["source.desktop"]


def test_create_reaches_available_and_reports_progress(server: ProviderServer, sim: Simulator) -> None:
    image_id, outs = server.up(CustomImageProvider(), image_inputs())
    assert image_id.startswith("m-") and outs["image_id"] == image_id
    assert outs["status"] == "available" and outs["vendor_status"] == "Available" and outs["progress"] == 100
    assert outs["endpoint"] == "sim" and outs["region"] == "cn-hangzhou"
    creates = sim.requests(VENDOR, "CreateImage")
    assert len(creates) == 1 and creates[0].params["InstanceId"] == LINUX
    polls = sim.requests(VENDOR, "DescribeImages")
    assert 2 <= len(polls) <= 25  # backed off over a 10-minute capture
    assert "%" in server.close()  # progress lines reached the provider's stderr


def test_create_from_snapshot(server: ProviderServer, sim: Simulator) -> None:
    image_id, outs = server.up(CustomImageProvider(), image_inputs(source={"snapshot": SYSTEM_SNAPSHOT}))
    assert outs["status"] == "available"
    assert sim.requests(VENDOR, "CreateImage")[0].params["SnapshotId"] == SYSTEM_SNAPSHOT


def test_diff_description_updates_and_source_replaces(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    image_id, state = server.up(provider, image_inputs())
    checked, _ = server.check(provider, image_inputs(description="web tier, patched"), olds=state)
    assert server.diff(image_id, state, checked).kind == "update"
    checked, _ = server.check(provider, image_inputs(source={"snapshot": SYSTEM_SNAPSHOT}), olds=state)
    verdict = server.diff(image_id, state, checked)
    assert verdict.kind == "replace" and verdict.replaces == ["source"]
    checked, _ = server.check(provider, image_inputs(timeouts={"create": "90m"}), olds=state)
    assert server.diff(image_id, state, checked).kind == "update"  # recorded in state, without a cloud call
    mark = sim.mark()
    outs = server.update(image_id, state, checked)
    assert outs["timeouts"] == {"create": "90m"} and outs["image_id"] == image_id and outs["status"] == "available"
    assert sim.requests(since=mark) == []


def test_update_returns_full_outputs(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    image_id, state = server.up(provider, image_inputs())
    verdict, outs = server.change(provider, image_id, state, image_inputs(description="patched", tags={"team": "web"}))
    assert verdict.kind == "update"
    assert outs["description"] == "patched" and outs["image_tags"] == {"team": "web"}
    assert outs["image_id"] == image_id and outs["status"] == "available" and outs["size_gb"] == 40
    assert sim.requests(VENDOR, "ModifyImageAttribute")[0].params["Description"] == "patched"


def test_delete_waits_out_creating_then_deletes(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    checked, _ = server.check(provider, image_inputs())
    from imageforge.simulator.alibaba.ecs_model import EcsModel

    image_id = EcsModel(sim.ctx).create_image("cn-hangzhou", instance=LINUX, name="golden-web")
    state = {**checked, "image_id": image_id}
    mark = sim.mark()
    server.delete(image_id, state)
    actions = [r.action for r in sim.requests(VENDOR, since=mark)]
    assert actions.index("DeleteImage") > actions.index("DescribeImages")
    deletes = [r for r in sim.requests(VENDOR, "DeleteImage", since=mark)]
    assert all(r.status == 200 for r in deletes)  # never sent while the image was still Creating
    assert sim.store.get(VENDOR, "cn-hangzhou", "image", image_id) is None


def test_read_after_out_of_band_delete_returns_empty_id(server: ProviderServer, sim: Simulator) -> None:
    image_id, state = server.up(CustomImageProvider(), image_inputs())
    same_id, outs = server.read(image_id, state)
    assert same_id == image_id and outs["status"] == "available"
    sim.store.delete(VENDOR, "cn-hangzhou", "image", image_id)
    gone_id, _ = server.read(image_id, state)
    assert gone_id == ""


def test_create_failed_leaves_nothing_and_names_the_request(server: ProviderServer, sim: Simulator) -> None:
    sim.inject(VENDOR, "CreateImage", "fail")
    with pytest.raises(ProviderError) as caught:
        server.up(CustomImageProvider(), image_inputs())
    assert "CreateFailed" in caught.value.details and "request id" in caught.value.details
    assert sim.store.list(VENDOR, "cn-hangzhou", "image") == []


def test_deletion_protection_refuses_delete(server: ProviderServer, sim: Simulator) -> None:
    image_id, state = server.up(CustomImageProvider(), image_inputs(deletion_protection=True))
    with pytest.raises(ProviderError) as caught:
        server.delete(image_id, state)
    assert "deletion_protection" in caught.value.details
    assert sim.store.get(VENDOR, "cn-hangzhou", "image", image_id) is not None


def test_throttled_describe_is_retried(server: ProviderServer, sim: Simulator) -> None:
    sim.inject(VENDOR, "DescribeImages", "throttle", times=3)
    image_id, outs = server.up(CustomImageProvider(), image_inputs())
    assert outs["status"] == "available"
    assert len(sim.store.list(VENDOR, "cn-hangzhou", "image")) == 1
    assert any(r.error == "Throttling.User" for r in sim.requests(VENDOR, "DescribeImages"))


# ImageRegionSet ------------------------------------------------------------------------

def publish_inputs(image_id: str, regions: list[str], **extra: object) -> dict[str, object]:
    return {"cloud": "alibaba", "region": "cn-hangzhou", "image_id": image_id, "regions": regions,
            "owner": "proj/sim/golden-regions", **extra}


def captured(server: ProviderServer) -> str:
    image_id, _ = server.up(CustomImageProvider(), image_inputs())
    return image_id


def test_publish_to_three_regions_then_add_and_remove(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    provider = ImageRegionSetProvider()
    set_id, state = server.up(provider, publish_inputs(image_id, ["cn-shanghai", "cn-beijing", "ap-southeast-1"]))
    assert sorted(state["images"]) == ["ap-southeast-1", "cn-beijing", "cn-shanghai"]
    assert all(v["status"] == "available" and v["image_id"].startswith("m-") for v in state["images"].values())
    assert len(sim.requests(VENDOR, "CopyImage")) == 3

    mark = sim.mark()
    verdict, state2 = server.change(provider, set_id, state, publish_inputs(image_id, ["cn-shanghai", "cn-beijing", "eu-central-1"]))
    assert verdict.kind == "update"
    assert sorted(state2["images"]) == ["cn-beijing", "cn-shanghai", "eu-central-1"]
    copies = sim.requests(VENDOR, "CopyImage", since=mark)
    assert [c.params["DestinationRegionId"] for c in copies] == ["eu-central-1"]
    deletes = sim.requests(VENDOR, "DeleteImage", since=mark)
    assert [d.region for d in deletes] == ["ap-southeast-1"]
    assert state2["images"]["cn-shanghai"]["image_id"] == state["images"]["cn-shanghai"]["image_id"]

    checked, _ = server.check(provider, publish_inputs("m-other", ["cn-shanghai"]), olds=state2)
    assert server.diff(set_id, state2, checked).replaces == ["image_id"]

    server.delete(set_id, state2)
    for region in ("cn-beijing", "cn-shanghai", "eu-central-1"):
        assert sim.store.list(VENDOR, region, "image") == []


def test_check_refuses_source_region_as_destination(server: ProviderServer) -> None:
    _, failures = server.check(ImageRegionSetProvider(), publish_inputs("m-1", ["cn-hangzhou", "cn-shanghai"]))
    assert failures and failures[0][0] == "regions[0]" and "source image's region" in failures[0][1]


def test_failed_region_names_region_and_leaves_no_copy(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    sim.inject(VENDOR, "CopyImage", "fail", region="cn-beijing")
    with pytest.raises(ProviderError) as caught:
        server.up(ImageRegionSetProvider(), publish_inputs(image_id, ["cn-shanghai", "cn-beijing", "ap-southeast-1"]))
    assert "cn-beijing" in caught.value.details
    for region in ("cn-shanghai", "cn-beijing", "ap-southeast-1"):
        assert sim.store.list(VENDOR, region, "image") == [], region


def test_throttled_copy_and_describe_make_no_duplicates(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    sim.inject(VENDOR, "CopyImage", "throttle", times=2)
    sim.inject(VENDOR, "DescribeImages", "throttle", times=4)
    _, state = server.up(ImageRegionSetProvider(), publish_inputs(image_id, ["cn-shanghai", "cn-beijing"]))
    assert sorted(state["images"]) == ["cn-beijing", "cn-shanghai"]
    for region in ("cn-shanghai", "cn-beijing"):
        assert len(sim.store.list(VENDOR, region, "image")) == 1


def test_refresh_notices_drift_and_a_deleted_copy(server: ProviderServer, sim: Simulator) -> None:
    image_id, state = server.up(CustomImageProvider(), image_inputs())
    from imageforge.simulator.alibaba.ecs_model import EcsModel

    EcsModel(sim.ctx).modify("cn-hangzhou", image_id=image_id, name=None, description="changed by hand")  # out of band
    _, refreshed = server.read(image_id, state)
    assert refreshed["description"] == "changed by hand"
    checked, _ = server.check(CustomImageProvider(), image_inputs(), olds=refreshed)
    assert server.diff(image_id, refreshed, checked).kind == "update"

    provider = ImageRegionSetProvider()
    set_id, regions_state = server.up(provider, publish_inputs(image_id, ["cn-shanghai", "cn-beijing"]))
    sim.store.delete(VENDOR, "cn-beijing", "image", regions_state["images"]["cn-beijing"]["image_id"])
    _, refreshed = server.read(set_id, regions_state)
    assert refreshed["regions"] == ["cn-shanghai"] and list(refreshed["images"]) == ["cn-shanghai"]
    verdict, healed = server.change(provider, set_id, refreshed, publish_inputs(image_id, ["cn-shanghai", "cn-beijing"]))
    assert verdict.kind == "update" and sorted(healed["images"]) == ["cn-beijing", "cn-shanghai"]


def test_unknown_values_during_preview_pass_check(server: ProviderServer, sim: Simulator) -> None:
    from pulumi.runtime import rpc

    mark = sim.mark()
    checked, failures = server.check(CustomImageProvider(), image_inputs(name=rpc.UNKNOWN, source=rpc.UNKNOWN))
    assert failures == []
    _, failures = server.check(ImageRegionSetProvider(), publish_inputs(rpc.UNKNOWN, ["cn-shanghai"]))
    assert failures == []
    assert sim.requests(since=mark) == []


def test_create_adopts_copies_an_interrupted_run_started(server: ProviderServer, sim: Simulator) -> None:
    from imageforge.providers.alibaba.ecs import EcsAdapter
    from imageforge.providers.core.model import CopyRequest, Target

    image_id = captured(server)
    provider = ImageRegionSetProvider()
    checked, _ = server.check(provider, publish_inputs(image_id, ["cn-shanghai", "cn-beijing"]))
    # the earlier run started one copy, tagged with the set's key, then its process died
    earlier = EcsAdapter(Target("alibaba", "ecs", "cn-hangzhou", "sim")).start_copies(CopyRequest(
        image_id, "cn-hangzhou", tags={"imageforge-key": checked["key"]}), ["cn-shanghai"])["cn-shanghai"]
    mark = sim.mark()
    _, state = server.create(checked)
    assert state["images"]["cn-shanghai"]["image_id"] == earlier.image_id  # type: ignore[union-attr]
    copies = sim.requests(VENDOR, "CopyImage", since=mark)
    assert [c.params["DestinationRegionId"] for c in copies] == ["cn-beijing"]
    assert len(sim.store.list(VENDOR, "cn-shanghai", "image")) == 1
