"""Fixtures for the EDS tests: seeded ids, a per-module simulator and raw ecd clients pointed at it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from imageforge.simulator.core.simulator import Simulator

HZ, SH, SG, BJ = "cn-hangzhou", "cn-shanghai", "ap-southeast-1", "cn-beijing"
LNX, WIN, ENC = "ecd-hzimageforgelnx01", "ecd-hzimageforgewin01", "ecd-hzimageforgeenc01"
SYS_SNAP, DATA_SNAP = "s-hzimageforgesys01", "s-hzimageforgedat01"
LNX_SYS_SNAP, LNX_DATA_SNAP = "s-hzimageforgelnxs1", "s-hzimageforgelnxd1"


@pytest.fixture(scope="module")
def module_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """One stopped-clock simulator per module (stopping one takes about a second); tests use their own images.

    Modules that use it override `sim` with `shared(...)`; the resource tests keep the root, per-test `sim`.
    """
    home = tmp_path_factory.mktemp("eds-sim")
    simulator = Simulator(home, speed=0.0)
    simulator.start()
    yield simulator
    simulator.stop()


def shared(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    """The module's simulator with no fault left over from another test; providers find it by its home."""
    module_sim.clear_faults()
    monkeypatch.setenv("IMAGEFORGE_SIM_HOME", str(module_sim.home))
    return module_sim


@pytest.fixture
def ecd(sim: Simulator) -> Callable[[str], Any]:
    """Raw `alibabacloud_ecd20200930` clients, one per region, as the vendor-facts table says."""
    from alibabacloud_ecd20200930.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    host = sim.endpoints["http"].split("://", 1)[1]

    def make(region: str = HZ) -> Any:
        return Client(Config(access_key_id="SIMULATORACCESSKEY", access_key_secret="simulator-secret", region_id=region,
                             endpoint=host, protocol="http", read_timeout=5000, connect_timeout=2000))

    return make
