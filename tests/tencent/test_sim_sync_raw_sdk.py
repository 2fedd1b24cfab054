"""SyncImages in the simulator, judged by the real tencentcloud SDK: one call for many regions, the name and
encryption rules, and its error codes."""
from __future__ import annotations

from tencentcloud.cvm.v20170312 import models

from imageforge.simulator.tencent.model import VENDOR, copy_seconds

from .helpers import copies_in, request, stored_image
from .test_sim_raw_sdk import FOUR, _raises, capture, ready_image, state


def test_sync_images_to_four_regions_in_one_call(tc_sim, cvm):
    client = cvm()
    image_id = ready_image(tc_sim, client)
    mark = tc_sim.mark()
    reply = client.SyncImages(request(models.SyncImagesRequest, ImageIds=[image_id], DestinationRegions=FOUR,
                                      ImageSetRequired=True))
    copies = {c.Region: c.ImageId for c in reply.ImageSet}
    assert sorted(copies) == sorted(FOUR) and image_id not in copies.values()
    assert [r.params["DestinationRegions"] for r in tc_sim.requests(VENDOR, "SyncImages", since=mark)] == [FOUR]
    assert state(client, image_id).ImageState == "SYNCING"
    tc_sim.advance(150)
    copy = state(cvm("ap-tokyo"), copies["ap-tokyo"])
    assert copy.ImageState == "SYNCING" and 0 < copy.SyncPercent < 100 and copy.ImageName == "golden-linux"
    tc_sim.advance(max(copy_seconds(r) for r in FOUR))
    for region, copy_id in copies.items():
        done = state(cvm(region), copy_id)
        assert (done.ImageState, done.SyncPercent) == ("NORMAL", 100)
    assert state(client, image_id).ImageState == "NORMAL"


def test_sync_without_image_set_required_returns_no_ids(tc_sim, cvm):
    client = cvm()
    image_id = ready_image(tc_sim, client)
    reply = client.SyncImages(request(models.SyncImagesRequest, ImageIds=[image_id], DestinationRegions=["ap-beijing"]))
    assert reply.ImageSet is None and reply.RequestId


def test_injected_sync_failure_fails_only_the_named_region(tc_sim, cvm):
    client = cvm()
    image_id = ready_image(tc_sim, client)
    tc_sim.inject(VENDOR, "SyncImages", "fail", params={"region": "ap-singapore"})
    reply = client.SyncImages(request(models.SyncImagesRequest, ImageIds=[image_id], DestinationRegions=FOUR,
                                      ImageSetRequired=True))
    tc_sim.advance(3600)
    states = {c.Region: state(cvm(c.Region), c.ImageId).ImageState for c in reply.ImageSet}
    assert states == {"ap-shanghai": "NORMAL", "ap-beijing": "NORMAL", "ap-singapore": "CREATEFAILED", "ap-tokyo": "NORMAL"}


def test_sync_images_errors(tc_sim, cvm):
    client = cvm()
    creating = capture(client)
    sync = models.SyncImagesRequest
    _raises("InvalidImageId.IncorrectState", client.SyncImages, request(sync, ImageIds=[creating], DestinationRegions=["ap-beijing"]))
    tc_sim.advance(601)
    _raises("InvalidParameterValue.InvalidRegion", client.SyncImages,
            request(sync, ImageIds=[creating], DestinationRegions=["ap-beijing", "ap-guangzhou"]))
    _raises("InvalidRegion.NotFound", client.SyncImages, request(sync, ImageIds=[creating], DestinationRegions=["mars-north-1"]))
    _raises("InvalidRegion.Unavailable", client.SyncImages, request(sync, ImageIds=[creating], DestinationRegions=["ap-shanghai-fsi"]))
    _raises("InvalidParameterValue.LimitExceeded", client.SyncImages,
            request(sync, ImageIds=[creating, creating], DestinationRegions=["ap-beijing"]))
    _raises("UnauthorizedOperation.ImageNotBelongToAccount", client.SyncImages,
            request(sync, ImageIds=["img-eb30mz89"], DestinationRegions=["ap-beijing"]))
    encrypted = capture(client, InstanceId=None, SnapshotIds=["snap-gzenc001"], ImageName="enc")
    tc_sim.advance(421)
    err = _raises("UnsupportedOperation.EncryptedImagesNotSupported", client.SyncImages,
                  request(sync, ImageIds=[encrypted], DestinationRegions=["ap-beijing"]))
    assert "encrypted" in err.message
    client.SyncImages(request(sync, ImageIds=[creating], DestinationRegions=["ap-beijing"]))
    _raises("InvalidImageId.IncorrectState", client.SyncImages, request(sync, ImageIds=[creating], DestinationRegions=["ap-tokyo"]))


def test_sync_refuses_a_destination_where_the_name_is_taken_before_starting_any(tc_sim, cvm):
    """Image names are unique per region, SyncImages included (InvalidImageName.Duplicate in its error list)."""
    client = cvm()
    image_id = ready_image(tc_sim, client)
    capture(cvm("ap-shanghai"), InstanceId="ins-shlnx001", ImageName="taken")
    sync = models.SyncImagesRequest
    err = _raises("InvalidImageName.Duplicate", client.SyncImages,
                  request(sync, ImageIds=[image_id], DestinationRegions=["ap-beijing", "ap-shanghai"], ImageName="taken"))
    assert "ap-shanghai" in err.message
    assert copies_in(tc_sim, "ap-beijing") == []
    assert state(client, image_id).ImageState == "NORMAL"
    capture(cvm("ap-beijing"), InstanceId="ins-bjlnx001", ImageName="golden-linux")
    _raises("InvalidImageName.Duplicate", client.SyncImages,  # the default name is the source's
            request(sync, ImageIds=[image_id], DestinationRegions=["ap-beijing"]))


def test_an_encrypted_copy_is_made_in_the_source_region_only(tc_sim, cvm, common):
    client = cvm()
    image_id = ready_image(tc_sim, client)
    sync = models.SyncImagesRequest
    _raises("InvalidParameterValue.InvalidRegion", client.SyncImages,
            request(sync, ImageIds=[image_id], DestinationRegions=["ap-beijing"], Encrypt=True))
    _raises("InvalidImageName.Duplicate", client.SyncImages,  # in its own region the source holds its name
            request(sync, ImageIds=[image_id], DestinationRegions=["ap-guangzhou"], Encrypt=True))
    reply = client.SyncImages(request(sync, ImageIds=[image_id], DestinationRegions=["ap-guangzhou"], Encrypt=True,
                                      KmsKeyId="kms-abc", ImageName="golden-enc", ImageSetRequired=True))
    (made,) = reply.ImageSet
    assert made.Region == "ap-guangzhou" and state(client, made.ImageId).ImageState == "SYNCING"
    snaps = [s.SnapshotId for s in state(client, made.ImageId).SnapshotSet]
    shown = common("cbs").call_json("DescribeSnapshots", {"SnapshotIds": snaps})["Response"]["SnapshotSet"]
    assert shown and all(s["Encrypt"] for s in shown)
    stored = stored_image(tc_sim, "ap-guangzhou", made.ImageId)
    assert stored is not None and stored.encrypted and stored.kms_key_id == "kms-abc"
