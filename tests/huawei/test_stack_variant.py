"""The sample stack with a Huawei target added (the snippet proposed for stacks/Pulumi.sim.yaml)."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from imageforge.providers.cli.demo_cmd import load_stack_config
from imageforge.simulator import Simulator, offline

from .conftest import VENDOR

STACKS = Path(__file__).resolve().parents[2] / "stacks"
HUAWEI_TARGET = """
- name: huawei-ims
  cloud: huawei
  region: cn-north-4
  source:
    instance: 11111111-0000-4000-8000-000000000001
  regions: [cn-east-3, ap-southeast-1, cn-south-1]
  publish:
    options:
      agency_name: ims_admin_agency
"""


def test_sample_stack_with_a_huawei_target_captures_publishes_and_destroys(sim: Simulator) -> None:
    config = load_stack_config(STACKS / "Pulumi.sim.yaml")
    present = [t for t in json.loads(config["imageforge:targets"]) if t.get("cloud") == "huawei"]
    config["imageforge:targets"] = json.dumps(present or yaml.safe_load(HUAWEI_TARGET))  # Huawei only: fast
    result = offline.run(STACKS / "__main__.py", config)
    huawei = result.outputs["targets"]["huawei-ims"]
    assert huawei["status"] == "available"
    assert sorted(huawei["regions"]) == ["ap-southeast-1", "cn-east-3", "cn-north-4", "cn-south-1"]
    for region, image_id in huawei["regions"].items():
        assert sim.store.get(VENDOR, region, "image", image_id) is not None
    offline.destroy(result)
    for region in huawei["regions"]:
        assert [i for i in sim.store.list(VENDOR, region, "image") if i["imagetype"] == "private"] == []
