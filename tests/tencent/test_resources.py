"""CustomImage and ImageRegionSet on Tencent Cloud CVM through the real provider server and the simulator."""
from __future__ import annotations

import pytest
from tencentcloud.cvm.v20170312 import models

from imageforge.providers import CustomImageProvider, ImageRegionSetProvider
from imageforge.simulator import Simulator
from imageforge.simulator.tencent.model import CvmModel
from imageforge.simulator.tencent.records import Image
from tests.engine import ProviderError, ProviderServer

from .helpers import own_images, request, stored_image

VENDOR = "tencent-cvm"
REGION = "ap-guangzhou"
LINUX = "ins-gzlnx001"
SYSTEM_SNAPSHOT, DATA_SNAPSHOT = "snap-gzsys001", "snap-gzdat001"
FOUR = ["ap-shanghai", "ap-beijing", "ap-singapore", "ap-tokyo"]


def image_inputs(**extra: object) -> dict[str, object]:
    return {"cloud": "tencent", "region": REGION, "name": "golden-web", "description": "web tier",
            "source": {"instance": LINUX}, "force_poweroff": True, "owner": "proj/sim/golden", **extra}


def publish_inputs(image_id: str, regions: list[str], **extra: object) -> dict[str, object]:
    return {"cloud": "tencent", "region": REGION, "image_id": image_id, "regions": regions,
            "owner": "proj/sim/golden-regions", **extra}


def images_in(sim: Simulator, region: str) -> list[Image]:
    return own_images(sim, region)


# CustomImage ---------------------------------------------------------------------------
def test_check_refuses_snapshots_with_an_instance_and_long_names_without_calls(server: ProviderServer, sim: Simulator) -> None:
    mark = sim.mark()
    _, failures = server.check(CustomImageProvider(), image_inputs(
        name="n" * 61, source={"instance": LINUX, "snapshot": SYSTEM_SNAPSHOT}))
    fields = dict(failures)
    assert "60" in fields["name"] and "never both" in fields["source"]
    assert sim.requests(since=mark) == []


def test_create_from_instance_reaches_normal(server: ProviderServer, sim: Simulator) -> None:
    image_id, outs = server.up(CustomImageProvider(), image_inputs(tags={"team": "web"}))
    assert image_id.startswith("img-") and outs["image_id"] == image_id
    assert (outs["status"], outs["vendor_status"], outs["progress"]) == ("available", "NORMAL", 100)
    assert outs["image_os_type"] == "linux" and outs["size_gb"] == 50 and outs["image_tags"] == {"team": "web"}
    creates = sim.requests(VENDOR, "CreateImage")
    assert len(creates) == 1 and creates[0].params["InstanceId"] == LINUX and creates[0].params["ForcePoweroff"] == "true"
    assert 2 <= len(sim.requests(VENDOR, "DescribeImages")) <= 25  # backed off over a 10-minute capture
    assert "CREATING" in server.close()  # progress lines reached the provider's stderr


def test_create_from_snapshots_reaches_normal(server: ProviderServer, sim: Simulator) -> None:
    inputs = image_inputs(source={"snapshot": SYSTEM_SNAPSHOT, "data_snapshots": [DATA_SNAPSHOT]}, scope="system+data")
    inputs.pop("force_poweroff")
    image_id, outs = server.up(CustomImageProvider(), inputs)
    assert outs["status"] == "available" and outs["vendor_status"] == "NORMAL"
    assert sim.requests(VENDOR, "CreateImage")[0].params["SnapshotIds"] == [SYSTEM_SNAPSHOT, DATA_SNAPSHOT]


def test_description_change_updates_in_place_and_source_change_replaces(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    image_id, state = server.up(provider, image_inputs(tags={"team": "web"}))
    verdict, outs = server.change(provider, image_id, state, image_inputs(description="web tier, patched",
                                                                         tags={"team": "platform"}))
    assert verdict.kind == "update"
    assert outs["image_id"] == image_id and outs["description"] == "web tier, patched"
    assert outs["image_tags"] == {"team": "platform"} and outs["status"] == "available"
    assert sim.requests(VENDOR, "ModifyImageAttribute")[0].params == {"ImageId": image_id,
                                                                      "ImageDescription": "web tier, patched"}
    assert len(sim.requests(VENDOR, "CreateImage")) == 1
    checked, _ = server.check(provider, image_inputs(source={"snapshot": SYSTEM_SNAPSHOT}), olds=outs)
    verdict = server.diff(image_id, outs, checked)
    assert verdict.kind == "replace" and verdict.replaces == ["source"]
    checked, _ = server.check(provider, image_inputs(description="web tier, patched", tags={"team": "platform"},
                                                     timeouts={"create": "90m"}), olds=outs)
    assert server.diff(image_id, outs, checked).kind == "update"  # recorded in state, without a cloud call
    mark = sim.mark()
    recorded = server.update(image_id, outs, checked)
    assert recorded["timeouts"] == {"create": "90m"} and recorded["status"] == "available"
    assert sim.requests(since=mark) == []


def test_check_refuses_what_cvm_does_not_take_with_the_way_that_does(server: ProviderServer, sim: Simulator) -> None:
    mark = sim.mark()
    _, failures = server.check(CustomImageProvider(), image_inputs(
        clean_personal_data=True, encrypted=True, architecture="x86_64", options={"vault_id": "v"}))
    reasons = dict(failures)
    assert "sysprep=true" in reasons["clean_personal_data"]
    assert "SyncImages with Encrypt" in reasons["encrypted"] and "ImageRegionSet(encrypted=True" in reasons["encrypted"]
    assert "its source's" in reasons["architecture"] and "image_family" in reasons["options.vault_id"]
    _, failures = server.check(CustomImageProvider(), image_inputs(source={"desktop": "ecd-123"}))
    assert "service='eds'" in dict(failures)["source.desktop"]
    _, failures = server.check(CustomImageProvider(), image_inputs(sysprep=False, clean_personal_data=False))
    assert failures == []  # false is what CVM does anyway
    _, failures = server.check(ImageRegionSetProvider(), publish_inputs("img-abcdefgh", [{"region": "ap-tokyo",
                                                                                          "replicas": 2}]))
    assert "replicas" in dict(failures)["regions[0]"]
    assert sim.requests(since=mark) == []


def test_delete_during_creation_waits_then_deletes(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    checked, _ = server.check(provider, image_inputs())
    image_id = CvmModel(sim.ctx).create_image(
        REGION, name="golden-web", description="", instance_id=LINUX, snapshot_ids=[], data_disk_ids=[], sysprep=False,
        family="", tags=[("imageforge-owns-snapshots", "true")], dry_run=False)
    made = stored_image(sim, REGION, image_id)
    assert made is not None and made.state(sim.clock.now())[0] == "CREATING"
    snapshots = [s.snapshot_id for s in made.snapshots]
    mark = sim.mark()
    server.delete(image_id, {**checked, "image_id": image_id})
    deletes = sim.requests(VENDOR, "DeleteImages", since=mark)
    assert [(d.status, d.error) for d in deletes] == [(200, "")]  # never sent while it was CREATING
    assert sim.store.get(VENDOR, REGION, "image", image_id) is None
    assert all(sim.store.get(VENDOR, REGION, "snapshot", s) is None for s in snapshots)  # DeleteBindedSnap


def test_refresh_after_out_of_band_delete_drops_the_resource(server: ProviderServer, sim: Simulator, sim_cvm) -> None:
    image_id, state = server.up(CustomImageProvider(), image_inputs())
    same_id, outs = server.read(image_id, state)
    assert same_id == image_id and outs["status"] == "available"
    sim_cvm(REGION).DeleteImages(request(models.DeleteImagesRequest, ImageIds=[image_id]))  # someone, in the console
    gone_id, _ = server.read(image_id, state)
    assert gone_id == ""
    server.delete(image_id, state)  # a delete of what is gone is done


def test_create_failed_leaves_nothing_and_names_the_request(server: ProviderServer, sim: Simulator) -> None:
    sim.inject(VENDOR, "CreateImage", "fail")
    with pytest.raises(ProviderError) as caught:
        server.up(CustomImageProvider(), image_inputs())
    assert "CREATEFAILED" in caught.value.details and "request id" in caught.value.details
    assert images_in(sim, REGION) == []


# ImageRegionSet ------------------------------------------------------------------------
def captured(server: ProviderServer) -> str:
    image_id, _ = server.up(CustomImageProvider(), image_inputs())
    return image_id


def test_publish_to_four_regions_in_one_call_then_remove_one(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    provider = ImageRegionSetProvider()
    mark = sim.mark()
    set_id, state = server.up(provider, publish_inputs(image_id, FOUR, tags={"release": "1"}))
    syncs = sim.requests(VENDOR, "SyncImages", since=mark)
    assert [(s.region, s.params["DestinationRegions"]) for s in syncs] == [(REGION, FOUR)]
    assert sorted(state["images"]) == sorted(FOUR)
    assert all(v["status"] == "available" and v["vendor_status"] == "NORMAL" and v["progress"] == 100
               for v in state["images"].values())

    mark = sim.mark()
    kept = [r for r in FOUR if r != "ap-singapore"]
    verdict, state2 = server.change(provider, set_id, state, publish_inputs(image_id, kept, tags={"release": "1"}))
    assert verdict.kind == "update" and sorted(state2["images"]) == sorted(kept)
    deletes = sim.requests(VENDOR, "DeleteImages", since=mark)
    assert [(d.region, d.params["ImageIds"]) for d in deletes] == [("ap-singapore", [state["images"]["ap-singapore"]["image_id"]])]
    assert sim.requests(VENDOR, "SyncImages", since=mark) == []
    assert images_in(sim, "ap-singapore") == []
    assert all(state2["images"][r]["image_id"] == state["images"][r]["image_id"] for r in kept)

    mark = sim.mark()
    verdict, state3 = server.change(provider, set_id, state2, publish_inputs(image_id, [*kept, "eu-frankfurt"], tags={"release": "1"}))
    assert [s.params["DestinationRegions"] for s in sim.requests(VENDOR, "SyncImages", since=mark)] == [["eu-frankfurt"]]

    server.delete(set_id, state3)
    for region in [*kept, "eu-frankfurt"]:
        assert images_in(sim, region) == [], region
    assert len(images_in(sim, REGION)) == 1  # the source image is not the set's to delete


def test_check_refuses_the_source_region_unencrypted_and_other_regions_encrypted(server: ProviderServer,
                                                                                 sim: Simulator) -> None:
    mark = sim.mark()
    _, failures = server.check(ImageRegionSetProvider(), publish_inputs("img-abcdefgh", [REGION, "ap-tokyo"]))
    assert [f for f, _ in failures] == ["regions[0]"] and "source region" in failures[0][1]
    _, failures = server.check(ImageRegionSetProvider(), publish_inputs("img-abcdefgh", FOUR, encrypted=True,
                                                                        name="golden-enc"))
    assert [f for f, _ in failures] == [f"regions[{n}]" for n in range(4)]
    assert "encrypted copy only in the image's own region" in failures[0][1]
    _, failures = server.check(ImageRegionSetProvider(), publish_inputs("img-abcdefgh", ["ap-shanghai-fsi"]))
    assert [f for f, _ in failures] == ["regions[0]"] and "finance" in failures[0][1]
    _, failures = server.check(ImageRegionSetProvider(), publish_inputs("img-abcdefgh", FOUR, options={"kms_key_id": "k"}))
    assert [f for f, _ in failures] == ["options.kms_key_id"]
    assert sim.requests(since=mark) == []


def test_an_encrypted_copy_in_the_source_region(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    set_id, state = server.up(ImageRegionSetProvider(), publish_inputs(
        image_id, [REGION], encrypted=True, name="golden-web-enc", options={"kms_key_id": "kms-web"}))
    (sync,) = sim.requests(VENDOR, "SyncImages")
    assert (sync.params["Encrypt"], sync.params["KmsKeyId"], sync.params["ImageName"]) == (True, "kms-web", "golden-web-enc")
    copy_id = state["images"][REGION]["image_id"]
    assert copy_id != image_id and state["images"][REGION]["status"] == "available"
    stored = stored_image(sim, REGION, copy_id)
    assert stored is not None and stored.encrypted and stored.name == "golden-web-enc"
    server.delete(set_id, state)
    assert [i.image_id for i in images_in(sim, REGION)] == [image_id]


def test_create_adopts_copies_an_interrupted_run_started(server: ProviderServer, sim: Simulator) -> None:
    """The earlier run's SyncImages went through, then its process died before tagging the copies."""
    from imageforge.providers.core.model import CopyRequest, Target
    from imageforge.providers.tencent.cvm import CvmAdapter

    image_id = captured(server)
    checked, _ = server.check(ImageRegionSetProvider(), publish_inputs(image_id, FOUR[:2], tags={"team": "web"}))
    earlier = CvmAdapter(Target("tencent", "cvm", REGION, "sim")).start_copies(CopyRequest(
        image_id, REGION, tags={"imageforge-key": checked["key"], "team": "web"}), FOUR[:2])
    mark = sim.mark()
    _, state = server.create(checked)
    assert sim.requests(VENDOR, "SyncImages", since=mark) == []
    assert {r: v["image_id"] for r, v in state["images"].items()} == {r: s.image_id for r, s in earlier.items()}  # type: ignore[union-attr]
    for region in FOUR[:2]:
        (copy,) = images_in(sim, region)
        assert dict(copy.tags) == {"imageforge-key": checked["key"], "team": "web"}
    source = stored_image(sim, REGION, image_id)
    assert source is not None and source.tags and not any(k.startswith("imageforge-sync.") for k, _ in source.tags)


def test_a_failed_region_is_named_and_no_copy_is_left(server: ProviderServer, sim: Simulator) -> None:
    image_id = captured(server)
    sim.inject(VENDOR, "SyncImages", "fail", params={"region": "ap-beijing"})
    with pytest.raises(ProviderError) as caught:
        server.up(ImageRegionSetProvider(), publish_inputs(image_id, FOUR))
    assert "ap-beijing" in caught.value.details
    for region in FOUR:
        assert images_in(sim, region) == [], region


def test_deleting_the_source_waits_for_its_syncs(server: ProviderServer, sim: Simulator, sim_cvm) -> None:
    provider = CustomImageProvider()
    image_id, state = server.up(provider, image_inputs())
    sim_cvm(REGION).SyncImages(request(models.SyncImagesRequest, ImageIds=[image_id], DestinationRegions=["ap-tokyo"]))
    server.delete(image_id, state)
    refusals = [r for r in sim.requests(VENDOR, "DeleteImages") if r.error]
    assert all(r.error == "InvalidImageId.IncorrectState" for r in refusals)
    assert sim.store.get(VENDOR, REGION, "image", image_id) is None


def test_throttling_slows_the_run_but_loses_and_duplicates_nothing(server: ProviderServer, sim: Simulator) -> None:
    for action, times in (("CreateImage", 2), ("DescribeImages", 5), ("SyncImages", 2), ("DeleteImages", 2),
                          ("TagResources", 1), ("ModifyImageAttribute", 1)):
        sim.inject(VENDOR, action, "throttle", times=times)
    provider = CustomImageProvider()
    image_id, outs = server.up(provider, image_inputs(tags={"team": "web"}))
    assert outs["status"] == "available" and len(images_in(sim, REGION)) == 1
    set_provider = ImageRegionSetProvider()
    set_id, state = server.up(set_provider, publish_inputs(image_id, FOUR, description="published"))
    assert sorted(state["images"]) == sorted(FOUR)
    for region in FOUR:
        assert len(images_in(sim, region)) == 1, region
    assert len([r for r in sim.requests(VENDOR, "SyncImages") if not r.error]) == 1
    server.delete(set_id, state)
    server.delete(image_id, outs)
    for region in [REGION, *FOUR]:
        assert images_in(sim, region) == [], region
    throttled = {r.action for r in sim.requests(VENDOR) if r.error == "RequestLimitExceeded"}
    assert {"CreateImage", "DescribeImages", "SyncImages", "DeleteImages"} <= throttled


# the sample stack with the Tencent target proposed for stacks/Pulumi.sim.yaml ------------------
TENCENT_TARGET_YAML = """
- name: tencent-cvm
  cloud: tencent
  region: ap-guangzhou
  source:
    instance: ins-gzlnx001
  capture:
    force_poweroff: true
  regions: [ap-shanghai, ap-beijing, ap-singapore, ap-tokyo]
"""


def test_sample_stack_with_the_tencent_target_publishes_and_destroys(sim: Simulator) -> None:
    import json
    from pathlib import Path

    import yaml

    from imageforge.providers.cli.demo_cmd import load_stack_config
    from imageforge.simulator import offline

    stacks = Path(__file__).resolve().parents[2] / "stacks"
    config = load_stack_config(stacks / "Pulumi.sim.yaml")
    config["imageforge:targets"] = json.dumps(yaml.safe_load(TENCENT_TARGET_YAML))
    result = offline.run(stacks / "__main__.py", config)
    target = result.outputs["targets"]["tencent-cvm"]
    assert target["status"] == "available" and target["image_id"].startswith("img-")
    assert sorted(target["regions"]) == sorted([REGION, *FOUR])
    assert len(sim.requests(VENDOR, "SyncImages")) == 1
    offline.destroy(result)
    for region in (REGION, *FOUR):
        assert images_in(sim, region) == [], region


def test_replacing_with_the_same_name_deletes_first(server, sim) -> None:  # type: ignore[no-untyped-def]
    from imageforge.providers import CustomImageProvider

    base = {"cloud": "tencent", "region": "ap-guangzhou", "name": "golden-same", "source": {"instance": "ins-gzlnx001"},
            "owner": "proj/sim/same"}
    image_id, state = server.up(CustomImageProvider(), base)
    checked, _ = server.check(CustomImageProvider(), {**base, "source": {"snapshot": "snap-gzsys001"}}, olds=state)
    verdict = server.diff(image_id, state, checked)
    assert verdict.kind == "replace" and verdict.delete_before_replace
    checked, _ = server.check(CustomImageProvider(), {**base, "name": "golden-other", "source": {"snapshot": "snap-gzsys001"}}, olds=state)
    assert not server.diff(image_id, state, checked).delete_before_replace
