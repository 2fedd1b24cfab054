"""ARM long-running operations one step at a time, so the resource's Waiter does the waiting.

`start_operation` sends the first request through the SDK's `begin_*` method with `polling=False`
and keeps the Azure-AsyncOperation URL; `read_operation` reads that status document once. Only
Run Command needs it (its output exists only at the end of its operation); the other operations
are followed through the resource they change.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import mapping

IN_PROGRESS = ("inprogress", "accepted", "running", "")


@dataclass(frozen=True)
class Begun:
    """The first reply of a long-running operation: its status and where to follow it."""

    status: int
    async_url: str = ""
    location_url: str = ""
    request_id: str = ""


@dataclass(frozen=True)
class OperationState:
    """One read of an operation: still running (`done` False), or done with its output."""

    done: bool
    output: Any = None


def start_operation(begin: Callable[..., Any]) -> Begun:
    """Send the initial request only; the SDK's own poller is never started."""
    seen: dict[str, Any] = {}

    def hook(pipeline_response: Any) -> None:
        seen.setdefault("response", pipeline_response.http_response)

    begin(polling=False, raw_response_hook=hook)
    response = seen.get("response")
    if response is None:
        return Begun(0)
    headers = response.headers
    return Begun(response.status_code, headers.get("Azure-AsyncOperation", ""), headers.get("Location", ""),
                 headers.get("x-ms-request-id", ""))


def read_operation(client: Any, url: str, operation: str, resource_id: str = "") -> OperationState:
    """One GET of the operation status document; an operation that ended Failed raises its own error.

    https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations
    """
    from azure.core.exceptions import HttpResponseError
    from azure.core.rest import HttpRequest

    reply = client.send_request(HttpRequest("GET", url))
    if reply.status_code >= 400:
        raise HttpResponseError(response=reply)
    doc = reply.json()
    status = str(doc.get("status") or "").lower()
    if status in IN_PROGRESS:
        return OperationState(False)
    if status != "succeeded":
        err = doc.get("error") or {}
        raise mapping.operation_error(str(err.get("code") or status), str(err.get("message") or ""), operation,
                                      resource_id)
    return OperationState(True, (doc.get("properties") or {}).get("output"))
