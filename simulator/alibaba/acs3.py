"""Alibaba's ACS3 (Tea SDK) request style: action and version in headers, flat query parameters."""
from __future__ import annotations

import base64
import json
from typing import Any

from ..core.wire import SimError, SimRequest, SimResponse
from . import rpc


def action(request: SimRequest) -> str:
    """`x-acs-action` header (the Tea SDK) or `Action` parameter (older RPC clients)."""
    return request.header("x-acs-action") or rpc.params(request).get("Action", "")


def version(request: SimRequest) -> str:
    return request.header("x-acs-version") or rpc.params(request).get("Version", "")


def params(request: SimRequest) -> dict[str, str]:
    """Query and form parameters merged: the Tea SDK sends RPC parameters in the query string."""
    return rpc.params(request)


def id_list(p: dict[str, str], name: str) -> list[str]:
    """A list parameter in any form the SDKs use: `Name.1..N`, a JSON array, or comma-separated."""
    found = rpc.indexed(p, name)
    if found:
        return found
    raw = p.get(name, "")
    if not raw:
        return []
    if raw.startswith("["):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(v) for v in parsed]
    return [v for v in raw.split(",") if v]


def boolean(p: dict[str, str], name: str, default: bool = False) -> bool:
    raw = p.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() == "true"


def integer(p: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = p.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SimError(f"InvalidParameter.{name}", f"The parameter {name} must be an integer.", 400) from None
    if not low <= value <= high:
        raise SimError(f"InvalidParameter.{name}", f"The parameter {name} must be between {low} and {high}.", 400)
    return value


def token_page(items: list[Any], p: dict[str, str], default_size: int = 10, max_size: int = 100) -> tuple[list[Any], str]:
    """NextToken/MaxResults paging: the token is opaque to clients; an empty token means no more."""
    size = integer(p, "MaxResults", default_size, 1, max_size)
    start = 0
    token = p.get("NextToken") or ""
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:"))
        except (ValueError, UnicodeDecodeError):
            raise SimError("InvalidParameter.NextToken", "The specified NextToken is invalid.", 400) from None
    chunk = items[start:start + size]
    end = start + size
    following = base64.urlsafe_b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return chunk, following


def ok(request_id: str, **payload: Any) -> SimResponse:
    return SimResponse.json(200, {"RequestId": request_id, **payload})


def error(err: SimError, request_id: str, host: str) -> SimResponse:
    """The POP gateway's error body; throttling also sets `x-acs-retry-after` (milliseconds)."""
    body = {"RequestId": request_id, "HostId": host, "Code": err.code, "Message": err.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={err.code}"}
    headers = {"x-acs-retry-after": str(err.extra.get("retry_after_ms", 1000))} if err.extra.get("throttled") else {}
    return SimResponse.json(err.status, body, **headers)
