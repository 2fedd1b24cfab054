"""Run a Pulumi program with no CLI: mocks that execute the real dynamic providers in-process.

Used by the demo (`imageforge demo`) and by the stack tests. Each dynamic resource is checked and
created by its real provider against whatever endpoint its inputs name; `destroy()` deletes what a
run created, in reverse order, the way `pulumi destroy` would: a protected resource stops it before
anything is deleted, and a resource with `retain_on_delete` leaves the state but stays in the cloud.
Failures read as `pulumi up` prints them (see `diagnostics`).
"""
from __future__ import annotations

import base64
import runpy
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dill
import pulumi
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

DYNAMIC = "pulumi-python:dynamic/"


class CheckFailed(Exception):
    """`check` refused a resource's inputs: one line per failure, as the engine reports them."""

    def __init__(self, typ: str, name: str, failures: list[tuple[str, str]], inputs: Mapping[str, Any]) -> None:
        self.typ, self.name, self.failures = typ, name, failures
        lines = []
        for prop, reason in failures:
            if prop:
                lines.append(f"{typ} resource '{name}'s property '{prop}' value {engine_value(inputs.get(prop))} "
                             f"has a problem: {reason}")
            else:
                lines.append(f"{typ} resource '{name}' has a problem: {reason}")
        super().__init__("\n".join(lines))


class ImportRefused(Exception):
    """`import_` needs the engine's Read of an existing object, which this runner does not perform."""

    def __init__(self, name: str, ident: str) -> None:
        super().__init__(f"{name}: import_ of {ident!r} is not supported by the offline runner (it only creates and "
                         "destroys); run `pulumi up` with the Pulumi CLI to import, or drop import_ here")


class LookupFailed(Exception):
    """A `get` named an object the cloud does not have: the engine's read fails the same way."""

    def __init__(self, name: str, ident: str) -> None:
        super().__init__(f"{name}: resource '{ident}' does not exist")


class DeleteProtected(Exception):
    """`pulumi destroy` refuses, before deleting anything, while a resource in the stack is protected."""

    def __init__(self, urn: str) -> None:
        self.urn = urn
        super().__init__(f'resource "{urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, '
                         "either remove the `protect` flag from the resource in your Pulumi program and run "
                         f"`pulumi up`, or use the command:\n`pulumi state unprotect '{urn}'`")


class ResourceFailed(Exception):
    """A provider call failed: the error `pulumi up` shows under the resource, with its type and name."""

    def __init__(self, typ: str, name: str, cause: BaseException) -> None:
        self.typ, self.name, self.cause = typ, name, cause
        super().__init__(str(cause))


def engine_value(value: Any) -> str:
    """A value as the engine prints it in a check failure (Go's `{%v}` of a property value); secrets masked."""
    if rpc.is_rpc_secret(value):
        return "{[secret]}"
    if value is None:
        return "{<nil>}"
    if isinstance(value, bool):
        return "{true}" if value else "{false}"
    if isinstance(value, dict):
        return "{map[" + " ".join(f"{k}:{engine_value(v)}" for k, v in sorted(value.items())) + "]}"
    if isinstance(value, list):
        return "{[" + " ".join(engine_value(v) for v in value) + "]}"
    if isinstance(value, float) and value.is_integer():
        return f"{{{int(value)}}}"
    return f"{{{value}}}"


def diagnostics(error: BaseException) -> str:
    """The `Diagnostics:` block `pulumi up` prints for a failed run, for the CLI to show instead of a traceback."""
    if isinstance(error, CheckFailed):
        head, lines = f"{error.typ} ({error.name}):", str(error).splitlines()
    elif isinstance(error, ResourceFailed):
        head, lines = f"{error.typ} ({error.name}):", str(error).splitlines() or [type(error.cause).__name__]
    else:
        head, lines = "pulumi:pulumi:Stack:", str(error).splitlines() or [type(error).__name__]
    body = [f"    error: {lines[0]}", *(f"    {line}" for line in lines[1:])]
    return "\n".join(["Diagnostics:", f"  {head}", *body])


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
    protect: bool = False
    retain_on_delete: bool = False
    urn: str = ""


@dataclass
class RunResult:
    outputs: dict[str, Any]
    resources: list[Created] = field(default_factory=list)
    retained: list[Created] = field(default_factory=list)
    config_read: set[str] = field(default_factory=set)  # keys the program or a provider asked for

    def of_type(self, short: str) -> list[Created]:
        return [r for r in self.resources if r.typ.endswith(":" + short)]


class ReadTracking(dict):  # type: ignore[type-arg]
    """Stack config that remembers which keys were asked for, so keys nothing reads can be named."""

    def __init__(self, values: Mapping[str, Any], read: set[str]) -> None:
        super().__init__(values)
        self.read = read

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.read.add(key)
        return super().__getitem__(key)


def load_provider(serialized: Any, config: Mapping[str, Any], project: str) -> Any:
    """Decode `__provider` the way the provider server does, and configure it."""
    raw = rpc.unwrap_rpc_secret(serialized)
    provider = dill.loads(base64.b64decode(raw))
    provider.configure(ConfigureRequest(Config(config if isinstance(config, ReadTracking) else dict(config), project)))
    return provider


class OptionsMonitor(MockMonitor):
    """The mock monitor, keeping the options `destroy` honours (`protect`, `retain_on_delete`) per registration."""

    def __init__(self, mocks: ProviderMocks) -> None:
        super().__init__(mocks)
        self.current = threading.local()

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name).replace("::pulumi:pulumi:Stack$", "::", 1)
        self.current.options = (urn, bool(request.protect), bool(request.retainOnDelete))
        try:
            return super().RegisterResource(request)
        finally:
            self.current.options = ("", False, False)


class ProviderMocks(pulumi.runtime.Mocks):
    def __init__(self, config: Mapping[str, Any], project: str) -> None:
        self.config_read: set[str] = set()
        self.config = ReadTracking(config, self.config_read)
        self.project = project
        self.created: list[Created] = []
        self.errors: list[BaseException] = []
        self.monitor = OptionsMonitor(self)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.typ.startswith(DYNAMIC):
            return (f"{args.name}-id" if args.custom else None), dict(args.inputs)
        if self.errors:  # like the engine: after a failure, start nothing new
            return f"{args.name}-not-created", {}
        try:
            return self._create(args)
        except (CheckFailed, ImportRefused, LookupFailed) as exc:
            self.errors.append(exc)
        except Exception as exc:  # reported by run() once the program has drained
            self.errors.append(ResourceFailed(args.typ, args.name, exc))
        return f"{args.name}-failed", {}

    def _create(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.resource_id and args.custom is None:  # a `get`: the monitor's ReadResource, read and never deleted
            return self._read(args)
        if args.resource_id:
            raise ImportRefused(args.name, args.resource_id)
        inputs = {k: _plain(v) for k, v in args.inputs.items()}
        provider = load_provider(inputs.pop("__provider"), self.config, self.project)
        checked = provider.check({}, inputs)
        if checked.failures:
            raise CheckFailed(args.typ, args.name, [(f.property, f.reason) for f in checked.failures], args.inputs)
        result = provider.create(checked.inputs)
        outs = dict(result.outs or {})
        urn, protect, retain = getattr(self.monitor.current, "options", ("", False, False))
        self.created.append(Created(args.typ, args.name, result.id, outs, provider, protect, retain, urn))
        return result.id, outs

    def _read(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = {k: _plain(v) for k, v in args.inputs.items()}
        provider = load_provider(inputs.pop("__provider"), self.config, self.project)
        result = provider.read(args.resource_id, inputs)
        if not result.id:
            raise LookupFailed(args.name, str(args.resource_id))
        return result.id, dict(result.outs or {})

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
    pulumi.runtime.set_mocks(mock, project=project, stack=stack, preview=False, monitor=mock.monitor)
    pulumi.runtime.set_all_config({k: str(v) if not isinstance(v, str) else v for k, v in config.items()})
    body = program if callable(program) else (lambda: runpy.run_path(str(program), run_name="__main__"))
    failure: list[BaseException] = []

    def guarded() -> None:
        try:
            body()
        except BaseException as exc:  # surfaced after the runtime drained its RPCs
            failure.append(exc)

    import pulumi.config as config_module

    reading = config_module.get_config

    def tracked(key: str) -> Any:
        mock.config_read.add(key)
        return reading(key)

    config_module.get_config = tracked  # type: ignore[assignment]
    try:
        _sync_await(run_pulumi_func(guarded))
    finally:
        config_module.get_config = reading  # type: ignore[assignment]
    if mock.errors or failure:
        error = (mock.errors or failure)[0]
        error.partial_run = RunResult({}, list(mock.created))  # type: ignore[attr-defined]  # for destroy()
        raise error
    root = settings.get_root_resource()
    outputs = {}
    for name, value in (getattr(root, "outputs", None) or {}).items():
        outputs[name] = _sync_await(pulumi.Output.from_input(value).future())
    return RunResult(outputs, list(mock.created), config_read=set(mock.config_read))


def destroy(result: RunResult) -> None:
    """Delete what a run created, dependents first, as `pulumi destroy` does.

    A protected resource refuses the whole destroy before anything is deleted (the engine's preview
    fails the same way); a resource with `retain_on_delete` leaves the state and stays in the cloud.
    """
    protected = [item for item in result.resources if item.protect]
    if protected:
        raise DeleteProtected(protected[-1].urn)
    for item in reversed(result.resources):
        if item.retain_on_delete:
            result.retained.append(item)
            continue
        item.provider.delete(item.id, item.outputs)
