"""The fault campaign: every fault kind at every action an operation uses, and the provider killed at each step.

Each scenario runs one flow through the real provider server against the simulator, injects one
fault (or kills the provider process at one request, before it reaches the cloud or after the
cloud applied it), then does what the engine does next: the same call again with the same inputs
(a fresh provider process after a kill), and finally destroys everything. It counts, against
the simulator's inventory:
- leaked: images or copies left after the destroy;
- duplicated: more new images or copies than the operation asks for, once it converged;
- not converged: the first re-run still failed;
- false success: a call reported success while the cloud disagrees.
"""
from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imageforge.simulator import Simulator
from tests.engine import ProviderError, ProviderServer
from tests.faults.flows import Flow, Prior

KINDS = ("throttle", "5xx", "latency", "fail", "lost")
READS = ("Describe", "List", "Show", "Get", "get ", "list ")


@dataclass(frozen=True)
class Scenario:
    """One fault; `failing` makes it a clean-up scenario: that action's operation fails in the cloud first.

    kind: a fault kind, "persistent 5xx", "kill before" / "kill after" (at the index-th request), or
    "5xx from" (every read answers 5xx from the index-th request on: a clean-up that cannot see).
    """

    flow: str
    action: str
    kind: str
    index: int = 0
    failing: str = ""

    def __str__(self) -> str:
        at = f"#{self.index} " if self.kind.startswith(("kill", "5xx from")) else ""
        during = f" (while cleaning up after {self.failing} failed)" if self.failing else ""
        return f"{self.flow}: {self.kind} at {at}{self.action}{during}"


@dataclass
class Tally:
    scenarios: int = 0
    leaked: int = 0
    duplicated: int = 0
    not_converged: int = 0
    false_success: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        for name in ("scenarios", "leaked", "duplicated", "not_converged", "false_success"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems += other.problems

    def line(self) -> str:
        return (f"{self.scenarios} scenarios: {self.leaked} leaked, {self.duplicated} duplicated, "
                f"{self.not_converged} not converged, {self.false_success} false success")


class Servers:
    """The provider server the engine would use; a new process after one was killed."""

    def __init__(self, sim: Simulator, log: Path) -> None:
        self.env = {"IMAGEFORGE_SIM_HOME": str(sim.home), "IMAGEFORGE_PROGRESS_LOG": str(log)}
        self.current: ProviderServer | None = None
        self.dead: set[int] = set()

    def get(self) -> ProviderServer:
        current = self.current
        if current is None or id(current) in self.dead or current.process.poll() is not None:
            if self.current is not None:
                self.current.close()
            self.current = ProviderServer(env=self.env)
            self.current.configure({"imageforge:endpoint": "sim"})
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.close()


def is_read(action: str) -> bool:
    return action.startswith(READS)


def recorded(sim: Simulator, servers: Servers, flow: Flow) -> tuple[Prior, list[tuple[str, str]]]:
    """A clean pass: the requests the operation makes, in order (vendor, action)."""
    prior = flow.setup(servers.get())
    mark = sim.mark()
    result = flow.act(servers.get(), prior)
    calls = [(r.vendor, r.action) for r in sim.requests(since=mark)]
    teardown(servers, flow.owned(result, prior))
    return prior, calls


def scenarios(flow: Flow, calls: list[tuple[str, str]], failing: str = "") -> list[tuple[Scenario, str]]:
    """Every fault kind at every action used; a kill before every write and the first read of each kind,
    and after every write (the cloud applied it, the reply was lost).

    With `failing`, `calls` is the pass in which that action's operation failed: only what happens
    from the failure on (the clean-up) is varied, and a clean-up whose reads all answer 5xx is added.
    """
    out: list[tuple[Scenario, str]] = []
    start = next((n for n, (_, a) in enumerate(calls) if a == failing), 0) + 1 if failing else 0
    if not failing:
        for vendor, action in dict.fromkeys(calls):
            for kind in KINDS:
                out.append((Scenario(flow.name, action, kind), vendor))
            out.append((Scenario(flow.name, action, "persistent 5xx"), vendor))
    seen: set[str] = set()
    for index, (vendor, action) in enumerate(calls):
        if index < start or (is_read(action) and action in seen):
            continue
        seen.add(action)
        out.append((Scenario(flow.name, action, "kill before", index, failing), vendor))
        if not is_read(action):
            out.append((Scenario(flow.name, action, "kill after", index, failing), vendor))
            if failing:
                out.append((Scenario(flow.name, action, "5xx from", index, failing), vendor))
    return out


def failing_passes(sim: Simulator, servers: Servers, flow: Flow, calls: list[tuple[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """For each write whose `fail` fault makes the operation fail, the requests of that failing pass."""
    out = []
    for vendor, action in dict.fromkeys(calls):
        if is_read(action):
            continue
        prior = flow.setup(servers.get())
        sim.inject(vendor, action, "fail", times=1)
        mark = sim.mark()
        result: tuple[str, dict[str, Any]] | None = None
        try:
            result = flow.act(servers.get(), prior)
        except ProviderError:
            out.append((action, [(r.vendor, r.action) for r in sim.requests(since=mark)]))
        sim.clear_faults()
        teardown(servers, flow.owned(result, prior))
    return out


def run(sim: Simulator, servers: Servers, flow: Flow, scenario: Scenario, vendor: str) -> Tally:
    tally = Tally(scenarios=1)
    baseline = sim.inventory()
    prior = flow.setup(servers.get())
    before = sim.inventory()
    remove_hook = _arm(sim, servers, scenario, vendor)
    result: tuple[str, dict[str, Any]] | None = None
    try:
        result = flow.act(servers.get(), prior)
        first_ok = True
    except ProviderError as err:
        first_ok = False
        first_error = err.details
    finally:
        remove_hook()
        sim.clear_faults()
    tally.false_success += _verified(tally, scenario, flow, prior, first_ok, "the first attempt")
    if first_ok:
        tally.false_success += _claims(tally, scenario, sim, flow, prior, before, "the first attempt")
    else:
        try:
            result = flow.act(servers.get(), prior)
            tally.false_success += _claims(tally, scenario, sim, flow, prior, before, "the re-run")
            tally.false_success += _verified(tally, scenario, flow, prior, True, "the re-run")
        except ProviderError as err:
            tally.not_converged += 1
            tally.problems.append(f"{scenario}: the re-run failed: {_short(err.details)} (first: {_short(first_error)})")
            result = None
    new = sim.inventory() - before
    if result is not None and flow.expected(prior) >= 0 and len(new) > flow.expected(prior):
        tally.duplicated += len(new) - flow.expected(prior)
        tally.problems.append(f"{scenario}: {len(new)} new objects for {flow.expected(prior)} asked: {sorted(new)}")
    try:
        teardown(servers, flow.owned(result, prior))
    except ProviderError as err:
        tally.problems.append(f"{scenario}: destroy failed: {_short(err.details)}")
    left: set[Any] = sim.inventory() - baseline
    extra = getattr(flow, "leftovers", None)
    if extra is not None:
        left |= extra()
    if left:
        tally.leaked += len(left)
        tally.problems.append(f"{scenario}: left after destroy: {sorted(left)}")
    return tally


def _verified(tally: Tally, scenario: Scenario, flow: Flow, prior: Prior, succeeded: bool, when: str) -> int:
    """A flow's own check of what the cloud holds (a VM reported generalized must have been prepared)."""
    verify = getattr(flow, "verify", None)
    problems = verify(prior, succeeded) if verify is not None else []
    tally.problems += [f"{scenario}: after {when}: {p}" for p in problems]
    return 1 if problems else 0


def _claims(tally: Tally, scenario: Scenario, sim: Simulator, flow: Flow, prior: Prior, before: set[Any],
            when: str) -> int:
    """A success the cloud contradicts: fewer objects than the operation made, or more removed than asked."""
    delta = len(sim.inventory() - before) - len(before - sim.inventory())
    expected = flow.expected(prior)
    if (expected >= 0 and delta < expected) or (expected < 0 and delta > expected):
        tally.problems.append(f"{scenario}: {when} reported success but the cloud holds {delta} new object(s), "
                              f"not {flow.expected(prior)}")
        return 1
    return 0


def _arm(sim: Simulator, servers: Servers, scenario: Scenario, vendor: str) -> Callable[[], None]:
    """Inject the scenario's fault, or a hook that kills the provider process at the chosen request."""
    if scenario.failing:
        sim.inject(vendor, scenario.failing, "fail", times=1)
    if scenario.kind == "5xx from":
        count = {"n": -1}

        def blind(when: str, hook_vendor: str, call: Any) -> None:
            if when == "before":
                count["n"] += 1
                if count["n"] >= scenario.index and is_read(call.action):
                    raise_5xx(hook_vendor)

        return sim.hook(blind)
    if scenario.kind.startswith("kill"):
        phase = scenario.kind.split()[1]
        count = {"n": -1}
        server = servers.get()

        def die() -> None:
            servers.dead.add(id(server))  # before the kill: the caller may notice the death before it is reaped
            os.kill(server.process.pid, signal.SIGKILL)

        def kill(when: str, _vendor: str, _call: Any) -> None:
            if when != "before":
                if when == phase and count["n"] == scenario.index:
                    die()  # the cloud applied the request; its reply goes nowhere
                return
            count["n"] += 1
            if phase == "before" and count["n"] == scenario.index:
                die()
                raise ConnectionAbortedError("the caller is gone")  # the request never reaches the cloud

        return sim.hook(kill)
    if scenario.kind == "persistent 5xx":
        sim.inject(vendor, scenario.action, "5xx", times=-1)
    else:
        sim.inject(vendor, scenario.action, scenario.kind, times=1, latency=0.01)
    return lambda: None


def raise_5xx(vendor: str) -> None:
    from imageforge.simulator.core.wire import SimError

    raise SimError("InternalError", "The request processing has failed due to some unknown error.", 500)


def teardown(servers: Servers, owned: list[tuple[str, dict[str, Any], Any]]) -> None:
    for ident, state, _provider in owned:
        if ident:
            servers.get().delete(ident, state)


def _short(text: str) -> str:
    last = [line for line in text.strip().splitlines() if line.strip()]
    return (last[-1] if last else text)[:300]
