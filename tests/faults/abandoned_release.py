"""A release killed at every step of version A, then version B applied with no state (the state of A was lost).

What B's `up` must do: find every image of A this stack made (by the family tag and A's own identity key),
record a finished A as a live version (retention decides its fate like any other), and delete an
unfinished one. Counted against the simulator's inventory: images B's state does not record after its
`up` (unrecorded), and images left after B is destroyed (leaked).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imageforge.simulator import Simulator
from tests.contract.cases import ServiceCase
from tests.engine import ProviderError
from tests.faults.campaign import Scenario, Servers, Tally, _arm, scenarios
from tests.faults.release_flows import _apply, family_inputs

FIRST, SECOND = "2026-10", "2026-11"


@dataclass
class Abandoned:
    """Only `name` is read by the campaign's scenario list."""

    name: str = "release-abandoned"


def recorded_images(state: dict[str, Any]) -> set[tuple[str, str]]:
    return {(region, image_id) for record in dict(state.get("releases") or {}).values()
            for region, image_id in dict(record.get("images") or {}).items()}


def pairs(inventory: set[tuple[str, str, str]]) -> set[tuple[str, str]]:
    return {(region, ident) for _vendor, region, ident in inventory}


def kill_scenarios(sim: Simulator, servers: Servers, case: ServiceCase) -> list[tuple[Scenario, str]]:
    """A clean `up` of version A, recorded: a kill before each write and first read, and after each write."""
    mark = sim.mark()
    ident, state = _apply(servers.get(), family_inputs(case, FIRST, 2))
    calls = [(r.vendor, r.action) for r in sim.requests(since=mark)]
    servers.get().delete(ident, state)
    return [(s, v) for s, v in scenarios(Abandoned(), calls) if s.kind.startswith("kill")]


def run(sim: Simulator, servers: Servers, case: ServiceCase, scenario: Scenario, vendor: str) -> Tally:
    tally = Tally(scenarios=1)
    baseline = sim.inventory()
    remove_hook = _arm(sim, servers, scenario, vendor)
    try:
        _apply(servers.get(), family_inputs(case, FIRST, 2))
        tally.problems.append(f"{scenario}: version A succeeded although its provider was killed")
    except ProviderError:
        pass
    finally:
        remove_hook()
        sim.clear_faults()
    left_by_a = pairs(sim.inventory() - baseline)
    ident, state = _apply(servers.get(), family_inputs(case, SECOND, 2))  # no state: A's was lost with the process
    held = pairs(sim.inventory() - baseline)
    unrecorded = held - recorded_images(state)
    if unrecorded:
        tally.leaked += len(unrecorded)
        tally.problems.append(f"{scenario}: after version B, images no state records: {sorted(unrecorded)}")
    live = dict(state.get("versions") or {})
    if left_by_a and not (held & left_by_a) and any(FIRST in v for v in live.values()):
        tally.problems.append(f"{scenario}: version A is listed live but its images are gone")
    servers.get().delete(ident, state)
    left = pairs(sim.inventory() - baseline)
    if left:
        tally.leaked += len(left)
        tally.problems.append(f"{scenario}: left after destroying version B: {sorted(left)}")
    return tally
