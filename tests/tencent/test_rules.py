"""The pure Tencent CVM rules `check` applies before any cloud call."""
from __future__ import annotations

import subprocess
import sys

import pytest
from pulumi.runtime import rpc

from imageforge.providers.core import registry
from imageforge.providers.tencent.rules import RULES

BASE = {"cloud": "tencent", "service": "cvm", "region": "ap-guangzhou", "name": "golden-web",
        "source": {"instance": "ins-gzlnx001"}}
COPY = {"cloud": "tencent", "service": "cvm", "region": "ap-guangzhou", "image_id": "img-abcdefgh",
        "regions": ["ap-shanghai", "ap-beijing", "ap-singapore", "ap-tokyo"]}


def capture(**changes: object) -> dict[str, str]:
    return {f.field: f.reason for f in RULES.validate_capture({**BASE, **changes})}


def copy(**changes: object) -> dict[str, str]:
    return {f.field: f.reason for f in RULES.validate_copy({**COPY, **changes})}


def test_the_registry_finds_these_rules():
    assert registry.rules_for("tencent", "cvm") is RULES
    assert RULES.service_label == "Tencent Cloud CVM" and {"ap-guangzhou", "ap-shanghai", "ap-beijing"} <= RULES.regions


def test_good_inputs_pass():
    assert capture() == {}
    assert capture(source={"snapshot": "snap-gzsys001", "data_snapshots": ["snap-gzdat001"]}, scope="system+data") == {}
    assert capture(source={"snapshots": ["snap-gzsys001", "snap-gzdat001"]}) == {}
    assert capture(source={"instance": "ins-gzwin001", "data_disks": ["disk-gzlnxd01"]}, scope="system+data",
                   sysprep=True, force_poweroff=True, tags={"team": "web"}, options={"image_family": "web"}) == {}
    assert copy() == {}


@pytest.mark.parametrize("name,ok", [("n" * 60, True), ("n" * 61, False), ("", False), ("金色镜像-1", True),
                                     ("tab\there", False)])
def test_name_is_at_most_60_characters_as_the_sdk_docs_say(name, ok):
    failures = capture(name=name)
    assert ("name" not in failures) is ok
    if not ok and name:
        assert "60" in failures["name"] or "not allowed" in failures["name"]


def test_description_is_at_most_256_characters():
    assert capture(description="d" * 256) == {}
    assert "256" in capture(description="d" * 257)["description"]


def test_snapshots_must_not_be_combined_with_an_instance():
    reason = capture(source={"instance": "ins-gzlnx001", "snapshot": "snap-gzsys001"})["source"]
    assert "never both" in reason and "snapshot" in reason
    assert "never both" in capture(source={"instance": "ins-gzlnx001", "snapshots": ["snap-gzsys001"]})["source"]


def test_source_shape_and_id_formats():
    assert "source.instance" in capture(source={})["source"]
    assert "ins-xxxxxxxx" in capture(source={"instance": "i-bp1imageforgelnx01"})["source.instance"]
    assert "snap-xxxxxxxx" in capture(source={"snapshots": ["s-123"]})["source.snapshots"]


def test_scope_and_data_disks_agree():
    assert "scope" in capture(source={"instance": "ins-gzlnx001", "data_disks": ["disk-gzlnxd01"]})
    assert "source.data_disks" in capture(source={"snapshot": "snap-gzsys001", "data_disks": ["disk-gzlnxd01"]},
                                          scope="system+data")
    assert "source.data_snapshots" in capture(source={"snapshot": "snap-gzsys001"}, scope="system+data")


def test_instance_only_flags_refused_for_snapshot_sources():
    failures = capture(source={"snapshot": "snap-gzsys001"}, sysprep=True, force_poweroff=True)
    assert "source.instance" in failures["sysprep"] and "source.instance" in failures["force_poweroff"]


def test_tags_follow_the_tag_api_limits():
    assert "reserves" in capture(tags={"qcloud:owner": "x"})["tags"]
    assert "127" in capture(tags={"k" * 128: "x"})["tags"]
    assert "1 to 255" in capture(tags={"team": ""})["tags.team"]
    assert "255" in capture(tags={"team": "v" * 256})["tags.team"]
    assert "at most 48" in capture(tags={f"t{n}": "v" for n in range(49)})["tags"]
    assert capture(tags={f"t{n}": "v" * 255 for n in range(48)}) == {}
    assert "ap-guangzhou" in capture(region="ap-atlantis")["region"]


def test_source_region_is_a_destination_only_for_an_encrypted_copy():
    reason = copy(regions=["ap-shanghai", "ap-guangzhou"])["regions[1]"]
    assert "source region" in reason and "encrypted=true" in reason
    assert copy(regions=["ap-guangzhou"], encrypted=True, name="golden-enc", options={"kms_key_id": "kms-1"}) == {}
    assert copy(regions=[{"region": "ap-guangzhou"}], encrypted=True, name="golden-enc") == {}


def test_an_encrypted_copy_stays_in_the_source_region_and_needs_a_name():
    failures = copy(encrypted=True, regions=["ap-guangzhou", "ap-tokyo"])
    assert "only in the image's own region" in failures["regions[1]"] and "'ap-guangzhou'" in failures["regions[1]"]
    assert "regions[0]" not in failures
    assert "give the copy a name" in failures["name"]
    assert copy(encrypted=False) == {}


def test_a_kms_key_needs_an_encrypted_copy():
    assert "encrypted=true" in copy(options={"kms_key_id": "kms-1"})["options.kms_key_id"]


def test_destinations_are_public_region_ids():
    failures = copy(regions=["ap-shanghai-fsi", "mars-north-1", {"region": "ap-tokyo"}])
    assert "finance" in failures["regions[0]"]
    assert "not a Tencent Cloud CVM region" in failures["regions[1]"]
    assert "regions[2]" not in failures
    assert "img-xxxxxxxx" in copy(image_id="m-123")["image_id"]
    assert "name" in copy(name="n" * 61)


def test_unknown_preview_values_pass():
    unknown = rpc.UNKNOWN
    assert capture(name=unknown, region=unknown, source=unknown, description=unknown) == {}
    assert capture(source={"instance": unknown}) == {}
    assert copy(regions=[unknown, "ap-tokyo"], image_id=unknown, region=unknown) == {}


def test_rules_import_no_vendor_sdk():
    code = "import sys, imageforge.providers.tencent.rules; print(any(m.startswith('tencentcloud') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
