"""Fixtures for the ECS build-instance tests: the real aliyun-python-sdk-ecs against the embedded simulator."""
from __future__ import annotations

import json
from typing import Any

import pytest
from aliyunsdkcore.client import AcsClient

from imageforge.providers.core import registry
from imageforge.providers.core.model import Target
from imageforge.providers.core.protocol import VmBuilder
from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.ecs_launch import EcsLaunch

VENDOR = "alibaba-ecs"
REGION = "cn-hangzhou"


@pytest.fixture
def call(sim: Simulator) -> Any:
    """Send one aliyunsdkecs request to the simulator and return the parsed reply."""
    host = sim.endpoints["http"].split("://", 1)[1]

    def send(request: Any, region: str = REGION) -> dict[str, Any]:
        request.set_endpoint(host)
        request.set_protocol_type("http")
        client = AcsClient("SIMULATORACCESSKEY", "simulator-secret", region, auto_retry=False)
        return json.loads(client.do_action_with_exception(request))

    return send


@pytest.fixture
def builder(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> VmBuilder:
    """The ECS adapter as a VmBuilder, on the simulator."""
    monkeypatch.setenv("IMAGEFORGE_SIM_HOME", str(sim.home))
    return registry.adapter_for(Target("alibaba", "ecs", REGION, profile="sim"), VmBuilder)


def launch_model(sim: Simulator) -> EcsLaunch:
    """The simulator's launch model, for its test hooks (sell_out, set_quota, keep_disk_on_delete)."""
    return next(w for w in sim.wires if w.vendor == VENDOR).launch  # type: ignore[attr-defined, no-any-return]
