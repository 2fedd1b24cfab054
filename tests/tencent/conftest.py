"""Fixtures for the Tencent CVM tests: an embedded simulator and raw SDK clients pointed at it."""
from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from imageforge.simulator.core.simulator import Simulator


@pytest.fixture(scope="session")
def tc_seeded_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded state file, copied for each test: seeding every vendor per test costs more than the test."""
    home = tmp_path_factory.mktemp("tc-template")
    Simulator(home, speed=0.0).stop()
    return home / "state.db"


@pytest.fixture
def tc_sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tc_seeded_state: Path) -> Iterator[Simulator]:
    """A simulator of its own per test; IMAGEFORGE_SIM_HOME points the adapters at it."""
    (tmp_path / "sim").mkdir()
    shutil.copyfile(tc_seeded_state, tmp_path / "sim" / "state.db")
    sim = Simulator(tmp_path / "sim", speed=0.0)  # time moves only when a test or a waiter advances it
    sim.start()
    monkeypatch.setenv("IMAGEFORGE_SIM_HOME", str(tmp_path / "sim"))
    yield sim
    sim.stop()


def _profile(sim: Simulator) -> Any:
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.common.retry import NoopRetryer

    host = sim.endpoints["http"].split("://", 1)[1]
    return ClientProfile(httpProfile=HttpProfile(endpoint=host, protocol="http", reqTimeout=10), retryer=NoopRetryer())


def _cvm_factory(sim: Simulator) -> Callable[[str], Any]:
    from tencentcloud.common import credential
    from tencentcloud.cvm.v20170312 import cvm_client

    def make(region: str = "ap-guangzhou") -> Any:
        return cvm_client.CvmClient(credential.Credential("AKIDSIMULATOR", "simulator-secret"), region, _profile(sim))

    return make


@pytest.fixture
def cvm(tc_sim: Simulator) -> Callable[[str], Any]:
    """cvm("ap-guangzhou") -> the real CvmClient for that region, talking to the simulator."""
    return _cvm_factory(tc_sim)


@pytest.fixture
def sim_cvm(sim: Simulator) -> Callable[[str], Any]:
    """The same, for the shared `sim` fixture the provider-server tests use."""
    return _cvm_factory(sim)


@pytest.fixture
def common(tc_sim: Simulator) -> Callable[..., Any]:
    """common("cbs", "ap-guangzhou") -> the SDK's CommonClient (for CBS, which the cvm package lacks)."""
    from tencentcloud.common import credential
    from tencentcloud.common.common_client import CommonClient

    def make(service: str = "cvm", region: str = "ap-guangzhou", version: str = "2017-03-12") -> Any:
        return CommonClient(service, version, credential.Credential("AKIDSIMULATOR", "simulator-secret"), region,
                            _profile(tc_sim))

    return make
