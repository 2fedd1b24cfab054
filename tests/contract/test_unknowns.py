"""During preview any input may still be unknown: `check` passes each one unknown in turn and validates the rest.

For every service and operation, every declared input (and every key of a map input, every entry of a
list input) is made unknown on otherwise valid inputs; `check` must report no failure and make no call.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.runtime import rpc

from imageforge.providers import CustomImageProvider, GeneralizedVMProvider
from imageforge.providers.core.service import COPY
from imageforge.providers.resources.schemas import GENERALIZED_VM
from imageforge.simulator import Simulator
from tests.contract.cases import all_cases
from tests.contract.test_declarations import PROVIDERS, SCHEMA_OF, operations
from tests.engine import ProviderServer

U = rpc.UNKNOWN
CASES = all_cases()


def variants(inputs: dict[str, Any], names: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The inputs with one thing unknown: each input, each key of a map input, each entry of a list input."""
    for name in sorted(set(names) | set(inputs)):
        if name in ("owner", "key"):
            continue  # bookkeeping the resource sets itself, always known
        yield name, {**inputs, name: U}
        if name == "file":  # the usual preview: the file comes from another step, its format with it
            yield "file (no format)", {**{k: v for k, v in inputs.items() if k != "format"}, name: U}
        value = inputs.get(name)
        if isinstance(value, dict):
            for key in value:
                yield f"{name}.{key}", {**inputs, name: {**value, key: U}}
        elif isinstance(value, list):
            for n in range(len(value)):
                yield f"{name}[{n}]", {**inputs, name: [*value[:n], U, *value[n + 1:]]}


def base(case: Any, op: str, server: ProviderServer) -> dict[str, Any]:
    if op == COPY:
        image_id, _ = server.up(CustomImageProvider(), {**case.capture, "name": "unknowns-source"})
        inputs = case.copy(image_id)
    else:
        inputs = dict(case.capture if op == "capture" else case.build if op == "build" else case.imports)
    return {**inputs, "owner": "proj/sim/unknowns"}


@pytest.mark.parametrize("cloud,service,op", operations())
def test_every_input_may_be_unknown(server: ProviderServer, sim: Simulator, cloud: str, service: str, op: str) -> None:
    case = CASES[(cloud, service)]
    if case.setup is not None:
        case.setup(sim)
    inputs = base(case, op, server)
    schema = SCHEMA_OF[op]
    provider = PROVIDERS[op]()
    _, failures = server.check(provider, inputs)
    assert failures == [], f"the base inputs must pass: {failures}"
    mark = sim.mark()
    refused = {}
    for what, varied in variants(inputs, tuple(f.name for f in schema.fields if not f.internal)):
        _, failures = server.check(provider, varied)
        if failures:
            refused[what] = failures
    assert refused == {}
    assert sim.requests(since=mark) == []


def test_every_generalized_vm_input_may_be_unknown(server: ProviderServer, sim: Simulator) -> None:
    inputs = {"cloud": "azure", "region": "westeurope", "owner": "proj/sim/unknowns",
              "vm": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/golden/providers/"
                    "Microsoft.Compute/virtualMachines/build-linux",
              "finalize_scripts": ["echo one", "echo two"], "resource_group": "golden", "keep_user": False}
    _, failures = server.check(GeneralizedVMProvider(), inputs)
    assert failures == [], failures
    mark = sim.mark()
    refused = {}
    for what, varied in variants(inputs, tuple(f.name for f in GENERALIZED_VM.fields if not f.internal)):
        _, failures = server.check(GeneralizedVMProvider(), varied)
        if failures:
            refused[what] = failures
    assert refused == {}
    assert sim.requests(since=mark) == []
