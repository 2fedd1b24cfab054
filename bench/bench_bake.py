"""Bake benchmark: one BakedImage per service that bakes, on the simulator, in simulated time.

For each service it bakes an image from the simulator's public base image (launch, boot, guest agent,
two provisioning scripts, generalization, stop, capture, removal of the build VM) and prints:
- wall: simulated seconds from the first call to the last;
- waits: how many times the bake waited for the cloud (boot, agent, each command, stop, capture,
  deletion...), and the simulated seconds spent waiting;
- late <=: an upper bound of the time our waits added, the sum over the waits of the gap between
  the last look that still saw the step running and the look that saw it done (the step ended
  somewhere in that gap); steps >= wall - late is then a lower bound of the sum of the steps
  themselves, so `late <= %` bounds the overhead of our waits against the best possible bake;
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
    from imageforge.providers.core import waiting

    provider = BakedImageProvider()
    provider.configure(ConfigureRequest(Config({"imageforge:endpoint": "sim"}, "imageforge")))
    if case.setup is not None:
        case.setup(sim)
    checked = provider.check({}, {**case.build, "name": f"bench-baked-{case.service}",
                                  "owner": f"bench/sim/{case.service}", "provision": PROVISION})
    assert not checked.failures, checked.failures
    waits: list[tuple[float, float]] = []  # (time waited, last gap)

    def observe(_what: str, started: float, pending: float | None, done: float) -> None:
        waits.append((done - started, done - pending if pending is not None else 0.0))

    waiting.OBSERVERS.append(observe)
    mark = sim.mark()
    try:
        provider.create(checked.inputs)
    finally:
        waiting.OBSERVERS.remove(observe)
    requests = sim.requests(since=mark)
    wall = requests[-1].at - requests[0].at if requests else 0.0
    reads = sum(1 for r in requests if r.action.startswith(READS))
    return {"wall": wall, "waits": len([w for w in waits if w[0] > 0]), "waited": sum(w[0] for w in waits),
            "late": sum(w[1] for w in waits), "calls": len(requests), "reads": reads}


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="imageforge-bench-bake-"))
    os.environ["IMAGEFORGE_SIM_HOME"] = str(home)
    os.environ["IMAGEFORGE_PROGRESS_LOG"] = str(home / "progress.log")
    from imageforge.simulator import Simulator
    from tests.contract.cases import all_cases

    cases = [case for _, case in sorted(all_cases().items()) if case.build]
    print(f"{'service':<16}{'wall s':>8}{'waits':>7}{'waited s':>10}{'late <= s':>11}{'late <= %':>11}"
          f"{'steps >= s':>12}{'calls':>7}{'reads':>7}")
    with Simulator(home, speed=0.0) as sim:
        for case in cases:
            f = bake(case, sim)
            share = 100.0 * f["late"] / f["wall"] if f["wall"] else 0.0
            print(f"{case.cloud + '/' + case.service:<16}{f['wall']:>8.0f}{f['waits']:>7.0f}{f['waited']:>10.0f}"
                  f"{f['late']:>11.0f}{share:>10.1f}%{f['wall'] - f['late']:>12.0f}{f['calls']:>7.0f}{f['reads']:>7.0f}")


if __name__ == "__main__":
    main()
