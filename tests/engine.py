"""Drive the Pulumi SDK's own provider server (`python -m pulumi.dynamic`) over gRPC, as the engine does."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any

import grpc
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2_grpc

PROVIDER_KEY = "__provider"


class ProviderError(Exception):
    """A provider call failed; `details` holds what the engine would print (the traceback text)."""

    def __init__(self, method: str, code: grpc.StatusCode, details: str) -> None:
        self.method = method
        self.code = code
        self.details = details
        super().__init__(f"{method} failed ({code.name}): {details}")


@dataclass
class Diff:
    changes: int
    replaces: list[str]
    delete_before_replace: bool

    @property
    def kind(self) -> str:
        if self.changes == proto.DiffResponse.DIFF_NONE:
            return "none"
        if self.changes == proto.DiffResponse.DIFF_UNKNOWN:
            return "unknown"
        return "replace" if self.replaces else "update"


def serialized(provider: Any) -> str:
    """`__provider` as the SDK builds it, then sent as a plain string (the engine strips secrets)."""
    value, _ = _serialize(True, serialize_provider, provider)
    return value


def _run(coro: Any) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def to_struct(props: dict[str, Any]) -> Any:
    return _run(rpc.serialize_properties(props, {}))


def from_struct(struct: Any, keep_unknowns: bool = False) -> dict[str, Any]:
    return rpc.deserialize_properties(struct, keep_unknowns)


class ProviderServer:
    """One provider process, like the one the engine starts for each `pulumi up`."""

    def __init__(self, env: dict[str, str] | None = None, project: str = "imageforge") -> None:
        full_env = {**os.environ, **(env or {}), "PULUMI_PROJECT": project}
        self.process = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.dynamic"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=full_env, text=True)
        assert self.process.stdout is not None
        port = self.process.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"provider server did not start: {port!r} {self.process.stderr.read() if self.process.stderr else ''}")
        assert self.process.stdout is not None
        # drain stderr as it comes: a full pipe would block the provider in the middle of a call
        self._stderr: list[str] = []
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.urn_prefix = f"urn:pulumi:sim::{project}::"

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    def close(self) -> str:
        """Stop the server; return what it wrote to stderr (progress lines)."""
        self.channel.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._drain.join(timeout=10)
        return "".join(self._stderr)

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request)
        except grpc.RpcError as err:
            raise ProviderError(method, err.code(), err.details() or "") from None

    def urn(self, typ: str, name: str) -> str:
        return f"{self.urn_prefix}pulumi-python:dynamic/imageforge:{typ}::{name}"

    def configure(self, config: dict[str, Any]) -> None:
        self._call("Configure", proto.ConfigureRequest(args=to_struct(config), acceptSecrets=True))

    def check(self, provider: Any, news: dict[str, Any], olds: dict[str, Any] | None = None,
              urn: str = "") -> tuple[dict[str, Any], list[tuple[str, str]]]:
        news = {**news, PROVIDER_KEY: serialized(provider)}
        reply = self._call("Check", proto.CheckRequest(urn=urn, olds=to_struct(olds or {}), news=to_struct(news)))
        return from_struct(reply.inputs, True), [(f.property, f.reason) for f in reply.failures]

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any], urn: str = "") -> Diff:
        reply = self._call("Diff", proto.DiffRequest(id=id_, urn=urn, olds=to_struct(olds), news=to_struct(news)))
        return Diff(reply.changes, list(reply.replaces), reply.deleteBeforeReplace)

    def create(self, props: dict[str, Any], urn: str = "") -> tuple[str, dict[str, Any]]:
        reply = self._call("Create", proto.CreateRequest(urn=urn, properties=to_struct(props)))
        return reply.id, from_struct(reply.properties)

    def read(self, id_: str, props: dict[str, Any], urn: str = "") -> tuple[str, dict[str, Any]]:
        reply = self._call("Read", proto.ReadRequest(id=id_, urn=urn, properties=to_struct(props)))
        return reply.id, from_struct(reply.properties)

    def refresh(self, id_: str, outputs: dict[str, Any], inputs: dict[str, Any],
                urn: str = "") -> tuple[str, dict[str, Any], dict[str, Any]]:
        """The engine's refresh: Read with the old outputs and the old inputs; it stores the inputs Read returns."""
        reply = self._call("Read", proto.ReadRequest(id=id_, urn=urn, properties=to_struct(outputs),
                                                     inputs=to_struct(inputs)))
        returned = from_struct(reply.inputs) if reply.HasField("inputs") else dict(inputs)
        return reply.id, from_struct(reply.properties), returned

    def import_read(self, id_: str, urn: str = "") -> tuple[str, dict[str, Any]]:
        """The engine's Read for `import_`: the id alone, with no properties and no inputs."""
        reply = self._call("Read", proto.ReadRequest(id=id_, urn=urn))
        return reply.id, from_struct(reply.properties)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any], urn: str = "") -> dict[str, Any]:
        reply = self._call("Update", proto.UpdateRequest(id=id_, urn=urn, olds=to_struct(olds), news=to_struct(news)))
        return from_struct(reply.properties)

    def delete(self, id_: str, props: dict[str, Any], urn: str = "") -> None:
        self._call("Delete", proto.DeleteRequest(id=id_, urn=urn, properties=to_struct(props)))

    # the engine's usual sequences -------------------------------------------------------
    def up(self, provider: Any, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Check then Create, failing loudly on check failures."""
        checked, failures = self.check(provider, inputs)
        if failures:
            raise AssertionError(f"check failed: {failures}")
        return self.create(checked)

    def replace(self, provider: Any, id_: str, state: dict[str, Any], old_inputs: dict[str, Any],
                inputs: dict[str, Any]) -> tuple[Diff, str, dict[str, Any]]:
        """The engine's replacement: Check with the old inputs, Diff, Check AGAIN with no olds on the raw program
        inputs, then Create and Delete the old one with its old outputs (first, when the diff asks
        deleteBeforeReplace)."""
        checked, failures = self.check(provider, inputs, olds=old_inputs)
        if failures:
            raise AssertionError(f"check failed: {failures}")
        verdict = self.diff(id_, state, checked)
        if verdict.kind != "replace":
            raise AssertionError(f"expected a replacement, the diff says {verdict.kind}")
        again, failures = self.check(provider, inputs, olds={})
        if failures:
            raise AssertionError(f"the replacement's own check failed: {failures}")
        if verdict.delete_before_replace:
            self.delete(id_, state)
            new_id, outs = self.create(again)
        else:
            new_id, outs = self.create(again)
            self.delete(id_, state)
        return verdict, new_id, outs

    def preview(self, provider: Any, id_: str, state: dict[str, Any], old_inputs: dict[str, Any],
                inputs: dict[str, Any], ignore_changes: tuple[str, ...] = ()) -> Diff:
        """A preview step: `ignore_changes` keeps the old value before Check; Check and Diff, never Create or Update."""
        news = {**inputs, **{k: old_inputs[k] for k in ignore_changes if k in old_inputs}}
        checked, failures = self.check(provider, news, olds=old_inputs)
        if failures:
            raise AssertionError(f"check failed: {failures}")
        return self.diff(id_, state, checked)

    def change(self, provider: Any, id_: str, state: dict[str, Any], inputs: dict[str, Any]) -> tuple[Diff, dict[str, Any]]:
        """Check with the old state, Diff, then Update when the diff says so."""
        checked, failures = self.check(provider, inputs, olds=state)
        if failures:
            raise AssertionError(f"check failed: {failures}")
        verdict = self.diff(id_, state, checked)
        if verdict.kind != "update":
            return verdict, state
        return verdict, self.update(id_, state, checked)
