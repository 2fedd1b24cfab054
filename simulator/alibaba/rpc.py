"""Alibaba's RPC style shared by its services: flat parameters, `Name.N` lists, JSON envelopes."""
from __future__ import annotations

import json

import re
from typing import Any

from ..core.wire import SimError, SimRequest, SimResponse


def params(request: SimRequest) -> dict[str, str]:
    """Query and form parameters merged (the SDKs put them in either place)."""
    merged = dict(request.query)
    if request.body and "form" in request.header("content-type", ""):
        merged.update(request.form())
    return merged


def indexed(p: dict[str, str], prefix: str) -> list[str]:
    """`Prefix.1`, `Prefix.2`, ... in index order."""
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)$")
    found = sorted((int(m.group(1)), v) for k, v in p.items() if (m := pattern.match(k)))
    return [v for _, v in found]


def tags(p: dict[str, str], prefix: str = "Tag") -> dict[str, str]:
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)\.Key$")
    out = {}
    for key, value in p.items():
        m = pattern.match(key)
        if m:
            out[value] = p.get(f"{prefix}.{m.group(1)}.Value", "")
    return out


def boolean(value: str | None) -> bool:
    return str(value).lower() == "true"


def ok(request_id: str, **payload: Any) -> SimResponse:
    return SimResponse.json(200, {"RequestId": request_id, **payload})


def error(err: SimError, request_id: str) -> SimResponse:
    body = {"RequestId": request_id, "HostId": "ecs.aliyuncs.com", "Code": err.code, "Message": err.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={err.code}"}
    headers = {"x-acs-retry-after": "1000"} if err.extra.get("throttled") else {}
    return SimResponse.json(err.status, body, **headers)


def page(items: list[Any], p: dict[str, str], default_size: int = 10, max_size: int = 100) -> tuple[list[Any], int, int]:
    number = max(1, int(p.get("PageNumber") or 1))
    size = min(max_size, max(1, int(p.get("PageSize") or default_size)))
    return items[(number - 1) * size: number * size], number, size


def json_list(value: str | None) -> list[str]:
    """ECS passes id lists as a JSON array string: `["i-1","i-2"]`."""
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return [v for v in value.split(",") if v]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]
