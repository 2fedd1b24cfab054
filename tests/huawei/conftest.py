"""Fixtures for the Huawei tests: a stopped-clock simulator per module and raw SDK clients per region."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from imageforge.simulator.core.simulator import Simulator
from imageforge.simulator.huawei.regions import server_id, vault_id

VENDOR = "huawei-ims"
BJ4, SH3, HK = "cn-north-4", "cn-east-3", "ap-southeast-1"
LINUX, WINDOWS, BIG = server_id(BJ4, "linux"), server_id(BJ4, "windows"), server_id(BJ4, "bigdisk")
VAULT = vault_id(BJ4)
SEVEN = ("cn-east-3", "ap-southeast-1", "cn-north-1", "cn-east-2", "cn-south-1", "cn-southwest-2", "ap-southeast-2")


@pytest.fixture(scope="module")
def module_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """One stopped-clock simulator per module (stopping one takes about a second); tests use their own images."""
    simulator = Simulator(tmp_path_factory.mktemp("huawei-sim"), speed=0.0)
    simulator.start()
    yield simulator
    simulator.stop()


def shared(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    """The module's simulator with no fault left over; providers find it through IMAGEFORGE_SIM_HOME."""
    module_sim.clear_faults()
    monkeypatch.setenv("IMAGEFORGE_SIM_HOME", str(module_sim.home))
    return module_sim


def copy_jobs_in_flight(sim: Simulator) -> int:
    """What the simulated tenant has running now (INIT or RUNNING cross-region copy jobs)."""
    from imageforge.simulator.huawei.model import ImsModel

    return ImsModel(sim.ctx).copies_in_flight()


@pytest.fixture
def clients(sim: Simulator) -> Callable[..., Any]:
    """Raw huaweicloudsdk clients pointed at the simulator: `clients(region)` IMS, `clients(region, "ecs")` ECS."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkecs.v2 import EcsClient
    from huaweicloudsdkims.v2 import ImsClient

    projects = sim.endpoints["huawei_projects"]

    def make(region: str = BJ4, service: str = "ims") -> Any:
        cls = ImsClient if service == "ims" else EcsClient
        creds = BasicCredentials("SIMULATORAK", "simulator-secret", projects[region])
        return cls.new_builder().with_credentials(creds).with_endpoints([sim.endpoints["http"]]).build()

    return make
