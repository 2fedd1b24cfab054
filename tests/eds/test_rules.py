"""The EDS rules and declaration `check` applies with no cloud call: each refusal names the field, the rule and the fix."""
from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from pulumi.runtime import rpc

from imageforge.providers.alibaba.eds_rules import RULES, USER_DESCRIPTION_MAX
from imageforge.providers.alibaba.eds_spec import SPEC
from imageforge.providers.core import registry
from imageforge.providers.core.model import Identity
from imageforge.providers.core.service import CAPTURE, COPY, support_failures
from imageforge.providers.resources.schemas import CUSTOM_IMAGE, IMAGE_REGION_SET

from .conftest import DATA_SNAP, ENC, LNX, SYS_SNAP, WIN


def capture(**kw: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {"cloud": "alibaba", "service": "eds", "region": "cn-hangzhou", "name": "golden-desk",
                              "source": {"desktop": WIN}, "scope": "system"}
    inputs.update(kw)
    return inputs


def fields(inputs: dict[str, Any]) -> dict[str, str]:
    return {f.field: f.reason for f in RULES.validate_capture(inputs)}


def declared(inputs: dict[str, Any], operation: str = CAPTURE) -> dict[str, str]:
    """What the declaration refuses (before the rules)."""
    schema = CUSTOM_IMAGE if operation == CAPTURE else IMAGE_REGION_SET
    return {f.field: f.reason for f in support_failures(SPEC, operation, inputs, schema.generic)}


def test_registry_serves_these_rules_and_this_declaration_for_alibaba_eds() -> None:
    assert registry.rules_for("alibaba", "eds") is RULES
    assert registry.spec_for("alibaba", "eds") is SPEC
    assert RULES.service_label == SPEC.label == "Alibaba Cloud Elastic Desktop Service"
    assert {"cn-hangzhou", "cn-shanghai", "ap-southeast-1"} <= RULES.regions
    traits = SPEC.traits
    assert (traits.recognised_by, traits.copies_recognised_by, traits.tags, traits.copies_cancellable) == (
        "description", "description", False, True)


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


def test_the_marker_leaves_218_characters_for_the_description() -> None:
    marker_room = len(Identity("f" * 24).mark("x")) - 1
    assert marker_room == 38 and USER_DESCRIPTION_MAX == 256 - marker_room == 218
    assert len(Identity("f" * 24).mark("d" * USER_DESCRIPTION_MAX)) == 256  # exactly what EDS takes


@pytest.mark.parametrize(("description", "words"), [
    ("d" * 219, "219 characters"),
    ("http://example.com/desk", "URL scheme"),
    ("HTTPS://example.com", "URL scheme"),
    ("copied from [imageforge:abc]", "reserved"),
])
def test_bad_descriptions_are_refused_with_the_fix(description: str, words: str) -> None:
    for reason in (fields(capture(description=description))["description"],
                   {f.field: f.reason for f in RULES.validate_copy(copy_inputs(description=description))}["description"]):
        assert words in reason and "Fix:" in reason
        assert "reserved" in reason or ("2 to 256" in reason and "218" in reason and "identity marker" in reason)


def test_descriptions_that_pass() -> None:
    assert fields(capture(description="Office desktop, 2026-11: Chrome + Office")) == {}
    assert fields(capture(description=None)) == {}
    assert fields(capture(description="")) == {}
    assert fields(capture(description="x")) == {}  # sent as 'x [imageforge:<key>]': 39 characters
    assert fields(capture(description="d" * 218)) == {}


def test_encrypted_computer_with_cleanup_is_refused() -> None:
    for inputs in (capture(source={"desktop": ENC, "encrypted": True}),
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
    assert fields(capture(source={"desktop": LNX, "os_type": "linux"}, scope=None)) == {}  # no scope: system disk
    assert fields(capture(source={"desktop": LNX, "os_type": "linux"}, scope="system+data",
                          clean_personal_data=False)) == {}
    assert fields(capture(source={"desktop": ENC, "encrypted": True}, clean_personal_data=False)) == {}
    assert fields(capture(source={"desktop": WIN, "os_type": "windows"}, scope="system+data")) == {}
    assert fields(capture(source={"desktop": ENC, "encrypted": False})) == {}


def test_data_disk_snapshot_as_source_is_refused_when_its_type_is_given() -> None:
    reason = fields(capture(source={"snapshot": DATA_SNAP, "disk_type": "Data"}))["source.snapshot"]
    assert "data-disk snapshot" in reason and "system-disk" in reason and "data_snapshots" in reason
    assert fields(capture(source={"snapshot": SYS_SNAP, "disk_type": "system"})) == {}
    assert fields(capture(source={"snapshot": DATA_SNAP})) == {}  # unknown type: the adapter reads it
    assert "'system' or 'data'" in fields(capture(source={"snapshot": SYS_SNAP, "disk_type": "boot"}))["source.disk_type"]
    assert "describes a snapshot" in fields(capture(source={"desktop": WIN, "disk_type": "system"}))["source.disk_type"]


def test_source_shapes() -> None:
    assert "exactly one" in fields(capture(source={}))["source"]
    assert "exactly one" in fields(capture(source={"desktop": WIN, "snapshot": SYS_SNAP}))["source"]
    assert "source.data_snapshots" in fields(capture(source={"desktop": WIN, "data_snapshots": [DATA_SNAP]}))
    for scope in ("system", None):
        assert "system+data" in fields(capture(source={"snapshot": SYS_SNAP, "data_snapshots": [DATA_SNAP]},
                                               scope=scope))["scope"]
    assert fields(capture(source={"snapshot": SYS_SNAP, "data_snapshots": [DATA_SNAP]}, scope="system+data")) == {}


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"tags": {"team": "desk"}}, "tags", "TagResources covers cloud computers only"),
    ({"encrypted": True}, "encrypted", "source.encrypted"),
    ({"encrypted": False}, "encrypted", "source.encrypted"),
    ({"sysprep": True}, "sysprep", "no Sysprep step"),
    ({"force_poweroff": True}, "force_poweroff", "Running or Stopped"),
    ({"architecture": "x86_64"}, "architecture", "reads the architecture"),
    ({"source": {"instance": "i-bp1imageforgelnx01"}}, "source.instance", "service='ecs'"),
    ({"source": {"desktop": WIN, "snapshots": [SYS_SNAP]}}, "source.snapshots", "source.snapshot"),
    ({"source": {"desktop": WIN, "data_disks": ["d-1"]}}, "source.data_disks", "scope 'system+data'"),
    ({"options": {"image_family": "web"}}, "options.image_family", "options are: none"),
])
def test_the_declaration_refuses_what_eds_does_not_take(extra: dict[str, Any], field: str, words: str) -> None:
    reason = declared(capture(**extra))[field]
    assert words in reason and reason.startswith("Alibaba Cloud Elastic Desktop Service")
    assert "Fix:" in reason or "options are" in reason


def test_the_declaration_accepts_what_is_true_of_eds_anyway() -> None:
    assert declared(capture(sysprep=False, force_poweroff=False, tags={})) == {}
    assert declared(copy_inputs(), COPY) == {}
    reasons = declared(copy_inputs(tags={"team": "desk"}, encrypted=True), COPY)
    assert sorted(reasons) == ["encrypted", "tags"] and "CopyImage" in reasons["encrypted"]


def test_region_must_offer_eds() -> None:
    assert "cn-qingdao" in fields(capture(region="cn-qingdao"))["region"]  # an ECS region without EDS


def test_unknown_preview_values_pass() -> None:
    unknown = rpc.UNKNOWN
    assert fields(capture(name=unknown, description=unknown, source=unknown, clean_personal_data=unknown)) == {}
    assert fields(capture(source={"desktop": unknown, "encrypted": unknown, "os_type": unknown},
                          scope="system+data")) == {}
    assert fields(capture(source={"snapshot": SYS_SNAP, "data_snapshots": [DATA_SNAP]}, scope=unknown)) == {}


def copy_inputs(**kw: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {"cloud": "alibaba", "service": "eds", "region": "cn-hangzhou", "image_id": "m-1",
                              "regions": ["cn-shanghai", "ap-southeast-1", "cn-beijing"]}
    inputs.update(kw)
    return inputs


def copy(**kw: Any) -> dict[str, str]:
    return {f.field: f.reason for f in RULES.validate_copy(copy_inputs(**kw))}


def test_copy_rules() -> None:
    assert copy() == {}
    assert "cn-qingdao" in copy(regions=["cn-shanghai", "cn-qingdao"])["regions[1]"]
    assert "cn-qingdao" in copy(regions=[{"region": "cn-qingdao"}])["regions[0]"]
    assert "mars-1" in copy(region="mars-1")["region"]
    assert "name" in copy(name="http://copy")
    assert copy(name=None, description="x") == {}
    assert copy(regions=rpc.UNKNOWN) == {} and copy(regions=[rpc.UNKNOWN, "cn-shanghai"]) == {}


def test_rules_and_declaration_load_no_vendor_sdk() -> None:
    code = ("import sys, imageforge.providers.alibaba.eds_rules, imageforge.providers.alibaba.eds_mapping, "
            "imageforge.providers.alibaba.eds_spec;"
            "print([m for m in sys.modules if m.startswith(('alibabacloud', 'Tea', 'darabonba', 'aliyunsdk'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
