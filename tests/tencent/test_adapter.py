"""CvmAdapter against the simulator: single calls for captures, updates, deletes and the error table."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from imageforge.providers.core import errors
from imageforge.providers.core.endpoints import load_sim_endpoints
from imageforge.providers.core.model import CaptureRequest, Identity, ImageStatus, Scope, Source, Started, Target
from imageforge.providers.core.simclock import SimulatorClock
from imageforge.providers.core.waiting import Backoff, Done, Pending, Waiter
from imageforge.providers.tencent import client, mapping
from imageforge.providers.tencent.cvm import CvmAdapter
from imageforge.simulator.tencent.model import VENDOR
from imageforge.simulator.tencent.records import Instance

KEY = {"imageforge-key": "k-123"}


@pytest.fixture
def adapter(tc_sim):
    def make(region: str = "ap-guangzhou") -> CvmAdapter:
        return CvmAdapter(Target("tencent", "cvm", region, "sim"))

    return make


@pytest.fixture
def waiter(tc_sim) -> Waiter:
    """A waiter whose sleeps advance the simulator's clock."""
    return Waiter(clock=SimulatorClock(load_sim_endpoints()), backoff=Backoff(initial=30, cap=120))


def settle(cvm: CvmAdapter, waiter: Waiter, image_id: str):
    def poll():
        info = cvm.describe_images([image_id])[image_id]
        return Done(info) if info.status.settled else Pending(info.progress, info.raw_status)

    return waiter.wait(f"capture {image_id}", poll, 3600)


def from_instance(name: str = "golden", **kw) -> CaptureRequest:
    return CaptureRequest(name=name, source=Source(instance=kw.pop("instance", "ins-gzlnx001")), tags=dict(KEY), **kw)


def params_of(tc_sim, action: str, since: int = 0) -> list[dict]:
    return [r.params for r in tc_sim.requests(VENDOR, action, since=since)]


# capture ---------------------------------------------------------------------------
def test_start_capture_is_one_call_and_the_image_reaches_normal(tc_sim, adapter, waiter):
    cvm = adapter()
    mark = tc_sim.mark()
    started = cvm.start_capture(from_instance(description="base", force_poweroff=True))
    assert [r.action for r in tc_sim.requests(since=mark)] == ["CreateImage"]
    assert started.image_id.startswith("img-") and started.request_id
    first = cvm.describe_images([started.image_id])[started.image_id]
    assert first.status is ImageStatus.CREATING and first.progress is None
    info = settle(cvm, waiter, started.image_id)
    assert info.status is ImageStatus.AVAILABLE and info.raw_status == "NORMAL" and info.progress == 100.0
    assert (info.name, info.description, info.os_type, info.size_gb) == ("golden", "base", "linux", 50)
    assert info.tags == KEY  # the snapshot-ownership marker is imageforge's, not the user's
    sent = params_of(tc_sim, "CreateImage")[0]
    assert sent["ForcePoweroff"] == "true" and "DataDiskIds" not in sent and "Sysprep" not in sent
    assert {"Key": mapping.OWNS_SNAPSHOTS_TAG, "Value": "true"} in sent["TagSpecification"][0]["Tags"]
    assert {"Key": "imageforge-key", "Value": "k-123"} in sent["TagSpecification"][0]["Tags"]


def test_capture_from_snapshots_sends_the_system_disk_first(tc_sim, adapter, waiter):
    cvm = adapter()
    request = CaptureRequest(name="from-snaps", source=Source(snapshot="snap-gzsys001", data_snapshots=("snap-gzdat001",)),
                             scope=Scope.SYSTEM_AND_DATA, tags=dict(KEY), options={"image_family": "web"})
    started = cvm.start_capture(request)
    assert settle(cvm, waiter, started.image_id).status is ImageStatus.AVAILABLE
    sent = params_of(tc_sim, "CreateImage")[0]
    assert sent["SnapshotIds"] == ["snap-gzsys001", "snap-gzdat001"] and "InstanceId" not in sent
    assert sent["ImageFamily"] == "web"
    assert all(t["Key"] != mapping.OWNS_SNAPSHOTS_TAG for t in sent["TagSpecification"][0]["Tags"])


def test_whole_instance_scope_takes_every_data_disk_read_once(tc_sim, adapter):
    cvm = adapter()
    request = from_instance(scope=Scope.SYSTEM_AND_DATA)
    assert any("force_poweroff" in w for w in cvm.prepare_capture(request))
    cvm.start_capture(request)
    assert params_of(tc_sim, "CreateImage")[0]["DataDiskIds"] == ["disk-gzlnxd01"]
    assert len(params_of(tc_sim, "DescribeInstances")) == 1  # start_capture used what prepare_capture read
    tc_sim.advance(3600)  # the instance is busy while its capture runs
    explicit = CvmAdapter(Target("tencent", "cvm", "ap-guangzhou", "sim"))
    explicit.start_capture(CaptureRequest(name="picked", source=Source(instance="ins-gzlnx001", data_disks=("disk-gzlnxd01",)),
                                          scope=Scope.SYSTEM_AND_DATA, tags=dict(KEY)))
    assert params_of(tc_sim, "CreateImage")[1]["DataDiskIds"] == ["disk-gzlnxd01"]
    assert len(params_of(tc_sim, "DescribeInstances")) == 1  # explicit disks need no look-up


def test_prepare_capture_warns_and_refuses_what_would_not_hold(tc_sim, adapter):
    warnings = adapter().prepare_capture(from_instance(instance="ins-gzwin001"))
    assert any("Sysprep" in w for w in warnings) and any("force_poweroff" in w for w in warnings)
    assert adapter().prepare_capture(from_instance(instance="ins-gzwin001", sysprep=True, force_poweroff=True)) == []
    with pytest.raises(errors.InvalidArgument) as linux:
        adapter().prepare_capture(from_instance(sysprep=True))
    assert "Windows" in linux.value.message and "TencentOS" in linux.value.message and "Fix: remove sysprep" in linux.value.message
    seeded = Instance.from_record(tc_sim.store.get(VENDOR, "ap-guangzhou", "instance", "ins-gzwin001"))
    bare = replace(seeded, instance_id="ins-gzwin002", data_disks=[])
    tc_sim.store.put(VENDOR, "ap-guangzhou", "instance", "ins-gzwin002", bare.to_record())
    with pytest.raises(errors.InvalidArgument) as no_disk:
        adapter().prepare_capture(from_instance(instance="ins-gzwin002", scope=Scope.SYSTEM_AND_DATA))
    assert "no data disk" in no_disk.value.message
    with pytest.raises(errors.NotFound):
        adapter().prepare_capture(from_instance(instance="ins-zzzzzzzz"))
    assert adapter().prepare_capture(CaptureRequest(name="s", source=Source(snapshot="snap-gzsys001"))) == []
    assert params_of(tc_sim, "CreateImage") == []


def test_failed_capture_reads_failed_with_a_reason(tc_sim, adapter, waiter):
    tc_sim.inject(VENDOR, "CreateImage", "fail")
    cvm = adapter()
    info = settle(cvm, waiter, cvm.start_capture(from_instance()).image_id)
    assert info.status is ImageStatus.FAILED and "CREATEFAILED" in info.failure


def test_find_images_by_tag_in_any_state(tc_sim, adapter):
    cvm = adapter()
    image_id = cvm.start_capture(from_instance()).image_id
    cvm.start_capture(CaptureRequest(name="other", source=Source(snapshot="snap-gzwin001"), tags={"imageforge-key": "k-999"}))
    found = cvm.find_images(Identity("k-123"))
    assert [(i.image_id, i.status) for i in found] == [(image_id, ImageStatus.CREATING)]
    assert cvm.find_images(Identity("k-none")) == []


def test_a_name_held_by_our_own_image_is_adopted_and_by_another_is_a_conflict_naming_it(tc_sim, adapter):
    cvm = adapter()
    image_id = cvm.start_capture(from_instance()).image_id
    # a retried start after a lost reply meets its own image's name: that image carries our key
    again = cvm.start_capture(from_instance(instance="ins-gzwin001"))
    assert again == Started(image_id=image_id, request_id=again.request_id) and again.request_id
    with pytest.raises(errors.Conflict) as caught:
        cvm.start_capture(CaptureRequest(name="golden", source=Source(snapshot="snap-gzsys001"), tags={"imageforge-key": "k-2"}))
    assert caught.value.code == "InvalidImageName.Duplicate" and caught.value.request_id
    assert image_id in caught.value.message and caught.value.resource_id == image_id
    assert len([r for r in tc_sim.requests(VENDOR, "CreateImage") if not r.error]) == 1


# update ----------------------------------------------------------------------------
def test_update_name_description_and_tags_in_place(tc_sim, adapter, waiter):
    cvm = adapter()
    image_id = cvm.start_capture(CaptureRequest(name="golden", source=Source(instance="ins-gzlnx001"),
                                                tags={**KEY, "team": "a", "old": "x"})).image_id
    settle(cvm, waiter, image_id)
    cvm.update_image(image_id, "golden-2", "second", {"team": "b", "new": "y"})
    info = cvm.describe_images([image_id])[image_id]
    assert (info.name, info.description) == ("golden-2", "second")
    assert info.tags == {**KEY, "team": "b", "new": "y"}  # managed key kept, `old` removed
    assert params_of(tc_sim, "UnTagResources")[-1]["TagKeys"] == ["old"]
    assert len(params_of(tc_sim, "GetCallerIdentity")) == 1


# delete ----------------------------------------------------------------------------
def test_delete_while_creating_is_refused_by_the_api(tc_sim, adapter, waiter):
    cvm = adapter()
    image_id = cvm.start_capture(from_instance()).image_id
    with pytest.raises(errors.InvalidState) as caught:
        cvm.delete_image(image_id)
    assert caught.value.code == "InvalidImageId.IncorrectState" and caught.value.request_id and not caught.value.retryable
    settle(cvm, waiter, image_id)
    mark = tc_sim.mark()
    cvm.delete_image(image_id)
    assert [r.action for r in tc_sim.requests(since=mark)] == ["DeleteImages"]  # the last describe said what it owns
    assert cvm.describe_images([image_id]) == {}
    assert params_of(tc_sim, "DeleteImages")[-1]["DeleteBindedSnap"] is True
    with pytest.raises(errors.NotFound):
        cvm.delete_image(image_id)


def test_delete_keeps_the_users_snapshots_of_a_snapshot_capture(tc_sim, adapter, waiter, common):
    cvm = adapter()
    image_id = cvm.start_capture(CaptureRequest(name="s", source=Source(snapshot="snap-gzsys001"), tags=dict(KEY))).image_id
    settle(cvm, waiter, image_id)
    fresh = adapter()  # knows nothing yet: reads the image's tags first
    mark = tc_sim.mark()
    fresh.delete_image(image_id)
    assert [r.action for r in tc_sim.requests(since=mark)] == ["DescribeImages", "DeleteImages"]
    assert params_of(tc_sim, "DeleteImages")[-1]["DeleteBindedSnap"] is False
    snaps = common("cbs").call_json("DescribeSnapshots", {"SnapshotIds": ["snap-gzsys001"]})["Response"]["SnapshotSet"]
    assert len(snaps) == 1


# errors ----------------------------------------------------------------------------
def test_throttling_maps_to_throttled_and_the_waiter_retries_it(tc_sim, adapter, waiter):
    tc_sim.inject(VENDOR, "DescribeImages", "throttle", times=2)
    cvm = adapter()
    with pytest.raises(errors.Throttled) as caught:
        cvm.describe_images(["img-eb30mz89"])
    assert caught.value.retryable and caught.value.code == "RequestLimitExceeded" and caught.value.request_id
    found = waiter.call("describe", lambda: cvm.describe_images(["img-eb30mz89"]))
    assert found["img-eb30mz89"].status is ImageStatus.AVAILABLE
    assert [r.error for r in tc_sim.requests(VENDOR, "DescribeImages")] == ["RequestLimitExceeded", "RequestLimitExceeded", ""]


@pytest.mark.parametrize("code,cls,retryable", [
    ("RequestLimitExceeded", errors.Throttled, True),
    ("RequestLimitExceeded.UinLimitExceeded", errors.Throttled, True),
    ("InvalidImageId.NotFound", errors.NotFound, False),
    ("InvalidZone.NotFound", errors.NotFound, False),
    ("InvalidImageName.Duplicate", errors.Conflict, False),
    ("ImageQuotaLimitExceeded", errors.QuotaExceeded, False),
    ("InvalidImageId.IncorrectState", errors.InvalidState, False),
    ("FailedOperation.InvalidImageState", errors.InvalidState, False),
    ("AuthFailure.SignatureExpire", errors.AuthFailed, False),
    ("UnauthorizedOperation.ImageNotBelongToAccount", errors.AuthFailed, False),
    ("InvalidParameterValue.TooLong", errors.InvalidArgument, False),
    ("InvalidParameter.InvalidKmsKeyId", errors.InvalidArgument, False),
    ("UnsupportedOperation.EncryptedImagesNotSupported", errors.Unsupported, False),
    ("InternalError.TradeUnknownError", errors.ServiceUnavailable, True),
    ("ServerNetworkError", errors.ServiceUnavailable, True),
    ("SomethingNew.Entirely", errors.CloudError, False),
])
def test_error_table(code, cls, retryable):
    err = mapping.TABLE.build("m", code=code, vendor=mapping.VENDOR, operation="CreateImage", request_id="req-1")
    assert type(err) is cls and err.retryable is retryable and (err.code, err.request_id) == (code, "req-1")


def test_vendor_messages_are_redacted_at_the_boundary(tc_sim, adapter, monkeypatch):
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    def leaky(*_args, **_kwargs):
        raise TencentCloudSDKException("AuthFailure.SecretIdNotFound", "SecretId AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE "
                                       "not found", "req-9")

    import tencentcloud.cvm.v20170312.cvm_client as cvm_client

    monkeypatch.setattr(cvm_client.CvmClient, "DescribeImages", leaky)
    with pytest.raises(errors.AuthFailed) as caught:
        adapter().describe_images(["img-eb30mz89"])
    assert "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE" not in str(caught.value) and caught.value.request_id == "req-9"


# plumbing --------------------------------------------------------------------------
def test_real_profile_reads_the_tencentcloud_environment_names(monkeypatch):
    for name in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(errors.CredentialsMissing) as caught:
        client.cvm(Target("tencent", "cvm", "ap-guangzhou", "cloud"), "ap-guangzhou")
    assert "TENCENTCLOUD_SECRET_ID" in str(caught.value)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDreal")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "real-key")
    monkeypatch.setenv("TENCENTCLOUD_SESSION_TOKEN", "tok")
    real = client.cvm(Target("tencent", "cvm", "ap-guangzhou", "cloud"), "ap-guangzhou")
    assert real.credential.token == "tok" and real.profile.httpProfile.endpoint is None  # cvm.tencentcloudapi.com
    assert type(real.profile.retryer).__name__ == "NoopRetryer"
    finance = Target("tencent", "cvm", "ap-shanghai-fsi", "cloud")
    assert client.endpoint(finance, "cvm", "ap-shanghai-fsi") == "cvm.ap-shanghai-fsi.tencentcloudapi.com"


def test_importing_the_adapter_modules_loads_no_sdk():
    code = ("import sys, imageforge.providers.tencent.cvm, imageforge.providers.tencent.rules, "
            "imageforge.providers.tencent.spec;"
            "print(any(m.startswith('tencentcloud') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_the_adapter_never_waits(tc_sim, adapter, monkeypatch):
    """No adapter method sleeps: every wait is the resource's Waiter's."""
    import time

    monkeypatch.setattr(time, "sleep", lambda _s: pytest.fail("the adapter slept"))
    cvm = adapter()
    image_id = cvm.start_capture(from_instance()).image_id
    cvm.describe_images([image_id])
    cvm.find_images(Identity("k-123"))
