"""Huawei IMS check rules: pure, no cloud call, each failure naming the field, the rule and the fix.

Unknown options, wrong types and inputs IMS does not take are refused by the declarations
(providers/huawei/spec.py, proven in tests/contract); these are IMS's own semantic rules.
"""
from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime import rpc

from imageforge.providers.core.model import Identity
from imageforge.providers.core.registry import rules_for, spec_for
from imageforge.providers.huawei.rules import MAX_COPY_DESCRIPTION, RULES

LINUX = "11111111-0000-4000-8000-000000000001"


def capture(**extra: Any) -> dict[str, Any]:
    return {"cloud": "huawei", "service": "ims", "region": "cn-north-4", "name": "golden-web",
            "source": {"instance": LINUX}, "scope": "system", **extra}


def copy(**extra: Any) -> dict[str, Any]:
    return {"cloud": "huawei", "service": "ims", "region": "cn-north-4", "image_id": "img",
            "regions": ["cn-east-3", "ap-southeast-1"], "options": {"agency_name": "ims_admin_agency"}, **extra}


def fields(failures: list[Any]) -> list[str]:
    return [f.field for f in failures]


def test_registry_serves_these_rules_and_the_declaration() -> None:
    assert rules_for("huawei", "ims") is RULES and RULES.service_label == "Huawei Cloud IMS"
    assert {"cn-north-4", "cn-east-3", "ap-southeast-1", "af-south-1"} <= RULES.regions
    traits = spec_for("huawei", "ims").traits
    assert (traits.jobs, traits.recognised_by, traits.copies_recognised_by) == (True, "tag", "description")
    assert (traits.copies_cancellable, traits.copy_slots) == (False, 5)


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


def test_a_copys_description_leaves_room_for_the_identity_marker() -> None:
    marked = Identity("f" * 24).mark("d" * MAX_COPY_DESCRIPTION)
    assert len(marked) == 1024 and MAX_COPY_DESCRIPTION == 986
    assert RULES.validate_copy(copy(description="d" * 986)) == []
    failures = RULES.validate_copy(copy(description="d" * 987))
    assert fields(failures) == ["description"] and "986" in failures[0].reason and "marker" in failures[0].reason


def test_region_must_be_an_ims_region() -> None:
    failures = RULES.validate_capture(capture(region="cn-atlantis-1"))
    assert fields(failures) == ["region"] and "cn-atlantis-1" in failures[0].reason


def test_system_and_data_scope_needs_a_vault_and_only_it_takes_one() -> None:
    failures = RULES.validate_capture(capture(scope="system+data"))
    assert fields(failures) == ["options.vault_id"] and "CBR" in failures[0].reason
    assert RULES.validate_capture(capture(scope="system+data", options={"vault_id": "v-1"})) == []
    failures = RULES.validate_capture(capture(options={"vault_id": "v-1"}))
    assert fields(failures) == ["options.vault_id"] and "scope 'system+data'" in failures[0].reason


def test_source_must_name_the_ecs() -> None:
    failures = RULES.validate_capture(capture(source={}))
    assert fields(failures) == ["source"] and "instance" in failures[0].reason


@pytest.mark.parametrize("extra, field, fragment", [
    ({"encrypted": True}, "encrypted", "options.cmk_id"),
    ({"encrypted": False, "options": {"cmk_id": "k"}}, "options.cmk_id", "encrypted is false"),
    ({"encrypted": True, "scope": "system+data", "options": {"cmk_id": "k", "vault_id": "v"}}, "encrypted",
     "CreateWholeImage takes no key"),
    ({"scope": "system+data", "options": {"cmk_id": "k", "vault_id": "v"}}, "options.cmk_id", "scope 'system'"),
])
def test_encryption_is_a_kms_key_on_a_system_disk_image(extra: dict[str, Any], field: str, fragment: str) -> None:
    failures = RULES.validate_capture(capture(**extra))
    assert fields(failures) == [field] and fragment in failures[0].reason


def test_encryption_with_a_key_passes() -> None:
    assert RULES.validate_capture(capture(encrypted=True, options={"cmk_id": "key-1"})) == []
    assert RULES.validate_capture(capture(options={"cmk_id": "key-1"})) == []


def test_tag_limits() -> None:
    failures = RULES.validate_capture(capture(tags={f"k{n}": "v" for n in range(10)}))
    assert fields(failures) == ["tags"] and "at most 9" in failures[0].reason
    failures = RULES.validate_capture(capture(tags={"k" * 37: "v"}))
    assert fields(failures) == [f"tags.{'k' * 37}"] and "1-36" in failures[0].reason
    failures = RULES.validate_capture(capture(tags={"a.b": "v"}))
    assert fields(failures) == ["tags.a.b"] and "'key.value'" in failures[0].reason


def test_copy_destination_must_be_known() -> None:
    failures = RULES.validate_copy(copy(regions=["cn-east-3", "xx-nowhere-9"]))
    assert fields(failures) == ["regions[1]"] and "xx-nowhere-9" in failures[0].reason
    assert RULES.validate_copy(copy(regions=[{"region": "cn-east-3"}])) == []


def test_copy_agency_must_not_be_blank() -> None:
    failures = RULES.validate_copy(copy(options={"agency_name": "  "}))
    assert fields(failures) == ["options.agency_name"] and "IAM agency" in failures[0].reason


def test_per_region_options_name_listed_regions() -> None:
    failures = RULES.validate_copy(copy(options={"agency_name": "a", "project_names": {"cn-south-1": "x"},
                                                 "vault_ids": {"cn-east-3": "v"}}))
    assert fields(failures) == ["options.project_names.cn-south-1"] and "not in regions" in failures[0].reason


def test_project_ids_must_look_like_project_ids() -> None:
    failures = RULES.validate_copy(copy(options={"agency_name": "a", "project_ids": {"cn-east-3": "not-an-id"}}))
    assert fields(failures) == ["options.project_ids.cn-east-3"] and "32 lowercase hex" in failures[0].reason
    assert RULES.validate_copy(copy(options={"agency_name": "a", "project_ids": {"cn-east-3": "0" * 32}})) == []


def test_unknown_preview_values_pass() -> None:
    unknown = rpc.UNKNOWN
    assert RULES.validate_capture(capture(name=unknown, description=unknown, region=unknown, source=unknown)) == []
    assert RULES.validate_copy(copy(regions=[unknown, "cn-east-3"], options={"agency_name": unknown,
                                                                             "vault_ids": {"cn-south-1": "v"}})) == []
    assert RULES.validate_copy(copy(options=unknown)) == []
