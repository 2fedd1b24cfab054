"""Stacks made by an earlier release still refresh, update and destroy with this one.

The engine deletes and refreshes a resource with the provider pickled into its old state, so the
fixtures keep what release 0.1.0 left (tests/compat/make_fixtures.py): every resource's outputs with
`__provider` as the engine stored it, and the simulated cloud those states describe. This release
must read each one back, see no change when the program is unchanged, apply an in-place change, and
delete it.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imageforge.providers.resources.schemas import SCHEMAS
from imageforge.simulator import Simulator
from tests.conftest import provider_server, stopped_clock_simulator
from tests.engine import ProviderServer

FIXTURES = Path(__file__).parent / "fixtures"
RELEASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "states.json").exists())
DERIVED = {"key", "inspection"}
# Inputs an earlier release accepted without effect, refused now (promise: every input takes effect or is
# refused); the upgraded program drops them, and the next `up` records their removal without a cloud change.
NOW_REFUSED = {("alibaba", "eds"): ("tags",)}


def recorded() -> list[Any]:
    out = []
    for release in RELEASES:
        for state in json.loads((FIXTURES / release / "states.json").read_text()):
            out.append(pytest.param(release, state, id=f"{release}-{state['name']}"))
    return out


@pytest.fixture
def old_cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """The simulated cloud as the earlier release left it."""
    home = tmp_path / "sim"
    home.mkdir()
    shutil.copy(FIXTURES / request.node.callspec.params["release"] / "state.db", home / "state.db")
    simulator = stopped_clock_simulator(home, tmp_path, monkeypatch)
    yield simulator
    simulator.stop()


@pytest.fixture
def engine(old_cloud: Simulator, tmp_path: Path) -> Iterator[ProviderServer]:
    server = provider_server(old_cloud, tmp_path)
    yield server
    server.close()


def program_inputs(kind: str, outputs: dict[str, Any]) -> dict[str, Any]:
    """What the unchanged program sends again: the declared inputs the old state holds, without the defaults
    the old `check` wrote into it (a program that never set `scope` does not send it)."""
    fields = {f.name: f for f in SCHEMAS[kind].fields if f.name not in DERIVED}
    return {k: v for k, v in outputs.items()
            if k in fields and v is not None and (fields[k].same_as_unset is None or v != fields[k].same_as_unset)}


def check_raw(server: ProviderServer, serialized: str, news: dict[str, Any], olds: dict[str, Any],
              refused: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check as the engine sends it: `__provider` is the string stored in state (the old pickle)."""
    from pulumi.runtime import proto

    from tests.engine import from_struct, to_struct

    reply = server._call("Check", proto.CheckRequest(urn="", olds=to_struct(olds),
                                                     news=to_struct({**news, "__provider": serialized})))
    failures = [(f.property, f.reason) for f in reply.failures]
    assert sorted(f for f, _ in failures) == sorted(refused), failures
    return from_struct(reply.inputs, True)


@pytest.mark.parametrize("release,state", recorded())
def test_refresh_update_and_destroy_what_an_earlier_release_made(engine: ProviderServer, old_cloud: Simulator,
                                                                 release: str, state: dict[str, Any]) -> None:
    kind = state["type"].rsplit(":", 1)[-1]
    outputs = dict(state["outputs"])
    found_id, refreshed = engine.read(state["id"], outputs)
    assert found_id == state["id"], f"{kind} {state['name']} was not found again"

    refused = NOW_REFUSED.get((outputs.get("cloud"), outputs.get("service")), ())
    if refused and any(outputs.get(k) for k in refused):  # the unchanged program is told what to drop
        check_raw(engine, outputs["__provider"], program_inputs(kind, outputs), outputs, refused)
    unchanged = {k: v for k, v in program_inputs(kind, outputs).items() if k not in refused}
    news = check_raw(engine, outputs["__provider"], unchanged, outputs)
    verdict = engine.diff(state["id"], outputs, news)
    if refused and any(outputs.get(k) for k in refused):
        assert verdict.kind == "update" and not verdict.replaces, verdict
        mark = old_cloud.mark()
        outputs = {**engine.update(state["id"], outputs, news), "__provider": state["outputs"]["__provider"]}
        assert [r for r in old_cloud.requests(since=mark) if not r.action.startswith(("Describe", "List"))] == []
    else:
        assert verdict.kind == "none", f"an unchanged program shows a change after the upgrade: {verdict}"

    if kind in ("CustomImage", "ImportedImage", "ImageRegionSet"):
        from imageforge.providers.core import registry

        tags = registry.spec_for(outputs["cloud"], outputs["service"]).traits.tags
        change = {"tags": {"upgraded": "yes"}} if tags else {"description": "upgraded in place"}
        changed = check_raw(engine, outputs["__provider"], {**unchanged, **change}, outputs)
        verdict = engine.diff(state["id"], outputs, changed)
        assert verdict.kind == "update", verdict
        outputs = engine.update(state["id"], outputs, changed)
        outputs["__provider"] = state["outputs"]["__provider"]

    engine.delete(state["id"], outputs)
    gone_id, _ = engine.read(state["id"], outputs)
    if kind != "GeneralizedVM":  # deleting a GeneralizedVM leaves the VM unless delete_vm was set
        assert gone_id == "", f"{kind} {state['name']} is still there after delete"
