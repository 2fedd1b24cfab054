"""Describes that narrow the records through the store's indexes answer exactly what a full scan answers.

Each vendor's region is filled with images of several names and tags, next to images with the same
names and tags in another region, another account or owned by someone else; every filtered describe
(by id, name, tag, status, with paging) is compared with the unfiltered describe filtered here.
"""
from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.ecs_model import VENDOR as ECS, EcsModel, Image as EcsImage
from imageforge.simulator.alibaba.ecs_wire import EcsWire
from imageforge.simulator.alibaba.eds_model import EdsModel
from imageforge.simulator.alibaba.eds_wire import EdsWire
from imageforge.simulator.core.lifecycle import Lifecycle

TEAMS, ENVS = ("web", "data", "ops"), ("prod", "dev")
EVERY_ECS_STATUS = ["Creating", "Available", "CreateFailed"]


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Simulator]:
    simulator = Simulator(tmp_path, speed=0.0)
    yield simulator
    simulator.stop()


# Alibaba ECS ------------------------------------------------------------------------------------
@pytest.fixture
def ecs(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> tuple[EcsModel, list[str]]:
    from imageforge.simulator.alibaba import ecs_model

    monkeypatch.setattr(ecs_model, "NAMES_UNIQUE", False)  # many images per name, to prove the name filter
    model = EcsModel(sim.ctx)
    made = []
    for n in range(60):
        tags = {"team": TEAMS[n % 3], "env": ENVS[n % 2]}
        made.append(model.create_image("cn-hangzhou", instance="i-bp1imageforgelnx01", name=f"name-{n % 5}", tags=tags))
        model.create_image("cn-shanghai", instance="i-uf6imageforgelnx01", name=f"name-{n % 5}", tags=tags)
        if n == 40:
            sim.advance(7200)  # the first 41 are Available, the rest still Creating
        stranger = EcsImage(f"m-stranger{n:010d}", "cn-hangzhou", f"name-{n % 5}", "", "", Lifecycle(0.0, 0.0),
                            tags=tags)
        sim.store.put(ECS, "cn-hangzhou", "image", stranger.image_id, stranger.to_record(), account="someone-else")
    model.modify("cn-hangzhou", image_id=made[7], name="renamed", description=None)  # its old name must not find it
    model.set_tags("cn-hangzhou", image_id=made[8], tags={"team": "moved"})
    return model, made


def test_ecs_describes_by_id_name_tag_and_status_match_the_scan(sim: Simulator,
                                                               ecs: tuple[EcsModel, list[str]]) -> None:
    model, made = ecs
    now = sim.ctx.now()
    everything = model.images("cn-hangzhou", image_ids=[], statuses=EVERY_ECS_STATUS, name="", tags={}, now=now)
    assert len(everything) == 60

    def answer(**kw: Any) -> list[dict[str, Any]]:
        kw = {"image_ids": [], "statuses": EVERY_ECS_STATUS, "name": "", "tags": {}, **kw}
        return [i.view(now) for i in model.images("cn-hangzhou", now=now, **kw)]

    def scan(keep: Any, statuses: list[str] = EVERY_ECS_STATUS) -> list[dict[str, Any]]:
        return [i.view(now) for i in everything if keep(i) and i.status(now)[0] in statuses]

    ids = [made[50], made[3], "m-unknown", "m-stranger0000000003"]
    assert answer(image_ids=ids) == scan(lambda i: i.image_id in ids) and len(answer(image_ids=ids)) == 2
    assert answer(image_ids=ids, statuses=["Available"]) == scan(lambda i: i.image_id in ids, ["Available"])
    for name in ("name-2", "renamed", "name-9"):
        assert answer(name=name) == scan(lambda i: i.name == name)
    for tags in ({"team": "web"}, {"team": "web", "env": "dev"}, {"team": "moved"}, {"team": "nobody"}):
        assert answer(tags=tags) == scan(lambda i: all(i.tags.get(k) == v for k, v in tags.items()))
        assert answer(tags=tags, statuses=["Creating"]) == scan(
            lambda i: all(i.tags.get(k) == v for k, v in tags.items()), ["Creating"])
    assert answer(name="name-1", tags={"env": "dev"}) == scan(
        lambda i: i.name == "name-1" and i.tags.get("env") == "dev")


def test_ecs_paging_through_a_tag_filter_reads_the_same_pages(sim: Simulator, ecs: tuple[EcsModel, list[str]]) -> None:
    wire = EcsWire(sim.ctx)
    base = {"Status": "Creating,Available", "PageSize": "4"}
    every = wire.describe_images("cn-hangzhou", {**base, "PageSize": "100"})["Images"]["Image"]
    wanted = [v for v in every if {"TagKey": "team", "TagValue": "web"} in v["Tags"]["Tag"]]
    pages, number = [], 1
    while True:
        reply = wire.describe_images("cn-hangzhou", {**base, "PageNumber": str(number), "Tag.1.Key": "team",
                                                     "Tag.1.Value": "web"})
        assert reply["TotalCount"] == len(wanted)
        if not reply["Images"]["Image"]:
            break
        pages += reply["Images"]["Image"]
        number += 1
    assert pages == wanted and len(wanted) == 20


def test_ecs_delete_still_sees_a_copy_in_flight(sim: Simulator, ecs: tuple[EcsModel, list[str]]) -> None:
    model, made = ecs
    model.copy_image("cn-hangzhou", image_id=made[0], destination="cn-beijing")
    with pytest.raises(Exception, match="OperationDenied.ImageCopying"):
        model.delete_image("cn-hangzhou", image_id=made[0])
    model.delete_image("cn-hangzhou", image_id=made[1])
    assert model.images("cn-hangzhou", image_ids=[made[1]], statuses=EVERY_ECS_STATUS, name="", tags={},
                        now=sim.ctx.now()) == []


# Alibaba EDS ------------------------------------------------------------------------------------
def test_eds_describes_by_id_name_and_status_match_the_scan(sim: Simulator) -> None:
    model, wire = EdsModel(sim.ctx), EdsWire(sim.ctx)
    made = []
    for n in range(45):
        made.append(model.create_image("cn-hangzhou", name=f"Name-{n % 4}", description=None,
                                       desktop="ecd-hzimageforgewin01", snapshot="", data_snapshots=[], disk_type="",
                                       clean=False))
        model.create_image("cn-shanghai", name=f"Name-{n % 4}", description=None, desktop="ecd-shimageforgewin01",
                           snapshot="", data_snapshots=[], disk_type="", clean=False)
        if n == 30:
            sim.advance(7200)

    def describe(**p: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        token = ""
        while True:
            reply = wire.describe_images("cn-hangzhou", {**p, "MaxResults": "7", "NextToken": token})
            out += reply["Images"]
            token = reply["NextToken"]
            if not token:
                return out

    every = describe()
    assert len(every) == 46  # the seeded system image too
    by_id = [v for v in every if v["ImageId"] in (made[40], made[2])]
    assert describe(ImageId=f"{made[40]},{made[2]},m-unknown") == by_id and len(by_id) == 2
    for name in ("name-1", "NAME-3", "Name-9"):
        assert describe(ImageName=name) == [v for v in every if v["Name"].lower() == name.lower()]
    for status in ("Available", "creating"):
        assert describe(ImageStatus=status) == [v for v in every if v["Status"].lower() == status.lower()]
        assert describe(ImageName="name-2", ImageStatus=status) == [
            v for v in every if v["Name"] == "Name-2" and v["Status"].lower() == status.lower()]
    start = base64.urlsafe_b64encode(b"offset:7").decode()
    assert wire.describe_images("cn-hangzhou", {"MaxResults": "7", "NextToken": start})["Images"] == every[7:14]
