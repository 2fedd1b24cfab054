"""Shared fixtures: an embedded simulator with a stopped clock, and the real provider server."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from imageforge.simulator import Simulator
from tests.engine import ProviderServer


@pytest.fixture
def sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    """A simulator whose clock moves only when a waiter 'sleeps' or a test advances it."""
    home = tmp_path / "sim"
    monkeypatch.setenv("IMAGEFORGE_SIM_HOME", str(home))
    monkeypatch.setenv("IMAGEFORGE_PROGRESS_LOG", str(tmp_path / "progress.log"))
    simulator = Simulator(home, speed=0.0)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def server(sim: Simulator, tmp_path: Path) -> Iterator[ProviderServer]:
    """The SDK's provider server in its own process, pointed at the simulator."""
    provider_server = ProviderServer(env={"IMAGEFORGE_SIM_HOME": str(sim.home),
                                          "IMAGEFORGE_PROGRESS_LOG": str(tmp_path / "progress.log")})
    provider_server.configure({"imageforge:endpoint": "sim"})
    yield provider_server
    provider_server.close()
