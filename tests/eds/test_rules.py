"""The EDS rules `check` applies with no cloud call: each refusal names the field, the rule and the fix."""
from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from pulumi.runtime import rpc

from imageforge.providers.alibaba.eds_rules import RULES
from imageforge.providers.core import registry

from .conftest import DATA_SNAP, ENC, LNX, SYS_SNAP, WIN


def capture(**kw: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {"cloud": "alibaba", "service": "eds", "region": "cn-hangzhou", "name": "golden-desk",
                              "source": {"desktop": WIN}, "scope": "system"}
    inputs.update(kw)
    return inputs


def fields(inputs: dict[str, Any]) -> dict[str, str]:
    return {f.field: f.reason for f in RULES.validate_capture(inputs)}


def test_registry_serves_these_rules_for_alibaba_eds() -> None:
    assert registry.rules_for("alibaba", "eds") is RULES
    assert RULES.service_label == "Alibaba Cloud Elastic Desktop Service"
    assert {"cn-hangzhou", "cn-shanghai", "ap-southeast-1"} <= RULES.regions


@pytest.mark.parametrize("name", ["golden-desk", "Golden.v1:build_2", "ab", "a" * 128, "黄金镜像-1"])
def test_good_names_pass(name: str) -> None:
    assert fields(capture(name=name)) == {}


@pytest.mark.parametrize(("name", "words"), [
    ("g", "1 characters"),
    ("a" * 129, "129 characters"),
    ("1golden", "does not start with a letter"),
    ("-golden", "does not start with a letter"),
    ("http://golden", "http://"),
    ("https://golden", "https://"),
    ("golden desk", "' '"),
    ("golden/desk", "'/'"),
])
def test_bad_names_are_refused_with_the_rule(name: str, words: str) -> None:
    reason = fields(capture(name=name))["name"]
    assert words in reason and "2 to 128 characters" in reason and "start with a letter" in reason


@pytest.mark.parametrize(("description", "words"), [
    ("x", "1 characters"),
    ("d" * 257, "257 characters"),
    ("http://example.com/desk", "URL scheme"),
    ("HTTPS://example.com", "URL scheme"),
])
def test_bad_descriptions_are_refused_with_the_fix(description: str, words: str) -> None:
    reason = fields(capture(description=description))["description"]
    assert words in reason and "2 to 256" in reason and "Fix:" in reason


def test_descriptions_that_pass() -> None:
    assert fields(capture(description="Office desktop, 2026-11: Chrome + Office")) == {}
    assert fields(capture(description=None)) == {}  # omitted: the name is used
    assert fields(capture(description="d" * 256)) == {}


def test_encrypted_computer_with_cleanup_is_refused() -> None:
    for inputs in (capture(source={"desktop": ENC, "encrypted": True}),
                   capture(source={"desktop": ENC}, encrypted=True),
                   capture(source={"desktop": ENC, "encrypted": True}, clean_personal_data=True)):
        reason = fields(inputs)["clean_personal_data"]
        assert "encrypted" in reason and "clean_personal_data: false" in reason


def test_linux_system_and_data_with_cleanup_is_refused() -> None:
    reason = fields(capture(source={"desktop": LNX, "os_type": "Linux"}, scope="system+data"))["clean_personal_data"]
    assert "Linux" in reason and "scope='system'" in reason and "clean_personal_data: false" in reason
    snap = capture(source={"snapshot": SYS_SNAP, "os_type": "linux", "data_snapshots": [DATA_SNAP]}, scope="system+data")
    assert "clean_personal_data" in fields(snap)


def test_cleanup_cases_that_pass() -> None:
    assert fields(capture(source={"desktop": LNX, "os_type": "linux"}, scope="system")) == {}
    assert fields(capture(source={"desktop": LNX, "os_type": "linux"}, scope="system+data",
                          clean_personal_data=False)) == {}
    assert fields(capture(source={"desktop": ENC, "encrypted": True}, clean_personal_data=False)) == {}
    assert fields(capture(source={"desktop": WIN, "os_type": "windows"}, scope="system+data")) == {}
    assert fields(capture(source={"desktop": ENC, "encrypted": False})) == {}
    assert fields(capture(source={"desktop": WIN}, clean_personal_data="yes")) == {
        "clean_personal_data": "must be true or false."}


def test_data_disk_snapshot_as_source_is_refused_when_its_type_is_given() -> None:
    reason = fields(capture(source={"snapshot": DATA_SNAP, "disk_type": "Data"}))["source.snapshot"]
    assert "data-disk snapshot" in reason and "system-disk" in reason and "data_snapshots" in reason
    assert fields(capture(source={"snapshot": SYS_SNAP, "disk_type": "system"})) == {}
    assert fields(capture(source={"snapshot": DATA_SNAP})) == {}  # unknown type: the adapter and the cloud decide


def test_source_shapes() -> None:
    assert "exactly one" in fields(capture(source={}))["source"]
    assert "exactly one" in fields(capture(source={"desktop": WIN, "snapshot": SYS_SNAP}))["source"]
    assert "service='ecs'" in fields(capture(source={"instance": "i-bp1imageforgelnx01"}))["source.instance"]
    assert "source.data_snapshots" in fields(capture(source={"desktop": WIN, "data_snapshots": [DATA_SNAP]}))
    assert "system+data" in fields(capture(source={"snapshot": SYS_SNAP, "data_snapshots": [DATA_SNAP]}))["scope"]
    assert fields(capture(source={"snapshot": SYS_SNAP, "data_snapshots": [DATA_SNAP]}, scope="system+data")) == {}
    assert "sysprep" in fields(capture(sysprep=True))
    assert "'system' " in fields(capture(scope="everything"))["scope"]


def test_region_must_offer_eds() -> None:
    assert "cn-qingdao" in fields(capture(region="cn-qingdao"))["region"]  # an ECS region without EDS


def test_unknown_preview_values_pass() -> None:
    unknown = rpc.UNKNOWN
    assert fields(capture(name=unknown, description=unknown, source=unknown, clean_personal_data=unknown)) == {}
    assert fields(capture(source={"desktop": unknown, "encrypted": unknown, "os_type": unknown},
                          scope="system+data")) == {}


def copy(**kw: Any) -> dict[str, str]:
    inputs: dict[str, Any] = {"cloud": "alibaba", "service": "eds", "region": "cn-hangzhou", "image_id": "m-1",
                              "regions": ["cn-shanghai", "ap-southeast-1", "cn-beijing"]}
    inputs.update(kw)
    return {f.field: f.reason for f in RULES.validate_copy(inputs)}


def test_copy_rules() -> None:
    assert copy() == {}
    assert "must differ" in copy(regions=["cn-shanghai", "cn-hangzhou"])["regions[1]"]
    assert "twice" in copy(regions=["cn-shanghai", "cn-shanghai"])["regions[1]"]
    assert "cn-qingdao" in copy(regions=["cn-qingdao"])["regions[0]"]
    assert "plain region ids" in copy(regions=[{"region": "cn-shanghai", "replicas": 2}])["regions[0]"]
    assert "name" in copy(name="http://copy")
    assert "description" in copy(description="x")
    assert copy(regions=rpc.UNKNOWN) == {}


def test_rules_module_loads_no_vendor_sdk() -> None:
    code = ("import sys, imageforge.providers.alibaba.eds_rules, imageforge.providers.alibaba.eds_mapping;"
            "print([m for m in sys.modules if m.startswith(('alibabacloud', 'Tea', 'darabonba', 'aliyunsdk'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
