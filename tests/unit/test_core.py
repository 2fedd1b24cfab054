"""Timeouts, credentials, mappings and name rules: pure functions, no cloud."""
from __future__ import annotations

import pytest

from imageforge.providers.alibaba import ecs_mapping
from imageforge.providers.alibaba.ecs_rules import IMAGE_NAME, RULES
from imageforge.providers.alibaba.auth import CREDENTIALS as ALIBABA_CREDENTIALS
from imageforge.providers.core import credentials, errors
from imageforge.providers.core.model import ImageStatus
from imageforge.providers.core.timeouts import CAPTURE_DEFAULTS, Timeouts, parse_duration


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("45m", 2700), ("2h", 7200), ("1h30m", 5400), (120, 120), ("600", 600)])
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["ten minutes", "5x", "", "-3", 0, True])
def test_parse_duration_refuses_with_the_accepted_forms(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)  # type: ignore[arg-type]


def test_timeouts_from_input() -> None:
    t = Timeouts.from_input({"create": "2h"}, CAPTURE_DEFAULTS)
    assert t.create == 7200 and t.delete == CAPTURE_DEFAULTS.delete
    with pytest.raises(ValueError, match="creat"):
        Timeouts.from_input({"creat": "1h"}, CAPTURE_DEFAULTS)


def test_alibaba_credentials_from_either_name() -> None:
    creds = credentials.resolve(ALIBABA_CREDENTIALS, environ={"ALICLOUD_ACCESS_KEY": "id1", "ALICLOUD_SECRET_KEY": "s1"})
    assert creds.get("access_key_id") == "id1" and "s1" not in repr(creds)
    creds = credentials.resolve(ALIBABA_CREDENTIALS, environ={"ALIBABA_CLOUD_ACCESS_KEY_ID": "id2", "ALICLOUD_ACCESS_KEY": "id1",
                                                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s2"})
    assert creds.get("access_key_id") == "id2"


def test_missing_credentials_name_every_variable() -> None:
    with pytest.raises(errors.CredentialsMissing) as caught:
        credentials.resolve(ALIBABA_CREDENTIALS, environ={})
    message = str(caught.value)
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"):
        assert name in message


def test_simulated_credentials_never_use_real_keys() -> None:
    creds = credentials.resolve(ALIBABA_CREDENTIALS, simulated=True, environ={"ALIBABA_CLOUD_ACCESS_KEY_ID": "REAL"})
    assert creds.get("access_key_id") != "REAL"


def test_ecs_status_and_error_tables() -> None:
    assert ecs_mapping.image_status("Available") is ImageStatus.AVAILABLE
    assert ecs_mapping.image_status("CreateFailed") is ImageStatus.FAILED
    assert ecs_mapping.image_status("SomethingNew") is ImageStatus.UNKNOWN
    assert ecs_mapping.progress("57%") == 57 and ecs_mapping.progress("") is None
    assert ecs_mapping.TABLE.classify("Throttling.User", 400) is errors.Throttled
    assert ecs_mapping.TABLE.classify("InvalidImageId.NotFound", 404) is errors.NotFound
    assert ecs_mapping.TABLE.classify("Whatever", 503) is errors.ServiceUnavailable
    assert errors.Throttled("x").retryable and not errors.NotFound("x").retryable


@pytest.mark.parametrize("name,ok", [("golden-1", True), ("Golden_v2.0:x", True), ("g", False), ("1golden", False),
                                     ("http://x", False), ("golden image", False), ("a" * 128, True), ("a" * 129, False)])
def test_ecs_image_name_rule(name: str, ok: bool) -> None:
    assert (IMAGE_NAME.check("name", name) is None) is ok


def test_ecs_rules_name_fields() -> None:
    failures = RULES.validate_capture({"name": "golden", "region": "cn-hangzhou", "source": {"instance": "i-1", "snapshot": "s-1"}})
    assert [f.field for f in failures] == ["source"]
    failures = RULES.validate_copy({"region": "cn-hangzhou", "regions": ["cn-shanghai", "mars-1"]})
    assert [f.field for f in failures] == ["regions[1]"]


def test_a_missing_vendor_sdk_names_the_extra_to_install() -> None:
    import dataclasses

    from imageforge.providers.core import registry
    from imageforge.providers.core.model import Target

    real = registry.SERVICES[("tencent", "cvm")]
    assert registry.missing_sdk(real) == []
    fake = dataclasses.replace(real, sdk=("tencentcloud.cvm", "no_such_vendor_sdk.sub"))
    assert registry.missing_sdk(fake) == ["no_such_vendor_sdk.sub"]
    registry.SERVICES[("tencent", "cvm")] = fake
    try:
        with pytest.raises(errors.Unsupported) as caught:
            registry.adapter_for(Target("tencent", "cvm", "ap-guangzhou"), object)
        assert "pip install 'imageforge[tencent]'" in str(caught.value)
    finally:
        registry.SERVICES[("tencent", "cvm")] = real


def test_missing_credentials_name_each_missing_piece_with_its_own_variables() -> None:
    with pytest.raises(errors.CredentialsMissing) as caught:
        credentials.resolve(ALIBABA_CREDENTIALS, environ={"ALICLOUD_ACCESS_KEY": "LTAIexample"})
    message = str(caught.value)
    assert "the access key secret from ALIBABA_CLOUD_ACCESS_KEY_SECRET or ALICLOUD_SECRET_KEY" in message
    assert "access key id" not in message and "LTAIexample" not in message
    with pytest.raises(errors.CredentialsMissing) as both:
        credentials.resolve(ALIBABA_CREDENTIALS, environ={})
    assert ("the access key id from ALIBABA_CLOUD_ACCESS_KEY_ID or ALICLOUD_ACCESS_KEY; the access key secret from "
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET or ALICLOUD_SECRET_KEY") in str(both.value)
