"""`share_with` through the real provider server and the simulator, on every service that shares images.

Share, add one account, remove one (the request log proves only that account was touched), a region
added to an ImageRegionSet (its copy is shared too), delete (un-shared first, never forced), a crash
re-run that converges, and the receiving account's own view of what was shared with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from imageforge.providers import CustomImageProvider, ImageRegionSetProvider, ImportedImageProvider
from imageforge.simulator import Simulator
from tests.crashes import kill_after
from tests.engine import ProviderError, ProviderServer
from tests.sharing_cases import CASES, ShareCase


@dataclass
class Shared:
    image_id: str
    add: list[str]
    remove: list[str]


def shares_since(sim: Simulator, case: ShareCase, mark: int) -> list[Shared]:
    """Every successful sharing call after `mark`, in order: which image, which accounts added and removed."""
    out = []
    for logged in sim.requests(case.vendor, since=mark):
        if logged.error or logged.action not in (case.action, case.remove_action):
            continue
        image, added, removed = case.parse(logged.params)
        out.append(Shared(image, [], added) if logged.action == case.remove_action else Shared(image, added, removed))
    return out


def capture(server: ProviderServer, case: ShareCase, share: list[str],
            owner: str = "share/sim/image") -> tuple[str, dict[str, Any]]:
    return server.up(CustomImageProvider(), {**case.capture, "share_with": share, "owner": owner})


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_share_add_one_remove_one_then_delete_unshares_first(server: ProviderServer, sim: Simulator,
                                                              case: ShareCase) -> None:
    first, second, third = case.accounts
    mark = sim.mark()
    image_id, state = capture(server, case, [first])
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(image_id, [first], []))]
    assert case.receiver_sees(sim, case.region) == {image_id}

    inputs = {**case.capture, "owner": "share/sim/image"}
    mark = sim.mark()
    verdict, state = server.change(CustomImageProvider(), image_id, state, {**inputs, "share_with": [first, second]})
    assert verdict.kind == "update" and state["image_id"] == image_id
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(image_id, [second], []))]

    mark = sim.mark()
    verdict, state = server.change(CustomImageProvider(), image_id, state, {**inputs, "share_with": [second]})
    assert verdict.kind == "update"
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(image_id, [], [first]))]
    assert case.receiver_sees(sim, case.region) == set()  # the simulated receiver was `first`

    mark = sim.mark()
    server.delete(image_id, state)
    revoke = case.remove_action or case.action
    calls = [(r.action, r.error) for r in sim.requests(case.vendor, since=mark)
             if r.action in (revoke, case.delete_action)]
    assert calls[0] == (revoke, "") and case.delete_action in [a for a, _ in calls]
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(image_id, [], [second]))]
    deletes = sim.requests(case.vendor, case.delete_action, since=mark)
    assert not any(r.params.get("Force") in ("true", "True", True) for r in deletes)  # never forced


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_unchanged_share_set_makes_no_sharing_call(server: ProviderServer, sim: Simulator, case: ShareCase) -> None:
    image_id, state = capture(server, case, [case.accounts[0]])
    mark = sim.mark()
    verdict, _ = server.change(CustomImageProvider(), image_id, state,
                               {**case.capture, "owner": "share/sim/image", "share_with": [case.accounts[0]],
                                "description": "patched"})
    assert verdict.kind == "update" and shares_since(sim, case, mark) == []


MULTI = [c for c in CASES if not c.regional]  # where one list of ids is valid in every region


@pytest.mark.parametrize("case", MULTI, ids=[c.name for c in MULTI])
def test_a_region_added_to_the_set_is_shared_too(server: ProviderServer, sim: Simulator, case: ShareCase) -> None:
    source, _ = capture(server, case, [], owner="share/sim/source")
    first, other = case.copy_regions
    inputs = {**case.copy(source), "regions": [first], "share_with": [case.accounts[0]], "owner": "share/sim/regions"}
    id_, state = server.up(ImageRegionSetProvider(), inputs)
    copy_one = state["image_ids"][first]
    assert case.receiver_sees(sim, first) == {copy_one}
    mark = sim.mark()
    verdict, state = server.change(ImageRegionSetProvider(), id_, state, {**inputs, "regions": [first, other]})
    assert verdict.kind == "update"
    copy_two = state["image_ids"][other]
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(copy_two, [case.accounts[0]], []))]
    assert case.receiver_sees(sim, other) == {copy_two}

    mark = sim.mark()
    verdict, state = server.change(ImageRegionSetProvider(), id_, state, {**inputs, "regions": [other]})
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(copy_one, [], [case.accounts[0]]))]
    assert case.receiver_sees(sim, first) == set()

    mark = sim.mark()
    server.delete(id_, state)
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(copy_two, [], [case.accounts[0]]))]
    assert case.receiver_sees(sim, other) == set()



@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_crash_while_sharing_converges_on_the_rerun(sim: Simulator, tmp_path: Any, case: ShareCase) -> None:
    env = {"IMAGEFORGE_SIM_HOME": str(sim.home), "IMAGEFORGE_PROGRESS_LOG": str(tmp_path / "p.log")}
    first = ProviderServer(env=env)
    first.configure({"imageforge:endpoint": "sim"})
    before = sim.inventory()
    remove = kill_after(sim, first, case.action)  # the first grant reached the cloud, its reply was lost
    with pytest.raises(ProviderError):
        capture(first, case, list(case.accounts[:2]))
    remove()
    first.close()
    again = ProviderServer(env=env)
    again.configure({"imageforge:endpoint": "sim"})
    try:
        mark = sim.mark()
        image_id, state = capture(again, case, list(case.accounts[:2]))
        assert [i for _, _, i in sim.inventory() - before] == [image_id]  # adopted, not captured twice
        assert case.shared_with(sim, case.region, image_id) == set(case.accounts[:2])
        granted = [a for s in shares_since(sim, case, mark) for a in s.add]
        assert len(granted) == len(set(granted))  # nothing granted twice
        again.delete(image_id, state)
    finally:
        again.close()
    assert sim.inventory() - before == set()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_share_targets_are_refused_in_check(server: ProviderServer, case: ShareCase) -> None:
    inputs = {**case.capture, "owner": "share/sim/image"}
    for bad, words in case.refused:
        _, failures = server.check(CustomImageProvider(), {**inputs, "share_with": bad})
        assert failures and any(words in reason for _, reason in failures), (bad, failures)
    _, failures = server.check(CustomImageProvider(), {**inputs, "share_with": [case.accounts[0]] * 2})
    assert any("listed twice" in reason for _, reason in failures)
    too_many = [case.numbered(n) for n in range(case.limit + 1)]
    _, failures = server.check(CustomImageProvider(), {**inputs, "share_with": too_many})
    assert any(f"at most {case.limit}" in reason for _, reason in failures)


@pytest.mark.parametrize("case", [c for c in CASES if c.imports], ids=[c.name for c in CASES if c.imports])
def test_an_imported_image_is_shared_and_unshared_before_deletion(server: ProviderServer, sim: Simulator,
                                                                  case: ShareCase) -> None:
    assert case.imports is not None
    image_id, state = server.up(ImportedImageProvider(), {**case.imports, "share_with": [case.accounts[0]],
                                                          "owner": "share/sim/imported"})
    assert case.receiver_sees(sim, case.region) == {image_id}
    mark = sim.mark()
    server.delete(image_id, state)
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(image_id, [], [case.accounts[0]]))]
    assert case.receiver_sees(sim, case.region) == set()


def test_sharing_what_the_cloud_forbids_is_refused_in_check(server: ProviderServer) -> None:
    """Encrypted images where the cloud refuses to share them, and the services that share no image."""
    from tests.contract.cases.azure import CASE as AZURE
    from tests.contract.cases.huawei import CASE as HUAWEI
    from tests.sharing_cases import CVM_CASE, ECS_CASE, EDS_CASE

    def reasons(provider: Any, inputs: dict[str, Any]) -> list[str]:
        return [f"{field}: {reason}" for field, reason in server.check(provider, {**inputs, "owner": "share/check"})[1]]

    ecs_copy = {**ECS_CASE.copy("m-bp1source000000000"), "share_with": [ECS_CASE.accounts[0]], "encrypted": True}
    assert any("service key" in r for r in reasons(ImageRegionSetProvider(), ecs_copy))
    assert reasons(ImageRegionSetProvider(), {**ecs_copy, "options": {"kms_key_id": "key-hzz65share"}}) == []
    cvm_copy = {**CVM_CASE.copy("img-source01"), "share_with": [CVM_CASE.accounts[0]], "encrypted": True,
                "regions": [CVM_CASE.region]}
    assert any("does not share encrypted images" in r for r in reasons(ImageRegionSetProvider(), cvm_copy))
    eds = {**EDS_CASE.capture, "share_with": [EDS_CASE.accounts[0]],
           "source": {**EDS_CASE.capture["source"], "encrypted": True}, "clean_personal_data": False}
    assert any("does not share encrypted images" in r for r in reasons(CustomImageProvider(), eds))
    found = reasons(CustomImageProvider(), {**AZURE.capture, "share_with": ["00000000-0000-0000-0000-000000000000"]})
    assert any(r.startswith("share_with:") and "Fix:" in r for r in found), found
    project = ["0123456789abcdef0123456789abcdef"]
    assert reasons(CustomImageProvider(), {**HUAWEI.capture, "share_with": project}) == []
    ims_encrypted = {**HUAWEI.capture, "share_with": project, "encrypted": True, "options": {"cmk_id": "kms-key"}}
    assert any("does not share encrypted images" in r for r in reasons(CustomImageProvider(), ims_encrypted))
    ims_cmk = {**HUAWEI.capture, "share_with": project, "options": {"cmk_id": "kms-key"}}
    assert any("does not share encrypted images" in r for r in reasons(CustomImageProvider(), ims_cmk))
    ims_import = {**(HUAWEI.imports or {}), "share_with": project, "options": {"cmk_id": "kms-key"}}
    assert any("does not share encrypted images" in r for r in reasons(ImportedImageProvider(), ims_import))
    whole = {**HUAWEI.capture, "scope": "system+data", "options": {"vault_id": "44444444-0000-4000-8000-000000000001"}}
    eleven = [f"{n:032x}" for n in range(11)]
    assert any("at most 10" in r for r in reasons(CustomImageProvider(), {**whole, "share_with": eleven}))
    assert reasons(CustomImageProvider(), {**whole, "share_with": eleven[:10]}) == []
    ims_copy = {**(HUAWEI.copy or (lambda _: {}))("00000000-0000-4000-8000-000000000000"), "share_with": project}
    assert reasons(ImageRegionSetProvider(), ims_copy) == []
    two = reasons(ImageRegionSetProvider(), {**ims_copy, "regions": ["cn-east-3", "ap-southeast-1"]})
    assert any(r.startswith("share_with:") and "one ImageRegionSet per region" in r for r in two), two


def test_a_grant_removed_out_of_band_shows_on_refresh_and_the_next_up_restores_it(server: ProviderServer,
                                                                                   sim: Simulator) -> None:
    from aliyunsdkecs.request.v20140526.ModifyImageSharePermissionRequest import ModifyImageSharePermissionRequest

    from imageforge.simulator.alibaba.signing import ACCOUNTS
    from tests.sharing_cases import ECS_CASE as case, _ali_call

    receiver = case.accounts[0]
    image_id, state = capture(server, case, [receiver])
    revoke = ModifyImageSharePermissionRequest()
    revoke.set_ImageId(image_id)
    revoke.set_RemoveAccounts([receiver])
    _ali_call(sim, revoke, case.region, ACCOUNTS[0])
    program = {**case.capture, "owner": "share/sim/image", "share_with": [receiver]}
    _, outs, inputs = server.refresh(image_id, state, program)
    assert inputs["share_with"] == [] and outs["share_with"] == []
    mark = sim.mark()
    verdict, _ = server.change(CustomImageProvider(), image_id, outs, program)
    assert verdict.kind == "update"
    assert [vars(s) for s in shares_since(sim, case, mark)] == [vars(Shared(image_id, [receiver], []))]
    assert case.receiver_sees(sim, case.region) == {image_id}
