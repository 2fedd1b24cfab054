"""`share_with` on Huawei IMS through the real provider server: member jobs followed to their end, each member's
answer in `share_status`, a rejected member kept, out-of-band changes seen on refresh, a failed member job, and a
one-region ImageRegionSet's copy shared and un-shared before its deletion."""
from __future__ import annotations

from typing import Any

import pytest
from huaweicloudsdkims.v2 import (BatchAddMembersRequestBody, BatchDeleteMembersRequest, BatchUpdateMembersRequest,
                                  BatchUpdateMembersRequestBody)

from imageforge.providers import CustomImageProvider, ImageRegionSetProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderError, ProviderServer
from tests.sharing_cases import IMS_CASE as case, _ims, _ims_receiver_sees
from tests.test_sharing import Shared, shares_since

OTHER, STRANGER, THIRD = case.accounts
REGION = case.region
PROGRAM = {**case.capture, "owner": "share/sim/ims"}


def answer(sim: Simulator, image_id: str, status: str) -> None:
    body = BatchUpdateMembersRequestBody(images=[image_id], project_id=OTHER, status=status)
    _ims(sim, REGION, second=True).batch_update_members(BatchUpdateMembersRequest(body=body))


def test_each_member_job_is_followed_and_share_status_reports_the_answers(server: ProviderServer,
                                                                          sim: Simulator) -> None:
    mark = sim.mark()
    image_id, state = server.up(CustomImageProvider(), {**PROGRAM, "share_with": [OTHER, STRANGER]})
    actions = [r.action for r in sim.requests(case.vendor, since=mark)]
    added = actions.index("BatchAddMembers")
    assert "ShowJobProgress" in actions[added + 1:]  # the member job was read until it ended
    assert state["share_status"] == {REGION: {OTHER: "pending", STRANGER: "pending"}}

    answer(sim, image_id, "accepted")
    _, outs, inputs = server.refresh(image_id, state, {**PROGRAM, "share_with": [OTHER, STRANGER]})
    assert outs["share_status"] == {REGION: {OTHER: "accepted", STRANGER: "pending"}}
    assert sorted(inputs["share_with"]) == sorted([OTHER, STRANGER]) and "share_status" not in inputs


def test_a_rejected_member_stays_shared_and_is_not_granted_again(server: ProviderServer, sim: Simulator) -> None:
    image_id, state = server.up(CustomImageProvider(), {**PROGRAM, "share_with": [OTHER]})
    answer(sim, image_id, "rejected")
    _, outs, inputs = server.refresh(image_id, state, {**PROGRAM, "share_with": [OTHER]})
    assert inputs["share_with"] == [OTHER] and outs["share_status"] == {REGION: {OTHER: "rejected"}}
    mark = sim.mark()
    verdict, state = server.change(CustomImageProvider(), image_id, outs, {**PROGRAM, "share_with": [OTHER, THIRD]})
    assert verdict.kind == "update"
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(image_id, [THIRD], []))]
    assert state["share_status"] == {REGION: {OTHER: "rejected", THIRD: "pending"}}


def test_a_member_removed_out_of_band_shows_on_refresh_and_the_next_up_restores_it(server: ProviderServer,
                                                                                     sim: Simulator) -> None:
    image_id, state = server.up(CustomImageProvider(), {**PROGRAM, "share_with": [OTHER]})
    body = BatchAddMembersRequestBody(images=[image_id], projects=[OTHER])
    _ims(sim, REGION, second=False).batch_delete_members(BatchDeleteMembersRequest(body=body))
    program = {**PROGRAM, "share_with": [OTHER]}
    _, outs, inputs = server.refresh(image_id, state, program)
    assert inputs["share_with"] == [] and outs["share_with"] == [] and outs["share_status"] == {REGION: {}}
    mark = sim.mark()
    verdict, _ = server.change(CustomImageProvider(), image_id, outs, program)
    assert verdict.kind == "update"
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(image_id, [OTHER], []))]
    assert _ims_receiver_sees(sim, REGION) == {image_id}


def test_a_failed_member_job_is_reported_and_the_rerun_shares(server: ProviderServer, sim: Simulator) -> None:
    sim.inject(case.vendor, "BatchAddMembers", "fail", region=REGION)
    with pytest.raises(ProviderError) as caught:
        server.up(CustomImageProvider(), {**PROGRAM, "share_with": [OTHER]})
    last = caught.value.details.strip().splitlines()[-1]  # what the engine shows under the traceback
    assert "share" in last and "job" in last and "IMG.0014" in last and "pulumi up" in last, last
    before = sim.inventory()
    image_id, state = server.up(CustomImageProvider(), {**PROGRAM, "share_with": [OTHER]})
    assert sim.inventory() == before  # the image the first run made is adopted, not captured again
    assert case.shared_with(sim, REGION, image_id) == {OTHER}
    server.delete(image_id, state)


def test_a_one_region_copy_is_shared_and_unshared_before_deletion(server: ProviderServer, sim: Simulator) -> None:
    source, _ = server.up(CustomImageProvider(), {**PROGRAM, "name": "golden-share-source"})
    region = case.copy_regions[0]
    from imageforge.simulator.huawei.regions import SECOND_PROJECTS

    member = SECOND_PROJECTS[region]  # the receiving account's project in the copy's region
    inputs: dict[str, Any] = {**case.copy(source), "regions": [region], "share_with": [member],
                              "owner": "share/sim/ims-copy"}
    id_, state = server.up(ImageRegionSetProvider(), inputs)
    copy_id = state["image_ids"][region]
    assert case.shared_with(sim, region, copy_id) == {member}
    assert state["share_status"] == {region: {member: "pending"}}
    assert _ims_receiver_sees(sim, region) == {copy_id}
    mark = sim.mark()
    server.delete(id_, state)
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(copy_id, [], [member]))]
    assert _ims_receiver_sees(sim, region) == set()
