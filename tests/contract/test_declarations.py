"""Every row of every service's declaration is proven through the real provider server.

A declared input or option is set and seen in the vendor request in the simulator's request log;
every input a service does not take is refused by `check`, naming the field, before any call.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from imageforge.providers import BakedImageProvider, CustomImageProvider, ImageRegionSetProvider, ImportedImageProvider
from imageforge.providers.core import registry
from imageforge.providers.core.schema import Choice, Flag, ListOf, Record, TagMap, Text, Whole
from imageforge.providers.core.service import BUILD, CAPTURE, COPY, IMPORT, OperationSpec, Param
from imageforge.providers.resources.schemas import SCHEMAS
from imageforge.simulator import Simulator
from tests.contract.cases import ServiceCase, all_cases
from tests.engine import ProviderServer

CASES = all_cases()

PROVIDERS = {CAPTURE: CustomImageProvider, COPY: ImageRegionSetProvider, IMPORT: ImportedImageProvider,
             BUILD: BakedImageProvider}
SCHEMA_OF = {s.operation: s for s in SCHEMAS.values()}


def _operations() -> Iterator[Any]:
    for (cloud, service) in registry.SERVICES:
        spec = registry.spec_for(cloud, service)
        for op in (CAPTURE, COPY, IMPORT, BUILD):
            if spec.operation(op) is not None:
                yield pytest.param(cloud, service, op, id=f"{cloud}-{service}-{op}")


def operations() -> list[Any]:
    return list(_operations())


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested request parameters as dotted paths (lists by 0-based index), the way `logged` names them."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list):
        out = {}
        for n, item in enumerate(value):
            out.update(flatten(item, f"{prefix}.{n}" if prefix else str(n)))
        return out
    return {prefix: value}


def seen(sim: Simulator, vendor: str, logged: str, since: int) -> bool:
    action, _, path = logged.partition(":")
    for request in sim.requests(vendor, action, since=since):
        flat = flatten(request.params)
        if any(key == path or key.startswith(path + ".") for key in flat):
            return True
    return False


def base_inputs(case: ServiceCase, op: str, server: ProviderServer) -> dict[str, Any]:
    if op == CAPTURE:
        return dict(case.capture)
    if op == IMPORT:
        return dict(case.imports)
    if op == BUILD:
        return dict(case.build)
    assert case.copy is not None, f"{case.cloud}/{case.service} declares copies but its case has no copy inputs"
    image_id, _ = server.up(CustomImageProvider(), {**case.capture, "name": "contract-source"})
    return case.copy(image_id)


def with_rows(base: dict[str, Any], op: OperationSpec, rows: list[Param], case: ServiceCase) -> dict[str, Any]:
    """The base inputs with each row set to its example (and the companions the case names for it)."""
    inputs = {**base, "options": dict(base.get("options") or {})}
    for row in rows:
        extra = case.inputs_with.get(row.name, {})
        inputs["options"].update(extra.get("options") or {})
        inputs.update({k: v for k, v in extra.items() if k != "options"})
        if op.option(row.name) is row:
            inputs["options"][row.name] = row.example
        elif row in op.source:
            inputs["source"] = {**case.source_with.get(row.name, {}), row.name: row.example}
        elif row in op.network:
            inputs["network"] = {**dict(base.get("network") or {}), row.name: row.example}
        elif row.example is not None:
            inputs[row.name] = row.example
    return inputs


def proven_rows(op: OperationSpec) -> list[Param]:
    return [p for p in (*op.inputs, *op.source, *op.network, *op.options) if p.logged]


@pytest.mark.parametrize("cloud,service,op", operations())
def test_every_declared_row_reaches_the_vendor_request(server: ProviderServer, sim: Simulator, cloud: str,
                                                       service: str, op: str) -> None:
    case = CASES[(cloud, service)]
    if case.setup is not None:
        case.setup(sim)
    spec = registry.spec_for(cloud, service).operation(op)
    assert spec is not None
    base = base_inputs(case, op, server)
    rows = proven_rows(spec)
    together = [p for p in rows if p.name not in case.separate and p not in spec.source and p.name not in case.inputs_with]
    groups = [together] + [[p] for p in rows if p.name in case.separate or p in spec.source or p.name in case.inputs_with]
    for group in (g for g in groups if g):
        inputs = with_rows(base, spec, group, case)
        checked, failures = server.check(PROVIDERS[op](), inputs)
        assert not failures, f"{[p.name for p in group]}: {failures}"
        mark = sim.mark()
        made, outs = server.create(checked)
        missing = [f"{p.name} -> {p.logged}" for p in group if not seen(sim, case.vendor, p.logged, mark)]
        assert not missing, f"declared but not sent: {missing}"
        server.delete(made, outs)  # names may be unique per region: the next group reuses it


@pytest.mark.parametrize("cloud,service,op", operations())
def test_every_row_says_where_it_goes(cloud: str, service: str, op: str) -> None:
    """A row without a request-log proof must say in its vendor column why it has no parameter."""
    spec = registry.spec_for(cloud, service).operation(op)
    assert spec is not None
    for row in (*spec.inputs, *spec.source, *spec.network, *spec.options):
        assert row.logged or row.vendor.startswith("("), f"{row.name}: no request-log proof and no reason"
        if row.logged:
            assert row.example is not None or row.name in ("image_id", "regions", "object", "source"), row.name


def sample(kind: Any) -> Any:
    """A well-typed value for an input, to show that `check` refuses it on a service that does not take it."""
    if isinstance(kind, Flag):
        return True
    if isinstance(kind, Choice):
        return kind.values[-1]
    if isinstance(kind, Whole):
        return kind.minimum or 1
    if isinstance(kind, TagMap):
        return {"team": "web"}
    if isinstance(kind, ListOf):
        return [sample(kind.item)]
    if isinstance(kind, Record):
        return {name: sample(sub) for name, sub in kind.fields.items() if name in kind.required}
    if isinstance(kind, Text):
        return "contract-value"
    return {"x": "y"}


@pytest.mark.parametrize("cloud,service,op", operations())
def test_every_input_a_service_does_not_take_is_refused_before_any_call(server: ProviderServer, sim: Simulator,
                                                                         cloud: str, service: str, op: str) -> None:
    case = CASES[(cloud, service)]
    spec = registry.spec_for(cloud, service).operation(op)
    assert spec is not None
    schema = SCHEMA_OF[op]
    base = dict(case.capture if op == CAPTURE else case.imports if op == IMPORT else case.build if op == BUILD else
                case.copy("img-contract0") if case.copy else {})
    taken = {p.name for p in spec.inputs} | schema.generic | {"options"}
    accepted = {r.name: r.accepts for r in spec.refusals}
    mark = sim.mark()
    for item in schema.fields:
        if item.name in taken:
            continue
        value = sample(item.kind)
        if accepted.get(item.name) is not None and value == accepted[item.name]:
            value = not value
        _, failures = server.check(PROVIDERS[op](), {**base, item.name: value})
        assert item.name in {f for f, _ in failures}, f"{item.name}={value!r} was not refused: {failures}"
    for refusal in (r for r in spec.refusals if r.name.startswith("source.")):
        key = refusal.name.split(".", 1)[1]
        source = {**dict(base.get("source") or {}), key: ["x-1"] if key.endswith("s") else "x-1"}
        _, failures = server.check(PROVIDERS[op](), {**base, "source": source})
        assert refusal.name in {f for f, _ in failures}, f"{refusal.name} was not refused: {failures}"
    _, failures = server.check(PROVIDERS[op](), {**base, "options": {"no_such_option": 1}})
    assert "options.no_such_option" in {f for f, _ in failures}
    for option in (o for o in spec.options if o.kind is not None):
        _, failures = server.check(PROVIDERS[op](), {**base, "options": {option.name: {"wrong": "type"}}})
        assert f"options.{option.name}" in {f for f, _ in failures}, f"options.{option.name} took a map"
    assert sim.requests(since=mark) == []
