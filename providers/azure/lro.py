"""ARM long-running operations driven one step at a time, so the Waiter does the waiting.

`start_operation` sends the first request through the SDK's `begin_*` method with `polling=False`
and keeps the Azure-AsyncOperation and Location URLs; `poll_operation` reads the status document
once. Only Run Command needs this (its output exists only at the end of its operation); the
other operations are followed through the resource they change.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..core import errors
from ..core.model import CommandResult
from ..core.waiting import Done, Pending
from . import mapping, scripts

_EXIT = re.compile(r"exit status=(-?\d+)")


@dataclass(frozen=True)
class Started:
    status: int
    async_url: str = ""
    location_url: str = ""
    request_id: str = ""


def start_operation(begin: Callable[..., Any]) -> Started:
    """Send the initial request only; the SDK's own poller is never started."""
    seen: dict[str, Any] = {}

    def hook(pipeline_response: Any) -> None:
        seen.setdefault("response", pipeline_response.http_response)

    begin(polling=False, raw_response_hook=hook)
    response = seen.get("response")
    if response is None:
        return Started(0)
    headers = response.headers
    return Started(response.status_code, headers.get("Azure-AsyncOperation", ""), headers.get("Location", ""),
                   headers.get("x-ms-request-id", ""))


def poll_operation(client: Any, started: Started) -> Pending | Done[Any]:
    """One look at the operation: Pending, Done(output), or the operation's own error raised."""
    from azure.core.exceptions import HttpResponseError
    from azure.core.rest import HttpRequest

    if not started.async_url:
        return Done(None)
    reply = client.send_request(HttpRequest("GET", started.async_url))
    if reply.status_code >= 400:
        raise HttpResponseError(response=reply)
    doc = reply.json()
    status = str(doc.get("status") or "").lower()
    if status in ("inprogress", "accepted", "running", ""):
        return Pending(None, f"operation {doc.get('name', '')} {doc.get('status', '')}".strip())
    if status != "succeeded":
        err = doc.get("error") or {}
        cls = mapping.error_class(str(err.get("code") or ""), None)
        cls = errors.OperationFailed if cls in (errors.CloudError, errors.InvalidArgument) else cls
        raise cls(str(err.get("message") or f"operation {status}"), vendor=mapping.VENDOR,
                  operation="long-running operation", code=str(err.get("code") or status))
    output = (doc.get("properties") or {}).get("output")
    if output is None and started.location_url:
        final = client.send_request(HttpRequest("GET", started.location_url))
        if final.status_code >= 400:
            raise HttpResponseError(response=final)
        output = final.json() if final.content else None
    return Done(output)


def run_command_result(os_type: str, output: Mapping[str, Any] | None) -> CommandResult:
    """Read Run Command v1's statuses: one message for Linux, StdOut/StdErr entries for Windows.

    v1 reports no exit code on Windows: any standard-error output counts as a failure there.
    """
    values = list((output or {}).get("value") or [])
    if os_type == scripts.WINDOWS:
        stdout = "\n".join(str(v.get("message") or "") for v in values if "/stdout/" in str(v.get("code", "")).lower())
        stderr = "\n".join(str(v.get("message") or "") for v in values if "/stderr/" in str(v.get("code", "")).lower())
        failed = any("/failed" in str(v.get("code", "")).lower() for v in values)
        return CommandResult(1 if failed or stderr.strip() else 0, scripts.tail(stdout), scripts.tail(stderr))
    message = "\n".join(str(v.get("message") or "") for v in values)
    head, _, rest = message.partition("[stdout]")
    stdout, _, stderr = rest.partition("[stderr]")
    code = 0
    if head.lower().startswith("enable failed"):
        found = _EXIT.search(head)
        code = int(found.group(1)) if found else 1
    return CommandResult(code, scripts.tail(stdout), scripts.tail(stderr))
