"""Crash and fault campaign over every service and operation, through the real provider server.

Zero leaked, zero duplicated, convergence on the first re-run and no false success, for every
fault kind at every action each operation uses and for the provider killed at each step.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from imageforge.simulator import Simulator
from tests.contract.cases import all_cases
from tests.faults import conftest
from tests.faults.campaign import Servers, Tally, failing_passes, recorded, run, scenarios
from tests.faults.flows import Bake, Flow, Generalize, flows

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def _flows() -> list[Any]:
    out = []
    for key, case in sorted(all_cases().items()):
        for flow in flows(case):
            out.append(pytest.param(case, flow.name, id=f"{key[0]}-{key[1]}-{flow.name}"))
    return out


@pytest.mark.parametrize("case,flow_name", _flows())
def test_no_leak_no_duplicate_no_false_success(sim: Simulator, tmp_path: Path, case: Any, flow_name: str) -> None:
    if case.setup is not None:
        case.setup(sim)
    campaign(sim, tmp_path, next(f for f in flows(case) if f.name == flow_name))


def campaign(sim: Simulator, tmp_path: Path, flow: Flow) -> None:
    """Every scenario of one flow: faults at each action, kills at each step, and the same while it cleans up."""
    servers = Servers(sim, tmp_path / "progress.log")
    tally = Tally()
    try:
        _, calls = recorded(sim, servers, flow)
        plans = scenarios(flow, calls)
        for action, failing_calls in failing_passes(sim, servers, flow, calls):
            plans += scenarios(flow, failing_calls, failing=action)
        for scenario, vendor in plans:
            tally.add(run(sim, servers, flow, scenario, vendor))
    finally:
        servers.close()
        conftest.TOTAL.add(tally)
    print(f"{flow.name}: {tally.line()}")
    assert not tally.problems, "\n".join(tally.problems)


def test_every_copying_service_is_in_the_campaign() -> None:
    """A case that copies must name two destination regions, or its copy flows would silently drop out."""
    missing = [key for key, case in all_cases().items() if case.copy is not None and len(case.regions) < 2]
    assert not missing, f"cases without two `regions` for the campaign: {missing}"


def _generalizing() -> list[Any]:
    return [pytest.param(case, os_type, id=f"{key[0]}-{key[1]}-{os_type}")
            for key, case in sorted(all_cases().items()) if case.vm is not None for os_type in case.vm.os_types]


@pytest.mark.parametrize("case,os_type", _generalizing())
def test_generalized_vm_is_never_marked_before_its_guest_is_prepared(sim: Simulator, tmp_path: Path, case: Any,
                                                                      os_type: str) -> None:
    """GeneralizedVM under every fault and kill: never generalized without the guest's preparation, converges once."""
    campaign(sim, tmp_path, Generalize(sim, case, os_type))


def test_every_generalizing_service_is_in_the_campaign() -> None:
    """A service whose declaration generalizes VMs must give the campaign a VM case."""
    from imageforge.providers.core import registry

    able = {key for key in registry.SERVICES if registry.GENERALIZE in registry.spec_for(*key).capabilities}
    missing = able - {key for key, case in all_cases().items() if case.vm is not None}
    assert not missing, f"services that generalize without a VM case for the campaign: {sorted(missing)}"


def _baking() -> list[Any]:
    return [pytest.param(case, id=f"{key[0]}-{key[1]}") for key, case in sorted(all_cases().items()) if case.build]


@pytest.mark.parametrize("case", _baking())
def test_a_bake_leaves_one_image_and_no_build_vm(sim: Simulator, tmp_path: Path, case: Any) -> None:
    """BakedImage under every fault at each step (launch, agent wait, scripts, stop, capture, delete) and a kill at
    each: one image once it converged, and no VM, disk or NIC of the build left after it succeeded or was destroyed."""
    if case.setup is not None:
        case.setup(sim)
    campaign(sim, tmp_path, Bake(sim, case))


def test_every_baking_service_is_in_the_campaign() -> None:
    """A service whose declaration bakes must give the campaign its BakedImage inputs."""
    from imageforge.providers.core import registry

    able = {key for key in registry.SERVICES if registry.BUILD in registry.spec_for(*key).capabilities}
    missing = able - {key for key, case in all_cases().items() if case.build}
    assert not missing, f"services that bake without build inputs for the campaign: {sorted(missing)}"
