"""Transport-neutral request/response values and the contract each vendor's wire module meets."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class SimRequest:
    method: str
    path: str  # without the query string
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    tls: bool = False

    @classmethod
    def build(cls, method: str, target: str, headers: Mapping[str, str], body: bytes, tls: bool = False) -> "SimRequest":
        parts = urlsplit(target)
        return cls(method.upper(), parts.path or "/", dict(parse_qsl(parts.query, keep_blank_values=True)),
                   {k.lower(): v for k, v in headers.items()}, body, tls)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass
class SimResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, content_type: str = "application/json", **headers: str) -> "SimResponse":
        return cls(status, json.dumps(payload).encode(), {"Content-Type": content_type, **headers})


class SimError(Exception):
    """A vendor-coded refusal raised by a model; the wire module renders it in the vendor's shape."""

    def __init__(self, code: str, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra


@dataclass(frozen=True)
class Call:
    """What a request asks for, in the vendor's own words: used for the log and fault matching."""

    action: str
    region: str
    params: Mapping[str, Any]
    account: str = "default"


class VendorWire(Protocol):
    """One vendor protocol on the shared server."""

    vendor: str
    throttle_code: str
    throttle_status: int

    def matches(self, request: SimRequest) -> bool: ...

    def identify(self, request: SimRequest) -> Call: ...

    def handle(self, call: Call, request: SimRequest) -> SimResponse: ...

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse: ...
