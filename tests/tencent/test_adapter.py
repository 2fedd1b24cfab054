"""CvmAdapter against the simulator: captures, sync to many regions in one call, delete rules, error mapping."""
from __future__ import annotations

import subprocess
import sys

import pytest

from imageforge.providers.core import errors
from imageforge.providers.core.endpoints import load_sim_endpoints
from imageforge.providers.core.model import CaptureRequest, CopyRequest, ImageStatus, Scope, Source, Target
from imageforge.providers.core.simclock import SimulatorClock
from imageforge.providers.core.waiting import Backoff, Done, Pending, Waiter
from imageforge.providers.tencent import client, mapping
from imageforge.providers.tencent.cvm import CvmAdapter
from imageforge.simulator.tencent.model import VENDOR

FOUR = ("ap-shanghai", "ap-beijing", "ap-singapore", "ap-tokyo")
KEY = {"imageforge-key": "k-123"}


@pytest.fixture
def adapter(tc_sim):
    """adapter("ap-guangzhou") with a waiter whose sleeps advance the simulator's clock."""
    def make(region: str = "ap-guangzhou") -> CvmAdapter:
        waiter = Waiter(clock=SimulatorClock(load_sim_endpoints()), backoff=Backoff(initial=30, cap=120))
        return CvmAdapter(Target("tencent", "cvm", region, "sim"), waiter)

    return make


def settle(adapter: CvmAdapter, image_id: str, timeout: float = 3600):
    def poll():
        info = adapter.describe_images([image_id])[image_id]
        return Done(info) if info.status.settled else Pending(info.progress, info.raw_status)

    return adapter.waiter.wait(f"capture {image_id}", poll, timeout)


def from_instance(name: str = "golden", **kw) -> CaptureRequest:
    return CaptureRequest(name=name, source=Source(instance=kw.pop("instance", "ins-gzlnx001")), tags=dict(KEY), **kw)


def params_of(tc_sim, action: str, since: int = 0) -> list[dict]:
    return [r.params for r in tc_sim.requests(VENDOR, action, since=since)]


# capture ---------------------------------------------------------------------------
def test_capture_from_instance_reaches_available_when_the_clock_advances(tc_sim, adapter):
    cvm = adapter()
    image_id = cvm.capture(from_instance(description="base", force_poweroff=True))
    assert cvm.last_request_id
    first = cvm.describe_images([image_id])[image_id]
    assert first.status is ImageStatus.CREATING and first.progress is None
    info = settle(cvm, image_id)
    assert info.status is ImageStatus.AVAILABLE and info.raw_status == "NORMAL" and info.progress == 100.0
    assert (info.name, info.description, info.os_type, info.size_gb) == ("golden", "base", "linux", 50)
    assert info.tags == KEY  # the snapshot-ownership marker is ours, not the user's
    sent = params_of(tc_sim, "CreateImage")[0]
    assert sent["ForcePoweroff"] == "true" and "DataDiskIds" not in sent
    assert {"Key": mapping.OWNS_SNAPSHOTS_TAG, "Value": "true"} in sent["TagSpecification"][0]["Tags"]


def test_capture_from_snapshots_reaches_available(tc_sim, adapter):
    cvm = adapter()
    request = CaptureRequest(name="from-snaps", source=Source(snapshot="snap-gzsys001", data_snapshots=("snap-gzdat001",)),
                             scope=Scope.SYSTEM_AND_DATA, tags=dict(KEY))
    image_id = cvm.capture(request)
    assert settle(cvm, image_id).status is ImageStatus.AVAILABLE
    sent = params_of(tc_sim, "CreateImage")[0]
    assert sent["SnapshotIds"] == ["snap-gzsys001", "snap-gzdat001"] and "InstanceId" not in sent
    assert all(t["Key"] != mapping.OWNS_SNAPSHOTS_TAG for t in sent["TagSpecification"][0]["Tags"])


def test_whole_instance_scope_takes_every_data_disk_of_the_instance(tc_sim, adapter):
    cvm = adapter()
    cvm.capture(from_instance(scope=Scope.SYSTEM_AND_DATA))
    assert params_of(tc_sim, "CreateImage")[0]["DataDiskIds"] == ["disk-gzlnxd01"]
    assert len(params_of(tc_sim, "DescribeInstances")) == 1


def test_preflight_warns_about_windows_without_sysprep_and_running_capture(adapter):
    warnings = adapter().preflight_capture(from_instance(instance="ins-gzwin001"))
    assert any("Sysprep" in w for w in warnings) and any("force_poweroff" in w for w in warnings)
    assert adapter().preflight_capture(from_instance(instance="ins-gzwin001", sysprep=True, force_poweroff=True)) == []
    with pytest.raises(errors.NotFound):
        adapter().preflight_capture(from_instance(instance="ins-zzzzzzzz"))


def test_failed_capture_reads_failed_with_a_reason(tc_sim, adapter):
    tc_sim.inject(VENDOR, "CreateImage", "fail")
    cvm = adapter()
    info = settle(cvm, cvm.capture(from_instance()))
    assert info.status is ImageStatus.FAILED and "CREATEFAILED" in info.failure


def test_find_images_by_tag_and_adoption_after_a_retried_create(tc_sim, adapter):
    cvm = adapter()
    image_id = cvm.capture(from_instance())
    cvm.capture(CaptureRequest(name="other", source=Source(snapshot="snap-gzwin001"), tags={"imageforge-key": "k-999"}))
    assert [i.image_id for i in cvm.find_images(KEY)] == [image_id]
    assert cvm.capture(from_instance(instance="ins-gzwin001")) == image_id  # same name and key: adopted
    with pytest.raises(errors.Conflict) as caught:
        cvm.capture(CaptureRequest(name="golden", source=Source(snapshot="snap-gzsys001"), tags={"imageforge-key": "k-2"}))
    assert caught.value.code == "InvalidImageName.Duplicate" and caught.value.request_id
    assert image_id in caught.value.message and "deleteBeforeReplace" in caught.value.message


# update ----------------------------------------------------------------------------
def test_update_name_description_and_tags_in_place(tc_sim, adapter):
    cvm = adapter()
    image_id = cvm.capture(CaptureRequest(name="golden", source=Source(instance="ins-gzlnx001"),
                                          tags={**KEY, "team": "a", "old": "x"}))
    settle(cvm, image_id)
    cvm.update_image(image_id, "golden-2", "second", {"team": "b", "new": "y"})
    info = cvm.describe_images([image_id])[image_id]
    assert (info.name, info.description) == ("golden-2", "second")
    assert info.tags == {**KEY, "team": "b", "new": "y"}  # managed key kept, `old` removed
    assert params_of(tc_sim, "UnTagResources")[-1]["TagKeys"] == ["old"]
    assert len(params_of(tc_sim, "GetCallerIdentity")) == 1


# delete ----------------------------------------------------------------------------
def test_delete_while_creating_is_refused_by_the_api(tc_sim, adapter):
    cvm = adapter()
    image_id = cvm.capture(from_instance())
    with pytest.raises(errors.InvalidState) as caught:
        cvm.delete_image(image_id)
    assert caught.value.code == "InvalidImageId.IncorrectState" and caught.value.request_id and not caught.value.retryable
    settle(cvm, image_id)
    cvm.delete_image(image_id)
    assert cvm.describe_images([image_id]) == {}
    assert params_of(tc_sim, "DeleteImages")[-1]["DeleteBindedSnap"] is True
    with pytest.raises(errors.NotFound):
        cvm.delete_image(image_id)


def test_delete_keeps_the_users_snapshots_of_a_snapshot_capture(tc_sim, adapter, common):
    cvm = adapter()
    image_id = cvm.capture(CaptureRequest(name="s", source=Source(snapshot="snap-gzsys001"), tags=dict(KEY)))
    settle(cvm, image_id)
    cvm.delete_image(image_id)
    assert params_of(tc_sim, "DeleteImages")[-1]["DeleteBindedSnap"] is False
    snaps = common("cbs").call_json("DescribeSnapshots", {"SnapshotIds": ["snap-gzsys001"]})["Response"]["SnapshotSet"]
    assert len(snaps) == 1


# sync ------------------------------------------------------------------------------
def test_one_sync_images_call_for_four_regions(tc_sim, adapter):
    cvm = adapter()
    image_id = cvm.capture(from_instance())
    mark = tc_sim.mark()
    copies = cvm.copy_image(CopyRequest(image_id, "ap-guangzhou", FOUR, description="published", tags={"release": "1"}))
    # the source was still CREATING: copy_image waited for it, then made exactly one SyncImages call
    assert params_of(tc_sim, "SyncImages", mark) == [{"ImageIds": [image_id], "DestinationRegions": list(FOUR),
                                                      "ImageSetRequired": True}]
    assert sorted(copies) == sorted(FOUR)
    during = cvm.describe_copies(copies)
    assert all(i.status is ImageStatus.CREATING and i.progress is not None for i in during.values())
    assert cvm.describe_images([image_id])[image_id].copying
    cvm.waiter.clock.sleep(1200)
    done = cvm.describe_copies(copies)
    assert {r: i.status for r, i in done.items()} == dict.fromkeys(FOUR, ImageStatus.AVAILABLE)
    assert all(i.description == "published" and i.tags == {"release": "1"} for i in done.values())
    assert not cvm.describe_images([image_id])[image_id].copying


def test_removing_a_copy_deletes_exactly_that_copy(tc_sim, adapter):
    cvm = adapter()
    image_id = cvm.capture(from_instance())
    settle(cvm, image_id)
    copies = cvm.copy_image(CopyRequest(image_id, "ap-guangzhou", FOUR))
    with pytest.raises(errors.InvalidState):
        cvm.cancel_copy("ap-tokyo", copies["ap-tokyo"])  # a sync cannot be cancelled: wait, then delete
    cvm.waiter.clock.sleep(1200)
    mark = tc_sim.mark()
    cvm.delete_copy("ap-tokyo", copies["ap-tokyo"])
    deletes = tc_sim.requests(VENDOR, "DeleteImages", since=mark)
    assert [(r.region, r.params) for r in deletes] == [("ap-tokyo", {"ImageIds": [copies["ap-tokyo"]], "DeleteBindedSnap": True})]
    left = cvm.describe_copies(copies)
    assert sorted(left) == sorted(set(FOUR) - {"ap-tokyo"})


def test_sync_refusals_are_typed(tc_sim, adapter):
    cvm = adapter()
    enc = cvm.capture(CaptureRequest(name="enc", source=Source(snapshot="snap-gzenc001")))
    settle(cvm, enc)
    with pytest.raises(errors.Unsupported) as caught:
        cvm.copy_image(CopyRequest(enc, "ap-guangzhou", ("ap-tokyo",)))
    assert caught.value.code == "UnsupportedOperation.EncryptedImagesNotSupported" and "encrypted" in caught.value.message
    with pytest.raises(errors.InvalidArgument):
        cvm.copy_image(CopyRequest(enc, "ap-guangzhou", ("ap-guangzhou",)))
    assert cvm.copy_image(CopyRequest(enc, "ap-guangzhou", ())) == {}


# errors ----------------------------------------------------------------------------
def test_throttling_maps_to_throttled_and_the_waiter_retries_it(tc_sim, adapter):
    tc_sim.inject(VENDOR, "DescribeImages", "throttle", times=2)
    cvm = adapter()
    with pytest.raises(errors.Throttled) as caught:
        cvm.describe_images(["img-eb30mz89"])
    assert caught.value.retryable and caught.value.code == "RequestLimitExceeded" and caught.value.request_id
    found = cvm.waiter.call("describe", lambda: cvm.describe_images(["img-eb30mz89"]))
    assert found["img-eb30mz89"].status is ImageStatus.AVAILABLE
    assert [r.error for r in tc_sim.requests(VENDOR, "DescribeImages")] == ["RequestLimitExceeded", "RequestLimitExceeded", ""]


@pytest.mark.parametrize("code,cls,retryable", [
    ("RequestLimitExceeded", errors.Throttled, True),
    ("RequestLimitExceeded.UinLimitExceeded", errors.Throttled, True),
    ("InvalidImageId.NotFound", errors.NotFound, False),
    ("InvalidImageName.Duplicate", errors.Conflict, False),
    ("ImageQuotaLimitExceeded", errors.QuotaExceeded, False),
    ("InvalidImageId.IncorrectState", errors.InvalidState, False),
    ("AuthFailure.SignatureExpire", errors.AuthFailed, False),
    ("UnauthorizedOperation.ImageNotBelongToAccount", errors.AuthFailed, False),
    ("InvalidParameterValue.TooLong", errors.InvalidArgument, False),
    ("UnsupportedOperation.EncryptedImagesNotSupported", errors.Unsupported, False),
    ("InternalError.TradeUnknownError", errors.ServiceUnavailable, True),
    ("ServerNetworkError", errors.ServiceUnavailable, True),
    ("SomethingNew.Entirely", errors.CloudError, False),
])
def test_error_table(code, cls, retryable):
    err = mapping.to_error(code, "m", "req-1", "CreateImage")
    assert type(err) is cls and err.retryable is retryable and (err.code, err.request_id) == (code, "req-1")


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
    code = ("import sys, imageforge.providers.tencent.cvm, imageforge.providers.tencent.rules;"
            "print(any(m.startswith('tencentcloud') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_a_sync_whose_reply_was_lost_is_adopted_not_repeated(tc_sim, adapter, monkeypatch):
    cvm = adapter()
    image_id = cvm.capture(from_instance())
    settle(cvm, image_id)
    real_call = client.call

    def lossy(target, region, action, params):
        reply = real_call(target, region, action, params)
        if action == "SyncImages":
            raise errors.ServiceUnavailable("connection reset after the request was sent", code="ClientNetworkError")
        return reply

    monkeypatch.setattr(client, "call", lossy)
    copies = cvm.copy_image(CopyRequest(image_id, "ap-guangzhou", FOUR[:2]))
    assert sorted(copies) == sorted(FOUR[:2]) and len(params_of(tc_sim, "SyncImages")) == 1
    assert all(i.raw_status == "SYNCING" for i in cvm.describe_copies(copies).values())


def test_a_gateway_error_before_the_sync_started_is_retried_once(tc_sim, adapter):
    cvm = adapter()
    image_id = cvm.capture(from_instance())
    settle(cvm, image_id)
    tc_sim.inject(VENDOR, "SyncImages", "5xx", status=502)
    copies = cvm.copy_image(CopyRequest(image_id, "ap-guangzhou", FOUR))
    assert sorted(copies) == sorted(FOUR)
    assert [r.error for r in tc_sim.requests(VENDOR, "SyncImages")] == ["InternalError", ""]
