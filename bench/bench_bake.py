"""Bake benchmark: one BakedImage per service that bakes, on the simulator, in simulated time.

For each service it bakes an image from the simulator's public base image (launch, boot, guest agent,
two provisioning scripts, generalization, stop, capture, removal of the build VM) and prints:
- wall: simulated seconds from the first call to the last;
- steps: the sum of the simulated operations' own durations (every boot, command, stop, capture
  and deletion the simulator ran for the bake, each as long as the simulator made it);
- overhead: wall - steps, the time our waits added by noticing each step's end later than it
  happened (the bake's steps run one after another, so their durations add up to the best wall);
- calls: API requests made (reads and writes), and reads alone.
Time is simulated (a stopped clock that moves when the waiter sleeps), so the figures are exact
and the same on every run.

    python bench/bench_bake.py
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.contract.cases: the seeded inputs

READS = ("Describe", "List", "Show", "Get", "get ", "list ", "Query")
PROVISION = [["echo install the web tier", "# sim: takes 90"], ["echo harden sshd", "# sim: takes 30"]]


def bake(case: Any, sim: Any) -> dict[str, float]:
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    from imageforge.providers import BakedImageProvider
    from imageforge.simulator.core import lifecycle

    provider = BakedImageProvider()
    provider.configure(ConfigureRequest(Config({"imageforge:endpoint": "sim"}, "imageforge")))
    if case.setup is not None:
        case.setup(sim)
    checked = provider.check({}, {**case.build, "name": f"bench-baked-{case.service}",
                                  "owner": f"bench/sim/{case.service}", "provision": PROVISION})
    assert not checked.failures, checked.failures
    steps: list[float] = []
    listener = lambda started: steps.append(started.duration)  # noqa: E731
    lifecycle.LISTENERS.append(listener)
    mark = sim.mark()
    try:
        provider.create(checked.inputs)
    finally:
        lifecycle.LISTENERS.remove(listener)
    requests = sim.requests(since=mark)
    wall = requests[-1].at - requests[0].at if requests else 0.0
    reads = sum(1 for r in requests if r.action.startswith(READS))
    return {"wall": wall, "steps": sum(steps), "calls": len(requests), "reads": reads, "operations": len(steps)}


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="imageforge-bench-bake-"))
    os.environ["IMAGEFORGE_SIM_HOME"] = str(home)
    os.environ["IMAGEFORGE_PROGRESS_LOG"] = str(home / "progress.log")
    from imageforge.simulator import Simulator
    from tests.contract.cases import all_cases

    cases = [case for _, case in sorted(all_cases().items()) if case.build]
    print(f"{'service':<16}{'wall s':>9}{'steps s':>9}{'overhead s':>12}{'overhead %':>12}{'calls':>7}{'reads':>7}"
          f"{'sim ops':>9}")
    with Simulator(home, speed=0.0) as sim:
        for case in cases:
            figures = bake(case, sim)
            overhead = figures["wall"] - figures["steps"]
            share = 100.0 * overhead / figures["wall"] if figures["wall"] else 0.0
            print(f"{case.cloud + '/' + case.service:<16}{figures['wall']:>9.0f}{figures['steps']:>9.0f}"
                  f"{overhead:>12.0f}{share:>11.1f}%{figures['calls']:>7.0f}{figures['reads']:>7.0f}"
                  f"{figures['operations']:>9.0f}")


if __name__ == "__main__":
    main()
