"""Drive the Pulumi SDK's own provider server (`python -m pulumi.dynamic`) over gRPC, as the engine does."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
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
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.urn_prefix = f"urn:pulumi:sim::{project}::"

    def close(self) -> str:
        """Stop the server; return what it wrote to stderr (progress lines)."""
        self.channel.close()
        self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err or ""

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

    def change(self, provider: Any, id_: str, state: dict[str, Any], inputs: dict[str, Any]) -> tuple[Diff, dict[str, Any]]:
        """Check with the old state, Diff, then Update when the diff says so."""
        checked, failures = self.check(provider, inputs, olds=state)
        if failures:
            raise AssertionError(f"check failed: {failures}")
        verdict = self.diff(id_, state, checked)
        if verdict.kind != "update":
            return verdict, state
        return verdict, self.update(id_, state, checked)
