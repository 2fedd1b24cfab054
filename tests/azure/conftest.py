"""Azure fixtures: a module-wide simulator whose clock moves with each request, and raw SDK clients."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from imageforge.simulator.azure.wire import AzureWire
from imageforge.simulator.core.simulator import Simulator

SUB = "00000000-0000-0000-0000-00000000000a"
RG = "imageforge-rg"
GALLERY = "imageforge_gallery"
WESTEU = "westeurope"


@pytest.fixture(scope="module")
def lro_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """Every request moves simulated time 60 s, so the SDK's own LRO pollers finish in a few polls."""
    simulator = Simulator(tmp_path_factory.mktemp("azure-sim"), speed=0.0, advance_on_read=60.0)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def still_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """A stopped clock that moves only when a waiter sleeps or a test advances it (one per module)."""
    simulator = Simulator(tmp_path_factory.mktemp("azure-still"), speed=0.0)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def quiet_sim(still_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    still_sim.clear_faults()
    monkeypatch.setenv("IMAGEFORGE_SIM_HOME", str(still_sim.home))
    return still_sim


@pytest.fixture
def azsim(lro_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    lro_sim.clear_faults()
    monkeypatch.setenv("IMAGEFORGE_SIM_HOME", str(lro_sim.home))
    return lro_sim


def wire_of(sim: Simulator) -> AzureWire:
    return next(w for w in sim.wires if isinstance(w, AzureWire))


_COUNTER = iter(range(1, 10_000))


def fresh_vm(sim: Simulator, os_type: str = "Linux", encrypted: bool = False) -> tuple[str, str]:
    """A new running VM (name, id), so tests sharing a simulator never share a one-way VM."""
    name = f"vm-{os_type.lower()}-{next(_COUNTER):03d}"
    vm = wire_of(sim).vms.add_vm(name, os_type, encrypted)
    return name, vm.id


def sim_credential(sim: Simulator, secret: str = "sim") -> Any:
    """azure-identity's ClientSecretCredential against the simulator's Entra ID (test keys: sim / sim / sim)."""
    from azure.identity import ClientSecretCredential

    return ClientSecretCredential("sim", "sim", secret, authority=sim.endpoints["https"],
                                  connection_verify=sim.endpoints["ca_file"], disable_instance_discovery=True)


@pytest.fixture
def compute(azsim: Simulator) -> Any:
    from azure.mgmt.compute import ComputeManagementClient

    return ComputeManagementClient(sim_credential(azsim), SUB, base_url=azsim.endpoints["https"],
                                   connection_verify=azsim.endpoints["ca_file"], retry_total=0, polling_interval=0)


@pytest.fixture(scope="module")
def azure_server(still_sim: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The SDK's provider server process for a whole module, pointed at the module's simulator."""
    from tests.engine import ProviderServer

    log = tmp_path_factory.mktemp("azure-progress") / "progress.log"
    server = ProviderServer(env={"IMAGEFORGE_SIM_HOME": str(still_sim.home), "IMAGEFORGE_PROGRESS_LOG": str(log)})
    server.configure({"imageforge:endpoint": "sim"})
    server.progress_log = log  # type: ignore[attr-defined]
    yield server
    server.close()


def code_of(exc: Any) -> str:
    """The ARM error code an azure-core exception carries."""
    assert exc.error is not None
    return str(exc.error.code)


def message_of(exc: Any) -> str:
    assert exc.error is not None
    return str(exc.error.message)


def headers_of(exc: Any) -> Any:
    assert exc.response is not None
    return exc.response.headers
