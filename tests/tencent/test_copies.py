"""CVM copies: one SyncImages for many regions, the sync record on the source, and every crash window a re-run meets.

The shared state machine (core/copies.py) drives the adapter here exactly as ImageRegionSet does;
a "crash" is an exception no code catches, raised at a chosen call, after which a new board with
the same identity plays the re-run.
"""
from __future__ import annotations

import pytest

from imageforge.providers.core import errors
from imageforge.providers.core.copies import CopyBoard, CopyState
from imageforge.providers.core.endpoints import load_sim_endpoints
from imageforge.providers.core.model import (CaptureRequest, CopyRequest, Deferred, Identity, ImageStatus, Source,
                                             Started, Target)
from imageforge.providers.core.simclock import SimulatorClock
from imageforge.providers.core.waiting import Backoff, Waiter
from imageforge.providers.tencent import client, mapping
from imageforge.providers.tencent.cvm import CvmAdapter
from imageforge.providers.tencent.spec import SPEC
from imageforge.simulator.tencent.model import VENDOR

from .helpers import copies_in, stored_image

REGION = "ap-guangzhou"
FOUR = ["ap-shanghai", "ap-beijing", "ap-singapore", "ap-tokyo"]
KEY = "set-key-1"
INTENT = mapping.intent_key(KEY)


class Crash(BaseException):
    """The provider process dies here: nothing in imageforge catches it."""


def adapter() -> CvmAdapter:
    return CvmAdapter(Target("tencent", "cvm", REGION, "sim"))


def waiter() -> Waiter:
    return Waiter(clock=SimulatorClock(load_sim_endpoints()), backoff=Backoff(initial=30, cap=120)).bound(7200)


def copy_request(image_id: str, **kw) -> CopyRequest:
    tags = {"imageforge-key": KEY, **kw.pop("tags", {})}
    return CopyRequest(image_id, REGION, tags=tags, **kw)


def board(image_id: str, **kw) -> CopyBoard:
    return CopyBoard(adapter(), SPEC.traits, waiter(), copy_request(image_id, **kw), Identity(KEY))


@pytest.fixture
def source(tc_sim) -> str:
    """A NORMAL image captured from the Linux instance, named golden."""
    cvm = adapter()
    image_id = cvm.start_capture(CaptureRequest(name="golden", source=Source(instance="ins-gzlnx001"),
                                                tags={"imageforge-key": "capture-key"})).image_id
    tc_sim.advance(3600)
    assert cvm.describe_images([image_id])[image_id].raw_status == "NORMAL"
    return image_id


def source_tags(tc_sim, image_id: str) -> dict[str, str]:
    """Every tag the simulator keeps on the source, the sync record included."""
    stored = stored_image(tc_sim, REGION, image_id)
    assert stored is not None
    return dict(stored.tags)


def syncs(tc_sim, since: int = 0) -> list[dict]:
    return [r.params for r in tc_sim.requests(VENDOR, "SyncImages", since=since) if not r.error]


def crash_at(monkeypatch, action: str, when=lambda params: True) -> None:
    real = client.call

    def call(target, region, name, params):
        if name == action and when(params):
            raise Crash(f"the process died before {action}")
        return real(target, region, name, params)

    monkeypatch.setattr(client, "call", call)


# the calls ---------------------------------------------------------------------------
def test_one_sync_images_call_for_four_regions_recorded_on_the_source_first(tc_sim, source):
    cvm = adapter()
    mark = tc_sim.mark()
    started = cvm.start_copies(copy_request(source, description="published", tags={"release": "1"}), FOUR)
    actions = [r.action for r in tc_sim.requests(since=mark)]
    assert actions.index("TagResources") < actions.index("SyncImages") and actions.count("SyncImages") == 1
    assert syncs(tc_sim, mark) == [{"ImageIds": [source], "DestinationRegions": FOUR, "ImageSetRequired": True}]
    assert all(isinstance(s, Started) and s.image_id and s.request_id for s in started.values())
    assert source_tags(tc_sim, source)[INTENT] == ",".join(sorted(FOUR))
    request = copy_request(source, description="published", tags={"release": "1"})
    copies = {r: s.image_id for r, s in started.items()}  # type: ignore[union-attr]
    for region, image_id in copies.items():
        cvm.label_copy(request, region, image_id)
    assert INTENT not in source_tags(tc_sim, source)  # every copy carries the identity now: the record is gone
    during = cvm.describe_copies(copies)
    assert all(i.status is ImageStatus.CREATING and i.raw_status == "SYNCING" and i.progress is not None
               for i in during.values())
    assert all(i.tags == {"imageforge-key": KEY, "release": "1"} and i.description == "published" and i.name == "golden"
               for i in during.values())
    assert cvm.describe_images([source])[source].copying
    tc_sim.advance(1200)
    done = cvm.describe_copies(copies)
    assert {r: i.status for r, i in done.items()} == dict.fromkeys(FOUR, ImageStatus.AVAILABLE)
    assert not cvm.describe_images([source])[source].copying
    assert cvm.describe_images([source])[source].tags == {"imageforge-key": "capture-key"}  # bookkeeping is hidden


def test_a_source_still_creating_defers_every_region_without_a_call(tc_sim):
    cvm = adapter()
    image_id = cvm.start_capture(CaptureRequest(name="young", source=Source(instance="ins-gzlnx001"))).image_id
    mark = tc_sim.mark()
    out = cvm.start_copies(copy_request(image_id), FOUR[:2])
    assert all(isinstance(d, Deferred) and "CREATING" in d.reason and not d.until_slot for d in out.values())
    assert [r.action for r in tc_sim.requests(since=mark)] == ["DescribeImages"]


def test_a_name_held_by_another_image_is_a_conflict_naming_it_and_is_never_recorded(tc_sim, source):
    other = CvmAdapter(Target("tencent", "cvm", "ap-shanghai", "sim"))
    holder = other.start_capture(CaptureRequest(name="golden", source=Source(instance="ins-shlnx001"))).image_id
    mark = tc_sim.mark()
    out = adapter().start_copies(copy_request(source), ["ap-shanghai", "ap-beijing"])
    conflict = out["ap-shanghai"]
    assert isinstance(conflict, errors.Conflict) and holder in conflict.message and conflict.resource_id == holder
    assert isinstance(out["ap-beijing"], Started)
    assert [p["DestinationRegions"] for p in syncs(tc_sim, mark)] == [["ap-beijing"]]
    assert source_tags(tc_sim, source)[INTENT] == "ap-beijing"


def test_a_refused_sync_clears_its_record(tc_sim):
    cvm = adapter()
    encrypted = cvm.start_capture(CaptureRequest(name="enc", source=Source(snapshot="snap-gzenc001"))).image_id
    tc_sim.advance(3600)
    out = cvm.start_copies(copy_request(encrypted), ["ap-tokyo"])
    refused = out["ap-tokyo"]
    assert isinstance(refused, errors.Unsupported) and refused.code == "UnsupportedOperation.EncryptedImagesNotSupported"
    assert INTENT not in source_tags(tc_sim, encrypted)
    assert copies_in(tc_sim, "ap-tokyo") == []


def test_an_encrypted_copy_is_made_in_the_source_region_with_its_key(tc_sim, source):
    cvm = adapter()
    request = copy_request(source, name="golden-enc", encrypted=True, options={"kms_key_id": "kms-123"})
    out = cvm.start_copies(request, [REGION])
    assert isinstance(out[REGION], Started)
    assert syncs(tc_sim)[-1] == {"ImageIds": [source], "DestinationRegions": [REGION], "ImageSetRequired": True,
                                 "ImageName": "golden-enc", "Encrypt": True, "KmsKeyId": "kms-123"}
    made = stored_image(tc_sim, REGION, out[REGION].image_id)
    assert made is not None and made.encrypted and made.kms_key_id == "kms-123"
    # the copy is found again by name in the source's own region, and the source itself never is
    found = cvm.find_copies(request, [REGION], Identity(KEY))
    assert [i.image_id for i in found[REGION]] == [out[REGION].image_id]
    tc_sim.advance(1200)  # the source reads SYNCING, and defers, until its copy ends
    same_name = cvm.start_copies(copy_request(source, encrypted=True), [REGION])  # default name: the source's
    assert isinstance(same_name[REGION], errors.Conflict) and source in same_name[REGION].message


def test_a_copy_cannot_be_cancelled_and_is_deleted_once_it_ends(tc_sim, source):
    cvm = adapter()
    copies = {r: s.image_id for r, s in cvm.start_copies(copy_request(source), FOUR).items()}  # type: ignore[union-attr]
    with pytest.raises(errors.Unsupported):
        cvm.cancel_copy("ap-tokyo", copies["ap-tokyo"])
    with pytest.raises(errors.InvalidState):
        cvm.delete_copy("ap-tokyo", copies["ap-tokyo"])  # DeleteImages refuses a SYNCING image
    tc_sim.advance(1200)
    mark = tc_sim.mark()
    cvm.delete_copy("ap-tokyo", copies["ap-tokyo"])
    deletes = tc_sim.requests(VENDOR, "DeleteImages", since=mark)
    assert [(r.region, r.params) for r in deletes] == [("ap-tokyo", {"ImageIds": [copies["ap-tokyo"]], "DeleteBindedSnap": True})]
    assert sorted(cvm.describe_copies(copies)) == sorted(set(FOUR) - {"ap-tokyo"})


# the shared state machine over these calls ----------------------------------------------
def test_the_board_publishes_with_one_sync_and_removes_syncing_copies_once_they_end(tc_sim, source):
    publish = board(source, tags={"team": "web"})
    publish.adopt(FOUR)
    publish.publish("copies")
    assert len(syncs(tc_sim)) == 1
    assert {c.state for c in publish.copies.values()} == {CopyState.AVAILABLE}
    assert INTENT not in source_tags(tc_sim, source)
    assert all(v == [] for v in adapter().find_copies(copy_request(source), FOUR, Identity("another-key")).values())
    removal = board(source)
    removal.adopt(["ap-tokyo"])
    assert removal.copies["ap-tokyo"].image_id == publish.copies["ap-tokyo"].image_id
    removal.remove("removal")
    assert copies_in(tc_sim, "ap-tokyo") == []
    assert [r.error for r in tc_sim.requests(VENDOR, "DeleteImages")] == [""]


def test_a_lost_sync_reply_is_looked_up_not_repeated(tc_sim, source):
    tc_sim.inject(VENDOR, "SyncImages", "lost", status=502)
    publish = board(source)
    publish.adopt(FOUR[:2])
    publish.publish("copies")
    assert len(tc_sim.requests(VENDOR, "SyncImages")) == 1  # applied once, its reply lost, never sent again
    assert all(c.state is CopyState.AVAILABLE and c.labelled for c in publish.copies.values())
    for region in FOUR[:2]:
        assert [dict(i.tags).get("imageforge-key") for i in copies_in(tc_sim, region)] == [KEY]
    assert INTENT not in source_tags(tc_sim, source)


def test_a_gateway_error_before_the_sync_is_retried_once(tc_sim, source):
    tc_sim.inject(VENDOR, "SyncImages", "5xx", status=502)
    publish = board(source)
    publish.adopt(FOUR)
    publish.publish("copies")
    assert [r.error for r in tc_sim.requests(VENDOR, "SyncImages")] == ["InternalError", ""]
    assert all(len(copies_in(tc_sim, r)) == 1 for r in FOUR)


@pytest.mark.parametrize("action", ["TagResources", "SyncImages"])
def test_crash_before_the_sync_left_nothing_to_adopt_and_a_rerun_syncs_once(tc_sim, source, action):
    """Before SyncImages (before or after the record): the re-run finds nothing and makes each copy once."""
    with pytest.MonkeyPatch.context() as mp, pytest.raises(Crash):
        if action == "SyncImages":
            crash_at(mp, action)
        else:
            _crash_common(mp, action)  # the record's own call
        first = board(source)
        first.adopt(FOUR)
        first.publish("copies")
    rerun = board(source)
    rerun.adopt(FOUR)
    assert all(c.state is CopyState.QUEUED for c in rerun.copies.values())
    rerun.publish("copies")
    assert len(syncs(tc_sim)) == 1 and all(len(copies_in(tc_sim, r)) == 1 for r in FOUR)
    assert INTENT not in source_tags(tc_sim, source)


def _crash_common(monkeypatch, action: str) -> None:
    real = client.call_common

    def call_common(target, region, service, version, name, params):
        if name == action:
            raise Crash(f"the process died before {action}")
        return real(target, region, service, version, name, params)

    monkeypatch.setattr(client, "call_common", call_common)


def test_crash_after_the_sync_before_any_label_is_adopted_by_the_record(tc_sim, source):
    """SyncImages ran, the process died before tagging: the copies carry no identity, the record names them."""
    adapter().start_copies(copy_request(source, name="golden-copy"), FOUR)
    assert source_tags(tc_sim, source)[INTENT] == ",".join(sorted(FOUR))
    rerun = board(source, name="golden-copy")
    rerun.adopt(FOUR)
    assert all(c.state is CopyState.COPYING and not c.labelled for c in rerun.copies.values())
    rerun.publish("copies")
    assert len(syncs(tc_sim)) == 1
    for region in FOUR:
        (copy,) = copies_in(tc_sim, region)
        assert dict(copy.tags)["imageforge-key"] == KEY and copy.name == "golden-copy"
    assert INTENT not in source_tags(tc_sim, source)


def test_crash_after_tagging_before_the_record_is_cleared(tc_sim, source):
    cvm = adapter()
    request = copy_request(source)
    started = cvm.start_copies(request, ["ap-tokyo"])
    with pytest.MonkeyPatch.context() as mp, pytest.raises(Crash):
        mp.setattr(CvmAdapter, "_forget", lambda *a: (_ for _ in ()).throw(Crash("died")))
        cvm.label_copy(request, "ap-tokyo", started["ap-tokyo"].image_id)  # type: ignore[union-attr]
    assert source_tags(tc_sim, source)[INTENT] == "ap-tokyo"
    found = adapter().find_copies(request, ["ap-tokyo"], Identity(KEY))
    assert [i.image_id for i in found["ap-tokyo"]] == [started["ap-tokyo"].image_id]  # type: ignore[union-attr]
    assert INTENT not in source_tags(tc_sim, source)  # the tagged copy needs no record: it is dropped


def test_the_record_never_adopts_another_resources_image_or_an_unrecorded_region(tc_sim, source):
    """Untagged images of the copy name are this set's only in recorded regions, never another key's, never the source."""
    cvm = adapter()
    request = copy_request(source)
    sh = CvmAdapter(Target("tencent", "cvm", "ap-shanghai", "sim"))
    theirs = sh.start_capture(CaptureRequest(name="golden", source=Source(instance="ins-shlnx001"),
                                             tags={"imageforge-key": "someone-else"})).image_id
    bj = CvmAdapter(Target("tencent", "cvm", "ap-beijing", "sim"))
    unrecorded = bj.start_capture(CaptureRequest(name="golden", source=Source(instance="ins-bjlnx001"))).image_id
    stored = stored_image(tc_sim, REGION, source)
    assert stored is not None
    stored.tags.append((INTENT, f"ap-shanghai,{REGION}"))
    tc_sim.store.put(VENDOR, REGION, "image", source, stored.to_record())
    found = cvm.find_copies(request, ["ap-shanghai", "ap-beijing", REGION], Identity(KEY))
    assert found == {"ap-shanghai": [], "ap-beijing": [], REGION: []}
    tc_sim.advance(3600)
    out = cvm.start_copies(request, ["ap-shanghai", "ap-beijing"])
    assert isinstance(out["ap-shanghai"], errors.Conflict) and theirs in out["ap-shanghai"].message
    assert isinstance(out["ap-beijing"], errors.Conflict) and unrecorded in out["ap-beijing"].message
    assert syncs(tc_sim) == []
