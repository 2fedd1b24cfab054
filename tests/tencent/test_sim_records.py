"""The simulated CVM's records: what release 0.1.0 stored still reads as it showed then, and records round-trip."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from imageforge.simulator import Simulator
from imageforge.simulator.tencent.imports import ImageImport
from imageforge.simulator.tencent.model import VENDOR, CvmModel
from imageforge.simulator.tencent.records import Image, Instance, Snapshot
from imageforge.simulator.tencent.sync import ImageSync

STATE = Path(__file__).parents[1] / "compat" / "fixtures" / "0.1.0" / "state.db"
CAPTURED_AT = 1796066356.9716253  # the fixture's capture: 600 s, from ins-gzlnx001
SYNCED_AT = 1796067137.2461298  # its SyncImages to four regions (ap-shanghai: 360 s)
LIVE = ("ImageState", "SyncPercent", "LatestOperationState")  # computed when read, never stored


def earlier(kind: str, id_: str) -> dict[str, Any]:
    db = sqlite3.connect(f"file:{STATE}?mode=ro", uri=True)
    try:
        (data,) = db.execute("SELECT data FROM objects WHERE vendor=? AND kind=? AND id=?", (VENDOR, kind, id_)).fetchone()
    finally:
        db.close()
    return json.loads(data)


def api_fields(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k[:1].isupper() and k not in LIVE}


def test_an_earlier_capture_and_its_copy_read_as_they_were_stored() -> None:
    raw = earlier("image", "img-zmxr86lf")
    capture = Image.from_record(raw)
    assert api_fields(capture.view(CAPTURED_AT)) == api_fields(raw)
    assert capture.state(CAPTURED_AT + 300) == ("CREATING", None)
    assert capture.state(SYNCED_AT + 100) == ("SYNCING", None)  # its copies run: the flat records of 0.1.0
    assert capture.state(SYNCED_AT + 721) == ("NORMAL", None)
    raw_copy = earlier("image", "img-jh9g0mr2")
    copy = Image.from_record(raw_copy)
    assert api_fields(copy.view(SYNCED_AT)) == api_fields(raw_copy)
    assert (copy.kind, copy.synced_from, copy.synced_from_region) == ("copy", "img-zmxr86lf", "ap-guangzhou")
    assert copy.state(SYNCED_AT + 180) == ("SYNCING", 50) and copy.state(SYNCED_AT + 360) == ("NORMAL", 100)


def test_an_earlier_instance_operation_ends_when_it_said() -> None:
    raw = earlier("instance", "ins-gzlnx001")
    until = raw["op_until"]
    inst = Instance.from_record(raw)
    assert api_fields(inst.view(until)) == api_fields(raw)
    assert [inst.view(t)["LatestOperationState"] for t in (until - 1, until)] == ["OPERATING", "SUCCESS"]
    failed = Instance.from_record({**raw, "op_failed": True})
    assert [failed.view(t)["LatestOperationState"] for t in (until - 1, until)] == ["OPERATING", "FAILED"]
    idle = Instance.from_record(earlier("instance", "ins-gzwin001"))
    assert idle.operation is None and idle.view(until)["LatestOperationState"] is None


def test_an_earlier_snapshot_keeps_its_bindings() -> None:
    raw = earlier("snapshot", "snap-xfwu0zn6")
    snap = Snapshot.from_record(raw)
    assert api_fields(snap.view()) == api_fields(raw)
    assert snap.owner_image == "img-zmxr86lf" and snap.images == [("img-zmxr86lf", "golden-web-2026-11")]


def test_every_record_the_model_writes_reads_back_the_same(tc_sim: Simulator) -> None:
    model = CvmModel(tc_sim.ctx)
    image_id = model.create_image(
        "ap-guangzhou", name="golden", description="", instance_id="ins-gzlnx001", snapshot_ids=[],
        data_disk_ids=["disk-gzlnxd01"], sysprep=False, family="web", tags=[("team", "web")], dry_run=False)
    tc_sim.advance(3600)
    ImageSync(model).sync_images("ap-guangzhou", image_ids=[image_id], destinations=["ap-tokyo"], name="",
                                 encrypt=False, kms_key_id="", dry_run=False)
    ImageImport(model).import_image(
        "ap-guangzhou", architecture="x86_64", os_type="CentOS", os_version="7", name="imported", description="",
        url="https://b-1250000000.cos.ap-guangzhou.myqcloud.com/d.qcow2", boot_mode="", license_type="", family="",
        force=False, dry_run=False, data_disks=False, tags=[])
    kinds = {"image": Image, "instance": Instance, "snapshot": Snapshot}
    for region in ("ap-guangzhou", "ap-tokyo"):
        for kind, record in kinds.items():
            if (region, kind) == ("ap-tokyo", "instance"):
                continue  # no instance is seeded there
            stored = tc_sim.store.list(VENDOR, region, kind)
            assert stored and all(json.loads(json.dumps(record.from_record(r).to_record())) == r for r in stored)
    source = Image.from_record(tc_sim.store.get(VENDOR, "ap-guangzhou", "image", image_id))
    assert [c.region for c in source.copies] == ["ap-tokyo"] and source.state(tc_sim.clock.now())[0] == "SYNCING"
