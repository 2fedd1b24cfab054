"""Shared fixtures: an embedded simulator with a stopped clock, and the real provider server."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from imageforge.simulator import Simulator
from tests.engine import ProviderServer


def stopped_clock_simulator(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    """A started simulator on `home` whose clock moves only when a waiter 'sleeps' or a test advances it."""
    monkeypatch.setenv("IMAGEFORGE_SIM_HOME", str(home))
    monkeypatch.setenv("IMAGEFORGE_PROGRESS_LOG", str(tmp_path / "progress.log"))
    simulator = Simulator(home, speed=0.0)
    simulator.start()
    return simulator


def provider_server(sim: Simulator, tmp_path: Path) -> ProviderServer:
    """The SDK's provider server in its own process, configured for the simulator."""
    started = ProviderServer(env={"IMAGEFORGE_SIM_HOME": str(sim.home),
                                  "IMAGEFORGE_PROGRESS_LOG": str(tmp_path / "progress.log")})
    started.configure({"imageforge:endpoint": "sim"})
    return started


@pytest.fixture
def sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    simulator = stopped_clock_simulator(tmp_path / "sim", tmp_path, monkeypatch)
    yield simulator
    simulator.stop()


@pytest.fixture
def server(sim: Simulator, tmp_path: Path) -> Iterator[ProviderServer]:
    provider_server_ = provider_server(sim, tmp_path)
    yield provider_server_
    provider_server_.close()
