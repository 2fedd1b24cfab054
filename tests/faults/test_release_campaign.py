"""The fault campaign over ImageFamily releases on the services with image families (ECS, CVM)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from imageforge.simulator import Simulator
from tests.contract.cases import all_cases
from tests.faults.release_flows import release_flows
from tests.faults.test_campaign import campaign

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
SERVICES = (("alibaba", "ecs"), ("tencent", "cvm"))


def _flows() -> list[Any]:
    cases = all_cases()
    return [pytest.param(key, flow.name, id=f"{key[0]}-{key[1]}-{flow.name}")
            for key in SERVICES for flow in release_flows(cases[key])]


@pytest.mark.parametrize("key,flow_name", _flows())
def test_releases_converge_without_leaks(sim: Simulator, tmp_path: Path, key: tuple[str, str], flow_name: str) -> None:
    case = all_cases()[key]
    if case.setup is not None:
        case.setup(sim)
    campaign(sim, tmp_path, next(f for f in release_flows(case) if f.name == flow_name))


@pytest.mark.parametrize("key", [pytest.param(key, id=f"{key[0]}-{key[1]}")
                                 for key in (*SERVICES, ("huawei", "ims"))])
def test_a_version_killed_at_any_step_is_found_by_the_next_version_without_state(sim: Simulator, tmp_path: Path,
                                                                                 key: tuple[str, str]) -> None:
    """Version A killed at each step, its state lost; version B's `up` records or removes all A made."""
    from tests.faults import abandoned_release, conftest
    from tests.faults.campaign import Servers, Tally

    case = all_cases()[key]
    if case.setup is not None:
        case.setup(sim)
    servers = Servers(sim, tmp_path / "progress.log")
    tally = Tally()
    try:
        for scenario, vendor in abandoned_release.kill_scenarios(sim, servers, case):
            tally.add(abandoned_release.run(sim, servers, case, scenario, vendor))
    finally:
        servers.close()
        conftest.TOTAL.add(tally)
    print(f"release-abandoned: {tally.line()}")
    assert tally.scenarios >= 8 and not tally.problems, "\n".join(tally.problems)
