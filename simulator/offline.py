"""Run a Pulumi program with no CLI: mocks that execute the real dynamic providers in-process.

Used by the demo (`imageforge demo`) and by the stack tests. Each dynamic resource is checked and
created by its real provider against whatever endpoint its inputs name; `destroy()` deletes what a
run created, in reverse order, the way `pulumi destroy` would.
"""
from __future__ import annotations

import base64
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dill
import pulumi
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

DYNAMIC = "pulumi-python:dynamic/"


class CheckFailed(Exception):
    """`check` refused a resource's inputs: the same message `pulumi up` shows."""

    def __init__(self, name: str, failures: list[tuple[str, str]]) -> None:
        self.failures = failures
        lines = "\n".join(f"  {prop}: {reason}" for prop, reason in failures)
        super().__init__(f"{name}: invalid inputs\n{lines}")


class ImportRefused(Exception):
    """`import_` needs the engine's Read of an existing object, which this runner does not perform."""

    def __init__(self, name: str, ident: str) -> None:
        super().__init__(f"{name}: import_ of {ident!r} is not supported by the offline runner (it only creates and "
                         "destroys); run `pulumi up` with the Pulumi CLI to import, or drop import_ here")


def _plain(value: Any) -> Any:
    """A value as the engine hands it to a provider: secrets unwrapped (the engine strips them), at any depth."""
    value = rpc.unwrap_rpc_secret(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@dataclass
class Created:
    typ: str
    name: str
    id: str
    outputs: dict[str, Any]
    provider: Any


@dataclass
class RunResult:
    outputs: dict[str, Any]
    resources: list[Created] = field(default_factory=list)

    def of_type(self, short: str) -> list[Created]:
        return [r for r in self.resources if r.typ.endswith(":" + short)]


def load_provider(serialized: Any, config: Mapping[str, Any], project: str) -> Any:
    """Decode `__provider` the way the provider server does, and configure it."""
    raw = rpc.unwrap_rpc_secret(serialized)
    provider = dill.loads(base64.b64decode(raw))
    provider.configure(ConfigureRequest(Config(dict(config), project)))
    return provider


class ProviderMocks(pulumi.runtime.Mocks):
    def __init__(self, config: Mapping[str, Any], project: str) -> None:
        self.config = dict(config)
        self.project = project
        self.created: list[Created] = []
        self.errors: list[BaseException] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.typ.startswith(DYNAMIC):
            return (f"{args.name}-id" if args.custom else None), dict(args.inputs)
        if self.errors:  # like the engine: after a failure, start nothing new
            return f"{args.name}-not-created", {}
        try:
            return self._create(args)
        except Exception as exc:  # reported by run() once the program has drained
            self.errors.append(exc)
            return f"{args.name}-failed", {}

    def _create(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.resource_id:
            raise ImportRefused(args.name, args.resource_id)
        inputs = {k: _plain(v) for k, v in args.inputs.items()}
        provider = load_provider(inputs.pop("__provider"), self.config, self.project)
        checked = provider.check({}, inputs)
        if checked.failures:
            raise CheckFailed(args.name, [(f.property, f.reason) for f in checked.failures])
        result = provider.create(checked.inputs)
        outs = dict(result.outs or {})
        self.created.append(Created(args.typ, args.name, result.id, outs, provider))
        return result.id, outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        return {}, None


def run(program: Callable[[], Any] | Path | str, config: Mapping[str, Any] | None = None,
        project: str = "imageforge", stack: str = "sim") -> RunResult:
    """Run `program` (a callable or the path of a `__main__.py`) and return its stack outputs."""
    config = dict(config or {})
    mock = ProviderMocks(config, project)
    settings.ROOT.set(None)
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_mocks(mock, project=project, stack=stack, preview=False)
    pulumi.runtime.set_all_config({k: str(v) if not isinstance(v, str) else v for k, v in config.items()})
    body = program if callable(program) else (lambda: runpy.run_path(str(program), run_name="__main__"))
    failure: list[BaseException] = []

    def guarded() -> None:
        try:
            body()
        except BaseException as exc:  # surfaced after the runtime drained its RPCs
            failure.append(exc)

    _sync_await(run_pulumi_func(guarded))
    if mock.errors or failure:
        error = (mock.errors or failure)[0]
        error.partial_run = RunResult({}, list(mock.created))  # type: ignore[attr-defined]  # for destroy()
        raise error
    root = settings.get_root_resource()
    outputs = {}
    for name, value in (getattr(root, "outputs", None) or {}).items():
        outputs[name] = _sync_await(pulumi.Output.from_input(value).future())
    return RunResult(outputs, list(mock.created))


def destroy(result: RunResult) -> None:
    """Delete what a run created, dependents first."""
    for item in reversed(result.resources):
        item.provider.delete(item.id, item.outputs)
