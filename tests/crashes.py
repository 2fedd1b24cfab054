"""Crashes as the tests stage them: the provider process killed at a chosen request, and fresh servers for the re-run."""
from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from imageforge.simulator import Simulator
from tests.engine import ProviderError, ProviderServer


@contextmanager
def server_factory(sim: Simulator, tmp_path: Path) -> Iterator[Callable[[], ProviderServer]]:
    """Start as many provider servers as a test needs (one per 'process lifetime'); all are closed at the end."""
    made: list[ProviderServer] = []

    def make() -> ProviderServer:
        started = ProviderServer(env={"IMAGEFORGE_SIM_HOME": str(sim.home),
                                      "IMAGEFORGE_PROGRESS_LOG": str(tmp_path / "progress.log")})
        started.configure({"imageforge:endpoint": "sim"})
        made.append(started)
        return started

    try:
        yield make
    finally:
        for started in made:
            started.close()


def kill_before(sim: Simulator, dead: ProviderServer, matches: Callable[[Any], bool], nth: int = 1) -> Callable[[], None]:
    """Kill the provider when it sends its nth request that `matches`: that request never reaches the cloud."""
    seen: list[int] = []

    def hook(phase: str, _vendor: str, call: Any) -> None:
        if phase == "before" and matches(call):
            seen.append(1)
            if len(seen) == nth:
                dead.process.kill()
                raise ConnectionAbortedError

    return sim.hook(hook)  # type: ignore[no-any-return]


def kill_after(sim: Simulator, dead: ProviderServer, action: str, nth: int = 1) -> Callable[[], None]:
    """Kill the provider once its nth `action` reached the cloud: the cloud did it, the reply is lost."""
    seen: list[int] = []

    def hook(phase: str, _vendor: str, call: Any) -> None:
        if phase == "after" and call.action == action and dead.process.poll() is None:
            seen.append(1)
            if len(seen) == nth:
                os.kill(dead.process.pid, signal.SIGKILL)

    return sim.hook(hook)  # type: ignore[no-any-return]


def dies(remove: Callable[[], None], call: Callable[[], Any]) -> None:
    """Run `call`, which must fail because its provider was killed; the crash hook is removed whatever happens."""
    try:
        with pytest.raises(ProviderError):
            call()
    finally:
        remove()
