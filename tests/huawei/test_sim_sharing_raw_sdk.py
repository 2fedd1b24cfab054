"""IMS image members in the simulator, judged by the real huaweicloudsdkims: the owner's jobs, the member's answer
in its own project (the second test account), what each side reads, and what IMS refuses."""
from __future__ import annotations

from typing import Any

import pytest
from huaweicloudsdkims.v2 import (BatchAddMembersRequest, BatchAddMembersRequestBody, BatchDeleteMembersRequest,
                                  BatchUpdateMembersRequest, BatchUpdateMembersRequestBody,
                                  GlanceListImageMembersRequest, ListImageMembersRequest, ListImagesRequest)

from imageforge.simulator import Simulator
from imageforge.simulator.huawei.regions import PROJECTS, SECOND_PROJECTS, vault_id

from .conftest import BJ4, LINUX, SH3, VAULT
from .test_sim_raw_sdk import Clients, active_image, capture, job, refused

OTHER = SECOND_PROJECTS[BJ4]  # the second account's project in cn-north-4
STRANGER = "0123456789abcdef0123456789abcdef"  # a well-formed project no simulated account has


def receiver(sim: Simulator, region: str = BJ4) -> Any:
    """IMS signed as the second test account, in its own project of `region`."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkims.v2 import ImsClient

    creds = BasicCredentials("SIMULATORAK2", "simulator-secret-2", SECOND_PROJECTS[region])
    return ImsClient.new_builder().with_credentials(creds).with_endpoints([sim.endpoints["http"]]).build()


def finished(sim: Simulator, ims: Any, job_id: str) -> str:
    sim.advance(10)
    return str(job(ims, job_id).status)


def add(ims: Any, image_ids: list[str], projects: list[str]) -> str:
    body = BatchAddMembersRequestBody(images=image_ids, projects=projects)
    return str(ims.batch_add_members(BatchAddMembersRequest(body=body)).job_id)


def remove(ims: Any, image_ids: list[str], projects: list[str]) -> str:
    body = BatchAddMembersRequestBody(images=image_ids, projects=projects)
    return str(ims.batch_delete_members(BatchDeleteMembersRequest(body=body)).job_id)


def members(ims: Any, image_id: str) -> dict[str, str]:
    reply = ims.list_image_members(ListImageMembersRequest(image_id=image_id))
    return {m.member_id: m.status for m in reply.members}


def answer(ims: Any, image_ids: list[str], status: str, region: str = BJ4, **kw: Any) -> str:
    body = BatchUpdateMembersRequestBody(images=image_ids, project_id=SECOND_PROJECTS[region], status=status, **kw)
    return str(ims.batch_update_members(BatchUpdateMembersRequest(body=body)).job_id)


def shared_with_me(ims: Any, status: str | None = None) -> list[str]:
    return [i.id for i in ims.list_images(ListImagesRequest(imagetype="shared", member_status=status)).images]


def test_members_are_added_by_a_job_accepted_by_the_member_and_removed(sim: Simulator, clients: Clients) -> None:
    ims, other = clients(BJ4), receiver(sim)
    image_id = active_image(sim, ims, "golden-share")
    job_id = add(ims, [image_id], [OTHER, STRANGER])
    assert job(ims, job_id).job_type == "addImageMembers" and finished(sim, ims, job_id) == "SUCCESS"
    assert members(ims, image_id) == {OTHER: "pending", STRANGER: "pending"}
    glance = ims.glance_list_image_members(GlanceListImageMembersRequest(image_id=image_id)).members
    assert {(m.member_id, m.status, m.image_id) for m in glance} == {(OTHER, "pending", image_id),
                                                                     (STRANGER, "pending", image_id)}
    assert shared_with_me(other) == [] and shared_with_me(other, "pending") == [image_id]

    assert finished(sim, other, answer(other, [image_id], "accepted")) == "SUCCESS"
    assert members(ims, image_id)[OTHER] == "accepted"
    seen = other.list_images(ListImagesRequest(imagetype="shared")).images
    assert [(i.id, i.imagetype) for i in seen] == [(image_id, "shared")]
    assert shared_with_me(receiver(sim, SH3)) == []  # shared within its region only

    assert finished(sim, ims, remove(ims, [image_id], [OTHER])) == "SUCCESS"
    assert members(ims, image_id) == {STRANGER: "pending"} and shared_with_me(other) == []


def test_a_rejected_member_stays_a_member_until_the_owner_removes_it(sim: Simulator, clients: Clients) -> None:
    ims, other = clients(BJ4), receiver(sim)
    image_id = active_image(sim, ims, "golden-reject")
    finished(sim, ims, add(ims, [image_id], [OTHER]))
    finished(sim, other, answer(other, [image_id], "rejected"))
    assert members(ims, image_id) == {OTHER: "rejected"}
    assert shared_with_me(other) == [] and shared_with_me(other, "rejected") == [image_id]
    finished(sim, other, answer(other, [image_id], "accepted"))  # a rejected image can be accepted again
    assert shared_with_me(other) == [image_id]


def test_adding_a_member_twice_or_removing_a_stranger_changes_nothing(sim: Simulator, clients: Clients) -> None:
    ims = clients(BJ4)
    image_id = active_image(sim, ims, "golden-twice")
    finished(sim, ims, add(ims, [image_id], [OTHER]))
    assert finished(sim, ims, add(ims, [image_id], [OTHER])) == "SUCCESS"
    assert finished(sim, ims, remove(ims, [image_id], [STRANGER])) == "SUCCESS"
    assert members(ims, image_id) == {OTHER: "pending"}


def test_a_failed_member_job_changes_nothing(sim: Simulator, clients: Clients) -> None:
    ims = clients(BJ4)
    image_id = active_image(sim, ims, "golden-fail")
    sim.inject("huawei-ims", "BatchAddMembers", "fail", region=BJ4)
    job_id = add(ims, [image_id], [OTHER])
    assert finished(sim, ims, job_id) == "FAIL" and job(ims, job_id).error_code
    assert members(ims, image_id) == {}


def test_a_shared_image_is_deleted_with_its_members(sim: Simulator, clients: Clients) -> None:
    """IMS deletes an image shared with projects without asking its members; they lose it."""
    from huaweicloudsdkims.v2 import GlanceDeleteImageRequest, GlanceDeleteImageRequestBody

    ims, other = clients(BJ4), receiver(sim)
    image_id = active_image(sim, ims, "golden-gone")
    finished(sim, ims, add(ims, [image_id], [OTHER]))
    finished(sim, other, answer(other, [image_id], "accepted"))
    ims.glance_delete_image(GlanceDeleteImageRequest(image_id=image_id, body=GlanceDeleteImageRequestBody()))
    assert shared_with_me(other) == []
    assert refused(lambda: members(ims, image_id)).error_code == "IMG.0144"


def test_sharing_refuses_what_ims_refuses(sim: Simulator, clients: Clients) -> None:
    ims, other = clients(BJ4), receiver(sim)
    image_id = active_image(sim, ims, "golden-refuse")
    assert refused(lambda: add(ims, [image_id], ["not-a-project"])).error_code == "IMG.0001"
    assert refused(lambda: add(ims, [image_id], [PROJECTS[BJ4]])).error_code == "IMG.0001"  # its own project
    assert refused(lambda: add(ims, ["00000000-0000-4000-8000-000000000000"], [OTHER])).error_code == "IMG.0144"
    many = [f"{n:032x}" for n in range(257)]
    assert refused(lambda: add(ims, [image_id], many)).error_code == "IMG.0088"
    creating = capture(ims, "golden-creating", LINUX)
    sim.advance(20)
    making = job(ims, creating).entities.image_id
    assert refused(lambda: add(ims, [making], [OTHER])).error_code == "IMG.0046"
    sim.advance(1000)
    encrypted = active_image_with(sim, ims, "golden-cmk", cmk_id="kms-share-key")
    assert refused(lambda: add(ims, [encrypted], [OTHER])).error_code == "IMG.0105"
    # the member answers only for its own project, and only for images shared with it
    body = BatchUpdateMembersRequestBody(images=[image_id], project_id=OTHER, status="maybe")
    assert refused(lambda: other.batch_update_members(BatchUpdateMembersRequest(body=body))).error_code == "IMG.0001"
    assert refused(lambda: answer(other, [image_id], "accepted")).error_code == "IMG.0144"


def test_a_full_ecs_image_has_ten_members_and_its_member_accepts_into_a_vault(sim: Simulator,
                                                                             clients: Clients) -> None:
    from huaweicloudsdkims.v2 import CreateWholeImageRequest, CreateWholeImageRequestBody

    ims, other = clients(BJ4), receiver(sim)
    body = CreateWholeImageRequestBody(name="golden-whole-share", instance_id=LINUX, vault_id=VAULT)
    job_id = ims.create_whole_image(CreateWholeImageRequest(body=body)).job_id
    sim.advance(2000)
    image_id = job(ims, job_id).entities.image_id
    assert refused(lambda: add(ims, [image_id], [f"{n:032x}" for n in range(11)])).error_code == "IMG.0088"
    finished(sim, ims, add(ims, [image_id], [OTHER]))
    assert refused(lambda: answer(other, [image_id], "accepted")).error_code == "IMG.0001"  # no vault_id
    finished(sim, other, answer(other, [image_id], "accepted", vault_id=vault_id(BJ4)))
    assert members(ims, image_id) == {OTHER: "accepted"}


def test_a_project_of_another_account_is_refused_at_the_gateway(sim: Simulator) -> None:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkims.v2 import ImsClient

    creds = BasicCredentials("SIMULATORAK2", "simulator-secret-2", PROJECTS[BJ4])  # the first account's project
    ims = ImsClient.new_builder().with_credentials(creds).with_endpoints([sim.endpoints["http"]]).build()
    err = refused(lambda: ims.list_images(ListImagesRequest(imagetype="private")))
    assert err.status_code == 401 and err.error_code == "APIGW.0301"


def active_image_with(sim: Simulator, ims: Any, name: str, **kw: Any) -> str:
    job_id = capture(ims, name, LINUX, **kw)
    sim.advance(1000)
    return str(job(ims, job_id).entities.image_id)


@pytest.fixture(autouse=True)
def _quiet_clock(sim: Simulator) -> None:
    """Each test starts with no capture running on the seeded server (earlier tests' jobs have ended)."""
    sim.advance(2000)
