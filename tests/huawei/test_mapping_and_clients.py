"""Huawei vocabulary tables and client construction for the real cloud (no network, no simulator)."""
from __future__ import annotations

import pytest

from imageforge.providers.core import errors
from imageforge.providers.core.model import ImageStatus, JobStatus, Target
from imageforge.providers.huawei import client as hw_client, mapping
from imageforge.providers.huawei.client import Clients

PROJECT = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"


@pytest.mark.parametrize("code, status, cls", [
    ("APIGW.0308", 429, errors.Throttled),
    ("429", 429, errors.Throttled),
    ("IMG.0060", 400, errors.Throttled),
    ("IMG.0144", 400, errors.NotFound),
    ("Ecs.0114", 404, errors.NotFound),
    ("IMG.0090", 400, errors.InvalidState),
    ("IMG.0003", 400, errors.InvalidArgument),
    ("IMG.0015", 400, errors.QuotaExceeded),
    ("APIGW.0301", 401, errors.AuthFailed),
    ("IMG.0105", 400, errors.Unsupported),
    ("IMG.0061", 500, errors.ServiceUnavailable),
    ("IMG.9999", 503, errors.ServiceUnavailable),
    ("IMG.9999", 404, errors.NotFound),
    ("IMG.9999", 403, errors.AuthFailed),
    ("IMG.9999", 400, errors.CloudError),
    ("SDK.ConnectionError", None, errors.ServiceUnavailable),
    ("SDK.Timeout", None, errors.ServiceUnavailable),
])
def test_error_table(code: str, status: int | None, cls: type[errors.CloudError]) -> None:
    assert mapping.TABLE.classify(code, status) is cls


def test_errors_are_built_once_typed_and_redacted() -> None:
    err = mapping.TABLE.build("slow down", code="APIGW.0308", status=429, vendor="huawei-ims", operation="ListImages",
                              request_id="r-1")
    assert isinstance(err, errors.Throttled) and err.retryable and err.request_id == "r-1" and err.code == "APIGW.0308"
    assert mapping.TABLE.build("x", code="X", status=502).retryable
    assert not mapping.TABLE.build("x", code="IMG.0144", status=400).retryable


def test_status_tables_default_to_unknown() -> None:
    assert [mapping.image_status(s) for s in ("queued", "saving", "active", "killed", "deleted")] == [
        ImageStatus.CREATING, ImageStatus.CREATING, ImageStatus.AVAILABLE, ImageStatus.FAILED, ImageStatus.DELETED]
    assert mapping.image_status("melting") is ImageStatus.UNKNOWN
    assert [mapping.job_state(s) for s in ("INIT", "RUNNING", "SUCCESS", "FAIL")] == [
        JobStatus.RUNNING, JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED]
    assert mapping.job_state("PAUSED") == JobStatus.RUNNING  # not an end: the waiter keeps looking, within its deadline
    assert mapping.job_percent(0.42) == 42.0 and mapping.job_percent(None) is None and mapping.job_percent("x") is None


def test_tags_and_sizes() -> None:
    assert mapping.tags_of(["team.web", "key.v.1", "bare"]) == {"team": "web", "key": "v.1", "bare": ""}
    assert mapping.tags_of(None) == {} and mapping.gigabytes(40) == 40 and mapping.gigabytes(None) is None


@pytest.fixture
def cloud_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID", "HW_ACCESS_KEY",
                 "HW_SECRET_KEY", "HW_PROJECT_ID", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HW_ACCESS_KEY", "AKTEST")
    monkeypatch.setenv("HW_SECRET_KEY", "sk-test")
    monkeypatch.setenv("HW_PROJECT_ID", PROJECT)
    monkeypatch.setattr(hw_client, "_PROJECT_IDS", {})


def test_cloud_clients_use_the_region_endpoint_and_project(cloud_env: None) -> None:
    clients = Clients(Target("huawei", "ims", "cn-north-4", "cloud"))
    ims = clients.ims("cn-north-4")
    assert ims._endpoints == ["https://ims.cn-north-4.myhuaweicloud.com"]
    assert ims._credentials.project_id == PROJECT and ims._credentials.ak == "AKTEST"
    assert ims.get_http_client().config.retry_times == 0
    assert clients.ecs("cn-north-4")._endpoints == ["https://ecs.cn-north-4.myhuaweicloud.com"]


def test_copy_destinations_take_project_ids_from_options(cloud_env: None) -> None:
    clients = Clients(Target("huawei", "ims", "cn-north-4", "cloud"))
    assert clients.project_id("cn-east-3") is None  # left to the SDK's IAM lookup
    hw_client.remember_projects({"cn-east-3": OTHER})
    assert clients.project_id("cn-east-3") == OTHER
    assert clients.ims("cn-east-3")._credentials.project_id == OTHER


def test_unknown_cloud_region_is_refused(cloud_env: None) -> None:
    with pytest.raises(errors.InvalidArgument):
        Clients(Target("huawei", "ims", "mars-north-1", "cloud")).ims("mars-north-1")


def test_missing_credentials_name_every_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(errors.CredentialsMissing) as caught:
        Clients(Target("huawei", "ims", "cn-north-4", "cloud")).ims("cn-north-4")
    assert "HUAWEICLOUD_SDK_AK or HW_ACCESS_KEY" in str(caught.value)
