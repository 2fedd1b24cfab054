"""The sample program with an EDS target (the snippet proposed for stacks/Pulumi.sim.yaml), under mocks."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from imageforge.providers.cli.demo_cmd import load_stack_config
from imageforge.simulator import Simulator, offline

ROOT = Path(__file__).resolve().parents[2]
STACKS = ROOT / "stacks"
VENDOR = "alibaba-eds"
EDS_TARGET = """
- name: alibaba-eds
  cloud: alibaba
  service: eds
  region: cn-hangzhou
  source:
    desktop: ecd-hzimageforgewin01
    os_type: windows
  capture:
    scope: system
    clean_personal_data: true
  regions: [cn-shanghai, ap-southeast-1]
"""


def eds_config(tags: bool = False, **target_changes: Any) -> dict[str, str]:
    """The sample stack with only the EDS target; the release-wide tags dropped unless asked (EDS refuses tags)."""
    config = load_stack_config(STACKS / "Pulumi.sim.yaml")
    if not tags:
        config.pop("imageforge:tags", None)
    target = yaml.safe_load(EDS_TARGET)[0]
    target.update(target_changes)
    config["imageforge:targets"] = json.dumps([target])
    return config


def test_sample_program_captures_a_cloud_computer_and_publishes_it(sim: Simulator) -> None:
    result = offline.run(STACKS / "__main__.py", eds_config())
    eds = result.outputs["targets"]["alibaba-eds"]
    assert eds["status"] == "available" and eds["image_id"].startswith("m-")
    assert sorted(eds["regions"]) == ["ap-southeast-1", "cn-hangzhou", "cn-shanghai"]
    for region, image_id in eds["regions"].items():
        assert sim.store.get(VENDOR, region, "image", image_id) is not None
    create = sim.requests(VENDOR, "CreateImage")[0].params
    assert create["DesktopId"] == "ecd-hzimageforgewin01" and create["AutoCleanUserdata"].lower() == "true"
    offline.destroy(result)
    for region in eds["regions"]:
        assert [i for i in sim.store.list(VENDOR, region, "image") if i.get("ImageType") == "CUSTOM"] == []


def test_linux_computer_with_data_disks_and_cleanup_fails_check_before_any_call(sim: Simulator) -> None:
    config = eds_config(source={"desktop": "ecd-hzimageforgelnx01", "os_type": "linux"},
                        capture={"scope": "system+data"})
    mark = sim.mark()
    with pytest.raises(offline.CheckFailed) as caught:
        offline.run(STACKS / "__main__.py", config)
    assert [f for f, _ in caught.value.failures] == ["clean_personal_data"]
    assert sim.requests(since=mark) == []


def test_release_wide_tags_are_refused_for_the_eds_target_before_any_call(sim: Simulator) -> None:
    config = eds_config(tags=True)
    assert json.loads(config["imageforge:tags"])  # the sample stack tags every target
    mark = sim.mark()
    with pytest.raises(offline.CheckFailed) as caught:
        offline.run(STACKS / "__main__.py", config)
    assert [f for f, _ in caught.value.failures] == ["tags"]
    assert all("TagResources covers cloud computers only" in reason for _, reason in caught.value.failures)
    assert sim.requests(since=mark) == []
