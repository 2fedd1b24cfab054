"""Huawei IMS check rules: pure, no cloud call, each failure naming the field, the rule and the fix."""
from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime import rpc

from imageforge.providers.core.registry import rules_for
from imageforge.providers.huawei.rules import RULES

LINUX = "11111111-0000-4000-8000-000000000001"


def capture(**extra: Any) -> dict[str, Any]:
    return {"cloud": "huawei", "service": "ims", "region": "cn-north-4", "name": "golden-web",
            "source": {"instance": LINUX}, "scope": "system", **extra}


def copy(**extra: Any) -> dict[str, Any]:
    return {"cloud": "huawei", "service": "ims", "region": "cn-north-4", "image_id": "img",
            "regions": ["cn-east-3", "ap-southeast-1"], "options": {"agency_name": "ims_admin_agency"}, **extra}


def fields(failures: list[Any]) -> list[str]:
    return [f.field for f in failures]


def test_registry_serves_these_rules() -> None:
    assert rules_for("huawei", "ims") is RULES and RULES.service_label == "Huawei Cloud IMS"
    assert {"cn-north-4", "cn-east-3", "ap-southeast-1", "af-south-1"} <= RULES.regions


def test_a_good_capture_and_copy_pass() -> None:
    assert RULES.validate_capture(capture(description="web tier", tags={"team": "web"})) == []
    assert RULES.validate_capture(capture(name="金色 image_v1.2-final")) == []
    assert RULES.validate_copy(copy(name="golden copy", description="d")) == []


@pytest.mark.parametrize("name, fragment", [
    ("", "1 to 128 characters"),
    ("x" * 129, "129 characters"),
    (" leading", "does not start with"),
    ("trailing ", "ends with a space"),
    ("slash/name", "'/'"),
    ("colon:name", "':'"),
    ("http://x", "not allowed"),
])
def test_name_rules(name: str, fragment: str) -> None:
    failures = RULES.validate_capture(capture(name=name))
    assert fields(failures) == ["name"] and fragment in failures[0].reason
    assert "Rule" in failures[0].reason


def test_name_of_128_characters_passes() -> None:
    assert RULES.validate_capture(capture(name="a" * 128)) == []


@pytest.mark.parametrize("description, fragment", [
    ("d" * 1025, "at most 1024"),
    ("<b>bold</b>", "'<'"),
    ("two\nlines", "line breaks"),
])
def test_description_rules(description: str, fragment: str) -> None:
    failures = RULES.validate_capture(capture(description=description))
    assert fields(failures) == ["description"] and fragment in failures[0].reason
    assert RULES.validate_capture(capture(description="d" * 1024)) == []


def test_region_must_be_an_ims_region() -> None:
    failures = RULES.validate_capture(capture(region="cn-atlantis-1"))
    assert fields(failures) == ["region"] and "cn-atlantis-1" in failures[0].reason


def test_system_and_data_scope_needs_a_vault() -> None:
    failures = RULES.validate_capture(capture(scope="system+data"))
    assert fields(failures) == ["options"] and "vault_id" in failures[0].reason and "CBR" in failures[0].reason
    assert RULES.validate_capture(capture(scope="system+data", options={"vault_id": "v-1"})) == []


def test_source_must_be_an_ecs() -> None:
    for source in ({"snapshot": "s-1"}, {"desktop": "ecd-1"}, {"instance": LINUX, "data_snapshots": ["s-2"]}, {}):
        failures = RULES.validate_capture(capture(source=source))
        assert fields(failures) == ["source"] and "instance" in failures[0].reason


def test_encrypted_capture_needs_a_kms_key() -> None:
    failures = RULES.validate_capture(capture(encrypted=True))
    assert fields(failures) == ["encrypted"] and "cmk_id" in failures[0].reason
    assert RULES.validate_capture(capture(encrypted=True, options={"cmk_id": "key-1"})) == []


def test_tag_limits() -> None:
    failures = RULES.validate_capture(capture(tags={f"k{n}": "v" for n in range(10)}))
    assert fields(failures) == ["tags"] and "at most 9" in failures[0].reason
    failures = RULES.validate_capture(capture(tags={"k" * 37: "v"}))
    assert fields(failures) == ["tags"] and "1-36" in failures[0].reason


def test_copy_destination_must_differ_from_source() -> None:
    failures = RULES.validate_copy(copy(regions=["cn-east-3", "cn-north-4"]))
    assert fields(failures) == ["regions"] and "source region" in failures[0].reason


def test_copy_destination_must_be_known() -> None:
    failures = RULES.validate_copy(copy(regions=["cn-east-3", "xx-nowhere-9"]))
    assert fields(failures) == ["regions"] and "xx-nowhere-9" in failures[0].reason
    assert RULES.validate_copy(copy(regions=[{"region": "cn-east-3"}])) == []


def test_encrypted_images_are_not_copied() -> None:
    failures = RULES.validate_copy(copy(encrypted=True))
    assert fields(failures) == ["encrypted"] and "cannot copy encrypted" in failures[0].reason


def test_images_over_128_gb_are_not_copied() -> None:
    failures = RULES.validate_copy(copy(options={"agency_name": "a", "size_gb": 200}))
    assert fields(failures) == ["options"] and "128 GB" in failures[0].reason
    assert RULES.validate_copy(copy(options={"agency_name": "a", "size_gb": 128})) == []


def test_copy_needs_an_agency() -> None:
    for options in ({}, {"agency_name": ""}, {"agency_name": "  "}):
        failures = RULES.validate_copy(copy(options=options))
        assert fields(failures) == ["options"] and "agency_name" in failures[0].reason


def test_project_ids_must_look_like_project_ids() -> None:
    failures = RULES.validate_copy(copy(options={"agency_name": "a", "project_ids": {"cn-east-3": "not-an-id"}}))
    assert fields(failures) == ["options"] and "32 lowercase hex" in failures[0].reason
    assert RULES.validate_copy(copy(options={"agency_name": "a", "project_ids": {"cn-east-3": "0" * 32}})) == []


def test_unknown_preview_values_pass() -> None:
    unknown = rpc.UNKNOWN
    assert RULES.validate_capture(capture(name=unknown, description=unknown, region=unknown, source=unknown)) == []
    assert RULES.validate_copy(copy(regions=[unknown, "cn-east-3"], options={"agency_name": unknown})) == []
