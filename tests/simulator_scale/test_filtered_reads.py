"""Tencent, Huawei and Azure reads through the store's indexes answer exactly what a full scan answers."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imageforge.simulator import Simulator
from imageforge.simulator.azure import arm
from imageforge.simulator.azure.images import ImageDisk, ManagedImage
from imageforge.simulator.azure.model import SUBSCRIPTION
from imageforge.simulator.core.lifecycle import Lifecycle
from imageforge.simulator.core.wire import SimError
from imageforge.simulator.huawei.model import VENDOR as IMS, ImsModel, Patch
from imageforge.simulator.huawei.regions import server_id
from imageforge.simulator.tencent.model import IMAGE_QUOTA
from imageforge.simulator.tencent.records import CAPTURE, PUBLIC, Image
from imageforge.simulator.tencent.seeds import LINUX
from imageforge.simulator.tencent.wire import CvmWire

TEAMS = ("web", "data", "ops")
GZ, SH = "ap-guangzhou", "ap-shanghai"


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Simulator]:
    simulator = Simulator(tmp_path, speed=0.0)
    yield simulator
    simulator.stop()


# Tencent CVM ------------------------------------------------------------------------------------
def cvm_image(n: int, own: bool, prefix: str = "a") -> Image:
    """An own capture, or an image shared by another account (never modified, not counted in the quota)."""
    return Image(f"img-{prefix}{'o' if own else 's'}{n:06d}", f"name-{n % 4}", CAPTURE if own else PUBLIC, LINUX, 20,
                 "2026-01-05T08:00:00Z", image_type="PRIVATE_IMAGE" if own else "SHARED_IMAGE",
                 tags=[("team", TEAMS[n % 3]), ("n", str(n))])


@pytest.fixture
def cvm(sim: Simulator) -> CvmWire:
    wire = CvmWire(sim.ctx)
    for n in range(40):
        for own in (True, False):
            wire.model.put_image(GZ, cvm_image(n, own))
            wire.model.put_image(SH, cvm_image(n, own, "b"))
    return wire


def cvm_describe(wire: CvmWire, **p: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        reply = wire.describe_images(GZ, {**p, "Offset": len(out), "Limit": 9})
        out += reply["ImageSet"]
        if len(out) >= reply["TotalCount"]:
            assert len(out) == reply["TotalCount"]
            return out


def test_cvm_describes_by_ids_id_filter_and_tags_match_the_scan(cvm: CvmWire) -> None:
    every = cvm_describe(cvm)
    assert len(every) == 82  # 80 filled and the two public images every region has
    ids = ["img-ao000007", "img-as000031", "img-bo000007", "img-zz999999"]
    by_id = [v for v in every if v["ImageId"] in ids]
    assert cvm_describe(cvm, ImageIds=ids) == by_id and len(by_id) == 2
    assert cvm_describe(cvm, Filters=[{"Name": "image-id", "Values": ids}]) == by_id

    def tagged(view: dict[str, Any], key: str, values: list[str]) -> bool:
        return any(t["Key"] == key and t["Value"] in values for t in view["Tags"])

    for key, values in (("team", ["web"]), ("team", ["data", "ops"]), ("n", ["7"]), ("team", ["nobody"])):
        assert cvm_describe(cvm, Filters=[{"Name": f"tag:{key}", "Values": values}]) == [
            v for v in every if tagged(v, key, values)]
    assert cvm_describe(cvm, Filters=[{"Name": "tag-key", "Values": ["n"]}]) == [
        v for v in every if any(t["Key"] == "n" for t in v["Tags"])]
    both = [{"Name": "tag:team", "Values": ["web"]}, {"Name": "image-type", "Values": ["PRIVATE_IMAGE"]},
            {"Name": "image-name", "Values": ["NAME-1"]}]
    assert cvm_describe(cvm, Filters=both) == [
        v for v in every
        if tagged(v, "team", ["web"]) and v["ImageType"] == "PRIVATE_IMAGE" and v["ImageName"] == "name-1"]


def test_cvm_describes_by_part_of_a_name_in_any_case_match_the_scan(cvm: CvmWire) -> None:
    for n, name in enumerate(("Name-1-upper", "\u540d\u524d-name-1", "\u212aelvin", 'quo"te')):
        cvm.model.put_image(GZ, Image(f"img-x{n:07d}", name, CAPTURE, LINUX, 20, "2026-01-05T08:00:00Z"))
    every = cvm_describe(cvm)
    for values in (["name-1"], ["NAME-1", "name-3"], ["kelvin"], ["E-1-UP"], ['quo"te'], ["nothing"]):
        expected = [v for v in every if any(x.lower() in v["ImageName"].lower() for x in values)]
        assert cvm_describe(cvm, Filters=[{"Name": "image-name", "Values": values}]) == expected
    assert len(cvm_describe(cvm, Filters=[{"Name": "image-name", "Values": ["name-1"]}])) == 22


def test_cvm_retagging_moves_an_image_between_tag_lookups(cvm: CvmWire) -> None:
    name = "qcs::cvm:ap-guangzhou:uin/100000000001:image/img-ao000000"
    assert cvm.model.retag([name], add=[("team", "moved")], drop=["n"]) == []
    web = cvm_describe(cvm, Filters=[{"Name": "tag:team", "Values": ["web"]}])
    moved = cvm_describe(cvm, Filters=[{"Name": "tag:team", "Values": ["moved"]}])
    assert "img-ao000000" not in [v["ImageId"] for v in web] and [v["ImageId"] for v in moved] == ["img-ao000000"]
    assert [v["ImageId"] for v in cvm_describe(cvm, Filters=[{"Name": "tag:n", "Values": ["0"]}])] == ["img-as000000"]


def test_cvm_names_are_unique_among_own_images_only_and_the_quota_counts_them(cvm: CvmWire) -> None:
    model = cvm.model
    model.put_image(GZ, Image("img-shared01", "only-shared", PUBLIC, LINUX, 20, "2026-01-05T08:00:00Z",
                              image_type="SHARED_IMAGE"))
    model.check_name(GZ, "only-shared")  # a name another account uses is free
    with pytest.raises(SimError, match="InvalidImageName.Duplicate"):
        model.check_name(GZ, "name-1")
    with pytest.raises(SimError, match="InvalidImageName.Duplicate"):  # other own images share it too
        model.check_name(GZ, "name-1", exclude="img-ao000001")
    model.put_image(GZ, Image("img-single01", "single", CAPTURE, LINUX, 20, "2026-01-05T08:00:00Z"))
    model.check_name(GZ, "single", exclude="img-single01")  # renaming an image to its own name
    for n in range(40, IMAGE_QUOTA - 1):  # 41 own images so far
        model.put_image(GZ, cvm_image(n, True, "c"))
    for n in range(300):
        model.put_image(GZ, cvm_image(n, False, "d"))
    with pytest.raises(SimError, match="ImageQuotaLimitExceeded"):
        model.check_quota(GZ)
    model.delete_images(GZ, ["img-single01"], delete_binded_snap=False, dry_run=False)
    model.check_quota(GZ)  # 499 own images: one more fits, however many shared ones there are
    model.check_quota(SH)


# Huawei IMS -------------------------------------------------------------------------------------
def test_ims_lists_by_id_name_and_tag_match_the_scan(sim: Simulator) -> None:
    model = ImsModel(sim.ctx)
    made = []
    for n in range(50):
        for region in ("cn-north-4", "cn-east-3"):
            image = model.new_image(region, f"name-{n % 4}", "", {"team": TEAMS[n % 3], "n": str(n)}, os_type="Linux",
                                    platform="CentOS", created=model.now())
            sim.store.put(IMS, region, "image", image.id, image.to_record())
            if region == "cn-north-4":
                made.append(image.id)
    model.update_image("cn-north-4", made[4], [Patch("replace", "/tags", "team.web,team.ops")])  # shown as given
    model.update_image("cn-north-4", made[5], [Patch("replace", "/name", "renamed")])
    model.set_tags("cn-north-4", made[6], action="delete", tags=[("team", "")])
    every = model.images("cn-north-4")
    now = model.now()
    assert len(every) == 52  # and the two gold images

    def ids(images: list[Any]) -> list[str]:
        return [i.id for i in images]

    for wanted in (made[10], made[0], "00000000-0000-0000-0000-000000000000", every[0].id):
        assert ids(model.images("cn-north-4", image_id=wanted)) == [i.id for i in every if i.id == wanted]
    for name in ("name-1", "renamed", "CentOS 7.9 64bit", "name-7"):
        assert ids(model.images("cn-north-4", name=name)) == [i.id for i in every if i.name == name]
    for tag in ("team.web", "team.ops", "n.7", "team.data", "team.nobody", "web"):
        expected = [i.id for i in every if tag in i.shown("tags", now)]
        assert ids(model.images("cn-north-4", tag=tag)) == expected
    assert made[4] in ids(model.images("cn-north-4", tag="web"))  # a substring of tags shown as text
    assert made[6] not in ids(model.images("cn-north-4", tag="team.web"))
    assert ids(model.images("cn-north-4", name="name-2", tag="team.web", imagetype="private")) == [
        i.id for i in every if i.name == "name-2" and "team.web" in i.shown("tags", now) and i.private]


def test_ims_a_server_is_busy_while_its_capture_runs_whatever_else_runs(sim: Simulator) -> None:
    model = ImsModel(sim.ctx)
    linux, windows = server_id("cn-north-4", "linux"), server_id("cn-north-4", "windows")
    model.capture("cn-north-4", name="first", instance_id=linux)
    model.capture("cn-north-4", name="other", instance_id=windows)
    with pytest.raises(SimError, match="IMG.0010"):
        model.capture("cn-north-4", name="second", instance_id=linux)
    sim.advance(3600)
    model.capture("cn-north-4", name="second", instance_id=linux)
    assert model.server_task("cn-north-4", linux) == "image_snapshot"
    assert model.server_task("cn-east-3", server_id("cn-east-3", "linux")) == ""


# Azure ------------------------------------------------------------------------------------------
def test_azure_lists_by_resource_group_match_the_scan(sim: Simulator) -> None:
    wire = next(w for w in sim.wires if w.vendor == "azure")
    table = wire.images.table  # type: ignore[attr-defined]
    disk = ImageDisk("Linux", "Generalized", "ReadWrite", "Premium_LRS", 30)
    for n in range(30):
        for subscription, group in ((SUBSCRIPTION, "rg-a"), (SUBSCRIPTION, "rg-ab"), (SUBSCRIPTION, "RG-B"),
                                    ("11111111-0000-0000-0000-000000000001", "rg-a")):
            rid = arm.resource_id(subscription, group, f"images/img-{n:03d}")
            table.put(ManagedImage(rid, f"img-{n:03d}", "westeurope", "V2", disk, Lifecycle(0.0, 0.0)))
    every = table.all(SUBSCRIPTION)
    for group in ("rg-a", "RG-A", "rg-b", "rg-ab", "rg-none"):
        prefix = f"/subscriptions/{SUBSCRIPTION}/resourcegroups/{group}/"
        found = [i.id for i in wire.images.listing(SUBSCRIPTION, group)]  # type: ignore[attr-defined]
        assert found == [i.id for i in every if i.id.lower().startswith(prefix.lower())]
        assert len(found) == (0 if group == "rg-none" else 30)
