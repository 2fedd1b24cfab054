"""The simulated IMS records: what the previous release stored still reads, and what this one stores reads back."""
from __future__ import annotations

from typing import Any

from imageforge.simulator.core.lifecycle import Lifecycle
from imageforge.simulator.huawei.records import Image, Job, Server

T0 = 1796067150.0

# As the 0.1.0 simulator stored them (tests/compat/fixtures/0.1.0/state.db): flat timestamps, no lifecycle.
IMAGE_0_1_0: dict[str, Any] = {
    "cmk_id": "", "created": T0, "description": "Web tier golden image", "done_at": T0 + 600, "fail_at": None,
    "id": "b5be971b-0fe6-7cf2-700c-ce60045e9a3e", "imagetype": "private", "job_id": "cb539edafbae23cdad3cd73d2c417f25",
    "min_disk": 40, "name": "golden-web-2026-11", "os_type": "Linux", "os_version": "CentOS 7.9 64bit",
    "platform": "CentOS", "region": "cn-north-4", "saving_at": T0 + 60,
    "source": "instance,11111111-0000-4000-8000-000000000001", "tags": {"team": "platform"}, "updated": T0,
    "visible_at": T0 + 30, "whole": False,
}
JOB_0_1_0: dict[str, Any] = {
    "begin": T0, "end_at": T0 + 600, "error_code": "IMG.0014", "fail_at": None, "fail_reason": "An exception.",
    "image_id": IMAGE_0_1_0["id"], "image_name": "golden-web-2026-11", "job_id": "cb539edafbae23cdad3cd73d2c417f25",
    "job_type": "createImageByInstance", "region": "cn-north-4", "running_at": T0 + 10,
    "server_id": "11111111-0000-4000-8000-000000000001", "visible_at": T0 + 30,
}


def test_an_image_stored_by_0_1_0_reads_with_its_lifecycle() -> None:
    image = Image.from_record(IMAGE_0_1_0)
    assert image.life == Lifecycle(T0, 600.0, None) and image.tags == {"team": "platform"}
    assert [image.status(T0 + s) for s in (5, 45, 599, 600)] == ["queued", "saving", "saving", "active"]
    assert image.firmware == "bios" and image.extras == {}  # keys 0.1.0 never wrote take their defaults


def test_a_failing_job_stored_by_0_1_0_fails_when_it_said() -> None:
    job = Job.from_record({**JOB_0_1_0, "fail_at": T0 + 300})
    assert [job.status(T0 + s) for s in (5, 100, 299, 300)] == ["INIT", "RUNNING", "RUNNING", "FAIL"]
    assert job.ended_at(T0 + 299) is None and job.ended_at(T0 + 400) == T0 + 300
    assert Job.from_record(JOB_0_1_0).ended_at(T0 + 601) == T0 + 600


def test_records_read_back_what_they_store() -> None:
    image = Image("i-1", "golden", "cn-north-4", tags={"k": "v"}, created=T0, life=Lifecycle.start(T0, 600.0, True),
                  extras={"__os_version": "CentOS 8"}, architecture="arm", firmware="uefi")
    stored = image.to_record()
    assert stored["lifecycle"] == {"started_at": T0, "duration": 600.0, "fails_at": 0.5} and "life" not in stored
    assert Image.from_record(stored) == image and image.status(T0 + 300) == "killed"
    job = Job.from_record(JOB_0_1_0)
    assert Job.from_record(job.to_record()) == job
    server = Server("s-1", "golden", "cn-north-4", "ACTIVE", "Linux", "CentOS", "img", 40, "2026-01-01T00:00:00Z", "s6")
    assert Server.from_record({**server.to_record(), "retired_key": 1}) == server
